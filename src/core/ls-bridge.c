/* ls-bridge.c: the only way across between the UI loop and the worker loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * UI → worker: ls_bridge_post() pushes onto the worker's inbox and returns.
 * Worker → UI: ls_bridge_post_ui() and the UI mailboxes, drained on the UI
 * loop at most once per frame, below GTK's redraw priority.
 * Guards: every call that would break the two-loop rule is refused with its
 * own LS_BRIDGE_ERROR code and recorded as a guard event on the timeline.
 *
 * Nobody outside the engine can reach the worker's context, but a closure
 * running on the worker finds it as its thread-default context, and could
 * iterate it from there (a nested run). A guard source at the highest
 * priority on the worker context answers that: it is ready only while the
 * worker thread is inside a dispatch already (g_main_depth () > 0), so a
 * nested iteration dispatches the guard, which records the refusal, and
 * nothing else (lower priorities wait for a dispatch-free iteration).
 * A nested g_main_loop_run() cannot be stopped from here (its loop is the
 * caller's): it would spin on the guard, running nothing else, recorded.
 *
 * Queue policies, set where each mailbox is created:
 *  - bridge.post (UI → worker closures, the worker's inbox): backpressure,
 *    LS_BRIDGE_QUEUE_CAPACITY, ls_bridge_post() fails with FULL;
 *  - bridge.post_ui (→ UI closures): backpressure, same capacity,
 *    ls_bridge_post_ui() fails with FULL; time budget per dispatch;
 *  - UI mailboxes from ls_bridge_new_ui_mailbox() (data): drop and count
 *    past LS_BRIDGE_QUEUE_CAPACITY; time budget per dispatch. A stream's
 *    mailbox also coalesces: it holds at most one "progress" message;
 *  - worker.report and worker.control (lifecycle): state messages, at most
 *    one per transition (the state itself is an atomic, read coalesced);
 *    refused past a small capacity.
 */
#define G_LOG_DOMAIN "ls-bridge"

#include "config.h"

#include <pthread.h>

#include "ls-bridge-private.h"

/* Shared by the bridge and its guard source on the worker context, which
 * may outlive the bridge by a few dispatches. */
typedef struct
{
  guint64     count;     /* atomic */
  LsRecorder *recorder;  /* nullable, immutable */
} LsGuards;

typedef struct
{
  GSource   parent;
  LsWorker *worker;      /* weak: the worker owns the context, hence us */
  LsGuards *guards;
} LsNestGuardSource;

struct _LsBridge
{
  GObject        parent_instance;

  LsRecorder    *recorder;
  LsWorker      *worker;
  GThread       *ui_thread;
  GMainContext  *ui_context;
  LsMailbox     *ui_box;
  LsGuards      *guards;
  GSource       *nest_guard;
  LsWorkerState  notified_state; /* UI thread only */
  LsLoopProbe   *ui_probe;       /* UI thread only; nullable */
  gint64         ui_interval_us; /* UI thread only: for UI mailboxes made from now on */
};

enum {
  PROP_0,
  PROP_WORKER_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LsBridge, ls_bridge, G_TYPE_OBJECT)

G_DEFINE_QUARK (ls-bridge-error-quark, ls_bridge_error)

static const char *
guard_name (LsBridgeError code)
{
  switch (code)
    {
    case LS_BRIDGE_ERROR_CLOSED:
      return "guard: event loop is closed";
    case LS_BRIDGE_ERROR_WRONG_THREAD:
      return "guard: wrong thread";
    case LS_BRIDGE_ERROR_FOREIGN_LOOP:
      return "guard: foreign loop";
    case LS_BRIDGE_ERROR_LOOP_RUNNING:
      return "guard: loop already running";
    case LS_BRIDGE_ERROR_FULL:
      return "guard: queue full";
    default:
      return "guard";
    }
}

static const char *
current_thread_label (char   *buffer,
                      gsize   size)
{
  char name[32] = "";

  pthread_getname_np (pthread_self (), name, sizeof name);
  g_snprintf (buffer, size, "'%s' (tid %d)", name, ls_current_thread_id ());
  return buffer;
}

