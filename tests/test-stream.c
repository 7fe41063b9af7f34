/* test-stream.c: LsStream against the demo server and purpose-built handlers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real sockets on 127.0.0.1 only. The test thread is the UI thread: it owns
 * the global default context and iterates it (ls_test_wait_until) while the
 * worker runs the streams. The purpose-built handlers run on a SoupServer
 * on a thread of this file's own.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <libsoup/soup.h>

#include "ls-bridge-private.h"
#include "ls-demo-server-private.h"
#include "ls-enum.h"
#include "ls-stream.h"
#include "ls-test-utils.h"
#include "ls-worker-private.h"

/* ---- a SoupServer with test handlers, on its own thread ----------------- */

typedef struct
{
  LsTestSoupServer soup;
  char            *base;
  pthread_mutex_t  lock;
  guint            connections; /* under lock: requests to /count */
  guint            auth_requests; /* under lock: requests to /401-after */
  GPtrArray       *hung;        /* server thread: paused messages */
  GPtrArray       *open_bodies; /* server thread: responses never completed */
} TestServer;


/* A final stream's end, by code: failures carry it as their GError too. */
static void
assert_end (LsStream    *stream,
            LsStreamEnd  end)
{
  const char *message = ls_stream_get_message (stream);

  g_assert_nonnull (message);
  g_assert_null (strchr (message, '\n'));
  g_assert_cmpstr (ls_enum_to_nick (LS_TYPE_STREAM_END, ls_stream_get_end (stream)), ==,
                   ls_enum_to_nick (LS_TYPE_STREAM_END, end));
  if (LS_STREAM_END_IS_FAILURE (end))
    g_assert_error ((GError *) ls_stream_get_end_error (stream), LS_STREAM_END_ERROR, (int) end);
  else
    g_assert_null (ls_stream_get_end_error (stream));
}

static TestServer *test_server;

static void
test_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TestServer *ts = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);

  if (g_str_equal (path, "/204"))
    ls_test_soup_respond (msg, SOUP_STATUS_NO_CONTENT, NULL, NULL, 0);
  else if (g_str_equal (path, "/404"))
    ls_test_soup_respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "nope\n", 5);
  else if (g_str_equal (path, "/html"))
    ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/html", "<p>hi</p>\n", 10);
  else if (g_str_equal (path, "/redirect"))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/two");
    }
  else if (g_str_equal (path, "/two"))
    {
      static const char body[] = "data: one\n\ndata: two\n\n";

      ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream; charset=utf-8", body, strlen (body));
    }
  else if (g_str_equal (path, "/cr"))
    {
      static const char body[] = "id: 7\revent: e\rdata: a\rdata: b\r\r: comment\rdata: c\r\r";

      ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
    }
  else if (g_str_equal (path, "/big"))
    {
      gsize size = 5 * 1024 * 1024;
      GString *body = g_string_sized_new (size + 64);

      g_string_append (body, "data: ");
      for (gsize i = 0; i < size; i++)
        g_string_append_c (body, (char) ('a' + i % 26));
      g_string_append (body, "\n\ndata: after\n\n");
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_TAKE,
                                        body->str, body->len);
      g_string_free (body, FALSE);
    }
  else if (g_str_equal (path, "/headers"))
    {
      const char *accept = soup_message_headers_get_one (request_headers, "Accept");
      const char *cache = soup_message_headers_get_one (request_headers, "Cache-Control");
      const char *last_id = soup_message_headers_get_one (request_headers, "Last-Event-ID");
      g_autofree char *body = g_strdup_printf ("data: accept=%s cache=%s last=%s\n\n",
                                               accept ? accept : "-", cache ? cache : "-",
                                               last_id ? last_id : "-");

      ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
    }
  else if (g_str_equal (path, "/post"))
    {
      g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      const char *x_test = soup_message_headers_get_one (request_headers, "X-Test");
      const char *type = soup_message_headers_get_content_type (request_headers, NULL);
      gboolean ok = g_str_equal (soup_server_message_get_method (msg), "POST") &&
                    x_test != NULL && g_str_equal (x_test, "yes") &&
                    type != NULL && g_str_equal (type, "application/json") &&
                    g_bytes_get_size (body) == 13 &&
                    memcmp (g_bytes_get_data (body, NULL), "{\"prompt\":42}", 13) == 0;

      if (ok)
        ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", "data: accepted\n\n", 16);
      else
        ls_test_soup_respond (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", "bad request\n", 12);
    }
  else if (g_str_equal (path, "/retry0"))
    {
      static const char body[] = "retry: 0\ndata: x\n\n";

      ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
    }
  else if (g_str_equal (path, "/count"))
    {
      pthread_mutex_lock (&ts->lock);
      ts->connections++;
      pthread_mutex_unlock (&ts->lock);
      ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", ": nothing\n", 10);
    }
  else if (g_str_equal (path, "/401-after"))
    {
      /* Two events and a close; the reconnect is refused with a JSON body. */
      static const char events[] = "retry: 100\nid: 1\ndata: one\n\nid: 2\ndata: two\n\n";
      static const char refusal[] = "{\"error\":\"token expired\",\"code\":401}";
      guint n;

      pthread_mutex_lock (&ts->lock);
      n = ++ts->auth_requests;
      pthread_mutex_unlock (&ts->lock);
      if (n % 2 == 1)
        ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", events, strlen (events));
      else
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate", "Bearer realm=\"test\"");
          ls_test_soup_respond (msg, SOUP_STATUS_UNAUTHORIZED, "application/json", refusal, strlen (refusal));
        }
    }
  else if (g_str_equal (path, "/500-open"))
    {
      /* A refusal whose body starts and never ends. */
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                                "{\"error\":", 9);
      g_ptr_array_add (ts->open_bodies, g_object_ref (msg));
    }
  else if (g_str_equal (path, "/hang"))
    {
      /* Accept the request and never answer. */
      soup_server_message_pause (msg);
      g_ptr_array_add (ts->hung, g_object_ref (msg));
    }
  else
    ls_test_soup_respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "?\n", 2);
}

/* Lets go of what the handler holds, before the server disconnects. */
static void
test_server_release (gpointer data)
{
  TestServer *ts = data;

  for (guint i = 0; i < ts->hung->len; i++)
    soup_server_message_unpause (g_ptr_array_index (ts->hung, i));
  g_ptr_array_set_size (ts->hung, 0);
  for (guint i = 0; i < ts->open_bodies->len; i++)
    soup_message_body_complete (soup_server_message_get_response_body (g_ptr_array_index (ts->open_bodies, i)));
  g_ptr_array_set_size (ts->open_bodies, 0);
}

static TestServer *
test_server_start (void)
{
  TestServer *ts = g_new0 (TestServer, 1);

  pthread_mutex_init (&ts->lock, NULL);
  ts->hung = g_ptr_array_new_with_free_func (g_object_unref);
  ts->open_bodies = g_ptr_array_new_with_free_func (g_object_unref);
  ts->soup.handler = test_handler;
  ts->soup.data = ts;
  ts->soup.before_stop = test_server_release;
  ls_test_soup_server_start (&ts->soup, "test-server");
  ts->base = g_strdup_printf ("http://127.0.0.1:%u", ts->soup.port);
  return ts;
}

