/* test-bridge.c: the worker, the bridge and its guards
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ls-bridge-private.h"
#include "ls-test-utils.h"

/* ---- fixture ---------------------------------------------------------- */

typedef struct
{
  LsRecorder *recorder;
  LsBridge   *bridge;
} Fixture;

static gboolean
worker_is_running (gpointer data)
{
  Fixture *f = data;

  return ls_worker_get_state (ls_bridge_get_worker (f->bridge)) == LS_WORKER_RUNNING;
}

static gboolean
worker_is_closed (gpointer data)
{
  LsWorker *worker = data;

  return ls_worker_get_state (worker) == LS_WORKER_CLOSED;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->recorder = ls_recorder_new (1 << 16);
  f->bridge = ls_bridge_new (f->recorder);
  g_assert_true (ls_bridge_start (f->bridge, &error));
  g_assert_no_error (error);
  g_assert_true (ls_test_wait_until (worker_is_running, f, 5000));
}

static void
stop_and_wait (LsBridge *bridge)
{
  LsWorker *worker = ls_bridge_get_worker (bridge);

  g_assert_true (ls_bridge_stop (bridge, NULL));
  g_assert_true (ls_test_wait_until (worker_is_closed, worker, 10000));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  stop_and_wait (f->bridge);
  g_assert_finalize_object (f->bridge);
  g_assert_finalize_object (f->recorder);
}

/* ---- round trip and FIFO ---------------------------------------------- */

typedef struct
{
  Fixture  *f;
  guint     sent;
  guint     expected_next;
  guint     replies;
  gboolean  out_of_order;
  gboolean  reply_on_wrong_thread;
  GThread  *ui_thread;
  gboolean  ran_on_worker;
  gboolean  ran_inline;
} RoundTrip;

typedef struct
{
  RoundTrip *rt;
  guint      seq;
} Ticket;

static void
reply_on_ui (gpointer data)
{
  Ticket *ticket = data;
  RoundTrip *rt = ticket->rt;

  if (g_thread_self () != rt->ui_thread)
    rt->reply_on_wrong_thread = TRUE;
  if (ticket->seq != rt->expected_next)
    rt->out_of_order = TRUE;
  rt->expected_next = ticket->seq + 1;
  rt->replies++;
}

static void
request_on_worker (gpointer data)
{
  Ticket *ticket = data;
  Ticket *reply = g_new (Ticket, 1);

  ticket->rt->ran_on_worker = ls_worker_is_worker_thread (ls_bridge_get_worker (ticket->rt->f->bridge));
  *reply = *ticket;
  g_assert_true (ls_bridge_post_ui (ticket->rt->f->bridge, reply_on_ui, reply, g_free, NULL));
}

static gboolean
all_replied (gpointer data)
{
  RoundTrip *rt = data;

  return rt->replies == rt->sent;
}

static void
test_round_trip_fifo (Fixture       *f,
                      gconstpointer  data)
{
  RoundTrip rt = { f, 0 };

  rt.ui_thread = g_thread_self ();
  for (guint i = 0; i < 10000; i++)
    {
      Ticket *ticket = g_new (Ticket, 1);
      g_autoptr(GError) error = NULL;

      ticket->rt = &rt;
      ticket->seq = i;
      g_assert_true (ls_bridge_post (f->bridge, request_on_worker, ticket, g_free, &error));
      g_assert_no_error (error);
      rt.sent++;
    }
  /* Never inline: nothing can have run yet, the UI loop has not turned. */
  g_assert_cmpuint (rt.replies, ==, 0);

  g_assert_true (ls_test_wait_until (all_replied, &rt, 20000));
  g_assert_true (rt.ran_on_worker);
  g_assert_false (rt.out_of_order);
  g_assert_false (rt.reply_on_wrong_thread);
  g_assert_cmpuint (rt.expected_next, ==, 10000);
}

/* ---- a million posts, none lost or duplicated -------------------------- */

#define MILLION 1000000

