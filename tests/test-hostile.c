/* test-hostile.c: LsStream against servers that misbehave on purpose
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case streams from one path of the hostile server (byte-level
 * misbehaviour from a raw socket server, tests/ls-hostile-server.c) on
 * 127.0.0.1 and checks what a user depends on: the final state, the exact
 * one-line reason, the events received before the fault (in the store),
 * the recorder's spans, and that memory stays bounded where it matters.
 * The test thread is the UI thread: it owns the global default context.
 * A few cases run again through `loopscope --headless` (the runner), for
 * the exit status, the reason on stderr and the events in --events-out.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ls-enum.h"
#include "ls-hostile-server.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

static LsHostileServer *server;

/* ---- fixture -------------------------------------------------------- */

typedef LsTestStreams Fixture;

static LsStreamOptions *
options_for (const char *path)
{
  g_autofree char *url = ls_hostile_server_url (server, path);

  return ls_stream_options_new (url);
}

/* Final state and its end (the code, not the sentence); the sentence is one line. */
static void
assert_final (LsStream      *stream,
              LsStreamState  state,
              LsStreamEnd    end)
{
  const char *message = ls_stream_get_message (stream);

  g_test_message ("final: %s: %s", ls_stream_state_to_string (ls_stream_get_state (stream)),
                  message != NULL ? message : "(null)");
  g_assert_cmpstr (ls_stream_state_to_string (ls_stream_get_state (stream)), ==,
                   ls_stream_state_to_string (state));
  g_assert_nonnull (message);
  g_assert_null (strchr (message, '\n'));
  g_assert_cmpstr (ls_enum_to_nick (LS_TYPE_STREAM_END, ls_stream_get_end (stream)), ==,
                   ls_enum_to_nick (LS_TYPE_STREAM_END, end));
  if (state == LS_STREAM_FAILED)
    g_assert_error ((GError *) ls_stream_get_end_error (stream), LS_STREAM_END_ERROR, (int) end);
  else
    g_assert_null (ls_stream_get_end_error (stream));
}

/* The records one stream left in the store. */
typedef struct
{
  guint32    stream_id;
  GPtrArray *data;      /* of char *: data of each dispatched event */
  GPtrArray *ids;       /* of char *: the last event ID at each event */
  GPtrArray *types;
  GPtrArray *errors;    /* of char *: "error" records */
  GPtrArray *reconnects;
  char      *closed;    /* the "closed" record */
} Collected;

static gboolean
collect_cb (const LsEventView *view,
            gpointer           data)
{
  Collected *c = data;

  switch (view->kind)
    {
    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
    case LS_EVENT_KIND_CHUNK:
      g_ptr_array_add (c->data, g_strndup (view->data, view->data_len));
      /* Keep NULs visible to the assertions. */
      if (memchr (view->data, '\0', view->data_len) != NULL)
        {
          char *copy = g_memdup2 (view->data, view->data_len + 1);

          for (gsize i = 0; i < view->data_len; i++)
            if (copy[i] == '\0')
              copy[i] = '@';
          g_free (g_ptr_array_steal_index (c->data, c->data->len - 1));
          g_ptr_array_add (c->data, copy);
        }
      g_ptr_array_add (c->ids, g_strndup (view->id, view->id_len));
      g_ptr_array_add (c->types, g_strndup (view->type, view->type_len));
      break;
    case LS_EVENT_KIND_ERROR:
      g_ptr_array_add (c->errors, g_strndup (view->data, view->data_len));
      break;
    case LS_EVENT_KIND_RECONNECT:
      g_ptr_array_add (c->reconnects, g_strndup (view->data, view->data_len));
      break;
    case LS_EVENT_KIND_CLOSED:
      g_free (c->closed);
      c->closed = g_strndup (view->data, view->data_len);
      break;
    case LS_EVENT_KIND_OPEN:
    case LS_EVENT_KIND_COMMENT:
    default:
      break;
    }
  return TRUE;
}

static void
collect (Fixture   *f,
         LsStream  *stream,
         Collected *c)
{
  c->stream_id = ls_stream_get_id (stream);
  c->data = g_ptr_array_new_with_free_func (g_free);
  c->ids = g_ptr_array_new_with_free_func (g_free);
  c->types = g_ptr_array_new_with_free_func (g_free);
  c->errors = g_ptr_array_new_with_free_func (g_free);
  c->reconnects = g_ptr_array_new_with_free_func (g_free);
  c->closed = NULL;
  ls_test_foreach_of_stream (f->store, c->stream_id, collect_cb, c);
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->data);
  g_ptr_array_unref (c->ids);
  g_ptr_array_unref (c->types);
  g_ptr_array_unref (c->errors);
  g_ptr_array_unref (c->reconnects);
  g_free (c->closed);
}

/* The store holds the stream's final reason as its last record, and the
 * events before the fault, the first ones being @first (NULL-terminated,
 * or NULL). */