static void
test_server_stop (TestServer *ts)
{
  ls_test_soup_server_stop (&ts->soup);
  g_ptr_array_unref (ts->hung);
  g_ptr_array_unref (ts->open_bodies);
  pthread_mutex_destroy (&ts->lock);
  g_free (ts->base);
  g_free (ts);
}

static char *
test_url (const char *path)
{
  return g_strconcat (test_server->base, path, NULL);
}

/* ---- fixture -------------------------------------------------------- */

/* The shared stream fixture, and the demo server. */
typedef struct
{
  LsTestStreams  s;
  LsDemoServer  *demo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ls_test_streams_init (&f->s, 1 << 16);
  f->demo = ls_test_demo_server_start ();
}

static void
fixture_stop_worker (Fixture *f)
{
  ls_test_bridge_stop (f->s.bridge);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ls_test_streams_clear (&f->s);
  ls_test_demo_server_stop (f->demo);
}

static char *
demo_url (Fixture    *f,
          const char *path)
{
  return g_strconcat (ls_demo_server_get_base_uri (f->demo), path, NULL);
}

static LsStreamOptions *
demo_options (Fixture    *f,
              const char *path)
{
  g_autofree char *url = demo_url (f, path);

  return ls_stream_options_new (url);
}

static LsStreamOptions *
test_options (const char *path)
{
  g_autofree char *url = test_url (path);

  return ls_stream_options_new (url);
}

static LsStream *
start_stream (Fixture         *f,
              LsStreamOptions *options)
{
  return ls_test_streams_start (&f->s, options);
}

/* Runs a stream of @options to its end: final in @state, for @end
 * (unless LS_STREAM_END_NONE). */
static LsStream *
run_stream (Fixture         *f,
            LsStreamOptions *options,
            LsStreamState    state,
            LsStreamEnd      end)
{
  LsStream *stream = start_stream (f, options);

  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, state);
  if (end != LS_STREAM_END_NONE)
    assert_end (stream, end);
  return stream;
}

/* Stored records of one stream. */
typedef struct
{
  guint32    stream_id;
  GPtrArray *events;  /* of char *: "kind|type|id|data" */
  guint      n_events;
  guint      n_reconnects;
  GPtrArray *reconnect_notes;
} Collected;

static gboolean
collect_cb (const LsEventView *view,
            gpointer           data)
{
  Collected *c = data;

  if (view->kind == LS_EVENT_KIND_EVENT || view->kind == LS_EVENT_KIND_INVALID ||
      view->kind == LS_EVENT_KIND_CHUNK)
    c->n_events++;
  if (view->kind == LS_EVENT_KIND_RECONNECT)
    {
      c->n_reconnects++;
      g_ptr_array_add (c->reconnect_notes, g_strndup (view->data, view->data_len));
    }
  g_ptr_array_add (c->events, g_strdup_printf ("%s|%s|%s|%.*s", ls_event_kind_to_string (view->kind),
                                               view->type, view->id,
                                               (int) MIN (view->data_len, 200), view->data));
  return TRUE;
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->events);
  g_ptr_array_unref (c->reconnect_notes);
}

static void
collect (Fixture   *f,
         guint32    stream_id,
         Collected *c)
{
  c->stream_id = stream_id;
  c->events = g_ptr_array_new_with_free_func (g_free);
  c->reconnect_notes = g_ptr_array_new_with_free_func (g_free);
  c->n_events = 0;
  c->n_reconnects = 0;
  ls_test_foreach_of_stream (f->s.store, c->stream_id, collect_cb, c);
}

/* ---- options -------------------------------------------------------- */

static void
test_options_validate (void)
{
  static const struct {
    const char *url;
    const char *header_name;
    const char *header_value;
    const char *method;
    guint       reconnect_ms;
    gsize       max_event_size;
    LsStreamError code;
    const char *fragment;
  } cases[] = {
    { NULL, NULL, NULL, NULL, 3000, 0, LS_STREAM_ERROR_INVALID_URL, "No URL" },
    { "ftp://example.com/x", NULL, NULL, NULL, 3000, 0, LS_STREAM_ERROR_INVALID_URL, "scheme 'ftp'" },
    { "file:///etc/passwd", NULL, NULL, NULL, 3000, 0, LS_STREAM_ERROR_INVALID_URL, "scheme 'file'" },
    { "not a url", NULL, NULL, NULL, 3000, 0, LS_STREAM_ERROR_INVALID_URL, "not a url" },
    { "http://", NULL, NULL, NULL, 3000, 0, LS_STREAM_ERROR_INVALID_URL, "http://" },
    { "http://h/x", "Bad Name", "v", NULL, 3000, 0, LS_STREAM_ERROR_INVALID_HEADER, "Bad Name" },
    { "http://h/x", "X-A", "a\r\nInjected: 1", NULL, 3000, 0, LS_STREAM_ERROR_INVALID_HEADER, "X-A" },
    { "http://h/x", NULL, NULL, "GE T", 3000, 0, LS_STREAM_ERROR_INVALID_METHOD, "GE T" },
    { "http://h/x", NULL, NULL, NULL, LS_STREAM_MAX_RECONNECT_MS + 1, 0, LS_STREAM_ERROR_INVALID_OPTION, "Reconnect" },
    { "http://h/x", NULL, NULL, NULL, 3000, 1, LS_STREAM_ERROR_INVALID_OPTION, "event size" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LsStreamOptions) options = ls_stream_options_new (cases[i].url);
      g_autofree char *message = NULL;

      if (cases[i].header_name != NULL)
        ls_stream_options_add_header (options, cases[i].header_name, cases[i].header_value);
      options->method = g_strdup (cases[i].method);
      options->reconnect_ms = cases[i].reconnect_ms;
      if (cases[i].max_event_size != 0)
        options->max_event_size = cases[i].max_event_size;
      g_test_message ("case %u", i);
      message = ls_test_assert_invalid (options, cases[i].code, cases[i].fragment);
    }

  {
    g_autoptr(LsStreamOptions) options = ls_stream_options_new ("https://example.com:8443/a?b=c");
    g_autoptr(LsStreamOptions) copy = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (ls_stream_options_add_header_line (options, "Authorization:  Bearer x  ", &error));
    g_assert_no_error (error);
    g_assert_true (ls_stream_options_add_header_line (options, "X-Rep: 1", NULL));
    g_assert_true (ls_stream_options_add_header_line (options, "X-Rep: 2", NULL));
    g_assert_false (ls_stream_options_add_header_line (options, "no colon", &error));
    g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER);
    g_clear_error (&error);
    g_assert_false (ls_stream_options_add_header_line (options, ": empty name", &error));
    g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER);
    g_clear_error (&error);
    g_assert_true (ls_stream_options_validate (options, &error));
    g_assert_no_error (error);
    copy = ls_stream_options_copy (options);
    g_assert_cmpuint (copy->headers->len, ==, 3);
    g_assert_cmpstr (ls_stream_options_get_header (copy, "authorization"), ==, "Bearer x");
    g_assert_cmpstr (((LsStreamHeader *) g_ptr_array_index (copy->headers, 2))->value, ==, "2");
  }
}

