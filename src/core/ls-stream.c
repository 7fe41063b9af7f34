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

#include <glib/gi18n-lib.h>

#include "ls-redact.h"
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
  LsStreamEnd       end;
  char             *message;
  GError           *end_error;
  LsStreamStats     stats;
  LsStreamResponse *response;
  LsReadLog        *read_log;       /* options->record_reads, or a capture's */
  gboolean          from_capture;   /* read back from a capture file: never started */
  gboolean          cancel_posted;
  gboolean          reconnect_paused;
  char             *tls_fingerprint;
  LsStreamEnd       wait_end;       /* why the latest wait began */
  gboolean          wait_opened;
  GError           *wait_error;
  guint             wait_serial;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_NEXT_ATTEMPT_TIME,
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

G_DEFINE_ENUM_TYPE (LsStreamEnd, ls_stream_end,
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_COMPLETED, "completed"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_NO_CONTENT, "no-content"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_MAX_EVENTS, "max-events"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_DURATION, "duration"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_CANCELLED, "cancelled"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_HTTP_STATUS, "http-status"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_WRONG_TYPE, "wrong-type"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_CONNECT_FAILED, "connect-failed"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_NETWORK, "network"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_CERTIFICATE, "certificate"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_TLS, "tls"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_IDLE_TIMEOUT, "idle-timeout"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_STALL, "stall"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_TOO_LARGE, "too-large"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_BOMB, "bomb"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_REDIRECT, "redirect"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_BAD_RESPONSE, "bad-response"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_END_BAD_REQUEST, "bad-request"))

G_DEFINE_QUARK (ls-stream-end-error-quark, ls_stream_end_error)

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

/* The one place a stream's closing sentence comes from: a translatable
 * template per end, the detail (the variable part) put in, credentials
 * redacted. Where the worker composes the whole sentence (a certificate's
 * problems, libsoup's own words) the template is the detail itself. */
char *
ls_stream_end_describe (LsStreamEnd  end,
                        const char  *detail)
{
  g_autofree char *text = NULL;
  const char *d = detail != NULL ? detail : "";

  switch (end)
    {
    case LS_STREAM_END_COMPLETED:
      text = g_strdup (_("The server closed the stream"));
      break;
    case LS_STREAM_END_NO_CONTENT:
      text = g_strdup (_("HTTP 204 No Content: the server asked not to reconnect"));
      break;
    case LS_STREAM_END_MAX_EVENTS:
      /* The detail is the count, in digits. */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Received %s event (max events)",
                                           "Received %s events (max events)",
                                           (gulong) MIN (g_ascii_strtoull (d, NULL, 10), G_MAXULONG)),
                              d);
      break;
    case LS_STREAM_END_DURATION:
      text = g_strdup_printf (_("Ran for %s (duration)"), d);
      break;
    case LS_STREAM_END_CANCELLED:
      text = detail != NULL ? g_strdup_printf (_("Cancelled: %s"), d) : g_strdup (_("Cancelled"));
      break;
    case LS_STREAM_END_HTTP_STATUS:
      text = g_strdup_printf (_("HTTP %s: the server refused the stream"), d);
      break;
    case LS_STREAM_END_WRONG_TYPE:
      text = g_strdup_printf (_("Expected text/event-stream, got %s"), d);
      break;
    case LS_STREAM_END_CONNECT_FAILED:
      text = g_strdup_printf (_("Connection failed: %s"), d);
      break;
    case LS_STREAM_END_IDLE_TIMEOUT:
      text = g_strdup_printf (_("%s (idle timeout)"), d);
      break;
    case LS_STREAM_END_STALL:
      text = g_strdup_printf (_("%s (stall timeout)"), d);
      break;
    case LS_STREAM_END_BOMB:
      text = g_strdup_printf (_("Compressed body expands more than %s:1 (decompression bomb?)"), d);
      break;
    case LS_STREAM_END_BAD_REQUEST:
      text = detail != NULL ? g_strdup_printf (_("Request failed: %s"), d)
                            : g_strdup (_("libsoup could not build a request for this URL"));
      break;
    case LS_STREAM_END_NETWORK:
    case LS_STREAM_END_CERTIFICATE:
    case LS_STREAM_END_TLS:
    case LS_STREAM_END_TOO_LARGE:
    case LS_STREAM_END_REDIRECT:
    case LS_STREAM_END_BAD_RESPONSE:
    case LS_STREAM_END_NONE:
    default:
      text = g_strdup (d);
      break;
    }
  return ls_redact_text (text);
}