typedef struct
{
  guint8 *seen;   /* worker thread only until the final report */
  guint   dupes;
  guint   count;
  guint   destroyed; /* worker thread */
  gboolean done;
} Census;

static void
count_on_worker (gpointer data)
{
  Census *census = *(Census **) data;
  guint seq = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  if (census->seen[seq])
    census->dupes++;
  census->seen[seq] = 1;
  census->count++;
}

static void
census_destroy (gpointer data)
{
  Census *census = *(Census **) data;

  census->destroyed++;
  g_free (data);
}

static void
census_done_on_ui (gpointer data)
{
  ((Census *) data)->done = TRUE;
}

static void
census_report_on_worker (gpointer data)
{
  Census *census = *(Census **) data;
  LsBridge *bridge = ((gpointer *) data)[1];

  ls_bridge_post_ui (bridge, census_done_on_ui, census, NULL, NULL);
}

static gboolean
census_done (gpointer data)
{
  return ((Census *) data)->done;
}

static void
test_million_posts (Fixture       *f,
                    gconstpointer  data)
{
  Census census = { 0 };
  gpointer *report;

  census.seen = g_malloc0 (MILLION);
  for (guint i = 0; i < MILLION; i++)
    {
      gpointer *message = g_new (gpointer, 2);

      message[0] = &census;
      message[1] = GUINT_TO_POINTER (i);
      g_assert_true (ls_bridge_post (f->bridge, count_on_worker, message, census_destroy, NULL));
    }
  report = g_new (gpointer, 2);
  report[0] = &census;
  report[1] = f->bridge;
  g_assert_true (ls_bridge_post (f->bridge, census_report_on_worker, report, g_free, NULL));

  g_assert_true (ls_test_wait_until (census_done, &census, 60000));
  /* The report was posted after the million, FIFO: the worker is past them. */
  g_assert_cmpuint (census.count, ==, MILLION);
  g_assert_cmpuint (census.dupes, ==, 0);
  g_assert_cmpuint (census.destroyed, ==, MILLION);
  for (guint i = 0; i < MILLION; i++)
    g_assert_cmpuint (census.seen[i], ==, 1);
  g_free (census.seen);
}

/* ---- closed after stop ------------------------------------------------- */

static guint destroy_calls;

static void
count_destroy (gpointer data)
{
  destroy_calls++;
}

static void
must_not_run (gpointer data)
{
  g_error ("a closure ran on a closed worker");
}

static void
test_closed_after_stop (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1024);
  g_autoptr(LsBridge) bridge = ls_bridge_new (recorder);
  LsWorker *worker = ls_bridge_get_worker (bridge);
  g_autoptr(GError) error = NULL;
  guint64 guards_before;

  g_assert_true (ls_bridge_start (bridge, NULL));
  stop_and_wait (bridge);
  g_assert_cmpint (ls_worker_get_state (worker), ==, LS_WORKER_CLOSED);
  g_assert_true (ls_bridge_is_closed (bridge));

  guards_before = ls_bridge_get_guard_count (bridge);
  destroy_calls = 0;
  g_assert_false (ls_bridge_post (bridge, must_not_run, GUINT_TO_POINTER (1), count_destroy, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "closed"));
  g_assert_cmpuint (destroy_calls, ==, 1);
  g_assert_cmpuint (ls_bridge_get_guard_count (bridge), ==, guards_before + 1);

  /* Restarting a closed worker is refused too, with a reason. */
  g_clear_error (&error);
  g_assert_false (ls_bridge_start (bridge, &error));
  g_assert_nonnull (error);

  ls_test_run_for (50);
  g_assert_cmpuint (destroy_calls, ==, 1);
}

/* ---- guards ------------------------------------------------------------ */

typedef struct
{
  LsBridge *bridge;
  GError   *error;
  gboolean  result;
  gboolean  done;
  guint     destroyed;
} GuardProbe;

static void
guard_destroy (gpointer data)
{
  GuardProbe *probe = data;

  __atomic_fetch_add (&probe->destroyed, 1, __ATOMIC_RELAXED);
}

