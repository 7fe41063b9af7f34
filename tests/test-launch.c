/* test-launch.c: the real binary launched as users launch it: --help,
 * a URL, a request with -X/-H/-d, a bad argument, --replay of a capture
 * (and its bad arguments), --demo with a path and a request, a second invocation
 * forwarded to the running instance, and the installed desktop entry
 * launched with a URL (`gio launch`). Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test spawns LS_BUILD_DIR/src/loopscope and watches what reaches a
 * real server: the demo server, or a SoupServer on this thread that
 * records the request. Waits have a deadline only to fail instead of
 * hanging; nothing is asserted about time.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ls-application.h"
#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"
#include "ls-test-utils.h"
#include "ls-window.h"

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
  char       *query;
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
  g_free (rec->query);
  rec->query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
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
  g_free (rec->query);
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

/* Runs the binary with @args to its end; returns its exit status, its
 * standard error in @err. */
static int
run_app_sync (const char * const *args,
              char              **err)
{
  g_autofree char *binary = ls_gui_test_app_path ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gint status;

  g_ptr_array_add (argv, binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* `loopscope --replay FILE`: the window streams the capture from the app's
 * own demo server (seen live through LS_DEBUG_QUIT_REPORT: the capture's
 * one connection stays open two seconds, between its two reads). Bad
 * arguments: a message and status 1. */
static void
test_launch_replay (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-launch-replay-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "capture.jsonl", NULL);
  g_autofree char *err = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  LsGuiTestStderr watched;
  LsGuiTestChild child;
  gint err_fd;

  g_assert_true (g_file_set_contents (path,
    "{\"format\":\"loopscope-capture\",\"version\":1,\"request\":{\"method\":\"GET\","
    "\"url\":\"http://127.0.0.1:9/\",\"format\":\"auto\",\"headers\":[]}}\n"
    "{\"kind\":\"connect\",\"t\":0,\"connection\":1}\n"
    "{\"kind\":\"response\",\"t\":1,\"connection\":1,\"http_version\":\"HTTP/1.1\",\"status\":200,"
    "\"reason\":\"OK\",\"headers_ms\":1,\"headers\":[{\"name\":\"Content-Type\",\"value\":\"text/event-stream\"}]}\n"
    /* "data: 1\n\n", then "data: 2\n\n" two seconds later */
    "{\"kind\":\"read\",\"t\":2,\"connection\":1,\"size\":9,\"data_b64\":\"ZGF0YTogMQoK\"}\n"
    "{\"kind\":\"read\",\"t\":2002,\"connection\":1,\"size\":9,\"data_b64\":\"ZGF0YTogMgoK\"}\n",
    -1, NULL));

  {
    const char *args[] = { "--speed", "2", NULL };

    g_assert_cmpint (run_app_sync (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "loopscope: --speed needs --replay"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "--replay", path, "--speed", "1000", NULL };

    g_assert_cmpint (run_app_sync (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "loopscope: --speed: Speed “1000” is not a number from 0.1 to 100, or max"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "--replay", "/nonexistent/capture.jsonl", NULL };

    g_assert_cmpint (run_app_sync (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "loopscope: --replay: "));
    g_assert_null (strstr (err, "CRITICAL"));
    g_clear_pointer (&err, g_free);
  }

  envp = g_environ_setenv (envp, "LS_DEBUG_QUIT_REPORT", "1", TRUE);
  {
    const char *args[] = { "--replay", path, NULL };

    ls_gui_test_spawn_app (&child, args, envp, &err_fd);
  }
  ls_gui_test_stderr_watch (&watched, err_fd);
  if (!ls_gui_test_wait_for (ls_gui_test_stderr_live, &watched))
    {
      kill (child.pid, SIGKILL);
      g_error ("the app never reported a live replay; stderr:\n%s", watched.err->str);
    }
  ls_gui_test_terminate_app (&child, watched.err);
  ls_gui_test_stderr_clear (&watched);

  g_remove (path);
  g_rmdir (dir);
}

/* `loopscope --demo PATH -X … -H … -d …`: the request goes to PATH on the
 * embedded demo server, as in headless mode (it once read PATH as a URL
 * without a host). In this process, so that the window can be asked what
 * it sent and what came back. */
typedef struct
{
  LsApplication *app;
  LsWindow      *window;    /* weak */
} DemoPathRun;

static gboolean
step_demo_path_events (gpointer data)
{
  DemoPathRun *run = data;
  LsStreamPage *page;
  LsRequestEditor *editor;
  LsStream *stream;
  const LsStreamOptions *sent;
  const char *name = NULL;
  const char *value = NULL;
  g_autofree char *expected_url = NULL;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  page = ls_window_get_stream_page (run->window);
  stream = ls_stream_page_get_stream (page);
  if (stream == NULL || ls_event_store_get_end_seq (ls_stream_get_store (stream)) < 5)
    return FALSE;

  editor = ls_stream_page_get_editor (page);
  expected_url = g_strconcat (ls_demo_server_get_base_uri (ls_application_get_demo_server (run->app)),
                              "/llm?interval_ms=1", NULL);
  sent = ls_stream_get_options (stream);
  g_assert_cmpstr (ls_request_editor_get_url (editor), ==, expected_url);
  g_assert_cmpstr (sent->url, ==, expected_url);
  g_assert_cmpstr (sent->method, ==, "POST");
  g_assert_true (ls_request_editor_get_header (editor, 0, &name, &value));
  g_assert_cmpstr (name, ==, "Content-Type");
  g_assert_cmpstr (value, ==, "application/json");
  g_assert_cmpuint (sent->headers->len, ==, 1);
  g_assert_nonnull (sent->body);
  g_assert_cmpmem (g_bytes_get_data (sent->body, NULL), g_bytes_get_size (sent->body),
                   "{\"prompt\":\"hi\",\"max_tokens\":8}", strlen ("{\"prompt\":\"hi\",\"max_tokens\":8}"));
  /* Only the demo server's own window: none for the path as a URL. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (run->app))->next);
  return TRUE;
}

static void
test_launch_demo_path (void)
{
  static const LsGuiStep steps[] = {
    { "events from the demo path", step_demo_path_events },
    { "quit", ls_gui_test_step_quit },
  };
  const char *argv[] = {
    "loopscope", "--demo", "/llm?interval_ms=1", "-X", "POST", "-H", "Content-Type: application/json",
    "-d", "{\"prompt\":\"hi\",\"max_tokens\":8}", NULL,
  };
  DemoPathRun run = { NULL, };

  run.app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  ls_gui_test_run_steps_argv (G_APPLICATION (run.app), argv, steps, G_N_ELEMENTS (steps), &run);
  g_assert_null (run.window);
  g_assert_finalize_object (run.app);
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

/* ---- the installed desktop entry ----------------------------------------- */

static void
run_or_fail (const char * const *argv,
             char              **envp)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s%s", argv[0], error->message, out, err);
}

typedef struct
{
  const char *binary;   /* its real path */
  GPid        pid;
} Adopted;

/* A child of this process (adopted as a subreaper) running @binary. */
static gboolean
find_adopted (gpointer data)
{
  Adopted *adopted = data;
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *exe_path = g_build_filename ("/proc", name, "exe", NULL);
      g_autofree char *stat = NULL;
      g_autofree char *exe = NULL;
      const char *after_comm;
      char state;
      int ppid;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) state ppid ...": comm may hold anything but ends at the last ')'. */
      after_comm = strrchr (stat, ')');
      if (after_comm == NULL || sscanf (after_comm + 1, " %c %d", &state, &ppid) != 2
          || ppid != getpid ())
        continue;
      exe = g_file_read_link (exe_path, NULL);
      if (g_strcmp0 (exe, adopted->binary) == 0)
        {
          adopted->pid = (GPid) g_ascii_strtoll (name, NULL, 10);
          return TRUE;
        }
    }
  return FALSE;
}

/* What a desktop does with the installed entry and a URL: `gio launch`
 * runs its Exec line with the URL for %u. The installed binary (found on
 * PATH, its schema found under XDG_DATA_DIRS) opens a window connected to
 * it: the GET, query and all, reaches the server. */
static void
test_launch_desktop_entry (void)
{
  const char *meson = g_getenv ("LS_MESON");
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autofree char *destdir = NULL;
  g_autofree char *bindir = NULL;
  g_autofree char *libexecdir = NULL;
  g_autofree char *datadir = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *schemas = NULL;
  g_autofree char *binary = NULL;
  g_autofree char *gui_binary = NULL;
  g_autofree char *real_gui_binary = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *url = NULL;
  g_autofree char *search_path = NULL;
  g_autofree char *data_dirs = NULL;
  g_auto(GStrv) envp = NULL;
  Adopted adopted = { NULL, 0 };
  LsGuiTestChild child;
  Recorder rec;

  if (meson == NULL)
    {
      g_test_skip ("meson was not found at configure time: nothing to install with");
      return;
    }

  destdir = g_dir_make_tmp ("loopscope-install-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *argv[] = { meson, "install", "-C", g_getenv ("LS_BUILD_DIR"), "--no-rebuild",
                           "--quiet", "--destdir", destdir, NULL };

    run_or_fail (argv, NULL);
  }
  bindir = g_build_filename (destdir, g_getenv ("LS_INSTALL_BINDIR"), NULL);
  libexecdir = g_build_filename (destdir, g_getenv ("LS_INSTALL_LIBEXECDIR"), NULL);
  datadir = g_build_filename (destdir, g_getenv ("LS_INSTALL_DATADIR"), NULL);
  desktop = g_build_filename (datadir, "applications", APP_ID ".desktop", NULL);
  schemas = g_build_filename (datadir, "glib-2.0", "schemas", NULL);

  /* The entry runs the binary the build installs, with one URL, and
   * claims no MIME type or URL scheme. */
  g_assert_true (g_key_file_load_from_file (entry, desktop, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "loopscope %u");
  g_assert_false (g_key_file_has_key (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_MIME_TYPE, NULL));
  binary = g_build_filename (bindir, "loopscope", NULL);
  g_assert_true (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE));
  /* loopscope becomes the window's binary, installed in libexecdir (found
   * from where loopscope is, under the DESTDIR too); as /proc/PID/exe
   * names it: symbolic links resolved. */
  gui_binary = g_build_filename (libexecdir, "loopscope-gui", NULL);
  real_gui_binary = realpath (gui_binary, NULL);
  g_assert_nonnull (real_gui_binary);
  adopted.binary = real_gui_binary;

  /* glib-compile-schemas runs after an install only without a DESTDIR. */
  {
    const char *argv[] = { "glib-compile-schemas", "--strict", schemas, NULL };

    run_or_fail (argv, NULL);
  }

  search_path = g_strconcat (bindir, ":", g_getenv ("PATH"), NULL);
  data_dirs = g_strconcat (datadir, ":/usr/local/share:/usr/share", NULL);
  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "PATH", search_path, TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_DIRS", data_dirs, TRUE);
  envp = g_environ_unsetenv (envp, "GSETTINGS_SCHEMA_DIR");   /* the build's, in the test environment */

  recorder_start (&rec);
  url = g_strdup_printf ("%s/sse/ticks?rate=5&from=desktop", rec.base_uri);

  /* gio exits once the app is spawned; the app, orphaned, becomes this
   * process's child, to be ended as users end it. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);
  {
    const char *argv[] = { "gio", "launch", desktop, url, NULL };
    gint status;

    /* Not run_or_fail(): the app inherits gio's output, so a pipe there
     * would stay open as long as the app runs. Its stderr is the test's. */
    g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_no_error (error);
  }
  if (!ls_gui_test_wait_for (find_adopted, &adopted))
    g_error ("no %s was started by gio launch %s (through %s)", gui_binary, desktop, binary);
  ls_gui_test_adopt_app (&child, adopted.pid);
  ls_gui_test_child_wait (&child, has_request, &rec, "the launched app never requested %s", url);
  g_assert_cmpstr (rec.method, ==, "GET");
  g_assert_cmpstr (rec.path, ==, "/sse/ticks");
  g_assert_cmpstr (rec.query, ==, "rate=5&from=desktop");
  ls_gui_test_terminate_app (&child, NULL);
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), ==, 0);

  recorder_stop (&rec);
  {
    const char *argv[] = { "rm", "-rf", destdir, NULL };

    run_or_fail (argv, NULL);
  }
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
  g_test_add_func ("/launch/replay", test_launch_replay);
  g_test_add_func ("/launch/demo-path", test_launch_demo_path);
  g_test_add_func ("/launch/second-instance", test_launch_second_instance);
  g_test_add_func ("/launch/desktop-entry", test_launch_desktop_entry);

  return g_test_run ();
}