static void
assert_kept (Fixture            *f,
             LsStream           *stream,
             guint               min_events,
             const char * const *first)
{
  Collected c;

  collect (f, stream, &c);
  g_assert_cmpuint (c.data->len, >=, min_events);
  g_assert_cmpstr (c.closed, ==, ls_stream_get_message (stream));
  if (ls_stream_get_state (stream) == LS_STREAM_FAILED)
    {
      g_assert_cmpuint (c.errors->len, >=, 1);
      g_assert_cmpstr (g_ptr_array_index (c.errors, c.errors->len - 1), ==, ls_stream_get_message (stream));
    }
  for (guint i = 0; first != NULL && first[i] != NULL; i++)
    {
      g_assert_cmpuint (i, <, c.data->len);
      g_assert_cmpstr (g_ptr_array_index (c.data, i), ==, first[i]);
    }
  collected_clear (&c);
}

/* The recorder has the request's spans and the stream's end with its reason. */
static void
assert_spans (Fixture  *f,
              LsStream *stream)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (f->recorder, 0, NULL);
  guint send = 0, closed = 0;
  LsOutcome expected = ls_stream_get_state (stream) == LS_STREAM_FAILED ? LS_OUTCOME_ERROR :
                       ls_stream_get_state (stream) == LS_STREAM_CANCELLED ? LS_OUTCOME_CANCELLED :
                       LS_OUTCOME_OK;

  for (guint i = 0; i < records->len; i++)
    {
      LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind == LS_RECORD_SPAN && g_strcmp0 (r->name, "stream.send") == 0)
        send++;
      if (r->kind == LS_RECORD_SPAN && g_strcmp0 (r->name, "stream.closed") == 0 &&
          g_strcmp0 (r->detail, ls_stream_get_message (stream)) == 0)
        {
          g_assert_cmpint (r->outcome, ==, expected);
          closed++;
        }
    }
  for (guint i = 0; i < records->len; i++)
    ls_record_clear (&g_array_index (records, LsRecord, i));
  /* A cancel may end the stream before libsoup reports the send back. */
  if (expected != LS_OUTCOME_CANCELLED)
    g_assert_cmpuint (send, >=, 1);
  g_assert_cmpuint (closed, ==, 1);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LS_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LS_UNDER_SANITIZER 1
#endif
#endif

/* Sanitizers and valgrind (which build-aux/dev marks with a timeout
 * scale) inflate memory and CPU time: the RSS and CPU bounds hold for
 * normal builds; the byte counts that prove the caps hold everywhere. */
static gboolean
normal_build (void)
{
#ifdef LS_UNDER_SANITIZER
  return FALSE;
#else
  const char *scale = g_getenv ("LS_TEST_TIMEOUT_SCALE");

  return scale == NULL || g_ascii_strtoull (scale, NULL, 10) <= 1;
#endif
}

static glong
max_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* ---- the case runner ------------------------------------------------------ */

/* One stream from a path of the hostile server to its end, and the checks
 * every case shares; zero fields leave the option at its default. */
typedef struct
{
  const char     *name;              /* below /hostile/, for table cases */
  const char     *path;              /* on the hostile server */
  gboolean        no_reconnect;
  LsStreamFormat  format;
  guint           idle_timeout_ms;
  guint           stall_timeout_ms;
  gsize           max_event_size;
  guint           reconnect_ms;
  guint           max_events;
  LsStreamState   state;
  LsStreamEnd     end;
  gboolean        kept;              /* assert_kept() with min_events, first */
  guint           min_events;
  const char     *first[3];
  gboolean        spans;             /* assert_spans() */
} HostileCase;

static LsStream *
run_case (Fixture           *f,
          const HostileCase *c)
{
  g_autoptr(LsStreamOptions) options = options_for (c->path);
  LsStream *stream;

  if (c->no_reconnect)
    options->reconnect = FALSE;
  if (c->format != LS_STREAM_FORMAT_AUTO)
    options->format = c->format;
  if (c->idle_timeout_ms != 0)
    options->idle_timeout_ms = c->idle_timeout_ms;
  if (c->stall_timeout_ms != 0)
    options->stall_timeout_ms = c->stall_timeout_ms;
  if (c->max_event_size != 0)
    options->max_event_size = c->max_event_size;
  if (c->reconnect_ms != 0)
    options->reconnect_ms = c->reconnect_ms;
  if (c->max_events != 0)
    options->max_events = c->max_events;
  stream = ls_test_streams_start (f, options);
  ls_test_wait_final (stream);
  assert_final (stream, c->state, c->end);
  if (c->kept)
    assert_kept (f, stream, c->min_events, c->first);
  if (c->spans)
    assert_spans (f, stream);
  return stream;
}

