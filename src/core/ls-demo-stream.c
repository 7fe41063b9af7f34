/* ls-demo-stream.c: one streaming response of the demo server, paced or flooded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stream is either paced by a timer (credit based, so a slow tick catches
 * up instead of drifting) or flooded (rate=0, bulk): the next batch is
 * appended when the previous one is written. Either way at most a few chunks
 * wait in libsoup's queue, so a slow reader slows the stream down instead of
 * growing the server's memory. What each event looks like is the endpoint's
 * business (its LsDemoAppendEvent); a stream may also drop its connection
 * abruptly after a number of events (/sse/flaky). Server thread only.
 */

#define G_LOG_DOMAIN "ls-demo-server"

#include "config.h"

#include <string.h>

#include "ls-demo-server-private.h"

#define CHUNK_TARGET          (64 * 1024)
#define MAX_QUEUED_PACED      8
#define MAX_QUEUED_FLOOD      4

static void stream_pump (LsDemoStream *stream);

void
ls_demo_append_uint (GString *out,
                     guint64  value)
{
  char buf[24];
  char *p = buf + sizeof buf;

  do
    {
      *--p = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);

  g_string_append_len (out, p, buf + sizeof buf - p);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

void
ls_demo_stream_free (LsDemoStream *stream)
{
  LsDemoServer *self = stream->self;

  g_assert (g_main_context_is_owner (self->context));

  clear_source (&stream->timer);
  clear_source (&stream->drop_source);
  clear_source (&stream->heartbeat);
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  g_queue_unlink (&self->streams, &stream->link);
  g_clear_object (&stream->msg);
  g_clear_pointer (&stream->tokens, g_ptr_array_unref);
  g_free (stream->completion_id);
  g_free (stream);

  g_atomic_int_add (&self->n_connections, -1);
}

static void
stream_finished_cb (SoupServerMessage *msg,
                    LsDemoStream      *stream)
{
  /* The message is done (completed or failed): never touch its I/O again. */
  ls_demo_stream_free (stream);
}

static gboolean
stream_drop_cb (gpointer data)
{
  LsDemoStream *stream = data;
  g_autoptr(GIOStream) connection = NULL;
  GSocket *socket;

  g_assert (g_main_context_is_owner (stream->self->context));

  /* Shut the socket down first: when the connection is stolen, libsoup
   * closes its chunked body stream, which writes the terminating chunk, and
   * the client would see a clean end instead of a drop. The FIN still
   * follows every byte already written. */
  socket = soup_server_message_get_socket (stream->msg);
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);

  /* Stealing skips "finished", so the stream is freed here. */
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  connection = soup_server_message_steal_connection (stream->msg);
  if (connection != NULL)
    g_io_stream_close (connection, NULL, NULL);

  ls_demo_stream_free (stream);

  return G_SOURCE_REMOVE;
}

static void
stream_schedule_drop (LsDemoStream *stream)
{
  g_assert (stream->drop_source == NULL);

  stream->drop_source = g_idle_source_new ();
  g_source_set_priority (stream->drop_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (stream->drop_source, stream_drop_cb, stream, NULL);
  g_source_set_static_name (stream->drop_source, "[loopscope] demo flaky drop");
  g_source_attach (stream->drop_source, stream->self->context);
}

static void
stream_wrote_chunk_cb (SoupServerMessage *msg,
                       LsDemoStream      *stream)
{
  if (stream->queued_chunks > 0)
    stream->queued_chunks--;

  if (stream->dropping)
    {
      if (stream->queued_chunks == 0 && stream->drop_source == NULL)
        stream_schedule_drop (stream);
    }
  else if (stream->events_per_us == 0 && !stream->completing)
    {
      stream_pump (stream);
    }
}

static gboolean
stream_timer_cb (gpointer data)
{
  stream_pump (data);

  return G_SOURCE_CONTINUE;
}

static void
stream_append_chunk (LsDemoStream *stream,
                     GString      *chunk)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize len = chunk->len;

  soup_message_body_append_take (body, (guchar *) g_string_free (chunk, FALSE), len);
  stream->queued_chunks++;
}

