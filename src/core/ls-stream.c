/* ls-stream.c: one streaming request, run on the worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two halves. LsStream (UI thread) holds the options and the UI's view of
 * the state and statistics. StreamRun (refcounted, plain) is the request
 * itself: everything in its "worker only" part is created, used and
 * dropped on the worker thread. They meet in StreamRun's shared part,
 * under a pthread mutex (visible to ThreadSanitizer): the worker copies its
 * state and statistics there and pushes one message into the stream's own
 * UI mailbox only when none is queued; the mailbox is paced to one frame,
 * so the UI hears about a stream at most once per frame, whatever the
 * event rate. Events themselves go straight into the event store.
 *
 * Lifetime on the worker: the run is tracked (ls_worker_track_task) from
 * its start until it has let go of everything; a stop of the worker
 * cancels the tracked cancellable, a GCancellableSource on the worker
 * context turns that into the CANCELLED state, the pending libsoup
 * operation reports back, and only then is the task untracked.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <pthread.h>
#include <string.h>

#include <libsoup/soup.h>

#include "ls-bridge-private.h"
#include "ls-redact.h"
#include "ls-stream.h"

/* Reads of this size keep the per-read costs (callback, spans, one
 * publish) small against the per-byte ones. */
#define READ_SIZE       (64 * 1024)
#define RATE_WINDOW_US  (500 * G_TIME_SPAN_MILLISECOND)
#define RATE_STALE_US   (2 * G_TIME_SPAN_SECOND)
#define MAX_BACKOFF_SHIFT 16

typedef struct _StreamRun StreamRun;

struct _StreamRun
{
  gint              ref_count;   /* atomic */

  /* Immutable once posted to the worker. */
  LsStreamOptions  *options;
  LsEventStore     *store;
  guint32           stream_id;
  LsMailbox        *ui_box;      /* the stream's own; closed when the LsStream goes */
  LsWorker         *worker;
  LsRecorder       *recorder;    /* nullable */

  /* Shared with the UI, under @lock. */
  pthread_mutex_t   lock;
  LsStreamState     shared_state;
  char             *shared_message;
  LsStreamStats     shared_stats;
  gboolean          notify_queued;

  /* Worker thread only. */
  gboolean          started;
  gboolean          finished;
  gboolean          released;
  LsStreamState     state;
  char             *message;
  LsStreamStats     stats;
  GCancellable     *cancellable;      /* tracked by the worker */
  GSource          *cancel_source;
  const char       *cancel_reason;    /* static string */
  GCancellable     *conn_cancellable; /* the current connection's */
  char             *conn_abort_reason;
  SoupMessage      *msg;
  GInputStream     *body;
  LsFramer         *framer;
  guint8           *buffer;
  guint             pending_ops;      /* libsoup/GIO operations not reported back */
  GSource          *wait_timer;
  GSource          *idle_timer;
  GSource          *stall_timer;
  GSource          *duration_timer;
  guint             failures;         /* consecutive connections without an event */
  guint64           conn_events;
  guint64           conn_decoded;     /* body bytes after Content-Encoding, this connection */
  gboolean          conn_got_bytes;
  gboolean          capped;
  gint64            send_us;
  gint64            read_queued_us;
  gint64            wait_start_us;
  gint64            read_time_us;
  gint64            rate_window_us;
  guint64           rate_bytes0;
  guint64           rate_events0;

  /* TLS, worker only. The accept-certificate handler leaves here why it
   * refused the peer's certificate (for the stream's message), or what it
   * accepted (for the "open" record: nothing is accepted silently). */
  char             *request_summary;  /* "METHOD URL" and the request headers, raw: the
                                       * recorder redacts what it shows and exports */
  char             *pin;              /* options->accept_certificate_sha256, normalized */
  guint             session_key;      /* picks one of the worker's sessions */
  SoupSession      *session;          /* own, when the stream has its own trust: a
                                       * connection it accepted is never reused by
                                       * another stream (HTTP/1.1 keep-alive, HTTP/2) */
  GTlsDatabase     *ca_database;      /* options->ca_file, loaded on first use */
  char             *tls_problem;      /* this connection's refusal, one line */
  char             *tls_fingerprint;  /* of the certificate refused */
  char             *tls_note;         /* this connection's acceptance beyond the system store */

  /* Shared with the UI, under @lock: the refused certificate of a failed stream. */
  char             *shared_tls_fingerprint;
};

struct _LsStream
{
  GObject           parent_instance;

