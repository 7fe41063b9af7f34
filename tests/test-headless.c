/* test-headless.c: `loopscope --headless` as other programs see it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real entry point (tests/ls-headless-runner, next to this test)
 * as a child process against a demo server started here, on loopback, and
 * checks what a caller depends on: one JSON object per line with the
 * documented fields, exit statuses, one-line reasons on stderr, SIGINT,
 * --events-out and --trace; and, through a pipe, that each line is there
 * when it happens (a scripted server that does nothing more until the test
 * has read the line its last step caused), comments, and SIGHUP.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
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
  g_autofree char *url = demo_url ("/sse/ticks?count=20&rate=0&api_key=hunter2");
  g_autofree char *dir = g_dir_make_tmp ("ls-headless-XXXXXX", NULL);
  g_autofree char *events_path = g_build_filename (dir, "events.jsonl", NULL);
  g_autofree char *trace_path = g_build_filename (dir, "trace.json", NULL);
  g_autofree char *trace_text = NULL;
  g_autofree char *events = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *trace_events;
  guint reads = 0, thread_names = 0, stream_names = 0;
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

      if (g_str_equal (ph, "M") && g_str_equal (json_object_get_string_member (event, "name"), "thread_name"))
        thread_names++;
      else if (g_str_equal (ph, "M") && g_str_equal (json_object_get_string_member (event, "name"), "stream_name"))
        {
          JsonObject *args = json_object_get_object_member (event, "args");

          /* The stream's work named after its URL, the key masked. */
          g_assert_cmpint (json_object_get_int_member (args, "stream"), ==, 1);
          g_assert_nonnull (strstr (json_object_get_string_member (args, "name"), "/sse/ticks?count=20"));
          stream_names++;
        }
      else if (g_str_equal (ph, "X") && g_str_equal (json_object_get_string_member (event, "name"), "stream.read"))
        {
          g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (event, "args"), "stream"), ==, 1);
          reads++;
        }
    }
  g_assert_cmpuint (thread_names, >=, 2);
  g_assert_cmpuint (stream_names, ==, 1);
  g_assert_cmpuint (reads, >=, 1);
  g_assert_true (g_file_get_contents (trace_path, &trace_text, NULL, NULL));
  g_assert_null (strstr (trace_text, "hunter2"));
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

/* ---- lines when they happen ------------------------------------------- */

/* A server the test drives one step at a time: the first request gets
 * headers only, then each step the test takes writes the next piece of
 * the script (or drops or ends the connection); later requests get 204.
 * The test takes a step only after reading the line the last one caused,
 * so a line held back until something else happens never comes. */
typedef enum
{
  PIECE_WRITE,
  PIECE_DROP,     /* the connection is reset */
} PieceKind;

typedef struct
{
  PieceKind   kind;
  const char *text;
} Piece;

typedef struct
{
  pthread_mutex_t  lock;   /* ThreadSanitizer sees it, GMutex it does not */
  guint            step;   /* pieces the test asked for */
  guint            requests;
  char            *last_event_ids[4];
  const Piece     *script;
  guint            n_pieces;
} Gate;

static Gate gate = { .lock = PTHREAD_MUTEX_INITIALIZER };

typedef struct
{
  SoupServerMessage *msg;
  GSource           *poll;
  guint              done;
} GatedResponse;

static void
gated_response_free (GatedResponse *response)
{
  g_source_destroy (response->poll);
  g_source_unref (response->poll);
  g_signal_handlers_disconnect_by_data (response->msg, response);
  g_object_unref (response->msg);
  g_free (response);
}

static void
gated_finished_cb (SoupServerMessage *msg,
                   GatedResponse     *response)
{
  gated_response_free (response);
}

/* Server thread: carries out the steps the test took. */
static gboolean
gated_poll_cb (gpointer data)
{
  GatedResponse *response = data;
  SoupMessageBody *body = soup_server_message_get_response_body (response->msg);
  guint step;

  pthread_mutex_lock (&gate.lock);
  step = MIN (gate.step, gate.n_pieces);
  pthread_mutex_unlock (&gate.lock);

  for (; response->done < step; response->done++)
    {
      const Piece *piece = &gate.script[response->done];

      if (piece->kind == PIECE_DROP)
        {
          GSocket *socket = soup_server_message_get_socket (response->msg);
          struct linger reset = { .l_onoff = 1, .l_linger = 0 };

          /* SO_LINGER 0: close() sends a reset, under libsoup's feet (it
           * would end the body cleanly otherwise); the message then
           * finishes with an error, and "finished" frees the response. */
          g_assert_nonnull (socket);
          setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
          g_socket_close (socket, NULL);
          response->done = gate.n_pieces;
          return G_SOURCE_REMOVE;
        }
      soup_message_body_append (body, SOUP_MEMORY_STATIC, piece->text, strlen (piece->text));
      soup_server_message_unpause (response->msg);
    }
  return G_SOURCE_CONTINUE;
}

