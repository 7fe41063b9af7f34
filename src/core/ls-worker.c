/* ls-worker.c: the worker thread, its own GMainContext and its one GMainLoop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker owns its context for the thread's whole life (pushed as
 * thread-default, so libsoup binds to it). Every request to the worker
 * arrives through a mailbox; every report back to the owner goes through
 * the owner mailbox. Nobody outside calls g_main_loop_quit() on the worker
 * loop (a quit before run would be lost): stop posts a message instead.
 *
 * Shutdown, on the worker: close the inbox, cancel every tracked task,
 * abort the session, keep the loop running until every tracked task has
 * reported back, then drain what is still pending, drop the session, pop
 * the context, and tell the owner, which joins the finished thread.
 */
#define G_LOG_DOMAIN "ls-worker"

#include "config.h"

#include "ls-worker-private.h"

/* A task that ignores cancellation cannot hold the app hostage. */
#define SHUTDOWN_GRACE_MS 5000

/* libsoup 3.2 walks a session's whole message queue on every state change
 * (g_list_find_custom in perf), so n streams through one session cost O(n²)
 * to connect: 1,000 streams took 9-10 s to all receive, about 2 s spread
 * over 16 sessions (tests/test-load.c prints it). */
#define N_SESSIONS 16

/* A task the stop waits for. */
typedef struct
{
  GCancellable         *cancellable;
  LsWorkerTaskDescribe  describe;
  gpointer              data;
} TrackedTask;

static void
tracked_task_free (TrackedTask *task)
{
  g_object_unref (task->cancellable);
  g_free (task);
}

struct _LsWorker
{
  GObject        parent_instance;

  LsRecorder    *recorder;
  GThread       *owner;
  GMainContext  *owner_context;
  LsMailbox     *owner_box;      /* worker → owner: lifecycle reports */

  GMainContext  *context;
  LsMailbox     *inbox;          /* owner → worker: requests; closed on stop */
  LsMailbox     *control;        /* owner → worker: the stop message */
  GThread       *thread;         /* owner thread only */
  gint           worker_tid;     /* atomic */
  LsWorkerState  state;          /* atomic; the owner's view is notified */
  LsWorkerState  notified_state; /* owner thread only */
  LsLoopProbe   *probe;
  gint64         start_us;
  gint64         stop_us;

