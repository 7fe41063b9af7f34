/* test-capture.c: a stream saved as a capture reads back the same; bad captures are refused
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real streams from the demo server through `loopscope --headless
 * --capture` (and --events-out beside it): read back, the capture's
 * records written as headless event lines are byte for byte what the run
 * printed, its figures are the run's, its reads add up to the body and
 * carry every byte. Each kind of bad file is refused with its reason.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ls-capture.h"
#include "ls-read-log.h"
#include "ls-sse-parser.h"
#include "ls-test-utils.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* What an LsEventWriter writes for @store (the headless line format). */
static char *
store_as_lines (LsEventStore *store,
                gint64        t0_us)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(LsEventWriter) w = ls_event_writer_new_for_stream (out, "memory", t0_us);
  g_autoptr(GBytes) bytes = NULL;

  ls_event_writer_set_release (w, FALSE);
  g_assert_true (ls_event_writer_write_new (w, store));
  g_assert_true (ls_event_writer_close (w));
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The event lines' JSON strings, against json-glib's reading of them:
 * each character that needs escaping at each position of strings of 0 to
 * 40 bytes, in the data, the id and the type (the writer checks 16, 8 and
 * 4 bytes at a time, and the last bytes as two overlapping words). */
static void
test_json_escaping (void)
{
  static const char *specials[] = { "\"", "\\", "\n", "\t", "\x01", "\x1f", "\xc3\xa9", "\xe2\x82\xac" };
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  for (guint len = 0; len <= 40; len++)
    for (guint at = 0; at < MAX (len, 1); at++)
      for (guint k = 0; k < G_N_ELEMENTS (specials); k++)
        {
          g_autoptr(GString) s = g_string_new (NULL);

          for (guint i = 0; i < len; i++)
            {
              if (i == at)
                g_string_append (s, specials[k]);
              else
                g_string_append_c (s, (char) ('a' + i % 26));
            }
          ls_event_store_append (store, 0, LS_EVENT_KIND_EVENT, 0, s->str, s->len, s->str, s->len,
                                 s->str, s->len, 0);
          g_ptr_array_add (expected, g_string_free (g_steal_pointer (&s), FALSE));
        }

  text = store_as_lines (store, 0);
  lines = ls_test_json_lines (text);
  g_assert_cmpuint (lines->len, ==, expected->len);
  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *object = g_ptr_array_index (lines, i);
      const char *want = g_ptr_array_index (expected, i);

      g_assert_cmpstr (json_object_get_string_member (object, "data"), ==, want);
      g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, want);
      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, want);
      /* Counted up in the text from one line to the next: 9, 99, 999... */
      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i);
    }
}

/* Sequence numbers across what the store let go between two writes: the
 * line after the gap has its own number, not one more than the last. */
static void
test_seq_after_gap (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(LsEventWriter) w = ls_event_writer_new_for_stream (out, "memory", 0);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  guint64 want[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 995, 996, 997, 998, 999, 1000, 1001 };
  guint n = 0;

  ls_event_store_set_limits (store, 10, 0);
  for (guint i = 0; i < 10; i++)
    ls_event_store_append (store, 0, LS_EVENT_KIND_EVENT, 0, NULL, 0, NULL, 0, "x", 1, 0);
  g_assert_true (ls_event_writer_write_new (w, store));
  for (guint i = 10; i < 1002; i++)
    ls_event_store_append (store, 0, LS_EVENT_KIND_EVENT, 0, NULL, 0, NULL, 0, "x", 1, 0);
  ls_event_store_set_limits (store, 7, 0);
  ls_event_store_trim (store);
  g_assert_true (ls_event_writer_write_new (w, store));
  g_assert_true (ls_event_writer_close (w));

  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  lines = ls_test_json_lines (text);
  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *object = g_ptr_array_index (lines, i);

      if (g_strcmp0 (json_object_get_string_member (object, "kind"), "event") != 0)
        continue;   /* the "dropped" line */
      g_assert_cmpuint (n, <, G_N_ELEMENTS (want));
      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, (gint64) want[n]);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want));
}

