/* test-sse-parser.c: LsSseParser against the WHATWG rules and WPT format-* cases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case of the table is fed whole, byte by byte, cut once at every
 * position, and at random split points (fixed seeds), and must give the
 * same events, last event ID and reconnection time every time.
 */
#include "config.h"

#include <string.h>

#include "ls-sse-parser.h"

#define S(lit) lit, sizeof (lit) - 1  /* a literal with its length, NULs included */

/* ------------------------------------------------------------ recording */

typedef struct
{
  GString *log;        /* serialized events: "type|data|id" with lengths */
  guint    n_events;
  gsize    wire_total;
} Recorder;

static gboolean
text_is_valid_utf8 (const char *s,
                    gsize       len)
{
  /* g_utf8_validate() refuses U+0000, which SSE data may hold. */
  const char *end = s + len;

  while (s < end)
    {
      const char *nul = memchr (s, '\0', end - s);
      const char *stop = nul != NULL ? nul : end;

      if (!g_utf8_validate (s, stop - s, NULL))
        return FALSE;
      s = nul != NULL ? nul + 1 : end;
    }
  return TRUE;
}

static void
append_field (GString    *log,
              const char *s,
              gsize       len)
{
  g_string_append_printf (log, "%" G_GSIZE_FORMAT ":", len);
  g_string_append_len (log, s, len);
  g_string_append_c (log, '|');
}

static void
record_event_cb (const LsSseEvent *event,
                 gpointer          user_data)
{
  Recorder *rec = user_data;

  g_assert_nonnull (event->type);
  g_assert_cmpuint (event->type_len, >, 0);
  g_assert_cmpint (event->type[event->type_len], ==, '\0');  /* may hold U+0000 */
  g_assert_true (text_is_valid_utf8 (event->type, event->type_len));
  g_assert_nonnull (event->data);
  g_assert_cmpint (event->data[event->data_len], ==, '\0');
  g_assert_true (text_is_valid_utf8 (event->data, event->data_len));
  g_assert_nonnull (event->id);
  g_assert_cmpuint (strlen (event->id), ==, event->id_len);
  g_assert_true (text_is_valid_utf8 (event->id, event->id_len));
  g_assert_cmpuint (event->wire_size, >, 0);

  append_field (rec->log, event->type, event->type_len);
  append_field (rec->log, event->data, event->data_len);
  append_field (rec->log, event->id, event->id_len);
  g_string_append_c (rec->log, '\n');
  rec->n_events++;
  rec->wire_total += event->wire_size;
}

static void
recorder_init (Recorder *rec)
{
  rec->log = g_string_new (NULL);
  rec->n_events = 0;
  rec->wire_total = 0;
}

static void
recorder_clear (Recorder *rec)
{
  g_string_free (rec->log, TRUE);
}

/* ---------------------------------------------------------------- table */

typedef struct
{
  const char *type;      /* NULL ends the list */
  const char *data;
  gsize       data_len;  /* 0: strlen (data) */
  const char *id;
} Expected;

typedef struct
{
  const char *name;
  const char *input;
  gsize       input_len;
  Expected    events[5];
  const char *last_id;   /* after end of stream */
  gint64      retry_ms;
} Case;

#define EV(type, data, id) { type, data, 0, id }
#define END { NULL, NULL, 0, NULL }

