/* test-framer.c: NDJSON and raw framing, format names, Content-Type mapping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ls-framer.h"

#define S(lit) lit, sizeof (lit) - 1

typedef struct
{
  GString *log;
  guint    n_frames;
  gsize    wire_total;
} Recorder;

static void
record_frame_cb (const LsFrame *frame,
                 gpointer       user_data)
{
  Recorder *rec = user_data;

  g_assert_nonnull (frame->type);
  g_assert_cmpuint (strlen (frame->type), ==, frame->type_len);
  g_assert_nonnull (frame->id);
  g_assert_cmpuint (strlen (frame->id), ==, frame->id_len);
  g_assert_cmpuint (frame->wire_size, >, 0);
  if (frame->format != LS_STREAM_FORMAT_RAW)
    {
      g_assert_cmpint (frame->data[frame->data_len], ==, '\0');
      g_assert_true (g_utf8_validate (frame->data, frame->data_len, NULL));
    }

  g_string_append_printf (rec->log, "%s%s:%s[", ls_stream_format_to_string (frame->format),
                          frame->valid ? "" : "!", frame->type);
  g_string_append_len (rec->log, frame->data, frame->data_len);
  g_string_append_printf (rec->log, "]%s;", frame->id);
  rec->n_frames++;
  rec->wire_total += frame->wire_size;
}

static void
recorder_init (Recorder *rec)
{
  rec->log = g_string_new (NULL);
  rec->n_frames = 0;
  rec->wire_total = 0;
}

static void
recorder_clear (Recorder *rec)
{
  g_string_free (rec->log, TRUE);
}

/* Feeds @input to a new framer in chunks of @chunk bytes and ends the
 * stream; returns the log. */
static char *
frame_all (LsStreamFormat  format,
           const char     *input,
           gsize           len,
           gsize           chunk,
           gsize          *wire_total)
{
  g_autoptr(LsFramer) framer = NULL;
  Recorder rec;

  recorder_init (&rec);
  framer = ls_framer_new (format, record_frame_cb, &rec);
  g_assert_cmpint (ls_framer_get_format (framer), ==, format);

  for (gsize off = 0; off < len; off += chunk)
    g_assert_true (ls_framer_feed (framer, (const guint8 *) input + off, MIN (chunk, len - off), NULL));
  ls_framer_end_stream (framer);
  g_assert_cmpuint (ls_framer_get_n_frames (framer), ==, rec.n_frames);

  if (wire_total != NULL)
    *wire_total = rec.wire_total;
  return g_string_free (rec.log, FALSE);
}

/* Same frames whatever the chunking. */
static void
check_ndjson (const char *input,
              gsize       len,
              const char *expected)
{
  gsize wire_whole;
  g_autofree char *whole = frame_all (LS_STREAM_FORMAT_NDJSON, input, len, MAX (len, 1), &wire_whole);

  g_assert_cmpstr (whole, ==, expected);
  g_assert_cmpuint (wire_whole, <=, len);

  for (gsize chunk = 1; chunk <= 7; chunk++)
    {
      gsize wire;
      g_autofree char *split = frame_all (LS_STREAM_FORMAT_NDJSON, input, len, chunk, &wire);

      g_assert_cmpstr (split, ==, expected);
      g_assert_cmpuint (wire, ==, wire_whole);
    }
}

static void
test_ndjson_lines (void)
{
  check_ndjson (S ("{\"a\":1}\n[1,2]\n\"text\"\n42\n"),
                "ndjson:ndjson[{\"a\":1}];"
                "ndjson:ndjson[[1,2]];"
                "ndjson:ndjson[\"text\"];"
                "ndjson:ndjson[42];");
}

static void
test_ndjson_crlf_and_blank (void)
{
  /* CRLF: the CR is not part of the line; blank lines are skipped. */
  check_ndjson (S ("{\"a\":1}\r\n\r\n\n   \n\t\n{\"b\":2}\r\n"),
                "ndjson:ndjson[{\"a\":1}];ndjson:ndjson[{\"b\":2}];");
}

static void
test_ndjson_invalid_kept (void)
{
  /* An invalid line is emitted, marked, and the stream goes on. */
  check_ndjson (S ("{\"ok\":true}\n{\"broken\":\n not json at all\n{\"ok\":2}\n"),
                "ndjson:ndjson[{\"ok\":true}];"
                "ndjson!:ndjson[{\"broken\":];"
                "ndjson!:ndjson[ not json at all];"
                "ndjson:ndjson[{\"ok\":2}];");

  /* One value per line: json-glib alone would accept "{}{}". */
  check_ndjson (S ("{}{}\n[1] [2]\n{\"a\":\"}{\"} \n[\"]\\\"\"]\n1 2\n1{}\n\"s\"[1]\n true \n{\"a\":1,}\n"),
                "ndjson!:ndjson[{}{}];"
                "ndjson!:ndjson[[1] [2]];"
                "ndjson:ndjson[{\"a\":\"}{\"} ];"
                "ndjson:ndjson[[\"]\\\"\"]];"
                "ndjson!:ndjson[1 2];"
                "ndjson!:ndjson[1{}];"
                "ndjson!:ndjson[\"s\"[1]];"
                "ndjson:ndjson[ true ];"
                "ndjson!:ndjson[{\"a\":1,}];");
}