static void
on_parsed (const LsSseEvent *event,
           gpointer          user_data)
{
  g_ptr_array_add (user_data, g_strndup (event->data, event->data_len));
}

static gboolean
collect_event (const LsEventView *view,
               gpointer           user_data)
{
  if (view->kind == LS_EVENT_KIND_EVENT)
    g_ptr_array_add (user_data, g_strndup (view->data, view->data_len));
  return TRUE;
}

static void
rm_tmpdir (void)
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

static guint64
stats_value (const char *err,
             const char *key)
{
  g_autofree char *needle = g_strdup_printf (" %s=", key);
  const char *p = strstr (err, needle);

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen (needle), NULL, 10);
}

static void
check_round_trip (const char *capture_name,
                  const char *demo_path,
                  const char *max_events)
{
  g_autofree char *capture_path = tmp_path (capture_name);
  g_autofree char *events_path = tmp_path ("events.jsonl");
  g_autofree char *printed = NULL;
  g_autofree char *again = NULL;
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(GArray) entries = ls_read_log_entries_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSseParser) parser = NULL;
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func (g_free);
  LsHeadlessRun run = { 0 };
  guint64 read_bytes = 0, connects = 0, responses = 0;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT, "--demo", demo_path, "--max-events", max_events,
                        "--reconnect-ms", "100", "--stats", "--capture", capture_path,
                        "--events-out", events_path, "-H", "Authorization: Bearer sekrit", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_get_contents (events_path, &printed, NULL, NULL));

  capture = ls_capture_read_file (capture_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (capture);
  g_assert_null (capture->warning);

  /* The records: what the run printed, byte for byte (times included). */
  again = store_as_lines (capture->store, capture->t0_us);
  g_assert_cmpstr (again, ==, printed);

  /* The figures: the run's. */
  g_assert_cmpint (capture->state, ==, LS_STREAM_ENDED);
  g_assert_cmpint (capture->end, ==, LS_STREAM_END_MAX_EVENTS);
  g_assert_cmpuint (capture->stats.events, ==, stats_value (run.err, "events"));
  g_assert_cmpuint (capture->stats.bytes, ==, stats_value (run.err, "bytes"));
  g_assert_cmpuint (capture->stats.connects, ==, stats_value (run.err, "connects"));
  g_assert_cmpuint (capture->stats.reconnects, ==, stats_value (run.err, "reconnects"));
  g_assert_cmpuint (capture->stats.http_status, ==, 200);
  g_assert_cmpint (capture->stats.format, ==, LS_STREAM_FORMAT_SSE);

  /* The request, redacted by default. */
  g_assert_cmpstr (capture->request->method, ==, "GET");
  g_assert_cmpstr (ls_stream_options_get_header (capture->request, "Authorization"), ==, "Bearer [redacted]");
  g_assert_false (capture->secrets_included);
  g_assert_nonnull (capture->response);
  g_assert_cmpuint (capture->response->status, ==, 200);

  /* The reads: every body byte, in order, by connection; parsed again
   * they give the same events. */
  ls_read_log_copy_since (capture->read_log, 0, entries);
  {
    for (guint i = 0; i < entries->len; i++)
      {
        const LsReadLogEntry *entry = &g_array_index (entries, LsReadLogEntry, i);

        switch (entry->kind)
          {
          case LS_READ_LOG_CONNECT:
            connects++;
            g_assert_cmpuint (entry->connection, ==, connects);
            /* A new connection starts a new body. */
            g_clear_pointer (&parser, ls_sse_parser_free);
            parser = ls_sse_parser_new (on_parsed, parsed);
            break;
          case LS_READ_LOG_RESPONSE:
            responses++;
            g_assert_cmpuint (entry->connection, ==, connects);
            break;
          case LS_READ_LOG_READ:
          default:
            g_assert_cmpuint (entry->connection, ==, connects);
            g_assert_nonnull (entry->data);
            g_assert_cmpuint (g_bytes_get_size (entry->data), ==, entry->size);
            read_bytes += entry->size;
            g_assert_nonnull (parser);
            g_assert_true (ls_sse_parser_feed (parser, g_bytes_get_data (entry->data, NULL), entry->size, NULL));
            break;
          }
      }
  }
  /* The run may have read past its last wanted event: the stored ones
   * are the first of those the reads parse to. */
  ls_event_store_foreach_range (capture->store, 0, G_MAXUINT64, collect_event, stored);
  g_assert_cmpuint (stored->len, ==, capture->stats.events);
  g_assert_cmpuint (parsed->len, >=, stored->len);
  for (guint i = 0; i < stored->len; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed, i), ==, g_ptr_array_index (stored, i));
  g_assert_cmpuint (connects, ==, capture->stats.connects);
  g_assert_cmpuint (responses, ==, capture->stats.opens);
  g_assert_cmpuint (read_bytes, ==, capture->stats.bytes);

  ls_headless_run_clear (&run);
}

