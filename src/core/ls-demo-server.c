/* ls-demo-server.c: the embedded demo HTTP server, on its own thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on a thread of its own, with its own GMainContext (pushed as
 * thread-default in that thread before the server is created, so libsoup
 * serves on it) and one GMainLoop. Requests are handled on that thread only;
 * timers pacing the streams are GSources attached to that context.
 *
 * Endpoints (all parameters optional, unsigned decimal; a bad or out-of-range
 * value is a 400 with a one-line reason, an unknown path a 404):
 *
 *   GET /                 this list, as text/plain
 *   GET /sse/ticks        rate=N (events/s, default 10, 0 = as fast as
 *                         possible), count=N (default unlimited), size=N,
 *                         retry=MS (sends "retry: MS" first)
 *       id: N\nevent: tick\ndata: {"n":N,"t":MS,"pad":"xx…"}\n\n
 *       The data payload is exactly size bytes when size is at least the
 *       unpadded object (20 + digits(N) + digits(t), about 35 bytes);
 *       smaller sizes give the unpadded object.
 *   GET /sse/bulk         count=N (default 1000000), size=N (default 100):
 *       as fast as possible, about 64 KiB per chunk, for benchmarks.
 *       id: N\ndata: <size bytes: N then 'x' padding>\n\n
 *       = exactly 13 + size + digits(N) bytes on the wire per event
 *       (size=100: 114 bytes for id 1, 120 bytes for id 1000000).
 *   GET /ndjson           rate=N (default 10, 0 = as fast as possible),
 *                         count=N, size=N: application/x-ndjson, one line
 *       {"n":N,"t":MS,"pad":"xx…"}\n   (padding as for ticks)
 *   POST /llm             body {"prompt":"…","max_tokens":N} (both optional),
 *   GET /llm              or prompt=…&max_tokens=N; interval_ms=N (default 15)
 *       data: {"id":"chatcmpl-…","object":"chat.completion.chunk",…,
 *              "choices":[{"index":0,"delta":{"content":"tok"},…}]}\n\n
 *       then a chunk with "finish_reason":"stop", then data: [DONE]\n\n.
 *       A malformed body is a 400 with {"error":{"message":…}}.
 *   GET /sse/flaky        every=K (default 5), count=N (the last id, default
 *                         unlimited), rate=N (default 20), retry=MS (default
 *                         100): drops the connection abruptly (no terminating
 *                         chunk) after K events on each connection; ends
 *                         cleanly after id N.
 *       id: N\nevent: flaky\ndata: {"n":N,"t":MS,"pad":""}\n\n
 *   GET /slow             interval_ms=N (default 1000), count=N: one small
 *                         event per interval.
 *       id: N\nevent: slow\ndata: {"n":N,"t":MS,"pad":""}\n\n
 *
 * Every SSE endpoint numbers its events 1, 2, 3… and resumes after the
 * request's Last-Event-ID (next id = last + 1; a non-numeric one is ignored).
 * For ticks, bulk, ndjson and slow, count is the number of events in this
 * response; for flaky it is the last id, so a reconnecting client gets every
 * id exactly once.
 *
 * Pacing: a stream is either paced by a timer (credit based, so a slow tick
 * catches up instead of drifting) or flooded (rate=0, bulk): the next batch
 * is appended when the previous one is written. Either way at most a few
 * chunks wait in libsoup's queue, so a slow reader slows the stream down
 * instead of growing the server's memory.
 */

#define G_LOG_DOMAIN "ls-demo-server"

#include "config.h"

#include <pthread.h>
#include <time.h>

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ls-demo-server.h"

#define START_TIMEOUT_US      (30 * G_TIME_SPAN_SECOND)
#define SHUTDOWN_TIMEOUT_S    10
#define CHUNK_TARGET          (64 * 1024)
#define MAX_QUEUED_PACED      8
#define MAX_QUEUED_FLOOD      4
#define MAX_REQUEST_BODY      (1024 * 1024)
#define MAX_LLM_TOKENS        4096
#define MAX_INTERVAL_MS       3600000
#define MAX_LAST_EVENT_ID     G_GUINT64_CONSTANT (1000000000000000)
#define UNLIMITED             G_MAXUINT64