static const Case cases[] = {
  /* WPT format-bom, format-bom-2 */
  { "bom", S ("\xEF\xBB\xBF" "data: 1\n\n"), { EV ("message", "1", ""), END }, "", -1 },
  { "bom-only-one", S ("\xEF\xBB\xBF\xEF\xBB\xBF" "data: 1\n\ndata: 2\n\ndata: 3\n\n"),
    { EV ("message", "2", ""), EV ("message", "3", ""), END }, "", -1 },
  { "bom-second-kept-in-data", S ("\xEF\xBB\xBF" "data: \xEF\xBB\xBFx\n\n"),
    { EV ("message", "\xEF\xBB\xBFx", ""), END }, "", -1 },
  { "bom-not-at-start", S ("data: 1\n\n\xEF\xBB\xBF" "data: 2\n\n"),
    { EV ("message", "1", ""), END }, "", -1 },
  { "bom-partial-is-text", S ("\xEF\xBB" "data: 1\n\ndata: 2\n\n"),
    { EV ("message", "2", ""), END }, "", -1 },
  /* WPT format-comments: NUL and CR in comments, 2 KiB comments */
  { "comments", NULL, 0, { EV ("message", "1\n2\n3\n4", ""), END }, "", -1 },
  /* WPT format-data-before-final-empty-line */
  { "incomplete-at-eof", S ("data:test\n\ndata:test"), { EV ("message", "test", ""), END }, "", -1 },
  { "incomplete-at-eof-after-lf", S ("data:1\n\ndata:2\n"), { EV ("message", "1", ""), END }, "", -1 },
  /* WPT format-field-data */
  { "field-data", S ("data:\n\ndata\ndata\n\ndata:test\n\n"),
    { EV ("message", "", ""), EV ("message", "\n", ""), EV ("message", "test", ""), END }, "", -1 },
  /* WPT format-field-event, format-field-event-empty */
  { "field-event", S ("event:test\ndata:x\n\ndata:x\n\n"),
    { EV ("test", "x", ""), EV ("message", "x", ""), END }, "", -1 },
  { "field-event-empty", S ("event: \ndata:data\n\n"), { EV ("message", "data", ""), END }, "", -1 },
  { "event-without-data-resets-type", S ("event:ping\n\ndata:x\n\n"),
    { EV ("message", "x", ""), END }, "", -1 },
  { "event-last-wins", S ("event:a\nevent:b\ndata:x\n\n"), { EV ("b", "x", ""), END }, "", -1 },
  /* WPT format-field-id, format-field-id-2 */
  { "id-persists", S ("id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\n\n"),
    { EV ("message", "a", "1"), EV ("message", "b", "2"), EV ("message", "c", "2"), END }, "2", -1 },
  { "id-empty-clears", S ("id:1\ndata:1\n\nid:\ndata:2\n\ndata:3\n\n"),
    { EV ("message", "1", "1"), EV ("message", "2", ""), EV ("message", "3", ""), END }, "", -1 },
  { "id-bare-clears", S ("id:1\ndata:1\n\nid\ndata:2\n\n"),
    { EV ("message", "1", "1"), EV ("message", "2", ""), END }, "", -1 },
  /* WPT format-field-id-null */
  { "id-with-nul-ignored", S ("id:1\ndata:a\n\nid:2\0x\ndata:b\n\n"),
    { EV ("message", "a", "1"), EV ("message", "b", "1"), END }, "1", -1 },
  { "id-committed-without-data", S ("id: 7\n\ndata: x\n\n"), { EV ("message", "x", "7"), END }, "7", -1 },
  { "id-of-incomplete-event-dropped", S ("id: 1\ndata: x\n\nid: 2\ndata: y"),
    { EV ("message", "x", "1"), END }, "1", -1 },
  { "id-utf8", S ("id: \xC3\xA9\xFF\ndata: x\n\n"), { EV ("message", "x", "\xC3\xA9\xEF\xBF\xBD"), END },
    "\xC3\xA9\xEF\xBF\xBD", -1 },
  /* WPT format-field-retry, -retry-bogus, -retry-empty */
  { "retry", S ("retry:03000\ndata:x\n\n"), { EV ("message", "x", ""), END }, "", 3000 },
  { "retry-leading-space", S ("retry: 5\n"), { END }, "", 5 },
  { "retry-bogus", S ("retry:3000\nretry:1000x\ndata:x\n\n"), { EV ("message", "x", ""), END }, "", 3000 },
  { "retry-empty", S ("retry\ndata:x\n\nretry:\n"), { EV ("message", "x", ""), END }, "", -1 },
  { "retry-two-spaces", S ("retry:  5\n"), { END }, "", -1 },
  { "retry-sign", S ("retry:-5\nretry:+5\nretry:5.0\nretry:5 \n"), { END }, "", -1 },
  { "retry-zero", S ("retry:0\n"), { END }, "", 0 },
  { "retry-overflow", S ("retry:99999999999999999999999999\n"), { END }, "", G_MAXINT64 },
  { "retry-in-incomplete-event", S ("data:x\nretry:7"), { END }, "", -1 },
  /* WPT format-field-unknown */
  { "field-unknown", S ("data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n"),
    { EV ("message", "test\n\ntest", ""), END }, "", -1 },
  { "field-names-case-sensitive", S ("Data: x\nDATA: y\nEvent: e\n\n"), { END }, "", -1 },
  /* WPT format-leading-space */
  { "leading-space", S ("data:\ttest\rdata: \rdata:test\n\n"),
    { EV ("message", "\ttest\n\ntest", ""), END }, "", -1 },
  { "only-one-space-removed", S ("data:  x\ndata:x \n\n"), { EV ("message", " x\nx ", ""), END }, "", -1 },
  { "colon-in-value", S ("data: a:b: c\n\n"), { EV ("message", "a:b: c", ""), END }, "", -1 },
  /* WPT format-newlines */
  { "newlines", S ("data:test\r\ndata\ndata:test\r\n\r\n"),
    { EV ("message", "test\n\ntest", ""), END }, "", -1 },
  { "cr-only", S ("data:1\rdata:2\r\rdata:3\r\r"),
    { EV ("message", "1\n2", ""), EV ("message", "3", ""), END }, "", -1 },
  { "crlf-is-one-line-end", S ("data:1\r\ndata:2\r\n\r\ndata:3\r\n\r\n"),
    { EV ("message", "1\n2", ""), EV ("message", "3", ""), END }, "", -1 },
  { "lfcr-is-two-line-ends", S ("data:1\n\rdata:2\n\r"),
    { EV ("message", "1", ""), EV ("message", "2", ""), END }, "", -1 },
  { "many-blank-lines", S ("\n\n\r\ndata:a\n\n\n\n\r\r"), { EV ("message", "a", ""), END }, "", -1 },
  /* WPT format-null-character */
  { "nul-in-data", S ("data:\0\n\n\n\n"), { { "message", "\0", 1, "" }, END }, "", -1 },
  { "nul-inside-data", S ("data:a\0b\n\n"), { { "message", "a\0b", 3, "" }, END }, "", -1 },
  /* WPT format-utf-8 and WHATWG decoding of invalid bytes */
  { "utf8", S ("data:ok\xE2\x80\xA6\n\n"), { EV ("message", "ok\xE2\x80\xA6", ""), END }, "", -1 },
  { "utf8-multibyte", S ("data:\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n\n"),
    { EV ("message", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", ""), END }, "", -1 },
  { "utf8-invalid-byte", S ("data:a\xFF" "b\n\n"), { EV ("message", "a\xEF\xBF\xBD" "b", ""), END }, "", -1 },
  { "utf8-truncated-sequence", S ("data:\xE2\x82" "A\n\n"), { EV ("message", "\xEF\xBF\xBD" "A", ""), END }, "", -1 },
  { "utf8-truncated-at-eol", S ("data:\xF0\x9F\x98\ndata:x\n\n"),
    { EV ("message", "\xEF\xBF\xBD\nx", ""), END }, "", -1 },
  { "utf8-surrogate", S ("data:\xED\xA0\x80\n\n"),
    { EV ("message", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", ""), END }, "", -1 },
  { "utf8-overlong", S ("data:\xC0\xAF\n\n"), { EV ("message", "\xEF\xBF\xBD\xEF\xBF\xBD", ""), END }, "", -1 },
  { "utf8-invalid-type", S ("event:a\xFF\ndata:x\n\n"), { EV ("a\xEF\xBF\xBD", "x", ""), END }, "", -1 },
  { "utf8-invalid-field-name", S ("d\xFF" "ata:x\ndata:y\n\n"), { EV ("message", "y", ""), END }, "", -1 },
  { "empty-input", S (""), { END }, "", -1 },
  { "only-comments", S (":a\n:b\r\n:c\r"), { END }, "", -1 },
};

static char *
comments_input (gsize *len)
{
  g_autofree char *longstring = g_strnfill (2 * 1024, 'x');
  GString *s = g_string_new (NULL);

  g_string_append_len (s, "data:1\r:\0\n:\r\ndata:2\n:", 21);
  g_string_append (s, longstring);
  g_string_append (s, "\rdata:3\n:data:fail\r:");
  g_string_append (s, longstring);
  g_string_append (s, "\ndata:4\n\n");
  *len = s->len;
  return g_string_free (s, FALSE);
}

static void
serialize_expected (const Case *c,
                    GString    *log)
{
  for (guint i = 0; c->events[i].type != NULL; i++)
    {
      const Expected *e = &c->events[i];

      append_field (log, e->type, strlen (e->type));
      append_field (log, e->data, e->data_len ? e->data_len : strlen (e->data));
      append_field (log, e->id, strlen (e->id));
      g_string_append_c (log, '\n');
    }
}

/* Feeds @input cut at the offsets in @cuts (sorted), ends the stream and
 * checks everything against @c. */
static void
run_split (const Case   *c,
           const guint8 *input,
           gsize         len,
           const gsize  *cuts,
           guint         n_cuts,
           const char   *how)
{
  g_autoptr(LsSseParser) parser = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  Recorder rec;
  gsize start = 0;

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize stop = i < n_cuts ? cuts[i] : len;
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (stop, >=, start);
      if (!ls_sse_parser_feed (parser, input + start, stop - start, &error))
        g_error ("case %s (%s): %s", c->name, how, error->message);
      start = stop;
    }
  ls_sse_parser_end_stream (parser);

  serialize_expected (c, expected);
  if (!g_str_equal (rec.log->str, expected->str))
    g_error ("case %s (%s):\n got      %s\n expected %s",
             c->name, how, rec.log->str, expected->str);
  g_assert_cmpuint (ls_sse_parser_get_n_events (parser), ==, rec.n_events);
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, c->last_id);
  g_assert_cmpint (ls_sse_parser_get_retry_ms (parser), ==, c->retry_ms);
  g_assert_cmpuint (rec.wire_total, <=, len);

  recorder_clear (&rec);
}

static int
compare_sizes (gconstpointer a,
               gconstpointer b)
{
  gsize x = *(const gsize *) a;
  gsize y = *(const gsize *) b;

  return x < y ? -1 : x > y;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *owned = NULL;
  const guint8 *input;
  gsize len;
  g_autofree gsize *cuts = NULL;

  if (c->input != NULL)
    {
      input = (const guint8 *) c->input;
      len = c->input_len;
    }
  else
    {
      owned = comments_input (&len);
      input = (const guint8 *) owned;
    }

  cuts = g_new0 (gsize, len + 1);

  /* whole */
  run_split (c, input, len, NULL, 0, "whole");

  /* byte by byte */
  for (gsize i = 0; i < len; i++)
    cuts[i] = i + 1;
  run_split (c, input, len, cuts, len > 0 ? len - 1 : 0, "byte by byte");

  /* one cut at every position: catches CRLF, BOM and UTF-8 split in two */
  for (gsize i = 0; i <= len; i++)
    {
      g_autofree char *how = g_strdup_printf ("cut at %" G_GSIZE_FORMAT, i);

      cuts[0] = i;
      run_split (c, input, len, cuts, 1, how);
    }

  /* random split points, fixed seeds */
  for (guint32 seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autofree char *how = g_strdup_printf ("random seed %u", seed);
      guint n_cuts = len > 0 ? g_rand_int_range (rand, 0, MIN (len, 12) + 1) : 0;

      for (guint i = 0; i < n_cuts; i++)
        cuts[i] = g_rand_int_range (rand, 0, len + 1);
      qsort (cuts, n_cuts, sizeof (gsize), compare_sizes);
      run_split (c, input, len, cuts, n_cuts, how);
    }
}

/* ------------------------------------------------------- connection life */

static void
test_end_stream_keeps_state (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  Recorder rec;

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);

  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "");
  g_assert_cmpint (ls_sse_parser_get_retry_ms (parser), ==, -1);

  /* Connection 1 ends with an incomplete event, its id, and a CR. */
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("retry: 1500\nid: 41\ndata: a\n\nid: 42\ndata: lost\r"), NULL));
  g_assert_cmpuint (rec.n_events, ==, 1);
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "41");
  ls_sse_parser_end_stream (parser);
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "41");
  g_assert_cmpint (ls_sse_parser_get_retry_ms (parser), ==, 1500);

  /* Connection 2: the discarded data does not come back; the id persists
   * into events without one. */
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\ndata: b\n\n"), NULL));
  ls_sse_parser_end_stream (parser);

  /* Connection 3 and 4: a BOM is stripped at the start of each. */
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\xEF\xBB"), NULL));
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\xBF" "data: c\n\n"), NULL));
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\xEF\xBB\xBF" "data: ignored\n\n"), NULL));
  ls_sse_parser_end_stream (parser);
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\xEF\xBB\xBF" "data: d\n\n"), NULL));

  g_assert_cmpstr (rec.log->str, ==,
                   "7:message|1:a|2:41|\n"
                   "7:message|1:b|2:41|\n"
                   "7:message|1:c|2:41|\n"
                   "7:message|1:d|2:41|\n");
  g_assert_cmpuint (ls_sse_parser_get_n_events (parser), ==, 4);

  recorder_clear (&rec);
}

