/* bench-ingest.c: end-to-end headless ingest against curl, same server, same run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two servers, one after the other:
 *
 * - The demo server (in this process, on its own thread) serves /sse/bulk:
 *   one million SSE events of about 113 bytes each over loopback.
 * - nginx (when installed: `build-aux/dev bench` brings it) serves a static
 *   file of one million SSE events of exactly 113 bytes, as another program
 *   would meet a real server: sendfile, no server work in this process.
 *
 * Each round runs `loopscope --headless URL --no-reconnect --events-out
 * /dev/null` (the real binary when built, else tests/ls-headless-runner),
 * `curl -N -s -o /dev/null URL` and, against nginx and when Node.js and
 * npm's `eventsource` are there (NODE_PATH), tests/bench-eventsource.js, as
 * child processes, and times each from spawn to exit. Prints the figures
 * and the ratios of byte rates (medians); asserts nothing about time.
 *
 *   bench-ingest [EVENTS] [ROUNDS]
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ls-demo-server.h"
#include "ls-test-utils.h"

/* size=94: 13 + 94 + digits(id) bytes per event, 112.9 on average for ids
 * 1..1000000. */
#define EVENT_PAYLOAD 94

typedef struct
{
  double   seconds;
  guint64  bytes;
  guint64  events;
  gboolean ok;
} Figure;

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static guint64
stat_value (const char *stats,
            const char *key)
{
  g_autofree char *needle = g_strdup_printf (" %s=", key);
  const char *p = strstr (stats, needle);

  return p != NULL ? g_ascii_strtoull (p + strlen (needle), NULL, 10) : 0;
}

/* A child timed from spawn to exit; its standard output kept in @out. */
static double
run_timed (const char * const *argv,
           char              **out,
           gboolean           *ok)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  double start = now_s ();
  double seconds;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, out, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      *ok = FALSE;
      return 0;
    }
  seconds = now_s () - start;
  *ok = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
  return seconds;
}

static Figure
run_headless (const char *url)
{
  LsHeadlessRun run = { 0 };
  Figure figure = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_DISCARD_OUT | LS_HEADLESS_RUN_NO_DEADLINE,
                        url, "--no-reconnect", "--events-out", "/dev/null", "--stats", NULL);
  figure.seconds = run.seconds;
  figure.ok = run.status == 0;
  figure.bytes = stat_value (run.err, "bytes");
  figure.events = stat_value (run.err, "events");
  if (!figure.ok)
    g_printerr ("headless failed: %s", run.err);
  ls_headless_run_clear (&run);
  return figure;
}

static Figure
run_curl (const char *curl,
          const char *url)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  Figure figure = { 0 };
  double start = now_s ();

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              curl, "-N", "-s", "-o", "/dev/null", "-w", "%{size_download}", url, NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
    {
      g_printerr ("curl: %s\n", error->message);
      return figure;
    }
  figure.seconds = now_s () - start;
  figure.ok = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
  figure.bytes = g_ascii_strtoull (out, NULL, 10);
  return figure;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* ---- against nginx ------------------------------------------------------ */

#define NGINX_EVENT_SIZE 113

