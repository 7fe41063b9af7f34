/* test-loop-safety.c: every known way around the bridge, tried from the app's side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file includes only public headers, the ones the app includes
 * (ls-bridge.h, ls-stream.h, ls-event-store.h, ls-recorder.h, plus the demo
 * server and the public-only test helpers), so it tries each bypass with
 * exactly what the app could write. Each one either does not compile or
 * is refused with its typed LS_BRIDGE_ERROR and a recorded guard, and the
 * app keeps working (a real LsStream against the demo server keeps
 * delivering afterwards).
 *
 * Bypasses that do not compile (checked at configure time by
 * tests/meson.build, which compiles each one against the public headers
 * and fails the build if it compiles, next to a control that does compile
 * against the engine's private headers):
 *  - ls_bridge_get_worker (): declared only in ls-bridge-private.h, so the
 *    LsWorker type itself is unknown to the app;
 *  - ls_worker_get_context () with g_main_context_invoke () on it, from any
 *    thread, before or after stop: only in ls-worker-private.h;
 *  - ls_worker_get_inbox () with ls_mailbox_push () from a foreign thread:
 *    only in ls-worker-private.h;
 *  - g_main_context_iteration (worker context, TRUE) on the UI thread: no
 *    public call returns the worker's context;
 *  - ls_bridge_get_ui_mailbox () and ls_mailbox_new (): private too.
 *
 * Bypasses that compile and are refused (the tests below):
 *  - a nested iteration of the worker loop from a worker callback, through
 *    the only handle left, g_main_context_get_thread_default ();
 *  - ls_bridge_iterate_worker () from a UI callback, from a foreign thread,
 *    nested on the worker, and once closed;
 *  - ls_bridge_post (), ls_bridge_stop (), ls_bridge_new_ui_mailbox (),
 *    ls_bridge_get_worker_loop_stats () off the UI thread; ls_bridge_post_ui ()
 *    on the UI thread and once CLOSED; ls_bridge_wait_closed () from inside a
 *    callback;
 *  - a closure starting after ls_bridge_stop () has returned.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ls-bridge.h"
#include "ls-demo-server.h"
#include "ls-event-store.h"
#include "ls-recorder.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

/* ---- fixture: a running bridge, the demo server, a live stream -------- */

typedef struct
{
  LsTestStreams  s;
  LsDemoServer  *demo;
  LsStream      *stream;
} Fixture;

static LsStream *
start_ticks (LsBridge     *bridge,
             LsEventStore *store,
             LsDemoServer *demo,
             guint32       stream_id)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (demo),
                                      "/sse/ticks?rate=200", NULL);
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);

  return ls_test_stream_start (bridge, options, store, stream_id);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ls_test_streams_init (&f->s, 1 << 16);
  f->demo = ls_test_demo_server_start ();
  f->stream = start_ticks (f->s.bridge, f->s.store, f->demo, 1);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->stream != NULL)
    ls_stream_cancel (f->stream);
  ls_test_bridge_stop (f->s.bridge);
  g_clear_object (&f->stream);
  ls_test_demo_server_stop (f->demo);
  ls_test_streams_clear (&f->s);
}

typedef struct
{
  LsStream *stream;
  guint64   events;
} EventsAbove;

static gboolean
stream_has_more_events (gpointer data)
{
  EventsAbove *wait = data;
  LsStreamStats stats;

  ls_stream_get_stats (wait->stream, &stats);
  return stats.events > wait->events;
}

/* The app still works: the stream delivers more events than it had. */
static void
assert_stream_keeps_delivering (LsStream *stream)
{
  LsStreamStats stats;
  EventsAbove wait = { stream, 0 };

  ls_stream_get_stats (stream, &stats);
  wait.events = stats.events + 10;
  g_assert_true (ls_test_wait_until (stream_has_more_events, &wait, 20000));
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_OPEN);
}

