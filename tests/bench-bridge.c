/* bench-bridge.c: what a crossing costs, beside GLib's own invoke
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; asserts only correctness (every message arrived), never
 * timing. Run with `meson test --benchmark` or directly.
 *
 * The flood line: the worker posts 200,000 closures of 5 µs each to the UI
 * (ls_bridge_post_ui) while a 1 ms timer runs on the UI context at GDK's
 * redraw priority (120). It prints the longest stretch the UI loop went
 * without polling (a dispatch: LsLoopProbe) and how late the timer fired at
 * worst, against the targets of the bridge's time budget per dispatch
 * (≤ 4 ms and ≤ 5 ms).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ls-bridge-private.h"
#include "ls-test-utils.h"

/* Rounds to the nearest rank over n - 1, unlike ls_test_percentile(): the
 * figures this benchmark has recorded stay comparable. */
static gint64
percentile (GArray *samples,
            double  p)
{
  gsize index;

  g_array_sort (samples, ls_test_compare_gint64);
  index = (gsize) (p * (samples->len - 1) + 0.5);
  return g_array_index (samples, gint64, index);
}

/* ---- raw GLib ping-pong: g_main_context_invoke both ways ---------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
  gboolean      pong;
} RawPeer;

static gpointer
raw_peer_main (gpointer data)
{
  RawPeer *peer = data;

  g_main_context_push_thread_default (peer->context);
  g_mutex_lock (&peer->lock);
  peer->started = TRUE;
  g_cond_signal (&peer->ready);
  g_mutex_unlock (&peer->lock);
  g_main_loop_run (peer->loop);
  g_main_context_pop_thread_default (peer->context);
  return NULL;
}

static gboolean
raw_pong_on_ui (gpointer data)
{
  ((RawPeer *) data)->pong = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
raw_ping_on_peer (gpointer data)
{
  g_main_context_invoke (g_main_context_default (), raw_pong_on_ui, data);
  return G_SOURCE_REMOVE;
}

static gboolean
raw_quit_on_peer (gpointer data)
{
  g_main_loop_quit (((RawPeer *) data)->loop);
  return G_SOURCE_REMOVE;
}

static GArray *
bench_raw_ping_pong (guint n)
{
  RawPeer peer = { 0 };
  GArray *samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  GThread *thread;

  peer.context = g_main_context_new ();
  peer.loop = g_main_loop_new (peer.context, FALSE);
  g_mutex_init (&peer.lock);
  g_cond_init (&peer.ready);
  thread = g_thread_new ("raw-peer", raw_peer_main, &peer);
  g_mutex_lock (&peer.lock);
  while (!peer.started)
    g_cond_wait (&peer.ready, &peer.lock);
  g_mutex_unlock (&peer.lock);

  for (guint i = 0; i < n; i++)
    {
      gint64 start = g_get_monotonic_time (), rtt;

      peer.pong = FALSE;
      g_main_context_invoke (peer.context, raw_ping_on_peer, &peer);
      while (!peer.pong)
        g_main_context_iteration (NULL, TRUE);
      rtt = g_get_monotonic_time () - start;
      g_array_append_val (samples, rtt);
    }

  g_main_context_invoke (peer.context, raw_quit_on_peer, &peer);
  g_thread_join (thread);
  g_main_loop_unref (peer.loop);
  g_main_context_unref (peer.context);
  g_mutex_clear (&peer.lock);
  g_cond_clear (&peer.ready);
  return samples;
}

/* ---- bridge round trip ----------------------------------------------------- */

typedef struct
{
  LsBridge  *bridge;
  LsMailbox *replies;
  gboolean   pong;
  guint      received;
  GArray    *call_costs;  /* µs spent inside ls_bridge_post on the UI thread */
} BridgeBench;

static void
pong_handler (LsMailbox *mailbox,
              LsMessage *messages,
              guint      n_messages,
              gpointer   user_data)
{
  BridgeBench *bench = user_data;

  bench->received += n_messages;
  bench->pong = TRUE;
}

static void
ping_on_worker (gpointer data)
{
  BridgeBench *bench = data;

  ls_mailbox_push_data (bench->replies, bench, NULL);
}

static GArray *
bench_bridge_round_trip (BridgeBench *bench,
                         guint        n)
{
  GArray *samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);

  for (guint i = 0; i < n; i++)
    {
      gint64 start = g_get_monotonic_time (), posted, rtt;

      bench->pong = FALSE;
      if (!ls_bridge_post (bench->bridge, ping_on_worker, bench, NULL, NULL))
        g_error ("post failed");
      posted = g_get_monotonic_time () - start;
      g_array_append_val (bench->call_costs, posted);
      while (!bench->pong)
        g_main_context_iteration (NULL, TRUE);
      rtt = g_get_monotonic_time () - start;
      g_array_append_val (samples, rtt);
    }
  return samples;
}

/* ---- one-way batched throughput --------------------------------------------- */

/* Owned by the message that carries it to the worker (g_free is its
 * destroy); the figure comes back in a reply. */
