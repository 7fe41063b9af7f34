/* ls-demo-endpoints.c: the demo server's endpoints and what each one writes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The request handlers run on the server thread (ls-demo-server.c); each
 * streaming endpoint starts an LsDemoStream (ls-demo-stream.c) with the
 * function that formats its events.
 *
 * Endpoints (all parameters optional, unsigned decimal; a bad or out-of-range
 * value is a 400 with a one-line reason, an unknown path a 404):
 *
 *   GET /                 this list, as text/plain
 *   GET /sse/ticks        rate=N (events/s, default 10, 0 = as fast as
 *                         possible), count=N (default unlimited), size=N,
 *                         retry=MS (sends "retry: MS" first),
 *                         heartbeat_ms=N (a ": heartbeat" comment line
 *                         every N ms; also on /sse/bulk and /slow)
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
 *   POST /llm             body {"prompt":"…","max_tokens":N} (all members
 *                         optional; "messages":[…,{"content":"…"}] gives the
 *                         prompt too; style, interval_ms and first_token_ms
 *                         are read from the body as well),
 *   GET /llm              or prompt=…&max_tokens=N; interval_ms=N (default
 *                         15), first_token_ms=N (the first token that much
 *                         later, default 0), style=openai|anthropic (default
 *                         openai), auth=1 (then anything but the header
 *                         "Authorization: Bearer demo-key" is a 401 with an
 *                         OpenAI-style {"error":{…,"code":"invalid_api_key"}}
 *                         application/json body)
 *       openai:
 *       data: {"id":"chatcmpl-…","object":"chat.completion.chunk",…,
 *              "choices":[{"index":0,"delta":{"content":"tok"},…}]}\n\n
 *       then a chunk with "finish_reason":"stop", then data: [DONE]\n\n.
 *       anthropic (the Messages API's streaming shape):
 *       event: message_start, content_block_start and ping at once, then
 *       event: content_block_delta\ndata: {…,"delta":{"type":"text_delta",
 *       "text":"tok"}}\n\n per token, then content_block_stop,
 *       message_delta ("stop_reason":"end_turn") and message_stop.
 *       A GET's last event ([DONE], message_stop) has `id: done`, and a
 *       GET with Last-Event-ID: done is answered 204 No Content: the
 *       EventSource way to end what would otherwise be generated again on
 *       every reconnect. A POST is the real APIs' shape, without ids (it
 *       does not reconnect).
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
 *   ANY /replay/N         speed=X (0.1..100 or max; default: as added): a
 *                         capture added with ls_demo_server_add_replay(),
 *                         served again (ls-demo-replay.c).
 *
 * Every SSE endpoint numbers its events 1, 2, 3… and resumes after the
 * request's Last-Event-ID (next id = last + 1; a non-numeric one is ignored).
 * For the SSE endpoints count is the last id, so a reconnecting client gets
 * every id exactly once, and a request resuming past it is answered 204 No
 * Content (the SSE way to say "done"): finite streams end by themselves.
 * For ndjson, count is the number of lines in the response.
 */

#define G_LOG_DOMAIN "ls-demo-server"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "ls-demo-server-private.h"

#define MAX_REQUEST_BODY      (1024 * 1024)
#define MAX_LLM_TOKENS        4096
#define MAX_LAST_EVENT_ID     G_GUINT64_CONSTANT (1000000000000000)
#define LLM_DONE_ID           "done"

/* The endpoints handle_ticks() serves: they differ in defaults and format. */
typedef enum
{
  STREAM_TICKS,
  STREAM_BULK,
  STREAM_NDJSON,
  STREAM_SLOW,
} TickKind;

/* Formatting */

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
append_tick_object (LsDemoStream *stream,
                    GString      *out,
                    guint64       n)
{
  guint64 now_ms = (guint64) (g_get_real_time () / 1000);
  gsize unpadded = 20 + count_digits (n) + count_digits (now_ms);
  gsize pad = stream->size > unpadded ? stream->size - unpadded : 0;

  g_string_append (out, "{\"n\":");
  ls_demo_append_uint (out, n);
  g_string_append (out, ",\"t\":");
  ls_demo_append_uint (out, now_ms);
  g_string_append (out, ",\"pad\":\"");
  g_string_append_len (out, stream->pad, pad);
  g_string_append (out, "\"}");
}