static void
test_round_trip (void)
{
  /* A flaky stream: several connections, a reconnect between them. */
  check_round_trip ("flaky.jsonl", "/sse/flaky?every=4&count=30", "10");
}

static void
test_round_trip_gzip (void)
{
  g_autofree char *path = tmp_path ("ticks.jsonl.gz");
  g_autofree char *contents = NULL;
  gsize len;

  check_round_trip ("ticks.jsonl.gz", "/sse/ticks?count=20&interval_ms=5", "20");
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 2);
  g_assert_cmpint ((guint8) contents[0], ==, 0x1f);
  g_assert_cmpint ((guint8) contents[1], ==, 0x8b);
}

/* A capture written again (the window's Save of an opened capture) is
 * the same capture. */
static void
test_write_again (void)
{
  g_autofree char *path = tmp_path ("again-src.jsonl");
  g_autofree char *path2 = tmp_path ("again.jsonl");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(LsCapture) reread = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  LsHeadlessRun run = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_DISCARD_OUT, "--demo", "/ndjson?count=7", "--capture", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  capture = ls_capture_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (capture->stats.events, ==, 7);

  out = ls_capture_create_file (path2, &error);
  g_assert_no_error (error);
  g_assert_true (ls_capture_write (capture, out, path2, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &first, NULL, NULL));
  g_assert_true (g_file_get_contents (path2, &second, NULL, NULL));
  /* Everything after the header line is the same. */
  g_assert_cmpstr (strchr (second, '\n'), ==, strchr (first, '\n'));

  reread = ls_capture_read_file (path2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reread->stats.events, ==, 7);
  g_assert_cmpint (reread->started_unix_us, ==, capture->started_unix_us);
  ls_headless_run_clear (&run);
}

static const char header[] =
  "{\"format\":\"loopscope-capture\",\"version\":1,\"started_unix_us\":1700000000000000,"
  "\"request\":{\"method\":\"GET\",\"url\":\"http://127.0.0.1:1/sse\",\"headers\":[]}}\n";

typedef struct
{
  const char     *name;
  const char     *contents;  /* the header above is put in front when it starts with "+" */
  LsCaptureError  code;
  const char     *reason;    /* in the message */
} BadCase;