typedef enum
{
  STATE_IDLE,
  STATE_STARTING,
  STATE_RUNNING,
  STATE_FAILED,
} ServerState;

typedef enum
{
  STREAM_TICKS,
  STREAM_BULK,
  STREAM_NDJSON,
  STREAM_LLM,
  STREAM_FLAKY,
  STREAM_SLOW,
} StreamKind;

typedef struct _DemoStream DemoStream;

struct _LsDemoServer
{
  GObject parent_instance;

  /* Guarded by mutex; written by the owner and the server thread. A pthread
   * mutex, not a GMutex: ThreadSanitizer cannot see GLib's futex locks. */
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  ServerState state;
  GThread *thread;
  GError *start_error;
  GTask *start_task;
  char *base_uri;
  guint16 port;
  guint16 requested_port;
  /* Every SoupServerMessage alive, by weak reference: libsoup ends some
   * connections with async closes (on a GLib worker thread) that call back
   * into the server context, so shutdown waits for them all. */
  GHashTable *live_messages;

  /* Created by the starter, owned by the server thread while it runs. */
  GMainContext *context;
  GMainLoop *loop;

  /* Server thread only. */
  SoupServer *server;
  GQueue streams;
  char *pad;                 /* LS_DEMO_SERVER_MAX_SIZE bytes of 'x', shared */
  gboolean stopping;

  gint n_connections; /* atomic */
};

G_DEFINE_FINAL_TYPE (LsDemoServer, ls_demo_server, G_TYPE_OBJECT)

struct _DemoStream
{
  GList link;                /* in LsDemoServer.streams */
  LsDemoServer *self;        /* not a reference: the server thread joins first */
  SoupServerMessage *msg;
  StreamKind kind;

  GSource *timer;            /* paced streams */
  GSource *drop_source;      /* flaky: close the connection once written */
  gint64 start_us;
  double events_per_us;      /* 0 = flood */

  guint64 first_id;
  guint64 total;             /* events this response carries, or UNLIMITED */
  guint64 sent;
  guint64 every;             /* flaky: drop after this many events */
  guint64 retry_ms;          /* 0 = no retry field */
  gsize size;
  const char *pad;           /* at least size bytes of 'x' */
  guint queued_chunks;

  /* LLM */
  GPtrArray *tokens;
  char *completion_id;
  gint64 created;

  gboolean prelude_sent;
  gboolean in_handler;       /* libsoup resumes by itself after the handler */
  gboolean completing;       /* body completed, waiting for "finished" */
  gboolean dropping;
};

static void stream_pump (DemoStream *stream);

/* Formatting helpers */

