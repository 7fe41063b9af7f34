/* ls-stream-connection.c: one connection of a stream: request, response, read loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Worker only. ls_stream_connection_start() builds and sends one request
 * (the run is DECIDING, and becomes SENDING); on_sent() checks the
 * response (status, type, a refusal's body kept), then one read at a time
 * (READING) feeds the framer, until the body ends, an error, or the run's
 * end. Every way it ends goes back to ls-stream-run.c: a permanent end
 * (ls_stream_run_finish) or the end of this connection
 * (ls_stream_run_connection_ended: reconnect or not). The phase table is
 * at the top of ls-stream-run.c.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "ls-stream-private.h"

#define RATE_WINDOW_US  (500 * G_TIME_SPAN_MILLISECOND)
/* A window closes with two events at least (one is no rate), or after this. */
#define RATE_WINDOW_MAX_US (5 * G_TIME_SPAN_SECOND)

/* Span names, interned once (the recorder copies records without allocating). */
static const char *span_send;
static const char *span_headers;
static const char *span_read;
static const char *span_parse;

static void run_set_response (LsStreamRun      *run,
                              LsStreamResponse *response);

/* On the UI thread, before the first run is posted (the worker reads them after). */
void
ls_stream_connection_init (void)
{
  span_send = g_intern_static_string ("stream.send");
  span_headers = g_intern_static_string ("stream.response-headers");
  span_read = g_intern_static_string ("stream.read");
  span_parse = g_intern_static_string ("stream.parse");
}

static const char *
run_last_event_id (LsStreamRun *run)
{
  if (run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE)
    return ls_sse_parser_get_last_event_id (ls_framer_get_sse_parser (run->framer));
  return run->options->last_event_id != NULL ? run->options->last_event_id : "";
}

/* Errors that trying again cannot fix (a redirect loop, a response
 * libsoup cannot parse): a one-line reason, or NULL for network errors. */
static char *
permanent_error_message (const GError *error,
                         LsStreamEnd  *end)
{
  /* libsoup 3.2 gives this one as G_IO_ERROR_PARTIAL_INPUT. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
      (g_str_equal (error->message, "Header too big") ||
       g_str_equal (error->message, g_dgettext ("libsoup-3.0", "Header too big"))))
    {
      *end = LS_STREAM_END_TOO_LARGE;
      return g_strdup_printf (_("Response headers too large: %s"), error->message);
    }
  if (error->domain != SOUP_SESSION_ERROR)
    return NULL;
  *end = LS_STREAM_END_REDIRECT;
  switch ((SoupSessionError) error->code)
    {
    case SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS:
      return g_strdup (_("Too many redirects: the server redirects in a loop"));
    case SOUP_SESSION_ERROR_REDIRECT_NO_LOCATION:
    case SOUP_SESSION_ERROR_REDIRECT_BAD_URI:
      return g_strdup_printf (_("Bad redirect: %s"), error->message);
    case SOUP_SESSION_ERROR_PARSING:
      *end = LS_STREAM_END_BAD_RESPONSE;
      return g_strdup_printf (_("Malformed response headers: %s"), error->message);
    case SOUP_SESSION_ERROR_ENCODING:
      *end = LS_STREAM_END_BAD_RESPONSE;
      return g_strdup_printf (_("Unsupported response encoding: %s"), error->message);
    case SOUP_SESSION_ERROR_TOO_MANY_RESTARTS:
    case SOUP_SESSION_ERROR_MESSAGE_ALREADY_IN_QUEUE:
    default:
      *end = LS_STREAM_END_BAD_REQUEST;
      return g_strdup (error->message);
    }
}

static void
run_connection_error (LsStreamRun  *run,
                      const GError *error,
                      LsStreamEnd   end,
                      const char   *during)
{
  g_autofree char *detail = NULL;
  gboolean aborted = run->conn_abort_reason != NULL;

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      ls_stream_run_finish (run, LS_STREAM_END_CANCELLED, ls_stream_run_cancel_detail (run));
      return;
    }
  if (aborted)
    {
      end = run->conn_abort_end;
      detail = g_steal_pointer (&run->conn_abort_reason);
    }
  else if ((detail = permanent_error_message (error, &end)) != NULL)
    {
      ls_stream_run_finish (run, end, detail);
      return;
    }
  else if (during != NULL)
    detail = g_strdup_printf ("%s: %s", during, error->message);
  else
    detail = g_strdup (error->message);
  /* The typed cause (not our own timeout's cancel), for the UI's
   * "could not connect: connection refused". */
  g_clear_error (&run->conn_error);
  if (!aborted)
    run->conn_error = g_error_copy (error);
  ls_stream_run_connection_ended (run, end, detail);
}

