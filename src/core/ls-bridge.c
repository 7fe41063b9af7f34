/* ls-bridge.c: the only way across between the UI loop and the worker loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * UI → worker: ls_bridge_post() pushes onto the worker's inbox and returns.
 * Worker → UI: ls_bridge_post_ui() and the UI mailboxes, drained on the UI
 * loop at most once per frame, below GTK's redraw priority.
 * Guards: every call that would break the two-loop rule is refused with its
 * own LS_BRIDGE_ERROR code and recorded as a guard event on the timeline.
 */
#define G_LOG_DOMAIN "ls-bridge"

#include "config.h"

#include <pthread.h>

#include "ls-bridge.h"

struct _LsBridge
{
  GObject       parent_instance;

  LsRecorder   *recorder;
  LsWorker     *worker;
  GThread      *ui_thread;
  GMainContext *ui_context;
  LsMailbox    *ui_box;
  guint64       guard_count; /* atomic */
};

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

  __atomic_fetch_add (&self->guard_count, 1, __ATOMIC_RELAXED);
  if (self->recorder != NULL)
    ls_recorder_add_guard (self->recorder, guard_name (code), current_loop (self), message);
  g_set_error_literal (error, LS_BRIDGE_ERROR, code, message);
  return FALSE;
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
  g_clear_object (&self->worker);
  g_clear_object (&self->recorder);
  g_clear_pointer (&self->ui_context, g_main_context_unref);

  G_OBJECT_CLASS (ls_bridge_parent_class)->finalize (object);
}

static void
ls_bridge_class_init (LsBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_bridge_dispose;
  object_class->finalize = ls_bridge_finalize;
}

static void
ls_bridge_init (LsBridge *self)
{
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
  self->worker = ls_worker_new (recorder);
  self->ui_box = ls_mailbox_new ("bridge.post_ui", self->ui_context,
                                 LS_BRIDGE_UI_PRIORITY, LS_LOOP_UI, recorder);
  ls_mailbox_set_min_interval (self->ui_box, LS_BRIDGE_UI_INTERVAL_US);
  ls_mailbox_set_max_wait (self->ui_box, LS_BRIDGE_UI_MAX_WAIT_US, LS_BRIDGE_UI_URGENT_PRIORITY);
  ls_mailbox_set_max_batch (self->ui_box, 16384);
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
    {
      char label[64];

      return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_WRONG_THREAD,
                               "ls_bridge_start() called from thread %s; only the UI thread may start the worker",
                               current_thread_label (label, sizeof label));
    }
  return ls_worker_start (self->worker, error);
}

/**
 * ls_bridge_stop:
 *
 * Flips the bridge to CLOSED and begins the worker's orderly stop; returns
 * at once. The worker's "notify::state" reports CLOSED when it is done.
 */
void
ls_bridge_stop (LsBridge *self)
{
  g_return_if_fail (LS_IS_BRIDGE (self));
  g_return_if_fail (g_thread_self () == self->ui_thread);

  ls_worker_stop (self->worker);
}

gboolean
ls_bridge_is_closed (LsBridge *self)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), TRUE);
  return ls_worker_get_state (self->worker) >= LS_WORKER_STOPPING;
}

gboolean
ls_bridge_post (LsBridge        *self,
                LsMessageFunc    func,
                gpointer         data,
                GDestroyNotify   destroy,
                GError         **error)
{
  LsWorkerState state;

  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if G_UNLIKELY (g_thread_self () != self->ui_thread)
    {
      char label[64];

      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_WRONG_THREAD,
                               "ls_bridge_post() called from thread %s; only the UI thread posts to the worker (on the worker, attach a source to its own context)",
                               current_thread_label (label, sizeof label));
    }

  state = ls_worker_get_state (self->worker);
  if G_UNLIKELY (state >= LS_WORKER_STOPPING)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED,
                               "Event loop is closed: the worker is %s, so the request was dropped",
                               ls_worker_state_to_string (state));
    }
  /* A push fails only once the inbox is closed; it has freed @data then. */
  if G_UNLIKELY (!ls_mailbox_push (ls_worker_get_inbox (self->worker), func, data, destroy))
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED,
                             "Event loop is closed: the worker's inbox no longer accepts requests");
  return TRUE;
}

gboolean
ls_bridge_post_ui (LsBridge        *self,
                   LsMessageFunc    func,
                   gpointer         data,
                   GDestroyNotify   destroy,
                   GError         **error)
{
  g_return_val_if_fail (LS_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if G_UNLIKELY (!ls_mailbox_push (self->ui_box, func, data, destroy))
    return ls_bridge_refuse (self, error, LS_BRIDGE_ERROR_CLOSED,
                             "The UI side of the bridge is closed; the result was dropped");
  return TRUE;
}

LsMailbox *
ls_bridge_new_ui_mailbox (LsBridge         *self,
                          const char       *name,
                          LsMailboxHandler  handler,
                          gpointer          user_data,
                          GDestroyNotify    user_data_destroy)
{
  LsMailbox *mailbox;

  g_return_val_if_fail (LS_IS_BRIDGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (g_thread_self () == self->ui_thread, NULL);

  mailbox = ls_mailbox_new (name, self->ui_context, LS_BRIDGE_UI_PRIORITY, LS_LOOP_UI,
                            self->recorder);
  ls_mailbox_set_min_interval (mailbox, LS_BRIDGE_UI_INTERVAL_US);
  ls_mailbox_set_max_wait (mailbox, LS_BRIDGE_UI_MAX_WAIT_US, LS_BRIDGE_UI_URGENT_PRIORITY);
  ls_mailbox_set_max_batch (mailbox, 16384);
  ls_mailbox_set_handler (mailbox, handler, user_data, user_data_destroy);
  return mailbox;
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
  return __atomic_load_n (&self->guard_count, __ATOMIC_RELAXED);
}