static void
append_uint (GString *out,
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

static guint
count_digits (guint64 value)
{
  guint n = 1;

  while (value >= 10)
    {
      value /= 10;
      n++;
    }

  return n;
}

static void
append_json_string (GString    *out,
                    const char *str)
{
  const char *p;

  g_string_append_c (out, '"');
  for (p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

/* {"n":N,"t":MS,"pad":"xx…"}, padded so that it is stream->size bytes. */
static void
append_tick_object (DemoStream *stream,
                    GString    *out,
                    guint64     n)
{
  guint64 now_ms = (guint64) (g_get_real_time () / 1000);
  gsize unpadded = 20 + count_digits (n) + count_digits (now_ms);
  gsize pad = stream->size > unpadded ? stream->size - unpadded : 0;

  g_string_append (out, "{\"n\":");
  append_uint (out, n);
  g_string_append (out, ",\"t\":");
  append_uint (out, now_ms);
  g_string_append (out, ",\"pad\":\"");
  g_string_append_len (out, stream->pad, pad);
  g_string_append (out, "\"}");
}

static void
append_sse_event (DemoStream *stream,
                  GString    *out,
                  const char *event_type,
                  guint64     id)
{
  g_string_append (out, "id: ");
  append_uint (out, id);
  g_string_append (out, "\nevent: ");
  g_string_append (out, event_type);
  g_string_append (out, "\ndata: ");
  append_tick_object (stream, out, id);
  g_string_append (out, "\n\n");
}

static void
append_bulk_event (DemoStream *stream,
                   GString    *out,
                   guint64     id)
{
  guint digits = count_digits (id);

  g_string_append (out, "id: ");
  append_uint (out, id);
  g_string_append (out, "\ndata: ");
  if (stream->size > digits)
    {
      append_uint (out, id);
      g_string_append_len (out, stream->pad, stream->size - digits);
    }
  else
    {
      /* Too small to hold the id: just the padding. */
      g_string_append_len (out, stream->pad, stream->size);
    }
  g_string_append (out, "\n\n");
}

static void
append_llm_chunk (DemoStream *stream,
                  GString    *out,
                  guint64     index)
{
  guint n_tokens = stream->tokens->len;

  if (index > n_tokens)
    {
      g_string_append (out, "data: [DONE]\n\n");
      return;
    }

  g_string_append (out, "data: {\"id\":");
  append_json_string (out, stream->completion_id);
  g_string_append (out, ",\"object\":\"chat.completion.chunk\",\"created\":");
  append_uint (out, (guint64) stream->created);
  g_string_append (out, ",\"model\":\"loopscope-demo\",\"choices\":[{\"index\":0,\"delta\":");
  if (index < n_tokens)
    {
      g_string_append (out, "{\"content\":");
      append_json_string (out, g_ptr_array_index (stream->tokens, index));
      g_string_append (out, "},\"finish_reason\":null}]}\n\n");
    }
  else
    {
      g_string_append (out, "{},\"finish_reason\":\"stop\"}]}\n\n");
    }
}

static void
append_event (DemoStream *stream,
              GString    *out,
              guint64     index)
{
  guint64 id = stream->first_id + index;

  switch (stream->kind)
    {
    case STREAM_TICKS:
      append_sse_event (stream, out, "tick", id);
      break;

    case STREAM_FLAKY:
      append_sse_event (stream, out, "flaky", id);
      break;

    case STREAM_SLOW:
      append_sse_event (stream, out, "slow", id);
      break;

    case STREAM_BULK:
      append_bulk_event (stream, out, id);
      break;

    case STREAM_NDJSON:
      append_tick_object (stream, out, id);
      g_string_append_c (out, '\n');
      break;

    case STREAM_LLM:
      append_llm_chunk (stream, out, index);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Streams: server thread only */

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
stream_free (DemoStream *stream)
{
  LsDemoServer *self = stream->self;

  g_assert (g_main_context_is_owner (self->context));

  clear_source (&stream->timer);
  clear_source (&stream->drop_source);
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
                    DemoStream        *stream)
{
  /* The message is done (completed or failed): never touch its I/O again. */
  stream_free (stream);
}

static gboolean
stream_drop_cb (gpointer data)
{
  DemoStream *stream = data;
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

  stream_free (stream);

  return G_SOURCE_REMOVE;
}

static void
stream_schedule_drop (DemoStream *stream)
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
                       DemoStream        *stream)
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
stream_append_chunk (DemoStream *stream,
                     GString    *chunk)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize len = chunk->len;

  soup_message_body_append_take (body, (guchar *) g_string_free (chunk, FALSE), len);
  stream->queued_chunks++;
}

/* Appends whatever is due; completes the body after the last event. */
static void
stream_pump (DemoStream *stream)
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
              append_uint (chunk, stream->retry_ms);
              g_string_append (chunk, "\n\n");
            }
          stream->prelude_sent = TRUE;
        }

      while (stream->sent < due && chunk->len < CHUNK_TARGET)
        append_event (stream, chunk, stream->sent++);

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
      appended = TRUE;
    }
  else if (stream->every > 0 && stream->sent == stream->every)
    {
      stream->dropping = TRUE;
      clear_source (&stream->timer);
      if (stream->queued_chunks == 0)
        stream_schedule_drop (stream);
    }

  if (appended && !stream->in_handler)
    soup_server_message_unpause (stream->msg);
}

static void
stream_end_for_stop (DemoStream *stream)
{
  clear_source (&stream->timer);
  clear_source (&stream->drop_source);

  if (!stream->completing)
    {
      /* A clean end for the client: the terminating chunk. */
      soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
      stream->completing = TRUE;
      stream->dropping = FALSE;
      soup_server_message_unpause (stream->msg);
    }
}