static void
test_set_last_event_id (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  Recorder rec;

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);

  ls_sse_parser_set_last_event_id (parser, "resume-7");
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "resume-7");
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("data: a\n\nid: 8\ndata: b\n\nid\ndata: c\n\n"), NULL));
  g_assert_cmpstr (rec.log->str, ==,
                   "7:message|1:a|8:resume-7|\n"
                   "7:message|1:b|1:8|\n"
                   "7:message|1:c|0:|\n");
  ls_sse_parser_set_last_event_id (parser, NULL);
  g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "");

  recorder_clear (&rec);
}

static void
test_wire_size (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  Recorder rec;
  static const char input[] = ": hello\n\ndata: a\r\n\r\nid: 1\n\ndata: bb\n\n";

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);

  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) input, strlen (input), NULL));
  g_assert_cmpuint (rec.n_events, ==, 2);
  /* Every byte up to the last dispatch is attributed to some event. */
  g_assert_cmpuint (rec.wire_total, ==, strlen (input));

  recorder_clear (&rec);
}

/* ------------------------------------------------------------- big events */

static void
count_event_cb (const LsSseEvent *event,
                gpointer          user_data)
{
  GArray *sizes = user_data;
  gsize len = event->data_len;

  g_assert_cmpint (event->data[event->data_len], ==, '\0');
  g_array_append_val (sizes, len);
}