  LsBridge         *bridge;
  LsStreamOptions  *options;
  LsEventStore     *store;
  guint32           stream_id;
  LsMailbox        *ui_box;
  StreamRun        *run;
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

/* Span names, interned once (the recorder copies records without allocating). */
static const char *span_category;
static const char *span_send;
static const char *span_headers;
static const char *span_read;
static const char *span_parse;
static const char *span_wait;
static const char *span_closed;

G_DEFINE_ENUM_TYPE (LsStreamState, ls_stream_state,
                    G_DEFINE_ENUM_VALUE (LS_STREAM_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_OPEN, "open"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_ENDED, "ended"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_CANCELLED, "cancelled"))

G_DEFINE_FINAL_TYPE (LsStream, ls_stream, G_TYPE_OBJECT)

/* Spreads streams over the worker's sessions (see ls_worker_get_session_for). */
static guint next_session_key;

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

/* ================================================================ run */

static StreamRun *
stream_run_ref (StreamRun *run)
{
  __atomic_fetch_add (&run->ref_count, 1, __ATOMIC_RELAXED);
  return run;
}

static void
stream_run_unref (gpointer data)
{
  StreamRun *run = data;

  if (__atomic_sub_fetch (&run->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;

  /* Everything the worker owns was dropped on the worker in release. */
  g_assert (run->msg == NULL && run->body == NULL);
  g_assert (run->cancel_source == NULL && run->wait_timer == NULL);
  g_assert (run->idle_timer == NULL && run->duration_timer == NULL);
  g_assert (run->stall_timer == NULL);

  g_clear_pointer (&run->framer, ls_framer_free);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->conn_cancellable);
  g_free (run->buffer);
  g_free (run->message);
  g_free (run->conn_abort_reason);
  g_free (run->shared_message);
  g_free (run->request_summary);
  g_free (run->pin);
  g_clear_object (&run->ca_database);
  g_free (run->tls_problem);
  g_free (run->tls_fingerprint);
  g_free (run->tls_note);
  g_free (run->shared_tls_fingerprint);
  pthread_mutex_destroy (&run->lock);
  ls_mailbox_unref (run->ui_box);
  g_clear_object (&run->worker);
  g_clear_object (&run->recorder);
  ls_event_store_unref (run->store);
  ls_stream_options_free (run->options);
  g_free (run);
}

static StreamRun *
stream_run_new (const LsStreamOptions *options,
                LsEventStore          *store,
                guint32                stream_id,
                LsMailbox             *ui_box,
                LsWorker              *worker)
{
  StreamRun *run = g_new0 (StreamRun, 1);
  LsRecorder *recorder = ls_worker_get_recorder (worker);

  run->ref_count = 1;
  run->options = ls_stream_options_copy (options);
  run->store = ls_event_store_ref (store);
  run->stream_id = stream_id;
  run->session_key = __atomic_fetch_add (&next_session_key, 1, __ATOMIC_RELAXED);
  run->ui_box = ls_mailbox_ref (ui_box);
  run->worker = g_object_ref (worker);
  run->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  pthread_mutex_init (&run->lock, NULL);
  run->shared_state = LS_STREAM_CONNECTING;
  run->state = LS_STREAM_CONNECTING;
  run->stats.ttfb_us = -1;
  run->stats.retry_ms = options->reconnect_ms;
  run->shared_stats = run->stats;
  return run;
}

/* Any thread: hands the latest state to the UI, at most one queued message. */
static void
stream_run_publish_shared (StreamRun           *run,
                           LsStreamState        state,
                           const char          *message,
                           const LsStreamStats *stats)
{
  gboolean push;

  pthread_mutex_lock (&run->lock);
  if (stats != NULL)
    run->shared_stats = *stats;
  run->shared_state = state;
  if (message != NULL && run->shared_message == NULL)
    run->shared_message = g_strdup (message);
  push = !run->notify_queued;
  run->notify_queued = TRUE;
  pthread_mutex_unlock (&run->lock);

  if (push)
    ls_mailbox_push_data (run->ui_box, stream_run_ref (run), stream_run_unref);
}

static void
run_publish (StreamRun *run)
{
  g_assert (ls_worker_is_worker_thread (run->worker));

  stream_run_publish_shared (run, run->state, run->message, &run->stats);
}

static void
run_span (StreamRun  *run,
          const char *name,
          gint64      queued_us,
          gint64      start_us,
          gint64      end_us,
          LsOutcome   outcome,
          gint64      count,
          const char *detail)
{
  if (run->recorder != NULL)
    ls_recorder_add_span (run->recorder, &(LsSpan) {
                            .name = name, .category = span_category, .loop = LS_LOOP_WORKER,
                            .queued_us = queued_us, .start_us = start_us, .end_us = end_us,
                            .outcome = outcome, .items = count, .detail = detail,
                          });
}

static void
run_record (StreamRun   *run,
            LsEventKind  kind,
            const char  *message)
{
  /* Lifecycle messages reach every output and the window: no credentials. */
  g_autofree char *safe = ls_redact_text (message);

  ls_event_store_append (run->store, run->stream_id, kind, g_get_monotonic_time (),
                         NULL, 0, NULL, 0, safe, strlen (safe), 0);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static const char *
run_last_event_id (StreamRun *run)
{
  if (run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE)
    return ls_sse_parser_get_last_event_id (ls_framer_get_sse_parser (run->framer));
  return run->options->last_event_id != NULL ? run->options->last_event_id : "";
}

/* A libsoup/GIO operation reported back. A count that would go below
 * zero would keep the run from ever being released (and the worker's
 * stop waiting for it): say so loudly instead of wrapping around. */
static void
run_op_reported (StreamRun *run)
{
  g_warn_if_fail (run->pending_ops > 0);
  if (run->pending_ops > 0)
    run->pending_ops--;
}

/* Drops the current connection (worker only). */
static void
run_close_connection (StreamRun *run)
{
  if (run->conn_cancellable != NULL)
    g_cancellable_cancel (run->conn_cancellable);
  if (run->idle_timer != NULL)
    g_source_set_ready_time (run->idle_timer, -1);
  if (run->stall_timer != NULL)
    g_source_set_ready_time (run->stall_timer, -1);
}

/* The run lets go of everything once it is finished and libsoup has
 * reported back; then the worker may stop. */
static void
run_maybe_release (StreamRun *run)
{
  if (!run->finished || run->pending_ops > 0 || run->released)
    return;

  run->released = TRUE;
  destroy_source (&run->cancel_source);
  destroy_source (&run->wait_timer);
  destroy_source (&run->idle_timer);
  destroy_source (&run->stall_timer);
  destroy_source (&run->duration_timer);
  g_clear_object (&run->body);
  g_clear_object (&run->msg);
  if (run->session != NULL)
    soup_session_abort (run->session);
  g_clear_object (&run->session);
  ls_worker_untrack_task (run->worker, run->cancellable);
  /* The reference the worker held since the start. */
  stream_run_unref (run);
}

static void
run_finish (StreamRun     *run,
            LsStreamState  state,
            const char    *message)
{
  g_autofree char *safe_message = NULL;

  g_assert (LS_STREAM_STATE_IS_FINAL (state));

  if (run->finished)
    return;

  safe_message = ls_redact_text (message);
  message = safe_message;
  run->finished = TRUE;
  run->state = state;
  g_free (run->message);
  run->message = g_strdup (message);
  run_close_connection (run);
  destroy_source (&run->wait_timer);
  destroy_source (&run->duration_timer);

  if (state == LS_STREAM_FAILED)
    run_record (run, LS_EVENT_KIND_ERROR, message);
  run_record (run, LS_EVENT_KIND_CLOSED, message);
  run->stats.ended_us = g_get_monotonic_time ();
  run_span (run, span_closed, 0, run->stats.ended_us,
            run->stats.ended_us,
            state == LS_STREAM_CANCELLED ? LS_OUTCOME_CANCELLED :
            state == LS_STREAM_FAILED ? LS_OUTCOME_ERROR : LS_OUTCOME_OK, 0, message);
  run_publish (run);
  run_maybe_release (run);
}

static void run_connect (StreamRun *run);

static gboolean
wait_timer_cb (gpointer data)
{
  StreamRun *run = data;
  gint64 now = g_get_monotonic_time ();

  destroy_source (&run->wait_timer);
  run_span (run, span_wait, run->wait_start_us,
            run->wait_start_us, now, LS_OUTCOME_OK, 0, NULL);
  if (!run->finished)
    run_connect (run);
  return G_SOURCE_REMOVE;
}

static guint64
run_reconnect_delay (StreamRun *run)
{
  gint64 server_retry = -1;
  guint64 base, delay;

  if (run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE)
    server_retry = ls_sse_parser_get_retry_ms (ls_framer_get_sse_parser (run->framer));
  base = server_retry >= 0 ? (guint64) server_retry : run->options->reconnect_ms;
  base = CLAMP (base, LS_STREAM_MIN_RECONNECT_MS, LS_STREAM_MAX_RECONNECT_MS);
  run->stats.retry_ms = base;
  delay = base;

  /* Repeated failures back off exponentially, with jitter so that many
   * clients of one server do not come back in lockstep. */
  if (run->failures > 1)
    {
      guint shift = MIN (run->failures - 1, MAX_BACKOFF_SHIFT);
      guint64 backoff = MIN (base << shift, (guint64) run->options->backoff_max_ms);

      backoff -= (guint64) g_random_double_range (0, (double) backoff / 4);
      delay = MAX (base, backoff);
    }
  return delay;
}

/* The connection ended (error or clean end of body): reconnect or stop. */
static void
run_connection_ended (StreamRun  *run,
                      const char *reason,
                      gboolean    is_error)
{
  g_autofree char *note = NULL;
  guint64 delay;
  gboolean sse;

  run_close_connection (run);
  g_clear_object (&run->body);
  g_clear_object (&run->msg);
  if (run->framer != NULL)
    ls_framer_end_stream (run->framer);

  if (is_error)
    run_record (run, LS_EVENT_KIND_ERROR, reason);

  sse = run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE;
  if (!run->options->reconnect || (!is_error && !sse))
    {
      run_finish (run, is_error ? LS_STREAM_FAILED : LS_STREAM_ENDED, reason);
      return;
    }

  if (run->conn_events > 0)
    run->failures = 0;
  run->failures++;
  delay = run_reconnect_delay (run);
  run->stats.reconnects++;
  note = g_strdup_printf ("%s; reconnecting in %" G_GUINT64_FORMAT " ms", reason, delay);
  run_record (run, LS_EVENT_KIND_RECONNECT, note);

  run->state = LS_STREAM_WAITING;
  run->wait_start_us = g_get_monotonic_time ();
  run->wait_timer = g_timeout_source_new ((guint) delay);
  g_source_set_callback (run->wait_timer, wait_timer_cb, run, NULL);
  g_source_attach (run->wait_timer, ls_worker_get_context (run->worker));
  run_publish (run);
}

/* Errors that trying again cannot fix (a redirect loop, a response
 * libsoup cannot parse): a one-line reason, or NULL for network errors. */
static char *
permanent_error_message (const GError *error)
{
  /* libsoup 3.2 gives this one as G_IO_ERROR_PARTIAL_INPUT. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
      (g_str_equal (error->message, "Header too big") ||
       g_str_equal (error->message, g_dgettext ("libsoup-3.0", "Header too big"))))
    return g_strdup_printf ("Response headers too large: %s", error->message);
  if (error->domain != SOUP_SESSION_ERROR)
    return NULL;
  switch ((SoupSessionError) error->code)
    {
    case SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS:
      return g_strdup ("Too many redirects: the server redirects in a loop");
    case SOUP_SESSION_ERROR_REDIRECT_NO_LOCATION:
    case SOUP_SESSION_ERROR_REDIRECT_BAD_URI:
      return g_strdup_printf ("Bad redirect: %s", error->message);
    case SOUP_SESSION_ERROR_PARSING:
      return g_strdup_printf ("Malformed response headers: %s", error->message);
    case SOUP_SESSION_ERROR_ENCODING:
      return g_strdup_printf ("Unsupported response encoding: %s", error->message);
    case SOUP_SESSION_ERROR_TOO_MANY_RESTARTS:
    case SOUP_SESSION_ERROR_MESSAGE_ALREADY_IN_QUEUE:
    default:
      return g_strdup_printf ("Request failed: %s", error->message);
    }
}

static void
run_connection_error (StreamRun    *run,
                      const GError *error,
                      const char   *during)
{
  g_autofree char *reason = NULL;

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      run_finish (run, LS_STREAM_CANCELLED, run->cancel_reason);
      return;
    }
  if (run->conn_abort_reason != NULL)
    reason = g_steal_pointer (&run->conn_abort_reason);
  else if ((reason = permanent_error_message (error)) != NULL)
    {
      run_finish (run, LS_STREAM_FAILED, reason);
      return;
    }
  else
    reason = g_strdup_printf ("%s: %s", during, error->message);
  run_connection_ended (run, reason, TRUE);
}

/* ---- body ----------------------------------------------------------- */

static void
on_frame (const LsFrame *frame,
          gpointer       data)
{
  StreamRun *run = data;
  LsEventKind kind;

  if (run->capped)
    return;

  if (frame->format == LS_STREAM_FORMAT_RAW)
    kind = LS_EVENT_KIND_CHUNK;
  else if (frame->valid)
    kind = LS_EVENT_KIND_EVENT;
  else
    kind = LS_EVENT_KIND_INVALID;

  ls_event_store_append (run->store, run->stream_id, kind, run->read_time_us,
                         frame->type, frame->type_len, frame->id, frame->id_len,
                         frame->data, frame->data_len, (guint32) MIN (frame->wire_size, G_MAXUINT32));
  run->stats.events++;
  run->conn_events++;
  if (kind == LS_EVENT_KIND_INVALID)
    run->stats.invalid++;
  if (run->options->max_events != 0 && run->stats.events >= run->options->max_events)
    run->capped = TRUE;
}

static void run_read_next (StreamRun *run);

static void
run_update_rates (StreamRun *run,
                  gint64     now)
{
  gint64 elapsed = now - run->rate_window_us;

  if (run->rate_window_us == 0)
    {
      run->rate_window_us = now;
      run->rate_bytes0 = run->stats.bytes;
      run->rate_events0 = run->stats.events;
      return;
    }
  if (elapsed < RATE_WINDOW_US)
    return;
  run->stats.events_per_s = (double) (run->stats.events - run->rate_events0) * G_USEC_PER_SEC / elapsed;
  run->stats.bytes_per_s = (double) (run->stats.bytes - run->rate_bytes0) * G_USEC_PER_SEC / elapsed;
  run->rate_window_us = now;
  run->rate_bytes0 = run->stats.bytes;
  run->rate_events0 = run->stats.events;
}

/* What a body read error means: libsoup reports a chunked body it
 * cannot frame, and one cut short, as "Connection terminated unexpectedly". */
static const char *
run_body_error_context (StreamRun    *run,
                        const GError *error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
    return "Connection lost";
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CHUNKED:
      return "Malformed or truncated chunked body";
    case SOUP_ENCODING_CONTENT_LENGTH:
      return "Body shorter than its Content-Length";
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return "Connection lost";
    }
}

/* An end of body before the promised Content-Length (libsoup 3.2 reports
 * it as a clean end when the connection closes): a one-line reason, or
 * NULL. Only without Content-Encoding, where the length is what we read. */
static char *
run_short_body_message (StreamRun *run)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);
  goffset expected;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      soup_message_headers_get_one (headers, "Content-Encoding") != NULL)
    return NULL;
  expected = soup_message_headers_get_content_length (headers);
  if ((guint64) expected <= run->conn_decoded)
    return NULL;
  return g_strdup_printf ("Body shorter than its Content-Length: received %" G_GUINT64_FORMAT
                          " of %" G_GOFFSET_FORMAT " bytes", run->conn_decoded, expected);
}

