/* test-launch.c: the real binary launched as users launch it: --help,
 * a URL, a request with -X/-H/-d, a bad argument, and a second invocation
 * forwarded to the running instance. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test spawns LS_BUILD_DIR/src/loopscope and watches what reaches a
 * real server: the demo server, or a SoupServer on this thread that
 * records the request. Waits have a deadline only to fail instead of
 * hanging; nothing is asserted about time.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"
#include "ls-test-utils.h"

/* ---- a demo server -------------------------------------------------------- */

typedef struct
{
  LsDemoServer *server;
  guint         at_least;
} Connections;

static gboolean
has_connections (gpointer data)
{
  Connections *c = data;

  return ls_demo_server_get_n_connections (c->server) >= c->at_least;
}

/* ---- a SoupServer that records the request --------------------------------- */

typedef struct
{
  SoupServer *server;
  char       *base_uri;
  guint       n_requests;
  char       *method;
  char       *path;
  char       *header;
  char       *body;
} Recorder;

static void
recorder_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Recorder *rec = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  static const char events[] = "data: hello\n\n";

  rec->n_requests++;
  g_free (rec->method);
  rec->method = g_strdup (soup_server_message_get_method (msg));
  g_free (rec->path);
  rec->path = g_strdup (path);
  g_free (rec->header);
  rec->header = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-Launch-Test"));
  g_free (rec->body);
  rec->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_STATIC, events, strlen (events));
}

static void
recorder_start (Recorder *rec)
{
  memset (rec, 0, sizeof *rec);
  rec->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (rec->server, NULL, recorder_handler, rec, NULL);
  rec->base_uri = g_strdup_printf ("http://127.0.0.1:%u", ls_test_soup_listen (rec->server, 0));
}

static void
recorder_stop (Recorder *rec)
{
  soup_server_disconnect (rec->server);
  g_clear_object (&rec->server);
  g_free (rec->base_uri);
  g_free (rec->method);
  g_free (rec->path);
  g_free (rec->header);
  g_free (rec->body);
}

static gboolean
has_request (gpointer data)
{
  return ((Recorder *) data)->n_requests > 0;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_launch_help (void)
{
  g_autofree char *binary = ls_gui_test_app_path ();
  const char *argv[] = { binary, "--help", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out, "--headless"));
  g_assert_nonnull (strstr (out, "--headless --help"));
  g_assert_nonnull (strstr (out, "man loopscope"));
  g_assert_nonnull (strstr (out, "--method"));
  g_assert_nonnull (strstr (out, "--header"));
  g_assert_nonnull (strstr (out, "--data"));
  g_assert_nonnull (strstr (out, "[URL]"));
}

/* `loopscope URL`: the window opens connected to it. */
static void
test_launch_url (void)
{
  g_autoptr(LsDemoServer) server = ls_test_demo_server_start ();
  g_autofree char *url = g_strdup_printf ("%s/sse/ticks?rate=5", ls_demo_server_get_base_uri (server));
  const char *args[] = { url, NULL };
  Connections connections = { server, 1 };
  LsGuiTestChild child;

  ls_gui_test_spawn_app (&child, args, NULL, NULL);
  ls_gui_test_child_wait (&child, has_connections, &connections,
                          "loopscope URL never connected to %s", url);
  ls_gui_test_terminate_app (&child, NULL);
  ls_demo_server_stop (server);
}

/* -X, -H and -d reach the server as given. */
static void
test_launch_request (void)
{
  Recorder rec;
  g_autofree char *url = NULL;
  LsGuiTestChild child;

  recorder_start (&rec);
  url = g_strdup_printf ("%s/llm", rec.base_uri);
  {
    const char *args[] = { "-X", "PUT", "-H", "X-Launch-Test: forty two", "-d", "{\"prompt\":\"hi\"}", url, NULL };

    ls_gui_test_spawn_app (&child, args, NULL, NULL);
  }
  ls_gui_test_child_wait (&child, has_request, &rec,
                          "no request reached %s", url);
  g_assert_cmpstr (rec.method, ==, "PUT");
  g_assert_cmpstr (rec.path, ==, "/llm");
  g_assert_cmpstr (rec.header, ==, "forty two");
  g_assert_cmpstr (rec.body, ==, "{\"prompt\":\"hi\"}");
  ls_gui_test_terminate_app (&child, NULL);

  /* -d alone means POST, as with curl. */
  rec.n_requests = 0;
  {
    const char *args[] = { "-d", "body", url, NULL };

    ls_gui_test_spawn_app (&child, args, NULL, NULL);
  }
  ls_gui_test_child_wait (&child, has_request, &rec,
                          "no request reached %s", url);
  g_assert_cmpstr (rec.method, ==, "POST");
  g_assert_cmpstr (rec.body, ==, "body");
  ls_gui_test_terminate_app (&child, NULL);

  recorder_stop (&rec);
}