static void
test_start_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LsStreamOptions) bad = ls_stream_options_new ("gopher://x/");
  g_autoptr(LsStreamOptions) good = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = demo_url (f, "/sse/ticks?count=1&rate=0");
  LsStream *stream;

  stream = ls_stream_new (f->s.bridge, bad, f->s.store, 99);
  g_assert_false (ls_stream_start (stream, &error));
  g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_IDLE);
  g_clear_error (&error);
  /* Cancel before start: final at once. */
  ls_stream_cancel (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_CANCELLED);
  g_assert_finalize_object (stream);

  good = ls_stream_options_new (url);
  good->reconnect = FALSE;
  stream = start_stream (f, good);
  g_assert_false (ls_stream_start (stream, &error));
  g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_NOT_IDLE);
  g_clear_error (&error);
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_finalize_object (stream);

  /* A closed bridge refuses, with the bridge's error. */
  fixture_stop_worker (f);
  stream = ls_stream_new (f->s.bridge, good, f->s.store, 100);
  g_assert_false (ls_stream_start (stream, &error));
  g_assert_error (error, LS_BRIDGE_ERROR, LS_BRIDGE_ERROR_CLOSED);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_IDLE);
  g_assert_finalize_object (stream);
}

/* ---- reconnects ----------------------------------------------------- */

static void
assert_ids_in_order (Collected *c,
                     guint      first,
                     guint      last)
{
  guint expected = first;

  for (guint i = 0; i < c->events->len; i++)
    {
      const char *line = g_ptr_array_index (c->events, i);
      g_auto(GStrv) parts = g_strsplit (line, "|", 4);

      if (!g_str_equal (parts[0], "event"))
        continue;
      g_assert_cmpuint ((guint) g_ascii_strtoull (parts[2], NULL, 10), ==, expected);
      expected++;
    }
  g_assert_cmpuint (expected, ==, last + 1);
}

static void
test_flaky_reconnect (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/flaky?every=4&count=30&rate=500&retry=150");
  g_autoptr(LsStream) stream = NULL;
  LsStreamStats stats;
  Collected c;

  options->max_events = 30;
  stream = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_MAX_EVENTS);

  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (c.n_events, ==, 30);
  assert_ids_in_order (&c, 1, 30);
  /* 30 events, 4 per connection: 7 reconnections, each after the
   * server's retry (150 ms), not our default. */
  g_assert_cmpuint (c.n_reconnects, ==, 7);
  for (guint i = 0; i < c.reconnect_notes->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (c.reconnect_notes, i), "in 150 ms"));
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.events, ==, 30);
  g_assert_cmpuint (stats.reconnects, ==, 7);
  g_assert_cmpuint (stats.connects, ==, 8);
  g_assert_cmpint (stats.retry_ms, ==, 150);
  g_assert_cmpuint (stats.http_status, ==, 200);
  g_assert_cmpstr (stats.content_type, ==, "text/event-stream");
  g_assert_cmpint (stats.format, ==, LS_STREAM_FORMAT_SSE);
  g_assert_cmpint (stats.ttfb_us, >=, 0);
  collected_clear (&c);
}

static void
test_last_event_id (Fixture       *f,
                    gconstpointer  data)
{
  /* count is the demo's last id: ids 42 to 44 follow 41. */
  g_autofree char *url = demo_url (f, "/sse/ticks?count=44&rate=0");
  g_autofree char *headers_url = test_url ("/headers");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(LsStream) echo = NULL;
  Collected c;

  options->last_event_id = g_strdup ("41");
  options->reconnect = FALSE;
  stream = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NONE);
  collect (f, ls_stream_get_id (stream), &c);
  assert_ids_in_order (&c, 42, 44);
  collected_clear (&c);

  /* Default headers for SSE, and the ID sent. */
  g_free (options->url);
  options->url = g_strdup (headers_url);
  echo = start_stream (f, options);
  ls_test_wait_final (echo);
  collect (f, ls_stream_get_id (echo), &c);
  g_assert_cmpuint (c.n_events, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c.events, 1), ==,
                   "event|message|41|accept=text/event-stream cache=no-cache last=41");
  collected_clear (&c);
}

static void
test_user_headers_win (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/headers");
  g_autoptr(LsStream) stream = NULL;
  Collected c;

  options->reconnect = FALSE;
  ls_stream_options_add_header (options, "Accept", "*/*");
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpstr (g_ptr_array_index (c.events, 1), ==, "event|message||accept=*/* cache=no-cache last=-");
  collected_clear (&c);
}

static void
test_retry_floor (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/retry0");
  g_autoptr(LsStream) stream = NULL;
  Collected c;

  /* Each connection sends `retry: 0` and one event, then ends. */
  options->max_events = 4;
  stream = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NONE);
  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (c.n_reconnects, ==, 3);
  for (guint i = 0; i < c.reconnect_notes->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (c.reconnect_notes, i), "in 100 ms"));
  collected_clear (&c);
}

typedef struct
{
  LsWorker *worker;
  guint     idle_timeouts[2];
  gint      done;   /* atomic */
} SessionProbe;

static void
read_idle_timeouts_on_worker (gpointer data)
{
  SessionProbe *probe = data;

  for (guint key = 0; key < G_N_ELEMENTS (probe->idle_timeouts); key++)
    g_object_get (ls_worker_get_session_for (probe->worker, key),
                  "idle-timeout", &probe->idle_timeouts[key], NULL);
  __atomic_store_n (&probe->done, 1, __ATOMIC_RELEASE);
}

static gboolean
session_probe_done (gpointer data)
{
  SessionProbe *probe = data;

  return __atomic_load_n (&probe->done, __ATOMIC_ACQUIRE);
}

/* The worker's sessions never close an idle connection themselves: in
 * libsoup 3.2, a reconnect that takes the pooled connection its previous
 * response left, just as the session's idle timeout closes it, never
 * reports back, not even when cancelled (with idle-timeout 1 s, 20
 * streams reconnecting after about 1 s hung within ten rounds). */
static void
test_sessions_no_idle_timeout (Fixture       *f,
                               gconstpointer  data)
{
  SessionProbe probe = { .worker = ls_bridge_get_worker (f->s.bridge) };

  g_assert_true (ls_bridge_post (f->s.bridge, read_idle_timeouts_on_worker, &probe, NULL, NULL));
  g_assert_true (ls_test_wait_until (session_probe_done, &probe, 20000));
  for (guint key = 0; key < G_N_ELEMENTS (probe.idle_timeouts); key++)
    g_assert_cmpuint (probe.idle_timeouts[key], ==, 0);
}

static void
test_backoff (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/count");
  g_autoptr(LsStream) stream = NULL;
  Collected c;

  /* Connections that deliver no event count as failures: the waits grow
   * (with jitter) from the reconnection time up to the cap. */
  options->reconnect_ms = 100;
  options->backoff_max_ms = 400;
  stream = start_stream (f, options);
  ls_test_run_for (1500);
  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_CANCELLED);

  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (c.n_reconnects, >=, 3);
  for (guint i = 0; i < c.reconnect_notes->len; i++)
    {
      const char *note = g_ptr_array_index (c.reconnect_notes, i);
      guint64 delay = g_ascii_strtoull (strstr (note, " in ") + 4, NULL, 10);

      g_test_message ("%s", note);
      g_assert_cmpuint (delay, >=, 100);
      g_assert_cmpuint (delay, <=, 400);
      if (i == 0)
        g_assert_cmpuint (delay, ==, 100);
      if (i >= 3)
        g_assert_cmpuint (delay, >, 100);
    }
  collected_clear (&c);
}

