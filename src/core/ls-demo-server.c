/* ls-demo-server.c: the embedded demo HTTP server's thread and lifecycle
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on a thread of its own, with its own GMainContext (pushed as
 * thread-default in that thread before the server is created, so libsoup
 * serves on it) and one GMainLoop. Requests are handled on that thread only
 * (the endpoints are in ls-demo-endpoints.c, the streaming responses in
 * ls-demo-stream.c); timers pacing the streams are GSources attached to that
 * context. This file starts the thread, publishes its outcome to a waiting
 * or async starter, and stops it: every stream (and replay) ended, every connection
 * closed, every message libsoup still holds let go, then the thread joined.
 */

#define G_LOG_DOMAIN "ls-demo-server"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <pthread.h>
#include <time.h>

#include "ls-demo-server-private.h"

#define START_TIMEOUT_US      (30 * G_TIME_SPAN_SECOND)
#define SHUTDOWN_TIMEOUT_S    10

G_DEFINE_FINAL_TYPE (LsDemoServer, ls_demo_server, G_TYPE_OBJECT)

/* The server thread */

static void
drain_context (GMainContext *context)
{
  /* We own this context: run what is ready, without blocking. */
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
}

static void
message_finalized_cb (gpointer  data,
                      GObject  *where_the_object_was)
{
  LsDemoServer *self = data;

  /* Any thread may drop the last reference. Waking the context under the
   * lock: the server thread cannot see the set empty, finish and let the
   * context go before the wakeup is done. */
  pthread_mutex_lock (&self->mutex);
  g_hash_table_remove (self->live_messages, where_the_object_was);
  g_main_context_wakeup (self->context);
  pthread_mutex_unlock (&self->mutex);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    LsDemoServer      *self)
{
  pthread_mutex_lock (&self->mutex);
  g_hash_table_add (self->live_messages, msg);
  pthread_mutex_unlock (&self->mutex);
  g_object_weak_ref (G_OBJECT (msg), message_finalized_cb, self);
}

static guint
count_live_messages (LsDemoServer *self)
{
  guint n;

  pthread_mutex_lock (&self->mutex);
  n = g_hash_table_size (self->live_messages);
  pthread_mutex_unlock (&self->mutex);

  return n;
}

static gboolean
flag_timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the server context (blocking: we own it, and every message left
 * has I/O or a close under way) until libsoup has let go of every message. */
static void
wait_for_live_messages (LsDemoServer *self)
{
  GSource *timeout = g_timeout_source_new_seconds (SHUTDOWN_TIMEOUT_S);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, flag_timeout_cb, &timed_out, NULL);
  g_source_set_static_name (timeout, "[loopscope] demo server shutdown bound");
  g_source_attach (timeout, self->context);

  while (!timed_out && count_live_messages (self) > 0)
    g_main_context_iteration (self->context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  if (timed_out)
    {
      GHashTableIter iter;
      gpointer msg;

      g_warning ("Demo server: %u messages still alive %d s after shutdown",
                 count_live_messages (self), SHUTDOWN_TIMEOUT_S);
      pthread_mutex_lock (&self->mutex);
      g_hash_table_iter_init (&iter, self->live_messages);
      while (g_hash_table_iter_next (&iter, &msg, NULL))
        g_object_weak_unref (msg, message_finalized_cb, self);
      g_hash_table_remove_all (self->live_messages);
      pthread_mutex_unlock (&self->mutex);
    }
}

static gboolean
start_complete_in_idle_cb (gpointer data)
{
  LsDemoServer *self = data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean failed;

  pthread_mutex_lock (&self->mutex);
  task = g_steal_pointer (&self->start_task);
  failed = self->state == LS_DEMO_SERVER_FAILED;
  if (failed)
    error = g_error_copy (self->start_error);
  pthread_mutex_unlock (&self->mutex);

  if (task == NULL)
    return G_SOURCE_REMOVE;

  if (!failed && g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      failed = TRUE;
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
    }

  if (failed)
    {
      ls_demo_server_stop (self);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }

  return G_SOURCE_REMOVE;
}

/* Publishes the outcome of the start to the waiting or async starter. */
static void
publish_start_outcome (LsDemoServer      *self,
                       LsDemoServerState  state,
                       GError            *error,
                       const char        *base_uri,
                       guint16            port)
{
  pthread_mutex_lock (&self->mutex);
  self->state = state;
  self->start_error = error;
  self->base_uri = g_strdup (base_uri);
  self->port = port;
  if (self->start_task != NULL)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, start_complete_in_idle_cb,
                             g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[loopscope] demo server start");
      g_source_attach (source, g_task_get_context (self->start_task));
      g_source_unref (source);
    }
  pthread_cond_broadcast (&self->cond);
  pthread_mutex_unlock (&self->mutex);
}

