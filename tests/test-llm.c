/* test-llm.c: LsLlmAssembler on fixed token streams and on the demo server's /llm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fixed inputs check the exact text, dialect, finish reason, token
 * count and gaps from given arrival times. The live tests stream /llm
 * through a real LsStream and compare the assembled text with the text
 * this file extracts from the stored events on its own, with json-glib.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "ls-demo-server.h"
#include "ls-enum.h"
#include "ls-llm.h"
#include "ls-recorder.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

/* ---- fixed inputs ------------------------------------------------------------ */

static void
test_openai (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  /* A buffer whose feed length stops before the trailing bytes. */
  static const char split[] = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}GARBAGE";
  LsLlmFigures f;

  ls_llm_assembler_set_request_time (llm, 500);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_NONE);

  ls_llm_assembler_feed (llm, "message",
                         "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                         "\"finish_reason\":null}]}", -1, 700);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_OPENAI);
  ls_llm_assembler_feed (llm, "message",
                         "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"OTHER\"}},"
                         "{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}", -1, 1000);
  ls_llm_assembler_feed (llm, NULL, split, strlen (split) - strlen ("GARBAGE"), 1500);
  ls_llm_assembler_feed (llm, "message", "not json at all", -1, 1600);
  ls_llm_assembler_feed (llm, "message", "{\"unrelated\":true}", -1, 1700);
  ls_llm_assembler_feed (llm, "", "", 0, 1800);
  /* Escaped: ö and a surrogate pair (🌍). */
  ls_llm_assembler_feed (llm, "message",
                         "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w\\u00f6rld \\ud83c\\udf0d\"}}]}",
                         -1, 4000);
  g_assert_false (ls_llm_assembler_get_finished (llm));
  ls_llm_assembler_feed (llm, "message",
                         "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}", -1, 4100);
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (llm), ==, "stop");
  g_assert_false (ls_llm_assembler_get_finished (llm));
  ls_llm_assembler_feed (llm, "message", " [DONE]\n", -1, 4200);

  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "Hello wörld 🌍");
  g_assert_cmpuint (ls_llm_assembler_get_text_length (llm), ==, strlen ("Hello wörld 🌍"));
  g_assert_true (ls_llm_assembler_get_finished (llm));
  g_assert_false (ls_llm_assembler_get_truncated (llm));
  g_assert_null (ls_llm_assembler_get_error (llm));
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_OPENAI);

  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.tokens, ==, 3);
  g_assert_cmpint (f.ttft_us, ==, 500);
  /* Gaps 500 and 2500: nearest rank. */
  g_assert_cmpint (f.gap_p50_us, ==, 500);
  g_assert_cmpint (f.gap_p99_us, ==, 2500);
  g_assert_cmpint (f.gap_max_us, ==, 2500);
  g_assert_cmpfloat_with_epsilon (f.tokens_per_s, 2.0 * G_USEC_PER_SEC / 3000.0, 1e-9);
  g_assert_cmpint (f.total_us, ==, 4200 - 500);
  g_assert_cmpuint (f.events, ==, 9);
  g_assert_cmpuint (f.ignored, ==, 3);
  g_assert_cmpuint (f.completions, ==, 1);
}

/* The Responses API is OpenAI too. */
static void
test_openai_responses (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();

  ls_llm_assembler_feed (llm, "response.created", "{\"type\":\"response.created\",\"response\":{}}", -1, 10);
  ls_llm_assembler_feed (llm, "response.output_text.delta",
                         "{\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}", -1, 20);
  ls_llm_assembler_feed (llm, "response.output_text.delta",
                         "{\"type\":\"response.output_text.delta\",\"delta\":\" there\"}", -1, 30);
  ls_llm_assembler_feed (llm, "response.completed",
                         "{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}", -1, 40);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_OPENAI);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "Hi there");
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (llm), ==, "completed");
  g_assert_true (ls_llm_assembler_get_finished (llm));
}