static void
gated_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *last_id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                      "Last-Event-ID");
  GatedResponse *response;
  guint n;

  pthread_mutex_lock (&gate.lock);
  n = gate.requests++;
  if (n < G_N_ELEMENTS (gate.last_event_ids))
    gate.last_event_ids[n] = g_strdup (last_id != NULL ? last_id : "-");
  pthread_mutex_unlock (&gate.lock);

  if (n > 0)
    {
      /* Done: do not reconnect. */
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  response = g_new0 (GatedResponse, 1);
  response->msg = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (gated_finished_cb), response);
  response->poll = g_timeout_source_new (2);
  g_source_set_callback (response->poll, gated_poll_cb, response, NULL);
  g_source_attach (response->poll, g_main_context_get_thread_default ());
}

static void
gate_reset (const Piece *script,
            guint        n_pieces)
{
  pthread_mutex_lock (&gate.lock);
  gate.step = 0;
  gate.requests = 0;
  for (guint i = 0; i < G_N_ELEMENTS (gate.last_event_ids); i++)
    g_clear_pointer (&gate.last_event_ids[i], g_free);
  gate.script = script;
  gate.n_pieces = n_pieces;
  pthread_mutex_unlock (&gate.lock);
}

static void
gate_step (void)
{
  pthread_mutex_lock (&gate.lock);
  gate.step++;
  pthread_mutex_unlock (&gate.lock);
}

/* The child's next line, parsed (asserted to be one JSON object of @kind);
 * how long after @since_us it was readable goes to the test log. */
static JsonObject *
read_line_of_kind (GDataInputStream *lines,
                   const char       *kind,
                   gint64            since_us)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("%s after %.2f ms: %s", kind,
                  (double) (g_get_monotonic_time () - since_us) / 1000, line);
  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  g_assert_cmpstr (member (object, "kind"), ==, kind);
  return object;
}

static GSubprocess *
spawn_headless_pipe (GDataInputStream **lines,
                     const char        *first_arg,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  va_list args;

  g_ptr_array_add (argv, (char *) ls_test_headless_runner_path ());
  g_ptr_array_add (argv, (char *) "--headless");
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  *lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  return process;
}

static void
assert_exit_and_eof (GSubprocess      *process,
                     GDataInputStream *lines,
                     int               status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *extra = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_null (extra);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ls_test_subprocess_status (process), ==, status);
}

static void
test_lines_when_they_happen (gconstpointer data)
{
  static const Piece script[] = {
    { PIECE_WRITE, ": heartbeat\n" },
    { PIECE_WRITE, "id: 1\ndata: one\n\n" },
    { PIECE_DROP, NULL },
  };
  const LsTestSoupServer *server = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/gated", server->port);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) open = NULL;
  g_autoptr(JsonObject) comment = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) error_line = NULL;
  g_autoptr(JsonObject) reconnect = NULL;
  g_autoptr(JsonObject) closed = NULL;
  gint64 since;

  gate_reset (script, G_N_ELEMENTS (script));
  process = spawn_headless_pipe (&lines, url, "--comments", "--reconnect-ms", "100", NULL);

  /* Headers and nothing else: the "open" line comes alone. */
  since = g_get_monotonic_time ();
  open = read_line_of_kind (lines, "open", since);
  g_assert_nonnull (strstr (member (open, "message"), "HTTP 200"));

  /* A comment, and nothing after it. */
  since = g_get_monotonic_time ();
  gate_step ();
  comment = read_line_of_kind (lines, "comment", since);
  g_assert_cmpstr (member (comment, "comment"), ==, "heartbeat");

  /* One event, and nothing after it. */
  since = g_get_monotonic_time ();
  gate_step ();
  event = read_line_of_kind (lines, "event", since);
  g_assert_cmpstr (member (event, "id"), ==, "1");
  g_assert_cmpstr (member (event, "data"), ==, "one");

  /* The connection drops: one error line, then the reconnect, before
   * anything else arrives; the reconnect is answered 204. */
  since = g_get_monotonic_time ();
  gate_step ();
  error_line = read_line_of_kind (lines, "error", since);
  g_assert_nonnull (strstr (member (error_line, "message"), "Connection reset by peer"));
  reconnect = read_line_of_kind (lines, "reconnect", since);
  g_assert_nonnull (strstr (member (reconnect, "message"), "reconnecting in 100 ms"));
  closed = read_line_of_kind (lines, "closed", since);
  g_assert_cmpstr (member (closed, "end"), ==, "no-content");
  assert_exit_and_eof (process, lines, 0);

  pthread_mutex_lock (&gate.lock);
  g_assert_cmpuint (gate.requests, ==, 2);
  g_assert_cmpstr (gate.last_event_ids[1], ==, "1");
  pthread_mutex_unlock (&gate.lock);
}