  /* Worker thread only. */
  GMainLoop     *loop;
  SoupSession   *sessions[N_SESSIONS];
  GPtrArray     *tasks;          /* of TrackedTask */
  GSource       *grace_timer;
  gboolean       draining;
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (LsWorkerState, ls_worker_state,
                    G_DEFINE_ENUM_VALUE (LS_WORKER_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (LS_WORKER_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (LS_WORKER_STOPPING, "stopping"),
                    G_DEFINE_ENUM_VALUE (LS_WORKER_CLOSED, "closed"))

G_DEFINE_FINAL_TYPE (LsWorker, ls_worker, G_TYPE_OBJECT)

const char *
ls_worker_state_to_string (LsWorkerState state)
{
  switch (state)
    {
    case LS_WORKER_NEW:
      return "NEW";
    case LS_WORKER_RUNNING:
      return "RUNNING";
    case LS_WORKER_STOPPING:
      return "STOPPING";
    case LS_WORKER_CLOSED:
      return "CLOSED";
    default:
      return "?";
    }
}

static void
ls_worker_notify_state (LsWorker *self)
{
  LsWorkerState state = ls_worker_get_state (self);

  g_assert (ls_worker_is_owner_thread (self));

  if (state != self->notified_state)
    {
      self->notified_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static gboolean
ls_worker_transition (LsWorker      *self,
                      LsWorkerState  from,
                      LsWorkerState  to)
{
  return __atomic_compare_exchange_n (&self->state, &from, to, FALSE,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* ---- owner side ------------------------------------------------------ */

static void
owner_ready_cb (gpointer data)
{
  LsWorker *self = data;

  ls_worker_notify_state (self);
}

static void
owner_finished_cb (gpointer data)
{
  LsWorker *self = data;

  /* The thread pushed this as its very last act: joining waits at most
   * for it to return from its main function. */
  g_thread_join (g_steal_pointer (&self->thread));
  __atomic_store_n (&self->state, LS_WORKER_CLOSED, __ATOMIC_RELEASE);
  if (self->recorder != NULL)
    ls_recorder_add_span (self->recorder, &(LsSpan) {
                            .name = "worker.stop", .category = "worker", .loop = LS_LOOP_UI,
                            .start_us = self->stop_us, .end_us = g_get_monotonic_time (),
                          });
  ls_worker_notify_state (self);
}

/* ---- worker side ----------------------------------------------------- */

static void
ls_worker_quit_if_drained (LsWorker *self)
{
  if (self->draining && self->tasks->len == 0)
    g_main_loop_quit (self->loop);
}

static gboolean
grace_expired_cb (gpointer data)
{
  LsWorker *self = data;
  g_autoptr(GString) what = g_string_new (NULL);

  /* Which tasks, and what each waits for: the one clue to a stuck stop. */
  for (guint i = 0; i < self->tasks->len; i++)
    {
      const TrackedTask *task = g_ptr_array_index (self->tasks, i);
      g_autofree char *description = task->describe != NULL ? task->describe (task->data) : NULL;

      g_string_append (what, i == 0 ? ": " : "; ");
      g_string_append (what, description != NULL ? description : "?");
    }
  g_warning ("%u worker task(s) did not finish within %d ms of stop; closing anyway%s",
             self->tasks->len, SHUTDOWN_GRACE_MS, what->str);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static void
worker_stop_cb (gpointer data)
{
  LsWorker *self = data;

  g_assert (ls_worker_is_worker_thread (self));

  if (self->draining)
    return;
  self->draining = TRUE;

  ls_mailbox_close (self->inbox);
  for (guint i = 0; i < self->tasks->len; i++)
    g_cancellable_cancel (((TrackedTask *) g_ptr_array_index (self->tasks, i))->cancellable);
  for (guint i = 0; i < N_SESSIONS; i++)
    if (self->sessions[i] != NULL)
      soup_session_abort (self->sessions[i]);

  self->grace_timer = g_timeout_source_new (SHUTDOWN_GRACE_MS);
  ls_source_set_timed_callback (self->grace_timer, grace_expired_cb, self, NULL);
  g_source_set_static_name (self->grace_timer, "worker.shutdown-grace");
  g_source_attach (self->grace_timer, self->context);

  ls_worker_quit_if_drained (self);
}

static gboolean
worker_announce_running_cb (gpointer data)
{
  LsWorker *self = data;

  /* We are inside g_main_loop_run(): the loop really runs now. */
  if (ls_worker_transition (self, LS_WORKER_NEW, LS_WORKER_RUNNING))
    {
      if (self->recorder != NULL)
        ls_recorder_add_span (self->recorder, &(LsSpan) {
                                .name = "worker.start", .category = "worker",
                                .loop = LS_LOOP_WORKER, .queued_us = self->start_us,
                                .start_us = self->start_us, .end_us = g_get_monotonic_time (),
                              });
      ls_mailbox_push (self->owner_box, owner_ready_cb, g_object_ref (self), g_object_unref);
    }
  return G_SOURCE_REMOVE;
}

static void
drain_pending (GMainContext *context)
{
  /* We own the context and its loop has returned: this is not a nested run.
   * libsoup needs a few more dispatches after abort to let go. */
  for (guint i = 0; i < 1000 && g_main_context_pending (context); i++)
    g_main_context_iteration (context, FALSE);
}

static gpointer
ls_worker_thread_main (gpointer data)
{
  LsWorker *self = data;
  GMainContext *context = self->context;

  g_main_context_push_thread_default (context);
  __atomic_store_n (&self->worker_tid, ls_current_thread_id (), __ATOMIC_RELEASE);
  if (self->recorder != NULL)
    ls_recorder_set_thread_name (self->recorder, ls_current_thread_id (), "worker loop");

  self->loop = g_main_loop_new (context, FALSE);
  self->tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) tracked_task_free);
  ls_loop_probe_attach (self->probe, context, 100);

  /* Announce from inside the running loop, at top priority, before any
   * queued request: readiness is a fact, not a guess. */
  {
    GSource *announce = g_idle_source_new ();

    g_source_set_priority (announce, G_PRIORITY_HIGH);
    ls_source_set_timed_callback (announce, worker_announce_running_cb, self, NULL);
    g_source_set_static_name (announce, "worker.announce");
    g_source_attach (announce, context);
    g_source_unref (announce);
  }

  g_main_loop_run (self->loop);

  if (self->grace_timer != NULL)
    {
      g_source_destroy (self->grace_timer);
      g_clear_pointer (&self->grace_timer, g_source_unref);
    }
  ls_mailbox_close (self->inbox);
  ls_mailbox_close (self->control);
  drain_pending (context);
  for (guint i = 0; i < N_SESSIONS; i++)
    g_clear_object (&self->sessions[i]);
  drain_pending (context);
  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  ls_loop_probe_detach (self->probe);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_main_context_pop_thread_default (context);

  ls_mailbox_push (self->owner_box, owner_finished_cb, self, g_object_unref);
  return NULL;
}

/* ---- GObject --------------------------------------------------------- */

static void
ls_worker_finalize (GObject *object)
{
  LsWorker *self = LS_WORKER (object);

  /* The thread holds a reference until it has finished: no thread here. */
  g_assert (self->thread == NULL);

  /* No thread can own the worker context any more: take it, so that
   * closing shuts the worker-side mailboxes at once. */
  if (g_main_context_acquire (self->context))
    {
      ls_mailbox_close (self->inbox);
      ls_mailbox_close (self->control);
      g_main_context_release (self->context);
    }
  ls_mailbox_close (self->owner_box);
  g_clear_pointer (&self->inbox, ls_mailbox_unref);
  g_clear_pointer (&self->control, ls_mailbox_unref);
  g_clear_pointer (&self->owner_box, ls_mailbox_unref);
  g_clear_object (&self->probe);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_object (&self->recorder);

  G_OBJECT_CLASS (ls_worker_parent_class)->finalize (object);
}

static void
ls_worker_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LsWorker *self = LS_WORKER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, ls_worker_get_state (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_worker_class_init (LsWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ls_worker_finalize;
  object_class->get_property = ls_worker_get_property;

  /**
   * LsWorker:state:
   *
   * The worker's state, as the owner thread sees it. Notified on the
   * owner thread only.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       LS_TYPE_WORKER_STATE, LS_WORKER_NEW,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_worker_init (LsWorker *self)
{
  self->state = LS_WORKER_NEW;
  self->notified_state = LS_WORKER_NEW;
}

/**
 * ls_worker_new:
 * @recorder: (nullable): where the worker records its spans
 *
 * The calling thread becomes the owner: its thread-default context (the
 * global default when none is pushed) receives the worker's reports.
 * The worker context is created here, not yet owned by anyone, so that
 * requests posted before the thread starts wait in its inbox.
 */
LsWorker *
ls_worker_new (LsRecorder *recorder)
{
  LsWorker *self = g_object_new (LS_TYPE_WORKER, NULL);

  self->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  self->owner = g_thread_self ();
  self->owner_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->owner_box = ls_mailbox_new ("worker.report", self->owner_context,
                                    G_PRIORITY_DEFAULT, LS_LOOP_UI, recorder);
  self->inbox = ls_mailbox_new ("bridge.post", self->context,
                                G_PRIORITY_DEFAULT, LS_LOOP_WORKER, recorder);
  ls_mailbox_set_max_batch (self->inbox, 4096);
  /* Requests: backpressure past the capacity (ls_bridge_post fails FULL). */
  ls_mailbox_set_capacity (self->inbox, LS_BRIDGE_QUEUE_CAPACITY, LS_MAILBOX_FULL_REFUSE);
  self->control = ls_mailbox_new ("worker.control", self->context,
                                  G_PRIORITY_HIGH, LS_LOOP_WORKER, recorder);
  /* Lifecycle: one message per transition (ready, stop, finished); the
   * state itself is an atomic, so a reader always sees the latest. */
  ls_mailbox_set_capacity (self->owner_box, 16, LS_MAILBOX_FULL_REFUSE);
  ls_mailbox_set_capacity (self->control, 16, LS_MAILBOX_FULL_REFUSE);
  self->probe = ls_loop_probe_new ("worker loop", LS_LOOP_WORKER, recorder);
  ls_loop_probe_watch_mailbox (self->probe, self->inbox);
  return self;
}

/**
 * ls_worker_start:
 *
 * Starts the thread and returns at once. The state becomes RUNNING, and
 * "notify::state" is emitted on the owner thread, once the worker loop
 * actually runs.
 */
gboolean
ls_worker_start (LsWorker  *self,
                 GError   **error)
{
  g_return_val_if_fail (LS_IS_WORKER (self), FALSE);
  g_return_val_if_fail (ls_worker_is_owner_thread (self), FALSE);

  if (self->thread != NULL || ls_worker_get_state (self) != LS_WORKER_NEW)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The worker was already started (state %s)",
                   ls_worker_state_to_string (ls_worker_get_state (self)));
      return FALSE;
    }

  self->start_us = g_get_monotonic_time ();
  self->thread = g_thread_try_new ("ls-worker", ls_worker_thread_main,
                                   g_object_ref (self), error);
  if (self->thread == NULL)
    {
      g_object_unref (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * ls_worker_stop:
 *
 * Begins an orderly stop and returns at once: the state becomes STOPPING
 * now, and CLOSED (notified on the owner thread) once the worker thread has
 * cancelled its tasks, drained its loop and finished. From here on no
 * request starts on the worker: the ones still queued are discarded
 * (their destroy notifies run). Idempotent.
 */
void
ls_worker_stop (LsWorker *self)
{
  g_return_if_fail (LS_IS_WORKER (self));
  g_return_if_fail (ls_worker_is_owner_thread (self));

  if (ls_worker_transition (self, LS_WORKER_NEW, LS_WORKER_STOPPING)
      || ls_worker_transition (self, LS_WORKER_RUNNING, LS_WORKER_STOPPING))
    {
      self->stop_us = g_get_monotonic_time ();
      /* From another thread this only shuts the inbox: no request starts
       * after it returns, and the queued ones are freed on the worker. */
      ls_mailbox_close (self->inbox);
      if (self->thread != NULL)
        {
          ls_mailbox_push (self->control, worker_stop_cb, self, NULL);
        }
      else
        {
          __atomic_store_n (&self->state, LS_WORKER_CLOSED, __ATOMIC_RELEASE);
        }
      ls_worker_notify_state (self);
    }
}

LsWorkerState
ls_worker_get_state (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), LS_WORKER_CLOSED);
  return __atomic_load_n (&self->state, __ATOMIC_ACQUIRE);
}

gboolean
ls_worker_is_worker_thread (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), FALSE);
  return __atomic_load_n (&self->worker_tid, __ATOMIC_ACQUIRE) == ls_current_thread_id ();
}

gboolean
ls_worker_is_owner_thread (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), FALSE);
  return g_thread_self () == self->owner;
}

GMainContext *
ls_worker_get_context (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->context;
}

GMainContext *
ls_worker_get_owner_context (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->owner_context;
}

LsMailbox *
ls_worker_get_inbox (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->inbox;
}

LsMailbox *
ls_worker_get_owner_mailbox (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->owner_box;
}

LsLoopProbe *
ls_worker_get_probe (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->probe;
}

LsRecorder *
ls_worker_get_recorder (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  return self->recorder;
}

gint
ls_worker_get_thread_id (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), 0);
  return __atomic_load_n (&self->worker_tid, __ATOMIC_ACQUIRE);
}

/**
 * ls_worker_new_stream_session:
 *
 * Returns: (transfer full): a session for streams, configured as every
 *   session of the worker is, for a stream that needs one of its own.
 */
SoupSession *
ls_worker_new_stream_session (void)
{
  /* timeout 0: an SSE stream may be silent longer than libsoup's 60 s
   * default. idle-timeout 0: a reconnect that takes the pooled
   * connection its previous response left, just as the session's idle
   * timeout closes it, never reports back in libsoup 3.2, not even when
   * cancelled (a stream with "retry: 60000" stayed "Connecting" for
   * good); an idle connection goes when the server closes it. Connection
   * limits: libsoup would queue the 7th stream to one host behind the
   * first six, forever. */
  return soup_session_new_with_options ("timeout", 0,
                                        "idle-timeout", 0,
                                        "max-conns", 4096,
                                        "max-conns-per-host", 4096,
                                        NULL);
}

/**
 * ls_worker_get_session_for:
 * @key: spreads requests over the worker's sessions; the same key always
 *   gets the same session
 *
 * Returns: (transfer none): one of the worker's sessions. Worker thread only.
 */
SoupSession *
ls_worker_get_session_for (LsWorker *self,
                           guint     key)
{
  SoupSession **session;

  g_return_val_if_fail (LS_IS_WORKER (self), NULL);
  g_return_val_if_fail (ls_worker_is_worker_thread (self), NULL);

  session = &self->sessions[key % N_SESSIONS];
  if (*session == NULL)
    *session = ls_worker_new_stream_session ();
  return *session;
}

/**
 * ls_worker_get_session:
 *
 * Returns: (transfer none): the worker's first session. Worker thread only.
 */
SoupSession *
ls_worker_get_session (LsWorker *self)
{
  return ls_worker_get_session_for (self, 0);
}

void
ls_worker_track_task (LsWorker             *self,
                      GCancellable         *cancellable,
                      LsWorkerTaskDescribe  describe,
                      gpointer              data)
{
  TrackedTask *task;

  g_return_if_fail (LS_IS_WORKER (self));
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (ls_worker_is_worker_thread (self));

  task = g_new (TrackedTask, 1);
  task->cancellable = g_object_ref (cancellable);
  task->describe = describe;
  task->data = data;
  g_ptr_array_add (self->tasks, task);
  if (self->draining)
    g_cancellable_cancel (cancellable);
}

void
ls_worker_untrack_task (LsWorker     *self,
                        GCancellable *cancellable)
{
  g_return_if_fail (LS_IS_WORKER (self));
  g_return_if_fail (ls_worker_is_worker_thread (self));

  for (guint i = 0; self->tasks != NULL && i < self->tasks->len; i++)
    if (((TrackedTask *) g_ptr_array_index (self->tasks, i))->cancellable == cancellable)
      {
        g_ptr_array_remove_index (self->tasks, i);
        ls_worker_quit_if_drained (self);
        return;
      }
}

guint
ls_worker_get_n_tasks (LsWorker *self)
{
  g_return_val_if_fail (LS_IS_WORKER (self), 0);
  g_return_val_if_fail (ls_worker_is_worker_thread (self), 0);
  return self->tasks != NULL ? self->tasks->len : 0;
}