static void
test_connection_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = NULL;
  g_autoptr(LsStream) stream = NULL;
  /* A port nobody listens on. */
  g_autofree char *url = ls_test_refused_url ("/x");
  LsStreamStats stats;

  options = ls_stream_options_new (url);
  options->reconnect = FALSE;
  stream = run_stream (f, options, LS_STREAM_FAILED, LS_STREAM_END_NONE);
  g_test_message ("%s", ls_stream_get_error_message (stream));
  assert_end (stream, LS_STREAM_END_CONNECT_FAILED);
  g_assert_null (strchr (ls_stream_get_error_message (stream), '\n'));
  /* Never opened: no response, nothing to lose. */
  g_assert_null (ls_stream_get_response (stream));
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.opens, ==, 0);
}

/* ---- statuses, types, redirects, bodies ------------------------------ */

static LsStream *
run_test_path (Fixture        *f,
               const char     *path,
               LsStreamFormat  format)
{
  g_autofree char *url = test_url (path);
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  LsStream *stream;

  options->format = format;
  options->reconnect = FALSE;
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  return stream;
}

static void
test_status_and_type (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = test_url ("/404");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) s404 = NULL;
  g_autoptr(LsStream) s204 = NULL;
  g_autoptr(LsStream) html = NULL;
  LsStreamStats stats;
  Collected c;

  /* Permanent even with reconnect on. */
  s404 = run_stream (f, options, LS_STREAM_FAILED, LS_STREAM_END_HTTP_STATUS);
  ls_stream_get_stats (s404, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.http_status, ==, 404);
  collect (f, ls_stream_get_id (s404), &c);
  g_assert_cmpuint (c.n_reconnects, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (c.events, c.events->len - 1), ==,
                   "closed|http-status||HTTP 404 Not Found: the server refused the stream");
  collected_clear (&c);

  g_free (options->url);
  options->url = test_url ("/204");
  s204 = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NO_CONTENT);
  g_assert_null (ls_stream_get_error_message (s204));

  html = run_test_path (f, "/html", LS_STREAM_FORMAT_SSE);
  g_assert_cmpint (ls_stream_get_state (html), ==, LS_STREAM_FAILED);
  assert_end (html, LS_STREAM_END_WRONG_TYPE);
}

static void
test_redirect_and_cr (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(LsStream) redirect = run_test_path (f, "/redirect", LS_STREAM_FORMAT_AUTO);
  g_autoptr(LsStream) cr = run_test_path (f, "/cr", LS_STREAM_FORMAT_SSE);
  Collected c;

  g_assert_cmpint (ls_stream_get_state (redirect), ==, LS_STREAM_ENDED);
  collect (f, ls_stream_get_id (redirect), &c);
  g_assert_cmpuint (c.n_events, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (c.events, 1), ==, "event|message||one");
  g_assert_cmpstr (g_ptr_array_index (c.events, 2), ==, "event|message||two");
  collected_clear (&c);

  g_assert_cmpint (ls_stream_get_state (cr), ==, LS_STREAM_ENDED);
  collect (f, ls_stream_get_id (cr), &c);
  g_assert_cmpuint (c.n_events, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (c.events, 1), ==, "event|e|7|a\nb");
  g_assert_cmpstr (g_ptr_array_index (c.events, 2), ==, "event|message|7|c");
  collected_clear (&c);
}

static gboolean
find_big_cb (const LsEventView *view,
             gpointer           data)
{
  gsize *sizes = data;

  if (view->kind == LS_EVENT_KIND_EVENT && view->data_len > sizes[1])
    {
      sizes[1] = view->data_len;
      /* Spot-check content at both ends. */
      if (view->data[0] == 'a' && view->data[view->data_len - 1] == (char) ('a' + (view->data_len - 1) % 26))
        sizes[0] = view->stream_id;
    }
  return TRUE;
}

static void
test_big_event (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LsStream) big = run_test_path (f, "/big", LS_STREAM_FORMAT_AUTO);
  g_autoptr(LsStreamOptions) options = test_options ("/big");
  g_autoptr(LsStream) capped = NULL;
  gsize found[2] = { 0, 0 };
  Collected c;

  g_assert_cmpint (ls_stream_get_state (big), ==, LS_STREAM_ENDED);
  ls_event_store_foreach_range (f->s.store, 0, ls_event_store_get_end_seq (f->s.store), find_big_cb, found);
  g_assert_cmpuint (found[1], ==, 5 * 1024 * 1024);
  g_assert_cmpuint (found[0], ==, ls_stream_get_id (big));
  collect (f, ls_stream_get_id (big), &c);
  g_assert_cmpuint (c.n_events, ==, 2);
  collected_clear (&c);

  /* Below the cap: a clear error, the stream stops, no reconnect. */
  options->max_event_size = 1024 * 1024;
  capped = run_stream (f, options, LS_STREAM_FAILED, LS_STREAM_END_NONE);
  g_test_message ("%s", ls_stream_get_error_message (capped));
  assert_end (capped, LS_STREAM_END_TOO_LARGE);
}

static void
test_post_body_headers (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/post");
  g_autoptr(LsStream) stream = NULL;
  Collected c;

  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static ("{\"prompt\":42}", 13);
  options->reconnect = FALSE;
  ls_stream_options_add_header (options, "X-Test", "yes");
  ls_stream_options_add_header (options, "Content-Type", "application/json");
  stream = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NONE);
  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (c.n_events, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c.events, 1), ==, "event|message||accepted");
  collected_clear (&c);
}

static void
test_ndjson_and_raw (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/ndjson?count=5&rate=0");
  g_autoptr(LsStream) ndjson = NULL;
  g_autoptr(LsStream) raw = NULL;
  LsStreamStats stats;
  Collected c;

  /* Reconnect on, but NDJSON ends at the end of the body. */
  ndjson = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NONE);
  collect (f, ls_stream_get_id (ndjson), &c);
  g_assert_cmpuint (c.n_events, ==, 5);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (c.events, 1), "event|ndjson||{\"n\":1,"));
  collected_clear (&c);

  options->format = LS_STREAM_FORMAT_RAW;
  raw = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_NONE);
  ls_stream_get_stats (raw, &stats);
  g_assert_cmpint (stats.format, ==, LS_STREAM_FORMAT_RAW);
  g_assert_cmpuint (stats.events, >=, 1);
  g_assert_cmpuint (stats.bytes, >, 0);
}

/* ---- ending: max events, duration, idle timeout ---------------------- */

static gboolean
has_reconnected_twice (gpointer data)
{
  LsStreamStats stats;

  ls_stream_get_stats (data, &stats);
  return stats.reconnects >= 2;
}

static gboolean
is_waiting (gpointer data)
{
  return ls_stream_get_state (data) == LS_STREAM_WAITING;
}

