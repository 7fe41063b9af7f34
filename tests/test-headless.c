/* test-headless.c: `loopscope --headless` as other programs see it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real entry point (tests/ls-headless-runner, next to this test)
 * as a child process against a demo server started here, on loopback, and
 * checks what a caller depends on: one JSON object per line with the
 * documented fields, exit statuses, one-line reasons on stderr, SIGINT,
 * --events-out and --trace.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ls-demo-server.h"
#include "ls-test-utils.h"

static LsDemoServer *demo;

static char *
demo_url (const char *path)
{
  return g_strconcat (ls_demo_server_get_base_uri (demo), path, NULL);
}

static const char *
member (JsonObject *object,
        const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  return json_object_get_string_member (object, name);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* ---- output ---------------------------------------------------------- */

static void
test_events_and_lifecycle (void)
{
  g_autofree char *url = demo_url ("/sse/ticks?count=5&rate=0");
  LsHeadlessRun run = { 0 };
  gint64 last_seq = -1;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpuint (run.lines->len, ==, 7);

  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 0), "kind"), ==, "open");
  g_assert_nonnull (strstr (member (g_ptr_array_index (run.lines, 0), "message"), "HTTP 200"));
  for (guint i = 1; i <= 5; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);
      g_autofree char *id = g_strdup_printf ("%u", i);
      g_autofree char *n = g_strdup_printf ("{\"n\":%u,", i);

      g_assert_cmpstr (member (line, "kind"), ==, "event");
      g_assert_cmpstr (member (line, "type"), ==, "tick");
      g_assert_cmpstr (member (line, "id"), ==, id);
      g_assert_true (g_str_has_prefix (member (line, "data"), n));
    }
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 6), "kind"), ==, "closed");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 6), "message"), ==, "The server closed the stream");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 6), "end"), ==, "completed");
  for (guint i = 0; i < run.lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);

      g_assert_cmpint (json_object_get_int_member (line, "seq"), >, last_seq);
      last_seq = json_object_get_int_member (line, "seq");
      g_assert_cmpfloat (json_object_get_double_member (line, "t"), >=, 0);
    }
  ls_headless_run_clear (&run);
}

static void
test_flaky_every_id_once (void)
{
  g_autofree char *url = demo_url ("/sse/flaky?every=3&count=12&rate=0&retry=100");
  LsHeadlessRun run = { 0 };
  guint next = 1, reconnects = 0;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--max-events", "12", "--stats", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < run.lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);
      const char *kind = member (line, "kind");

      if (g_str_equal (kind, "event"))
        {
          g_assert_cmpuint ((guint) g_ascii_strtoull (member (line, "id"), NULL, 10), ==, next);
          next++;
        }
      else if (g_str_equal (kind, "reconnect"))
        {
          g_assert_nonnull (strstr (member (line, "message"), "reconnecting in 100 ms"));
          reconnects++;
        }
    }
  g_assert_cmpuint (next, ==, 13);
  g_assert_cmpuint (reconnects, ==, 3);
  /* --stats: one summary line. */
  g_assert_true (g_str_has_prefix (run.err, "loopscope: stats: state=ended events=12 "));
  g_assert_nonnull (strstr (run.err, " reconnects=3 "));
  g_assert_cmpuint (count_lines (run.err), ==, 1);
  ls_headless_run_clear (&run);
}

static void
test_ndjson (void)
{
  g_autofree char *url = demo_url ("/ndjson?count=3&rate=0");
  LsHeadlessRun run = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (run.lines->len, ==, 5);
  for (guint i = 1; i <= 3; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);

      g_assert_cmpstr (member (line, "kind"), ==, "event");
      g_assert_cmpstr (member (line, "type"), ==, "ndjson");
      g_assert_true (json_object_get_boolean_member (line, "valid"));
      g_assert_cmpstr (member (line, "id"), ==, "");
    }
  ls_headless_run_clear (&run);
}