static DemoStream *
stream_new (LsDemoServer      *self,
            SoupServerMessage *msg,
            StreamKind         kind,
            const char        *content_type)
{
  DemoStream *stream = g_new0 (DemoStream, 1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  stream->link.data = stream;
  stream->self = self;
  stream->msg = g_object_ref (msg);
  stream->kind = kind;
  stream->first_id = 1;
  stream->total = UNLIMITED;
  stream->start_us = g_get_monotonic_time ();
  /* libsoup looks the addresses up lazily and warns when it cannot: by the
   * time a stream is dropped or shut down the client may be gone already,
   * so look them up now, while the request has just arrived. */
  soup_server_message_get_remote_address (msg);
  soup_server_message_get_local_address (msg);
  g_queue_push_tail_link (&self->streams, &stream->link);
  g_atomic_int_add (&self->n_connections, 1);

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

static void
stream_set_size (DemoStream *stream,
                 gsize       size)
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
static void
stream_start (DemoStream *stream,
              double      events_per_second)
{
  LsDemoServer *self = stream->self;

  stream->events_per_us = events_per_second / G_USEC_PER_SEC;

  if (events_per_second > 0)
    {
      double period_ms = 1000.0 / events_per_second;
      guint interval_ms = (guint) CLAMP (period_ms + 0.999, 1.0, (double) MAX_INTERVAL_MS);

      stream->timer = g_timeout_source_new (interval_ms);
      g_source_set_callback (stream->timer, stream_timer_cb, stream, NULL);
      g_source_set_static_name (stream->timer, "[loopscope] demo stream pacing");
      g_source_attach (stream->timer, self->context);
    }

  stream->in_handler = TRUE;
  stream_pump (stream);
  stream->in_handler = FALSE;
}

/* Requests: server thread only */

static void
respond_text (SoupServerMessage *msg,
              guint              status,
              const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

static void
respond_bad_request (SoupServerMessage *msg,
                     const char        *reason)
{
  g_autofree char *line = g_strdup_printf ("%s\n", reason);

  respond_text (msg, SOUP_STATUS_BAD_REQUEST, line);
}

/* Reads an optional unsigned decimal parameter; FALSE (and a 400 sent)
 * when it is present but malformed or out of range. */
static gboolean
get_uint_param (SoupServerMessage *msg,
                GHashTable        *query,
                const char        *name,
                guint64            default_value,
                guint64            min,
                guint64            max,
                guint64           *out_value)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  *out_value = default_value;
  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, out_value, NULL))
    {
      g_autofree char *reason = g_strdup_printf ("bad parameter %s: expected an integer in %"
                                                 G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                                                 name, min, max);
      respond_bad_request (msg, reason);
      return FALSE;
    }

  return TRUE;
}

static guint64
get_first_id (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *last_event_id = soup_message_headers_get_one (headers, "Last-Event-ID");
  guint64 last = 0;

  /* A client may send back any id; ours are numbers, anything else restarts. */
  if (last_event_id == NULL ||
      !g_ascii_string_to_unsigned (last_event_id, 10, 0, MAX_LAST_EVENT_ID, &last, NULL))
    last = 0;

  return last + 1;
}

static gboolean
check_method (SoupServerMessage *msg,
              gboolean           allow_post)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET || (allow_post && method == SOUP_METHOD_POST))
    return TRUE;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Allow", allow_post ? "GET, POST" : "GET");
  respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
  return FALSE;
}

static const char index_text[] =
  "Loopscope demo server\n"
  "\n"
  "GET  /sse/ticks?rate=N&count=N&size=N&retry=MS  SSE ticks (rate events/s, default 10; 0 = as fast as possible)\n"
  "GET  /sse/bulk?count=N&size=N                    SSE as fast as possible, for benchmarks (default 1000000 x 100 bytes)\n"
  "GET  /ndjson?rate=N&count=N&size=N               NDJSON, one object per line\n"
  "POST /llm  {\"prompt\":\"...\",\"max_tokens\":N}     LLM-style token stream ending with data: [DONE]\n"
  "GET  /llm?prompt=...&max_tokens=N&interval_ms=N  the same, without a body\n"
  "GET  /sse/flaky?every=K&count=N&rate=N&retry=MS  SSE that drops the connection every K events (count = last id)\n"
  "GET  /slow?interval_ms=N&count=N                 one small SSE event per interval (default 1000 ms)\n"
  "\n"
  "SSE ids are 1, 2, 3... and resume after the Last-Event-ID request header.\n";