/* Appends whatever is due; completes the body after the last event. */
static void
stream_pump (LsDemoStream *stream)
{
  guint64 due;
  guint max_queued;
  gboolean appended = FALSE;

  g_assert (g_main_context_is_owner (stream->self->context));

  if (stream->completing || stream->dropping)
    return;

  if (stream->events_per_us > 0)
    {
      double elapsed_us = (double) (g_get_monotonic_time () - stream->start_us);
      double credit = elapsed_us * stream->events_per_us + 1.0;

      if (stream->hold_us > 0)
        {
          double held = elapsed_us < (double) stream->hold_us
                          ? (double) stream->hold_index
                          : (double) stream->hold_index
                            + (elapsed_us - (double) stream->hold_us) * stream->events_per_us + 1.0;

          credit = MIN (credit, held);
        }

      due = credit >= (double) stream->total ? stream->total : (guint64) credit;
      max_queued = MAX_QUEUED_PACED;
    }
  else
    {
      due = stream->total;
      max_queued = MAX_QUEUED_FLOOD;
    }

  if (stream->every > 0)
    due = MIN (due, stream->every);

  while ((stream->sent < due || !stream->prelude_sent) &&
         stream->queued_chunks < max_queued)
    {
      GString *chunk = g_string_sized_new (MIN (CHUNK_TARGET + 512, 256 + stream->size * 2));

      if (!stream->prelude_sent)
        {
          if (stream->retry_ms > 0)
            {
              g_string_append (chunk, "retry: ");
              ls_demo_append_uint (chunk, stream->retry_ms);
              g_string_append (chunk, "\n\n");
            }
          stream->prelude_sent = TRUE;
        }

      while (stream->sent < due && chunk->len < CHUNK_TARGET)
        stream->append_event (stream, chunk, stream->sent++);

      if (chunk->len == 0)
        {
          g_string_free (chunk, TRUE);
          break;
        }

      stream_append_chunk (stream, chunk);
      appended = TRUE;

      /* Paced streams send one chunk per tick. */
      if (stream->events_per_us > 0)
        break;
    }

  if (stream->sent == stream->total)
    {
      soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
      stream->completing = TRUE;
      clear_source (&stream->timer);
      clear_source (&stream->heartbeat);
      appended = TRUE;
    }
  else if (stream->every > 0 && stream->sent == stream->every)
    {
      stream->dropping = TRUE;
      clear_source (&stream->timer);
      clear_source (&stream->heartbeat);
      if (stream->queued_chunks == 0)
        stream_schedule_drop (stream);
    }

  if (appended && !stream->in_handler)
    soup_server_message_unpause (stream->msg);
}

static gboolean
stream_heartbeat_cb (gpointer data)
{
  LsDemoStream *stream = data;

  if (stream->completing || stream->dropping || stream->queued_chunks >= MAX_QUEUED_PACED)
    return G_SOURCE_CONTINUE;
  stream_append_chunk (stream, g_string_new (": heartbeat\n"));
  soup_server_message_unpause (stream->msg);
  return G_SOURCE_CONTINUE;
}

void
ls_demo_stream_set_heartbeat (LsDemoStream *stream,
                              guint         interval_ms)
{
  g_assert (stream->heartbeat == NULL);

  if (interval_ms == 0)
    return;
  stream->heartbeat = g_timeout_source_new (interval_ms);
  g_source_set_callback (stream->heartbeat, stream_heartbeat_cb, stream, NULL);
  g_source_set_static_name (stream->heartbeat, "[loopscope] demo heartbeat");
  g_source_attach (stream->heartbeat, stream->self->context);
}

void
ls_demo_stream_end_for_stop (LsDemoStream *stream)
{
  clear_source (&stream->timer);
  clear_source (&stream->drop_source);
  clear_source (&stream->heartbeat);

  if (!stream->completing)
    {
      /* A clean end for the client: the terminating chunk. */
      soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
      stream->completing = TRUE;
      stream->dropping = FALSE;
      soup_server_message_unpause (stream->msg);
    }
}

LsDemoStream *
ls_demo_stream_new (LsDemoServer      *self,
                    SoupServerMessage *msg,
                    const char        *content_type,
                    LsDemoAppendEvent  append_event)
{
  LsDemoStream *stream = g_new0 (LsDemoStream, 1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  stream->link.data = stream;
  stream->self = self;
  stream->msg = g_object_ref (msg);
  stream->append_event = append_event;
  stream->first_id = 1;
  stream->total = LS_DEMO_UNLIMITED;
  stream->start_us = g_get_monotonic_time ();
  /* libsoup looks the addresses up lazily and warns when it cannot: by the
   * time a stream is dropped or shut down the client may be gone already,
   * so look them up now, while the request has just arrived. */
  soup_server_message_get_remote_address (msg);
  soup_server_message_get_local_address (msg);
  g_queue_push_tail_link (&self->streams, &stream->link);
  g_atomic_int_add (&self->n_connections, 1);
  __atomic_fetch_add (&self->n_streams, 1, __ATOMIC_RELAXED);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  /* Written chunks are dropped, not kept for the whole response. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);

  return stream;
}

void
ls_demo_stream_set_size (LsDemoStream *stream,
                         gsize         size)
{
  LsDemoServer *self = stream->self;

  g_assert (size <= LS_DEMO_SERVER_MAX_SIZE);

  /* One padding buffer for all streams, so that many connections asking
   * for large events cost no more memory than one. */
  if (self->pad == NULL)
    {
      self->pad = g_malloc (LS_DEMO_SERVER_MAX_SIZE);
      memset (self->pad, 'x', LS_DEMO_SERVER_MAX_SIZE);
    }

  stream->size = size;
  stream->pad = self->pad;
}

/* Starts pacing (events_per_second > 0) or flooding (0), and sends what is
 * due now. */
void
ls_demo_stream_start (LsDemoStream *stream,
                      double        events_per_second)
{
  LsDemoServer *self = stream->self;

  stream->events_per_us = events_per_second / G_USEC_PER_SEC;

  if (events_per_second > 0)
    {
      double period_ms = 1000.0 / events_per_second;
      guint interval_ms = (guint) CLAMP (period_ms + 0.999, 1.0, (double) LS_DEMO_MAX_INTERVAL_MS);

      stream->timer = g_timeout_source_new (interval_ms);
      g_source_set_callback (stream->timer, stream_timer_cb, stream, NULL);
      g_source_set_static_name (stream->timer, "[loopscope] demo stream pacing");
      g_source_attach (stream->timer, self->context);
    }

  stream->in_handler = TRUE;
  stream_pump (stream);
  stream->in_handler = FALSE;
}
