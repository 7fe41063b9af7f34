/* ls-load.c: the load runs shared by test-load (short) and bench-load (long)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ls-bridge-private.h"
#include "ls-demo-server.h"
#include "ls-loop-probe.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

#include "ls-load.h"

#define LAG_INTERVAL_MS 10
#define SAMPLE_INTERVAL_MS 10

guint64
ls_load_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 0;
  if (limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        getrlimit (RLIMIT_NOFILE, &limit);
    }
  return limit.rlim_cur == RLIM_INFINITY ? G_MAXUINT64 : (guint64) limit.rlim_cur;
}

gint64
ls_load_rss (void)
{
  g_autofree char *text = NULL;
  char **fields;
  gint64 pages = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    return 0;
  fields = g_strsplit (text, " ", 3);
  if (fields[0] != NULL && fields[1] != NULL)
    pages = g_ascii_strtoll (fields[1], NULL, 10);
  g_strfreev (fields);
  return pages * sysconf (_SC_PAGESIZE);
}

/* ---- the engine, as the app sets it up ---------------------------------- */

typedef struct
{
  LsRecorder   *recorder;
  LsBridge     *bridge;
  LsEventStore *store;
  LsDemoServer *demo;
} Engine;

static void
engine_start (Engine *engine)
{
  g_autoptr(GError) error = NULL;

  engine->recorder = ls_recorder_new (1 << 16);
  engine->bridge = ls_test_bridge_new_running (engine->recorder);
  engine->store = ls_event_store_new ();
  engine->demo = ls_demo_server_new ();
  g_assert_true (ls_demo_server_start_sync (engine->demo, 0, &error));
  g_assert_no_error (error);
}

static void
engine_stop (Engine *engine)
{
  ls_test_bridge_stop (engine->bridge);
  ls_demo_server_stop (engine->demo);
  g_assert_finalize_object (engine->demo);
  g_assert_finalize_object (engine->bridge);
  g_assert_finalize_object (engine->recorder);
  ls_event_store_unref (engine->store);
}

/* ---- the UI loop's lateness, sampled --------------------------------- */

typedef struct
{
  GArray  *lateness;  /* of gint64 µs */
  GSource *source;
} LagSampler;

static gboolean
lag_sample_cb (gpointer data)
{
  LagSampler *sampler = data;
  gint64 late = g_get_monotonic_time () - g_source_get_ready_time (sampler->source);

  late = MAX (late, 0);
  g_array_append_val (sampler->lateness, late);
  return G_SOURCE_CONTINUE;
}

static void
lag_sampler_start (LagSampler *sampler)
{
  sampler->lateness = g_array_new (FALSE, FALSE, sizeof (gint64));
  sampler->source = g_timeout_source_new (LAG_INTERVAL_MS);
  g_source_set_callback (sampler->source, lag_sample_cb, sampler, NULL);
  g_source_attach (sampler->source, NULL);
}

static void
lag_sampler_stop (LagSampler    *sampler,
                  LsLoadStreams *run)
{
  g_source_destroy (sampler->source);
  g_clear_pointer (&sampler->source, g_source_unref);
  g_array_sort (sampler->lateness, ls_test_compare_gint64);
  run->lag_samples = sampler->lateness->len;
  run->lag_p50_us = ls_test_percentile (sampler->lateness, 0.50);
  run->lag_p99_us = ls_test_percentile (sampler->lateness, 0.99);
  run->lag_max_us = ls_test_percentile (sampler->lateness, 1.0);
  g_array_unref (sampler->lateness);
}

/* ---- many streams ------------------------------------------------------ */

typedef struct
{
  LsLoadStreams  *run;
  LsStream      **streams;
  guint           n_final;
  guint           n_receiving;
  gint64          t0;
  gint64          rss_max;
} StreamsRun;

static void
progress_cb (LsStream   *stream,
             StreamsRun *sr)
{
  LsStreamStats stats;

  sr->run->progress_signals++;
  ls_stream_get_stats (stream, &stats);
  if (stats.events > 0 && !g_object_get_data (G_OBJECT (stream), "ls-load-receiving"))
    {
      g_object_set_data (G_OBJECT (stream), "ls-load-receiving", GINT_TO_POINTER (1));
      if (++sr->n_receiving == sr->run->n_streams)
        sr->run->all_receiving_s = (double) (g_get_monotonic_time () - sr->t0) / G_USEC_PER_SEC;
    }
}

static void
state_cb (LsStream   *stream,
          GParamSpec *pspec,
          StreamsRun *sr)
{
  if (LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream)))
    {
      sr->n_final++;
      g_signal_handlers_disconnect_by_func (stream, state_cb, sr);
    }
}

static gboolean
all_final (gpointer data)
{
  StreamsRun *sr = data;

  return sr->n_final == sr->run->n_streams;
}

static gboolean
rss_sample_cb (gpointer data)
{
  gint64 *rss_max = data;

  *rss_max = MAX (*rss_max, ls_load_rss ());
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  guint64 *next_id;  /* per stream, the id expected next */
  guint    n;
  guint64  events;
} IdCheck;