static void
test_ndjson_invalid_utf8 (void)
{
  /* Data handed out is always UTF-8; a line that needed repair is not
   * valid JSON (RFC 8259 requires UTF-8). */
  check_ndjson (S ("\"\xC3\xA9\"\n\"a\xFF\"\n\"\xE2\x82\xAC\"\n"),
                "ndjson:ndjson[\"\xC3\xA9\"];"
                "ndjson!:ndjson[\"a\xEF\xBF\xBD\"];"
                "ndjson:ndjson[\"\xE2\x82\xAC\"];");
}

static void
test_ndjson_final_line (void)
{
  /* A last line without a newline is emitted at the end of the stream. */
  check_ndjson (S ("{\"a\":1}\n{\"b\":2}"),
                "ndjson:ndjson[{\"a\":1}];ndjson:ndjson[{\"b\":2}];");
  check_ndjson (S ("{\"a\":1}\n{\"b\":"),
                "ndjson:ndjson[{\"a\":1}];ndjson!:ndjson[{\"b\":];");
  check_ndjson (S ("\n\n  "), "");
}

static void
test_ndjson_json_seq (void)
{
  /* RFC 7464 records start with RS. */
  check_ndjson (S ("\x1E{\"a\":1}\n\x1E[2]\n"),
                "ndjson:ndjson[{\"a\":1}];ndjson:ndjson[[2]];");
}

static void
test_ndjson_wire_size (void)
{
  gsize wire;
  g_autofree char *log = NULL;
  static const char input[] = "\n{\"a\":1}\r\n\n[2]\n[3]";

  log = frame_all (LS_STREAM_FORMAT_NDJSON, input, strlen (input), 3, &wire);
  g_assert_cmpstr (log, ==, "ndjson:ndjson[{\"a\":1}];ndjson:ndjson[[2]];ndjson:ndjson[[3]];");
  g_assert_cmpuint (wire, ==, strlen (input));
}

static void
test_ndjson_size_cap (void)
{
  g_autoptr(LsFramer) framer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *fill = g_strnfill (300, '1');
  Recorder rec;
  gboolean ok = TRUE;

  recorder_init (&rec);
  framer = ls_framer_new (LS_STREAM_FORMAT_NDJSON, record_frame_cb, &rec);
  ls_framer_set_max_size (framer, 100);
  g_assert_null (ls_framer_get_sse_parser (framer));

  /* Exactly at the cap, with a CR that does not count: fine. */
  {
    g_autofree char *at_cap = g_strnfill (100, '7');

    g_assert_true (ls_framer_feed (framer, (const guint8 *) at_cap, 100, NULL));
    g_assert_true (ls_framer_feed (framer, (const guint8 *) S ("\r\n"), NULL));
    g_assert_cmpuint (rec.n_frames, ==, 1);
  }

  for (guint i = 0; ok && i < 3; i++)
    ok = ls_framer_feed (framer, (const guint8 *) fill, 100, &error);
  g_assert_false (ok);
  g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "exceeds the 100 bytes limit"));
  g_assert_false (ls_framer_feed (framer, (const guint8 *) S ("[1]\n"), &again));
  g_assert_error (again, LS_SSE_ERROR, LS_SSE_ERROR_FAILED);
  g_assert_cmpuint (rec.n_frames, ==, 1);

  /* A complete line over the cap in one chunk fails the same way. */
  ls_framer_end_stream (framer);
  g_clear_error (&error);
  g_assert_cmpuint (rec.n_frames, ==, 1);
  g_assert_false (ls_framer_feed (framer, (const guint8 *) S ("[1]\n[22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222]\n[3]\n"), &error));
  g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
  g_assert_cmpuint (rec.n_frames, ==, 2);

  recorder_clear (&rec);
}

static void
test_raw_chunks (void)
{
  g_autoptr(LsFramer) framer = NULL;
  Recorder rec;
  static const guint8 chunk1[] = { 'a', 0, 'b', 0xFF };

  recorder_init (&rec);
  framer = ls_framer_new (LS_STREAM_FORMAT_RAW, record_frame_cb, &rec);
  g_assert_null (ls_framer_get_sse_parser (framer));

  g_assert_true (ls_framer_feed (framer, chunk1, sizeof chunk1, NULL));
  g_assert_true (ls_framer_feed (framer, (const guint8 *) "", 0, NULL));  /* no empty frames */
  g_assert_true (ls_framer_feed (framer, (const guint8 *) S ("line\nline\n"), NULL));
  ls_framer_end_stream (framer);

  g_assert_cmpuint (rec.n_frames, ==, 2);
  g_assert_cmpuint (rec.wire_total, ==, sizeof chunk1 + 10);
  {
    static const char expected[] = "raw:chunk[a\0b\xFF];raw:chunk[line\nline\n];";

    g_assert_cmpmem (rec.log->str, rec.log->len, expected, sizeof expected - 1);
  }

  recorder_clear (&rec);
}