static LsLoopId
current_loop (LsBridge *self)
{
  if (g_thread_self () == self->ui_thread)
    return LS_LOOP_UI;
  if (ls_worker_is_worker_thread (self->worker))
    return LS_LOOP_WORKER;
  return LS_LOOP_OTHER;
}

static gboolean
ls_bridge_refuse (LsBridge       *self,
                  GError        **error,
                  LsBridgeError   code,
                  const char     *format,
                  ...) G_GNUC_PRINTF (4, 5);

/* Records the guard event and sets @error; always returns FALSE. */
static gboolean
ls_bridge_refuse (LsBridge       *self,
                  GError        **error,
                  LsBridgeError   code,
                  const char     *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  __atomic_fetch_add (&self->guards->count, 1, __ATOMIC_RELAXED);
  if (self->recorder != NULL)
    ls_recorder_add_guard (self->recorder, guard_name (code), current_loop (self), message);
  g_set_error_literal (error, LS_BRIDGE_ERROR, code, message);
  return FALSE;
}

/* ls_bridge_refuse() for a call from another thread than the UI's:
 * "@func() called from thread …; @rule". */
static gboolean
ls_bridge_refuse_thread (LsBridge   *self,
                         GError    **error,
                         const char *func,
                         const char *rule)
{
  char label[64];

  return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_WRONG_THREAD, "%s() called from thread %s; %s",
                           func, current_thread_label (label, sizeof label), rule);
}

/* ls_bridge_refuse() for work the worker will not take any more:
 * "Event loop is closed: the worker is STATE, so @what". */
static gboolean
ls_bridge_refuse_closed (LsBridge      *self,
                         GError       **error,
                         LsWorkerState  state,
                         const char    *what)
{
  return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED, "Event loop is closed: the worker is %s, so %s",
                           ls_worker_state_to_string (state), what);
}

static void
ls_guards_clear (gpointer data)
{
  LsGuards *guards = data;

  g_clear_object (&guards->recorder);
}

static void
ls_guards_unref (LsGuards *guards)
{
  g_atomic_rc_box_release_full (guards, ls_guards_clear);
}

/* ---- the guard against nested runs of the worker loop ------------------ */

static gboolean
ls_nest_guard_prepare (GSource *source,
                       gint    *timeout)
{
  LsNestGuardSource *guard = (LsNestGuardSource *) source;

  *timeout = -1;
  /* Only the worker thread iterates this context (nobody else can reach
   * it); inside one of its dispatches, any iteration is a nested one. */
  return g_main_depth () > 0 && ls_worker_is_worker_thread (guard->worker);
}

static gboolean
ls_nest_guard_check (GSource *source)
{
  gint timeout;

  return ls_nest_guard_prepare (source, &timeout);
}

static gboolean
ls_nest_guard_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  LsNestGuardSource *guard = (LsNestGuardSource *) source;

  __atomic_fetch_add (&guard->guards->count, 1, __ATOMIC_RELAXED);
  if (guard->guards->recorder != NULL)
    ls_recorder_add_guard (guard->guards->recorder, guard_name (LS_BRIDGE_ERROR_LOOP_RUNNING),
                           LS_LOOP_WORKER,
                           "This event loop is already running: a nested iteration of the worker loop from one of its own callbacks was refused; it dispatched nothing (post a message instead)");
  return G_SOURCE_CONTINUE;
}

static void
ls_nest_guard_finalize (GSource *source)
{
  g_clear_pointer (&((LsNestGuardSource *) source)->guards, ls_guards_unref);
}

static GSourceFuncs ls_nest_guard_funcs = {
  .prepare = ls_nest_guard_prepare,
  .check = ls_nest_guard_check,
  .dispatch = ls_nest_guard_dispatch,
  .finalize = ls_nest_guard_finalize,
};

/* ---- GObject --------------------------------------------------------------- */

static void
on_worker_state_cb (LsBridge   *self,
                    GParamSpec *pspec,
                    LsWorker   *worker)
{
  LsWorkerState state = ls_worker_get_state (worker);

  /* The worker notifies on its owner thread, which is ours. */
  g_assert (g_thread_self () == self->ui_thread);

  if (state != self->notified_state)
    {
      self->notified_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKER_STATE]);
    }
}