/* ================================================================ UI side */

static void
ls_stream_ui_handler (LsMailbox *mailbox,
                      LsMessage *messages,
                      guint      n_messages,
                      gpointer   user_data)
{
  LsStream *self = user_data;
  LsStreamRun *run = self->run;
  LsStreamState old_state = self->state;
  guint64 old_records = self->stats.records;
  gint64 old_next_attempt = self->stats.next_attempt_us;
  guint64 old_connects = self->stats.connects;
  guint64 old_reconnects = self->stats.reconnects;
  gboolean became_final;

  g_assert (run != NULL);

  pthread_mutex_lock (&run->lock);
  self->stats = run->shared_stats;
  self->state = run->shared_state;
  if (self->message == NULL && run->shared_message != NULL && LS_STREAM_STATE_IS_FINAL (self->state))
    {
      self->message = g_strdup (run->shared_message);
      self->end = run->shared_end;
    }
  run->notify_queued = FALSE;
  if (run->shared_response != NULL && run->shared_response != self->response)
    {
      g_clear_pointer (&self->response, ls_stream_response_unref);
      self->response = ls_stream_response_ref (run->shared_response);
    }
  if (self->tls_fingerprint == NULL && run->shared_tls_fingerprint != NULL)
    self->tls_fingerprint = g_strdup (run->shared_tls_fingerprint);
  if (self->wait_serial != run->shared_wait_serial)
    {
      self->wait_serial = run->shared_wait_serial;
      self->wait_end = run->shared_wait_end;
      self->wait_opened = run->shared_wait_opened;
      g_clear_error (&self->wait_error);
      if (run->shared_wait_error != NULL)
        self->wait_error = g_error_copy (run->shared_wait_error);
    }
  pthread_mutex_unlock (&run->lock);

  /* The UI's view never leaves a final state (a late stats copy cannot
   * carry an older state, but be strict). */
  if (LS_STREAM_STATE_IS_FINAL (old_state))
    self->state = old_state;
  if (self->end_error == NULL && self->state == LS_STREAM_FAILED && self->message != NULL)
    self->end_error = g_error_new_literal (LS_STREAM_END_ERROR, (int) self->end, self->message);

  became_final = !LS_STREAM_STATE_IS_FINAL (old_state) && LS_STREAM_STATE_IS_FINAL (self->state);

  g_object_ref (self);
  /* A failed attempt and its new wait may fall in one frame (the state
   * reads WAITING before and after): the counts still say so. */
  if (self->stats.records != old_records || became_final ||
      self->stats.connects != old_connects || self->stats.reconnects != old_reconnects)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  if (self->stats.next_attempt_us != old_next_attempt)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT_TIME]);
  if (self->state != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_unref (self);
}

static void
ls_stream_set_final (LsStream    *self,
                     LsStreamEnd  end,
                     const char  *detail)
{
  if (LS_STREAM_STATE_IS_FINAL (self->state))
    return;
  g_assert (end == LS_STREAM_END_CANCELLED);
  self->state = LS_STREAM_CANCELLED;
  self->end = end;
  g_free (self->message);
  self->message = ls_stream_end_describe (end, detail);
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
  g_clear_error (&self->end_error);
  g_clear_pointer (&self->response, ls_stream_response_unref);
  g_clear_pointer (&self->read_log, ls_read_log_unref);
  g_free (self->tls_fingerprint);
  g_clear_error (&self->wait_error);

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

    case PROP_NEXT_ATTEMPT_TIME:
      g_value_set_int64 (value, ls_stream_get_next_attempt_time (self));
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
  /**
   * LsStream:next-attempt-time:
   *
   * g_get_monotonic_time() at which the next connection attempt is due;
   * 0 when none is scheduled.
   */
  properties[PROP_NEXT_ATTEMPT_TIME] =
    g_param_spec_int64 ("next-attempt-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LsStream::progress:
   *
   * New records are in the store (events, comments, lifecycle records:
   * a headless run writes each line when it hears this), a connection
   * was made or a reconnect scheduled, or the stream reached its final
   * state. On the UI thread, at most once per frame.
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

LsStream *
ls_stream_new_from_capture (LsBridge               *bridge,
                            const LsStreamOptions  *options,
                            LsEventStore           *store,
                            guint32                 stream_id,
                            LsStreamState           state,
                            LsStreamEnd             end,
                            const char             *message,
                            const LsStreamStats    *stats,
                            LsStreamResponse       *response,
                            LsReadLog              *read_log)
{
  LsStream *self;

  g_return_val_if_fail (LS_IS_BRIDGE (bridge), NULL);
  g_return_val_if_fail (LS_STREAM_STATE_IS_FINAL (state), NULL);
  g_return_val_if_fail (stats != NULL, NULL);

  self = ls_stream_new (bridge, options, store, stream_id);
  self->from_capture = TRUE;
  self->state = state;
  self->end = end;
  self->message = g_strdup (message != NULL ? message : "");
  self->stats = *stats;
  self->stats.next_attempt_us = 0;
  if (state == LS_STREAM_FAILED)
    self->end_error = g_error_new_literal (LS_STREAM_END_ERROR, (int) end, self->message);
  if (response != NULL)
    self->response = ls_stream_response_ref (response);
  if (read_log != NULL)
    self->read_log = ls_read_log_ref (read_log);
  return self;
}

gboolean
ls_stream_get_from_capture (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), FALSE);
  return self->from_capture;
}