static gboolean
id_check_cb (const LsEventView *view,
             gpointer           data)
{
  IdCheck *check = data;
  guint i = view->stream_id - 1;
  guint64 id;

  g_assert_cmpuint (i, <, check->n);
  if (view->kind != LS_EVENT_KIND_EVENT)
    return TRUE;
  /* Per stream, ids contiguous from 1: nothing lost, nothing repeated. */
  g_assert_true (g_ascii_string_to_unsigned (view->id, 10, 1, G_MAXUINT64, &id, NULL));
  g_assert_cmpuint (id, ==, check->next_id[i]);
  check->next_id[i]++;
  check->events++;
  return TRUE;
}

void
ls_load_run_streams (LsLoadStreams *run)
{
  Engine engine = { 0 };
  g_autoptr(LsLoopProbe) probe = NULL;
  g_autoptr(LsStreamOptions) options = NULL;
  g_autofree char *url = NULL;
  g_autofree guint64 *next_id = NULL;
  guint64 per_stream = (guint64) run->rate * run->seconds;
  StreamsRun sr = { run, NULL, 0, 0, 0, 0 };
  LagSampler sampler = { 0 };
  LsLoopStats stats;
  IdCheck check;
  GSource *rss_timer;
  gint64 t0, t1;

  g_assert_cmpuint (run->n_streams, >, 0);
  g_assert_cmpuint (per_stream, >, 0);

  run->rss_start = ls_load_rss ();
  sr.rss_max = run->rss_start;
  engine_start (&engine);
  /* Keep every event: the check below reads them all. */
  ls_event_store_set_limits (engine.store, 0, 0);
  url = g_strdup_printf ("%s/sse/ticks?rate=%u&count=%" G_GUINT64_FORMAT,
                         ls_demo_server_get_base_uri (engine.demo), run->rate, per_stream);
  options = ls_stream_options_new (url);
  options->max_events = per_stream;

  /* The UI side: the default context, measured as the app measures it. */
  probe = ls_loop_probe_new ("UI loop", LS_LOOP_UI, NULL);
  ls_loop_probe_attach (probe, g_main_context_default (), LAG_INTERVAL_MS);
  ls_loop_probe_watch_mailbox (probe, ls_bridge_get_ui_mailbox (engine.bridge));
  lag_sampler_start (&sampler);
  rss_timer = g_timeout_source_new (100);
  g_source_set_callback (rss_timer, rss_sample_cb, &sr.rss_max, NULL);
  g_source_attach (rss_timer, NULL);

  sr.streams = g_new0 (LsStream *, run->n_streams);
  t0 = sr.t0 = g_get_monotonic_time ();
  for (guint i = 0; i < run->n_streams; i++)
    {
      g_autoptr(GError) error = NULL;
      LsStream *stream = ls_stream_new (engine.bridge, options, engine.store, i + 1);

      g_signal_connect (stream, "progress", G_CALLBACK (progress_cb), &sr);
      g_signal_connect (stream, "notify::state", G_CALLBACK (state_cb), &sr);
      g_assert_true (ls_stream_start (stream, &error));
      g_assert_no_error (error);
      sr.streams[i] = stream;
    }
  run->start_ms = (double) (g_get_monotonic_time () - t0) / 1000;

  /* Generous: the streams take `seconds`, connecting them takes more. */
  g_assert_true (ls_test_wait_until (all_final, &sr, run->seconds * 1000 + 60000));
  t1 = g_get_monotonic_time ();
  run->elapsed_s = (double) (t1 - t0) / G_USEC_PER_SEC;

  ls_loop_probe_get_stats (probe, &stats);
  run->probe_lag_p99_us = stats.lag_p99_us;
  run->longest_dispatch_us = stats.longest_dispatch_us;
  lag_sampler_stop (&sampler, run);
  ls_loop_probe_detach (probe);
  /* It holds the bridge's UI mailbox, which holds the bridge. */
  g_clear_object (&probe);
  g_source_destroy (rss_timer);
  g_source_unref (rss_timer);
  run->rss_end = ls_load_rss ();
  run->rss_max = MAX (sr.rss_max, run->rss_end);
  run->store_memory = ls_event_store_get_memory_bytes (engine.store);

  /* Every stream ended as asked, with every id once. */
  next_id = g_new (guint64, run->n_streams);
  for (guint i = 0; i < run->n_streams; i++)
    {
      LsStreamStats stream_stats;

      next_id[i] = 1;
      ls_stream_get_stats (sr.streams[i], &stream_stats);
      if (ls_stream_get_state (sr.streams[i]) != LS_STREAM_ENDED)
        g_error ("stream %u: %s: %s", i + 1, ls_stream_state_to_string (ls_stream_get_state (sr.streams[i])),
                 ls_stream_get_message (sr.streams[i]));
      g_assert_cmpuint (stream_stats.events, ==, per_stream);
    }
  check = (IdCheck) { next_id, run->n_streams, 0 };
  g_assert_cmpuint (ls_event_store_get_n_dropped (engine.store), ==, 0);
  ls_event_store_foreach_range (engine.store, 0, ls_event_store_get_end_seq (engine.store),
                                id_check_cb, &check);
  for (guint i = 0; i < run->n_streams; i++)
    g_assert_cmpuint (next_id[i], ==, per_stream + 1);
  run->events = check.events;
  run->expected = per_stream * run->n_streams;
  g_assert_cmpuint (run->events, ==, run->expected);

  for (guint i = 0; i < run->n_streams; i++)
    g_assert_finalize_object (sr.streams[i]);
  g_free (sr.streams);
  engine_stop (&engine);
}