static void
test_anthropic (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  static const char *const events[][2] = {
    { "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"content\":[],"
                       "\"stop_reason\":null}}" },
    { "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                             "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}" },
    { "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                             "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}" },
    { "ping", "{\"type\": \"ping\"}" },
    { "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,"
                             "\"delta\":{\"type\":\"text_delta\",\"text\":\"Bonjour\"}}" },
    { "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,"
                             "\"delta\":{\"type\":\"text_delta\",\"text\":\", \\\"monde\\\"\\n\"}}" },
    { "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}" },
    { "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\","
                       "\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}" },
  };
  LsLlmFigures f;
  gint64 t = 100;

  ls_llm_assembler_set_request_time (llm, 40);
  for (guint i = 0; i < G_N_ELEMENTS (events); i++, t += 100)
    ls_llm_assembler_feed (llm, events[i][0], events[i][1], -1, t);

  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_ANTHROPIC);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "Bonjour, \"monde\"\n");
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (llm), ==, "max_tokens");
  g_assert_false (ls_llm_assembler_get_finished (llm));

  /* The end by the event type alone: the data need not say it again. */
  ls_llm_assembler_feed (llm, "message_stop", "{}", -1, 1000);
  g_assert_true (ls_llm_assembler_get_finished (llm));

  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.tokens, ==, 2);
  g_assert_cmpint (f.ttft_us, ==, 500 - 40);     /* the first text delta came at 500 */
  g_assert_cmpint (f.gap_p50_us, ==, 100);
  g_assert_cmpint (f.gap_max_us, ==, 100);
  g_assert_cmpint (f.total_us, ==, 1000 - 40);
  g_assert_cmpuint (f.ignored, ==, 0);
  g_assert_cmpuint (f.completions, ==, 1);

  /* An error event is the stream's own error, not a crash nor text. */
  ls_llm_assembler_feed (llm, "error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                         "\"message\":\"Overloaded\"}}", -1, 1100);
  g_assert_cmpstr (ls_llm_assembler_get_error (llm), ==, "Overloaded");
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "Bonjour, \"monde\"\n");
}