/* A header curl would refuse: a message and status 1, no window left behind. */
static void
test_launch_bad_header (void)
{
  g_autofree char *binary = ls_gui_test_app_path ();
  const char *argv[] = { binary, "-H", "no colon here", "http://127.0.0.1:9/", NULL };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_nonnull (strstr (err, "loopscope: "));
  g_assert_null (strstr (err, "CRITICAL"));
}

/* With a session bus, a second `loopscope URL` hands its command line to
 * the running instance, which opens a second window connected to it, and
 * exits 0 at once. */
static void
test_launch_second_instance (void)
{
  const char *daemon_argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL };
  g_autoptr(LsDemoServer) server = ls_test_demo_server_start ();
  g_autofree char *url1 = g_strdup_printf ("%s/sse/ticks?rate=5", ls_demo_server_get_base_uri (server));
  g_autofree char *url2 = g_strdup_printf ("%s/sse/ticks?rate=7", ls_demo_server_get_base_uri (server));
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *address = NULL;
  g_auto(GStrv) envp = NULL;
  Connections connections = { server, 1 };
  g_autofree char *daemon_path = g_find_program_in_path ("dbus-daemon");
  LsGuiTestChild first, second;
  GPid daemon_pid;
  gint daemon_out;

  if (daemon_path == NULL)
    {
      g_test_skip ("no dbus-daemon");
      return;
    }
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) daemon_argv, NULL, G_SPAWN_SEARCH_PATH,
                                           NULL, NULL, &daemon_pid, NULL, &daemon_out, NULL, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (daemon_out);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_line (channel, &address, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_no_error (error);
  g_strstrip (address);
  envp = g_environ_setenv (g_get_environ (), "DBUS_SESSION_BUS_ADDRESS", address, TRUE);

  {
    const char *args[] = { url1, NULL };

    ls_gui_test_spawn_app (&first, args, envp, NULL);
  }
  if (!ls_gui_test_wait_for (has_connections, &connections))
    {
      kill (first.pid, SIGKILL);
      kill (daemon_pid, SIGTERM);
      g_error ("the first instance never connected");
    }

  {
    const char *args[] = { url2, NULL };

    ls_gui_test_spawn_app (&second, args, envp, NULL);
  }
  /* The second process only forwards: it exits, successfully... */
  if (!ls_gui_test_wait_for (ls_gui_test_child_exited, &second))
    {
      kill (second.pid, SIGKILL);
      kill (first.pid, SIGKILL);
      kill (daemon_pid, SIGTERM);
      g_error ("the second instance did not exit");
    }
  g_assert_true (g_spawn_check_wait_status (second.wait_status, &error));
  g_assert_no_error (error);

  /* ...and the first one opened a second stream. */
  connections.at_least = 2;
  if (!ls_gui_test_wait_for (has_connections, &connections))
    {
      kill (first.pid, SIGKILL);
      kill (daemon_pid, SIGTERM);
      g_error ("the running instance did not connect to the second URL");
    }
  g_assert_false (first.exited);

  ls_gui_test_terminate_app (&first, NULL);
  kill (daemon_pid, SIGTERM);
  g_spawn_close_pid (daemon_pid);
  ls_demo_server_stop (server);
}

int
main (int   argc,
      char *argv[])
{
  if (!ls_gui_test_init (&argc, &argv, "/launch/no-display"))
    return g_test_run ();

  g_test_add_func ("/launch/help", test_launch_help);
  g_test_add_func ("/launch/url", test_launch_url);
  g_test_add_func ("/launch/request", test_launch_request);
  g_test_add_func ("/launch/bad-header", test_launch_bad_header);
  g_test_add_func ("/launch/second-instance", test_launch_second_instance);

  return g_test_run ();
}