static void
ls_bridge_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LsBridge *self = LS_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_WORKER_STATE:
      g_value_set_enum (value, ls_bridge_get_worker_state (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_bridge_dispose (GObject *object)
{
  LsBridge *self = LS_BRIDGE (object);

  /* Stopping is asynchronous; whoever drops the bridge while the worker
   * runs must keep the UI loop going until the worker reports CLOSED. */
  if (self->worker != NULL && ls_worker_get_state (self->worker) < LS_WORKER_STOPPING)
    ls_worker_stop (self->worker);

  G_OBJECT_CLASS (ls_bridge_parent_class)->dispose (object);
}

static void
ls_bridge_finalize (GObject *object)
{
  LsBridge *self = LS_BRIDGE (object);

  ls_mailbox_close (self->ui_box);
  g_clear_pointer (&self->ui_box, ls_mailbox_unref);
  if (self->worker != NULL)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  /* Thread-safe; the worker context drops the source at its next
   * iteration, or when the context goes. */
  if (self->nest_guard != NULL)
    g_source_destroy (self->nest_guard);
  g_clear_pointer (&self->nest_guard, g_source_unref);
  g_clear_pointer (&self->guards, ls_guards_unref);
  g_clear_object (&self->worker);
  g_clear_object (&self->recorder);
  g_clear_object (&self->ui_probe);
  g_clear_pointer (&self->ui_context, g_main_context_unref);

  G_OBJECT_CLASS (ls_bridge_parent_class)->finalize (object);
}

static void
ls_bridge_class_init (LsBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_bridge_dispose;
  object_class->finalize = ls_bridge_finalize;
  object_class->get_property = ls_bridge_get_property;

  /**
   * LsBridge:worker-state:
   *
   * The worker's state. Notified on the UI thread only; CLOSED means the
   * worker thread has finished and been joined.
   */
  properties[PROP_WORKER_STATE] =
    g_param_spec_enum ("worker-state", NULL, NULL,
                       LS_TYPE_WORKER_STATE, LS_WORKER_NEW,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_bridge_init (LsBridge *self)
{
  self->ui_interval_us = LS_BRIDGE_UI_INTERVAL_US;
}

static void
ls_bridge_tune_ui_mailbox (LsBridge  *self,
                           LsMailbox *mailbox)
{
  ls_mailbox_set_min_interval (mailbox, self->ui_interval_us);
  ls_mailbox_set_max_wait (mailbox, LS_BRIDGE_UI_MAX_WAIT_US, LS_BRIDGE_UI_URGENT_PRIORITY);
  ls_mailbox_set_max_batch (mailbox, 16384);
  ls_mailbox_set_time_budget (mailbox, LS_BRIDGE_UI_BUDGET_US);
}

/**
 * ls_bridge_new:
 * @recorder: (nullable): where crossings and guard events are recorded
 *
 * Call on the UI thread: its thread-default context (the global default
 * when none is pushed) is the UI loop from now on.
 */
LsBridge *
ls_bridge_new (LsRecorder *recorder)
{
  LsBridge *self = g_object_new (LS_TYPE_BRIDGE, NULL);

  self->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  self->ui_thread = g_thread_self ();
  self->ui_context = g_main_context_ref_thread_default ();
  self->guards = g_atomic_rc_box_new0 (LsGuards);
  self->guards->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  self->worker = ls_worker_new (recorder);
  g_signal_connect_object (self->worker, "notify::state",
                           G_CALLBACK (on_worker_state_cb), self, G_CONNECT_SWAPPED);

  self->nest_guard = g_source_new (&ls_nest_guard_funcs, sizeof (LsNestGuardSource));
  ((LsNestGuardSource *) self->nest_guard)->worker = self->worker;
  ((LsNestGuardSource *) self->nest_guard)->guards = g_atomic_rc_box_acquire (self->guards);
  g_source_set_static_name (self->nest_guard, "bridge.nest-guard");
  g_source_set_priority (self->nest_guard, G_MININT);
  g_source_attach (self->nest_guard, ls_worker_get_context (self->worker));

  /* Closures from the worker: backpressure (post_ui fails with FULL) past
   * the capacity; a time budget per dispatch, paced to one frame. */
  self->ui_box = ls_mailbox_new ("bridge.post_ui", self->ui_context,
                                 LS_BRIDGE_UI_PRIORITY, LS_LOOP_UI, recorder);
  ls_bridge_tune_ui_mailbox (self, self->ui_box);
  ls_mailbox_set_capacity (self->ui_box, LS_BRIDGE_QUEUE_CAPACITY, LS_MAILBOX_FULL_REFUSE);
  if (recorder != NULL)
    ls_recorder_set_thread_name (recorder, ls_current_thread_id (), "UI loop");
  return self;
}

LsWorker *
ls_bridge_get_worker (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), NULL);
  return self->worker;
}

LsRecorder *
ls_bridge_get_recorder (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), NULL);
  return self->recorder;
}