static void
test_pointer (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  g_autoptr(GError) error = NULL;
  LsLlmFigures f;

  g_assert_true (ls_llm_assembler_set_pointer (llm, "/token", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ls_llm_assembler_get_pointer (llm), ==, "/token");

  ls_llm_assembler_feed (llm, NULL, "{\"n\":1}", -1, 10);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_NONE);
  ls_llm_assembler_feed (llm, NULL, "{\"token\":\"a\",\"n\":2}", -1, 20);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_POINTER);
  ls_llm_assembler_feed (llm, NULL, "{\"token\":7}", -1, 30);
  ls_llm_assembler_feed (llm, NULL, "{\"token\":\"b\"}", -1, 60);
  ls_llm_assembler_feed (llm, NULL, "{\"token\":\"\",\"done\":true,\"done_reason\":\"length\"}", -1, 70);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "ab");
  g_assert_true (ls_llm_assembler_get_finished (llm));
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (llm), ==, "length");
  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.tokens, ==, 2);
  g_assert_cmpint (f.ttft_us, ==, -1);          /* no request time */
  g_assert_cmpint (f.gap_max_us, ==, 40);
  g_assert_cmpint (f.total_us, ==, 70 - 10);     /* from the first event */
  g_assert_cmpuint (f.ignored, ==, 2);

  /* A pointer into an OpenAI chunk selects the same text the dialect
   * would, and says so: POINTER, with the end still seen. */
  ls_llm_assembler_reset (llm);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "");
  g_assert_true (ls_llm_assembler_set_pointer (llm, "/choices/0/delta/content", NULL));
  ls_llm_assembler_feed (llm, "message", "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}", -1, 1);
  ls_llm_assembler_feed (llm, "message", "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}", -1, 2);
  ls_llm_assembler_feed (llm, "message", "[DONE]", -1, 3);
  g_assert_cmpint (ls_llm_assembler_get_dialect (llm), ==, LS_LLM_DIALECT_POINTER);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "x");
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (llm), ==, "stop");
  g_assert_true (ls_llm_assembler_get_finished (llm));

  /* RFC 6901 escapes and array indexes; "" is the whole document. */
  ls_llm_assembler_reset (llm);
  g_assert_true (ls_llm_assembler_set_pointer (llm, "/a~1b/c~0d/1", NULL));
  ls_llm_assembler_feed (llm, NULL, "{\"a/b\":{\"c~d\":[\"no\",\"yes\"]}}", -1, 1);
  ls_llm_assembler_feed (llm, NULL, "{\"a/b\":{\"c~d\":{\"1\":\"not an array\"}}}", -1, 2);
  ls_llm_assembler_feed (llm, NULL, "{\"a/b\":{\"c~d\":[\"no\"]}}", -1, 3);
  g_assert_true (ls_llm_assembler_set_pointer (llm, "/a~1b/c~0d/01", NULL));
  ls_llm_assembler_feed (llm, NULL, "{\"a/b\":{\"c~d\":[\"no\",\"leading zero\"]}}", -1, 4);
  g_assert_true (ls_llm_assembler_set_pointer (llm, "", NULL));
  ls_llm_assembler_feed (llm, NULL, "\"!\"", -1, 5);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "yesnot an array!");

  /* Bad pointers fail and keep the previous one. */
  g_assert_false (ls_llm_assembler_set_pointer (llm, "token", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ls_llm_assembler_set_pointer (llm, "/a~2", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (ls_llm_assembler_get_pointer (llm), ==, "");
  g_assert_true (ls_llm_assembler_set_pointer (llm, NULL, NULL));
  g_assert_null (ls_llm_assembler_get_pointer (llm));
}

/* Two completions in one stream (a reconnect, a replayed answer): both
 * counted, the text keeps both. */
static void
test_two_completions (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  LsLlmFigures f;

  for (guint i = 0; i < 2; i++)
    {
      ls_llm_assembler_feed (llm, NULL, "{\"choices\":[{\"delta\":{\"content\":\"again \"}}]}", -1, 10 + i);
      ls_llm_assembler_feed (llm, NULL, "[DONE]", -1, 20 + i);
    }
  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.completions, ==, 2);
  g_assert_cmpstr (ls_llm_assembler_get_text (llm), ==, "again again ");
}

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Figures asked for between feeds (as the view does each frame) are the
 * same as computed here from all the gaps at once. */
static void
test_gaps_incremental (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  LsLlmFigures f;
  gint64 t = 1000, max = 0;

  for (guint i = 0; i < 1000; i++)
    {
      gint64 gap = g_test_rand_int_range (0, 100000);

      if (i > 0)
        {
          t += gap;
          g_array_append_val (gaps, gap);
          max = MAX (max, gap);
        }
      ls_llm_assembler_feed (llm, NULL, "{\"choices\":[{\"delta\":{\"content\":\"t\"}}]}", -1, t);
      if (i % 7 == 3)
        ls_llm_assembler_get_figures (llm, &f);
    }

  g_array_sort (gaps, compare_gaps);
  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.tokens, ==, 1000);
  /* 999 gaps: ranks ceil(499.5) = 500 and ceil(989.01) = 990. */
  g_assert_cmpint (f.gap_p50_us, ==, g_array_index (gaps, gint64, 499));
  g_assert_cmpint (f.gap_p99_us, ==, g_array_index (gaps, gint64, 989));
  g_assert_cmpint (f.gap_max_us, ==, max);
  g_assert_cmpint (f.gap_max_us, ==, g_array_index (gaps, gint64, 998));
}