/* ---- body ----------------------------------------------------------- */

static void
on_frame (const LsFrame *frame,
          gpointer       data)
{
  LsStreamRun *run = data;
  LsEventKind kind;

  if (run->capped)
    return;

  if (frame->comment)
    {
      /* In stream order with the events, but not one of them. */
      ls_event_store_append (run->store, run->stream_id, LS_EVENT_KIND_COMMENT, run->read_time_us,
                             NULL, 0, NULL, 0, frame->data, frame->data_len, 0);
      run->stats.comments++;
      run->stats.records++;
      return;
    }

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
  run->stats.records++;
  run->conn_events++;
  if (kind == LS_EVENT_KIND_INVALID)
    run->stats.invalid++;
  if (run->options->max_events != 0 && run->stats.events >= run->options->max_events)
    run->capped = TRUE;
}

static void run_read_next (LsStreamRun *run);

static void
run_update_rates (LsStreamRun *run,
                  gint64       now)
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
  /* A slow stream (an event every 700 ms, reads of heartbeats between)
   * would otherwise close windows holding no event and read 0/s. */
  if (run->stats.events - run->rate_events0 < 2 && elapsed < RATE_WINDOW_MAX_US)
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
run_body_error_context (LsStreamRun  *run,
                        const GError *error,
                        LsStreamEnd  *end)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
    return _("Connection lost");
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CHUNKED:
      *end = LS_STREAM_END_BAD_RESPONSE;
      return _("Malformed or truncated chunked body");
    case SOUP_ENCODING_CONTENT_LENGTH:
      *end = LS_STREAM_END_BAD_RESPONSE;
      return _("Body shorter than its Content-Length");
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return _("Connection lost");
    }
}

/* An end of body before the promised Content-Length (libsoup 3.2 reports
 * it as a clean end when the connection closes): a one-line reason, or
 * NULL. Only without Content-Encoding, where the length is what we read. */
static char *
run_short_body_message (LsStreamRun *run)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);
  goffset expected;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      soup_message_headers_get_one (headers, "Content-Encoding") != NULL)
    return NULL;
  expected = soup_message_headers_get_content_length (headers);
  if ((guint64) expected <= run->conn_decoded)
    return NULL;
  {
    char received[32], promised[32];

    g_snprintf (received, sizeof received, "%" G_GUINT64_FORMAT, run->conn_decoded);
    g_snprintf (promised, sizeof promised, "%" G_GOFFSET_FORMAT, expected);
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Body shorter than its Content-Length: received %s of %s byte",
                                         "Body shorter than its Content-Length: received %s of %s bytes",
                                         (gulong) MIN ((guint64) expected, G_MAXULONG)),
                            received, promised);
  }
}

/* A body decoded past the floor that is more than max_expansion times
 * its size on the wire (a gzip or deflate bomb). */
static gboolean
run_expands_too_much (LsStreamRun *run)
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

/* What an asynchronous operation's span records: done, cancelled or failed. */
static LsOutcome
op_outcome (gboolean      ok,
            const GError *error)
{
  if (ok)
    return LS_OUTCOME_OK;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? LS_OUTCOME_CANCELLED : LS_OUTCOME_ERROR;
}

/* Finishes a read of the body (or of a refusal's body) and records its
 * span, whose task goes to @task (may be NULL). */
