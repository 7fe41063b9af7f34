/* test-replay.c: a capture served again by the demo server gives the same stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Captures written by hand (known reads, times and chunk boundaries, an
 * event split across two reads) and captured from the real demo server by
 * `loopscope --headless --capture`, replayed by a real demo server on
 * 127.0.0.1 to a real LsStream (recording its reads) or to the headless
 * runner: the same events in the same order, the same bytes per
 * connection, exactly the original chunks written (the server's chunk
 * log: where the client's reads are cut is the transport's), none before
 * its time, the original status and headers less the
 * framing ones, Last-Event-ID resumed right after that event, 204 after
 * the last connection; captures that cannot be replayed refused with their
 * reason. No upper time bound anywhere: bench-replay measures the gaps.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ls-capture.h"
#include "ls-demo-server-private.h"
#include "ls-replay.h"
#include "ls-sse-parser.h"
#include "ls-test-utils.h"

static char *tmpdir;

static void
string_free (gpointer string)
{
  g_string_free (string, TRUE);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ---- a capture written by hand ---- */

typedef struct
{
  GString     *text;
  LsSseParser *parser;
  guint64      seq;
  guint32      connection;
  double       t_ms;           /* of the current line */
  GPtrArray   *events;         /* "type|id|data" of every event, in order */
  GPtrArray   *bodies;         /* GString per connection: its bytes */
  GPtrArray   *chunks;         /* GBytes per read, in order */
  GArray      *offsets;        /* gint64 µs per read: since its response */
  GArray      *read_connections; /* guint32 per read */
  double       response_ms;
} Builder;

static void
builder_event_cb (const LsSseEvent *event,
                  gpointer          user_data)
{
  Builder *b = user_data;
  g_autoptr(JsonBuilder) json = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "seq");
  json_builder_add_int_value (json, (gint64) b->seq++);
  json_builder_set_member_name (json, "t");
  json_builder_add_double_value (json, b->t_ms);
  json_builder_set_member_name (json, "kind");
  json_builder_add_string_value (json, "event");
  json_builder_set_member_name (json, "connection");
  json_builder_add_int_value (json, b->connection);
  json_builder_set_member_name (json, "type");
  json_builder_add_string_value (json, event->type);
  json_builder_set_member_name (json, "id");
  json_builder_add_string_value (json, event->id);
  json_builder_set_member_name (json, "data");
  json_builder_add_string_value (json, event->data);
  json_builder_end_object (json);
  root = json_builder_get_root (json);
  json_generator_set_root (gen, root);
  line = json_generator_to_data (gen, NULL);
  g_string_append_printf (b->text, "%s\n", line);
  g_ptr_array_add (b->events, g_strdup_printf ("%s|%s|%s", event->type, event->id, event->data));
}