static void
test_post_and_raw_escaping (void)
{
  g_autofree char *url = demo_url ("/llm?interval_ms=1");
  g_autofree char *body_path = NULL;
  g_autofree char *body_arg = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *last_event = NULL;
  LsHeadlessRun run = { 0 };
  int fd;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                        url, "--data", "{\"prompt\":\"hi\",\"max_tokens\":3}",
                        "--header", "Content-Type: application/json", "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < run.lines->len; i++)
    if (g_str_equal (member (g_ptr_array_index (run.lines, i), "kind"), "event"))
      last_event = g_ptr_array_index (run.lines, i);
  g_assert_nonnull (last_event);
  g_assert_cmpstr (member (last_event, "data"), ==, "[DONE]");
  ls_headless_run_clear (&run);

  /* The same body from a file; raw chunks: their JSON strings carry the
   * quotes and newlines of the wire, escaped and back. */
  fd = g_file_open_tmp ("ls-headless-XXXXXX.json", &body_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (body_path, "{\"max_tokens\":2}", -1, &error));
  body_arg = g_strconcat ("@", body_path, NULL);
  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                        url, "--data", body_arg, "--format", "raw", "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < run.lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);

      if (!g_str_equal (member (line, "kind"), "chunk"))
        continue;
      g_assert_cmpint (json_object_get_int_member (line, "size"), ==, strlen (member (line, "data")));
      g_string_append (joined, member (line, "data"));
    }
  g_assert_true (g_str_has_prefix (joined->str, "data: {\"id\":\"chatcmpl-"));
  g_assert_true (g_str_has_suffix (joined->str, "data: [DONE]\n\n"));
  ls_headless_run_clear (&run);
  g_unlink (body_path);
}

static void
test_files_and_trace (void)
{
  g_autofree char *url = demo_url ("/sse/ticks?count=20&rate=0");
  g_autofree char *dir = g_dir_make_tmp ("ls-headless-XXXXXX", NULL);
  g_autofree char *events_path = g_build_filename (dir, "events.jsonl", NULL);
  g_autofree char *trace_path = g_build_filename (dir, "trace.json", NULL);
  g_autofree char *events = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *trace_events;
  guint reads = 0, thread_names = 0;
  LsHeadlessRun run = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                        url, "--no-reconnect", "--events-out", events_path, "--trace", trace_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_file_get_contents (events_path, &events, NULL, &error));
  g_assert_cmpuint (count_lines (events), ==, 22);

  g_assert_true (json_parser_load_from_file (parser, trace_path, &error));
  g_assert_no_error (error);
  trace_events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                               "traceEvents");
  for (guint i = 0; i < json_array_get_length (trace_events); i++)
    {
      JsonObject *event = json_array_get_object_element (trace_events, i);
      const char *ph = json_object_get_string_member (event, "ph");

      if (g_str_equal (ph, "M"))
        thread_names++;
      else if (g_str_equal (ph, "X") && g_str_equal (json_object_get_string_member (event, "name"), "stream.read"))
        reads++;
    }
  g_assert_cmpuint (thread_names, >=, 2);
  g_assert_cmpuint (reads, >=, 1);
  ls_headless_run_clear (&run);
  g_unlink (events_path);
  g_unlink (trace_path);
  g_rmdir (dir);
}

static void
test_demo_flag (void)
{
  LsHeadlessRun run = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                        "--demo", "/sse/ticks?count=2&rate=0", "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.err, "loopscope: demo server at http://127.0.0.1:"));
  g_assert_cmpuint (run.lines->len, ==, 4);
  ls_headless_run_clear (&run);
}

/* ---- failures -------------------------------------------------------- */

static void
assert_one_line_failure (LsHeadlessRun *run,
                         int            status,
                         const char    *fragment)
{
  g_assert_cmpint (run->status, ==, status);
  g_assert_true (g_str_has_prefix (run->err, "loopscope: "));
  g_assert_cmpuint (count_lines (run->err), ==, 1);
  g_assert_nonnull (strstr (run->err, fragment));
}