/* One event whose data is @data_len bytes, in lines of @line_len bytes
 * joined by LF, with CRLF line ends. */
static GByteArray *
make_big_event (gsize  data_len,
                gsize  line_len,
                char **expected_data)
{
  GByteArray *bytes = g_byte_array_new ();
  GString *data = g_string_new (NULL);
  g_autofree char *fill = g_strnfill (MIN (line_len, data_len), 'a');
  gsize remaining = data_len;
  gboolean first = TRUE;

  for (;;)
    {
      gsize this_line;

      if (!first)
        {
          g_string_append_c (data, '\n');
          remaining--;
        }
      first = FALSE;
      this_line = MIN (line_len, remaining);
      g_byte_array_append (bytes, (const guint8 *) "data: ", 6);
      g_byte_array_append (bytes, (const guint8 *) fill, this_line);
      g_byte_array_append (bytes, (const guint8 *) "\r\n", 2);
      g_string_append_len (data, fill, this_line);
      remaining -= this_line;
      if (remaining == 0)
        break;
    }
  g_byte_array_append (bytes, (const guint8 *) "\r\n", 2);
  *expected_data = g_string_free (data, FALSE);
  return bytes;
}

static void
check_big_event (gsize data_len,
                 gsize line_len,
                 gsize chunk)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(LsSseParser) parser = ls_sse_parser_new (count_event_cb, sizes);

  bytes = make_big_event (data_len, line_len, &expected);
  g_assert_cmpuint (strlen (expected), ==, data_len);

  for (gsize off = 0; off < bytes->len; off += chunk)
    g_assert_true (ls_sse_parser_feed (parser, bytes->data + off, MIN (chunk, bytes->len - off), NULL));

  g_assert_cmpuint (sizes->len, ==, 1);
  g_assert_cmpuint (g_array_index (sizes, gsize, 0), ==, data_len);
}