static void
builder_init (Builder *b)
{
  memset (b, 0, sizeof *b);
  b->text = g_string_new ("{\"format\":\"loopscope-capture\",\"version\":1,\"started_unix_us\":1740830400000000,"
                          "\"request\":{\"method\":\"GET\",\"url\":\"http://127.0.0.1:9/sse\",\"format\":\"auto\","
                          "\"headers\":[]}}\n");
  b->parser = ls_sse_parser_new (builder_event_cb, b);
  b->events = g_ptr_array_new_with_free_func (g_free);
  b->bodies = g_ptr_array_new_with_free_func (string_free);
  b->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  b->offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  b->read_connections = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static void
builder_clear (Builder *b)
{
  g_string_free (b->text, TRUE);
  ls_sse_parser_free (b->parser);
  g_ptr_array_unref (b->events);
  g_ptr_array_unref (b->bodies);
  g_ptr_array_unref (b->chunks);
  g_array_unref (b->offsets);
  g_array_unref (b->read_connections);
}

/* A connection and its response: 200 text/event-stream, with a header
 * to be kept and framing headers to be dropped. */
static void
builder_connection (Builder *b,
                    double   t_ms)
{
  b->connection++;
  ls_sse_parser_end_stream (b->parser);
  g_string_append_printf (b->text, "{\"kind\":\"connect\",\"t\":%.3f,\"connection\":%u}\n", t_ms, b->connection);
  g_string_append_printf (b->text, "{\"kind\":\"response\",\"t\":%.3f,\"connection\":%u,\"http_version\":\"HTTP/1.1\","
                          "\"status\":200,\"reason\":\"OK\",\"headers_ms\":1,\"headers\":["
                          "{\"name\":\"Content-Type\",\"value\":\"text/event-stream\"},"
                          "{\"name\":\"X-Replay-Test\",\"value\":\"connection %u\"},"
                          "{\"name\":\"Content-Length\",\"value\":\"99999\"},"
                          "{\"name\":\"Content-Encoding\",\"value\":\"gzip\"},"
                          "{\"name\":\"Connection\",\"value\":\"close\"}]}\n",
                          t_ms + 1, b->connection, b->connection);
  g_string_append_printf (b->text, "{\"seq\":%" G_GUINT64_FORMAT ",\"t\":%.3f,\"kind\":\"open\",\"connection\":%u,"
                          "\"message\":\"HTTP 200, text/event-stream (sse)\"}\n", b->seq++, t_ms + 1, b->connection);
  b->response_ms = t_ms + 1;
  g_ptr_array_add (b->bodies, g_string_new (NULL));
}

/* One read: its line, then the events it dispatches. */
static void
builder_read (Builder    *b,
              double      t_ms,
              const char *bytes)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) bytes, strlen (bytes));
  gint64 offset = (gint64) ((t_ms - b->response_ms) * 1000 + 0.5);

  b->t_ms = t_ms;
  g_string_append_printf (b->text, "{\"kind\":\"read\",\"t\":%.3f,\"connection\":%u,\"size\":%zu,\"data_b64\":\"%s\"}\n",
                          t_ms, b->connection, strlen (bytes), b64);
  g_assert_true (ls_sse_parser_feed (b->parser, (const guint8 *) bytes, strlen (bytes), NULL));
  g_string_append (g_ptr_array_index (b->bodies, b->connection - 1), bytes);
  g_ptr_array_add (b->chunks, g_bytes_new (bytes, strlen (bytes)));
  g_array_append_val (b->offsets, offset);
  g_array_append_val (b->read_connections, b->connection);
}

static char *
builder_write (Builder    *b,
               const char *name)
{
  char *path = tmp_path (name);
  LsStreamStats stats = { 0 };
  g_autofree char *figures = ls_capture_figures_line (LS_STREAM_ENDED, LS_STREAM_END_NO_CONTENT, "", &stats, 0, 0);

  g_string_append_printf (b->text, "%s\n", figures);
  g_assert_true (g_file_set_contents (path, b->text->str, (gssize) b->text->len, NULL));
  return path;
}

/* Two connections; event 2 split across reads 2 and 3, a comment and a
 * retry field, gaps of tens of milliseconds. */
static char *
make_hand_capture (Builder *b)
{
  builder_init (b);
  builder_connection (b, 0);
  builder_read (b, 3, "retry: 40\n\nid: 1\nevent: tick\ndata: a\n\n");
  builder_read (b, 33, "id: 2\ndata: b");
  builder_read (b, 63, "b\n\n: note\n\nid: 3\ndata: c\n\n");
  builder_connection (b, 120);
  builder_read (b, 122, "id: 4\ndata: d\n\nid: 5\n");
  builder_read (b, 162, "data: e\n\n");
  return builder_write (b, "hand.jsonl");
}

/* ---- the client ---- */

typedef struct
{
  LsTestStreams  s;
  LsDemoServer  *server;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ls_test_streams_setup (&f->s, data);
  f->server = ls_test_demo_server_start ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ls_test_demo_server_stop (f->server);
  ls_test_streams_teardown (&f->s, data);
}