static void
handle_index (LsDemoServer      *self,
              SoupServerMessage *msg)
{
  if (!check_method (msg, FALSE))
    return;

  respond_text (msg, SOUP_STATUS_OK, index_text);
}

static void
handle_ticks (LsDemoServer      *self,
              SoupServerMessage *msg,
              GHashTable        *query,
              StreamKind         kind)
{
  guint64 rate, count, size, retry, interval_ms = 0;
  DemoStream *stream;
  double events_per_second;

  if (!check_method (msg, FALSE))
    return;

  if (!get_uint_param (msg, query, "count", UNLIMITED, 0, LS_DEMO_SERVER_MAX_COUNT, &count) ||
      !get_uint_param (msg, query, "size", kind == STREAM_BULK ? 100 : 16,
                       0, LS_DEMO_SERVER_MAX_SIZE, &size) ||
      !get_uint_param (msg, query, "retry", 0, 0, LS_DEMO_SERVER_MAX_COUNT, &retry))
    return;

  if (kind == STREAM_SLOW)
    {
      if (!get_uint_param (msg, query, "interval_ms", 1000, 1, MAX_INTERVAL_MS, &interval_ms))
        return;
      events_per_second = 1000.0 / (double) interval_ms;
      size = 0;
    }
  else if (kind == STREAM_BULK)
    {
      if (count == UNLIMITED)
        count = 1000000;
      events_per_second = 0;
    }
  else
    {
      if (!get_uint_param (msg, query, "rate", 10, 0, LS_DEMO_SERVER_MAX_RATE, &rate))
        return;
      events_per_second = (double) rate;
    }

  stream = stream_new (self, msg, kind,
                       kind == STREAM_NDJSON ? "application/x-ndjson" : "text/event-stream");
  stream_set_size (stream, size);
  stream->total = count;
  stream->retry_ms = kind == STREAM_NDJSON ? 0 : retry;
  if (kind != STREAM_NDJSON)
    stream->first_id = get_first_id (msg);
  stream_start (stream, events_per_second);
}

static void
handle_flaky (LsDemoServer      *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  guint64 every, last_id, rate, retry;
  DemoStream *stream;

  if (!check_method (msg, FALSE))
    return;

  if (!get_uint_param (msg, query, "every", 5, 1, LS_DEMO_SERVER_MAX_COUNT, &every) ||
      !get_uint_param (msg, query, "count", UNLIMITED, 0, LS_DEMO_SERVER_MAX_COUNT, &last_id) ||
      !get_uint_param (msg, query, "rate", 20, 0, LS_DEMO_SERVER_MAX_RATE, &rate) ||
      !get_uint_param (msg, query, "retry", 100, 0, LS_DEMO_SERVER_MAX_COUNT, &retry))
    return;

  stream = stream_new (self, msg, STREAM_FLAKY, "text/event-stream");
  stream_set_size (stream, 0);
  stream->first_id = get_first_id (msg);
  if (last_id != UNLIMITED)
    stream->total = last_id >= stream->first_id ? last_id - stream->first_id + 1 : 0;
  stream->every = every;
  stream->retry_ms = retry;
  stream_start (stream, (double) rate);
}

static void
respond_llm_error (SoupServerMessage *msg,
                   const char        *message)
{
  g_autoptr(GString) body = g_string_new ("{\"error\":{\"message\":");

  append_json_string (body, message);
  g_string_append (body, ",\"type\":\"invalid_request_error\"}}\n");
  soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body->str, body->len);
}

/* Reads prompt and max_tokens from a JSON body; FALSE (and a 400 sent) when
 * the body is not what /llm expects. */