/* The cases whose table row says all there is to check. */
static const HostileCase table_cases[] = {
  /* 4. Accepts and never answers. */
  { .name = "no-answer-idle-timeout", .path = "/hang", .no_reconnect = TRUE, .idle_timeout_ms = 300,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_IDLE_TIMEOUT, .kept = TRUE, .spans = TRUE },
  /* 5. Comment lines every 150 ms for 1.2 s: a healthy stream, though no
   * event arrives for longer than the stall timeout. */
  { .name = "heartbeat-keeps-alive", .path = "/heartbeat", .no_reconnect = TRUE, .stall_timeout_ms = 600,
    .state = LS_STREAM_ENDED, .end = LS_STREAM_END_COMPLETED, .kept = TRUE, .min_events = 1,
    .first = { "alive" } },
  { .name = "stall-no-response", .path = "/hang", .no_reconnect = TRUE, .stall_timeout_ms = 250,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_STALL },
  /* 7. Malformed chunked encoding. A size line libsoup cannot read (longer
   * than its 128-byte buffer). */
  { .name = "chunked-bad-size-line", .path = "/badsize", .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_BAD_RESPONSE, .kept = TRUE, .min_events = 1,
    .first = { "before" }, .spans = TRUE },
  /* libsoup skips the line where the CRLF should be, reads the next as a
   * size (0xda from "data…"), then meets the close. */
  { .name = "chunked-missing-crlf", .path = "/nocrlf", .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_BAD_RESPONSE, .kept = TRUE, .min_events = 1,
    .first = { "before" }, .spans = TRUE },
  /* libsoup 3.2 reads chunk sizes with strtoul(): "zz" is 0, the last
   * chunk, so the body ends cleanly where the garbage starts. What the
   * client can see is an end of body: SSE would reconnect; here it ends. */
  { .name = "chunked-non-hex-size", .path = "/badhex", .no_reconnect = TRUE,
    .state = LS_STREAM_ENDED, .end = LS_STREAM_END_COMPLETED, .kept = TRUE, .min_events = 1,
    .first = { "before" }, .spans = TRUE },
  /* 11. Wrong content type, and other broken responses. */
  { .name = "wrong-content-type", .path = "/html", .format = LS_STREAM_FORMAT_SSE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_WRONG_TYPE, .kept = TRUE, .spans = TRUE },
  { .name = "close-before-headers", .path = "/close-early", .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_CONNECT_FAILED, .kept = TRUE, .spans = TRUE },
  { .name = "short-body", .path = "/short", .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_BAD_RESPONSE, .kept = TRUE, .min_events = 2,
    .first = { "a", "b" }, .spans = TRUE },
};

static void
test_table_case (Fixture       *f,
                 gconstpointer  data)
{
  g_object_unref (run_case (f, data));
}

/* ---- 1. a line that never ends -------------------------------------- */

static void
test_endless_line (Fixture       *f,
                   gconstpointer  data)
{
  static const HostileCase c = {
    .path = "/endless", .max_event_size = 1024 * 1024,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_TOO_LARGE, .kept = TRUE, .min_events = 2,
    .first = { "one", "two" }, .spans = TRUE,
  };
  glong rss_before = max_rss_kib ();
  g_autoptr(LsStream) stream = run_case (f, &c);
  LsStreamStats stats;

  ls_stream_get_stats (stream, &stats);
  g_test_message ("read %" G_GUINT64_FORMAT " bytes; server wrote %" G_GUINT64_FORMAT
                  "; max RSS grew %ld KiB; store %" G_GUINT64_FORMAT " bytes",
                  stats.bytes, ls_hostile_server_endless_bytes (server),
                  max_rss_kib () - rss_before, ls_event_store_get_memory_bytes (f->store));
  /* The client stopped reading at the cap, not at the server's 1 GiB. */
  g_assert_cmpuint (stats.bytes, <, 2 * 1024 * 1024);
  if (normal_build ())
    g_assert_cmpint (max_rss_kib () - rss_before, <, 64 * 1024);
  g_assert_cmpuint (ls_event_store_get_memory_bytes (f->store), <, 4 * 1024 * 1024);
}

/* ---- 2. invalid UTF-8 and NUL ----------------------------------------- */

static void
test_utf8_and_nul (Fixture       *f,
                   gconstpointer  data)
{
  static const HostileCase utf8 = {
    .path = "/utf8", .no_reconnect = TRUE,
    .state = LS_STREAM_ENDED, .end = LS_STREAM_END_COMPLETED, .spans = TRUE,
  };
  g_autoptr(LsStream) stream = run_case (f, &utf8);
  Collected c;

  collect (f, stream, &c);
  g_assert_cmpuint (c.data->len, ==, 6);
  /* WHATWG decoding: one U+FFFD per maximal invalid subpart. */
  g_assert_cmpstr (g_ptr_array_index (c.data, 0), ==,
                   "a\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\n"
                   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "z");
  g_assert_cmpstr (g_ptr_array_index (c.data, 1), ==, "nul@inside");
  /* The id with a NUL was ignored: the previous one stands. */
  g_assert_cmpstr (g_ptr_array_index (c.ids, 2), ==, "1");
  g_assert_cmpstr (g_ptr_array_index (c.data, 2), ==, "after-nul-id");
  /* The field with a bad byte in its name is unknown: only `data: x`. */
  g_assert_cmpstr (g_ptr_array_index (c.data, 3), ==, "x");
  g_assert_cmpstr (g_ptr_array_index (c.types, 4), ==, "t\xef\xbf\xbdpe");
  g_assert_cmpstr (g_ptr_array_index (c.data, 5), ==, "end");
  for (guint i = 0; i < c.data->len; i++)
    {
      g_assert_true (g_utf8_validate (g_ptr_array_index (c.data, i), -1, NULL));
      g_assert_true (g_utf8_validate (g_ptr_array_index (c.types, i), -1, NULL));
    }
  collected_clear (&c);
}

/* ---- 3. decompression bomb ---------------------------------------------- */