typedef struct
{
  GPtrArray *events;   /* "type|id|data" */
  guint      opens;
} Seen;

static gboolean
collect_cb (const LsEventView *view,
            gpointer           user_data)
{
  Seen *seen = user_data;

  if (view->kind == LS_EVENT_KIND_EVENT)
    g_ptr_array_add (seen->events, g_strdup_printf ("%s|%s|%s", view->type, view->id, view->data));
  else if (view->kind == LS_EVENT_KIND_OPEN)
    seen->opens++;
  return TRUE;
}

/* Streams @path of @f's server to its end; returns the stream (final). */
static LsStream *
stream_replay (Fixture    *f,
               const char *path,
               const char *last_event_id)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (f->server), path, NULL);
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  LsStream *stream;

  options->record_reads = TRUE;
  options->reconnect_ms = 50;
  options->last_event_id = g_strdup (last_event_id);
  stream = ls_test_streams_start (&f->s, options);
  ls_test_wait_final (stream);
  return stream;
}

static void
assert_same_strings (GPtrArray *a,
                     GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a, i), ==, g_ptr_array_index (b, i));
}

/* The client's reads: per connection, they concatenate to the original
 * body. Where they are cut is not asserted: that is the transport's (a
 * late reader gets two chunks at once, and one chunk now and then comes
 * in two reads, as bench-replay shows); the server's chunk log proves
 * what was written. */
static void
assert_client_reads (LsStream  *stream,
                     GPtrArray *bodies)
{
  g_autoptr(GArray) entries = ls_read_log_entries_new ();
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (string_free);

  ls_read_log_copy_since (ls_stream_get_read_log (stream), 0, entries);
  for (guint i = 0; i < entries->len; i++)
    {
      const LsReadLogEntry *entry = &g_array_index (entries, LsReadLogEntry, i);
      GString *body;

      if (entry->kind == LS_READ_LOG_RESPONSE)
        {
          g_autofree char *expected = g_strdup_printf ("connection %u", got->len + 1);

          /* After the last connection: 204, which ends the stream. */
          if (entry->response->status == 204)
            {
              g_assert_cmpuint (got->len, ==, bodies->len);
              continue;
            }
          g_assert_cmpuint (entry->response->status, ==, 200);
          g_assert_cmpstr (ls_stream_response_get_header (entry->response, "X-Replay-Test"), ==, expected);
          g_assert_cmpstr (ls_stream_response_get_header (entry->response, "Content-Type"), ==, "text/event-stream");
          g_assert_null (ls_stream_response_get_header (entry->response, "Content-Length"));
          g_assert_null (ls_stream_response_get_header (entry->response, "Content-Encoding"));
          g_ptr_array_add (got, g_string_new (NULL));
          continue;
        }
      if (entry->kind != LS_READ_LOG_READ)
        continue;
      g_assert_cmpuint (entry->connection, ==, got->len);
      body = g_ptr_array_index (got, got->len - 1);
      g_string_append_len (body, g_bytes_get_data (entry->data, NULL), (gssize) entry->size);
    }

  g_assert_cmpuint (got->len, ==, bodies->len);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpstr (((GString *) g_ptr_array_index (got, i))->str, ==,
                     ((GString *) g_ptr_array_index (bodies, i))->str);
}

/* The server wrote exactly the original reads, one chunk each, in order,
 * none before its time (offset / speed). */
