/* bench-ingest.c: end-to-end headless ingest against curl, same server, same run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo server (in this process, on its own thread) serves /sse/bulk:
 * one million SSE events of about 113 bytes each over loopback. Each round
 * runs `loopscope --headless URL --events-out /dev/null` (the real entry
 * point, tests/ls-headless-runner) and `curl -N -s -o /dev/null URL` as
 * child processes and times them from spawn to exit. Prints the figures
 * and the ratio of byte rates; asserts nothing about time.
 *
 *   bench-ingest [EVENTS] [ROUNDS]
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

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