static void
run_bomb (Fixture    *f,
          const char *path,
          gboolean    events,
          guint       min_events,
          const char *first)
{
  const HostileCase c = {
    .path = path, .state = LS_STREAM_FAILED, .end = LS_STREAM_END_BOMB,
    .kept = TRUE, .min_events = min_events, .first = { first }, .spans = TRUE,
  };
  glong rss_before = max_rss_kib ();
  g_autoptr(LsStream) stream = run_case (f, &c);
  LsStreamStats stats;
  gsize inflated = 0, wire;

  ls_stream_get_stats (stream, &stats);
  wire = ls_hostile_server_gzip_size (server, events, &inflated);
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes gzip of %" G_GSIZE_FORMAT "; decoded %" G_GUINT64_FORMAT
                  " before the cap, %" G_GUINT64_FORMAT " events; max RSS grew %ld KiB",
                  path, wire, inflated,
                  stats.bytes, stats.events, max_rss_kib () - rss_before);
  /* Stopped just past the 16 MiB floor, far from the 64 MiB inside. */
  g_assert_cmpuint (stats.bytes, >, LS_STREAM_EXPANSION_FLOOR);
  g_assert_cmpuint (stats.bytes, <, LS_STREAM_EXPANSION_FLOOR + 1024 * 1024);
  /* What was decoded is stored (the events) or buffered (the line): about
   * 16 MiB plus overheads, not 64. */
  if (normal_build ())
    g_assert_cmpint (max_rss_kib () - rss_before, <, 48 * 1024);
}

static void
test_gzip_bomb_events (Fixture       *f,
                       gconstpointer  data)
{
  static char first[1024 - 8 + 1];

  memset (first, 'a', sizeof first - 1);
  /* Nearly 16 MiB of 1 KiB events, all those before the cap kept. */
  run_bomb (f, "/gzip-events", TRUE, 16000, first);
}

static void
test_gzip_bomb_line (Fixture       *f,
                     gconstpointer  data)
{
  run_bomb (f, "/gzip-line", FALSE, 1, "first");
}

/* ---- 4. accepts and never answers --------------------------------------- */

static gboolean
hang_seen (gpointer data)
{
  return ls_hostile_server_count (server, "/hang") > GPOINTER_TO_UINT (data);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_no_answer_cancel (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for ("/hang");
  g_autoptr(LsStream) stream = NULL;
  guint before = ls_hostile_server_count (server, "/hang");
  guint tick;

  /* No timeout at all: only a cancel ends it, at once. */
  stream = ls_test_streams_start (f, options);
  /* The server's thread does not wake this context: a tick does. */
  tick = g_timeout_add (10, tick_cb, NULL);
  g_assert_true (ls_test_wait_until (hang_seen, GUINT_TO_POINTER (before), 10000));
  g_source_remove (tick);
  ls_test_run_for (200);
  g_assert_false (ls_test_stream_is_final (stream));
  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
  assert_final (stream, LS_STREAM_CANCELLED, LS_STREAM_END_CANCELLED);
  assert_spans (f, stream);
}

/* ---- 5. slowloris --------------------------------------------------------- */

static void
test_slowloris (Fixture       *f,
                gconstpointer  data)
{
  /* A byte every 250 ms: the idle timeout alone never trips. */
  static const HostileCase c = {
    .path = "/trickle", .no_reconnect = TRUE, .idle_timeout_ms = 1000, .stall_timeout_ms = 1200,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_STALL, .kept = TRUE, .min_events = 1,
    .first = { "first" }, .spans = TRUE,
  };
  g_autoptr(LsStream) stream = run_case (f, &c);
  LsStreamStats stats;

  ls_stream_get_stats (stream, &stats);
  /* Bytes kept arriving: it was the stall timer, not the idle one. */
  g_assert_cmpuint (stats.bytes, >, strlen ("data: first\n\ndata: ") + 1);
}

/* ---- 6. reset mid-chunk --------------------------------------------------- */

static void
test_reset_mid_chunk (Fixture       *f,
                      gconstpointer  data)
{
  static const HostileCase c = {
    .path = "/reset", .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_NETWORK, .kept = TRUE, .min_events = 2,
    .first = { "a", "b" }, .spans = TRUE,
  };
  g_autoptr(LsStream) stream = run_case (f, &c);
  LsStreamStats stats;

  /* Lost after the open, not "could not connect". */
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.opens, ==, 1);
  g_assert_cmpuint (ls_stream_get_response (stream)->status, ==, 200);
  g_assert_nonnull (strstr (ls_stream_get_message (stream), "reset"));
}

static void
test_reset_reconnects (Fixture       *f,
                       gconstpointer  data)
{
  /* With reconnect on (the default), a reset is a network error: reconnect. */
  static const HostileCase reset = {
    .path = "/reset", .reconnect_ms = 100, .max_events = 4,
    .state = LS_STREAM_ENDED, .end = LS_STREAM_END_MAX_EVENTS,
  };
  g_autoptr(LsStream) stream = run_case (f, &reset);
  Collected c;

  collect (f, stream, &c);
  g_assert_cmpuint (c.reconnects->len, >=, 1);
  g_test_message ("reconnect: %s", (char *) g_ptr_array_index (c.reconnects, 0));
  g_assert_nonnull (strstr (g_ptr_array_index (c.reconnects, 0), "reset"));
  g_assert_cmpstr (g_ptr_array_index (c.data, 2), ==, "a");
  collected_clear (&c);
}