/* A body decoded past the floor that is more than max_expansion times
 * its size on the wire (a gzip or deflate bomb). */
static gboolean
run_expands_too_much (StreamRun *run)
{
  SoupMessageMetrics *metrics;
  guint64 wire;

  if (run->options->max_expansion == 0 || run->conn_decoded <= LS_STREAM_EXPANSION_FLOOR)
    return FALSE;
  metrics = soup_message_get_metrics (run->msg);
  if (metrics == NULL)
    return FALSE;
  wire = soup_message_metrics_get_response_body_bytes_received (metrics);
  return run->conn_decoded / run->options->max_expansion > wire;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  StreamRun *run = data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 parse_end;
  guint64 events_before;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  run_op_reported (run);
  /* One read at a time, and the connection ends only when it reports
   * back: the body it read from is still the current one. */
  g_warn_if_fail (G_INPUT_STREAM (source) == run->body);
  run_span (run, span_read, run->read_queued_us, now, now,
            n > 0 ? LS_OUTCOME_OK : n == 0 ? LS_OUTCOME_OK :
            g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? LS_OUTCOME_CANCELLED : LS_OUTCOME_ERROR,
            MAX (n, 0), NULL);

  if (run->finished)
    goto out;

  if (n < 0)
    {
      run_connection_error (run, error, run_body_error_context (run, error));
      goto out;
    }

  if (n == 0)
    {
      g_autofree char *short_body = run_short_body_message (run);

      if (short_body != NULL)
        run_connection_ended (run, short_body, TRUE);
      else
        run_connection_ended (run, "The server closed the stream", FALSE);
      goto out;
    }

  if (!run->conn_got_bytes)
    {
      run->conn_got_bytes = TRUE;
      run->stats.ttfb_us = now - run->send_us;
    }
  if (run->idle_timer != NULL)
    g_source_set_ready_time (run->idle_timer, now + (gint64) run->options->idle_timeout_ms * 1000);
  /* Only a complete line is progress: a trickle of bytes is not. */
  if (run->stall_timer != NULL &&
      (ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_RAW ||
       memchr (run->buffer, '\n', (gsize) n) != NULL || memchr (run->buffer, '\r', (gsize) n) != NULL))
    g_source_set_ready_time (run->stall_timer, now + (gint64) run->options->stall_timeout_ms * 1000);

  run->stats.bytes += (guint64) n;
  run->conn_decoded += (guint64) n;
  if (run_expands_too_much (run))
    {
      g_autofree char *message =
        g_strdup_printf ("Compressed body expands more than %u:1 (decompression bomb?)",
                         run->options->max_expansion);

      /* The events before are stored already. */
      run_finish (run, LS_STREAM_FAILED, message);
      goto out;
    }
  run->read_time_us = now;
  events_before = run->stats.events;
  if (!ls_framer_feed (run->framer, run->buffer, (gsize) n, &error))
    {
      /* The events before the oversized one are stored already. */
      run_finish (run, LS_STREAM_FAILED, error->message);
      goto out;
    }
  parse_end = g_get_monotonic_time ();
  run_span (run, span_parse, 0, now, parse_end, LS_OUTCOME_OK,
            (gint64) (run->stats.events - events_before), NULL);

  if (run->stats.events > events_before)
    {
      if (run->stats.last_event_us != 0)
        {
          run->stats.last_gap_us = now - run->stats.last_event_us;
          run->stats.max_gap_us = MAX (run->stats.max_gap_us, run->stats.last_gap_us);
        }
      run->stats.last_event_us = now;
    }
  run_update_rates (run, now);

  if (run->capped)
    {
      g_autofree char *message =
        g_strdup_printf ("Received %" G_GUINT64_FORMAT " events (max events)", run->stats.events);

      run_finish (run, LS_STREAM_ENDED, message);
      goto out;
    }

  run_publish (run);
  run_read_next (run);

out:
  /* A finished run lets go once its last operation has reported back. */
  run_maybe_release (run);
  stream_run_unref (run);
}