static void
collect_data_cb (const LsSseEvent *event,
                 gpointer          user_data)
{
  GString *out = user_data;

  g_string_append_len (out, event->data, event->data_len);
}

static void
test_five_megabyte_event (void)
{
  const gsize five_mb = 5 * 1000 * 1000;
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(LsSseParser) parser = ls_sse_parser_new (collect_data_cb, got);

  /* One line, whole, then exactly checked. */
  bytes = make_big_event (five_mb, five_mb, &expected);
  g_assert_true (ls_sse_parser_feed (parser, bytes->data, bytes->len, NULL));
  g_assert_cmpuint (got->len, ==, five_mb);
  g_assert_true (memcmp (got->str, expected, five_mb) == 0);

  /* In network-sized chunks, and with many lines in odd chunks. */
  check_big_event (five_mb, five_mb, 16 * 1024);
  check_big_event (five_mb, 1000, 4093);
  check_big_event (five_mb, 1, 65536);
}

/* ----------------------------------------------------------- linear time */

static void
test_linear_time (void)
{
  const gsize size = 4 * 1024 * 1024;
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(LsSseParser) one = ls_sse_parser_new (count_event_cb, sizes);
  g_autoptr(LsSseParser) bytewise = ls_sse_parser_new (count_event_cb, sizes);
  g_autoptr(LsSseParser) lines = ls_sse_parser_new (count_event_cb, sizes);
  guint64 work_one;
  guint64 work_bytewise;

  /* A 4 MiB single-line event fed in one chunk and in 1-byte chunks.
   * Work counts every byte the parser scans, copies or validates: each
   * input byte is scanned once, copied at most twice (line buffer, data
   * buffer) and validated once. A parser that rescans or recopies its
   * buffer per chunk does ~N^2/2 = 8e12 units here and cannot pass. */
  bytes = make_big_event (size, size, &expected);
  g_assert_true (ls_sse_parser_feed (one, bytes->data, bytes->len, NULL));
  work_one = ls_sse_parser_get_work_bytes (one);

  for (gsize i = 0; i < bytes->len; i++)
    g_assert_true (ls_sse_parser_feed (bytewise, bytes->data + i, 1, NULL));
  work_bytewise = ls_sse_parser_get_work_bytes (bytewise);

  g_assert_cmpuint (sizes->len, ==, 2);
  g_assert_cmpuint (g_array_index (sizes, gsize, 1), ==, size);
  g_assert_cmpuint (work_one, >=, bytes->len);
  g_assert_cmpuint (work_one, <=, 3 * (guint64) bytes->len);
  g_assert_cmpuint (work_bytewise, <=, 4 * (guint64) bytes->len);

  /* Memory stays proportional to the event (geometric growth), and the
   * big buffers are released after the dispatch. */
  g_assert_cmpuint (ls_sse_parser_get_buffer_capacity (bytewise), <, 1024 * 1024);
  g_clear_pointer (&bytes, g_byte_array_unref);
  g_clear_pointer (&expected, g_free);

  /* The same with a million short lines, each cut in 1-byte chunks, and
   * the buffer measured while the event is still open. */
  bytes = make_big_event (2 * 1000 * 1000, 1, &expected);
  g_assert_cmpuint (bytes->len, >, 1000 * 1000);
  for (gsize i = 0; i + 2 < bytes->len; i++)
    g_assert_true (ls_sse_parser_feed (lines, bytes->data + i, 1, NULL));
  g_assert_cmpuint (ls_sse_parser_get_buffer_capacity (lines), <=, 4 * 2 * 1000 * 1000 + 4096);
  g_assert_true (ls_sse_parser_feed (lines, bytes->data + bytes->len - 2, 2, NULL));
  g_assert_cmpuint (sizes->len, ==, 3);
  g_assert_cmpuint (ls_sse_parser_get_work_bytes (lines), <=, 4 * (guint64) bytes->len);
}