static gssize
run_read_finish (LsStreamRun   *run,
                 GObject       *source,
                 GAsyncResult  *result,
                 gint64         now,
                 GError       **error,
                 guint64       *task)
{
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, error);
  guint64 read_task = ls_stream_run_span (run, run->conn_task, span_read, run->read_queued_us, now, now,
                                          op_outcome (n >= 0, error != NULL ? *error : NULL),
                                          MAX (n, 0), NULL);

  if (task != NULL)
    *task = read_task;
  return n;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  LsStreamRun *run = data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 parse_end;
  guint64 read_task;
  guint64 events_before;
  gssize n;

  n = run_read_finish (run, source, result, now, &error, &read_task);
  /* One read at a time, and the connection ends only when it reports
   * back: the body it read from is still the current one. */
  g_warn_if_fail (G_INPUT_STREAM (source) == run->body);

  if (!ls_stream_run_op_reported (run))
    return;

  if (n < 0)
    {
      LsStreamEnd end = LS_STREAM_END_NETWORK;
      const char *context = run_body_error_context (run, error, &end);

      run_connection_error (run, error, end, context);
      return;
    }

  if (n == 0)
    {
      g_autofree char *short_body = run_short_body_message (run);

      if (short_body != NULL)
        ls_stream_run_connection_ended (run, LS_STREAM_END_BAD_RESPONSE, short_body);
      else
        ls_stream_run_connection_ended (run, LS_STREAM_END_COMPLETED, NULL);
      return;
    }

  if (!run->conn_got_bytes)
    {
      LsStreamResponse *response = ls_stream_response_copy (run->response);

      run->conn_got_bytes = TRUE;
      run->stats.ttfb_us = now - run->send_us;
      response->first_byte_us = run->stats.ttfb_us;
      run_set_response (run, response);
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
      g_autofree char *ratio = g_strdup_printf ("%u", run->options->max_expansion);

      /* The events before are stored already. */
      ls_stream_run_finish (run, LS_STREAM_END_BOMB, ratio);
      return;
    }
  run->read_time_us = now;
  /* Before the framer: the read precedes the events it produces. */
  if (run->read_log != NULL)
    {
      ls_read_log_add_read (run->read_log, (guint32) run->stats.connects, now,
                            ls_event_store_get_end_seq (run->store), run->buffer, (gsize) n);
      /* The log follows the store's retention: reads whose events the
       * store has dropped go too, or a long-lived window stream would
       * keep every read it ever made. */
      ls_read_log_forget_before_seq (run->read_log, ls_event_store_get_first_seq (run->store));
    }
  events_before = run->stats.events;
  if (!ls_framer_feed (run->framer, run->buffer, (gsize) n, &error))
    {
      /* The events before the oversized one are stored already. */
      ls_stream_run_finish (run, LS_STREAM_END_TOO_LARGE, error->message);
      return;
    }
  parse_end = g_get_monotonic_time ();
  ls_stream_run_span (run, read_task, span_parse, 0, now, parse_end, LS_OUTCOME_OK,
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
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, run->stats.events);

      ls_stream_run_finish (run, LS_STREAM_END_MAX_EVENTS, count);
      return;
    }

  /* A full buffer: more is waiting, read it in larger pieces. */
  if ((gsize) n == run->buffer_size && run->buffer_size < LS_STREAM_READ_SIZE_MAX)
    {
      g_free (run->buffer);
      run->buffer_size *= 2;
      run->buffer = g_malloc (run->buffer_size);
    }
  ls_stream_run_publish (run);
  run_read_next (run);
}

static void
run_read_next (LsStreamRun *run)
{
  run->read_queued_us = g_get_monotonic_time ();
  ls_stream_run_enter (run, LS_RUN_READING);
  g_input_stream_read_async (run->body, run->buffer, run->buffer_size, G_PRIORITY_DEFAULT,
                             run->conn_cancellable, on_read, run);
}

/* ---- response ------------------------------------------------------- */

/* Hands @response (transfer full) to the UI as the latest connection's:
 * from here on it is never changed. */
static void
run_set_response (LsStreamRun      *run,
                  LsStreamResponse *response)
{
  LsStreamResponse *old;

  g_clear_pointer (&run->response, ls_stream_response_unref);
  run->response = response;
  pthread_mutex_lock (&run->lock);
  old = run->shared_response;
  run->shared_response = ls_stream_response_ref (response);
  pthread_mutex_unlock (&run->lock);
  if (old != NULL)
    ls_stream_response_unref (old);
}

static void run_read_error_body (LsStreamRun *run);

/* The refusal's body has been read (all of it, up to the cap, or up to
 * an error): the stream fails with the status, and the response keeps it. */
static void
stop_refusal_timer (LsStreamRun *run)
{
  if (run->refusal_timer != NULL)
    {
      g_source_destroy (run->refusal_timer);
      g_clear_pointer (&run->refusal_timer, g_source_unref);
    }
}

/* The refusal's body took too long: the pending read reports back
 * cancelled, and the stream fails with what was read. */
static gboolean
refusal_timeout_cb (gpointer data)
{
  LsStreamRun *run = data;

  stop_refusal_timer (run);
  g_cancellable_cancel (run->conn_cancellable);
  return G_SOURCE_REMOVE;
}

