/* ls-stream.c: one streaming request, the UI thread's side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LsStream holds the options and the UI's view of the state and
 * statistics. The request itself is an LsStreamRun on the worker
 * (ls-stream-run.c, its trust in ls-stream-tls.c). They meet in the run's
 * shared part, under a pthread mutex: the worker copies its state there
 * and pushes one message into the stream's own UI mailbox only when none
 * is queued; the mailbox is paced to one frame, so the UI hears about a
 * stream at most once per frame, whatever the event rate.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include "ls-stream-private.h"

#define RATE_STALE_US   (2 * G_TIME_SPAN_SECOND)

struct _LsStream
{
  GObject           parent_instance;

  LsBridge         *bridge;
  LsStreamOptions  *options;
  LsEventStore     *store;
  guint32           stream_id;
  LsMailbox        *ui_box;
  LsStreamRun        *run;
  LsStreamState     state;
  char             *message;
  LsStreamStats     stats;
  gboolean          cancel_posted;
  char             *tls_fingerprint;
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ENUM_TYPE (LsStreamState, ls_stream_state,
                    G_DEFINE_ENUM_VALUE (LS_STREAM_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_OPEN, "open"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_ENDED, "ended"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_CANCELLED, "cancelled"))

G_DEFINE_FINAL_TYPE (LsStream, ls_stream, G_TYPE_OBJECT)

const char *
ls_stream_state_to_string (LsStreamState state)
{
  switch (state)
    {
    case LS_STREAM_IDLE:
      return "idle";
    case LS_STREAM_CONNECTING:
      return "connecting";
    case LS_STREAM_OPEN:
      return "open";
    case LS_STREAM_WAITING:
      return "waiting";
    case LS_STREAM_ENDED:
      return "ended";
    case LS_STREAM_FAILED:
      return "failed";
    case LS_STREAM_CANCELLED:
      return "cancelled";
    default:
      return "?";
    }
}
static void
ls_stream_ui_handler (LsMailbox *mailbox,
                      LsMessage *messages,
                      guint      n_messages,
                      gpointer   user_data)
{
  LsStream *self = user_data;
  LsStreamRun *run = self->run;
  LsStreamState old_state = self->state;
  guint64 old_events = self->stats.events;
  gboolean became_final;

  g_assert (run != NULL);

  pthread_mutex_lock (&run->lock);
  self->stats = run->shared_stats;
  self->state = run->shared_state;
  if (self->message == NULL && run->shared_message != NULL && LS_STREAM_STATE_IS_FINAL (self->state))
    self->message = g_strdup (run->shared_message);
  run->notify_queued = FALSE;
  if (self->tls_fingerprint == NULL && run->shared_tls_fingerprint != NULL)
    self->tls_fingerprint = g_strdup (run->shared_tls_fingerprint);
  pthread_mutex_unlock (&run->lock);

  /* The UI's view never leaves a final state (a late stats copy cannot
   * carry an older state, but be strict). */
  if (LS_STREAM_STATE_IS_FINAL (old_state))
    self->state = old_state;

  became_final = !LS_STREAM_STATE_IS_FINAL (old_state) && LS_STREAM_STATE_IS_FINAL (self->state);

  g_object_ref (self);
  if (self->stats.events != old_events || became_final)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  if (self->state != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_unref (self);
}