/* --------------------------------------------------------------- size cap */

static void
test_size_cap (void)
{
  g_autoptr(GString) input = g_string_new ("data: a\n\nid: 1\ndata: b\n\ndata: ");
  gsize chunks[] = { 0, 1, 7, 100, 4096 };
  g_autofree char *fill = g_strnfill (2000, 'x');

  g_string_append (input, fill);
  g_string_append (input, "\n\ndata: c\n\n");

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr(LsSseParser) parser = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) again = NULL;
      gsize chunk = chunks[i] ? chunks[i] : input->len;
      gboolean ok = TRUE;
      Recorder rec;

      recorder_init (&rec);
      parser = ls_sse_parser_new (record_event_cb, &rec);
      ls_sse_parser_set_max_size (parser, 1024);
      g_assert_cmpuint (ls_sse_parser_get_max_size (parser), ==, 1024);

      for (gsize off = 0; ok && off < input->len; off += chunk)
        ok = ls_sse_parser_feed (parser, (const guint8 *) input->str + off,
                                 MIN (chunk, input->len - off), &error);

      g_assert_false (ok);
      g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "exceeds the 1 KiB limit"));
      /* Events before the error are delivered, nothing after. */
      g_assert_cmpstr (rec.log->str, ==, "7:message|1:a|0:|\n7:message|1:b|1:1|\n");

      g_assert_false (ls_sse_parser_feed (parser, (const guint8 *) S ("data: d\n\n"), &again));
      g_assert_error (again, LS_SSE_ERROR, LS_SSE_ERROR_FAILED);
      g_assert_cmpuint (rec.n_events, ==, 2);

      /* A new connection starts clean. */
      ls_sse_parser_end_stream (parser);
      g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("data: e\n\n"), NULL));
      g_assert_cmpuint (rec.n_events, ==, 3);
      g_assert_cmpstr (ls_sse_parser_get_last_event_id (parser), ==, "1");

      recorder_clear (&rec);
    }
}