/* ---- 8. huge headers ------------------------------------------------------ */

static void
run_huge_headers (Fixture    *f,
                  const char *path)
{
  const HostileCase c = {
    .path = path, .no_reconnect = TRUE,
    .state = LS_STREAM_FAILED, .end = LS_STREAM_END_TOO_LARGE, .kept = TRUE, .spans = TRUE,
  };
  glong rss_before = max_rss_kib ();
  g_object_unref (run_case (f, &c));

  g_test_message ("max RSS grew %ld KiB", max_rss_kib () - rss_before);
  if (normal_build ())
    g_assert_cmpint (max_rss_kib () - rss_before, <, 64 * 1024);
}

static void
test_many_headers (Fixture       *f,
                   gconstpointer  data)
{
  run_huge_headers (f, "/manyheaders");
}

static void
test_one_huge_header (Fixture       *f,
                      gconstpointer  data)
{
  run_huge_headers (f, "/bigheader");
}

/* ---- 9. redirect loops ---------------------------------------------------- */

static void
run_redirect_loop (Fixture    *f,
                   const char *path,
                   const char *prefix)
{
  /* Reconnect on: a loop is not worth retrying, it fails at once. */
  const HostileCase c = {
    .path = path, .state = LS_STREAM_FAILED, .end = LS_STREAM_END_REDIRECT, .kept = TRUE, .spans = TRUE,
  };
  guint before = ls_hostile_server_count (server, prefix);
  g_object_unref (run_case (f, &c));

  /* libsoup follows 20 redirects: 21 requests, then it stops. */
  g_test_message ("%u requests", ls_hostile_server_count (server, prefix) - before);
  g_assert_cmpuint (ls_hostile_server_count (server, prefix) - before, <=, 25);
}

static void
test_redirect_loop (Fixture       *f,
                    gconstpointer  data)
{
  run_redirect_loop (f, "/loop-a", "/loop-");
}

static void
test_redirect_self (Fixture       *f,
                    gconstpointer  data)
{
  run_redirect_loop (f, "/self", "/self");
}

/* ---- 10. retry: 0 storm ---------------------------------------------------- */

static void
test_retry_zero_storm (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for ("/retry0");
  g_autoptr(LsStream) stream = NULL;
  guint before = ls_hostile_server_count (server, "/retry0");
  double cpu_before = cpu_seconds ();
  gint64 start_us = g_get_monotonic_time ();
  guint period_ms = 1500, connects;
  double cpu;

  stream = ls_test_streams_start (f, options);
  /* Runs longer under sanitizers and valgrind: the bound uses the time
   * that actually passed. */
  ls_test_run_for (period_ms);
  period_ms = (guint) ((g_get_monotonic_time () - start_us) / 1000);
  connects = ls_hostile_server_count (server, "/retry0") - before;
  cpu = cpu_seconds () - cpu_before;
  ls_stream_cancel (stream);
  ls_test_wait_final (stream);
  assert_final (stream, LS_STREAM_CANCELLED, LS_STREAM_END_CANCELLED);
  g_test_message ("%u connects in %u ms (floor %u ms), %.3f s CPU", connects, period_ms,
                  LS_STREAM_MIN_RECONNECT_MS, cpu);
  /* Every connection delivers an event, so no backoff: the floor alone. */
  g_assert_cmpuint (connects, >=, 2);
  g_assert_cmpuint (connects, <=, period_ms / LS_STREAM_MIN_RECONNECT_MS + 2);
  /* No spin: a busy loop would burn the whole period. */
  if (normal_build ())
    g_assert_cmpfloat (cpu, <, period_ms / 1000.0 * 0.5);
  assert_spans (f, stream);
}

/* ---- the same through `loopscope --headless` ----------------------------- */

typedef struct
{
  int        status;
  char      *err;
  GPtrArray *lines;     /* of JsonObject *, from --events-out: the first
                         * PARSED_LINES and the last (each JSON line is
                         * checked for shape; parsing them all is slow
                         * under sanitizers) */
  guint      n_events;  /* lines of kind "event" */
} Run;

#define PARSED_LINES 64

static void
run_clear (Run *run)
{
  g_free (run->err);
  g_clear_pointer (&run->lines, g_ptr_array_unref);
}