static void
shutdown_server (LsDemoServer *self)
{
  GList *l, *next;

  g_assert (g_main_context_is_owner (self->context));

  self->stopping = TRUE;

  for (l = self->streams.head; l != NULL; l = next)
    {
      next = l->next;
      ls_demo_stream_end_for_stop (l->data);
    }
  ls_demo_replay_end_all_for_stop (self);
  drain_context (self->context);

  soup_server_disconnect (self->server);
  drain_context (self->context);

  /* Whatever libsoup did not finish (a client that stopped reading). */
  for (l = self->streams.head; l != NULL; l = next)
    {
      next = l->next;
      ls_demo_stream_free (l->data);
    }
  ls_demo_replay_free_all (self);

  g_clear_object (&self->server);
  drain_context (self->context);
  wait_for_live_messages (self);
  drain_context (self->context);
  g_clear_pointer (&self->pad, g_free);
}

static gpointer
server_thread (gpointer data)
{
  LsDemoServer *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_uri = NULL;
  GSList *uris;
  guint16 port = 0;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", "loopscope-demo ", NULL);
  ls_demo_endpoints_register (self, self->server);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);

  if (!soup_server_listen_local (self->server, self->requested_port,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_clear_object (&self->server);
      drain_context (self->context);
      g_main_context_pop_thread_default (self->context);
      publish_start_outcome (self, LS_DEMO_SERVER_FAILED, g_steal_pointer (&error), NULL, 0);
      return NULL;
    }

  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    {
      GUri *uri = uris->data;

      port = (guint16) g_uri_get_port (uri);
      base_uri = g_strdup_printf ("http://127.0.0.1:%u", port);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  publish_start_outcome (self, LS_DEMO_SERVER_RUNNING, NULL, base_uri, port);

  g_main_loop_run (self->loop);

  shutdown_server (self);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  LsDemoServer *self = data;

  g_main_loop_quit (self->loop);

  return G_SOURCE_REMOVE;
}

/* Owner side: spawns the thread. FALSE when a start is already under way. */
static gboolean
spawn_server_thread (LsDemoServer  *self,
                     guint16        port,
                     GTask         *task,
                     GError       **error)
{
  GThread *thread;

  pthread_mutex_lock (&self->mutex);
  if (self->thread != NULL)
    {
      pthread_mutex_unlock (&self->mutex);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           _("The demo server is already started"));
      return FALSE;
    }

  g_assert (self->context == NULL);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->requested_port = port;
  self->state = LS_DEMO_SERVER_STARTING;
  self->start_task = task != NULL ? g_object_ref (task) : NULL;

  thread = g_thread_try_new ("ls-demo-server", server_thread, self, error);
  if (thread == NULL)
    {
      self->state = LS_DEMO_SERVER_IDLE;
      g_clear_object (&self->start_task);
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->context, g_main_context_unref);
      pthread_mutex_unlock (&self->mutex);
      return FALSE;
    }
  self->thread = thread;
  pthread_mutex_unlock (&self->mutex);

  return TRUE;
}

/* g_cond_wait_until() for a pthread condition on CLOCK_MONOTONIC;
 * @deadline_us is in g_get_monotonic_time() units. FALSE once it passed. */
static gboolean
cond_wait_until (pthread_cond_t  *cond,
                 pthread_mutex_t *mutex,
                 gint64           deadline_us)
{
  struct timespec ts;

  ts.tv_sec = deadline_us / G_USEC_PER_SEC;
  ts.tv_nsec = (deadline_us % G_USEC_PER_SEC) * 1000;
  return pthread_cond_timedwait (cond, mutex, &ts) == 0;
}

gboolean
ls_demo_server_start_sync (LsDemoServer  *self,
                           guint16        port,
                           GError       **error)
{
  gint64 deadline;
  LsDemoServerState state;
  g_autoptr(GError) start_error = NULL;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!spawn_server_thread (self, port, NULL, error))
    return FALSE;

  deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  pthread_mutex_lock (&self->mutex);
  while (self->state == LS_DEMO_SERVER_STARTING)
    {
      if (!cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  state = self->state;
  if (state == LS_DEMO_SERVER_FAILED)
    start_error = g_error_copy (self->start_error);
  pthread_mutex_unlock (&self->mutex);

  if (state == LS_DEMO_SERVER_RUNNING)
    return TRUE;

  ls_demo_server_stop (self);
  if (start_error != NULL)
    g_propagate_error (error, g_steal_pointer (&start_error));
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("The demo server did not start in time"));
  return FALSE;
}