static void
test_duration (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/ticks?rate=200");
  g_autoptr(LsStream) stream = NULL;
  LsStreamStats stats;

  options->duration_ms = 300;
  stream = run_stream (f, options, LS_STREAM_ENDED, LS_STREAM_END_DURATION);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.events, >, 0);
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *hang = test_url ("/hang");
  g_autofree char *slow = demo_url (f, "/slow?interval_ms=5000");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (hang);
  g_autoptr(LsStream) no_answer = NULL;
  g_autoptr(LsStream) silent = NULL;
  g_autoptr(LsStream) retrying = NULL;
  Collected c;

  /* A server that accepts and never answers. */
  options->idle_timeout_ms = 300;
  options->reconnect = FALSE;
  no_answer = start_stream (f, options);
  /* A stream that answers, then goes quiet. */
  g_free (options->url);
  options->url = g_strdup (slow);
  silent = start_stream (f, options);
  /* With reconnect on, the timeout is a network error like any other. */
  options->reconnect = TRUE;
  options->reconnect_ms = 100;
  retrying = start_stream (f, options);

  ls_test_wait_final (no_answer);
  g_assert_cmpint (ls_stream_get_state (no_answer), ==, LS_STREAM_FAILED);
  assert_end (no_answer, LS_STREAM_END_IDLE_TIMEOUT);

  ls_test_wait_final (silent);
  g_assert_cmpint (ls_stream_get_state (silent), ==, LS_STREAM_FAILED);
  assert_end (silent, LS_STREAM_END_IDLE_TIMEOUT);
  collect (f, ls_stream_get_id (silent), &c);
  g_assert_cmpuint (c.n_events, ==, 1);
  collected_clear (&c);

  g_assert_true (ls_test_wait_until (has_reconnected_twice, retrying, 10000));
  g_assert_false (ls_test_stream_is_final (retrying));
  ls_stream_cancel (retrying);
  ls_test_wait_final (retrying);
  g_assert_cmpint (ls_stream_get_state (retrying), ==, LS_STREAM_CANCELLED);
}

/* ---- cancel and stop ------------------------------------------------ */

static gboolean
has_events (gpointer data)
{
  LsStreamStats stats;

  ls_stream_get_stats (data, &stats);
  return stats.events >= 10;
}

static guint
count_events_of (Fixture *f,
                 guint32  stream_id)
{
  Collected c;
  guint n;

  collect (f, stream_id, &c);
  n = c.events->len;
  collected_clear (&c);
  return n;
}

static void
test_cancel_mid_stream (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/ticks?rate=1000");
  LsStream *stream;
  guint n_after_cancel;
  Collected c;

  stream = start_stream (f, options);
  g_assert_true (ls_test_wait_until (has_events, stream, 10000));
  ls_stream_cancel (stream);
  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_CANCELLED);
  assert_end (stream, LS_STREAM_END_CANCELLED);

  n_after_cancel = count_events_of (f, ls_stream_get_id (stream));
  ls_test_run_for (300);
  g_assert_cmpuint (count_events_of (f, ls_stream_get_id (stream)), ==, n_after_cancel);
  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpstr (g_ptr_array_index (c.events, c.events->len - 1), ==, "closed|cancelled||Cancelled");
  collected_clear (&c);
  ls_stream_cancel (stream);
  g_assert_finalize_object (stream);
}

static void
test_worker_stop_mid_stream (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *ticks = demo_url (f, "/sse/ticks?rate=500");
  g_autofree char *hang = test_url ("/hang");
  LsStream *streams[6];
  guint64 end_seq;

  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      /* Reading, waiting for headers that never come, waiting to reconnect. */
      g_autoptr(LsStreamOptions) options = ls_stream_options_new (i < 4 ? ticks : i == 4 ? hang : "http://127.0.0.1:9/");

      options->reconnect_ms = 60000;
      streams[i] = start_stream (f, options);
    }
  for (guint i = 0; i < 4; i++)
    g_assert_true (ls_test_wait_until (has_events, streams[i], 10000));
  g_assert_true (ls_test_wait_until (is_waiting, streams[5], 10000));

  fixture_stop_worker (f);
  /* Every stream has heard it is cancelled by the time the worker is closed
   * (the states travel through the stream's mailbox: one more frame). */
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      ls_test_wait_final (streams[i]);
      g_assert_cmpint (ls_stream_get_state (streams[i]), ==, LS_STREAM_CANCELLED);
    }
  end_seq = ls_event_store_get_end_seq (f->s.store);
  ls_test_run_for (200);
  g_assert_cmpuint (ls_event_store_get_end_seq (f->s.store), ==, end_seq);

  /* Cancel after stop is harmless. */
  ls_stream_cancel (streams[0]);
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    g_assert_finalize_object (streams[i]);
}

static void
test_stop_before_start_runs (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/ticks?rate=10");
  LsStream *stream;

  /* Queued behind the stop in no order we control; either way it ends
   * CANCELLED and nothing leaks. */
  stream = start_stream (f, options);
  g_assert_true (ls_bridge_stop (f->s.bridge, NULL));
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_CANCELLED);
  g_assert_true (ls_test_wait_until (ls_test_bridge_is_closed, f->s.bridge, 15000));
  g_assert_finalize_object (stream);
}

static void
test_drop_stream_while_live (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/ticks?rate=1000");
  LsStream *stream = start_stream (f, options);
  guint32 id = ls_stream_get_id (stream);
  guint n;

  g_assert_true (ls_test_wait_until (has_events, stream, 10000));
  /* Dropping the object cancels the request on the worker. */
  g_assert_finalize_object (stream);
  ls_test_run_for (300);
  n = count_events_of (f, id);
  ls_test_run_for (200);
  g_assert_cmpuint (count_events_of (f, id), ==, n);
}

/* ---- many streams ---------------------------------------------------- */

#define N_CONCURRENT 200

static void
test_many_concurrent (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/ticks?rate=20");
  LsStream *streams[N_CONCURRENT];
  LsTestGroup receiving = { streams, N_CONCURRENT, 3, 0 };

  /* Unlimited streams, all open at once: each must receive, which needs
   * more than libsoup's default of 2 connections per host. */
  for (guint i = 0; i < N_CONCURRENT; i++)
    streams[i] = start_stream (f, options);
  g_assert_true (ls_test_wait_until (ls_test_group_has_events, &receiving, 20000));
  g_assert_cmpuint (ls_demo_server_get_n_connections (f->demo), ==, N_CONCURRENT);
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_cmpint (ls_stream_get_state (streams[i]), ==, LS_STREAM_OPEN);
      ls_stream_cancel (streams[i]);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      ls_test_wait_final (streams[i]);
      g_assert_cmpint (ls_stream_get_state (streams[i]), ==, LS_STREAM_CANCELLED);
      g_assert_finalize_object (streams[i]);
    }
}

/* ---- recorder spans --------------------------------------------------- */

static void
test_spans (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/flaky?every=2&count=4&rate=0&retry=100");
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) records = NULL;
  guint send = 0, headers = 0, reads = 0, parses = 0, waits = 0, closed = 0;

  options->max_events = 4;
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  records = ls_recorder_snapshot_since (f->s.recorder, 0, NULL);
  for (guint i = 0; i < records->len; i++)
    {
      LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind != LS_RECORD_SPAN || !g_str_has_prefix (r->name, "stream."))
        continue;
      g_assert_cmpint (r->loop, ==, LS_LOOP_WORKER);
      g_assert_cmpint (r->end_us, >=, r->start_us);
      if (g_str_equal (r->name, "stream.send"))
        send++;
      else if (g_str_equal (r->name, "stream.response-headers"))
        headers++;
      else if (g_str_equal (r->name, "stream.read"))
        reads++;
      else if (g_str_equal (r->name, "stream.parse"))
        parses++;
      else if (g_str_equal (r->name, "stream.reconnect-wait"))
        waits++;
      else if (g_str_equal (r->name, "stream.closed"))
        closed++;
    }
  for (guint i = 0; i < records->len; i++)
    ls_record_clear (&g_array_index (records, LsRecord, i));
  g_assert_cmpuint (send, ==, 2);
  g_assert_cmpuint (headers, ==, 2);
  g_assert_cmpuint (waits, ==, 1);
  g_assert_cmpuint (closed, ==, 1);
  g_assert_cmpuint (reads, >=, 2);
  g_assert_cmpuint (parses, >=, 2);
}