static gpointer
post_from_other_thread (gpointer data)
{
  GuardProbe *probe = data;

  probe->result = ls_bridge_post (probe->bridge, must_not_run, probe, guard_destroy, &probe->error);
  return NULL;
}

static gboolean
record_has_guard (LsRecorder *recorder,
                  const char *name)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (recorder, 0, NULL);

  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *record = &g_array_index (records, LsRecord, i);

      if (record->kind == LS_RECORD_GUARD && g_str_equal (record->name, name)
          && record->detail != NULL && record->detail[0] != '\0')
        return TRUE;
    }
  return FALSE;
}

static void
test_guard_wrong_thread (Fixture       *f,
                         gconstpointer  data)
{
  GuardProbe probe = { f->bridge };
  GThread *thread = g_thread_new ("intruder", post_from_other_thread, &probe);

  g_thread_join (thread);
  g_assert_false (probe.result);
  g_assert_error (probe.error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_WRONG_THREAD);
  g_assert_nonnull (strstr (probe.error->message, "intruder"));
  g_assert_cmpuint (probe.destroyed, ==, 1);
  g_assert_true (record_has_guard (f->recorder, "guard: wrong thread"));
  g_clear_error (&probe.error);

  /* The bridge still works afterwards. */
  {
    RoundTrip rt = { f, 0 };
    Ticket *ticket = g_new0 (Ticket, 1);

    rt.ui_thread = g_thread_self ();
    ticket->rt = &rt;
    g_assert_true (ls_bridge_post (f->bridge, request_on_worker, ticket, g_free, NULL));
    rt.sent = 1;
    g_assert_true (ls_test_wait_until (all_replied, &rt, 5000));
  }
}