/* Runs the runner with @args (NULL-terminated), events to a file. */
static void
run_headless (Run                *run,
              const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(JsonParser) parser = json_parser_new ();
  LsHeadlessRun headless = { 0 };
  int fd;

  fd = g_file_open_tmp ("hostile-events-XXXXXX.jsonl", &out_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_ptr_array_add (argv, (char *) "--events-out");
  g_ptr_array_add (argv, out_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  ls_test_run_headlessv (&headless, LS_HEADLESS_RUN_DISCARD_OUT, (const char * const *) argv->pdata);
  g_assert_cmpint (headless.status, >=, 0);
  run->status = headless.status;
  run->err = g_steal_pointer (&headless.err);
  ls_headless_run_clear (&headless);

  g_assert_true (g_file_get_contents (out_path, &contents, &length, &error));
  g_assert_no_error (error);
  g_unlink (out_path);
  run->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  /* memchr, not g_strsplit: strstr over 16 MiB is quadratic under ASan's
   * interceptor. */
  for (const char *line = contents, *end = contents + length; line < end;)
    {
      const char *eol = memchr (line, '\n', end - line);
      gboolean last;

      g_assert_nonnull (eol);
      last = eol + 1 == end;
      g_assert_true (line[0] == '{' && eol[-1] == '}');
      if (memmem (line, eol - line, "\"kind\":\"event\"", 14) != NULL)
        run->n_events++;
      if (run->lines->len < PARSED_LINES || last)
        {
          if (!json_parser_load_from_data (parser, line, eol - line, &error))
            g_error ("line %u is not JSON (%s): %.*s", run->lines->len, error->message,
                     (int) (eol - line), line);
          g_ptr_array_add (run->lines, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
        }
      line = eol + 1;
    }
}

static void
assert_one_line (Run        *run,
                 int         status,
                 const char *fragment)
{
  g_assert_cmpint (run->status, ==, status);
  g_assert_true (g_str_has_prefix (run->err, "loopscope: "));
  g_assert_nonnull (strchr (run->err, '\n'));
  g_assert_cmpstr (strchr (run->err, '\n'), ==, "\n");
  g_assert_nonnull (strstr (run->err, fragment));
}

/* The data of the events written, the first @n of them being the
 * expected ones; the last line is "closed" with the stderr reason. */
static void
assert_written (Run         *run,
                guint        min_events,
                const char **expected)
{
  JsonObject *last;
  guint n = 0;

  for (guint i = 0; i < run->lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run->lines, i);

      if (!g_str_equal (json_object_get_string_member (line, "kind"), "event"))
        continue;
      if (expected != NULL && expected[n] != NULL)
        g_assert_cmpstr (json_object_get_string_member (line, "data"), ==, expected[n]);
      n++;
    }
  if (expected != NULL)
    g_assert_cmpuint (n, >=, g_strv_length ((char **) expected));
  g_assert_cmpuint (run->n_events, >=, min_events);
  g_assert_cmpuint (run->lines->len, >, 0);
  last = g_ptr_array_index (run->lines, run->lines->len - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "kind"), ==, "closed");
  if (run->status == 1)
    {
      g_autofree char *reason = g_strdup_printf ("loopscope: %s\n", json_object_get_string_member (last, "message"));

      g_assert_cmpstr (run->err, ==, reason);
    }
}

static void
test_headless_failures (void)
{
  g_autofree char *endless = ls_hostile_server_url (server, "/endless");
  g_autofree char *trickle = ls_hostile_server_url (server, "/trickle");
  g_autofree char *loop = ls_hostile_server_url (server, "/loop-a");
  g_autofree char *html = ls_hostile_server_url (server, "/html");
  g_autofree char *bomb = ls_hostile_server_url (server, "/gzip-events");
  g_autofree char *hang = ls_hostile_server_url (server, "/hang");
  g_autofree char *reset = ls_hostile_server_url (server, "/reset");
  g_autofree char *shorter = ls_hostile_server_url (server, "/short");
  static const char *one_two[] = { "one", "two", NULL };
  static const char *first[] = { "first", NULL };
  static const char *a_b[] = { "a", "b", NULL };
  const struct {
    const char  *args[8];
    const char  *reason;
    guint        min_events;
    const char **expected;
  } cases[] = {
    { { endless, "--max-event-size", "1048576", NULL }, "Server-sent line exceeds the 1 MiB limit", 2, one_two },
    { { trickle, "--stall-timeout", "1", "--idle-timeout", "0.8", "--no-reconnect", NULL },
      "No complete line for 1 s (stall timeout)", 1, first },
    { { loop, NULL }, "Too many redirects: the server redirects in a loop", 0, NULL },
    { { html, "--format", "sse", NULL }, "Expected text/event-stream, got text/html", 0, NULL },
    { { bomb, NULL }, "Compressed body expands more than 100:1 (decompression bomb?)", 16000, NULL },
    { { hang, "--idle-timeout", "0.3", "--no-reconnect", NULL }, "No response for 300 ms (idle timeout)", 0, NULL },
    { { reset, "--no-reconnect", NULL }, "Connection reset by peer", 2, a_b },
    { { shorter, "--no-reconnect", NULL }, "Body shorter than its Content-Length: received 18 of 1000 bytes", 2, a_b },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Run run = { 0 };

      run_headless (&run, cases[i].args);
      assert_one_line (&run, 1, cases[i].reason);
      assert_written (&run, cases[i].min_events, cases[i].expected);
      run_clear (&run);
    }
}

static void
test_headless_utf8 (void)
{
  g_autofree char *url = ls_hostile_server_url (server, "/utf8");
  const char *args[] = { url, "--no-reconnect", NULL };
  static const char *expected[] = {
    "a\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\n\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "z",
    "nul\0inside" /* compared up to the NUL: see below */,
    "after-nul-id", "x", "typed", "end", NULL
  };
  Run run = { 0 };
  JsonObject *nul;

  run_headless (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  /* Lines 0 and 1 are "open" and the first event. */
  nul = g_ptr_array_index (run.lines, 2);
  /* JSON carries the NUL as \u0000: json-glib gives it back in a string
   * that C sees end there. */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (nul, "data"), "nul"));
  for (guint i = 0, n = 0; i < run.lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);

      if (!g_str_equal (json_object_get_string_member (line, "kind"), "event"))
        continue;
      if (n != 1)
        g_assert_cmpstr (json_object_get_string_member (line, "data"), ==, expected[n]);
      n++;
    }
  run_clear (&run);
}