static void
test_size_cap_event (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) input = g_string_new (NULL);
  Recorder rec;

  /* Many short lines: no line is too long but the event is. */
  for (guint i = 0; i < 300; i++)
    g_string_append (input, "data: 0123456789\n");

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);
  ls_sse_parser_set_max_size (parser, 2 * 1024 * 1024);
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) input->str, input->len, NULL));
  ls_sse_parser_set_max_size (parser, 1000);
  g_assert_false (ls_sse_parser_feed (parser, (const guint8 *) input->str, input->len, &error));
  g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "event exceeds the 1000 bytes limit"));
  g_assert_cmpuint (rec.n_events, ==, 0);
  g_clear_error (&error);

  /* The default message names MiB. */
  ls_sse_parser_end_stream (parser);
  ls_sse_parser_set_max_size (parser, 2 * 1024 * 1024);
  for (guint i = 0; i < 10; i++)
    g_string_append (input, input->str);  /* > 2 MiB of data lines */
  g_assert_false (ls_sse_parser_feed (parser, (const guint8 *) input->str, input->len, &error));
  g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "exceeds the 2 MiB limit"));
  g_assert_cmpuint (rec.n_events, ==, 0);

  recorder_clear (&rec);
}

static void
test_size_cap_partial_line (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fill = g_strnfill (600, 'y');
  Recorder rec;
  gboolean ok = TRUE;

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);
  ls_sse_parser_set_max_size (parser, 1024);

  /* A line that never ends is stopped once it passes the cap, without
   * waiting for its end. */
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("data: ok\n\ndata: "), NULL));
  for (guint i = 0; ok && i < 10; i++)
    ok = ls_sse_parser_feed (parser, (const guint8 *) fill, 600, &error);
  g_assert_false (ok);
  g_assert_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "line exceeds"));
  g_assert_cmpuint (rec.n_events, ==, 1);
  g_assert_cmpuint (ls_sse_parser_get_buffer_capacity (parser), <, 64 * 1024);

  recorder_clear (&rec);
}

static void
test_long_comments_not_capped (void)
{
  g_autoptr(LsSseParser) parser = NULL;
  g_autofree char *fill = g_strnfill (5000, 'c');
  Recorder rec;

  recorder_init (&rec);
  parser = ls_sse_parser_new (record_event_cb, &rec);
  ls_sse_parser_set_max_size (parser, 1024);

  /* Keep-alive comments are skipped without being buffered. */
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S (":"), NULL));
  for (guint i = 0; i < 100; i++)
    g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) fill, 5000, NULL));
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\r\n:"), NULL));
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) fill, 5000, NULL));
  g_assert_true (ls_sse_parser_feed (parser, (const guint8 *) S ("\ndata: x\n\n"), NULL));
  g_assert_cmpuint (ls_sse_parser_get_buffer_capacity (parser), <, 64 * 1024);
  g_assert_cmpstr (rec.log->str, ==, "7:message|1:x|0:|\n");

  recorder_clear (&rec);
}

/* ------------------------------------------- random streams, any chunking */