/* Every span the stream recorded hangs in one tree rooted at its task:
 * connection attempts under the root, reads under an attempt, parses
 * under a read, UI deliveries under the root; no orphan. */
static void
test_span_tree (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/flaky?every=2&count=6&rate=0&retry=100");
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) records = NULL;
  g_autoptr(GHashTable) parents = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) names = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint64 root;
  guint connections = 0, reads = 0, deliveries = 0, members = 0;

  options->max_events = 4;
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  root = ls_stream_get_task (stream);
  g_assert_cmpuint (root, !=, 0);
  /* Every operation reported back: nothing of the stream is still to come. */
  fixture_stop_worker (f);
  records = ls_recorder_snapshot_since (f->s.recorder, 0, NULL);
  for (guint i = 0; i < records->len; i++)
    {
      LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind != LS_RECORD_SPAN)
        continue;
      g_assert_false (g_hash_table_contains (parents, &r->id));
      g_hash_table_insert (parents, &r->id, &r->parent_id);
      g_hash_table_insert (names, &r->id, (gpointer) r->name);
    }
  g_assert_true (g_hash_table_contains (parents, &root));
  g_assert_cmpuint (*(guint64 *) g_hash_table_lookup (parents, &root), ==, 0);
  g_assert_cmpstr (g_hash_table_lookup (names, &root), ==, "stream");

  for (guint i = 0; i < records->len; i++)
    {
      LsRecord *r = &g_array_index (records, LsRecord, i);
      guint64 at = r->id;
      guint depth = 0;

      if (r->kind != LS_RECORD_SPAN || r->id == root)
        continue;
      /* Up the parents: a span of this stream reaches the root, and every
       * parent on the way is a recorded span (no orphan). */
      while (at != 0 && at != root && depth++ < 16)
        {
          guint64 *parent = g_hash_table_lookup (parents, &at);

          g_assert_nonnull (parent);
          at = *parent;
        }
      if (at != root)
        {
          /* Not the stream's: no span of the stream category is outside the tree. */
          g_assert_cmpstr (r->category, !=, "stream");
          continue;
        }
      members++;
      if (g_str_equal (r->name, "stream.connection"))
        {
          g_assert_cmpuint (r->parent_id, ==, root);
          connections++;
        }
      else if (g_str_equal (r->name, "stream.read") || g_str_equal (r->name, "stream.send") ||
               g_str_equal (r->name, "stream.response-headers"))
        {
          g_assert_cmpstr (g_hash_table_lookup (names, &r->parent_id), ==, "stream.connection");
          reads += g_str_equal (r->name, "stream.read");
        }
      else if (g_str_equal (r->name, "stream.parse"))
        g_assert_cmpstr (g_hash_table_lookup (names, &r->parent_id), ==, "stream.read");
      else if (g_strcmp0 (r->category, "stream") != 0)
        {
          /* The stream's UI mailbox dispatches. */
          g_assert_cmpuint (r->parent_id, ==, root);
          deliveries++;
        }
      else
        g_assert_cmpuint (r->parent_id, ==, root);
    }
  for (guint i = 0; i < records->len; i++)
    ls_record_clear (&g_array_index (records, LsRecord, i));
  g_test_message ("%u spans in the tree: %u connections, %u reads, %u deliveries",
                  members, connections, reads, deliveries);
  g_assert_cmpuint (connections, ==, 2);
  g_assert_cmpuint (reads, >=, 2);
  g_assert_cmpuint (deliveries, >=, 1);
}

/* A POST is not sent again: the LLM stream ends at `data: [DONE]` and the
 * server's close as completed, once, and the server saw one request. */
static void
test_post_once (Fixture       *f,
                gconstpointer  data)
{
  const char *body = "{\"prompt\":\"hi\",\"max_tokens\":3}";
  g_autoptr(LsStreamOptions) options = demo_options (f, "/llm?interval_ms=1");
  g_autoptr(LsStream) stream = NULL;
  LsStreamStats stats;
  Collected c;
  guint done = 0;

  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static (body, strlen (body));
  ls_stream_options_add_header (options, "Content-Type", "application/json");
  g_assert_cmpint (options->reconnect, ==, LS_STREAM_RECONNECT_AUTO);
  g_assert_false (ls_stream_options_get_reconnect (options));
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  assert_end (stream, LS_STREAM_END_COMPLETED);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.reconnects, ==, 0);
  g_assert_cmpuint (ls_demo_server_get_n_streams (f->demo), ==, 1);
  collect (f, ls_stream_get_id (stream), &c);
  for (guint i = 0; i < c.events->len; i++)
    done += g_str_has_suffix (g_ptr_array_index (c.events, i), "|[DONE]");
  g_assert_cmpuint (done, ==, 1);
  collected_clear (&c);
}

/* A GET LLM stream reconnects, as EventSource does, and is told it is
 * done: its last event's id says so and the demo answers that reconnect
 * 204. One answer, not one per reconnect. */
static void
test_get_llm_ends (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/llm?interval_ms=1&max_tokens=3&style=anthropic");
  g_autoptr(LsStream) stream = NULL;
  LsStreamStats stats;
  Collected c;
  guint stops = 0;

  options->reconnect_ms = 50;
  g_assert_true (ls_stream_options_get_reconnect (options));
  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  assert_end (stream, LS_STREAM_END_NO_CONTENT);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 2);
  g_assert_cmpuint (ls_demo_server_get_n_streams (f->demo), ==, 1);
  collect (f, ls_stream_get_id (stream), &c);
  for (guint i = 0; i < c.events->len; i++)
    stops += g_str_equal (g_ptr_array_index (c.events, i), "event|message_stop|done|{\"type\":\"message_stop\"}");
  g_assert_cmpuint (stops, ==, 1);
  collected_clear (&c);
}

/* The default policy, and GET never sending a body. */
static void
test_reconnect_policy (void)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://127.0.0.1:1/");

  g_assert_true (ls_stream_options_get_reconnect (options));
  options->body = g_bytes_new_static ("x", 1);
  g_assert_false (ls_stream_options_sends_body (options));
  g_assert_true (ls_stream_options_get_reconnect (options));
  options->method = g_strdup ("HEAD");
  g_assert_false (ls_stream_options_sends_body (options));
  g_free (options->method);
  options->method = g_strdup ("PUT");
  g_assert_true (ls_stream_options_sends_body (options));
  g_assert_false (ls_stream_options_get_reconnect (options));
  g_free (options->method);
  options->method = g_strdup ("POST");
  g_clear_pointer (&options->body, g_bytes_unref);
  g_assert_false (ls_stream_options_get_reconnect (options));
  options->reconnect = LS_STREAM_RECONNECT_ON;
  g_assert_true (ls_stream_options_get_reconnect (options));
  g_free (options->method);
  options->method = g_strdup ("GET");
  options->reconnect = LS_STREAM_RECONNECT_OFF;
  g_assert_false (ls_stream_options_get_reconnect (options));
  g_assert_true (ls_stream_options_validate (options, NULL));
  options->reconnect = (LsStreamReconnect) 7;
  g_assert_false (ls_stream_options_validate (options, NULL));
}