LsMailbox *
ls_bridge_get_ui_mailbox (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), NULL);
  return self->ui_box;
}

gboolean
ls_bridge_start (LsBridge  *self,
                 GError   **error)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);

  if (g_thread_self () != self->ui_thread)
    return ls_bridge_refuse_thread (self, error, "ls_bridge_start",
                                    "only the UI thread may start the worker");
  return ls_worker_start (self->worker, error);
}

/**
 * ls_bridge_stop:
 *
 * Flips the bridge to closed and begins the worker's orderly stop; returns
 * at once. "notify::worker-state" reports CLOSED when the worker thread has
 * finished and been joined. From here on no request starts on the worker;
 * the ones still queued are freed on the worker. Idempotent.
 *
 * Returns: %FALSE (a recorded guard) when called off the UI thread
 */
gboolean
ls_bridge_stop (LsBridge  *self,
                GError   **error)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    return ls_bridge_refuse_thread (self, error, "ls_bridge_stop",
                                    "only the UI thread may stop the worker");
  ls_worker_stop (self->worker);
  return TRUE;
}

static gboolean
wait_deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * ls_bridge_wait_closed:
 * @timeout_ms: how long to wait for the worker to finish
 *
 * Stops the worker if it is not stopping yet, then runs the UI context
 * until the worker is CLOSED (its thread joined).
 *
 * Returns: %TRUE once CLOSED; %FALSE with LS_BRIDGE_ERROR_WRONG_THREAD off
 *   the UI thread, LS_BRIDGE_ERROR_LOOP_RUNNING from inside a dispatch (a
 *   nested run of the UI loop), G_IO_ERROR_TIMED_OUT past @timeout_ms
 */
gboolean
ls_bridge_wait_closed (LsBridge  *self,
                       guint      timeout_ms,
                       GError   **error)
{
  GSource *deadline;
  gboolean expired = FALSE;

  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    return ls_bridge_refuse_thread (self, error, "ls_bridge_wait_closed",
                                    "only the UI thread waits for the worker");
  if G_UNLIKELY (g_main_depth () > 0)
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_LOOP_RUNNING,
                             "ls_bridge_wait_closed() cannot be called from a running event loop: it would run the UI loop nested inside one of its callbacks (wait for \"notify::worker-state\" instead)");

  ls_worker_stop (self->worker);
  if (ls_worker_get_state (self->worker) == LS_WORKER_CLOSED)
    return TRUE;

  deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline, wait_deadline_cb, &expired, NULL);
  g_source_set_static_name (deadline, "bridge.wait-closed-deadline");
  g_source_attach (deadline, self->ui_context);
  while (ls_worker_get_state (self->worker) != LS_WORKER_CLOSED && !expired)
    g_main_context_iteration (self->ui_context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);

  if (ls_worker_get_state (self->worker) != LS_WORKER_CLOSED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "The worker is still %s after %u ms",
                   ls_worker_state_to_string (ls_worker_get_state (self->worker)), timeout_ms);
      return FALSE;
    }
  return TRUE;
}

LsWorkerState
ls_bridge_get_worker_state (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), LS_WORKER_CLOSED);
  return ls_worker_get_state (self->worker);
}

/**
 * ls_bridge_get_worker_loop_stats:
 * @stats: (out caller-allocates): filled on success
 *
 * Returns: %FALSE (a recorded guard) when called off the UI thread
 */