static void
run_read_next (StreamRun *run)
{
  run->pending_ops++;
  run->read_queued_us = g_get_monotonic_time ();
  g_input_stream_read_async (run->body, run->buffer, READ_SIZE, G_PRIORITY_DEFAULT,
                             run->conn_cancellable, on_read, stream_run_ref (run));
}

/* ---- response ------------------------------------------------------- */

static gboolean
is_event_stream (const char *content_type)
{
  return content_type != NULL && g_ascii_strcasecmp (content_type, "text/event-stream") == 0;
}

/* FALSE (and the run finished) when the response cannot be a stream. */
static gboolean
run_check_response (StreamRun *run)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);
  guint status = soup_message_get_status (run->msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  const char *phrase = soup_message_get_reason_phrase (run->msg);
  LsStreamFormat format = run->options->format;
  g_autofree char *message = NULL;

  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (status);

  run->stats.http_status = status;
  g_strlcpy (run->stats.content_type, content_type != NULL ? content_type : "",
             sizeof run->stats.content_type);

  if (status == SOUP_STATUS_NO_CONTENT)
    {
      run_finish (run, LS_STREAM_ENDED, "HTTP 204 No Content: the server asked not to reconnect");
      return FALSE;
    }
  if (status != SOUP_STATUS_OK)
    {
      message = g_strdup_printf ("HTTP %u %s: the server refused the stream", status,
                                 phrase != NULL ? phrase : "");
      run_finish (run, LS_STREAM_FAILED, message);
      return FALSE;
    }

  if (format == LS_STREAM_FORMAT_AUTO)
    format = ls_stream_format_from_content_type (content_type);
  else if (format == LS_STREAM_FORMAT_SSE && !is_event_stream (content_type))
    {
      message = g_strdup_printf ("Expected text/event-stream, got %s",
                                 content_type != NULL ? content_type : "no Content-Type");
      run_finish (run, LS_STREAM_FAILED, message);
      return FALSE;
    }
  run->stats.format = format;

  /* The framer lives across connections (it keeps the last event ID and
   * the reconnection time); a different format on reconnect replaces it. */
  if (run->framer == NULL || ls_framer_get_format (run->framer) != format)
    {
      g_autofree char *last_id = g_strdup (run_last_event_id (run));

      g_clear_pointer (&run->framer, ls_framer_free);
      run->framer = ls_framer_new (format, on_frame, run);
      ls_framer_set_max_size (run->framer, run->options->max_event_size);
      if (format == LS_STREAM_FORMAT_SSE)
        ls_sse_parser_set_last_event_id (ls_framer_get_sse_parser (run->framer), last_id);
    }
  return TRUE;
}