static void
test_bad_arguments (void)
{
  static const char *cases[][4] = {
    /* arguments (up to 3), expected fragment */
    { NULL, NULL, NULL, "No URL given" },
    { "ftp://127.0.0.1/x", NULL, NULL, "scheme 'ftp'" },
    { "http://127.0.0.1/x", "--header", "no colon here", "Malformed header" },
    { "http://127.0.0.1/x", "--header", "Bad Name: v", "Malformed header" },
    { "http://127.0.0.1/x", "--max-events", "abc", "--max-events" },
    { "http://127.0.0.1/x", "--duration", "-1", "--duration" },
    { "http://127.0.0.1/x", "--idle-timeout", "soon", "--idle-timeout" },
    { "http://127.0.0.1/x", "--reconnect-ms", "99999999999", "--reconnect-ms" },
    { "http://127.0.0.1/x", "--format", "xml", "--format" },
    { "http://127.0.0.1/x", "--data", "@/nonexistent/body.json", "--data" },
    { "http://127.0.0.1/x", "--method", "GE T", "Invalid method" },
    { "http://127.0.0.1/x", "--bogus", NULL, "--bogus" },
    { "http://127.0.0.1/x", "http://127.0.0.1/y", NULL, "Unexpected argument" },
    { "http://127.0.0.1/x", "--events-out", "/nonexistent/dir/out", "--events-out" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LsHeadlessRun run = { 0 };

      ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                            cases[i][0], cases[i][1], cases[i][2], NULL);
      assert_one_line_failure (&run, 2, cases[i][3]);
      g_assert_nonnull (strstr (run.err, "--help"));
      g_assert_cmpstr (run.out, ==, "");
      ls_headless_run_clear (&run);
    }
}

static void
test_stream_failures (void)
{
  g_autofree char *missing = demo_url ("/no-such-endpoint");
  g_autofree char *ticks = demo_url ("/sse/ticks?count=3&rate=0");
  LsHeadlessRun run = { 0 };

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, missing, NULL);
  assert_one_line_failure (&run, 1, "HTTP 404 Not Found: the server refused the stream");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, run.lines->len - 1), "kind"), ==, "closed");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, run.lines->len - 2), "kind"), ==, "error");
  ls_headless_run_clear (&run);

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES,
                        ticks, "--format", "ndjson", "--events-out", "/dev/full", "--no-reconnect", NULL);
  assert_one_line_failure (&run, 1, "Cannot write events to /dev/full");
  ls_headless_run_clear (&run);
}

static void
test_sigint (void)
{
  g_autofree char *url = demo_url ("/sse/ticks?rate=100");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *last = NULL;
  char *line;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              ls_test_headless_runner_path (), "--headless", url, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  /* Blocking reads on the test thread: the child writes each frame. */
  for (guint i = 0; i < 4; i++)
    {
      line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_free (line);
    }
  g_subprocess_send_signal (process, SIGINT);
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error)) != NULL)
    {
      g_free (last);
      last = line;
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_cmpint (ls_test_subprocess_status (process), ==, 0);
  g_assert_nonnull (last);
  g_assert_true (g_str_has_prefix (last, "{\"seq\":"));
  g_assert_nonnull (strstr (last, "\"kind\":\"closed\",\"end\":\"cancelled\",\"message\":\"Cancelled\""));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  demo = ls_demo_server_new ();
  if (!ls_demo_server_start_sync (demo, 0, &error))
    g_error ("demo server: %s", error->message);

  g_test_add_func ("/headless/events-and-lifecycle", test_events_and_lifecycle);
  g_test_add_func ("/headless/flaky-every-id-once", test_flaky_every_id_once);
  g_test_add_func ("/headless/ndjson", test_ndjson);
  g_test_add_func ("/headless/post-and-raw-escaping", test_post_and_raw_escaping);
  g_test_add_func ("/headless/files-and-trace", test_files_and_trace);
  g_test_add_func ("/headless/demo-flag", test_demo_flag);
  g_test_add_func ("/headless/bad-arguments", test_bad_arguments);
  g_test_add_func ("/headless/stream-failures", test_stream_failures);
  g_test_add_func ("/headless/sigint", test_sigint);

  result = g_test_run ();

  ls_demo_server_stop (demo);
  g_clear_object (&demo);
  return result;
}