/* A refusal after events: the end is http-status, the response keeps the
 * status line, the headers and the body as sent, and the events stay. */
static void
test_refusal_response (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/401-after");
  g_autoptr(LsStream) stream = NULL;
  const char *refusal = "{\"error\":\"token expired\",\"code\":401}";
  LsStreamResponse *response;
  Collected c;

  options->reconnect_ms = LS_STREAM_MIN_RECONNECT_MS;
  stream = start_stream (f, options);
  g_assert_null (ls_stream_get_response (stream));
  ls_test_wait_final (stream);
  assert_end (stream, LS_STREAM_END_HTTP_STATUS);
  g_assert_cmpstr (ls_stream_get_message (stream), ==, "HTTP 401 Unauthorized: the server refused the stream");

  response = ls_stream_get_response (stream);
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 401);
  g_assert_cmpstr (response->reason, ==, "Unauthorized");
  g_assert_cmpstr (ls_stream_response_get_header (response, "content-type"), ==, "application/json");
  g_assert_cmpstr (ls_stream_response_get_header (response, "WWW-Authenticate"), ==, "Bearer realm=\"test\"");
  g_assert_false (response->headers_truncated);
  g_assert_nonnull (response->error_body);
  g_assert_cmpmem (g_bytes_get_data (response->error_body, NULL), g_bytes_get_size (response->error_body),
                   refusal, strlen (refusal));
  g_assert_false (response->error_body_truncated);
  g_assert_cmpint (response->headers_us, >=, 0);
  g_assert_cmpint (response->first_byte_us, >=, response->headers_us);

  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (c.n_events, ==, 2);
  collected_clear (&c);
}

/* ---- honest reconnect timing ---------------------------------------- */

static void
on_next_attempt (LsStream   *stream,
                 GParamSpec *pspec,
                 GArray     *announced)
{
  gint64 at = ls_stream_get_next_attempt_time (stream);

  if (at != 0)
    g_array_append_val (announced, at);
}

/* The stream's spans named @name, in the order recorded. */
static GArray *
stream_spans (Fixture    *f,
              LsStream   *stream,
              const char *name)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (f->s.recorder, 0, NULL);
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (LsRecord));

  for (guint i = 0; i < records->len; i++)
    {
      LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind == LS_RECORD_SPAN && g_strcmp0 (r->name, name) == 0 &&
          r->parent_id == ls_stream_get_task (stream))
        {
          LsRecord copy = *r;

          copy.detail = NULL;
          g_array_append_val (spans, copy);
        }
    }
  for (guint i = 0; i < records->len; i++)
    ls_record_clear (&g_array_index (records, LsRecord, i));
  return spans;
}

/* Each announced attempt time is the one the worker's timer was due at
 * (the end of a reconnect wait), and the next attempt starts at or after
 * it: a countdown to it would be exact, the server's retry: included. */
static void
test_next_attempt_time (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/flaky?every=2&count=6&rate=0&retry=150");
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) announced = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) waits = NULL;
  g_autoptr(GArray) connections = NULL;

  options->max_events = 6;
  stream = ls_stream_new (f->s.bridge, options, f->s.store, f->s.next_id++);
  g_signal_connect (stream, "notify::next-attempt-time", G_CALLBACK (on_next_attempt), announced);
  g_assert_true (ls_stream_start (stream, NULL));
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_next_attempt_time (stream), ==, 0);
  fixture_stop_worker (f);
  waits = stream_spans (f, stream, "stream.reconnect-wait");
  connections = stream_spans (f, stream, "stream.connection");
  g_test_message ("%u announced, %u waits, %u connections", announced->len, waits->len, connections->len);
  g_assert_cmpuint (waits->len, ==, 2);
  g_assert_cmpuint (connections->len, ==, 3);
  g_assert_cmpuint (announced->len, >=, 1);
  for (guint i = 0; i < announced->len; i++)
    {
      gint64 at = g_array_index (announced, gint64, i);
      gboolean found = FALSE;

      for (guint w = 0; w < waits->len; w++)
        {
          LsRecord *wait = &g_array_index (waits, LsRecord, w);

          if (wait->end_us != at)
            continue;
          found = TRUE;
          /* The server's retry: 150 ms, no backoff after a connection with events. */
          g_assert_cmpint (at - wait->start_us, ==, 150 * 1000);
          g_assert_cmpint (g_array_index (connections, LsRecord, w + 1).start_us, >=, at);
        }
      g_assert_true (found);
    }
}

static gboolean
next_attempt_is (gpointer data)
{
  LsStream *stream = data;
  gint64 expected = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (stream), "expect-scheduled"));

  return expected ? ls_stream_get_next_attempt_time (stream) != 0
                  : ls_stream_get_state (stream) == LS_STREAM_WAITING &&
                    ls_stream_get_next_attempt_time (stream) == 0;
}

/* A pause holds the (minute-long) wait and says so; "reconnect now"
 * connects at once anyway. */
static void
test_pause_and_reconnect_now (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/sse/flaky?every=2&count=4&rate=0&retry=60000");
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) waits = NULL;
  g_autoptr(GArray) connections = NULL;
  LsStreamStats stats;

  options->max_events = 4;
  stream = start_stream (f, options);
  g_object_set_data (G_OBJECT (stream), "expect-scheduled", GINT_TO_POINTER (1));
  g_assert_true (ls_test_wait_until (next_attempt_is, stream, 20000));
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_WAITING);
  ls_stream_set_reconnect_paused (stream, TRUE);
  g_assert_true (ls_stream_get_reconnect_paused (stream));
  g_object_set_data (G_OBJECT (stream), "expect-scheduled", GINT_TO_POINTER (0));
  g_assert_true (ls_test_wait_until (next_attempt_is, stream, 20000));
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);

  ls_stream_reconnect_now (stream);
  ls_test_wait_final (stream);
  assert_end (stream, LS_STREAM_END_MAX_EVENTS);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 2);
  fixture_stop_worker (f);
  waits = stream_spans (f, stream, "stream.reconnect-wait");
  connections = stream_spans (f, stream, "stream.connection");
  g_assert_cmpuint (waits->len, ==, 1);
  g_assert_cmpuint (connections->len, ==, 2);
  /* Due when asked, long before the server's minute. */
  g_assert_cmpint (g_array_index (waits, LsRecord, 0).end_us - g_array_index (waits, LsRecord, 0).start_us, <, 60000 * 1000);
  g_assert_cmpint (g_array_index (connections, LsRecord, 1).start_us, >=, g_array_index (waits, LsRecord, 0).end_us);
}

/* Every value stats.reconnects took as "progress" saw it. */
static void
on_progress_reconnects (LsStream *stream,
                        GArray   *seen)
{
  LsStreamStats stats;
  guint64 last = seen->len > 0 ? g_array_index (seen, guint64, seen->len - 1) : 0;

  ls_stream_get_stats (stream, &stats);
  if (stats.reconnects != last)
    g_array_append_val (seen, stats.reconnects);
}

static gboolean
has_reconnected_thrice (gpointer data)
{
  LsStreamStats stats;

  ls_stream_get_stats (data, &stats);
  return ls_stream_get_state (data) == LS_STREAM_WAITING && stats.reconnects >= 3;
}