LsReadLog *
ls_stream_get_read_log (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->read_log;
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
                           _("This stream was already started; create a new one to connect again"));
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
  self->run->reconnect_paused = self->reconnect_paused;
  if (self->run->read_log != NULL)
    self->read_log = ls_read_log_ref (self->run->read_log);
  /* The UI deliveries are the stream's own work. */
  ls_mailbox_set_parent_task (self->ui_box, self->run->task);

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
      ls_stream_set_final (self, LS_STREAM_END_CANCELLED, _("before it started"));
      return;
    }
  self->cancel_posted = TRUE;
  /* A closed bridge means the worker's stop is cancelling us already. */
  if (!ls_bridge_is_closed (self->bridge))
    ls_stream_run_post_cancel (self->run, self->bridge);
}

void
ls_stream_reconnect_now (LsStream *self)
{
  g_return_if_fail (LS_IS_STREAM (self));

  if (self->run == NULL || LS_STREAM_STATE_IS_FINAL (self->state) || ls_bridge_is_closed (self->bridge))
    return;
  ls_stream_run_post_reconnect_now (self->run, self->bridge);
}

void
ls_stream_set_reconnect_paused (LsStream *self,
                                gboolean  paused)
{
  g_return_if_fail (LS_IS_STREAM (self));

  paused = !!paused;
  if (self->reconnect_paused == paused)
    return;
  self->reconnect_paused = paused;
  if (self->run != NULL && !LS_STREAM_STATE_IS_FINAL (self->state) && !ls_bridge_is_closed (self->bridge))
    ls_stream_run_post_reconnect_paused (self->run, self->bridge, paused);
}

gboolean
ls_stream_get_reconnect_paused (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), FALSE);
  return self->reconnect_paused;
}

gint64
ls_stream_get_next_attempt_time (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), 0);
  return LS_STREAM_STATE_IS_FINAL (self->state) ? 0 : self->stats.next_attempt_us;
}

LsStreamEnd
ls_stream_get_wait_reason (LsStream      *self,
                           gboolean      *opened,
                           const GError **error)
{
  gboolean waiting;

  g_return_val_if_fail (LS_IS_STREAM (self), LS_STREAM_END_NONE);

  waiting = self->state == LS_STREAM_WAITING && self->wait_serial != 0;
  if (opened != NULL)
    *opened = waiting && self->wait_opened;
  if (error != NULL)
    *error = waiting ? self->wait_error : NULL;
  return waiting ? self->wait_end : LS_STREAM_END_NONE;
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

LsStreamResponse *
ls_stream_get_response (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->response;
}

guint64
ls_stream_get_task (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), 0);
  return self->run != NULL ? self->run->task : 0;
}

LsStreamEnd
ls_stream_get_end (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), LS_STREAM_END_NONE);
  return LS_STREAM_STATE_IS_FINAL (self->state) ? self->end : LS_STREAM_END_NONE;
}

const GError *
ls_stream_get_end_error (LsStream *self)
{
  g_return_val_if_fail (LS_IS_STREAM (self), NULL);
  return self->state == LS_STREAM_FAILED ? self->end_error : NULL;
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