typedef struct
{
  LsMailbox *sink;
  guint64    count;
  gint64    *pushed_us;   /* UI side; read after the sink is full */
} Flood;

static void
flood_on_worker (gpointer data)
{
  Flood *flood = data;
  gint64 start = g_get_monotonic_time ();

  /* The sink pushes back (REFUSE) when full: wait for the UI to drain. */
  for (guint64 i = 0; i < flood->count; i++)
    while (!ls_mailbox_push_data (flood->sink, GSIZE_TO_POINTER (i + 1), NULL))
      g_usleep (100);
  __atomic_store_n (flood->pushed_us, g_get_monotonic_time () - start, __ATOMIC_RELEASE);
}

/* ---- flooding the UI with closures: the time budget per dispatch ---------- */

#define N_UI_CLOSURES 200000
#define UI_CLOSURE_US 5
#define GDK_PRIORITY_REDRAW_VALUE 120   /* this core benchmark does not link GTK */

typedef struct
{
  LsBridge *bridge;
  guint     ran;          /* UI thread only */
  gint64    last_tick_us; /* UI thread only */
  gint64    timer_late_us;
  gboolean  refused;      /* atomic */
  gboolean  posted;       /* atomic: the worker has posted them all */
} UiFlood;

static void
busy_closure_on_ui (gpointer data)
{
  UiFlood *flood = data;
  gint64 end = g_get_monotonic_time () + UI_CLOSURE_US;

  while (g_get_monotonic_time () < end)
    ;
  flood->ran++;
}

static void
ui_flood_on_worker (gpointer data)
{
  UiFlood *flood = data;

  for (guint i = 0; i < N_UI_CLOSURES; i++)
    if (!ls_bridge_post_ui (flood->bridge, busy_closure_on_ui, flood, NULL, NULL))
      __atomic_store_n (&flood->refused, TRUE, __ATOMIC_RELAXED);
  __atomic_store_n (&flood->posted, TRUE, __ATOMIC_RELEASE);
}

