/* test-load.c: the short load runs (CI); bench-load runs the long ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - 1,000 SSE streams from one loopback server at 10 events/s each for
 *   5 s: every event received (ids contiguous per stream) and the RSS
 *   growth bounded. The UI loop's lag is printed, not asserted: a time
 *   bound is a benchmark figure (bench-load prints it against its target).
 * - A million events through one stream into a store capped at 100,000:
 *   the store's memory stays flat once the cap is reached, and exactly
 *   total − cap records are dropped.
 *
 * Under sanitizers and valgrind (LS_TEST_TIMEOUT_SCALE > 1) the runs are
 * smaller: 300 streams, 200,000 events. LS_LOAD_SCALE=N sets the number of
 * streams. Not in the valgrind suite: too heavy there.
 */
#include "config.h"

#include <stdlib.h>

#include "ls-event-store.h"
#include "ls-load.h"

#define MIB (1024 * 1024)

static gboolean
slow_build (void)
{
  const char *scale = g_getenv ("LS_TEST_TIMEOUT_SCALE");

  return scale != NULL && g_ascii_strtoull (scale, NULL, 10) > 1;
}

static void
test_streams (void)
{
  const char *scale = g_getenv ("LS_LOAD_SCALE");
  LsLoadStreams run = { 0 };
  guint64 fd_limit;
  gint64 rss_growth, rss_bound;

  run.n_streams = scale != NULL ? (guint) g_ascii_strtoull (scale, NULL, 10) : slow_build () ? 300 : 1000;
  run.rate = 10;
  run.seconds = 5;
  g_assert_cmpuint (run.n_streams, >, 0);

  /* Client and server sockets of every stream live in this process. */
  fd_limit = ls_load_raise_fd_limit ();
  if (fd_limit < 2 * (guint64) run.n_streams + 256)
    {
      g_autofree char *why = g_strdup_printf ("%u streams need %u file descriptors; the hard limit is %"
                                              G_GUINT64_FORMAT, run.n_streams, 2 * run.n_streams + 256,
                                              fd_limit);
      g_test_skip (why);
      return;
    }

  ls_load_run_streams (&run);

  rss_growth = run.rss_max - run.rss_start;
  g_test_message ("%u streams x %u events/s x %u s: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                  " events in %.2f s (starting them: %.1f ms, all receiving after %.2f s); UI loop lag p99 %.2f ms (probe), "
                  "own samples p50 %.2f / p99 %.2f / max %.2f ms over %" G_GUINT64_FORMAT
                  "; longest dispatch %.2f ms; %" G_GUINT64_FORMAT " progress signals; "
                  "RSS %.1f -> max %.1f MiB (+%.1f MiB); store %.1f MiB",
                  run.n_streams, run.rate, run.seconds, run.events, run.expected, run.elapsed_s,
                  run.start_ms, run.all_receiving_s, run.probe_lag_p99_us / 1000.0,
                  run.lag_p50_us / 1000.0, run.lag_p99_us / 1000.0, run.lag_max_us / 1000.0,
                  run.lag_samples, run.longest_dispatch_us / 1000.0, run.progress_signals,
                  (double) run.rss_start / MIB, (double) run.rss_max / MIB,
                  (double) rss_growth / MIB, (double) run.store_memory / MIB);

  g_assert_cmpuint (run.events, ==, run.expected);
  /* Generous: a 64 KiB read buffer and libsoup's state per client
   * connection, the server's per connection, the store. */
  rss_bound = 64 * (gint64) MIB + (gint64) run.n_streams * 512 * 1024;
  /* ASan's quarantine and TSan's shadow memory inflate every figure. */
  if (slow_build ())
    rss_bound *= 4;
  g_assert_cmpint (rss_growth, <=, rss_bound);
}

static void
test_retention (void)
{
  LsLoadRetention run = { 0 };

  run.n_events = slow_build () ? 200000 : 1000000;
  run.cap = run.n_events / 10;

  ls_load_run_retention (&run);

  g_test_message ("%" G_GUINT64_FORMAT " events, cap %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
                  " records, %" G_GUINT64_FORMAT " dropped, %.2f s (%.0f events/s); store memory "
                  "%.2f MiB at the cap, max %.2f MiB after (%" G_GUINT64_FORMAT " samples); "
                  "RSS %.1f at start, %.1f at the cap, max %.1f MiB after",
                  run.n_events, run.cap, run.end_seq, run.dropped, run.elapsed_s,
                  run.n_events / run.elapsed_s,
                  (double) run.store_memory_at_cap / MIB, (double) run.store_memory_max / MIB,
                  run.samples, (double) run.rss_start / MIB, (double) run.rss_at_cap / MIB,
                  (double) run.rss_max / MIB);

  /* Flat: the store frees whole segments as the cap drops their events,
   * so it never holds more than the cap plus two segments' worth. */
  g_assert_cmpuint (run.store_memory_max, <=, run.store_memory_at_cap + 2 * LS_EVENT_STORE_SEGMENT_MAX);
  /* ASan keeps freed memory in quarantine (256 MiB): RSS grows there by
   * design, so the process-wide bound holds for normal builds only. */
  if (!slow_build ())
    g_assert_cmpint (run.rss_max, <=, run.rss_at_cap + 32 * MIB);
  g_assert_cmpuint (run.dropped, ==, run.end_seq - run.cap);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/load/streams/1000-at-10-per-s", test_streams);
  g_test_add_func ("/load/retention/1m-events-100k-cap", test_retention);

  return g_test_run ();
}