static void
run_finish_http_status (LsStreamRun *run)
{
  LsStreamResponse *response = ls_stream_response_copy (run->response);
  g_autofree char *status_line = g_strdup_printf ("%u %s", response->status, response->reason);

  stop_refusal_timer (run);
  response->error_body = g_byte_array_free_to_bytes (g_steal_pointer (&run->error_body));
  response->error_body_truncated = run->conn_got_bytes &&
                                   g_bytes_get_size (response->error_body) >= LS_STREAM_RESPONSE_MAX_BODY;
  if (run->stats.ttfb_us >= 0 && run->conn_got_bytes)
    response->first_byte_us = run->stats.ttfb_us;
  run_set_response (run, response);
  ls_stream_run_finish (run, LS_STREAM_END_HTTP_STATUS, status_line);
}

static void
on_error_body_read (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  LsStreamRun *run = data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gssize n;

  n = run_read_finish (run, source, result, now, &error, NULL);
  if (!ls_stream_run_op_reported (run))
    return;
  if (n > 0)
    {
      if (!run->conn_got_bytes)
        {
          run->conn_got_bytes = TRUE;
          run->stats.ttfb_us = now - run->send_us;
        }
      run->stats.bytes += (guint64) n;
      g_byte_array_append (run->error_body, run->buffer, (guint) n);
      if (run->error_body->len < LS_STREAM_RESPONSE_MAX_BODY)
        {
          run_read_error_body (run);
          return;
        }
    }
  /* The end of the body, the cap, or an error: what was read is kept. */
  run_finish_http_status (run);
}

static void
run_read_error_body (LsStreamRun *run)
{
  gsize room = LS_STREAM_RESPONSE_MAX_BODY - run->error_body->len;

  run->read_queued_us = g_get_monotonic_time ();
  ls_stream_run_enter (run, LS_RUN_READING);
  g_input_stream_read_async (run->body, run->buffer, MIN (room, run->buffer_size), G_PRIORITY_DEFAULT,
                             run->conn_cancellable, on_error_body_read, run);
}

static gboolean
is_event_stream (const char *content_type)
{
  return content_type != NULL && g_ascii_strcasecmp (content_type, "text/event-stream") == 0;
}

/* FALSE (and the run finished) when the response cannot be a stream. */
static gboolean
run_check_response (LsStreamRun *run)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (run->msg);
  guint status = soup_message_get_status (run->msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  LsStreamFormat format = run->options->format;

  if (status == SOUP_STATUS_NO_CONTENT)
    {
      ls_stream_run_finish (run, LS_STREAM_END_NO_CONTENT, NULL);
      return FALSE;
    }

  if (format == LS_STREAM_FORMAT_AUTO)
    format = ls_stream_format_from_content_type (content_type);
  else if (format == LS_STREAM_FORMAT_SSE && !is_event_stream (content_type))
    {
      ls_stream_run_finish (run, LS_STREAM_END_WRONG_TYPE,
                            content_type != NULL ? content_type : _("no Content-Type"));
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
      ls_framer_set_comments (run->framer, run->options->comments);
      if (format == LS_STREAM_FORMAT_SSE)
        {
          LsSseParser *sse = ls_framer_get_sse_parser (run->framer);

          ls_sse_parser_set_last_event_id (sse, last_id);
          /* on_frame() copies the data into the store: no copy before. */
          ls_sse_parser_set_borrow_data (sse, TRUE);
        }
    }
  return TRUE;
}