static void
check_bad (const char     *name,
           const char     *contents,
           gsize           len,
           LsCaptureError  code,
           const char     *reason)
{
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("%s", name);
  capture = ls_capture_read_bytes (contents, len, &error);
  g_assert_null (capture);
  g_assert_error (error, LS_CAPTURE_ERROR, (gint) code);
  if (strstr (error->message, reason) == NULL)
    g_error ("%s: \"%s\" does not say \"%s\"", name, error->message, reason);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_bad_files (void)
{
  static const BadCase cases[] = {
    { "empty", "", LS_CAPTURE_ERROR_NOT_CAPTURE, "the file is empty" },
    { "blank lines", "\n\n\n", LS_CAPTURE_ERROR_NOT_CAPTURE, "the file is empty" },
    { "not JSON", "hello\n", LS_CAPTURE_ERROR_NOT_CAPTURE, "first line is not a capture header" },
    { "another format", "{\"format\":\"har\",\"version\":1}\n", LS_CAPTURE_ERROR_NOT_CAPTURE, "not a capture header" },
    { "no version", "{\"format\":\"loopscope-capture\"}\n", LS_CAPTURE_ERROR_VERSION, "does not say its version" },
    { "version 2", "{\"format\":\"loopscope-capture\",\"version\":2,\"request\":{\"url\":\"http://x/\"}}\n",
      LS_CAPTURE_ERROR_VERSION, "Capture version 2 is newer than this Loopscope reads (1)" },
    { "version 0", "{\"format\":\"loopscope-capture\",\"version\":0}\n", LS_CAPTURE_ERROR_VERSION,
      "Capture version 0 is not one this Loopscope reads (1)" },
    { "no request", "{\"format\":\"loopscope-capture\",\"version\":1}\n", LS_CAPTURE_ERROR_MALFORMED,
      "Line 1 of the capture: “request” must be an object" },
    { "a record that is not JSON", "+{\"kind\":\"event\",\n", LS_CAPTURE_ERROR_MALFORMED, "Line 2 of the capture: not JSON" },
    { "a record that is a list", "+[1,2]\n", LS_CAPTURE_ERROR_MALFORMED, "Line 2 of the capture: not a JSON object" },
    { "two records on a line", "+{\"kind\":\"open\",\"t\":1,\"message\":\"x\"}{}\n", LS_CAPTURE_ERROR_MALFORMED,
      "Line 2 of the capture: not a JSON object" },
    { "a number before a record", "+1{\"kind\":\"open\",\"t\":1,\"message\":\"x\"}\n", LS_CAPTURE_ERROR_MALFORMED,
      "Line 2 of the capture: not a JSON object" },
    { "a bad string that quotes a newline", "+{\"kind\":\"event\",\"data\":\"{\\name\"x}\n", LS_CAPTURE_ERROR_MALFORMED,
      "Line 2 of the capture: not JSON: <data>:1:" },
    { "a time that is text", "+{\"kind\":\"event\",\"t\":\"soon\",\"type\":\"m\",\"data\":\"x\"}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“t” must be a number" },
    { "a negative time", "+{\"kind\":\"open\",\"t\":-1,\"message\":\"x\"}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“t” must be a whole number in range" },
    { "data that is a number", "+{\"kind\":\"event\",\"t\":1,\"type\":\"m\",\"data\":5}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“data” must be a string" },
    { "no kind", "+{\"t\":1}\n", LS_CAPTURE_ERROR_MALFORMED, "“kind” is missing" },
    { "a connection out of range", "+{\"kind\":\"open\",\"t\":1,\"connection\":99999999999,\"message\":\"x\"}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“connection” must be a whole number in range" },
    { "a hostile read size", "+{\"kind\":\"read\",\"t\":1,\"size\":999999999999}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“size” must be a whole number in range" },
    { "base64 that is not", "+{\"kind\":\"read\",\"t\":1,\"size\":3,\"data_b64\":\"!!!!\"}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“data_b64” is not the base64 of “size” bytes" },
    { "base64 of another size", "+{\"kind\":\"read\",\"t\":1,\"size\":4,\"data_b64\":\"YWJj\"}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“data_b64” is not the base64 of “size” bytes" },
    { "headers that are not a list", "+{\"kind\":\"response\",\"t\":1,\"status\":200,\"headers\":{}}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“headers” must be a list" },
    { "a status out of range", "+{\"kind\":\"response\",\"t\":1,\"status\":7000}\n",
      LS_CAPTURE_ERROR_MALFORMED, "“status” must be a whole number in range" },
    { "nested too deep", "+{\"kind\":\"open\",\"t\":1,\"message\":\"x\",\"x\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}\n",
      LS_CAPTURE_ERROR_TOO_LARGE, "Line 2 of the capture nests deeper than 8 levels" },
    { "gzip cut short", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae", LS_CAPTURE_ERROR_IO,
      "Cannot read the capture" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *contents = cases[i].contents;
      g_autofree char *full = contents[0] == '+' ? g_strconcat (header, contents + 1, NULL) : NULL;

      if (full != NULL)
        contents = full;
      check_bad (cases[i].name, contents, g_str_equal (cases[i].name, "gzip cut short") ? 12 : strlen (contents),
                 cases[i].code, cases[i].reason);
    }

  /* Not UTF-8. */
  {
    g_autofree char *bad = g_strconcat (header, "{\"kind\":\"open\",\"t\":1,\"message\":\"\xff\xfe\"}\n", NULL);

    check_bad ("not UTF-8", bad, strlen (bad), LS_CAPTURE_ERROR_MALFORMED, "Line 2 of the capture: not valid UTF-8");
  }
  /* A line over the cap, with and without its end. */
  {
    gsize n = LS_CAPTURE_MAX_LINE + 10;
    g_autofree char *big = g_malloc (strlen (header) + n + 1);

    memcpy (big, header, strlen (header));
    memset (big + strlen (header), 'x', n);
    check_bad ("a line too long, unended", big, strlen (header) + n, LS_CAPTURE_ERROR_TOO_LARGE,
               "Line 2 of the capture is longer than 64.0\xc2\xa0MiB");
    big[strlen (header) + n - 1] = '\n';
    check_bad ("a line too long", big, strlen (header) + n, LS_CAPTURE_ERROR_TOO_LARGE,
               "Line 2 of the capture is longer than 64.0\xc2\xa0MiB");
  }
}

/* Cut short: what was read is kept, and the capture says so. */
static void
test_cut_short (void)
{
  g_autofree char *text = g_strconcat (header,
                                       "{\"seq\":0,\"t\":1.5,\"kind\":\"open\",\"connection\":1,\"message\":\"HTTP 200\"}\n"
                                       "{\"seq\":1,\"t\":2.25,\"kind\":\"event\",\"connection\":1,\"type\":\"tick\",\"id\":\"1\",\"data\":\"one\"}\n"
                                       "{\"seq\":2,\"t\":3,\"kind\":\"event\",\"connection\":1,\"type\":\"tick\",\"id\":\"2\",\"da",
                                       NULL);
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LsEventPin) pin = NULL;
  LsEventView view;

  capture = ls_capture_read_bytes (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (capture->warning);
  g_assert_nonnull (strstr (capture->warning, "ends in the middle of a line"));
  g_assert_nonnull (strstr (capture->warning, "no figures line"));
  g_assert_cmpuint (ls_event_store_get_end_seq (capture->store), ==, 2);
  g_assert_cmpuint (capture->stats.events, ==, 1);
  g_assert_true (ls_event_store_get (capture->store, 1, &view, &pin));
  g_assert_cmpstr (view.data, ==, "one");
  g_assert_cmpstr (view.type, ==, "tick");
  /* The time as written: 2.25 ms after the start, on the wall clock. */
  g_assert_cmpint (ls_event_store_to_real_time (capture->store, view.time_us), ==, 1700000000000000 + 2250);
  g_assert_cmpint (capture->state, ==, LS_STREAM_CANCELLED);
}

/* Keys and kinds a later version 1 adds are skipped, not refused. */
static void
test_unknown_kinds (void)
{
  g_autofree char *text = g_strconcat (header,
                                       "{\"kind\":\"marker\",\"t\":1,\"label\":\"x\"}\n"
                                       "{\"seq\":0,\"t\":2,\"kind\":\"comment\",\"connection\":1,\"comment\":\"hb\",\"new_key\":[1]}\n"
                                       "{\"kind\":\"figures\",\"state\":\"failed\",\"end\":\"http-status\",\"message\":\"HTTP 500\",\"events\":0,\"http_status\":500}\n",
                                       NULL);
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(GError) error = NULL;

  capture = ls_capture_read_bytes (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_null (capture->warning);
  g_assert_cmpuint (ls_event_store_get_end_seq (capture->store), ==, 1);
  g_assert_cmpint (capture->state, ==, LS_STREAM_FAILED);
  g_assert_cmpint (capture->end, ==, LS_STREAM_END_HTTP_STATUS);
  g_assert_cmpstr (capture->message, ==, "HTTP 500");
  g_assert_cmpuint (capture->stats.http_status, ==, 500);
}

/* The read log follows a store's retention: reads whose events were all
 * dropped go, in batches, and the ones still needed stay, in order. */
static void
test_read_log_follows_store (void)
{
  g_autoptr(LsReadLog) log = ls_read_log_new (LS_READ_LOG_DEFAULT_MAX_BYTES);
  g_autoptr(GArray) kept = ls_read_log_entries_new ();
  const guint8 byte = 'x';
  guint64 end;

  /* Read i produced events [10 i, 10 i + 10). */
  for (guint i = 0; i < 5000; i++)
    ls_read_log_add_read (log, 1, i, 10 * (guint64) i, &byte, 1);

  /* Nothing dropped yet: nothing goes. */
  ls_read_log_forget_before_seq (log, 0);
  g_assert_cmpuint (ls_read_log_copy_since (log, 0, kept), ==, 5000);
  g_assert_cmpuint (kept->len, ==, 5000);
  g_array_set_size (kept, 0);

  /* The store dropped events below 25,005: reads 0 to 2499 are done with
   * (2500's events start at 25,000, some are still there); they go in
   * batches of 1024, so 2048 have gone after three calls. */
  for (guint call = 0; call < 3; call++)
    ls_read_log_forget_before_seq (log, 25005);
  end = ls_read_log_copy_since (log, 0, kept);
  g_assert_cmpuint (end, ==, 5000);
  g_assert_cmpuint (kept->len, ==, 5000 - 2048);
  g_assert_cmpuint (g_array_index (kept, LsReadLogEntry, 0).seq, ==, 10 * 2048);
  g_assert_cmpuint (g_array_index (kept, LsReadLogEntry, kept->len - 1).seq, ==, 10 * 4999);
  g_array_set_size (kept, 0);

  /* Never the read that still has events in the store. */
  for (guint call = 0; call < 10; call++)
    ls_read_log_forget_before_seq (log, 25005);
  ls_read_log_copy_since (log, 0, kept);
  g_assert_cmpuint (g_array_index (kept, LsReadLogEntry, 0).seq, <=, 25000);
}

/* The reader's own parser of flat lines reads them as json-glib does. */
static void
test_flat_lines (void)
{
  static const char *const lines[] = {
    "{}",
    " { \"a\" : 1 , \"b\":\"x\" } ",
    "{\"seq\":3,\"t\":17.293,\"kind\":\"event\",\"connection\":1,\"type\":\"m\",\"id\":\"1\",\"data\":\"{\\\"n\\\":1}\",\"wire_size\":73}",
    "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
    "{\"s\":\"\\u00e9\\u20AC\\ud83d\\ude00 é€😀\"}",
    "{\"n\":-0,\"m\":0,\"x\":1e3,\"y\":1.5E-2,\"z\":-12.25,\"big\":9223372036854775807,\"neg\":-9223372036854775808}",
    "{\"b\":true,\"c\":false,\"d\":null}",
    "{\"dup\":1,\"dup\":\"two\"}",
    /* Left to json-glib (the check then has nothing to compare). */
    "{\"over\":9223372036854775808}",
    "{\"s\":\"\\ud83d\"}",
    "{\"s\":\"\\u0000\"}",
    "{\"a\":[1]}",
    "{\"a\":01}",
    "{\"a\":1.}",
    "{\"a\":tru}",
    "{\"a\" 1}",
    "{\"a\":1,}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_test_message ("%s", lines[i]);
      g_assert_true (_ls_capture_check_flat_line (lines[i], strlen (lines[i])));
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  tmpdir = g_dir_make_tmp ("ls-capture-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/capture/json-escaping", test_json_escaping);
  g_test_add_func ("/capture/seq-after-gap", test_seq_after_gap);
  g_test_add_func ("/capture/flat-lines", test_flat_lines);
  g_test_add_func ("/capture/round-trip", test_round_trip);
  g_test_add_func ("/capture/round-trip-gzip", test_round_trip_gzip);
  g_test_add_func ("/capture/write-again", test_write_again);
  g_test_add_func ("/capture/bad-files", test_bad_files);
  g_test_add_func ("/capture/cut-short", test_cut_short);
  g_test_add_func ("/capture/unknown-kinds", test_unknown_kinds);
  g_test_add_func ("/capture/read-log-follows-store", test_read_log_follows_store);

  status = g_test_run ();
  rm_tmpdir ();
  g_free (tmpdir);
  return status;
}