static void
append_sse_event (LsDemoStream *stream,
                  GString      *out,
                  const char   *event_type,
                  guint64       id)
{
  g_string_append (out, "id: ");
  ls_demo_append_uint (out, id);
  g_string_append (out, "\nevent: ");
  g_string_append (out, event_type);
  g_string_append (out, "\ndata: ");
  append_tick_object (stream, out, id);
  g_string_append (out, "\n\n");
}

static void
append_bulk_event (LsDemoStream *stream,
                   GString      *out,
                   guint64       index)
{
  guint64 id = stream->first_id + index;
  guint digits = count_digits (id);

  g_string_append (out, "id: ");
  ls_demo_append_uint (out, id);
  g_string_append (out, "\ndata: ");
  if (stream->size > digits)
    {
      ls_demo_append_uint (out, id);
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
append_llm_chunk (LsDemoStream *stream,
                  GString      *out,
                  guint64       index)
{
  guint n_tokens = stream->tokens->len;

  if (index > n_tokens)
    {
      if (stream->done_id)
        g_string_append (out, "id: " LLM_DONE_ID "\n");
      g_string_append (out, "data: [DONE]\n\n");
      return;
    }

  g_string_append (out, "data: {\"id\":");
  append_json_string (out, stream->completion_id);
  g_string_append (out, ",\"object\":\"chat.completion.chunk\",\"created\":");
  ls_demo_append_uint (out, (guint64) stream->created);
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

/* The Anthropic Messages streaming shape: event 0 opens the message and
 * its text block, events 1..N are the tokens, the last closes both. */
static void
append_anthropic_event (LsDemoStream *stream,
                        GString      *out,
                        guint64       index)
{
  guint n_tokens = stream->tokens->len;

  if (index == 0)
    {
      g_string_append (out, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":");
      append_json_string (out, stream->completion_id);
      g_string_append (out, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"loopscope-demo\","
                            "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                            "\"usage\":{\"input_tokens\":");
      ls_demo_append_uint (out, stream->prompt_words);
      g_string_append (out, ",\"output_tokens\":1}}}\n\n"
                            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                            "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                            "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    }
  else if (index <= n_tokens)
    {
      g_string_append (out, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                            "\"delta\":{\"type\":\"text_delta\",\"text\":");
      append_json_string (out, g_ptr_array_index (stream->tokens, index - 1));
      g_string_append (out, "}}\n\n");
    }
  else
    {
      g_string_append (out, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                            "event: message_delta\ndata: {\"type\":\"message_delta\","
                            "\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                            "\"usage\":{\"output_tokens\":");
      ls_demo_append_uint (out, n_tokens);
      g_string_append (out, "}}\n\n");
      if (stream->done_id)
        g_string_append (out, "id: " LLM_DONE_ID "\n");
      g_string_append (out, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }
}

static void
append_tick_event (LsDemoStream *stream,
                   GString      *out,
                   guint64       index)
{
  append_sse_event (stream, out, "tick", stream->first_id + index);
}

static void
append_flaky_event (LsDemoStream *stream,
                    GString      *out,
                    guint64       index)
{
  append_sse_event (stream, out, "flaky", stream->first_id + index);
}

static void
append_slow_event (LsDemoStream *stream,
                   GString      *out,
                   guint64       index)
{
  append_sse_event (stream, out, "slow", stream->first_id + index);
}

static void
append_ndjson_line (LsDemoStream *stream,
                    GString      *out,
                    guint64       index)
{
  append_tick_object (stream, out, stream->first_id + index);
  g_string_append_c (out, '\n');
}

static LsDemoAppendEvent
tick_appender (TickKind kind)
{
  switch (kind)
    {
    case STREAM_TICKS:
      return append_tick_event;
    case STREAM_BULK:
      return append_bulk_event;
    case STREAM_NDJSON:
      return append_ndjson_line;
    case STREAM_SLOW:
      return append_slow_event;
    default:
      g_assert_not_reached ();
    }
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

/* The SSE way to say "done, do not reconnect": what a client resuming
 * past the last event gets. */
static void
respond_no_content (SoupServerMessage *msg)
{
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
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
  "GET  /llm?prompt=...&max_tokens=N&interval_ms=N  the same, without a body; its last event has id: done\n"
  "                                                 (a reconnect with Last-Event-ID: done gets 204)\n"
  "     /llm?style=anthropic                         Anthropic Messages events instead (default style=openai)\n"
  "     /llm?first_token_ms=N                        the first token N ms late\n"
  "     /llm?auth=1                                  401 unless \"Authorization: Bearer demo-key\"\n"
  "GET  /sse/flaky?every=K&count=N&rate=N&retry=MS  SSE that drops the connection every K events (count = last id)\n"
  "GET  /slow?interval_ms=N&count=N                 one small SSE event per interval (default 1000 ms)\n"
  "     (the SSE endpoints take heartbeat_ms=N: a \": heartbeat\" comment line every N ms)\n"
  "ANY  /replay/N?speed=X                          a capture served again (loopscope --replay FILE)\n"
  "\n"
  "SSE ids are 1, 2, 3... and resume after the Last-Event-ID request header; for SSE, count is\n"
  "the last id, and a request resuming past it gets 204 No Content (done, do not reconnect).\n";

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
              TickKind           kind)
{
  guint64 rate, count, size, retry, interval_ms = 0, first_id, heartbeat_ms = 0;
  LsDemoStream *stream;
  double events_per_second;

  if (!check_method (msg, FALSE))
    return;

  if (!get_uint_param (msg, query, "count", LS_DEMO_UNLIMITED, 0, LS_DEMO_SERVER_MAX_COUNT, &count) ||
      !get_uint_param (msg, query, "size", kind == STREAM_BULK ? 100 : 16,
                       0, LS_DEMO_SERVER_MAX_SIZE, &size) ||
      !get_uint_param (msg, query, "retry", 0, 0, LS_DEMO_SERVER_MAX_COUNT, &retry) ||
      (kind != STREAM_NDJSON &&
       !get_uint_param (msg, query, "heartbeat_ms", 0, 0, LS_DEMO_MAX_INTERVAL_MS, &heartbeat_ms)))
    return;

  if (kind == STREAM_SLOW)
    {
      if (!get_uint_param (msg, query, "interval_ms", 1000, 1, LS_DEMO_MAX_INTERVAL_MS, &interval_ms))
        return;
      events_per_second = 1000.0 / (double) interval_ms;
      size = 0;
    }
  else if (kind == STREAM_BULK)
    {
      if (count == LS_DEMO_UNLIMITED)
        count = 1000000;
      events_per_second = 0;
    }
  else
    {
      if (!get_uint_param (msg, query, "rate", 10, 0, LS_DEMO_SERVER_MAX_RATE, &rate))
        return;
      events_per_second = (double) rate;
    }

  /* SSE: count is the last id, so a resuming client gets each id once
   * and is told "done" once it has them all. */
  first_id = kind == STREAM_NDJSON ? 1 : get_first_id (msg);
  if (count != LS_DEMO_UNLIMITED && first_id > count && kind != STREAM_NDJSON)
    {
      respond_no_content (msg);
      return;
    }

  stream = ls_demo_stream_new (self, msg,
                               kind == STREAM_NDJSON ? "application/x-ndjson" : "text/event-stream",
                               tick_appender (kind));
  ls_demo_stream_set_size (stream, size);
  stream->total = count != LS_DEMO_UNLIMITED ? count - first_id + 1 : count;
  stream->retry_ms = kind == STREAM_NDJSON ? 0 : retry;
  if (kind != STREAM_NDJSON)
    stream->first_id = first_id;
  ls_demo_stream_set_heartbeat (stream, (guint) heartbeat_ms);
  ls_demo_stream_start (stream, events_per_second);
}

static void
handle_flaky (LsDemoServer      *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  guint64 every, last_id, rate, retry, first_id;
  LsDemoStream *stream;

  if (!check_method (msg, FALSE))
    return;

  if (!get_uint_param (msg, query, "every", 5, 1, LS_DEMO_SERVER_MAX_COUNT, &every) ||
      !get_uint_param (msg, query, "count", LS_DEMO_UNLIMITED, 0, LS_DEMO_SERVER_MAX_COUNT, &last_id) ||
      !get_uint_param (msg, query, "rate", 20, 0, LS_DEMO_SERVER_MAX_RATE, &rate) ||
      !get_uint_param (msg, query, "retry", 100, 0, LS_DEMO_SERVER_MAX_COUNT, &retry))
    return;

  first_id = get_first_id (msg);
  if (last_id != LS_DEMO_UNLIMITED && first_id > last_id)
    {
      respond_no_content (msg);
      return;
    }
  stream = ls_demo_stream_new (self, msg, "text/event-stream", append_flaky_event);
  ls_demo_stream_set_size (stream, 0);
  stream->first_id = first_id;
  if (last_id != LS_DEMO_UNLIMITED)
    stream->total = last_id - first_id + 1;
  stream->every = every;
  stream->retry_ms = retry;
  ls_demo_stream_start (stream, (double) rate);
}

/* An OpenAI-style error body: {"error":{"message":…,"type":…[,"code":…]}}. */
static void
respond_llm_error_full (SoupServerMessage *msg,
                        guint              status,
                        const char        *message,
                        const char        *code)
{
  g_autoptr(GString) body = g_string_new ("{\"error\":{\"message\":");

  append_json_string (body, message);
  g_string_append (body, ",\"type\":\"invalid_request_error\"");
  if (code != NULL)
    {
      g_string_append (body, ",\"code\":");
      append_json_string (body, code);
    }
  g_string_append (body, "}}\n");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body->str, body->len);
}

static void
respond_llm_error (SoupServerMessage *msg,
                   const char        *message)
{
  respond_llm_error_full (msg, SOUP_STATUS_BAD_REQUEST, message, NULL);
}

/* What one /llm request asks for, from the query and then the body. */
typedef struct
{
  char     *prompt;
  guint64   max_tokens;
  guint64   interval_ms;
  guint64   first_token_ms;
  gboolean  anthropic;
} LlmRequest;

static gboolean
parse_llm_style (const char *style,
                 gboolean   *anthropic)
{
  if (g_strcmp0 (style, "openai") == 0)
    *anthropic = FALSE;
  else if (g_strcmp0 (style, "anthropic") == 0)
    *anthropic = TRUE;
  else
    return FALSE;
  return TRUE;
}

/* An optional integer member of the body in min..max; FALSE (and a 400
 * sent) when it is present and anything else. */
static gboolean
get_body_uint (SoupServerMessage *msg,
               JsonObject        *object,
               const char        *name,
               guint64            min,
               guint64            max,
               guint64           *out_value)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      (value = json_node_get_int (node)) < (gint64) min || (guint64) value > max)
    {
      g_autofree char *message = g_strdup_printf ("\"%s\" must be an integer in %" G_GUINT64_FORMAT
                                                  "..%" G_GUINT64_FORMAT, name, min, max);
      respond_llm_error (msg, message);
      return FALSE;
    }
  *out_value = (guint64) value;
  return TRUE;
}

/* The prompt of a chat-style body: the last message's string content. */
static const char *
get_last_message (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "messages");
  JsonArray *messages;
  guint n;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  messages = json_node_get_array (node);
  n = json_array_get_length (messages);
  for (guint i = n; i > 0; i--)
    {
      JsonNode *element = json_array_get_element (messages, i - 1);
      JsonNode *content;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      content = json_object_get_member (json_node_get_object (element), "content");
      if (content != NULL && JSON_NODE_HOLDS_VALUE (content) && json_node_get_value_type (content) == G_TYPE_STRING)
        return json_node_get_string (content);
    }
  return NULL;
}

/* Reads the request's members from a JSON body (prompt or messages,
 * max_tokens, style, interval_ms, first_token_ms); FALSE (and a 400 sent)
 * when the body is not what /llm expects. */
static gboolean
parse_llm_body (SoupServerMessage *msg,
                LlmRequest        *request)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonNode *node;
  const char *last_message;
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

  last_message = get_last_message (object);
  if (last_message != NULL)
    {
      g_free (request->prompt);
      request->prompt = g_utf8_make_valid (last_message, -1);
    }

  node = json_object_get_member (object, "prompt");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          respond_llm_error (msg, "\"prompt\" must be a string");
          return FALSE;
        }
      g_free (request->prompt);
      request->prompt = g_utf8_make_valid (json_node_get_string (node), -1);
    }

  node = json_object_get_member (object, "style");
  if (node != NULL &&
      (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
       !parse_llm_style (json_node_get_string (node), &request->anthropic)))
    {
      respond_llm_error (msg, "\"style\" must be \"openai\" or \"anthropic\"");
      return FALSE;
    }

  return get_body_uint (msg, object, "max_tokens", 1, MAX_LLM_TOKENS, &request->max_tokens) &&
         get_body_uint (msg, object, "interval_ms", 1, LS_DEMO_MAX_INTERVAL_MS, &request->interval_ms) &&
         get_body_uint (msg, object, "first_token_ms", 0, LS_DEMO_MAX_INTERVAL_MS, &request->first_token_ms);
}