static void
test_hostile (void)
{
  g_autoptr(LsLlmAssembler) llm = ls_llm_assembler_new ();
  g_autoptr(GString) deep = g_string_new ("{\"choices\":");
  g_autoptr(GString) big = g_string_new ("{\"choices\":[{\"delta\":{\"content\":\"");
  gsize big_len;
  LsLlmFigures f;

  /* Nesting far past what a recursive parser survives. */
  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  ls_llm_assembler_feed (llm, NULL, deep->str, (gssize) deep->len, 1);
  g_assert_true (ls_llm_assembler_set_pointer (llm, "/choices", NULL));
  ls_llm_assembler_feed (llm, NULL, deep->str, (gssize) deep->len, 2);
  g_assert_true (ls_llm_assembler_set_pointer (llm, NULL, NULL));
  /* Bytes that are not UTF-8, NUL inside. */
  ls_llm_assembler_feed (llm, NULL, "{\"choices\":[{\"delta\":{\"content\":\"\xff\xfe\"}}]}", -1, 3);
  ls_llm_assembler_feed (llm, NULL, "{\"a\":\0\"b\"}", 10, 4);
  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.ignored + f.tokens, ==, 4);
  g_assert_true (g_utf8_validate (ls_llm_assembler_get_text (llm), -1, NULL));

  /* 7 MiB of two-byte characters, three times: cut at 16 MiB, on a
   * character boundary, and the tokens still counted. */
  ls_llm_assembler_reset (llm);
  for (guint i = 0; i < 7 * 1024 * 1024 / 2; i++)
    g_string_append (big, "é");
  g_string_append (big, "x\"}}]}");
  big_len = big->len;
  for (guint i = 0; i < 3; i++)
    ls_llm_assembler_feed (llm, NULL, big->str, (gssize) big_len, 10 + i);
  g_assert_true (ls_llm_assembler_get_truncated (llm));
  g_assert_cmpuint (ls_llm_assembler_get_text_length (llm), <=, LS_LLM_MAX_TEXT);
  g_assert_cmpuint (ls_llm_assembler_get_text_length (llm), >, LS_LLM_MAX_TEXT - 4);
  g_assert_true (g_utf8_validate (ls_llm_assembler_get_text (llm), -1, NULL));
  ls_llm_assembler_get_figures (llm, &f);
  g_assert_cmpuint (f.tokens, ==, 3);
}

/* ---- over the demo server ---------------------------------------------------- */

typedef struct
{
  LsTestStreams  s;      /* its store unused: each request has its own */
  LsDemoServer  *demo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  ls_test_streams_init (&f->s, 1 << 12);
  f->demo = ls_demo_server_new ();
  g_assert_true (ls_demo_server_start_sync (f->demo, 0, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ls_test_streams_clear (&f->s);
  ls_test_demo_server_stop (f->demo);
}

/* Runs one request to its end into a store of its own. */
static LsStream *
run_stream (Fixture          *f,
            LsStreamOptions  *options,
            LsEventStore    **store)
{
  LsStream *stream;

  *store = ls_event_store_new ();
  stream = ls_test_stream_start (f->s.bridge, options, *store, f->s.next_id++);
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 20000));
  return stream;
}

typedef struct
{
  LsLlmAssembler *llm;
  GString        *expected;   /* extracted by this file, not by the assembler */
  gboolean        anthropic;
  guint           n_deltas;
  guint           n_events;
} Feed;