/* ---- one long stream through a capped store --------------------------- */

typedef struct
{
  LsLoadRetention *run;
  LsEventStore    *store;
  gboolean         capped;
} RetentionRun;

static gboolean
retention_sample_cb (gpointer data)
{
  RetentionRun *rr = data;
  LsLoadRetention *run = rr->run;
  guint64 memory = ls_event_store_get_memory_bytes (rr->store);
  gint64 rss = ls_load_rss ();

  if (!rr->capped)
    {
      if (ls_event_store_get_end_seq (rr->store) < run->cap)
        return G_SOURCE_CONTINUE;
      /* The first look after the store filled up. */
      rr->capped = TRUE;
      run->store_memory_at_cap = memory;
      run->rss_at_cap = rss;
    }
  run->samples++;
  run->store_memory_max = MAX (run->store_memory_max, memory);
  run->rss_max = MAX (run->rss_max, rss);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  guint64 seq;
  guint64 end_seq;
  guint64 n_events;
} TailCheck;

static gboolean
tail_check_cb (const LsEventView *view,
               gpointer           data)
{
  TailCheck *check = data;
  guint64 id;

  /* seq 0 is "open", seq k the event with id k, the last "closed". */
  g_assert_cmpuint (view->seq, ==, check->seq);
  if (view->seq == check->end_seq - 1)
    g_assert_cmpint (view->kind, ==, LS_EVENT_KIND_CLOSED);
  else
    {
      g_assert_cmpint (view->kind, ==, LS_EVENT_KIND_EVENT);
      g_assert_true (g_ascii_string_to_unsigned (view->id, 10, 1, G_MAXUINT64, &id, NULL));
      g_assert_cmpuint (id, ==, view->seq);
    }
  check->seq++;
  return TRUE;
}

void
ls_load_run_retention (LsLoadRetention *run)
{
  Engine engine = { 0 };
  g_autoptr(LsStreamOptions) options = NULL;
  g_autofree char *url = NULL;
  RetentionRun rr = { run, NULL, FALSE };
  LsStream *stream;
  GSource *sampler;
  TailCheck check;
  gint64 t0;
  guint64 first_seq, end_seq;

  g_assert_cmpuint (run->cap, >, 0);
  g_assert_cmpuint (run->n_events, >, run->cap);

  run->rss_start = ls_load_rss ();
  engine_start (&engine);
  rr.store = engine.store;
  /* By count only: then the dropped count is exactly total − cap. */
  ls_event_store_set_limits (engine.store, run->cap, 0);
  url = g_strdup_printf ("%s/sse/bulk?count=%" G_GUINT64_FORMAT "&size=100",
                         ls_demo_server_get_base_uri (engine.demo), run->n_events);
  options = ls_stream_options_new (url);
  options->max_events = run->n_events;

  sampler = g_timeout_source_new (SAMPLE_INTERVAL_MS);
  g_source_set_callback (sampler, retention_sample_cb, &rr, NULL);
  g_source_attach (sampler, NULL);

  t0 = g_get_monotonic_time ();
  stream = ls_stream_new (engine.bridge, options, engine.store, 1);
  g_assert_true (ls_stream_start (stream, NULL));
  /* Generous: a million events take about a second in a release build. */
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream,
                                     (guint) MIN (G_MAXUINT / 2, 60000 + run->n_events / 10)));
  run->elapsed_s = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  retention_sample_cb (&rr);
  g_source_destroy (sampler);
  g_source_unref (sampler);

  if (ls_stream_get_state (stream) != LS_STREAM_ENDED)
    g_error ("the stream %s: %s", ls_stream_state_to_string (ls_stream_get_state (stream)),
             ls_stream_get_message (stream));
  g_assert_true (rr.capped);

  /* open + every event + closed went in; all but the last cap went out. */
  ls_event_store_get_range (engine.store, &first_seq, &end_seq);
  run->end_seq = end_seq;
  run->dropped = ls_event_store_get_n_dropped (engine.store);
  g_assert_cmpuint (end_seq, ==, run->n_events + 2);
  g_assert_cmpuint (run->dropped, ==, end_seq - run->cap);
  g_assert_cmpuint (first_seq, ==, run->dropped);
  check = (TailCheck) { first_seq, end_seq, run->n_events };
  g_assert_cmpuint (ls_event_store_foreach_range (engine.store, first_seq, end_seq, tail_check_cb, &check),
                    ==, run->cap);

  g_assert_finalize_object (stream);
  engine_stop (&engine);
}