/* "id: N\ndata: xxx…\n\n", exactly NGINX_EVENT_SIZE bytes per event. */
static gboolean
write_event_file (const char *path,
                  guint64     count,
                  guint64    *bytes)
{
  g_autoptr(GString) out = g_string_sized_new (count * NGINX_EVENT_SIZE);
  g_autoptr(GError) error = NULL;
  char pad[NGINX_EVENT_SIZE];

  memset (pad, 'x', sizeof pad);
  for (guint64 id = 1; id <= count; id++)
    {
      gsize start = out->len;

      g_string_append_printf (out, "id: %" G_GUINT64_FORMAT "\ndata: ", id);
      g_string_append_len (out, pad, NGINX_EVENT_SIZE - 2 - (out->len - start));
      g_string_append (out, "\n\n");
    }
  *bytes = out->len;
  if (!g_file_set_contents (path, out->str, out->len, &error))
    {
      g_printerr ("ingest: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

/* A port nobody listens on right now (bound, noted, closed). */
static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL))
    return 0;
  bound = g_socket_get_local_address (socket, NULL);
  return bound != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

static gboolean
port_accepts (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

static char *
find_nginx (void)
{
  char *path = g_find_program_in_path ("nginx");

  if (path == NULL && g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/nginx");
  return path;
}

/* The eventsource client script, and whether Node.js can load the module. */
static char *
find_eventsource_script (const char *node)
{
  const char *source_dir = g_getenv ("LS_SOURCE_DIR");
  g_autofree char *script = NULL;
  g_autofree char *check_out = NULL;
  gboolean ok = FALSE;

  if (node == NULL || source_dir == NULL)
    return NULL;
  script = g_build_filename (source_dir, "tests", "bench-eventsource.js", NULL);
  {
    const char *argv[] = { node, "-e", "require('eventsource')", NULL };

    run_timed (argv, &check_out, &ok);
  }
  return ok ? g_steal_pointer (&script) : NULL;
}

static int
run_against_nginx (guint64 count,
                   guint   rounds)
{
  g_autofree char *nginx = find_nginx ();
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *eventsource = find_eventsource_script (node);
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *conf_text = NULL;
  g_autofree char *url = NULL;
  g_autofree char *count_text = g_strdup_printf ("%" G_GUINT64_FORMAT, count);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  double *ls_rates, *curl_rates, *es_rates;
  double ls_median, curl_median, es_median;
  guint64 bytes;
  guint16 port;
  guint es_ok = 0;
  int result = 0;

  if (nginx == NULL || curl == NULL)
    {
      g_print ("ingest/nginx: nginx or curl not found: skipped (build-aux/dev bench installs them)\n");
      return 0;
    }
  dir = g_dir_make_tmp ("loopscope-bench-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("ingest/nginx: %s\n", error->message);
      return 1;
    }
  file = g_build_filename (dir, "events.sse", NULL);
  conf = g_build_filename (dir, "nginx.conf", NULL);
  port = free_port ();
  if (port == 0 || !write_event_file (file, count, &bytes))
    return 1;
  conf_text = g_strdup_printf (
    "daemon off;\nmaster_process off;\nworker_processes 1;\n"
    "error_log %s/error.log;\npid %s/nginx.pid;\n"
    "events { worker_connections 64; }\n"
    "http {\n  access_log off;\n  sendfile on;\n"
    "  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n"
    "  uwsgi_temp_path %s; scgi_temp_path %s;\n"
    "  types { text/event-stream sse; }\n"
    "  server { listen 127.0.0.1:%u; root %s; }\n}\n",
    dir, dir, dir, dir, dir, dir, dir, port, dir);
  if (!g_file_set_contents (conf, conf_text, -1, &error))
    {
      g_printerr ("ingest/nginx: %s\n", error->message);
      return 1;
    }
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                             nginx, "-p", dir, "-c", conf, "-e", "stderr", NULL);
  if (server == NULL)
    {
      g_printerr ("ingest/nginx: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < 500 && !port_accepts (port); i++)
    g_usleep (10 * 1000);

  url = g_strdup_printf ("http://127.0.0.1:%u/events.sse", port);
  g_print ("ingest/nginx: %s, %" G_GUINT64_FORMAT " events of %d bytes, %u rounds, %s\n",
           url, count, NGINX_EVENT_SIZE, rounds, ls_test_headless_binary ());
  if (eventsource == NULL)
    g_print ("ingest/nginx: Node.js or npm's eventsource not found: no comparison with it\n");

  ls_rates = g_new0 (double, rounds);
  curl_rates = g_new0 (double, rounds);
  es_rates = g_new0 (double, rounds);
  for (guint i = 0; i < rounds && result == 0; i++)
    {
      const char *ls_argv[] = { ls_test_headless_binary (), "--headless", url, "--no-reconnect",
                                "--events-out", "/dev/null", "--stats", NULL };
      const char *curl_argv[] = { curl, "-N", "-s", "-o", "/dev/null", url, NULL };
      const char *es_argv[] = { node, eventsource, url, count_text, NULL };
      g_autofree char *ls_out = NULL;
      g_autofree char *curl_out = NULL;
      g_autofree char *es_out = NULL;
      gboolean ls_ok, curl_ok, es_run_ok = FALSE;
      double ls_s, curl_s, es_s = 0;

      /* Interleaved, so that none always runs on a warmer machine. */
      ls_s = run_timed (ls_argv, &ls_out, &ls_ok);
      curl_s = run_timed (curl_argv, &curl_out, &curl_ok);
      if (eventsource != NULL)
        es_s = run_timed (es_argv, &es_out, &es_run_ok);
      if (!ls_ok || !curl_ok)
        {
          g_printerr ("ingest/nginx: a run failed (loopscope %d, curl %d)\n", ls_ok, curl_ok);
          result = 1;
          break;
        }
      ls_rates[i] = bytes / ls_s;
      curl_rates[i] = bytes / curl_s;
      g_print ("  round %u: loopscope %.3f s (%.0f events/s), curl %.3f s", i + 1, ls_s, count / ls_s, curl_s);
      if (es_run_ok && es_out != NULL && g_ascii_strtoull (es_out, NULL, 10) == count)
        {
          es_rates[es_ok++] = bytes / es_s;
          g_print (", eventsource %.3f s", es_s);
        }
      g_print ("\n");
    }

  if (result == 0)
    {
      ls_median = median (ls_rates, rounds);
      curl_median = median (curl_rates, rounds);
      g_print ("ingest/nginx: loopscope --headless %.1f MB/s (%.2f M events/s), curl -N %.1f MB/s\n",
               ls_median / 1e6, ls_median / NGINX_EVENT_SIZE / 1e6, curl_median / 1e6);
      g_print ("ingest/nginx: ratio loopscope/curl = %.2f (target >= 0.5)\n", ls_median / curl_median);
      if (es_ok > 0)
        {
          es_median = median (es_rates, es_ok);
          g_print ("ingest/nginx: eventsource %.1f MB/s; ratio loopscope/eventsource = %.1f (target >= 5)\n",
                   es_median / 1e6, ls_median / es_median);
        }
    }

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  g_remove (file);
  g_remove (conf);
  {
    g_autofree char *log = g_build_filename (dir, "error.log", NULL);
    g_autofree char *pid = g_build_filename (dir, "nginx.pid", NULL);

    g_remove (log);
    g_remove (pid);
  }
  g_rmdir (dir);
  g_free (ls_rates);
  g_free (curl_rates);
  g_free (es_rates);
  return result;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LsDemoServer) server = ls_demo_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *url = NULL;
  guint64 count = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1000000;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 5;
  double *ls_rates, *curl_rates;
  guint64 bytes = 0;
  double ls_median, curl_median = 0;

  if (count == 0 || rounds == 0)
    {
      g_printerr ("usage: bench-ingest [EVENTS] [ROUNDS]\n");
      return 2;
    }
  if (run_against_nginx (count, rounds) != 0)
    return 1;
  if (!ls_demo_server_start_sync (server, 0, &error))
    {
      g_printerr ("demo server: %s\n", error->message);
      return 1;
    }
  url = g_strdup_printf ("%s/sse/bulk?count=%" G_GUINT64_FORMAT "&size=%d",
                         ls_demo_server_get_base_uri (server), count, EVENT_PAYLOAD);
  g_print ("ingest: %s, %u rounds\n", url, rounds);
  if (curl == NULL)
    g_print ("ingest: curl not found: no comparison (build-aux/dev install brings it)\n");

  ls_rates = g_new0 (double, rounds);
  curl_rates = g_new0 (double, rounds);
  for (guint i = 0; i < rounds; i++)
    {
      /* Alternate, so that neither always runs on a warmer machine. */
      Figure ls = run_headless (url);
      Figure c = curl != NULL ? run_curl (curl, url) : (Figure) { 0 };

      if (!ls.ok || ls.events != count)
        {
          g_printerr ("ingest: the headless run failed or lost events (%" G_GUINT64_FORMAT ")\n", ls.events);
          return 1;
        }
      bytes = ls.bytes;
      ls_rates[i] = ls.bytes / ls.seconds;
      g_print ("  round %u: loopscope %" G_GUINT64_FORMAT " events, %.1f MB in %.3f s = %.0f events/s, %.1f MB/s",
               i + 1, ls.events, ls.bytes / 1e6, ls.seconds, ls.events / ls.seconds, ls.bytes / ls.seconds / 1e6);
      if (curl != NULL && c.ok)
        {
          curl_rates[i] = c.bytes / c.seconds;
          g_print ("; curl %.1f MB in %.3f s = %.1f MB/s", c.bytes / 1e6, c.seconds, c.bytes / c.seconds / 1e6);
        }
      g_print ("\n");
    }

  ls_median = median (ls_rates, rounds);
  g_print ("ingest: loopscope --headless: %.0f events/s, %.1f MB/s (median of %u; %.1f bytes/event)\n",
           ls_median / ((double) bytes / count), ls_median / 1e6, rounds, (double) bytes / count);
  if (curl != NULL)
    {
      curl_median = median (curl_rates, rounds);
      g_print ("ingest: curl -N -o /dev/null:  %.1f MB/s\n", curl_median / 1e6);
      g_print ("ingest: ratio loopscope/curl = %.2f (target >= 0.5)\n",
               curl_median > 0 ? ls_median / curl_median : 0);
    }

  g_free (ls_rates);
  g_free (curl_rates);
  ls_demo_server_stop (server);
  return 0;
}