static gboolean
feed_cb (const LsEventView *view,
         gpointer           user_data)
{
  Feed *feed = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  if (view->kind != LS_EVENT_KIND_EVENT)
    return TRUE;

  feed->n_events++;
  ls_llm_assembler_feed (feed->llm, view->type, view->data, (gssize) view->data_len, view->time_us);

  if (g_str_equal (view->data, "[DONE]"))
    return TRUE;
  g_assert_true (json_parser_load_from_data (parser, view->data, (gssize) view->data_len, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  if (feed->anthropic)
    {
      JsonObject *delta;

      if (!g_str_equal (view->type, "content_block_delta"))
        return TRUE;
      delta = json_object_get_object_member (root, "delta");
      g_assert_cmpstr (json_object_get_string_member (delta, "type"), ==, "text_delta");
      g_string_append (feed->expected, json_object_get_string_member (delta, "text"));
      feed->n_deltas++;
    }
  else if (ls_test_append_openai_delta (root, feed->expected))
    feed->n_deltas++;
  return TRUE;
}

/* Ended as completed, on one connection, never reconnected. */
static void
assert_completed_once (LsStream *stream)
{
  LsStreamStats stats;

  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_COMPLETED);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.opens, ==, 1);
  g_assert_cmpuint (stats.reconnects, ==, 0);
  g_assert_cmpuint (stats.http_status, ==, 200);
}

static void
assemble (LsStream *stream,
          Feed     *feed)
{
  LsEventStore *store = ls_stream_get_store (stream);
  LsStreamStats stats;

  ls_stream_get_stats (stream, &stats);
  g_assert_cmpint (stats.started_us, >, 0);
  feed->llm = ls_llm_assembler_new ();
  feed->expected = g_string_new (NULL);
  ls_llm_assembler_set_request_time (feed->llm, stats.started_us);
  ls_event_store_foreach_range (store, ls_event_store_get_first_seq (store),
                                ls_event_store_get_end_seq (store), feed_cb, feed);
}

static void
feed_clear (Feed *feed)
{
  g_clear_object (&feed->llm);
  if (feed->expected != NULL)
    g_string_free (g_steal_pointer (&feed->expected), TRUE);
}

static void
test_demo_post (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (f->demo), "/llm?interval_ms=1", NULL);
  static const char body[] = "{\"prompt\":\"assemble \\\"this\\\" please, ünïcode\",\"max_tokens\":40}";
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsEventStore) store = NULL;
  g_autoptr(LsStream) stream = NULL;
  Feed feed = { 0 };
  LsLlmFigures figures;

  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static (body, strlen (body));
  ls_stream_options_add_header (options, "Content-Type", "application/json");
  stream = run_stream (f, options, &store);
  assert_completed_once (stream);

  assemble (stream, &feed);
  g_assert_cmpuint (feed.n_deltas, ==, 40);
  g_assert_true (g_str_has_prefix (feed.expected->str, "You said: assemble \"this\" please, ünïcode."));
  g_assert_cmpstr (ls_llm_assembler_get_text (feed.llm), ==, feed.expected->str);
  g_assert_cmpint (ls_llm_assembler_get_dialect (feed.llm), ==, LS_LLM_DIALECT_OPENAI);
  g_assert_true (ls_llm_assembler_get_finished (feed.llm));
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (feed.llm), ==, "stop");
  ls_llm_assembler_get_figures (feed.llm, &figures);
  g_assert_cmpuint (figures.tokens, ==, 40);
  g_assert_cmpuint (figures.completions, ==, 1);
  g_assert_cmpuint (figures.ignored, ==, 0);
  g_assert_cmpuint (figures.events, ==, 42);   /* 40 tokens, the stop chunk, [DONE] */
  g_assert_cmpint (figures.ttft_us, >=, 0);
  g_assert_cmpint (figures.gap_max_us, >=, figures.gap_p99_us);
  g_assert_cmpint (figures.gap_p99_us, >=, figures.gap_p50_us);
  g_assert_cmpint (figures.total_us, >=, figures.ttft_us);
  feed_clear (&feed);
}