/* ---- TLS ------------------------------------------------------------ */

/* "AB:CD:…", SHA-256 of the DER encoding, as openssl prints it. */
static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out = g_string_sized_new (96);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_string_free (out, FALSE);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (out, FALSE);
}

/* The names a certificate was issued for: its subjectAltNames, else its subject. */
static char *
certificate_names (GTlsCertificate *certificate)
{
  g_autoptr(GPtrArray) dns = g_tls_certificate_get_dns_names (certificate);
  g_autoptr(GPtrArray) ips = g_tls_certificate_get_ip_addresses (certificate);
  GString *out = g_string_new (NULL);

  for (guint i = 0; dns != NULL && i < dns->len; i++)
    {
      GBytes *name = g_ptr_array_index (dns, i);

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_len (out, g_bytes_get_data (name, NULL), g_bytes_get_size (name));
    }
  for (guint i = 0; ips != NULL && i < ips->len; i++)
    {
      g_autofree char *ip = g_inet_address_to_string (g_ptr_array_index (ips, i));

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, ip);
    }
  if (out->len == 0)
    {
      g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);

      g_string_append (out, subject != NULL ? subject : "an unnamed subject");
    }
  return g_string_free (out, FALSE);
}

static gboolean
certificate_is_self_signed (GTlsCertificate *certificate)
{
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);

  return subject != NULL && issuer != NULL && g_str_equal (subject, issuer);
}