void
ls_demo_server_start_async (LsDemoServer        *self,
                            guint16              port,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LS_IS_DEMO_SERVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ls_demo_server_start_async);
  /* Cancellation is checked when the outcome arrives, so that a cancelled
   * start also stops the server it started. */
  g_task_set_check_cancellable (task, FALSE);

  if (!spawn_server_thread (self, port, task, &error))
    g_task_return_error (task, g_steal_pointer (&error));
}

gboolean
ls_demo_server_start_finish (LsDemoServer  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ls_demo_server_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ls_demo_server_stop (LsDemoServer *self)
{
  GThread *thread;
  GTask *pending_task;

  g_return_if_fail (LS_IS_DEMO_SERVER (self));

  pthread_mutex_lock (&self->mutex);
  if (self->thread != NULL && self->thread == g_thread_self ())
    {
      pthread_mutex_unlock (&self->mutex);
      g_critical ("ls_demo_server_stop() called on the demo server's own thread");
      return;
    }
  thread = g_steal_pointer (&self->thread);
  pending_task = g_steal_pointer (&self->start_task);
  pthread_mutex_unlock (&self->mutex);

  if (thread == NULL)
    return;

  /* A message, not g_main_loop_quit (): a quit before the thread reaches
   * g_main_loop_run () would be lost. The idle source waits for the run. */
  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, quit_cb, self, NULL);
  g_thread_join (thread);

  pthread_mutex_lock (&self->mutex);
  self->state = LS_DEMO_SERVER_IDLE;
  self->port = 0;
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_error (&self->start_error);
  pthread_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  if (pending_task != NULL)
    {
      g_task_return_new_error (pending_task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The demo server was stopped while starting"));
      g_object_unref (pending_task);
    }
}

const char *
ls_demo_server_get_base_uri (LsDemoServer *self)
{
  const char *base_uri;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), NULL);

  pthread_mutex_lock (&self->mutex);
  base_uri = self->state == LS_DEMO_SERVER_RUNNING ? self->base_uri : NULL;
  pthread_mutex_unlock (&self->mutex);

  return base_uri;
}

guint16
ls_demo_server_get_port (LsDemoServer *self)
{
  guint16 port;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), 0);

  pthread_mutex_lock (&self->mutex);
  port = self->state == LS_DEMO_SERVER_RUNNING ? self->port : 0;
  pthread_mutex_unlock (&self->mutex);

  return port;
}

gboolean
ls_demo_server_is_running (LsDemoServer *self)
{
  gboolean running;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), FALSE);

  pthread_mutex_lock (&self->mutex);
  running = self->state == LS_DEMO_SERVER_RUNNING;
  pthread_mutex_unlock (&self->mutex);

  return running;
}

guint
ls_demo_server_get_n_connections (LsDemoServer *self)
{
  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), 0);

  return (guint) g_atomic_int_get (&self->n_connections);
}

static void
ls_demo_server_dispose (GObject *object)
{
  LsDemoServer *self = LS_DEMO_SERVER (object);

  ls_demo_server_stop (self);

  G_OBJECT_CLASS (ls_demo_server_parent_class)->dispose (object);
}

static void
ls_demo_server_finalize (GObject *object)
{
  LsDemoServer *self = LS_DEMO_SERVER (object);

  g_assert (self->thread == NULL);
  g_assert (self->streams.length == 0);
  g_assert (self->replay_streams.length == 0);
  g_assert (g_hash_table_size (self->live_messages) == 0);

  g_clear_error (&self->start_error);
  g_free (self->base_uri);
  g_hash_table_unref (self->live_messages);
  g_ptr_array_unref (self->replays);
  pthread_mutex_destroy (&self->mutex);
  pthread_cond_destroy (&self->cond);

  G_OBJECT_CLASS (ls_demo_server_parent_class)->finalize (object);
}

static void
ls_demo_server_class_init (LsDemoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_demo_server_dispose;
  object_class->finalize = ls_demo_server_finalize;
}

static void
ls_demo_server_init (LsDemoServer *self)
{
  {
    pthread_condattr_t attr;

    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->cond, &attr);
    pthread_condattr_destroy (&attr);
  }
  pthread_mutex_init (&self->mutex, NULL);
  g_queue_init (&self->streams);
  g_queue_init (&self->replay_streams);
  self->replays = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_demo_replay_free);
  self->live_messages = g_hash_table_new (NULL, NULL);
}

LsDemoServer *
ls_demo_server_new (void)
{
  return g_object_new (LS_TYPE_DEMO_SERVER, NULL);
}

guint
ls_demo_server_get_n_streams (LsDemoServer *self)
{
  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), 0);
  return __atomic_load_n (&self->n_streams, __ATOMIC_RELAXED);
}