/* A wait after attempts that never connected says so, with GIO's typed
 * cause; each reconnect is one "reconnect" record and one count, and the
 * UI hears of each (a failed attempt and its new wait fall in one frame,
 * the state reading WAITING before and after). */
static void
test_wait_reason_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *url = ls_test_refused_url ("/x");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint64));
  const GError *error = NULL;
  gboolean opened = TRUE;
  LsStreamStats stats;
  Collected c;

  options->reconnect_ms = 100;
  options->backoff_max_ms = 100;
  stream = ls_stream_new (f->s.bridge, options, f->s.store, f->s.next_id++);
  g_signal_connect (stream, "progress", G_CALLBACK (on_progress_reconnects), seen);
  g_assert_true (ls_stream_start (stream, NULL));
  g_assert_cmpint (ls_stream_get_wait_reason (stream, NULL, NULL), ==, LS_STREAM_END_NONE);
  g_assert_true (ls_test_wait_until (has_reconnected_thrice, stream, 20000));

  g_assert_cmpint (ls_stream_get_wait_reason (stream, &opened, &error), ==, LS_STREAM_END_CONNECT_FAILED);
  g_assert_false (opened);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  /* Held: no attempt after this, so store and figures can be compared. */
  ls_stream_set_reconnect_paused (stream, TRUE);
  g_object_set_data (G_OBJECT (stream), "expect-scheduled", GINT_TO_POINTER (0));
  g_assert_true (ls_test_wait_until (next_attempt_is, stream, 20000));
  ls_stream_get_stats (stream, &stats);
  collect (f, ls_stream_get_id (stream), &c);
  g_assert_cmpuint (stats.reconnects, ==, c.n_reconnects);
  g_assert_cmpuint (stats.connects, ==, stats.reconnects);
  g_assert_cmpuint (stats.opens, ==, 0);
  collected_clear (&c);
  g_assert_cmpuint (seen->len, ==, stats.reconnects);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpuint (g_array_index (seen, guint64, i), ==, i + 1);

  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_wait_reason (stream, &opened, &error), ==, LS_STREAM_END_NONE);
  g_assert_false (opened);
  g_assert_null (error);
}

/* A wait after a connection that had opened: it was lost, not refused. */
static void
test_wait_reason_lost (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *url = demo_url (f, "/sse/flaky?every=2&rate=0&retry=60000");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;
  const GError *error = NULL;
  gboolean opened = FALSE;
  LsStreamEnd end;

  stream = start_stream (f, options);
  g_assert_true (ls_test_wait_until (is_waiting, stream, 20000));
  end = ls_stream_get_wait_reason (stream, &opened, &error);
  g_test_message ("end %d: %s", end, error != NULL ? error->message : "(none)");
  g_assert_true (opened);
  g_assert_cmpint (end, !=, LS_STREAM_END_CONNECT_FAILED);
  g_assert_cmpint (end, !=, LS_STREAM_END_NONE);
  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
}

/* A refusal whose body never ends still fails the stream, with what came. */
static void
test_refusal_body_kept_open (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = test_options ("/500-open");
  g_autoptr(LsStream) stream = NULL;
  LsStreamResponse *response;

  stream = start_stream (f, options);
  ls_test_wait_final (stream);
  assert_end (stream, LS_STREAM_END_HTTP_STATUS);
  response = ls_stream_get_response (stream);
  g_assert_cmpuint (response->status, ==, 500);
  g_assert_cmpmem (g_bytes_get_data (response->error_body, NULL), g_bytes_get_size (response->error_body),
                   "{\"error\":", 9);
}

/* Each stats copy the UI gets, from the third event on, while events
 * flow: the rate must never read 0/s between them. */
static void
on_progress_rate (LsStream *stream,
                  GArray   *rates)
{
  LsStreamStats stats;

  ls_stream_get_stats (stream, &stats);
  if (stats.events >= 3 && ls_stream_get_state (stream) == LS_STREAM_OPEN)
    g_array_append_val (rates, stats.events_per_s);
}

/* A slow stream with heartbeats between its events (reads that carry no
 * event): its rate is the events' rate, not 0/s for the windows that
 * held only heartbeats. */
static void
test_slow_stream_rate (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = demo_options (f, "/slow?interval_ms=700&count=8&heartbeat_ms=150");
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));

  options->comments = TRUE;
  options->reconnect = LS_STREAM_RECONNECT_OFF;
  stream = ls_stream_new (f->s.bridge, options, f->s.store, f->s.next_id++);
  g_signal_connect (stream, "progress", G_CALLBACK (on_progress_rate), rates);
  g_assert_true (ls_stream_start (stream, NULL));
  ls_test_wait_final (stream);

  g_assert_cmpuint (rates->len, >, 0);
  for (guint i = 0; i < rates->len; i++)
    {
      g_test_message ("rate %u: %.2f/s", i, g_array_index (rates, double, i));
      g_assert_cmpfloat (g_array_index (rates, double, i), >, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  test_server = test_server_start ();

  g_test_add_func ("/stream/options/validate", test_options_validate);
  g_test_add_func ("/stream/options/reconnect-policy", test_reconnect_policy);
#define ADD(path, func) \
  g_test_add ("/stream/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("start-errors", test_start_errors);
  ADD ("reconnect/flaky-every-id-once", test_flaky_reconnect);
  ADD ("reconnect/last-event-id", test_last_event_id);
  ADD ("reconnect/retry-floor", test_retry_floor);
  ADD ("reconnect/backoff", test_backoff);
  ADD ("reconnect/sessions-no-idle-timeout", test_sessions_no_idle_timeout);
  ADD ("reconnect/connection-refused", test_connection_refused);
  ADD ("reconnect/next-attempt-time", test_next_attempt_time);
  ADD ("reconnect/pause-and-now", test_pause_and_reconnect_now);
  ADD ("reconnect/wait-reason-refused", test_wait_reason_refused);
  ADD ("reconnect/wait-reason-lost", test_wait_reason_lost);
  ADD ("request/user-headers-win", test_user_headers_win);
  ADD ("request/post-body-headers", test_post_body_headers);
  ADD ("request/post-once", test_post_once);
  ADD ("request/get-llm-ends", test_get_llm_ends);
  ADD ("response/status-and-type", test_status_and_type);
  ADD ("response/refusal-kept", test_refusal_response);
  ADD ("response/refusal-body-kept-open", test_refusal_body_kept_open);
  ADD ("response/redirect-and-cr", test_redirect_and_cr);
  ADD ("response/big-event", test_big_event);
  ADD ("response/ndjson-and-raw", test_ndjson_and_raw);
  ADD ("end/duration", test_duration);
  ADD ("end/idle-timeout", test_idle_timeout);
  ADD ("cancel/mid-stream", test_cancel_mid_stream);
  ADD ("cancel/drop-while-live", test_drop_stream_while_live);
  ADD ("cancel/worker-stop-mid-stream", test_worker_stop_mid_stream);
  ADD ("cancel/stop-before-start", test_stop_before_start_runs);
  ADD ("load/200-concurrent", test_many_concurrent);
  ADD ("recorder/spans", test_spans);
  ADD ("recorder/span-tree", test_span_tree);
  ADD ("rate/slow-stream", test_slow_stream_rate);
#undef ADD

  result = g_test_run ();
  test_server_stop (test_server);
  return result;
}