/* "TLS certificate for HOST is not trusted (unknown issuer); SHA-256 fingerprint …" */
static char *
describe_certificate_problem (GTlsCertificate      *certificate,
                              GTlsCertificateFlags  errors,
                              const char           *host,
                              const char           *fingerprint)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    {
      g_autofree char *names = certificate_names (certificate);

      g_ptr_array_add (parts, g_strdup_printf ("was issued for %s, not %s", names, host));
    }
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (parts, g_strdup (certificate_is_self_signed (certificate)
                                        ? "is not trusted (self-signed)"
                                        : "is not trusted (unknown issuer)"));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    {
      g_autoptr(GDateTime) after = g_tls_certificate_get_not_valid_after (certificate);
      g_autofree char *date = after != NULL ? g_date_time_format (after, "%Y-%m-%d") : NULL;

      g_ptr_array_add (parts, date != NULL ? g_strdup_printf ("expired on %s", date)
                                           : g_strdup ("has expired"));
    }
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    {
      g_autoptr(GDateTime) before = g_tls_certificate_get_not_valid_before (certificate);
      g_autofree char *date = before != NULL ? g_date_time_format (before, "%Y-%m-%d") : NULL;

      g_ptr_array_add (parts, date != NULL ? g_strdup_printf ("is not valid before %s", date)
                                           : g_strdup ("is not valid yet"));
    }
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (parts, g_strdup ("has been revoked"));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (parts, g_strdup ("uses an insecure algorithm"));
  if (parts->len == 0)
    g_ptr_array_add (parts, g_strdup ("could not be verified"));

  g_string_append_printf (out, "TLS certificate for %s ", host);
  for (guint i = 0; i < parts->len; i++)
    {
      if (i > 0)
        g_string_append (out, i + 1 == parts->len ? " and " : ", ");
      g_string_append (out, g_ptr_array_index (parts, i));
    }
  g_string_append_printf (out, "; SHA-256 fingerprint %s", fingerprint);
  return g_string_free (out, FALSE);
}

/* Emitted on the worker when the system trust store refused the peer's
 * certificate. The stream's own trust (its CA file, its one pinned
 * certificate) may still accept it; nothing else does. */
static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  StreamRun *run = data;
  GUri *uri = soup_message_get_uri (msg);
  const char *host = g_uri_get_host (uri);
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autofree char *fingerprint = certificate_fingerprint (certificate);
  GTlsCertificateFlags own;

  g_assert (ls_worker_is_worker_thread (run->worker));

  identity = g_network_address_new (host, (guint16) MAX (g_uri_get_port (uri), 0));

  if (run->options->ca_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (run->ca_database == NULL)
        run->ca_database = g_tls_file_database_new (run->options->ca_file, &error);
      if (run->ca_database != NULL)
        {
          GTlsCertificateFlags ca_errors =
            g_tls_database_verify_chain (run->ca_database, certificate,
                                         G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                         NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);

          if (ca_errors == 0 && error == NULL)
            {
              g_free (run->tls_note);
              run->tls_note = g_strdup_printf ("certificate verified by the stream's CA file '%s'",
                                               run->options->ca_file);
              return TRUE;
            }
          /* The CA file's verdict is the precise one (a name mismatch
           * under a CA the system does not know). */
          if (error == NULL)
            errors = ca_errors;
        }
    }

  if (run->pin != NULL && g_str_equal (run->pin, fingerprint))
    {
      g_free (run->tls_note);
      run->tls_note = g_strdup_printf ("Accepted certificate SHA-256 %s by explicit choice", fingerprint);
      return TRUE;
    }

  /* The backend need not report every problem once it has found one:
   * ask for the rest, so the message names them all. */
  own = g_tls_certificate_verify (certificate, identity, NULL);
  errors |= own & (G_TLS_CERTIFICATE_BAD_IDENTITY | G_TLS_CERTIFICATE_EXPIRED |
                   G_TLS_CERTIFICATE_NOT_ACTIVATED | G_TLS_CERTIFICATE_INSECURE);
  g_free (run->tls_problem);
  run->tls_problem = describe_certificate_problem (certificate, errors, host, fingerprint);
  g_free (run->tls_fingerprint);
  run->tls_fingerprint = g_steal_pointer (&fingerprint);
  return FALSE;
}

/* TRUE (and the run finished) for a TLS failure: a permanent one, no
 * reconnect (the same certificate would be refused again). */
static gboolean
run_check_tls_failure (StreamRun    *run,
                       const GError *error)
{
  g_autofree char *message = NULL;
  g_autofree char *detail = NULL;
  const char *host;

  if (error == NULL || error->domain != G_TLS_ERROR || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
    return FALSE;

  if (run->tls_problem != NULL)
    {
      pthread_mutex_lock (&run->lock);
      if (run->shared_tls_fingerprint == NULL)
        run->shared_tls_fingerprint = g_strdup (run->tls_fingerprint);
      pthread_mutex_unlock (&run->lock);
      run_finish (run, LS_STREAM_FAILED, run->tls_problem);
      return TRUE;
    }

  host = g_uri_get_host (soup_message_get_uri (run->msg));
  detail = g_strdup (error->message);
  if (g_str_has_suffix (detail, "."))
    detail[strlen (detail) - 1] = '\0';
  /* What GnuTLS says to an HTTP answer ("An unexpected TLS packet was
   * received") does not say what happened: an http:// server behind an
   * https:// URL is the usual cause. */
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_MISC))
    message = g_strdup_printf ("TLS handshake with %s failed: %s (is the server speaking HTTPS on this port?)",
                               host, detail);
  else
    message = g_strdup_printf ("TLS handshake with %s failed: %s", host, detail);
  run_finish (run, LS_STREAM_FAILED, message);
  return TRUE;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  StreamRun *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *note = NULL;
  gint64 now = g_get_monotonic_time ();

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  run_op_reported (run);
  run_span (run, span_send, run->send_us, run->send_us, now,
            body != NULL ? LS_OUTCOME_OK :
            g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? LS_OUTCOME_CANCELLED : LS_OUTCOME_ERROR,
            0, run->request_summary);

  if (run->finished)
    goto out;

  if (body == NULL)
    {
      if (!g_cancellable_is_cancelled (run->cancellable) && run->conn_abort_reason == NULL &&
          run_check_tls_failure (run, error))
        goto out;
      run_connection_error (run, error, "Connection failed");
      goto out;
    }

  if (!run_check_response (run))
    goto out;

  run->body = g_steal_pointer (&body);
  note = g_strdup_printf ("HTTP %u, %s (%s)%s%s", run->stats.http_status,
                          run->stats.content_type[0] != '\0' ? run->stats.content_type : "no Content-Type",
                          ls_stream_format_to_string (run->stats.format),
                          run->tls_note != NULL ? "; " : "",
                          run->tls_note != NULL ? run->tls_note : "");
  run_record (run, LS_EVENT_KIND_OPEN, note);
  run_span (run, span_headers, run->send_us, now,
            g_get_monotonic_time (), LS_OUTCOME_OK, run->stats.http_status, note);
  run->state = LS_STREAM_OPEN;
  run_publish (run);
  run_read_next (run);