static void
assert_server_chunks (LsDemoServer *server,
                      const char   *path,
                      Builder      *b,
                      double        speed)
{
  g_autoptr(GArray) log = ls_demo_server_get_replay_chunks (server, path);
  guint32 last_connection = 0;
  guint read = 0;

  g_assert_nonnull (log);
  g_assert_cmpuint (log->len, ==, b->chunks->len);
  for (guint i = 0; i < log->len; i++)
    {
      const LsDemoReplayChunk *chunk = &g_array_index (log, LsDemoReplayChunk, i);
      gint64 offset = g_array_index (b->offsets, gint64, i);
      gint64 due = speed == LS_REPLAY_SPEED_MAX ? 0 : (gint64) ((double) offset / speed);

      if (chunk->connection != last_connection)
        read = 0;
      last_connection = chunk->connection;
      g_assert_cmpuint (chunk->connection, ==, g_array_index (b->read_connections, guint32, i));
      g_assert_cmpuint (chunk->read, ==, read++);
      g_assert_cmpuint (chunk->offset, ==, 0);
      g_assert_cmpuint (chunk->size, ==, g_bytes_get_size (g_ptr_array_index (b->chunks, i)));
      /* A microsecond of rounding in the division at most. */
      g_assert_cmpint (chunk->due_us, >=, due - 1);
      g_assert_cmpint (chunk->due_us, <=, due + 1);
      /* Never early. */
      g_assert_cmpint (chunk->queued_us, >=, chunk->due_us);
      g_assert_cmpint (chunk->written_us, >=, chunk->queued_us);
    }
}

static void
check_hand_replay (Fixture *f,
                   double   speed)
{
  Builder b;
  g_autofree char *capture_path = make_hand_capture (&b);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsReplay) replay = ls_replay_new_for_file (capture_path, &error);
  g_autofree char *path = NULL;
  g_autoptr(LsStream) stream = NULL;
  Seen seen = { g_ptr_array_new_with_free_func (g_free), 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (ls_replay_get_n_connections (replay), ==, 2);
  g_assert_cmpuint (ls_replay_get_n_reads (replay), ==, 5);
  g_assert_null (ls_replay_get_warning (replay));

  path = ls_demo_server_add_replay (f->server, replay, speed);
  g_assert_cmpstr (path, ==, "/replay/1");
  stream = stream_replay (f, path, NULL);

  /* Two connections, then 204: EventSource's stop. */
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_NO_CONTENT);
  ls_test_foreach_of_stream (f->s.store, ls_stream_get_id (stream), collect_cb, &seen);
  g_assert_cmpuint (seen.opens, ==, 2);
  g_assert_cmpuint (seen.events->len, ==, 5);
  assert_same_strings (seen.events, b.events);
  assert_client_reads (stream, b.bodies);
  assert_server_chunks (f->server, path, &b, speed);

  g_ptr_array_unref (seen.events);
  builder_clear (&b);
}

static void
test_hand (Fixture       *f,
           gconstpointer  data)
{
  check_hand_replay (f, 1.0);
}

static void
test_hand_fast (Fixture       *f,
                gconstpointer  data)
{
  check_hand_replay (f, 4.0);
}

static void
test_hand_max (Fixture       *f,
               gconstpointer  data)
{
  check_hand_replay (f, LS_REPLAY_SPEED_MAX);
}

/* ?speed=X overrides the replay's speed for that request. */
static void
test_speed_query (Fixture       *f,
                  gconstpointer  data)
{
  Builder b;
  g_autofree char *capture_path = make_hand_capture (&b);
  g_autoptr(LsReplay) replay = ls_replay_new_for_file (capture_path, NULL);
  g_autofree char *path = ls_demo_server_add_replay (f->server, replay, 1.0);
  g_autofree char *fast = g_strconcat (path, "?speed=max", NULL);
  g_autofree char *bad = g_strconcat (path, "?speed=1000", NULL);
  g_autoptr(LsStream) stream = stream_replay (f, fast, NULL);
  g_autoptr(LsStream) refused = stream_replay (f, bad, NULL);
  g_autoptr(GArray) log = ls_demo_server_get_replay_chunks (f->server, path);

  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_NO_CONTENT);
  g_assert_cmpuint (log->len, ==, b.chunks->len);
  for (guint i = 0; i < log->len; i++)
    g_assert_cmpint (g_array_index (log, LsDemoReplayChunk, i).due_us, ==, 0);
  g_assert_cmpint (ls_stream_get_state (refused), ==, LS_STREAM_FAILED);
  g_assert_cmpint (ls_stream_get_end (refused), ==, LS_STREAM_END_HTTP_STATUS);
  builder_clear (&b);
}