static guint
count_guards (LsRecorder *recorder,
              const char *name)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (recorder, 0, NULL);
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *record = &g_array_index (records, LsRecord, i);

      if (record->kind == LS_RECORD_GUARD && g_str_equal (record->name, name)
          && record->detail != NULL && record->detail[0] != '\0')
        n++;
    }
  return n;
}

/* What a test hands to another thread: owned by reference count, so that
 * whichever side lets go last frees it, whatever the test has done. */
typedef struct
{
  LsBridge *bridge;        /* strong */
  GError   *error;
  gboolean  result;
  gboolean  idle_ran_nested;
  gboolean  idle_ran;      /* atomic */
  gboolean  done;          /* atomic */
  gboolean  on_worker;
  guint64   guards_before;
  guint64   guards_after;
  gpointer  ui_data;       /* UI thread only: what UI closures get */
} Probe;

static void
probe_clear (gpointer data)
{
  Probe *probe = data;

  g_clear_object (&probe->bridge);
  g_clear_error (&probe->error);
}

static Probe *
probe_new (LsBridge *bridge)
{
  Probe *probe = ls_test_shared_new (Probe, probe_clear);

  probe->bridge = g_object_ref (bridge);
  return probe;
}

static Probe *
probe_ref (Probe *probe)
{
  return ls_test_shared_ref (probe);
}