gboolean
ls_bridge_get_worker_loop_stats (LsBridge     *self,
                                 LsLoopStats  *stats,
                                 GError      **error)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    return ls_bridge_refuse_thread (self, error, "ls_bridge_get_worker_loop_stats",
                                    "the Loops page reads them on the UI thread");
  ls_loop_probe_get_stats (ls_worker_get_probe (self->worker), stats);
  return TRUE;
}

void
ls_bridge_set_ui_probe (LsBridge    *self,
                        LsLoopProbe *probe)
{
  g_return_if_fail (LS_IS_BRIDGE (self));
  g_return_if_fail (LS_IS_LOOP_PROBE (probe));
  g_return_if_fail (g_thread_self () == self->ui_thread);
  g_return_if_fail (self->ui_probe == NULL);

  self->ui_probe = g_object_ref (probe);
  ls_loop_probe_watch_mailbox (probe, self->ui_box);
  ls_loop_probe_watch_mailbox (probe, ls_worker_get_owner_mailbox (self->worker));
}

/**
 * ls_bridge_set_worker_probe_active:
 * @active: see ls_loop_probe_set_active()
 *
 * Any thread: the probe takes the mode under its own lock and switches
 * at its next sample, on the worker thread.
 */
void
ls_bridge_set_worker_probe_active (LsBridge *self,
                                   gboolean  active)
{
  g_return_if_fail (LS_IS_BRIDGE (self));

  ls_loop_probe_set_active (ls_worker_get_probe (self->worker), active);
}

void
ls_bridge_get_queue_depths (LsBridge *self,
                            guint    *to_worker,
                            guint    *to_ui)
{
  g_return_if_fail (LS_IS_BRIDGE (self));

  if (to_worker != NULL)
    *to_worker = ls_mailbox_get_depth (ls_worker_get_inbox (self->worker));
  if (to_ui != NULL)
    *to_ui = ls_mailbox_get_depth (self->ui_box)
             + ls_mailbox_get_depth (ls_worker_get_owner_mailbox (self->worker));
}

gboolean
ls_bridge_is_closed (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), TRUE);
  return ls_worker_get_state (self->worker) >= LS_WORKER_STOPPING;
}

static gboolean
ls_bridge_refuse_push (LsBridge   *self,
                       LsMailbox  *mailbox,
                       GError    **error)
{
  if (ls_mailbox_is_closed (mailbox))
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED,
                             "Event loop is closed: %s no longer accepts messages",
                             ls_mailbox_get_name (mailbox));
  return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_FULL,
                           "%s is full (%u messages waiting): the message was dropped; slow down",
                           ls_mailbox_get_name (mailbox), ls_mailbox_get_depth (mailbox));
}

static gboolean
ls_bridge_post_internal (LsBridge        *self,
                         LsMessageFunc    func,
                         gpointer         data,
                         GDestroyNotify   destroy,
                         gboolean         sample,
                         GError         **error)
{
  LsWorkerState state;

  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse_thread (self, error, "ls_bridge_post",
                                      "only the UI thread posts to the worker (on the worker, attach a source to its own context)");
    }

  state = ls_worker_get_state (self->worker);
  if G_UNLIKELY (state >= LS_WORKER_STOPPING)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse_closed (self, error, state, "the request was dropped");
    }
  /* A push fails once the inbox is closed or full; it has freed @data then. */
  if G_UNLIKELY (!(sample ? ls_mailbox_push_sample : ls_mailbox_push) (ls_worker_get_inbox (self->worker),
                                                                        func, data, destroy))
    return ls_bridge_refuse_push (self, ls_worker_get_inbox (self->worker), error);
  return TRUE;
}

gboolean
ls_bridge_post (LsBridge        *self,
                LsMessageFunc    func,
                gpointer         data,
                GDestroyNotify   destroy,
                GError         **error)
{
  return ls_bridge_post_internal (self, func, data, destroy, FALSE, error);
}

/* ls_bridge_post() of a message whose crossing is a sample (a stress
 * test's request): recorded apart from the history, so a flood of them
 * cannot erase it. */
gboolean
ls_bridge_post_sample (LsBridge        *self,
                       LsMessageFunc    func,
                       gpointer         data,
                       GDestroyNotify   destroy,
                       GError         **error)
{
  return ls_bridge_post_internal (self, func, data, destroy, TRUE, error);
}