/* Last-Event-ID: right after that event, whatever the read or connection. */
static void
check_resume (Fixture    *f,
              const char *last_event_id,
              const char *first_expected,
              guint       n_expected,
              gsize       first_offset)
{
  Builder b;
  g_autofree char *capture_path = make_hand_capture (&b);
  g_autoptr(LsReplay) replay = ls_replay_new_for_file (capture_path, NULL);
  g_autofree char *path = ls_demo_server_add_replay (f->server, replay, LS_REPLAY_SPEED_MAX);
  g_autoptr(LsStream) stream = stream_replay (f, path, last_event_id);
  g_autoptr(GArray) log = ls_demo_server_get_replay_chunks (f->server, path);
  Seen seen = { g_ptr_array_new_with_free_func (g_free), 0 };
  guint first = b.events->len - n_expected;

  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_NO_CONTENT);
  ls_test_foreach_of_stream (f->s.store, ls_stream_get_id (stream), collect_cb, &seen);
  g_assert_cmpuint (seen.events->len, ==, n_expected);
  if (n_expected > 0)
    g_assert_cmpstr (g_ptr_array_index (seen.events, 0), ==, first_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpstr (g_ptr_array_index (seen.events, i), ==, g_ptr_array_index (b.events, first + i));
  if (n_expected > 0)
    {
      g_assert_cmpuint (log->len, >, 0);
      g_assert_cmpuint (g_array_index (log, LsDemoReplayChunk, 0).offset, ==, first_offset);
    }
  else
    g_assert_cmpuint (log->len, ==, 0);

  g_ptr_array_unref (seen.events);
  builder_clear (&b);
}

static void
test_resume_mid_read (Fixture       *f,
                      gconstpointer  data)
{
  /* Event 2 ends 3 bytes into the third read ("b\n\n"): the rest of that
   * read first (a comment and event 3), then connection 2. */
  check_resume (f, "2", "message|3|c", 3, 3);
}

static void
test_resume_next_connection (Fixture       *f,
                             gconstpointer  data)
{
  /* Event 3 is the last of connection 1: connection 2 from its start. */
  check_resume (f, "3", "message|4|d", 2, 0);
}

static void
test_resume_first (Fixture       *f,
                   gconstpointer  data)
{
  /* Event 1 ends its read: the next read, in the same connection. */
  check_resume (f, "1", "message|2|bb", 4, 0);
}

static void
test_resume_unknown (Fixture       *f,
                     gconstpointer  data)
{
  /* An id the capture does not have: the next connection, here the first. */
  check_resume (f, "no-such-id", "tick|1|a", 5, 0);
}

static void
test_resume_last (Fixture       *f,
                  gconstpointer  data)
{
  /* After the last event there is nothing: 204 at once. */
  check_resume (f, "5", NULL, 0, 0);
}

/* ---- captures that cannot be replayed, and speeds ---- */

static void
assert_refused (const char *name,
                const char *text,
                GQuark      domain,
                int         code,
                const char *message)
{
  g_autofree char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsReplay) replay = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  replay = ls_replay_new_for_file (path, &error);
  g_assert_null (replay);
  g_assert_error (error, domain, code);
  g_assert_null (strchr (error->message, '\n'));
  if (message != NULL)
    g_assert_nonnull (strstr (error->message, message));
}

#define HEADER "{\"format\":\"loopscope-capture\",\"version\":1,\"request\":{\"method\":\"GET\"," \
               "\"url\":\"http://127.0.0.1:9/\",\"format\":\"auto\",\"headers\":[]}}\n"