static void
test_demo_anthropic (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (f->demo),
                                      "/llm?style=anthropic&max_tokens=20&interval_ms=1&first_token_ms=50"
                                      "&prompt=hi%20there", NULL);
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsEventStore) store = NULL;
  g_autoptr(LsStream) stream = NULL;
  Feed feed = { .anthropic = TRUE };
  LsLlmFigures figures;

  /* A GET of an SSE stream reconnects after the end by default (as
   * EventSource does): an LLM client turns that off. */
  options->reconnect = LS_STREAM_RECONNECT_OFF;
  stream = run_stream (f, options, &store);
  assert_completed_once (stream);

  assemble (stream, &feed);
  g_assert_cmpuint (feed.n_deltas, ==, 20);
  g_assert_true (g_str_has_prefix (feed.expected->str, "You said: hi there."));
  g_assert_cmpstr (ls_llm_assembler_get_text (feed.llm), ==, feed.expected->str);
  g_assert_cmpint (ls_llm_assembler_get_dialect (feed.llm), ==, LS_LLM_DIALECT_ANTHROPIC);
  g_assert_true (ls_llm_assembler_get_finished (feed.llm));
  g_assert_cmpstr (ls_llm_assembler_get_finish_reason (feed.llm), ==, "end_turn");
  ls_llm_assembler_get_figures (feed.llm, &figures);
  g_assert_cmpuint (figures.tokens, ==, 20);
  g_assert_cmpuint (figures.completions, ==, 1);
  g_assert_cmpuint (figures.ignored, ==, 0);
  /* message_start, content_block_start, ping, 20 deltas, content_block_stop,
   * message_delta, message_stop. */
  g_assert_cmpuint (feed.n_events, ==, 26);
  /* The server holds the first token back 50 ms after the request
   * arrived: it cannot have come sooner. */
  g_assert_cmpint (figures.ttft_us, >=, 50 * 1000);
  feed_clear (&feed);
}

static void
test_demo_auth (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (f->demo),
                                      "/llm?auth=1&interval_ms=1&max_tokens=5", NULL);
  static const char body[] = "{\"prompt\":\"key\"}";
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsEventStore) store = NULL;
  g_autoptr(LsEventStore) store2 = NULL;
  g_autoptr(LsStream) refused = NULL;
  g_autoptr(LsStream) allowed = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  LsStreamResponse *response;
  JsonObject *error;
  Feed feed = { 0 };

  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static (body, strlen (body));
  ls_stream_options_add_header (options, "Authorization", "Bearer wrong-key");
  refused = run_stream (f, options, &store);
  g_assert_cmpint (ls_stream_get_state (refused), ==, LS_STREAM_FAILED);
  g_assert_cmpint (ls_stream_get_end (refused), ==, LS_STREAM_END_HTTP_STATUS);
  response = ls_stream_get_response (refused);
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 401);
  g_assert_cmpstr (ls_stream_response_get_header (response, "Content-Type"), ==, "application/json");
  g_assert_nonnull (response->error_body);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (response->error_body, NULL),
                                            (gssize) g_bytes_get_size (response->error_body), NULL));
  error = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "message"), ==, "Incorrect API key provided.");
  g_assert_cmpstr (json_object_get_string_member (error, "type"), ==, "invalid_request_error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid_api_key");

  g_ptr_array_set_size (options->headers, 0);
  ls_stream_options_add_header (options, "Authorization", "Bearer " LS_DEMO_LLM_KEY);
  allowed = run_stream (f, options, &store2);
  assert_completed_once (allowed);
  assemble (allowed, &feed);
  g_assert_cmpstr (ls_llm_assembler_get_text (feed.llm), ==, "You said: key.");
  g_assert_cmpstr (feed.expected->str, ==, "You said: key.");
  feed_clear (&feed);
}