static gboolean
parse_llm_body (SoupServerMessage  *msg,
                char              **prompt,
                guint64            *max_tokens)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonNode *node;
  gsize len = g_bytes_get_size (bytes);

  if (len == 0)
    return TRUE;

  if (len > MAX_REQUEST_BODY)
    {
      respond_llm_error (msg, "request body too large");
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) len, &error))
    {
      g_autofree char *message = g_strdup_printf ("malformed JSON body: %s", error->message);
      respond_llm_error (msg, message);
      return FALSE;
    }

  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      respond_llm_error (msg, "the body must be a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);

  node = json_object_get_member (object, "prompt");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          respond_llm_error (msg, "\"prompt\" must be a string");
          return FALSE;
        }
      g_free (*prompt);
      *prompt = g_strdup (json_node_get_string (node));
    }

  node = json_object_get_member (object, "max_tokens");
  if (node != NULL)
    {
      gint64 value;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          (value = json_node_get_int (node)) < 1 || value > MAX_LLM_TOKENS)
        {
          g_autofree char *message = g_strdup_printf ("\"max_tokens\" must be an integer in 1..%d",
                                                      MAX_LLM_TOKENS);
          respond_llm_error (msg, message);
          return FALSE;
        }
      *max_tokens = (guint64) value;
    }

  return TRUE;
}

static GPtrArray *
make_llm_tokens (const char *prompt,
                 guint       max_tokens)
{
  static const char *const answer[] = {
    " Streaming", " responses", " arrive", " one", " token", " at", " a", " time", ",",
    " each", " in", " its", " own", " server", "-sent", " event", ".", " Loopscope",
    " shows", " every", " chunk", " as", " it", " lands", ",", " and", " the", " loop",
    " that", " carried", " it", ".",
  };
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) words = NULL;
  guint i, n_words = 0;

  g_ptr_array_add (tokens, g_strdup ("You"));
  g_ptr_array_add (tokens, g_strdup (" said"));
  g_ptr_array_add (tokens, g_strdup (":"));

  words = g_strsplit_set (prompt, " \t\r\n", -1);
  for (i = 0; words[i] != NULL && n_words < 8; i++)
    {
      if (words[i][0] == '\0')
        continue;
      g_ptr_array_add (tokens, g_strconcat (" ", words[i], NULL));
      n_words++;
    }
  g_ptr_array_add (tokens, g_strdup ("."));

  for (i = 0; tokens->len < max_tokens; i++)
    g_ptr_array_add (tokens, g_strdup (answer[i % G_N_ELEMENTS (answer)]));

  g_ptr_array_set_size (tokens, max_tokens);

  return tokens;
}