#define CONNECT "{\"kind\":\"connect\",\"t\":0,\"connection\":1}\n" \
                "{\"kind\":\"response\",\"t\":1,\"connection\":1,\"http_version\":\"HTTP/1.1\",\"status\":200," \
                "\"reason\":\"OK\",\"headers_ms\":1,\"headers\":[]}\n"

static void
test_refused (void)
{
  g_autofree char *partial_path = tmp_path ("partial.jsonl");
  g_autoptr(LsReplay) partial = NULL;
  g_autoptr(GError) error = NULL;

  assert_refused ("events-only.jsonl",
                  HEADER "{\"seq\":0,\"t\":1,\"kind\":\"event\",\"connection\":1,\"type\":\"message\",\"id\":\"\",\"data\":\"x\"}\n",
                  LS_REPLAY_ERROR, LS_REPLAY_ERROR_NO_READS, "This capture has no body reads to replay");
  assert_refused ("no-bytes.jsonl",
                  HEADER CONNECT "{\"kind\":\"read\",\"t\":2,\"connection\":1,\"size\":5}\n",
                  LS_REPLAY_ERROR, LS_REPLAY_ERROR_NO_BYTES, "kept no bytes");
  assert_refused ("not-a-capture.jsonl", "{\"hello\":1}\n",
                  LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_NOT_CAPTURE, NULL);
  assert_refused ("bad-read.jsonl",
                  HEADER CONNECT "{\"kind\":\"read\",\"t\":2,\"connection\":1,\"size\":5,\"data_b64\":\"eA==\"}\n",
                  LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_MALFORMED, "data_b64");

  /* Bytes that stop later: served up to the first read without them. */
  g_assert_true (g_file_set_contents (partial_path,
                                      HEADER CONNECT
                                      "{\"kind\":\"read\",\"t\":2,\"connection\":1,\"size\":1,\"data_b64\":\"eA==\"}\n"
                                      "{\"kind\":\"read\",\"t\":3,\"connection\":1,\"size\":5}\n"
                                      "{\"kind\":\"read\",\"t\":4,\"connection\":1,\"size\":1,\"data_b64\":\"eA==\"}\n",
                                      -1, NULL));
  partial = ls_replay_new_for_file (partial_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_replay_get_n_reads (partial), ==, 1);
  g_assert_cmpuint (ls_replay_get_n_bytes (partial), ==, 1);
  g_assert_cmpstr (ls_replay_get_warning (partial), ==,
                   "Replaying 1 of 3 body reads: the capture kept no bytes of the others");
}

static void
test_speeds (void)
{
  static const struct { const char *text; double speed; } good[] = {
    { "max", LS_REPLAY_SPEED_MAX }, { "MAX", LS_REPLAY_SPEED_MAX }, { "0", LS_REPLAY_SPEED_MAX },
    { "0.1", 0.1 }, { "1", 1.0 }, { "2.5", 2.5 }, { "100", 100.0 },
  };
  static const char * const bad[] = { "", "0.05", "100.5", "-1", "abc", "2x", "1,5", "nan", "inf" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      double speed = -1;

      g_assert_true (ls_replay_parse_speed (good[i].text, &speed, NULL));
      g_assert_cmpfloat (speed, ==, good[i].speed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double speed = -1;

      g_assert_false (ls_replay_parse_speed (bad[i], &speed, &error));
      g_assert_error (error, LS_REPLAY_ERROR, LS_REPLAY_ERROR_SPEED);
      g_assert_cmpfloat (speed, ==, -1);
    }
}

/* ---- headless: a real capture of the demo server, replayed ---- */

/* A line without its time and sequence number. */
static char *
line_without_time (JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) copy = json_object_new ();
  GList *members = json_object_get_members (o);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "t") && !g_str_equal (l->data, "seq"))
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (o, l->data)));
  g_list_free (members);
  json_node_set_object (node, copy);
  return json_to_string (node, FALSE);
}