static void
test_guard_foreign_loop (Fixture       *f,
                         gconstpointer  data)
{
  LsWorker *worker = ls_bridge_get_worker (f->bridge);
  g_autoptr(GError) error = NULL;

  /* The failure pattern: the worker context belongs to the worker thread,
   * so GLib itself would refuse to let us own it... */
  g_assert_false (g_main_context_acquire (ls_worker_get_context (worker)));

  /* ...and the bridge says so, with a typed error, without blocking. */
  g_assert_false (ls_bridge_iterate_worker (f->bridge, TRUE, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_FOREIGN_LOOP);
  g_clear_error (&error);
  g_assert_false (ls_bridge_iterate_worker (f->bridge, FALSE, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_FOREIGN_LOOP);
  g_assert_true (record_has_guard (f->recorder, "guard: foreign loop"));
  g_assert_cmpint (ls_worker_get_state (worker), ==, LS_WORKER_RUNNING);
}

/* A GuardProbe handed to the worker: the message and the reply each hold
 * a reference, the test the first; whoever lets go last frees it. */
static void
guard_probe_clear (gpointer data)
{
  g_clear_error (&((GuardProbe *) data)->error);
}

static GuardProbe *
guard_probe_new (LsBridge *bridge)
{
  GuardProbe *probe = ls_test_shared_new (GuardProbe, guard_probe_clear);

  probe->bridge = bridge;
  return probe;
}

static void
guard_probe_unref (gpointer data)
{
  ls_test_shared_unref (data);
}

static void
nested_report_on_ui (gpointer data)
{
  __atomic_store_n (&((GuardProbe *) data)->done, TRUE, __ATOMIC_RELEASE);
}

static void
nested_run_on_worker (gpointer data)
{
  GuardProbe *probe = data;

  /* We are inside the worker loop's dispatch: the pattern of "this event
   * loop is already running". GLib would allow it (and re-enter libsoup);
   * the bridge refuses. */
  g_assert_true (g_main_context_is_owner (ls_worker_get_context (ls_bridge_get_worker (probe->bridge))));
  probe->result = ls_bridge_iterate_worker (probe->bridge, TRUE, &probe->error);
  ls_bridge_post_ui (probe->bridge, nested_report_on_ui, ls_test_shared_ref (probe),
                     guard_probe_unref, NULL);
}

static gboolean
guard_probe_done (gpointer data)
{
  return __atomic_load_n (&((GuardProbe *) data)->done, __ATOMIC_ACQUIRE);
}

static void
test_guard_nested_run (Fixture       *f,
                       gconstpointer  data)
{
  GuardProbe *probe = guard_probe_new (f->bridge);

  g_assert_true (ls_bridge_post (f->bridge, nested_run_on_worker, ls_test_shared_ref (probe),
                                 guard_probe_unref, NULL));
  g_assert_true (ls_test_wait_until (guard_probe_done, probe, 5000));
  g_assert_false (probe->result);
  g_assert_error (probe->error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_LOOP_RUNNING);
  g_assert_nonnull (strstr (probe->error->message, "already running"));
  g_assert_true (record_has_guard (f->recorder, "guard: loop already running"));
  guard_probe_unref (probe);
}

static void
test_guard_closed_while_stopping (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GuardProbe probe = { f->bridge };

  g_assert_true (ls_bridge_stop (f->bridge, NULL));
  /* STOPPING, not yet CLOSED: already refused. */
  g_assert_cmpint (ls_worker_get_state (ls_bridge_get_worker (f->bridge)), ==, LS_WORKER_STOPPING);
  g_assert_false (ls_bridge_post (f->bridge, must_not_run, &probe, guard_destroy, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_assert_cmpuint (probe.destroyed, ==, 1);
  g_clear_error (&error);
  g_assert_false (ls_bridge_iterate_worker (f->bridge, TRUE, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_assert_true (record_has_guard (f->recorder, "guard: event loop is closed"));
}

/* ---- stop with work queued --------------------------------------------- */

typedef struct
{
  guint ran;        /* worker */
  guint destroyed;  /* whichever thread discards or finishes */
} Backlog;

static void
slow_job_on_worker (gpointer data)
{
  Backlog *backlog = *(Backlog **) data;

  __atomic_fetch_add (&backlog->ran, 1, __ATOMIC_RELAXED);
  g_usleep (100);
}

static void
backlog_destroy (gpointer data)
{
  Backlog *backlog = *(Backlog **) data;

  __atomic_fetch_add (&backlog->destroyed, 1, __ATOMIC_RELAXED);
  g_free (data);
}

static void
test_stop_with_work_queued (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1024);
  LsBridge *bridge = ls_bridge_new (recorder);
  LsWorker *worker = g_object_ref (ls_bridge_get_worker (bridge));
  Backlog backlog = { 0 };
  const guint n = 20000;
  guint ran_at_stop;

  g_assert_true (ls_bridge_start (bridge, NULL));
  for (guint i = 0; i < n; i++)
    {
      Backlog **message = g_new (Backlog *, 1);

      *message = &backlog;
      g_assert_true (ls_bridge_post (bridge, slow_job_on_worker, message, backlog_destroy, NULL));
    }
  /* Let some of it start, then stop while most is queued. */
  ls_test_run_for (20);
  g_assert_true (ls_bridge_stop (bridge, NULL));
  ran_at_stop = __atomic_load_n (&backlog.ran, __ATOMIC_ACQUIRE);

  g_assert_true (ls_test_wait_until (worker_is_closed, worker, 10000));
  /* The closure already running when stop returned may finish; no other
   * one may start after it. */
  g_assert_cmpuint (backlog.ran, <=, ran_at_stop + 1);
  g_assert_cmpuint (backlog.ran, <, n);
  /* Nothing leaked: every message was either run or discarded, once. */
  g_assert_cmpuint (backlog.destroyed, ==, n);

  g_object_unref (bridge);
  g_assert_finalize_object (worker);
}

/* ---- a task that ignores its cancellation -------------------------------- */

typedef struct
{
  LsWorker     *worker;
  GCancellable *cancellable;
  gint          tracked;   /* atomic */
} StuckTask;

static gboolean
stuck_task_tracked (gpointer data)
{
  return g_atomic_int_get (&((StuckTask *) data)->tracked);
}

static char *
describe_stuck_task (gpointer data)
{
  return g_strdup ("the test's stuck task");
}

/* Tracks a task that never reports back: the stop waits out its grace. */
static void
track_stuck_task_on_worker (gpointer data)
{
  StuckTask *stuck = data;

  ls_worker_track_task (stuck->worker, stuck->cancellable, describe_stuck_task, NULL);
  g_atomic_int_set (&stuck->tracked, 1);
}

/* The worker does not wait forever for a task that ignores its
 * cancellation: after the grace it warns, naming the task and what it
 * does, and closes. */
static void
test_stop_grace_names_task (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1024);
  LsBridge *bridge = ls_bridge_new (recorder);
  LsWorker *worker = g_object_ref (ls_bridge_get_worker (bridge));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  StuckTask stuck = { worker, cancellable, 0 };

  g_assert_true (ls_bridge_start (bridge, NULL));
  g_assert_true (ls_bridge_post (bridge, track_stuck_task_on_worker, &stuck, NULL, NULL));
  /* A stop discards what has not run yet. */
  g_assert_true (ls_test_wait_until (stuck_task_tracked, &stuck, 10000));
  g_test_expect_message ("ls-worker", G_LOG_LEVEL_WARNING,
                         "1 worker task(s) did not finish within 5000 ms of stop; closing anyway: "
                         "the test's stuck task");
  g_assert_true (ls_bridge_stop (bridge, NULL));
  g_assert_true (ls_test_wait_until (worker_is_closed, worker, 20000));
  g_test_assert_expected_messages ();
  /* The stop cancelled it, as any tracked task. */
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  g_object_unref (bridge);
  g_assert_finalize_object (worker);
}

/* ---- start/stop cycles --------------------------------------------------- */

static void
test_start_stop_cycles (void)
{
  const guint cycles = 1000;

  for (guint i = 0; i < cycles; i++)
    {
      LsBridge *bridge = ls_bridge_new (NULL);
      LsWorker *worker = g_object_ref (ls_bridge_get_worker (bridge));
      RoundTrip rt = { NULL, 0 };
      Fixture f = { NULL, bridge };
      Ticket *ticket = g_new0 (Ticket, 1);

      g_assert_true (ls_bridge_start (bridge, NULL));
      /* Every third cycle stops before the worker even reported RUNNING. */
      if (i % 3 != 0)
        {
          rt.f = &f;
          rt.ui_thread = g_thread_self ();
          ticket->rt = &rt;
          g_assert_true (ls_bridge_post (bridge, request_on_worker, ticket, g_free, NULL));
          rt.sent = 1;
          g_assert_true (ls_test_wait_until (all_replied, &rt, 5000));
        }
      else
        g_free (ticket);
      g_assert_true (ls_bridge_stop (bridge, NULL));
      g_assert_true (ls_test_wait_until (worker_is_closed, worker, 5000));
      g_assert_finalize_object (bridge);
      g_assert_finalize_object (worker);
    }
}

/* ---- probe figures --------------------------------------------------------- */

static void
sleep_50ms (gpointer data)
{
  g_usleep (50 * 1000);
}

typedef struct
{
  LsLoopProbe *probe;
  gint64       min_dispatch_us;
} ProbeWait;

static gboolean
probe_saw_long_dispatch (gpointer data)
{
  ProbeWait *wait = data;
  LsLoopStats stats;

  ls_loop_probe_get_stats (wait->probe, &stats);
  return stats.longest_dispatch_us >= wait->min_dispatch_us && stats.lag_max_us > 0;
}

static void
test_probe_figures (Fixture       *f,
                    gconstpointer  data)
{
  LsWorker *worker = ls_bridge_get_worker (f->bridge);
  g_autoptr(LsLoopProbe) ui_probe = ls_loop_probe_new ("UI loop", LS_LOOP_UI, f->recorder);
  ProbeWait wait = { ls_worker_get_probe (worker), 45000 };
  LsLoopStats stats;
  GSource *sleeper;

  ls_loop_probe_attach (ui_probe, g_main_context_default (), 20);

  /* Worker: a callback that sleeps 50 ms is the longest dispatch and makes
   * the probe's timer (100 ms) late. Sleep twice so one overlaps a tick. */
  for (guint i = 0; i < 4; i++)
    g_assert_true (ls_bridge_post (f->bridge, sleep_50ms, NULL, NULL, NULL));
  g_assert_true (ls_test_wait_until (probe_saw_long_dispatch, &wait, 10000));
  ls_loop_probe_get_stats (wait.probe, &stats);
  g_assert_cmpint (stats.thread_id, ==, ls_worker_get_thread_id (worker));
  g_assert_cmpstr (stats.thread_name, ==, "ls-worker");
  g_assert_cmpint (stats.longest_dispatch_us, >=, 45000);
  g_assert_cmpint (stats.longest_dispatch_us, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (stats.iterations, >, 0);
  g_assert_cmpfloat (stats.busy_fraction, >=, 0.0);
  g_assert_cmpfloat (stats.busy_fraction, <=, 1.0);

  /* UI: the same on the default context, which this thread runs. */
  sleeper = g_idle_source_new ();
  g_source_set_callback (sleeper, (GSourceFunc) (void (*) (void)) sleep_50ms, NULL, NULL);
  g_source_attach (sleeper, g_main_context_default ());
  g_source_unref (sleeper);
  wait.probe = ui_probe;
  g_assert_true (ls_test_wait_until (probe_saw_long_dispatch, &wait, 10000));
  ls_loop_probe_get_stats (ui_probe, &stats);
  g_assert_cmpint (stats.thread_id, ==, ls_current_thread_id ());
  g_assert_cmpint (stats.longest_dispatch_us, >=, 45000);
  g_assert_cmpint (stats.lag_max_us, >=, 20000);
  g_assert_cmpint (stats.lag_p99_us, >=, 20000);
  g_assert_cmpuint (stats.ticks, >, 0);

  /* An idle loop is mostly idle. */
  ls_test_run_for (2300);
  ls_loop_probe_get_stats (ls_worker_get_probe (worker), &stats);
  g_assert_cmpfloat (stats.busy_fraction, <, 0.5);
  g_assert_cmpint (stats.recent_longest_dispatch_us, <, 45000);

  ls_loop_probe_detach (ui_probe);
}

/* ---- UI mailboxes coalesce ---------------------------------------------- */

typedef struct
{
  guint     received;
  guint     batches;
  guint     expected;
  gboolean  out_of_order;
  GThread  *ui_thread;
  gboolean  wrong_thread;
} Sink;

static void
sink_handler (LsMailbox *mailbox,
              LsMessage *messages,
              guint      n_messages,
              gpointer   user_data)
{
  Sink *sink = user_data;

  if (g_thread_self () != sink->ui_thread)
    sink->wrong_thread = TRUE;
  sink->batches++;
  for (guint i = 0; i < n_messages; i++)
    {
      if (GPOINTER_TO_UINT (messages[i].data) != sink->received + 1)
        sink->out_of_order = TRUE;
      sink->received++;
    }
}

/* Handed to the worker: owned by the message (flood_free is its destroy),
 * so it lives as long as the worker may read it, whatever the test does. */
typedef struct
{
  LsMailbox *mailbox;  /* strong */
  guint      count;
} Flood;

static Flood *
flood_new (LsMailbox *mailbox,
           guint      count)
{
  Flood *flood = g_new0 (Flood, 1);

  flood->mailbox = ls_mailbox_ref (mailbox);
  flood->count = count;
  return flood;
}

static void
flood_free (gpointer data)
{
  Flood *flood = data;

  ls_mailbox_unref (flood->mailbox);
  g_free (flood);
}

static void
flood_on_worker (gpointer data)
{
  Flood *flood = data;
  gint64 end = g_get_monotonic_time () + 300 * 1000;
  guint i = 0;

  /* Spread over 300 ms: a naive per-event wake-up would cost thousands. */
  while (i < flood->count)
    {
      ls_mailbox_push_data (flood->mailbox, GUINT_TO_POINTER (++i), NULL);
      if (i % 1000 == 0 && g_get_monotonic_time () < end)
        g_usleep (2000);
    }
}

static gboolean
sink_full (gpointer data)
{
  Sink *sink = data;

  return sink->received == sink->expected;
}

static void
test_ui_mailbox_coalesces (Fixture       *f,
                           gconstpointer  data)
{
  Sink sink = { 0, 0, 100000, FALSE, g_thread_self () };
  LsMailbox *mailbox = ls_bridge_new_ui_mailbox (f->bridge, "test.sink", sink_handler, &sink, NULL, NULL);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_true (ls_bridge_post (f->bridge, flood_on_worker, flood_new (mailbox, sink.expected),
                                 flood_free, NULL));
  g_assert_true (ls_test_wait_until (sink_full, &sink, 20000));
  elapsed = g_get_monotonic_time () - start;

  g_assert_false (sink.out_of_order);
  g_assert_false (sink.wrong_thread);
  /* At most about one drain per frame (plus slack for the last partial one
   * and for catching up a bounded batch). */
  g_assert_cmpuint (sink.batches, <=, elapsed / LS_BRIDGE_UI_INTERVAL_US + 3);
  g_assert_cmpuint (ls_mailbox_get_delivered (mailbox), ==, sink.expected);

  ls_mailbox_close (mailbox);
  /* Closed: pushes are refused and freed. */
  destroy_calls = 0;
  g_assert_false (ls_mailbox_push_data (mailbox, GUINT_TO_POINTER (1), count_destroy));
  g_assert_cmpuint (destroy_calls, ==, 1);
  ls_mailbox_unref (mailbox);
}

/* ---- a loop that is always painting cannot starve the UI mailboxes -------- */

static gboolean
slow_paint_cb (gpointer data)
{
  guint *paints = data;

  /* A frame that takes longer than a frame: the next one is due at once. */
  (*paints)++;
  g_usleep (20 * 1000);
  return G_SOURCE_CONTINUE;
}

static void
push_three_on_worker (gpointer data)
{
  Flood *flood = data;

  for (guint i = 1; i <= flood->count; i++)
    ls_mailbox_push_data (flood->mailbox, GUINT_TO_POINTER (i), NULL);
}

static void
test_ui_mailbox_not_starved (Fixture       *f,
                             gconstpointer  data)
{
  Sink sink = { 0, 0, 3, FALSE, g_thread_self () };
  LsMailbox *mailbox = ls_bridge_new_ui_mailbox (f->bridge, "test.starved", sink_handler, &sink, NULL, NULL);
  GSource *painter = g_idle_source_new ();
  guint paints = 0;

  /* GDK_PRIORITY_REDRAW is 120; this core test does not link GTK. */
  g_source_set_priority (painter, G_PRIORITY_HIGH_IDLE + 20);
  g_source_set_callback (painter, slow_paint_cb, &paints, NULL);
  g_source_attach (painter, g_main_context_default ());

  g_assert_true (ls_bridge_post (f->bridge, push_three_on_worker, flood_new (mailbox, sink.expected),
                                 flood_free, NULL));
  g_assert_true (ls_test_wait_until (sink_full, &sink, 10000));
  g_assert_false (sink.out_of_order);
  /* Painting went on meanwhile: the mailbox did not take over the loop. */
  g_assert_cmpuint (paints, >, 0);

  g_source_destroy (painter);
  g_source_unref (painter);
  ls_mailbox_close (mailbox);
  ls_mailbox_unref (mailbox);
}

/* ---- probes --------------------------------------------------------------- */

typedef struct
{
  LsBridge *bridge;
  guint64   ticks;
} TickWait;

static guint64
worker_ticks (LsBridge *bridge)
{
  LsLoopStats stats;

  g_assert_true (ls_bridge_get_worker_loop_stats (bridge, &stats, NULL));
  return stats.ticks;
}

static gboolean
worker_ticked (gpointer data)
{
  TickWait *wait = data;

  return worker_ticks (wait->bridge) >= wait->ticks;
}

/* An idle worker probe (set from this thread, taken on the worker's)
 * samples without recording; active again, it records every sample:
 * both counted in samples, not in time. */
static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_probe_idle (Fixture       *f,
                 gconstpointer  data)
{
  TickWait wait = { f->bridge, 0 };
  guint64 total, ticks;
  /* Nothing else wakes this thread's loop to look at the worker's figures. */
  guint wake_id = g_timeout_add (20, wake_cb, NULL);

  ls_bridge_set_worker_probe_active (f->bridge, FALSE);
  /* The switch happens at a sample; its first depth is recorded once. */
  wait.ticks = worker_ticks (f->bridge) + 2;
  g_assert_true (ls_test_wait_until (worker_ticked, &wait, 10000));

  total = ls_recorder_get_total (f->recorder);
  wait.ticks = worker_ticks (f->bridge) + 2;
  g_assert_true (ls_test_wait_until (worker_ticked, &wait, 10000));
  /* At most a 50 ms stall and the sample after it, on a loaded machine. */
  g_assert_cmpuint (ls_recorder_get_total (f->recorder) - total, <=, 2);

  ls_bridge_set_worker_probe_active (f->bridge, TRUE);
  wait.ticks = worker_ticks (f->bridge) + 1;
  g_assert_true (ls_test_wait_until (worker_ticked, &wait, 10000));
  total = ls_recorder_get_total (f->recorder);
  ticks = worker_ticks (f->bridge);
  wait.ticks = ticks + 5;
  g_assert_true (ls_test_wait_until (worker_ticked, &wait, 10000));
  /* Lag and depth, every sample (but the last one's may still be on
   * their way: a sample is counted before its records are written). */
  g_assert_cmpuint (ls_recorder_get_total (f->recorder) - total + 2, >=, 2 * (worker_ticks (f->bridge) - ticks));

  g_source_remove (wake_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/bridge/round-trip-fifo", Fixture, NULL, fixture_setup, test_round_trip_fifo, fixture_teardown);
  g_test_add ("/bridge/million-posts", Fixture, NULL, fixture_setup, test_million_posts, fixture_teardown);
  g_test_add_func ("/bridge/closed-after-stop", test_closed_after_stop);
  g_test_add ("/bridge/guard/wrong-thread", Fixture, NULL, fixture_setup, test_guard_wrong_thread, fixture_teardown);
  g_test_add ("/bridge/guard/foreign-loop", Fixture, NULL, fixture_setup, test_guard_foreign_loop, fixture_teardown);
  g_test_add ("/bridge/guard/nested-run", Fixture, NULL, fixture_setup, test_guard_nested_run, fixture_teardown);
  g_test_add ("/bridge/guard/closed-while-stopping", Fixture, NULL, fixture_setup, test_guard_closed_while_stopping, fixture_teardown);
  g_test_add_func ("/bridge/stop-with-work-queued", test_stop_with_work_queued);
  g_test_add_func ("/bridge/stop-grace-names-task", test_stop_grace_names_task);
  g_test_add_func ("/bridge/start-stop-cycles", test_start_stop_cycles);
  g_test_add ("/bridge/probe-figures", Fixture, NULL, fixture_setup, test_probe_figures, fixture_teardown);
  g_test_add ("/bridge/probe-idle", Fixture, NULL, fixture_setup, test_probe_idle, fixture_teardown);
  g_test_add ("/bridge/ui-mailbox-coalesces", Fixture, NULL, fixture_setup, test_ui_mailbox_coalesces, fixture_teardown);
  g_test_add ("/bridge/ui-mailbox-not-starved", Fixture, NULL, fixture_setup, test_ui_mailbox_not_starved, fixture_teardown);

  return g_test_run ();
}