out:
  /* A finished run lets go once its last operation has reported back. */
  run_maybe_release (run);
  stream_run_unref (run);
}

/* ---- request -------------------------------------------------------- */

static void
run_connect (StreamRun *run)
{
  const LsStreamOptions *options = run->options;
  SoupMessageHeaders *headers;
  SoupSession *session = run->session != NULL
                         ? run->session
                         : ls_worker_get_session_for (run->worker, run->session_key);
  const char *last_id;

  g_assert (!run->finished);

  g_clear_object (&run->conn_cancellable);
  g_clear_pointer (&run->conn_abort_reason, g_free);
  g_clear_pointer (&run->tls_problem, g_free);
  g_clear_pointer (&run->tls_fingerprint, g_free);
  g_clear_pointer (&run->tls_note, g_free);
  g_clear_object (&run->msg);
  run->conn_cancellable = g_cancellable_new ();
  run->conn_events = 0;
  run->conn_decoded = 0;
  run->conn_got_bytes = FALSE;

  run->msg = soup_message_new (options->method != NULL ? options->method : SOUP_METHOD_GET,
                               options->url);
  if (run->msg == NULL)
    {
      /* Validated on the UI side: only a library disagreement gets here. */
      run_finish (run, LS_STREAM_FAILED, "libsoup could not build a request for this URL");
      return;
    }
  headers = soup_message_get_request_headers (run->msg);
  /* Only this message, only this stream: the session's trust is shared. */
  g_signal_connect (run->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), run);
  /* The wire size of the body, for the expansion cap. */
  if (options->max_expansion > 0)
    soup_message_add_flags (run->msg, SOUP_MESSAGE_COLLECT_METRICS);
  if (options->body != NULL)
    soup_message_set_request_body_from_bytes (run->msg, NULL, options->body);
  for (guint i = 0; options->headers != NULL && i < options->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (options->headers, i);

      soup_message_headers_append (headers, header->name, header->value);
    }
  /* EventSource's defaults; a header the user set wins. */
  if (options->format == LS_STREAM_FORMAT_AUTO || options->format == LS_STREAM_FORMAT_SSE)
    {
      if (soup_message_headers_get_one (headers, "Accept") == NULL)
        soup_message_headers_append (headers, "Accept", "text/event-stream");
      if (soup_message_headers_get_one (headers, "Cache-Control") == NULL)
        soup_message_headers_append (headers, "Cache-Control", "no-cache");
    }
  last_id = run_last_event_id (run);
  if (last_id[0] != '\0')
    soup_message_headers_replace (headers, "Last-Event-ID", last_id);

  run->stats.connects++;
  run->send_us = g_get_monotonic_time ();
  if (run->stats.started_us == 0)
    run->stats.started_us = run->send_us;
  if (run->idle_timer != NULL)
    g_source_set_ready_time (run->idle_timer,
                             run->send_us + (gint64) options->idle_timeout_ms * 1000);
  if (run->stall_timer != NULL)
    g_source_set_ready_time (run->stall_timer,
                             run->send_us + (gint64) options->stall_timeout_ms * 1000);

  run->state = LS_STREAM_CONNECTING;
  run_publish (run);

  run->pending_ops++;
  soup_session_send_async (session, run->msg, G_PRIORITY_DEFAULT, run->conn_cancellable,
                           on_sent, stream_run_ref (run));
}

/* ---- timers and cancellation ---------------------------------------- */

static gboolean
idle_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs idle_source_funcs = {
  .dispatch = idle_dispatch,
};

static char *
format_ms (guint ms)
{
  if (ms % 1000 == 0)
    return g_strdup_printf ("%u s", ms / 1000);
  return g_strdup_printf ("%u ms", ms);
}

/* Cancels the connection; the pending operation reports back cancelled
 * and reads this reason. */
static void
run_abort_connection (StreamRun  *run,
                      const char *what,
                      guint       ms,
                      const char *timer)
{
  g_autofree char *duration = format_ms (ms);

  /* Before on_sent the server has not answered at all. */
  if (run->body == NULL)
    what = "No response";
  g_free (run->conn_abort_reason);
  run->conn_abort_reason = g_strdup_printf ("%s for %s (%s)", what, duration, timer);
  g_cancellable_cancel (run->conn_cancellable);
}

static gboolean
idle_timeout_cb (gpointer data)
{
  StreamRun *run = data;

  if (run->finished || run->conn_cancellable == NULL || run->pending_ops == 0)
    return G_SOURCE_CONTINUE;
  run_abort_connection (run, "No data", run->options->idle_timeout_ms, "idle timeout");
  return G_SOURCE_CONTINUE;
}

static gboolean
stall_timeout_cb (gpointer data)
{
  StreamRun *run = data;
  gboolean raw;

  if (run->finished || run->conn_cancellable == NULL || run->pending_ops == 0)
    return G_SOURCE_CONTINUE;
  raw = run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_RAW;
  run_abort_connection (run, raw ? "No data" : "No complete line",
                        run->options->stall_timeout_ms, "stall timeout");
  return G_SOURCE_CONTINUE;
}