static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  LsStreamRun *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *note = NULL;
  gint64 now = g_get_monotonic_time ();
  const char *content_type;
  guint status;

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  ls_stream_run_span (run, run->conn_task, span_send, run->send_us, run->send_us, now,
                      op_outcome (body != NULL, error), 0, run->request_summary);

  if (!ls_stream_run_op_reported (run))
    return;

  if (body == NULL)
    {
      if (!g_cancellable_is_cancelled (run->cancellable) && run->conn_abort_reason == NULL &&
          ls_stream_tls_check_failure (run, error))
        return;
      run_connection_error (run, error, LS_STREAM_END_CONNECT_FAILED, NULL);
      return;
    }

  run->stats.opens++;
  run->conn_opened = TRUE;
  run_set_response (run, ls_stream_response_new_from_message (run->msg, now - run->send_us));
  if (run->read_log != NULL)
    ls_read_log_add_response (run->read_log, (guint32) run->stats.connects, now,
                              ls_event_store_get_end_seq (run->store), run->response);
  status = soup_message_get_status (run->msg);
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (run->msg), NULL);
  run->stats.http_status = status;
  g_strlcpy (run->stats.content_type, content_type != NULL ? content_type : "",
             sizeof run->stats.content_type);
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_NO_CONTENT)
    {
      /* A refusal: keep what the server said (bounded), then fail. */
      run->body = g_steal_pointer (&body);
      run->error_body = g_byte_array_new ();
      run->refusal_timer = g_timeout_source_new (LS_STREAM_REFUSAL_BODY_MS);
      ls_source_set_timed_callback (run->refusal_timer, refusal_timeout_cb, run, NULL);
      g_source_set_static_name (run->refusal_timer, "stream.refusal-body-timer");
      g_source_attach (run->refusal_timer, ls_worker_get_context (run->worker));
      run_read_error_body (run);
      return;
    }
  if (!run_check_response (run))
    return;

  run->body = g_steal_pointer (&body);
  note = g_strdup_printf ("HTTP %u, %s (%s)%s%s", run->stats.http_status,
                          run->stats.content_type[0] != '\0' ? run->stats.content_type : _("no Content-Type"),
                          ls_stream_format_to_string (run->stats.format),
                          run->tls_note != NULL ? "; " : "",
                          run->tls_note != NULL ? run->tls_note : "");
  ls_stream_run_record (run, LS_EVENT_KIND_OPEN, note);
  ls_stream_run_span (run, run->conn_task, span_headers, run->send_us, now,
            g_get_monotonic_time (), LS_OUTCOME_OK, run->stats.http_status, note);
  run->state = LS_STREAM_OPEN;
  ls_stream_run_publish (run);
  run_read_next (run);
}

/* ---- request -------------------------------------------------------- */

void
ls_stream_connection_start (LsStreamRun *run)
{
  const LsStreamOptions *options = run->options;
  SoupMessageHeaders *headers;
  SoupSession *session = run->session != NULL
                         ? run->session
                         : ls_worker_get_session_for (run->worker, run->session_key);
  const char *last_id;

  g_assert (run->phase == LS_RUN_DECIDING);

  g_clear_object (&run->conn_cancellable);
  g_clear_pointer (&run->conn_abort_reason, g_free);
  ls_stream_tls_reset (run);
  g_clear_object (&run->msg);
  run->conn_cancellable = g_cancellable_new ();
  run->conn_events = 0;
  run->conn_decoded = 0;
  run->conn_got_bytes = FALSE;
  run->conn_opened = FALSE;
  run->restart_asked = FALSE;
  g_clear_error (&run->conn_error);

  run->msg = soup_message_new (options->method != NULL ? options->method : SOUP_METHOD_GET,
                               options->url);
  if (run->msg == NULL)
    {
      /* Validated on the UI side: only a library disagreement gets here. */
      ls_stream_run_finish (run, LS_STREAM_END_BAD_REQUEST, NULL);
      return;
    }
  headers = soup_message_get_request_headers (run->msg);
  ls_stream_tls_watch (run, run->msg);
  /* The wire size of the body, for the expansion cap. */
  if (options->max_expansion > 0)
    soup_message_add_flags (run->msg, SOUP_MESSAGE_COLLECT_METRICS);
  if (ls_stream_options_sends_body (options))
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
  run->conn_task = run->recorder != NULL ? ls_recorder_next_span_id (run->recorder) : 0;
  run->send_us = g_get_monotonic_time ();
  if (run->read_log != NULL)
    ls_read_log_add_connect (run->read_log, (guint32) run->stats.connects, run->send_us,
                             ls_event_store_get_end_seq (run->store));
  if (run->stats.started_us == 0)
    run->stats.started_us = run->send_us;
  if (run->idle_timer != NULL)
    g_source_set_ready_time (run->idle_timer,
                             run->send_us + (gint64) options->idle_timeout_ms * 1000);
  if (run->stall_timer != NULL)
    g_source_set_ready_time (run->stall_timer,
                             run->send_us + (gint64) options->stall_timeout_ms * 1000);

  run->state = LS_STREAM_CONNECTING;
  ls_stream_run_publish (run);

  ls_stream_run_enter (run, LS_RUN_SENDING);
  soup_session_send_async (session, run->msg, G_PRIORITY_DEFAULT, run->conn_cancellable,
                           on_sent, run);
}