static void
test_sse_through_framer (void)
{
  g_autoptr(LsFramer) framer = NULL;
  LsSseParser *parser;
  Recorder rec;

  recorder_init (&rec);
  framer = ls_framer_new (LS_STREAM_FORMAT_SSE, record_frame_cb, &rec);
  parser = ls_framer_get_sse_parser (framer);
  g_assert_nonnull (parser);
  ls_framer_set_max_size (framer, 4096);
  g_assert_cmpuint (ls_sse_parser_get_max_size (parser), ==, 4096);

  g_assert_true (ls_framer_feed (framer, (const guint8 *) S ("retry: 10\nid: 3\nevent: tick\ndata: a\n\ndata: b\n\ndata: lost"), NULL));
  ls_framer_end_stream (framer);
  g_assert_cmpstr (rec.log->str, ==, "sse:tick[a]3;sse:message[b]3;");
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "3");
  g_assert_cmpint (ls_sse_parser_get_retry_ms (parser), ==, 10);

  recorder_clear (&rec);
}

static void
test_format_strings (void)
{
  LsStreamFormat formats[] = {
    LS_STREAM_FORMAT_AUTO, LS_STREAM_FORMAT_SSE, LS_STREAM_FORMAT_NDJSON, LS_STREAM_FORMAT_RAW,
  };
  LsStreamFormat format = LS_STREAM_FORMAT_RAW;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      LsStreamFormat back = LS_STREAM_FORMAT_RAW;
      const char *name = ls_stream_format_to_string (formats[i]);

      g_assert_true (ls_stream_format_from_string (name, &back));
      g_assert_cmpint (back, ==, formats[i]);
    }
  g_assert_cmpstr (ls_stream_format_to_string (LS_STREAM_FORMAT_NDJSON), ==, "ndjson");
  g_assert_true (ls_stream_format_from_string ("SSE", &format));
  g_assert_cmpint (format, ==, LS_STREAM_FORMAT_SSE);
  g_assert_false (ls_stream_format_from_string ("json", &format));
  g_assert_false (ls_stream_format_from_string ("", &format));
  g_assert_false (ls_stream_format_from_string (NULL, &format));
  g_assert_cmpint (format, ==, LS_STREAM_FORMAT_SSE);
}

static void
test_content_type (void)
{
  static const struct
  {
    const char     *content_type;
    LsStreamFormat  format;
  } table[] = {
    { "text/event-stream", LS_STREAM_FORMAT_SSE },
    { "text/event-stream; charset=utf-8", LS_STREAM_FORMAT_SSE },
    { "text/event-stream;", LS_STREAM_FORMAT_SSE },
    { "Text/Event-Stream ;charset=UTF-8", LS_STREAM_FORMAT_SSE },
    { "  text/event-stream", LS_STREAM_FORMAT_SSE },
    { "text/event-streams", LS_STREAM_FORMAT_RAW },
    { "text/event", LS_STREAM_FORMAT_RAW },
    { "application/x-ndjson", LS_STREAM_FORMAT_NDJSON },
    { "application/x-ndjson; charset=utf-8", LS_STREAM_FORMAT_NDJSON },
    { "application/ndjson", LS_STREAM_FORMAT_NDJSON },
    { "application/jsonl", LS_STREAM_FORMAT_NDJSON },
    { "application/x-jsonlines", LS_STREAM_FORMAT_NDJSON },
    { "APPLICATION/JSON-SEQ", LS_STREAM_FORMAT_NDJSON },
    { "application/json", LS_STREAM_FORMAT_RAW },
    { "application/octet-stream", LS_STREAM_FORMAT_RAW },
    { "text/plain", LS_STREAM_FORMAT_RAW },
    { "", LS_STREAM_FORMAT_RAW },
    { NULL, LS_STREAM_FORMAT_RAW },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      LsStreamFormat got = ls_stream_format_from_content_type (table[i].content_type);

      if (got != table[i].format)
        g_error ("%s: got %s, expected %s", table[i].content_type,
                 ls_stream_format_to_string (got), ls_stream_format_to_string (table[i].format));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/framer/ndjson/lines", test_ndjson_lines);
  g_test_add_func ("/framer/ndjson/crlf-and-blank", test_ndjson_crlf_and_blank);
  g_test_add_func ("/framer/ndjson/invalid-kept", test_ndjson_invalid_kept);
  g_test_add_func ("/framer/ndjson/invalid-utf8", test_ndjson_invalid_utf8);
  g_test_add_func ("/framer/ndjson/final-line", test_ndjson_final_line);
  g_test_add_func ("/framer/ndjson/json-seq", test_ndjson_json_seq);
  g_test_add_func ("/framer/ndjson/wire-size", test_ndjson_wire_size);
  g_test_add_func ("/framer/ndjson/size-cap", test_ndjson_size_cap);
  g_test_add_func ("/framer/raw/chunks", test_raw_chunks);
  g_test_add_func ("/framer/sse", test_sse_through_framer);
  g_test_add_func ("/framer/format-strings", test_format_strings);
  g_test_add_func ("/framer/content-type", test_content_type);

  return g_test_run ();
}