static void
probe_unref (gpointer data)
{
  ls_test_shared_unref (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_unref)

static gboolean
probe_done (gpointer data)
{
  return __atomic_load_n (&((Probe *) data)->done, __ATOMIC_ACQUIRE);
}

static void
probe_done_on_ui (gpointer data)
{
  __atomic_store_n (&((Probe *) data)->done, TRUE, __ATOMIC_RELEASE);
}

/* ---- 1. running the worker loop from a UI callback ---------------------- */

static gboolean
iterate_from_ui_callback (gpointer data)
{
  Probe *probe = data;

  /* Inside the running UI loop: asyncio.run() inside a running loop,
   * "cannot be called from a running event loop". Both the blocking run
   * of the worker loop and a blocking wait on it are refused. */
  probe->result = ls_bridge_iterate_worker (probe->bridge, TRUE, &probe->error);
  g_assert_false (probe->result);
  g_assert_error (probe->error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_FOREIGN_LOOP);
  g_clear_error (&probe->error);

  g_assert_false (ls_bridge_wait_closed (probe->bridge, 1000, &probe->error));
  g_assert_error (probe->error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_LOOP_RUNNING);
  g_assert_nonnull (strstr (probe->error->message, "cannot be called from a running event loop"));
  g_clear_error (&probe->error);

  __atomic_store_n (&probe->done, TRUE, __ATOMIC_RELEASE);
  return G_SOURCE_REMOVE;
}

static void
test_run_worker_loop_from_ui_callback (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(Probe) probe = probe_new (f->s.bridge);

  assert_stream_keeps_delivering (f->stream);
  g_idle_add_full (G_PRIORITY_DEFAULT, iterate_from_ui_callback, probe_ref (probe), probe_unref);
  g_assert_true (ls_test_wait_until (probe_done, probe, 5000));

  g_assert_cmpuint (count_guards (f->s.recorder, "guard: foreign loop"), ==, 1);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: loop already running"), ==, 1);
  g_assert_cmpint (ls_bridge_get_worker_state (f->s.bridge), ==, LS_WORKER_RUNNING);
  assert_stream_keeps_delivering (f->stream);
}

/* ---- 2. running the worker loop nested inside itself ------------------- */

static gboolean
idle_on_worker (gpointer data)
{
  Probe *probe = data;

  __atomic_store_n (&probe->idle_ran, TRUE, __ATOMIC_RELEASE);
  return G_SOURCE_REMOVE;
}

static void
nest_on_worker (gpointer data)
{
  Probe *probe = data;
  /* The one handle on the worker's context the app has: inside a worker
   * callback it is the thread-default context. */
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *idle = g_idle_source_new ();

  probe->on_worker = context != NULL && g_main_context_is_owner (context);

  /* Work that a nested dispatch would run right here, in the middle of
   * our callback: it must wait for the loop to come back to the top. */
  g_source_set_callback (idle, idle_on_worker, probe_ref (probe), probe_unref);
  g_source_attach (idle, context);
  g_source_unref (idle);

  /* "This event loop is already running", tried two ways. */
  probe->guards_before = ls_bridge_get_guard_count (probe->bridge);
  g_main_context_iteration (context, FALSE);
  g_main_context_iteration (context, TRUE);
  probe->idle_ran_nested = __atomic_load_n (&probe->idle_ran, __ATOMIC_ACQUIRE);
  probe->result = ls_bridge_iterate_worker (probe->bridge, FALSE, &probe->error);
  probe->guards_after = ls_bridge_get_guard_count (probe->bridge);

  g_assert_true (ls_bridge_post_ui (probe->bridge, probe_done_on_ui, probe_ref (probe), probe_unref, NULL));
}

static gboolean
probe_idle_ran (gpointer data)
{
  return __atomic_load_n (&((Probe *) data)->idle_ran, __ATOMIC_ACQUIRE);
}

static void
test_run_worker_loop_nested (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(Probe) probe = probe_new (f->s.bridge);

  assert_stream_keeps_delivering (f->stream);
  g_assert_true (ls_bridge_post (f->s.bridge, nest_on_worker, probe_ref (probe), probe_unref, NULL));
  g_assert_true (ls_test_wait_until (probe_done, probe, 5000));

  g_assert_true (probe->on_worker);
  /* Neither nested iteration dispatched anything but the guard. */
  g_assert_false (probe->idle_ran_nested);
  g_assert_false (probe->result);
  g_assert_error (probe->error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_LOOP_RUNNING);
  g_assert_nonnull (strstr (probe->error->message, "already running"));
  /* Two refused iterations and one refused iterate_worker. */
  g_assert_cmpuint (probe->guards_after - probe->guards_before, ==, 3);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: loop already running"), ==, 3);

  /* The idle runs once the callback has returned, at the top of the loop. */
  g_assert_true (ls_test_wait_until (probe_idle_ran, probe, 5000));
  g_assert_cmpint (ls_bridge_get_worker_state (f->s.bridge), ==, LS_WORKER_RUNNING);
  assert_stream_keeps_delivering (f->stream);
}

/* ---- 3. using the worker loop after it closed, mid-stream --------------- */

static void
must_not_run (gpointer data)
{
  g_error ("a closure ran on a closed worker");
}

static gpointer
post_ui_from_thread (gpointer data)
{
  Probe *probe = data;

  probe->result = ls_bridge_post_ui (probe->bridge, must_not_run, probe_ref (probe), probe_unref,
                                     &probe->error);
  return NULL;
}

static void
test_use_after_closed_mid_stream (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Probe) probe = probe_new (f->s.bridge);
  g_autoptr(LsBridge) bridge = NULL;
  g_autoptr(LsStream) stream = NULL;
  LsStreamStats stats;
  LsMailbox *mailbox;
  GThread *thread;

  assert_stream_keeps_delivering (f->stream);
  ls_stream_get_stats (f->stream, &stats);
  g_assert_cmpuint (stats.events, >, 0);

  /* Closed mid-stream. */
  g_assert_true (ls_bridge_stop (f->s.bridge, &error));
  g_assert_no_error (error);
  g_assert_true (ls_bridge_is_closed (f->s.bridge));

  /* "Event loop is closed", for each way in. */
  g_assert_false (ls_bridge_post (f->s.bridge, must_not_run, probe_ref (probe), probe_unref, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_clear_error (&error);
  mailbox = ls_bridge_new_ui_mailbox (f->s.bridge, "late", NULL, NULL, NULL, &error);
  g_assert_null (mailbox);
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_true (ls_test_wait_until (ls_test_bridge_is_closed, f->s.bridge, 10000));
  g_assert_false (ls_bridge_iterate_worker (f->s.bridge, FALSE, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_clear_error (&error);
  thread = g_thread_new ("late-poster", post_ui_from_thread, probe);
  g_thread_join (thread);
  g_assert_false (probe->result);
  g_assert_error (probe->error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: event loop is closed"), ==, 4);

  /* The stream saw its worker go: a final state, not a hang. */
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, f->stream, 10000));
  g_assert_cmpint (ls_stream_get_state (f->stream), ==, LS_STREAM_CANCELLED);
  g_clear_object (&f->stream);

  /* The app still works: a new bridge and a new stream deliver. */
  bridge = ls_test_bridge_new_running (f->s.recorder);
  stream = start_ticks (bridge, f->s.store, f->demo, 2);
  assert_stream_keeps_delivering (stream);
  ls_stream_cancel (stream);
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 10000));
  ls_test_bridge_stop (bridge);
}

/* ---- typed refusals off the UI thread ------------------------------------ */

typedef struct
{
  LsBridge *bridge;
  GError   *post_error;
  GError   *stop_error;
  GError   *mailbox_error;
  GError   *stats_error;
  GError   *iterate_error;
  GError   *wait_error;
  gboolean  mailbox_user_data_freed;
  gboolean  posted_data_freed;
} Intruder;

static void
intruder_data_free (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static gpointer
intruder_main (gpointer data)
{
  Intruder *in = data;
  LsLoopStats stats;

  g_assert_false (ls_bridge_post (in->bridge, must_not_run, &in->posted_data_freed,
                                  intruder_data_free, &in->post_error));
  g_assert_false (ls_bridge_stop (in->bridge, &in->stop_error));
  g_assert_null (ls_bridge_new_ui_mailbox (in->bridge, "intruder", NULL,
                                           &in->mailbox_user_data_freed, intruder_data_free,
                                           &in->mailbox_error));
  g_assert_false (ls_bridge_get_worker_loop_stats (in->bridge, &stats, &in->stats_error));
  g_assert_false (ls_bridge_iterate_worker (in->bridge, TRUE, &in->iterate_error));
  g_assert_false (ls_bridge_wait_closed (in->bridge, 1000, &in->wait_error));
  return NULL;
}

static void
post_ui_on_ui_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_refusals_off_thread (Fixture       *f,
                          gconstpointer  data)
{
  Intruder in = { f->s.bridge };
  g_autoptr(GError) error = NULL;
  guint64 guards = ls_bridge_get_guard_count (f->s.bridge);
  LsLoopStats stats;
  guint destroyed = 0;

  /* Joined before anything here is read or goes out of scope. */
  g_thread_join (g_thread_new ("intruder", intruder_main, &in));

  g_assert_error (in.post_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_true (in.posted_data_freed);
  g_assert_error (in.stop_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_error (in.mailbox_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_true (in.mailbox_user_data_freed);
  g_assert_error (in.stats_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_error (in.iterate_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_FOREIGN_LOOP);
  g_assert_error (in.wait_error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_nonnull (strstr (in.post_error->message, "intruder"));
  g_clear_error (&in.post_error);
  g_clear_error (&in.stop_error);
  g_clear_error (&in.mailbox_error);
  g_clear_error (&in.stats_error);
  g_clear_error (&in.iterate_error);
  g_clear_error (&in.wait_error);

  /* Posting to the UI from the UI thread is refused too. */
  g_assert_false (ls_bridge_post_ui (f->s.bridge, must_not_run, &destroyed, post_ui_on_ui_destroy, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_cmpuint (destroyed, ==, 1);

  g_assert_cmpuint (ls_bridge_get_guard_count (f->s.bridge), ==, guards + 7);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: wrong thread"), ==, 6);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: foreign loop"), ==, 1);

  /* Nothing was stopped; the legitimate calls work. */
  g_assert_cmpint (ls_bridge_get_worker_state (f->s.bridge), ==, LS_WORKER_RUNNING);
  g_assert_true (ls_bridge_get_worker_loop_stats (f->s.bridge, &stats, NULL));
  g_assert_cmpint (stats.thread_id, !=, 0);
  assert_stream_keeps_delivering (f->stream);
}

/* ---- no closure starts after stop returns; the queue is freed on the worker */

#define N_QUEUED 20000

typedef struct
{
  gint      stopped;          /* atomic: stop has returned */
  guint     ran;              /* atomic */
  guint     ran_after_stop;   /* atomic */
  guint     destroyed;        /* atomic */
  guint     destroyed_on_ui;  /* atomic */
  GThread  *ui_thread;
} Queue;

typedef struct
{
  Queue *queue;
} Queued;

static void
queued_run (gpointer data)
{
  Queue *queue = ((Queued *) data)->queue;

  if (__atomic_load_n (&queue->stopped, __ATOMIC_SEQ_CST))
    __atomic_fetch_add (&queue->ran_after_stop, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add (&queue->ran, 1, __ATOMIC_RELAXED);
}

static void
queued_free (gpointer data)
{
  Queue *queue = ((Queued *) data)->queue;

  if (g_thread_self () == queue->ui_thread)
    __atomic_fetch_add (&queue->destroyed_on_ui, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add (&queue->destroyed, 1, __ATOMIC_RELEASE);
  g_free (data);
}

static void
test_no_closure_after_stop (Fixture       *f,
                            gconstpointer  data)
{
  /* On the heap and outliving the worker (CLOSED is awaited below). */
  g_autofree Queue *queue = g_new0 (Queue, 1);
  g_autoptr(GError) error = NULL;
  guint ran_at_stop;

  queue->ui_thread = g_thread_self ();
  for (guint i = 0; i < N_QUEUED; i++)
    {
      Queued *queued = g_new (Queued, 1);

      queued->queue = queue;
      g_assert_true (ls_bridge_post (f->s.bridge, queued_run, queued, queued_free, NULL));
    }
  g_assert_true (ls_bridge_stop (f->s.bridge, &error));
  __atomic_store_n (&queue->stopped, TRUE, __ATOMIC_SEQ_CST);
  ran_at_stop = __atomic_load_n (&queue->ran, __ATOMIC_SEQ_CST);

  g_assert_true (ls_test_wait_until (ls_test_bridge_is_closed, f->s.bridge, 20000));
  /* The guarantee is about starting: a message the worker had already
   * started when stop returned (its closure entered a few instructions
   * later, so it may see the flag) runs to its end; no other one starts.
   * So one at most, and never more than one beyond what had run. */
  g_assert_cmpuint (queue->ran_after_stop, <=, 1);
  g_assert_cmpuint (__atomic_load_n (&queue->ran, __ATOMIC_SEQ_CST), <=, ran_at_stop + 1);
  /* Every message ran or was discarded, exactly once, and the discarded
   * ones were freed on the worker, not on the UI thread that stopped it. */
  g_assert_cmpuint (__atomic_load_n (&queue->destroyed, __ATOMIC_ACQUIRE), ==, N_QUEUED);
  g_assert_cmpuint (queue->destroyed_on_ui, ==, 0);
  g_assert_cmpuint (queue->ran, <=, N_QUEUED);
}

/* ---- a UI dispatch yields at its time budget ------------------------------ */

#define N_SLOW 40

typedef struct
{
  GHashTable *dispatch_times;  /* UI thread only */
  guint       ran;             /* UI thread only */
} Budget;

static void
slow_on_ui (gpointer data)
{
  Budget *budget = data;
  GSource *current = g_main_current_source ();

  /* The time a dispatch cached when it started: one value per dispatch. */
  g_hash_table_add (budget->dispatch_times, GINT_TO_POINTER ((gint) g_source_get_time (current)));
  budget->ran++;
  g_usleep (1000);
}

static void
flood_ui_on_worker (gpointer data)
{
  Probe *probe = data;

  for (guint i = 0; i < N_SLOW; i++)
    probe->result |= !ls_bridge_post_ui (probe->bridge, slow_on_ui, probe->ui_data, NULL, NULL);
}

static gboolean
budget_all_ran (gpointer data)
{
  return ((Budget *) data)->ran == N_SLOW;
}

static void
test_ui_dispatch_time_budget (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(Probe) probe = probe_new (f->s.bridge);
  /* Lives until the UI has run every closure that points at it. */
  Budget *budget = g_new0 (Budget, 1);

  budget->dispatch_times = g_hash_table_new (NULL, NULL);
  /* Set before the post: the worker reads it after the hand-off. */
  probe->ui_data = budget;
  g_assert_true (ls_bridge_post (f->s.bridge, flood_ui_on_worker, probe_ref (probe), probe_unref, NULL));
  g_assert_true (ls_test_wait_until (budget_all_ran, budget, 20000));
  g_assert_false (probe->result);

  /* 40 closures of at least 1 ms each, a budget of LS_BRIDGE_UI_BUDGET_US:
   * no dispatch ran more than budget/1 ms + 1 of them, whatever the
   * machine's speed. (Distinct start times can only undercount.) */
  g_assert_cmpuint (g_hash_table_size (budget->dispatch_times), >=,
                    N_SLOW / (LS_BRIDGE_UI_BUDGET_US / 1000 + 1) - 1);

  g_hash_table_unref (budget->dispatch_times);
  g_free (budget);
  assert_stream_keeps_delivering (f->stream);
}

/* ---- bounded queues: backpressure towards the worker, drop-with-count
 * for a UI mailbox of data -------------------------------------------------- */

typedef struct
{
  gint      release;   /* atomic: the UI lets the worker go */
  gint      held;      /* atomic: the worker is held */
  LsMailbox *sink;     /* strong */
  guint     pushes;
  gint      pushed;    /* atomic: the worker is done pushing */
  guint     refused;   /* worker thread, then read after @pushed */
} Hold;

static void
hold_free (gpointer data)
{
  Hold *hold = data;

  g_clear_pointer (&hold->sink, ls_mailbox_unref);
}

static void
hold_unref (gpointer data)
{
  ls_test_shared_unref (data);
}

static void
hold_on_worker (gpointer data)
{
  Hold *hold = data;

  __atomic_store_n (&hold->held, TRUE, __ATOMIC_RELEASE);
  while (!__atomic_load_n (&hold->release, __ATOMIC_ACQUIRE))
    g_usleep (1000);
}

static void
nothing (gpointer data)
{
}

static gboolean
hold_is_held (gpointer data)
{
  return __atomic_load_n (&((Hold *) data)->held, __ATOMIC_ACQUIRE);
}

static void
test_backpressure_to_worker (Fixture       *f,
                             gconstpointer  data)
{
  Hold *hold = ls_test_shared_new (Hold, hold_free);
  g_autoptr(GError) error = NULL;
  guint to_worker = 0;

  /* The worker is busy with one long request: everything else waits. */
  g_assert_true (ls_bridge_post (f->s.bridge, hold_on_worker, ls_test_shared_ref (hold),
                                 hold_unref, NULL));
  g_assert_true (ls_test_wait_until (hold_is_held, hold, 10000));
  for (guint i = 1; i < LS_BRIDGE_QUEUE_CAPACITY; i++)
    g_assert_true (ls_bridge_post (f->s.bridge, nothing, NULL, NULL, NULL));
  ls_bridge_get_queue_depths (f->s.bridge, &to_worker, NULL);
  g_assert_cmpuint (to_worker, ==, LS_BRIDGE_QUEUE_CAPACITY);

  /* Full: refused, typed, recorded; the message's data freed. */
  g_assert_false (ls_bridge_post (f->s.bridge, must_not_run, ls_test_shared_ref (hold),
                                  hold_unref, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_FULL);
  g_assert_cmpuint (count_guards (f->s.recorder, "guard: queue full"), ==, 1);

  __atomic_store_n (&hold->release, TRUE, __ATOMIC_RELEASE);
  hold_unref (hold);
  assert_stream_keeps_delivering (f->stream);
}

typedef struct
{
  guint64 received;  /* UI thread only */
} Received;

static void
received_handler (LsMailbox *mailbox,
                  LsMessage *messages,
                  guint      n_messages,
                  gpointer   user_data)
{
  ((Received *) user_data)->received += n_messages;
}

static void
push_many_on_worker (gpointer data)
{
  Hold *hold = data;

  for (guint i = 0; i < hold->pushes; i++)
    if (!ls_mailbox_push_data (hold->sink, GUINT_TO_POINTER (i + 1), NULL))
      hold->refused++;
  __atomic_store_n (&hold->pushed, TRUE, __ATOMIC_RELEASE);
}

static gboolean
received_all (gpointer data)
{
  Hold *hold = data;

  return ls_mailbox_get_delivered (hold->sink) == LS_BRIDGE_QUEUE_CAPACITY;
}

static void
test_ui_mailbox_drops_with_count (Fixture       *f,
                                  gconstpointer  data)
{
  Received received = { 0 };
  Hold *hold = ls_test_shared_new (Hold, hold_free);
  g_autoptr(GError) error = NULL;

  hold->sink = ls_bridge_new_ui_mailbox (f->s.bridge, "test.bounded", received_handler, &received,
                                         NULL, &error);
  g_assert_no_error (error);
  hold->pushes = LS_BRIDGE_QUEUE_CAPACITY + 5;
  g_assert_true (ls_bridge_post (f->s.bridge, push_many_on_worker, ls_test_shared_ref (hold),
                                 hold_unref, NULL));
  /* The UI loop does not turn meanwhile: nothing is drained. */
  while (!__atomic_load_n (&hold->pushed, __ATOMIC_ACQUIRE))
    g_usleep (1000);

  /* Bounded: the 5 past the capacity were dropped and counted, and the
   * producer was not told to stop (drop policy). */
  g_assert_cmpuint (hold->refused, ==, 0);
  g_assert_cmpuint (ls_mailbox_get_dropped (hold->sink), ==, 5);
  g_assert_cmpuint (ls_mailbox_get_depth (hold->sink), ==, LS_BRIDGE_QUEUE_CAPACITY);

  g_assert_true (ls_test_wait_until (received_all, hold, 60000));
  g_assert_cmpuint (received.received, ==, LS_BRIDGE_QUEUE_CAPACITY);
  ls_mailbox_close (hold->sink);
  hold_unref (hold);
  assert_stream_keeps_delivering (f->stream);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/loop-safety/run-worker-loop-from-ui-callback", test_run_worker_loop_from_ui_callback);
  ADD ("/loop-safety/run-worker-loop-nested", test_run_worker_loop_nested);
  ADD ("/loop-safety/use-after-closed-mid-stream", test_use_after_closed_mid_stream);
  ADD ("/loop-safety/refusals-off-thread", test_refusals_off_thread);
  ADD ("/loop-safety/no-closure-after-stop", test_no_closure_after_stop);
  ADD ("/loop-safety/ui-dispatch-time-budget", test_ui_dispatch_time_budget);
  ADD ("/loop-safety/backpressure-to-worker", test_backpressure_to_worker);
  ADD ("/loop-safety/ui-mailbox-drops-with-count", test_ui_mailbox_drops_with_count);

#undef ADD

  return g_test_run ();
}