static void
ls_stream_set_final (LsStream      *self,
                     LsStreamState  state,
                     const char    *message)
{
  if (LS_STREAM_STATE_IS_FINAL (self->state))
    return;
  self->state = state;
  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
ls_stream_dispose (GObject *object)
{
  LsStream *self = LS_STREAM (object);

  /* A closed bridge: the worker's stop is cancelling the run already. */
  if (self->run != NULL && !LS_STREAM_STATE_IS_FINAL (self->state) && !self->cancel_posted &&
      !ls_bridge_is_closed (self->bridge))
    {
      self->cancel_posted = TRUE;
      ls_stream_run_post_cancel (self->run, self->bridge);
    }
  if (self->ui_box != NULL)
    {
      ls_mailbox_close (self->ui_box);
      g_clear_pointer (&self->ui_box, ls_mailbox_unref);
    }
  g_clear_pointer (&self->run, ls_stream_run_unref);

  G_OBJECT_CLASS (ls_stream_parent_class)->dispose (object);
}

static void
ls_stream_finalize (GObject *object)
{
  LsStream *self = LS_STREAM (object);

  g_clear_object (&self->bridge);
  g_clear_pointer (&self->options, ls_stream_options_free);
  g_clear_pointer (&self->store, ls_event_store_unref);
  g_free (self->message);
  g_free (self->tls_fingerprint);

  G_OBJECT_CLASS (ls_stream_parent_class)->finalize (object);
}

static void
ls_stream_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LsStream *self = LS_STREAM (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_stream_class_init (LsStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_stream_dispose;
  object_class->finalize = ls_stream_finalize;
  object_class->get_property = ls_stream_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, LS_TYPE_STREAM_STATE, LS_STREAM_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LsStream::progress:
   *
   * New events are in the store, or the stream reached its final state.
   * On the UI thread, at most once per frame.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ls_stream_init (LsStream *self)
{
  self->state = LS_STREAM_IDLE;
  self->stats.ttfb_us = -1;
}

LsStream *
ls_stream_new (LsBridge              *bridge,
               const LsStreamOptions *options,
               LsEventStore          *store,
               guint32                stream_id)
{
  LsStream *self;

  g_return_val_if_fail (LS_IS_BRIDGE (bridge), NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (LS_TYPE_STREAM, NULL);
  self->bridge = g_object_ref (bridge);
  self->options = ls_stream_options_copy (options);
  self->store = ls_event_store_ref (store);
  self->stream_id = stream_id;
  self->stats.retry_ms = options->reconnect_ms;
  return self;
}

gboolean
ls_stream_start (LsStream  *self,
                 GError   **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (LS_IS_STREAM (self), FALSE);

  if (self->run != NULL || self->state != LS_STREAM_IDLE)
    {
      g_set_error_literal (error, LS_STREAM_ERROR, LS_STREAM_ERROR_NOT_IDLE,
                           "This stream was already started; create a new one to connect again");
      return FALSE;
    }
  if (!ls_stream_options_validate (self->options, error))
    return FALSE;

  name = g_strdup_printf ("stream %u", self->stream_id);
  self->ui_box = ls_bridge_new_ui_mailbox (self->bridge, name, ls_stream_ui_handler, self, NULL,
                                           error);
  if (self->ui_box == NULL)
    return FALSE;
  self->run = ls_stream_run_new (self->options, self->store, self->stream_id, self->ui_box,
                              ls_bridge_get_worker (self->bridge));

  /* On failure the request is freed unrun and publishes CANCELLED into a
   * mailbox we close right away: the stream stays IDLE. */
  if (!ls_stream_run_post_start (self->run, self->bridge, error))
    {
      ls_mailbox_close (self->ui_box);
      g_clear_pointer (&self->ui_box, ls_mailbox_unref);
      g_clear_pointer (&self->run, ls_stream_run_unref);
      return FALSE;
    }
  self->state = LS_STREAM_CONNECTING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  return TRUE;
}

void
ls_stream_cancel (LsStream *self)
{
  g_return_if_fail (LS_IS_STREAM (self));

  if (LS_STREAM_STATE_IS_FINAL (self->state) || self->cancel_posted)
    return;
  if (self->run == NULL)
    {
      ls_stream_set_final (self, LS_STREAM_CANCELLED, "Cancelled before it started");
      return;
    }
  self->cancel_posted = TRUE;
  /* A closed bridge means the worker's stop is cancelling us already. */
  if (!ls_bridge_is_closed (self->bridge))
    ls_stream_run_post_cancel (self->run, self->bridge);
}

LsStreamState
ls_stream_get_state (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), LS_STREAM_IDLE);
  return self->state;
}

const char *
ls_stream_get_message (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return LS_STREAM_STATE_IS_FINAL (self->state) ? self->message : NULL;
}

const char *
ls_stream_get_rejected_certificate (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->state == LS_STREAM_FAILED ? self->tls_fingerprint : NULL;
}

const char *
ls_stream_get_error_message (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->state == LS_STREAM_FAILED ? self->message : NULL;
}

void
ls_stream_get_stats (LsStream      *self,
                     LsStreamStats *stats)
{
  g_return_if_fail (LS_IS_STREAM (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
  /* Rates are measured when data arrives; silence means zero. */
  if (self->stats.last_event_us == 0 ||
      LS_STREAM_STATE_IS_FINAL (self->state) ||
      g_get_monotonic_time () - self->stats.last_event_us > RATE_STALE_US)
    {
      stats->events_per_s = 0;
      stats->bytes_per_s = 0;
    }
}

const LsStreamOptions *
ls_stream_get_options (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->options;
}

LsEventStore *
ls_stream_get_store (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->store;
}

guint32
ls_stream_get_id (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), 0);
  return self->stream_id;
}