static GPtrArray *
make_llm_tokens (const char *prompt,
                 guint       max_tokens,
                 guint64    *n_prompt_words)
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
  for (*n_prompt_words = n_words; words[i] != NULL; i++)
    *n_prompt_words += words[i][0] != '\0';

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
  LlmRequest request = { NULL, 32, 15, 0, FALSE };
  g_autofree char *prompt = NULL;
  guint64 auth;
  LsDemoStream *stream;
  const char *query_prompt, *style;

  if (!check_method (msg, TRUE))
    return;

  if (!get_uint_param (msg, query, "max_tokens", 32, 1, MAX_LLM_TOKENS, &request.max_tokens) ||
      !get_uint_param (msg, query, "interval_ms", 15, 1, LS_DEMO_MAX_INTERVAL_MS, &request.interval_ms) ||
      !get_uint_param (msg, query, "first_token_ms", 0, 0, LS_DEMO_MAX_INTERVAL_MS, &request.first_token_ms) ||
      !get_uint_param (msg, query, "auth", 0, 0, 1, &auth))
    return;

  style = query != NULL ? g_hash_table_lookup (query, "style") : NULL;
  if (style != NULL && !parse_llm_style (style, &request.anthropic))
    {
      respond_bad_request (msg, "bad parameter style: expected openai or anthropic");
      return;
    }

  /* As the real APIs do: the key first, before looking at the request. */
  if (auth != 0)
    {
      const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                "Authorization");

      if (g_strcmp0 (authorization, "Bearer " LS_DEMO_LLM_KEY) != 0)
        {
          respond_llm_error_full (msg, SOUP_STATUS_UNAUTHORIZED, "Incorrect API key provided.",
                                  "invalid_api_key");
          return;
        }
    }

  /* A GET that had the whole answer reconnects with the last id: done. */
  if (soup_server_message_get_method (msg) == SOUP_METHOD_GET &&
      g_strcmp0 (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Last-Event-ID"),
                 LLM_DONE_ID) == 0)
    {
      respond_no_content (msg);
      return;
    }

  query_prompt = query != NULL ? g_hash_table_lookup (query, "prompt") : NULL;
  request.prompt = g_utf8_make_valid (query_prompt != NULL ? query_prompt : "Hello", -1);
  prompt = request.prompt;

  if (soup_server_message_get_method (msg) == SOUP_METHOD_POST)
    {
      gboolean ok = parse_llm_body (msg, &request);

      /* The body may have replaced the prompt. */
      prompt = request.prompt;
      if (!ok)
        return;
    }

  stream = ls_demo_stream_new (self, msg, "text/event-stream",
                               request.anthropic ? append_anthropic_event : append_llm_chunk);
  ls_demo_stream_set_size (stream, 0);
  stream->done_id = soup_server_message_get_method (msg) == SOUP_METHOD_GET;
  stream->tokens = make_llm_tokens (prompt, (guint) request.max_tokens, &stream->prompt_words);
  stream->completion_id = g_strdup_printf (request.anthropic ? "msg_loopscope_%08x" : "chatcmpl-loopscope-%08x",
                                           g_random_int ());
  stream->created = g_get_real_time () / G_USEC_PER_SEC;
  /* OpenAI: the tokens, the "stop" chunk, then [DONE]. Anthropic: the
   * opening events, the tokens, the closing events. */
  stream->total = stream->tokens->len + 2;
  /* The first token comes first_token_ms late; for Anthropic the opening
   * events still come at once, as the real API sends them. */
  stream->hold_index = request.anthropic ? 1 : 0;
  stream->hold_us = (gint64) request.first_token_ms * 1000;
  ls_demo_stream_start (stream, 1000.0 / (double) request.interval_ms);
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
  else if (g_str_has_prefix (path, "/replay/"))
    ls_demo_replay_handle (self, msg, path, query);
  else
    respond_text (msg, SOUP_STATUS_NOT_FOUND, "not found; GET / lists the endpoints\n");
}

void
ls_demo_endpoints_register (LsDemoServer *self,
                            SoupServer   *server)
{
  soup_server_add_handler (server, NULL, server_callback, self, NULL);
}