/* ---- item 6: input validation ---------------------------------------------- */

static void
test_input_options_validate (void)
{
  static const struct {
    const char   *url;
    const char   *header_name;
    const char   *header_value;
    const char   *last_event_id;
    guint         stall_timeout_ms;
    guint         max_expansion;
    gsize         body_size;
    LsStreamError code;
    const char   *fragment;
  } cases[] = {
    { "javascript:alert(1)", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "javascript" },
    { "example.com/events", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "example.com/events" },
    { "http:///events", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "http:///events" },
    { "http://h/a b", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "blanks" },
    { "http://h/a\x01", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "control characters" },
    { "http://h/a\x7f", NULL, NULL, NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_URL, "control characters" },
    { "http://h/x", "", "v", NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_HEADER, "header name ''" },
    { "http://h/x", "X(1)", "v", NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_HEADER, "X(1)" },
    { "http://h/x", "X-A", "a\x01b", NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_HEADER, "X-A" },
    { "http://h/x", "X-A", "a\nb", NULL, 0, 100, 0, LS_STREAM_ERROR_INVALID_HEADER, "X-A" },
    { "http://h/x", NULL, NULL, "a\rb", 0, 100, 0, LS_STREAM_ERROR_INVALID_OPTION, "last event ID" },
    { "http://h/x", NULL, NULL, NULL, LS_STREAM_MAX_IDLE_TIMEOUT_MS + 1, 100, 0, LS_STREAM_ERROR_INVALID_OPTION, "Stall timeout" },
    { "http://h/x", NULL, NULL, NULL, 0, LS_STREAM_MAX_MAX_EXPANSION + 1, 0, LS_STREAM_ERROR_INVALID_OPTION, "expansion" },
    { "http://h/x", NULL, NULL, NULL, 0, 100, LS_STREAM_MAX_BODY_SIZE + 1, LS_STREAM_ERROR_INVALID_OPTION, "body too large" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LsStreamOptions) options = ls_stream_options_new (cases[i].url);
      g_autofree char *message = NULL;

      if (cases[i].header_name != NULL)
        ls_stream_options_add_header (options, cases[i].header_name, cases[i].header_value);
      options->last_event_id = g_strdup (cases[i].last_event_id);
      options->stall_timeout_ms = cases[i].stall_timeout_ms;
      options->max_expansion = cases[i].max_expansion;
      if (cases[i].body_size > 0)
        options->body = g_bytes_new_take (g_malloc0 (cases[i].body_size), cases[i].body_size);
      g_test_message ("case %u", i);
      message = ls_test_assert_invalid (options, cases[i].code, cases[i].fragment);
      /* The message shows input as printable text only. */
      for (const char *p = message; *p != '\0'; p++)
        g_assert_false ((guchar) *p < 0x20 || *p == 0x7f);
    }

  {
    g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://h/x");
    g_autoptr(GError) error = NULL;

    g_assert_false (ls_stream_options_add_header_line (options, "X-A: a\x01b", &error));
    g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER);
    g_clear_error (&error);
    /* A tab is a legal blank inside a field value. */
    g_assert_true (ls_stream_options_add_header_line (options, "X-A: a\tb", &error));
    g_assert_no_error (error);
    g_assert_true (ls_stream_options_validate (options, &error));
  }
}