static const char * const tokens[] = {
  "data", "data:", "data: ", "id:", "id: ", "event:", "retry:", "12", "x", "yz",
  ":", " ", "\r", "\n", "\r\n", "\n\n", "\xEF\xBB\xBF", "\xE2\x82", "\xAC", "\xFF",
  "\xC3", "\xA9", "\xF0\x9F\x98\x80", "", "\0",
  /* Lines across the whole feed's 64-byte blocks, which the split feed
   * (chunks of at most 5 bytes) never has. */
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
};

static void
test_random_streams (void)
{
  for (guint32 seed = 1; seed <= 300; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(GByteArray) input = g_byte_array_new ();
      g_autoptr(LsSseParser) whole = NULL;
      g_autoptr(LsSseParser) split = NULL;
      guint n_tokens = g_rand_int_range (rand, 1, 200);
      Recorder rec_whole;
      Recorder rec_split;
      gsize off = 0;

      for (guint i = 0; i < n_tokens; i++)
        {
          const char *t = tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))];
          gsize tlen = t[0] == '\0' ? 1 : strlen (t);  /* "" stands for one NUL */

          g_byte_array_append (input, (const guint8 *) t, tlen);
        }

      recorder_init (&rec_whole);
      recorder_init (&rec_split);
      whole = ls_sse_parser_new (record_event_cb, &rec_whole);
      split = ls_sse_parser_new (record_event_cb, &rec_split);

      g_assert_true (ls_sse_parser_feed (whole, input->data, input->len, NULL));
      while (off < input->len)
        {
          gsize n = g_rand_int_range (rand, 0, 6);  /* not inside MIN(): evaluated twice */

          n = MIN (n, input->len - off);

          g_assert_true (ls_sse_parser_feed (split, input->data + off, n, NULL));
          off += n;
        }
      ls_sse_parser_end_stream (whole);
      ls_sse_parser_end_stream (split);

      g_assert_cmpstr (rec_whole.log->str, ==, rec_split.log->str);
      g_assert_cmpstr (ls_sse_parser_get_last_event_id (whole), ==,
                       ls_sse_parser_get_last_event_id (split));
      g_assert_cmpint (ls_sse_parser_get_retry_ms (whole), ==,
                       ls_sse_parser_get_retry_ms (split));

      recorder_clear (&rec_whole);
      recorder_clear (&rec_split);
    }
}

static void
test_utf8_decode_lossy (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_true (ls_utf8_decode_lossy (S ("plain \xC3\xA9"), out));
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_true (ls_utf8_decode_lossy (S ("a\0b"), out));

  /* WHATWG: one U+FFFD per maximal subpart, the next byte reprocessed. */
  g_assert_false (ls_utf8_decode_lossy (S ("\xF0\x9F\x98" "A\x80\xF5"), out));
  g_assert_cmpstr (out->str, ==, "\xEF\xBF\xBD" "A\xEF\xBF\xBD\xEF\xBF\xBD");
  g_string_truncate (out, 0);
  g_assert_false (ls_utf8_decode_lossy (S ("\xF4\x90\x80\x80"), out));
  g_assert_cmpstr (out->str, ==, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  g_string_truncate (out, 0);
  g_assert_false (ls_utf8_decode_lossy (S ("\xE0\x80\xAF"), out));
  g_assert_cmpstr (out->str, ==, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sse-parser/spec/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/sse-parser/end-stream-keeps-state", test_end_stream_keeps_state);
  g_test_add_func ("/sse-parser/set-last-event-id", test_set_last_event_id);
  g_test_add_func ("/sse-parser/wire-size", test_wire_size);
  g_test_add_func ("/sse-parser/five-megabyte-event", test_five_megabyte_event);
  g_test_add_func ("/sse-parser/linear-time", test_linear_time);
  g_test_add_func ("/sse-parser/size-cap/line", test_size_cap);
  g_test_add_func ("/sse-parser/size-cap/event", test_size_cap_event);
  g_test_add_func ("/sse-parser/size-cap/partial-line", test_size_cap_partial_line);
  g_test_add_func ("/sse-parser/size-cap/comments", test_long_comments_not_capped);
  g_test_add_func ("/sse-parser/random-streams", test_random_streams);
  g_test_add_func ("/sse-parser/utf8-decode-lossy", test_utf8_decode_lossy);

  return g_test_run ();
}