/* The lines a replay must give again: the events, each connection's
 * open, the end. How a dropped connection reads (a clean end or an
 * error, and so the reconnect line's words) is the network's. */
static GPtrArray *
comparable_lines (GPtrArray *lines)
{
  GPtrArray *kept = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *o = g_ptr_array_index (lines, i);
      const char *kind = json_object_get_string_member (o, "kind");

      if (g_str_equal (kind, "event") || g_str_equal (kind, "open") || g_str_equal (kind, "closed"))
        g_ptr_array_add (kept, line_without_time (o));
    }
  return kept;
}

static void
test_headless (void)
{
  g_autofree char *capture_path = tmp_path ("flaky.jsonl");
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  LsHeadlessRun original = { 0 }, replayed = { 0 };
  guint n_events = 0;

  /* Three connections (the server drops each after 4 events), 20 ms gaps. */
  ls_test_run_headless (&original, LS_HEADLESS_RUN_JSON_LINES, "--demo",
                        "/sse/flaky?every=4&count=10&rate=50&retry=30", "--capture", capture_path, NULL);
  g_assert_cmpint (original.status, ==, 0);

  ls_test_run_headless (&replayed, LS_HEADLESS_RUN_JSON_LINES, "--replay", capture_path, "--speed", "max", NULL);
  g_assert_cmpint (replayed.status, ==, 0);

  a = comparable_lines (original.lines);
  b = comparable_lines (replayed.lines);
  assert_same_strings (b, a);
  for (guint i = 0; i < b->len; i++)
    n_events += strstr (g_ptr_array_index (b, i), "\"kind\":\"event\"") != NULL;
  g_assert_cmpuint (n_events, ==, 10);
  /* The end the original had: 204 after the last connection. */
  g_assert_nonnull (strstr (g_ptr_array_index (b, b->len - 1), "\"end\":\"no-content\""));

  ls_headless_run_clear (&original);
  ls_headless_run_clear (&replayed);
}

static void
assert_usage_error (const char *fragment,
                    const char *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  LsHeadlessRun run = { 0 };
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEFAULT, (const char * const *) args->pdata);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, fragment));
  /* One line. */
  g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);
  ls_headless_run_clear (&run);
}

static void
test_headless_usage (void)
{
  Builder b;
  g_autofree char *capture_path = make_hand_capture (&b);
  g_autofree char *empty_path = tmp_path ("empty.jsonl");

  g_assert_true (g_file_set_contents (empty_path, HEADER, -1, NULL));
  assert_usage_error ("--speed needs --replay", "--speed", "2", "--demo", NULL);
  assert_usage_error ("--speed: Speed “1000” is not a number from 0.1 to 100, or max",
                      "--replay", capture_path, "--speed", "1000", NULL);
  assert_usage_error ("give no URL", "--replay", capture_path, "/sse/ticks", NULL);
  assert_usage_error ("--replay: This capture has no body reads to replay", "--replay", empty_path, NULL);
  builder_clear (&b);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-replay-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/replay/hand", test_hand);
  ADD ("/replay/hand-fast", test_hand_fast);
  ADD ("/replay/hand-max", test_hand_max);
  ADD ("/replay/speed-query", test_speed_query);
  ADD ("/replay/resume-mid-read", test_resume_mid_read);
  ADD ("/replay/resume-next-connection", test_resume_next_connection);
  ADD ("/replay/resume-first", test_resume_first);
  ADD ("/replay/resume-unknown", test_resume_unknown);
  ADD ("/replay/resume-last", test_resume_last);
#undef ADD
  g_test_add_func ("/replay/refused", test_refused);
  g_test_add_func ("/replay/speeds", test_speeds);
  g_test_add_func ("/replay/headless", test_headless);
  g_test_add_func ("/replay/headless-usage", test_headless_usage);

  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = tmp_path (name);

        g_remove (path);
      }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return status;
}