static void
test_input_headless_arguments (void)
{
  g_autofree char *tmpdir = g_dir_make_tmp ("hostile-input-XXXXXX", NULL);
  g_autofree char *huge = g_build_filename (tmpdir, "huge.json", NULL);
  g_autofree char *locked = g_build_filename (tmpdir, "locked.json", NULL);
  g_autofree char *at_huge = g_strconcat ("@", huge, NULL);
  g_autofree char *at_locked = g_strconcat ("@", locked, NULL);
  g_autofree char *at_dir = g_strconcat ("@", tmpdir, NULL);
  const char *u = "http://127.0.0.1:9/x";
  const struct {
    const char *args[4];
    const char *fragment;
  } cases[] = {
    { { NULL }, "No URL given" },
    { { "", NULL }, "No URL given" },
    { { "ftp://127.0.0.1/x", NULL }, "scheme 'ftp'" },
    { { "file:///etc/passwd", NULL }, "scheme 'file'" },
    { { "javascript:alert(1)", NULL }, "javascript" },
    { { "127.0.0.1/events", NULL }, "127.0.0.1/events" },
    { { "http:///events", NULL }, "http:///events" },
    { { "http://127.0.0.1/a b", NULL }, "blanks" },
    { { "http://127.0.0.1/a\x01", NULL }, "control characters" },
    { { u, "http://127.0.0.1/y", NULL }, "Unexpected argument 'http://127.0.0.1/y'" },
    { { u, "--bogus", NULL }, "--bogus" },
    { { u, "--header", "NoColon" }, "'NoColon'" },
    { { u, "--header", ": v" }, "': v'" },
    { { u, "--header", "Bad Name: v" }, "'Bad Name: v'" },
    { { u, "--header", "X-A: a\r\nInjected: 1" }, "X-A" },
    { { u, "--header", "X-A: a\x01" }, "control characters" },
    { { u, "--method", "GE T" }, "'GE T'" },
    { { u, "--method", "" }, "Invalid method" },
    { { u, "--format", "xml" }, "'xml'" },
    { { u, "--last-event-id", "a\nb" }, "last event ID" },
    { { u, "--max-events", "-1" }, "--max-events" },
    { { u, "--max-events", "ten" }, "--max-events" },
    { { u, "--max-events", "99999999999999999999999" }, "--max-events" },
    { { u, "--max-events", "" }, "--max-events" },
    { { u, "--duration", "-1" }, "--duration" },
    { { u, "--duration", "1e400" }, "--duration" },
    { { u, "--duration", "nan" }, "--duration" },
    { { u, "--reconnect-ms", "-5" }, "--reconnect-ms" },
    { { u, "--reconnect-ms", "99999999999" }, "--reconnect-ms" },
    { { u, "--idle-timeout", "soon" }, "--idle-timeout" },
    { { u, "--idle-timeout", "-0.5" }, "--idle-timeout" },
    { { u, "--stall-timeout", "-1" }, "--stall-timeout" },
    { { u, "--stall-timeout", "99999999999" }, "--stall-timeout" },
    { { u, "--max-event-size", "0" }, "--max-event-size" },
    { { u, "--max-event-size", "2000000000000" }, "--max-event-size" },
    { { u, "--max-expansion", "-1" }, "--max-expansion" },
    { { u, "--max-expansion", "1000001" }, "--max-expansion" },
    { { u, "--data", "@/nonexistent/body.json" }, "'/nonexistent/body.json'" },
    { { u, "--data", at_dir }, "is a directory" },
    { { u, "--data", at_huge }, "64 MiB limit" },
    { { u, "--data", "@/dev/zero" }, "64 MiB limit" },
    { { u, "--data", at_locked }, "Permission denied" },
    { { u, "--events-out", "/nonexistent/dir/out" }, "--events-out" },
  };
  int fd;

  /* A sparse file one byte over the limit: nothing is read past it. */
  fd = g_open (huge, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, LS_STREAM_MAX_BODY_SIZE + 1), ==, 0);
  close (fd);
  g_assert_true (g_file_set_contents (locked, "{}", 2, NULL));
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LsHeadlessRun run = { 0 };

      /* Root reads anything: the permission case cannot fail there. */
      if (cases[i].args[2] == at_locked && geteuid () == 0)
        continue;
      /* Each case's args hold a NULL after its last argument. */
      ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEFAULT, cases[i].args);
      g_test_message ("case %u: %s", i, run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_true (g_str_has_prefix (run.err, "loopscope: "));
      g_assert_cmpstr (strchr (run.err, '\n'), ==, "\n");
      g_assert_nonnull (strstr (run.err, cases[i].fragment));
      ls_headless_run_clear (&run);
    }

  g_unlink (huge);
  g_unlink (locked);
  g_rmdir (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  server = ls_hostile_server_start ();

#define ADD(path, func) \
  g_test_add ("/hostile/" path, Fixture, NULL, ls_test_streams_setup, func, ls_test_streams_teardown)
  ADD ("endless-line", test_endless_line);
  ADD ("utf8-and-nul", test_utf8_and_nul);
  ADD ("gzip-bomb-events", test_gzip_bomb_events);
  ADD ("gzip-bomb-line", test_gzip_bomb_line);
  ADD ("no-answer-cancel", test_no_answer_cancel);
  ADD ("slowloris-stall-timeout", test_slowloris);
  ADD ("reset-mid-chunk", test_reset_mid_chunk);
  ADD ("reset-reconnects", test_reset_reconnects);
  ADD ("headers-1mb", test_many_headers);
  ADD ("header-200kb", test_one_huge_header);
  ADD ("redirect-loop", test_redirect_loop);
  ADD ("redirect-self", test_redirect_self);
  ADD ("retry-zero-storm", test_retry_zero_storm);
#undef ADD
  for (guint i = 0; i < G_N_ELEMENTS (table_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/hostile/", table_cases[i].name, NULL);

      g_test_add (path, Fixture, &table_cases[i], ls_test_streams_setup, test_table_case,
                  ls_test_streams_teardown);
    }
  g_test_add_func ("/hostile/headless/failures", test_headless_failures);
  g_test_add_func ("/hostile/headless/utf8-and-nul", test_headless_utf8);
  g_test_add_func ("/hostile/input/options-validate", test_input_options_validate);
  g_test_add_func ("/hostile/input/headless-arguments", test_input_headless_arguments);

  result = g_test_run ();
  ls_hostile_server_stop (server);
  return result;
}