/* The body carries the style and a chat-style prompt; a bad style is a 400. */
static void
test_demo_body_params (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (f->demo), "/llm?interval_ms=1", NULL);
  static const char body[] = "{\"style\":\"anthropic\",\"max_tokens\":6,"
                             "\"messages\":[{\"role\":\"user\",\"content\":\"from messages\"}]}";
  static const char bad_body[] = "{\"style\":\"klingon\"}";
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsEventStore) store = NULL;
  g_autoptr(LsEventStore) bad_store = NULL;
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(LsStream) bad = NULL;
  Feed feed = { .anthropic = TRUE };

  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static (body, strlen (body));
  stream = run_stream (f, options, &store);
  assert_completed_once (stream);
  assemble (stream, &feed);
  g_assert_cmpint (ls_llm_assembler_get_dialect (feed.llm), ==, LS_LLM_DIALECT_ANTHROPIC);
  g_assert_cmpstr (feed.expected->str, ==, "You said: from messages.");
  g_assert_cmpstr (ls_llm_assembler_get_text (feed.llm), ==, feed.expected->str);
  feed_clear (&feed);

  g_bytes_unref (options->body);
  options->body = g_bytes_new_static (bad_body, strlen (bad_body));
  bad = run_stream (f, options, &bad_store);
  g_assert_cmpint (ls_stream_get_end (bad), ==, LS_STREAM_END_HTTP_STATUS);
  g_assert_cmpuint (ls_stream_get_response (bad)->status, ==, 400);
}

/* What is handed to json-glib: one value with whitespace around it, never
 * two (json-glib 1.6 accepts "{}{}" and leaks the nodes), never too deep. */
static void
test_json_one_value (void)
{
  static const struct { const char *text; guint max; gboolean ok; } cases[] = {
    { "{}", 4, TRUE },
    { " \t{\"a\": [1, {\"b\": \"}{\"}]}\r\n", 4, TRUE },
    { "[1,2]", 4, TRUE },
    { "\"text\"", 4, TRUE },
    { "\"a\\\"b\"", 4, TRUE },
    { "{\"a\":", 4, TRUE },          /* unclosed: the parser says where it ends */
    { "{}{}", 4, FALSE },
    { "[] []", 4, FALSE },
    { "{} 1", 4, FALSE },
    { "1{}", 4, FALSE },
    { "\"a\"{}", 4, FALSE },
    { "}{", 4, FALSE },
    { "true", 4, FALSE },
    { "[[[[[]]]]]", 4, FALSE },
    { "[[[[]]]]", 4, TRUE },
    { "{\"a\":\"x\\\\\"}", 4, TRUE },         /* "x\\": an escaped backslash, then the end */
    { "[\"\\\\\\\\\\\"}{\"] []", 4, FALSE },  /* escapes, a quote among them, then a second value */
    { "{\"a\":\"\\\"}{}", 4, TRUE },           /* "\"}{}: a string never closed */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (ls_json_one_value_ok (cases[i].text, strlen (cases[i].text), cases[i].max), ==, cases[i].ok);
    }
  g_assert_true (ls_json_depth_ok ("{}{}", 4, 4));
  g_assert_false (ls_json_depth_ok ("[[[[[]]]]]", 10, 4));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/llm/json-one-value", test_json_one_value);
  g_test_add_func ("/llm/openai", test_openai);
  g_test_add_func ("/llm/openai-responses", test_openai_responses);
  g_test_add_func ("/llm/anthropic", test_anthropic);
  g_test_add_func ("/llm/pointer", test_pointer);
  g_test_add_func ("/llm/two-completions", test_two_completions);
  g_test_add_func ("/llm/gaps-incremental", test_gaps_incremental);
  g_test_add_func ("/llm/hostile", test_hostile);
  g_test_add ("/llm/demo/post", Fixture, NULL, fixture_setup, test_demo_post, fixture_teardown);
  g_test_add ("/llm/demo/anthropic", Fixture, NULL, fixture_setup, test_demo_anthropic, fixture_teardown);
  g_test_add ("/llm/demo/body-params", Fixture, NULL, fixture_setup, test_demo_body_params, fixture_teardown);
  g_test_add ("/llm/demo/auth", Fixture, NULL, fixture_setup, test_demo_auth, fixture_teardown);

  return g_test_run ();
}