/* ls_bridge_post() the other way across, kept apart: it refuses the UI
 * thread rather than the others, and drops only once the worker is CLOSED. */
gboolean
ls_bridge_post_ui (LsBridge        *self,
                   LsMessageFunc    func,
                   gpointer         data,
                   GDestroyNotify   destroy,
                   GError         **error)
{
  LsWorkerState state;

  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if G_UNLIKELY (g_thread_self () == self->ui_thread)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_WRONG_THREAD,
                               "ls_bridge_post_ui() called on the UI thread itself; run the code directly (or from an idle source) instead of crossing the bridge");
    }
  state = ls_worker_get_state (self->worker);
  if G_UNLIKELY (state == LS_WORKER_CLOSED)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse_closed (self, error, state, "the result was dropped");
    }
  if G_UNLIKELY (!ls_mailbox_push (self->ui_box, func, data, destroy))
    return ls_bridge_refuse_push (self, self->ui_box, error);
  return TRUE;
}

/**
 * ls_bridge_new_ui_mailbox:
 *
 * Returns: (transfer full) (nullable): a mailbox drained on the UI loop, or
 *   %NULL (a recorded guard; @user_data_destroy has run) off the UI thread
 *   or once the worker is stopping
 */
LsMailbox *
ls_bridge_new_ui_mailbox (LsBridge          *self,
                          const char        *name,
                          LsMailboxHandler   handler,
                          gpointer           user_data,
                          GDestroyNotify     user_data_destroy,
                          GError           **error)
{
  LsWorkerState state;
  LsMailbox *mailbox;

  g_return_val_if_fail (LS_IS_BRIDGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      ls_bridge_refuse_thread (self, error, "ls_bridge_new_ui_mailbox",
                               "UI mailboxes are made on the UI thread");
      return NULL;
    }
  state = ls_worker_get_state (self->worker);
  if G_UNLIKELY (state >= LS_WORKER_STOPPING)
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      ls_bridge_refuse_closed (self, error, state, "no new mailbox from it");
      return NULL;
    }

  /* Data from the worker: past the capacity a push is dropped and counted
   * (the worker must never stall on a UI that fell behind); a time budget
   * per dispatch, paced to one frame. */
  mailbox = ls_mailbox_new (name, self->ui_context, LS_BRIDGE_UI_PRIORITY, LS_LOOP_UI,
                            self->recorder);
  ls_bridge_tune_ui_mailbox (self, mailbox);
  ls_mailbox_set_capacity (mailbox, LS_BRIDGE_QUEUE_CAPACITY, LS_MAILBOX_FULL_DROP);
  ls_mailbox_set_handler (mailbox, handler, user_data, user_data_destroy);
  if (self->ui_probe != NULL)
    ls_loop_probe_watch_mailbox (self->ui_probe, mailbox);
  return mailbox;
}

void
ls_bridge_set_ui_interval (LsBridge *self,
                           gint64    interval_us)
{
  g_return_if_fail (LS_IS_BRIDGE (self));
  g_return_if_fail (interval_us >= 0);
  g_return_if_fail (g_thread_self () == self->ui_thread);

  self->ui_interval_us = interval_us;
}

gboolean
ls_bridge_iterate_worker (LsBridge  *self,
                          gboolean   may_block,
                          GError   **error)
{
  char label[64];

  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);

  if (ls_worker_get_state (self->worker) >= LS_WORKER_STOPPING)
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED,
                             "Event loop is closed: the worker loop is %s and cannot be run",
                             ls_worker_state_to_string (ls_worker_get_state (self->worker)));

  if (ls_worker_is_worker_thread (self->worker))
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_LOOP_RUNNING,
                             "This event loop is already running: a nested %s of the worker loop from one of its own callbacks was refused (post a message instead)",
                             may_block ? "run" : "iteration");

  return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_FOREIGN_LOOP,
                           "The worker loop belongs to the worker thread (tid %d); thread %s may not %s it",
                           ls_worker_get_thread_id (self->worker),
                           current_thread_label (label, sizeof label),
                           may_block ? "run" : "iterate");
}

guint64
ls_bridge_get_guard_count (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), 0);
  return __atomic_load_n (&self->guards->count, __ATOMIC_RELAXED);
}