/* SIGHUP: the connection is dropped and made again at once, with
 * Last-Event-ID, and the reconnect line says it was asked for. */
static void
test_sighup_restarts (gconstpointer data)
{
  static const Piece script[] = {
    { PIECE_WRITE, "id: 7\ndata: seven\n\n" },
  };
  const LsTestSoupServer *server = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/gated", server->port);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) open = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) reconnect = NULL;
  g_autoptr(JsonObject) closed = NULL;
  gint64 since;

  gate_reset (script, G_N_ELEMENTS (script));
  /* A reconnection time no test waits for: only the restart reconnects. */
  process = spawn_headless_pipe (&lines, url, "--reconnect-ms", "600000", NULL);
  since = g_get_monotonic_time ();
  open = read_line_of_kind (lines, "open", since);
  gate_step ();
  event = read_line_of_kind (lines, "event", since);
  g_assert_cmpstr (member (event, "id"), ==, "7");

  since = g_get_monotonic_time ();
  g_subprocess_send_signal (process, SIGHUP);
  reconnect = read_line_of_kind (lines, "reconnect", since);
  g_assert_cmpstr (member (reconnect, "message"), ==, "Reconnect asked for; reconnecting now");
  /* No error line: the next is the 204's end. */
  closed = read_line_of_kind (lines, "closed", since);
  g_assert_cmpstr (member (closed, "end"), ==, "no-content");
  assert_exit_and_eof (process, lines, 0);

  pthread_mutex_lock (&gate.lock);
  g_assert_cmpuint (gate.requests, ==, 2);
  g_assert_cmpstr (gate.last_event_ids[0], ==, "-");
  g_assert_cmpstr (gate.last_event_ids[1], ==, "7");
  pthread_mutex_unlock (&gate.lock);
}

/* One failure, one error line (it used to be written twice). */
static void
test_one_error_line (void)
{
  g_autofree char *url = demo_url ("/slow?interval_ms=3600000");
  LsHeadlessRun run = { 0 };
  guint errors = 0;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--idle-timeout", "0.2", "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 1);
  for (guint i = 0; i < run.lines->len; i++)
    if (g_str_equal (member (g_ptr_array_index (run.lines, i), "kind"), "error"))
      errors++;
  g_assert_cmpuint (errors, ==, 1);
  g_assert_cmpuint (run.lines->len, ==, 4);   /* open, event, error, closed */
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 2), "kind"), ==, "error");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 2), "message"), ==, "No data for 200 ms (idle timeout)");
  g_assert_cmpstr (member (g_ptr_array_index (run.lines, 3), "end"), ==, "idle-timeout");
  ls_headless_run_clear (&run);
}

/* Comments are off by default (the output does not change), and in
 * stream order with the events with --comments. */
static void
test_comments (void)
{
  g_autofree char *url = demo_url ("/slow?interval_ms=400&count=2&heartbeat_ms=150");
  LsHeadlessRun run = { 0 };
  guint comments = 0;
  gboolean seen_event = FALSE;

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--comments", "--reconnect-ms", "100", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < run.lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (run.lines, i);

      if (g_str_equal (member (line, "kind"), "event"))
        seen_event = TRUE;
      if (!g_str_equal (member (line, "kind"), "comment"))
        continue;
      /* The first event comes at once, each heartbeat after it. */
      g_assert_true (seen_event);
      g_assert_cmpstr (member (line, "comment"), ==, "heartbeat");
      g_assert_false (json_object_has_member (line, "message"));
      comments++;
    }
  g_assert_cmpuint (comments, >=, 1);
  ls_headless_run_clear (&run);

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--reconnect-ms", "100", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < run.lines->len; i++)
    g_assert_cmpstr (member (g_ptr_array_index (run.lines, i), "kind"), !=, "comment");
  ls_headless_run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  LsTestSoupServer gated = { .handler = gated_handler };
  int result;

  g_test_init (&argc, &argv, NULL);
  ls_test_soup_server_start (&gated, "gated server");

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
  g_test_add_data_func ("/headless/lines-when-they-happen", &gated, test_lines_when_they_happen);
  g_test_add_data_func ("/headless/sighup-restarts", &gated, test_sighup_restarts);
  g_test_add_func ("/headless/one-error-line", test_one_error_line);
  g_test_add_func ("/headless/comments", test_comments);

  result = g_test_run ();

  ls_test_soup_server_stop (&gated);
  gate_reset (NULL, 0);

  ls_demo_server_stop (demo);
  g_clear_object (&demo);
  return result;
}