static void
handle_llm (LsDemoServer      *self,
            SoupServerMessage *msg,
            GHashTable        *query)
{
  g_autofree char *prompt = NULL;
  guint64 max_tokens = 32, interval_ms;
  DemoStream *stream;
  const char *query_prompt;

  if (!check_method (msg, TRUE))
    return;

  if (!get_uint_param (msg, query, "max_tokens", 32, 1, MAX_LLM_TOKENS, &max_tokens) ||
      !get_uint_param (msg, query, "interval_ms", 15, 1, MAX_INTERVAL_MS, &interval_ms))
    return;

  query_prompt = query != NULL ? g_hash_table_lookup (query, "prompt") : NULL;
  prompt = g_utf8_make_valid (query_prompt != NULL ? query_prompt : "Hello", -1);

  if (soup_server_message_get_method (msg) == SOUP_METHOD_POST &&
      !parse_llm_body (msg, &prompt, &max_tokens))
    return;

  stream = stream_new (self, msg, STREAM_LLM, "text/event-stream");
  stream_set_size (stream, 0);
  stream->tokens = make_llm_tokens (prompt, (guint) max_tokens);
  stream->completion_id = g_strdup_printf ("chatcmpl-loopscope-%08x", g_random_int ());
  stream->created = g_get_real_time () / G_USEC_PER_SEC;
  /* The tokens, the "stop" chunk, then [DONE]. */
  stream->total = stream->tokens->len + 2;
  stream_start (stream, 1000.0 / (double) interval_ms);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  LsDemoServer *self = user_data;

  g_assert (g_main_context_is_owner (self->context));

  if (self->stopping)
    respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "the demo server is stopping\n");
  else if (g_str_equal (path, "/"))
    handle_index (self, msg);
  else if (g_str_equal (path, "/sse/ticks"))
    handle_ticks (self, msg, query, STREAM_TICKS);
  else if (g_str_equal (path, "/sse/bulk"))
    handle_ticks (self, msg, query, STREAM_BULK);
  else if (g_str_equal (path, "/ndjson"))
    handle_ticks (self, msg, query, STREAM_NDJSON);
  else if (g_str_equal (path, "/slow"))
    handle_ticks (self, msg, query, STREAM_SLOW);
  else if (g_str_equal (path, "/sse/flaky"))
    handle_flaky (self, msg, query);
  else if (g_str_equal (path, "/llm"))
    handle_llm (self, msg, query);
  else
    respond_text (msg, SOUP_STATUS_NOT_FOUND, "not found; GET / lists the endpoints\n");
}

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
  failed = self->state == STATE_FAILED;
  if (failed)
    error = g_error_copy (self->start_error);
  pthread_mutex_unlock (&self->mutex);

  if (task == NULL)
    return G_SOURCE_REMOVE;

  if (!failed && g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      failed = TRUE;
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
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
publish_start_outcome (LsDemoServer *self,
                       ServerState   state,
                       GError       *error,
                       const char   *base_uri,
                       guint16       port)
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
      stream_end_for_stop (l->data);
    }
  drain_context (self->context);

  soup_server_disconnect (self->server);
  drain_context (self->context);

  /* Whatever libsoup did not finish (a client that stopped reading). */
  for (l = self->streams.head; l != NULL; l = next)
    {
      next = l->next;
      stream_free (l->data);
    }

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
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);

  if (!soup_server_listen_local (self->server, self->requested_port,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_clear_object (&self->server);
      drain_context (self->context);
      g_main_context_pop_thread_default (self->context);
      publish_start_outcome (self, STATE_FAILED, g_steal_pointer (&error), NULL, 0);
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

  publish_start_outcome (self, STATE_RUNNING, NULL, base_uri, port);

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
                           "The demo server is already started");
      return FALSE;
    }

  g_assert (self->context == NULL);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->requested_port = port;
  self->state = STATE_STARTING;
  self->start_task = task != NULL ? g_object_ref (task) : NULL;

  thread = g_thread_try_new ("ls-demo-server", server_thread, self, error);
  if (thread == NULL)
    {
      self->state = STATE_IDLE;
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
  ServerState state;
  g_autoptr(GError) start_error = NULL;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!spawn_server_thread (self, port, NULL, error))
    return FALSE;

  deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  pthread_mutex_lock (&self->mutex);
  while (self->state == STATE_STARTING)
    {
      if (!cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  state = self->state;
  if (state == STATE_FAILED)
    start_error = g_error_copy (self->start_error);
  pthread_mutex_unlock (&self->mutex);

  if (state == STATE_RUNNING)
    return TRUE;

  ls_demo_server_stop (self);
  if (start_error != NULL)
    g_propagate_error (error, g_steal_pointer (&start_error));
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "The demo server did not start in time");
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
  self->state = STATE_IDLE;
  self->port = 0;
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_error (&self->start_error);
  pthread_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  if (pending_task != NULL)
    {
      g_task_return_new_error (pending_task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The demo server was stopped while starting");
      g_object_unref (pending_task);
    }
}

const char *
ls_demo_server_get_base_uri (LsDemoServer *self)
{
  const char *base_uri;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), NULL);

  pthread_mutex_lock (&self->mutex);
  base_uri = self->state == STATE_RUNNING ? self->base_uri : NULL;
  pthread_mutex_unlock (&self->mutex);

  return base_uri;
}

guint16
ls_demo_server_get_port (LsDemoServer *self)
{
  guint16 port;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), 0);

  pthread_mutex_lock (&self->mutex);
  port = self->state == STATE_RUNNING ? self->port : 0;
  pthread_mutex_unlock (&self->mutex);

  return port;
}

gboolean
ls_demo_server_is_running (LsDemoServer *self)
{
  gboolean running;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), FALSE);

  pthread_mutex_lock (&self->mutex);
  running = self->state == STATE_RUNNING;
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
  g_assert (g_hash_table_size (self->live_messages) == 0);

  g_clear_error (&self->start_error);
  g_free (self->base_uri);
  g_hash_table_unref (self->live_messages);
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
  self->live_messages = g_hash_table_new (NULL, NULL);
}

LsDemoServer *
ls_demo_server_new (void)
{
  return g_object_new (LS_TYPE_DEMO_SERVER, NULL);
}