static gboolean
redraw_timer_cb (gpointer data)
{
  UiFlood *flood = data;
  gint64 now = g_get_monotonic_time ();

  /* Due 1 ms after it last fired (a timeout re-arms from its dispatch). */
  if (flood->last_tick_us != 0)
    flood->timer_late_us = MAX (flood->timer_late_us, now - (flood->last_tick_us + 1000));
  flood->last_tick_us = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
ui_flood_done (gpointer data)
{
  UiFlood *flood = data;

  return flood->ran == N_UI_CLOSURES || __atomic_load_n (&flood->refused, __ATOMIC_RELAXED);
}

static void
bench_ui_flood (LsBridge *bridge)
{
  UiFlood flood = { bridge };
  g_autoptr(LsLoopProbe) probe = ls_loop_probe_new ("UI loop", LS_LOOP_UI, NULL);
  GSource *timer = g_timeout_source_new (1);
  LsLoopStats stats;

  g_source_set_priority (timer, GDK_PRIORITY_REDRAW_VALUE);
  g_source_set_callback (timer, redraw_timer_cb, &flood, NULL);

  /* @flood is read on the worker only until its last post, and the UI
   * waits below for every one of those posts to have run. The UI loop
   * does not turn until they are all queued: the backlog is measured
   * draining, not the worker and the UI fighting over two shared cores. */
  if (!ls_bridge_post (bridge, ui_flood_on_worker, &flood, NULL, NULL))
    g_error ("post failed");
  while (!__atomic_load_n (&flood.posted, __ATOMIC_ACQUIRE))
    g_usleep (1000);
  g_source_attach (timer, NULL);
  ls_loop_probe_attach (probe, g_main_context_default (), 100);
  if (!ls_test_wait_until (ui_flood_done, &flood, 120000) || flood.refused)
    g_error ("only %u of %u closures ran", flood.ran, N_UI_CLOSURES);
  ls_loop_probe_get_stats (probe, &stats);
  ls_loop_probe_detach (probe);
  g_source_destroy (timer);
  g_source_unref (timer);

  printf ("flood: longest UI dispatch %.2f ms, timer late %.2f ms\n",
          stats.longest_dispatch_us / 1000.0, flood.timer_late_us / 1000.0);
}

/* Not test-bridge's sink: this one checks order only, so that what is
 * timed is the mailbox, not the test's thread checks. */
typedef struct
{
  guint64  received;
  guint64  expected;
  guint64  batches;
  gboolean in_order;
} Sink;

static void
sink_handler (LsMailbox *mailbox,
              LsMessage *messages,
              guint      n_messages,
              gpointer   user_data)
{
  Sink *sink = user_data;

  sink->batches++;
  for (guint i = 0; i < n_messages; i++)
    if (GPOINTER_TO_SIZE (messages[i].data) != ++sink->received)
      sink->in_order = FALSE;
}

static gboolean
sink_full (gpointer data)
{
  Sink *sink = data;

  return sink->received == sink->expected;
}

int
main (int   argc,
      char *argv[])
{
  guint n_rtt = argc > 1 ? (guint) atoi (argv[1]) : 20000;
  guint64 n_flood = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 20000000;
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1 << 16);
  BridgeBench bench = { 0 };
  Sink sink = { 0, n_flood, 0, TRUE };
  Flood *flood;
  gint64 pushed_us = 0;
  g_autoptr(GArray) raw = NULL;
  g_autoptr(GArray) bridged = NULL;
  gint64 raw_median, bridge_median, start, elapsed;
  LsMailbox *sink_box;

  bench.bridge = ls_bridge_new (recorder);
  bench.call_costs = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!ls_bridge_start (bench.bridge, NULL) || !ls_test_wait_until (ls_test_bridge_is_running, bench.bridge, 5000))
    g_error ("the worker did not start");

  /* Latency: the bridge's crossing itself, so the reply mailbox is not
   * frame-paced here (the UI mailboxes are, by design: ≤ one frame). */
  bench.replies = ls_bridge_new_ui_mailbox (bench.bridge, "bench.pong", pong_handler, &bench, NULL, NULL);
  ls_mailbox_set_min_interval (bench.replies, 0);

  /* Warm both paths, then measure them interleaved in halves so that
   * frequency scaling and noise hit both alike. */
  g_array_unref (bench_raw_ping_pong (1000));
  g_array_unref (bench_bridge_round_trip (&bench, 1000));
  g_array_set_size (bench.call_costs, 0);
  raw = bench_raw_ping_pong (n_rtt / 2);
  bridged = bench_bridge_round_trip (&bench, n_rtt / 2);
  {
    g_autoptr(GArray) raw2 = bench_raw_ping_pong (n_rtt / 2);
    g_autoptr(GArray) bridged2 = bench_bridge_round_trip (&bench, n_rtt / 2);

    g_array_append_vals (raw, raw2->data, raw2->len);
    g_array_append_vals (bridged, bridged2->data, bridged2->len);
  }
  raw_median = percentile (raw, 0.5);
  bridge_median = percentile (bridged, 0.5);

  printf ("round trip, %u each (µs): g_main_context_invoke ping-pong median %" G_GINT64_FORMAT
          " p99 %" G_GINT64_FORMAT "; bridge median %" G_GINT64_FORMAT " p99 %" G_GINT64_FORMAT
          "; ratio %.2f\n",
          n_rtt, raw_median, percentile (raw, 0.99), bridge_median, percentile (bridged, 0.99),
          (double) bridge_median / MAX (raw_median, 1));

  /* Throughput: the worker floods a frame-paced UI mailbox, as a stream
   * would, and the UI drains it in batches. */
  sink_box = ls_bridge_new_ui_mailbox (bench.bridge, "bench.sink", sink_handler, &sink, NULL, NULL);
  /* Lossless here: a producer that waits when the UI falls behind. */
  ls_mailbox_set_capacity (sink_box, LS_BRIDGE_QUEUE_CAPACITY, LS_MAILBOX_FULL_REFUSE);
  flood = g_new0 (Flood, 1);
  flood->sink = sink_box;
  flood->count = n_flood;
  flood->pushed_us = &pushed_us;
  start = g_get_monotonic_time ();
  if (!ls_bridge_post (bench.bridge, flood_on_worker, flood, g_free, NULL))
    g_error ("post failed");
  if (!ls_test_wait_until (sink_full, &sink, 120000))
    g_error ("only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " messages arrived", sink.received, n_flood);
  elapsed = g_get_monotonic_time () - start;
  /* The worker writes its figure just after its last push. */
  while (__atomic_load_n (&pushed_us, __ATOMIC_ACQUIRE) == 0)
    g_usleep (100);
  if (!sink.in_order)
    g_error ("messages arrived out of order");

  printf ("one-way batched, worker → UI: %" G_GUINT64_FORMAT " messages in %.3f s = %.2f M messages/s"
          " (%" G_GUINT64_FORMAT " UI wake-ups, %.0f messages each; pushing alone %.2f M/s)\n",
          n_flood, elapsed / 1e6, n_flood / (double) elapsed, sink.batches,
          (double) n_flood / MAX (sink.batches, 1),
          n_flood / (double) MAX (__atomic_load_n (&pushed_us, __ATOMIC_ACQUIRE), 1));

  bench_ui_flood (bench.bridge);

  printf ("time inside ls_bridge_post on the UI thread (µs), %u calls: median %" G_GINT64_FORMAT
          " p99 %" G_GINT64_FORMAT " p99.9 %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT "\n",
          bench.call_costs->len, percentile (bench.call_costs, 0.5), percentile (bench.call_costs, 0.99),
          percentile (bench.call_costs, 0.999), percentile (bench.call_costs, 1.0));

  ls_mailbox_close (sink_box);
  ls_mailbox_unref (sink_box);
  ls_mailbox_close (bench.replies);
  ls_mailbox_unref (bench.replies);
  ls_bridge_stop (bench.bridge, NULL);
  if (!ls_test_wait_until (ls_test_bridge_is_closed, bench.bridge, 10000))
    g_error ("the worker did not close");
  g_object_unref (bench.bridge);
  g_array_unref (bench.call_costs);
  return 0;
}
