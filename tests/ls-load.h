/* ls-load.h: the load runs shared by test-load (short) and bench-load (long)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both run on the calling thread as the UI thread (it owns the global
 * default context and iterates it), with a bridge, a worker and the demo
 * server (on its own thread) in this process. They check correctness
 * themselves (g_assert: every event, ids contiguous, dropped count exact)
 * and return the figures; the caller decides which bounds to assert.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* Asked for. */
  guint    n_streams;
  guint    rate;              /* events/s per stream */
  guint    seconds;           /* each stream gets rate × seconds events */

  /* Measured. */
  guint64  events;            /* received, all streams */
  guint64  expected;
  double   start_ms;          /* the UI thread starting every stream */
  double   all_receiving_s;   /* first start to every stream's first event */
  double   elapsed_s;         /* first start to the last stream ENDED */
  gint64   probe_lag_p99_us;  /* LsLoopProbe on the UI loop, 10 ms interval */
  gint64   lag_p50_us;        /* our own 10 ms lateness samples, same loop */
  gint64   lag_p99_us;
  gint64   lag_max_us;
  guint64  lag_samples;
  gint64   longest_dispatch_us;
  gint64   rss_start;         /* bytes */
  gint64   rss_max;
  gint64   rss_end;
  guint64  store_memory;
  guint64  progress_signals;  /* "progress" emissions, all streams */
} LsLoadStreams;

typedef struct
{
  /* Asked for. */
  guint64  n_events;
  guint64  cap;               /* the store's max_events */

  /* Measured. */
  guint64  end_seq;           /* records appended: events + open + closed */
  guint64  dropped;
  double   elapsed_s;
  guint64  samples;           /* taken after the cap was reached */
  guint64  store_memory_at_cap;
  guint64  store_memory_max;  /* after the cap was reached */
  gint64   rss_start;
  gint64   rss_at_cap;
  gint64   rss_max;           /* after the cap was reached */
} LsLoadRetention;

/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns the soft limit
 * in force afterwards. */
guint64  ls_load_raise_fd_limit (void);
/* The resident set size of this process, in bytes (0 when unknown). */
gint64   ls_load_rss            (void);

/* n_streams SSE streams from the demo server's /sse/ticks at @rate each,
 * for @seconds; every stream must end with every id 1..rate×seconds. */
void     ls_load_run_streams    (LsLoadStreams   *run);
/* One stream of n_events through a store capped at @cap events. */
void     ls_load_run_retention  (LsLoadRetention *run);

G_END_DECLS