static gboolean
duration_cb (gpointer data)
{
  StreamRun *run = data;
  g_autofree char *message = NULL;
  guint64 ms = run->options->duration_ms;

  destroy_source (&run->duration_timer);
  if (ms % 1000 == 0)
    message = g_strdup_printf ("Ran for %" G_GUINT64_FORMAT " s (duration)", ms / 1000);
  else
    message = g_strdup_printf ("Ran for %" G_GUINT64_FORMAT " ms (duration)", ms);
  run_finish (run, LS_STREAM_ENDED, message);
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  StreamRun *run = data;

  run_finish (run, LS_STREAM_CANCELLED,
              run->cancel_reason != NULL ? run->cancel_reason : "Cancelled: the worker is stopping");
  return G_SOURCE_REMOVE;
}

/* ---- worker entry points -------------------------------------------- */

/* "GET URL" and one "Name: value" line per request header, for the send
 * span. Raw: the recorder redacts what it shows and what it exports. */
static char *
run_describe_request (const LsStreamOptions *options)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s %s", options->method != NULL ? options->method : "GET", options->url);
  for (guint i = 0; options->headers != NULL && i < options->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (options->headers, i);

      g_string_append_printf (out, "\n%s: %s", header->name, header->value);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  StreamRun *run;
  gboolean   ran;
} StartRequest;

static void
start_on_worker (gpointer data)
{
  StartRequest *request = data;
  StreamRun *run = request->run;
  GMainContext *context = ls_worker_get_context (run->worker);

  g_assert (ls_worker_is_worker_thread (run->worker));

  request->ran = TRUE;
  run->started = TRUE;
  /* This reference is the worker's until release. */
  stream_run_ref (run);
  run->buffer = g_malloc (READ_SIZE);
  if (run->options->accept_certificate_sha256 != NULL)
    run->pin = ls_stream_normalize_fingerprint (run->options->accept_certificate_sha256, NULL);
  if (run->pin != NULL || run->options->ca_file != NULL)
    run->session = soup_session_new_with_options ("timeout", 0, "idle-timeout", 60, NULL);
  run->request_summary = run_describe_request (run->options);
  run->cancellable = g_cancellable_new ();
  run->cancel_source = g_cancellable_source_new (run->cancellable);
  g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (cancelled_cb), run, NULL);
  g_source_attach (run->cancel_source, context);
  /* Cancels at once when the worker is already stopping. */
  ls_worker_track_task (run->worker, run->cancellable);

  if (run->options->idle_timeout_ms > 0)
    {
      run->idle_timer = g_source_new (&idle_source_funcs, sizeof (GSource));
      g_source_set_callback (run->idle_timer, idle_timeout_cb, run, NULL);
      g_source_attach (run->idle_timer, context);
    }
  if (run->options->stall_timeout_ms > 0)
    {
      run->stall_timer = g_source_new (&idle_source_funcs, sizeof (GSource));
      g_source_set_callback (run->stall_timer, stall_timeout_cb, run, NULL);
      g_source_attach (run->stall_timer, context);
    }
  if (run->options->duration_ms > 0)
    {
      run->duration_timer = g_timeout_source_new ((guint) MIN (run->options->duration_ms, G_MAXUINT));
      g_source_set_callback (run->duration_timer, duration_cb, run, NULL);
      g_source_attach (run->duration_timer, context);
    }

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      run_finish (run, LS_STREAM_CANCELLED, "Cancelled: the worker is stopping");
      return;
    }
  run_connect (run);
}

static void
start_request_free (gpointer data)
{
  StartRequest *request = data;

  /* Discarded by a stopping worker before it ran: the stream never
   * started, and must still end. Any thread. */
  if (!request->ran)
    stream_run_publish_shared (request->run, LS_STREAM_CANCELLED,
                               "Cancelled: the worker stopped before the stream started", NULL);
  stream_run_unref (request->run);
  g_free (request);
}

static void
cancel_on_worker (gpointer data)
{
  StreamRun *run = data;

  if (!run->started || run->finished)
    return;
  run->cancel_reason = "Cancelled";
  g_cancellable_cancel (run->cancellable);
}

/* ================================================================ UI side */

static void
ls_stream_ui_handler (LsMailbox *mailbox,
                      LsMessage *messages,
                      guint      n_messages,
                      gpointer   user_data)
{
  LsStream *self = user_data;
  StreamRun *run = self->run;
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
      ls_bridge_post (self->bridge, cancel_on_worker, stream_run_ref (self->run),
                      stream_run_unref, NULL);
    }
  if (self->ui_box != NULL)
    {
      ls_mailbox_close (self->ui_box);
      g_clear_pointer (&self->ui_box, ls_mailbox_unref);
    }
  g_clear_pointer (&self->run, stream_run_unref);

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

  span_category = g_intern_static_string ("stream");
  span_send = g_intern_static_string ("stream.send");
  span_headers = g_intern_static_string ("stream.response-headers");
  span_read = g_intern_static_string ("stream.read");
  span_parse = g_intern_static_string ("stream.parse");
  span_wait = g_intern_static_string ("stream.reconnect-wait");
  span_closed = g_intern_static_string ("stream.closed");

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
  StartRequest *request;
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
  self->run = stream_run_new (self->options, self->store, self->stream_id, self->ui_box,
                              ls_bridge_get_worker (self->bridge));

  request = g_new0 (StartRequest, 1);
  request->run = stream_run_ref (self->run);
  /* On failure the request is freed unrun and publishes CANCELLED into a
   * mailbox we close right away: the stream stays IDLE. */
  if (!ls_bridge_post (self->bridge, start_on_worker, request, start_request_free, error))
    {
      ls_mailbox_close (self->ui_box);
      g_clear_pointer (&self->ui_box, ls_mailbox_unref);
      g_clear_pointer (&self->run, stream_run_unref);
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
    ls_bridge_post (self->bridge, cancel_on_worker, stream_run_ref (self->run),
                    stream_run_unref, NULL);
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
