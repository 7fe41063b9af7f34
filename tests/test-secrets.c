/* test-secrets.c: credentials never reach an output unless asked for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stream that sends an Authorization header, a cookie, an API key
 * header, an API key in the query and a password in the URL, against a
 * server that checks it received them (so redaction is known not to touch
 * the request) and echoes none of them. Every output is searched for
 * every secret value: headless stdout, stderr (with all debug logging
 * on), --events-out, --trace, --stats; the recorder's snapshot and export
 * and the event store in process. --include-secrets (and the export flag)
 * must bring them back in the trace: the search can fail.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ls-redact.h"
#include "ls-stream.h"
#include "ls-test-utils.h"
#include "ls-trace.h"

#define BEARER   "SECRET-TOKEN-123"
#define COOKIE   "COOKIE-SECRET-456"
#define API_KEY  "APIKEY-SECRET-789"
#define QUERY    "QUERY-SECRET-000"
#define PASSWORD "USERINFO-SECRET-111"

static const char * const secrets[] = { BEARER, COOKIE, API_KEY, QUERY, PASSWORD };

/* ---- redaction functions --------------------------------------------- */

static void
test_redact_table (void)
{
  static const struct {
    const char *name;   /* header name, or NULL for a URL, or "" for text */
    const char *input;
    const char *expected;
  } cases[] = {
    { "Authorization", "Bearer abc.def", "Bearer [redacted]" },
    { "authorization", "Basic dXNlcjpwdw==", "Basic [redacted]" },
    { "Authorization", "opaque-token", "[redacted]" },
    { "Proxy-Authorization", "Digest x=1", "Digest [redacted]" },
    { "Cookie", "sid=abc; theme=dark", "sid=[redacted]; theme=[redacted]" },
    { "Set-Cookie", "sid=abc; Path=/; HttpOnly", "sid=[redacted]; Path=/; HttpOnly" },
    { "X-Api-Key", "k", "[redacted]" },
    { "api_key", "k", "[redacted]" },
    { "X-Goog-Api-Key", "k", "[redacted]" },
    { "X-CSRF-Token", "t", "[redacted]" },
    { "X-Auth-User", "u", "[redacted]" },
    { "Client-Secret", "s", "[redacted]" },
    { "X-Password", "p", "[redacted]" },
    { "Accept", "text/event-stream", "text/event-stream" },
    { "Content-Type", "application/json", "application/json" },
    { "Last-Event-ID", "42", "42" },
    { NULL, "https://h/p?api_key=abc&n=1", "https://h/p?api_key=[redacted]&n=1" },
    { NULL, "https://h/p?token=abc", "https://h/p?token=[redacted]" },
    { NULL, "https://h/p?access_token=abc#x", "https://h/p?access_token=[redacted]#x" },
    { NULL, "https://h/cb#access_token=abc&state=s", "https://h/cb#access_token=[redacted]&state=s" },
    { NULL, "https://user:pw@h:8443/p", "https://[redacted]@h:8443/p" },
    { NULL, "https://TOKEN@h/p", "https://[redacted]@h/p" },
    { NULL, "http://h/p?API%5FKEY=abc", "http://h/p?API%5FKEY=[redacted]" },
    { NULL, "http://h/p?client_secret=a&password=b&sig=c", "http://h/p?client_secret=[redacted]&password=[redacted]&sig=[redacted]" },
    { NULL, "http://h/p?n=1&keyword=x&empty_token=", "http://h/p?n=1&keyword=x&empty_token=" },
    { NULL, "/sse/ticks?count=5&key=k", "/sse/ticks?count=5&key=[redacted]" },
    /* Token counts are not tokens; a token beside them still is. */
    { NULL, "/sse/llm?tokens=200&max_tokens=64&maxTokens=8&n-tokens=1",
      "/sse/llm?tokens=200&max_tokens=64&maxTokens=8&n-tokens=1" },
    { NULL, "http://h/p?tokens=2&tokenset=a&tokens2=b&token_s=c&id_token=d",
      "http://h/p?tokens=2&tokenset=[redacted]&tokens2=[redacted]&token_s=[redacted]&id_token=[redacted]" },
    { "X-Max-Tokens", "64", "64" },
    { "X-Tokens-Token", "t", "[redacted]" },
    { NULL, "http://h/a@b?x=1", "http://h/a@b?x=1" },
    { "", "GET https://u:p@h/x?token=t\nAuthorization: Bearer b\nAccept: */*",
      "GET https://[redacted]@h/x?token=[redacted]\nAuthorization: Bearer [redacted]\nAccept: */*" },
    { "", "Connection failed: cannot reach http://h/x?api_key=k (refused)",
      "Connection failed: cannot reach http://h/x?api_key=[redacted] (refused)" },
    { "", "HTTP 200, text/event-stream (sse)", "HTTP 200, text/event-stream (sse)" },
    { "", "TLS certificate for h is not trusted; SHA-256 fingerprint AB:CD",
      "TLS certificate for h is not trusted; SHA-256 fingerprint AB:CD" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *again = NULL;

      if (cases[i].name == NULL)
        out = ls_redact_url (cases[i].input);
      else if (cases[i].name[0] == '\0')
        out = ls_redact_text (cases[i].input);
      else
        out = ls_redact_header_value (cases[i].name, cases[i].input);
      g_test_message ("%u: %s → %s", i, cases[i].input, out);
      g_assert_cmpstr (out, ==, cases[i].expected);

      /* Redacting twice changes nothing more. */
      again = ls_redact_text (out);
      if (cases[i].name == NULL || cases[i].name[0] == '\0')
        g_assert_cmpstr (again, ==, out);
    }

  g_assert_true (ls_is_secret_header ("authorization"));
  g_assert_true (ls_is_secret_header ("X-Amz-Security-Token"));
  g_assert_false (ls_is_secret_header ("Accept"));
  g_assert_false (ls_is_secret_header ("Cache-Control"));
  g_assert_true (ls_is_secret_query_param ("access_token"));
  g_assert_false (ls_is_secret_query_param ("count"));
}

/* ---- a server that checks it got the credentials ------------------------ */



static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  static const char body[] = "id: 1\ndata: first\n\nid: 2\ndata: second\n\n";
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *cookie = soup_message_headers_get_one (headers, "Cookie");
  const char *api_key = soup_message_headers_get_one (headers, "X-Api-Key");
  const char *query_key = query != NULL ? g_hash_table_lookup (query, "api_key") : NULL;
  gboolean ok;

  /* The request carries every credential unredacted. */
  ok = g_strcmp0 (authorization, "Bearer " BEARER) == 0 &&
       g_strcmp0 (cookie, "sid=" COOKIE) == 0 &&
       g_strcmp0 (api_key, API_KEY) == 0 &&
       g_strcmp0 (query_key, QUERY) == 0;
  if (g_str_equal (path, "/open"))
    ok = TRUE;
  else if (g_str_equal (path, "/forbidden"))
    ok = FALSE;
  if (ok)
    ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
  else
    ls_test_soup_respond (msg, SOUP_STATUS_FORBIDDEN, "text/plain", "no\n", 3);
}

static LsTestSoupServer server = { .handler = handler };

static char *
secret_url (const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s?n=1&api_key=" QUERY, server.port, path);
}

/* Fails naming the output and the secret found in it. */
static void
assert_no_secret (const char *what,
                  const char *text)
{
  g_assert_nonnull (text);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    if (strstr (text, secrets[i]) != NULL)
      g_error ("%s contains the secret %s:\n%s", what, secrets[i], text);
}

/* ---- headless -------------------------------------------------------- */

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static void
test_headless (void)
{
  g_autofree char *dir = g_dir_make_tmp ("loopscope-secrets-XXXXXX", NULL);
  g_autofree char *events = g_build_filename (dir, "events.ndjson", NULL);
  g_autofree char *trace = g_build_filename (dir, "trace.json", NULL);
  g_autofree char *url = secret_url ("/sse");
  g_autofree char *bad_url = secret_url ("/forbidden");
  g_autofree char *userinfo_url = g_strdup_printf ("http://user:" PASSWORD "@127.0.0.1:%u/open?token=" QUERY,
                                                   server.port);
  const char *args[] = {
    url, "--no-reconnect", "--max-events", "2", "--stats",
    "-H", "Authorization: Bearer " BEARER, "-H", "Cookie: sid=" COOKIE, "-H", "X-Api-Key: " API_KEY,
    "--events-out", events, "--trace", trace, NULL, NULL,
  };
  const char *stdout_args[] = {
    url, "--no-reconnect", "--max-events", "2", "--stats",
    "-H", "Authorization: Bearer " BEARER, "-H", "Cookie: sid=" COOKIE, "-H", "X-Api-Key: " API_KEY,
    NULL,
  };
  const char *failing_args[] = {
    bad_url, "--no-reconnect", "--stats", "--trace", trace,
    "-H", "Authorization: Bearer " BEARER, "-H", "Cookie: sid=" COOKIE, "-H", "X-Api-Key: " API_KEY,
    NULL,
  };
  const char *userinfo_args[] = { userinfo_url, "--no-reconnect", "--stats", "--trace", trace, NULL };
  const char *bad_input_args[] = { "ftp://user:" PASSWORD "@127.0.0.1/x?api_key=" QUERY,
                                   "-H", "Authorization: Bearer " BEARER, NULL };
  LsHeadlessRun run = { 0 };
  g_autofree char *events_text = NULL;
  g_autofree char *trace_text = NULL;

  g_assert_nonnull (dir);

  /* The stream works (the server saw every credential) and no output has one. */
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, args);
  g_assert_cmpint (run.status, ==, 0);
  events_text = read_file (events);
  trace_text = read_file (trace);
  g_assert_nonnull (strstr (events_text, "\"data\":\"second\""));
  g_assert_nonnull (strstr (run.err, "loopscope: stats: state=ended events=2"));
  /* The trace shows what was sent, redacted. */
  g_assert_nonnull (strstr (trace_text, "api_key=[redacted]"));
  g_assert_nonnull (strstr (trace_text, "Authorization: Bearer [redacted]"));
  g_assert_nonnull (strstr (trace_text, "Cookie: sid=[redacted]"));
  g_assert_nonnull (strstr (trace_text, "X-Api-Key: [redacted]"));
  assert_no_secret ("--events-out", events_text);
  assert_no_secret ("--trace", trace_text);
  assert_no_secret ("stdout", run.out);
  assert_no_secret ("stderr (--stats, G_MESSAGES_DEBUG=all)", run.err);
  ls_headless_run_clear (&run);
  g_clear_pointer (&events_text, g_free);
  g_clear_pointer (&trace_text, g_free);

  /* Events on stdout. */
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, stdout_args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"data\":\"second\""));
  assert_no_secret ("stdout", run.out);
  assert_no_secret ("stderr", run.err);
  ls_headless_run_clear (&run);

  /* A failure: the error line, the error and closed records. */
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, failing_args);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "HTTP 403"));
  trace_text = read_file (trace);
  assert_no_secret ("stdout of a failed stream", run.out);
  assert_no_secret ("stderr of a failed stream", run.err);
  assert_no_secret ("--trace of a failed stream", trace_text);
  ls_headless_run_clear (&run);
  g_clear_pointer (&trace_text, g_free);

  /* A password in the URL. */
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, userinfo_args);
  g_assert_cmpint (run.status, ==, 0);
  trace_text = read_file (trace);
  g_assert_nonnull (strstr (trace_text, "http://[redacted]@127.0.0.1:"));
  assert_no_secret ("stdout (userinfo)", run.out);
  assert_no_secret ("stderr (userinfo)", run.err);
  assert_no_secret ("--trace (userinfo)", trace_text);
  ls_headless_run_clear (&run);
  g_clear_pointer (&trace_text, g_free);

  /* Bad arguments: the one-line message does not echo a credential. */
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, bad_input_args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "Unsupported URL scheme 'ftp' in 'ftp://[redacted]@127.0.0.1/x?api_key=[redacted]"));
  assert_no_secret ("stderr (bad arguments)", run.err);
  ls_headless_run_clear (&run);

  /* --include-secrets: this run's trace has them (the search above can fail). */
  args[G_N_ELEMENTS (args) - 2] = "--include-secrets";
  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEBUG_LOG, args);
  g_assert_cmpint (run.status, ==, 0);
  trace_text = read_file (trace);
  g_assert_nonnull (strstr (trace_text, "Authorization: Bearer " BEARER));
  g_assert_nonnull (strstr (trace_text, "sid=" COOKIE));
  g_assert_nonnull (strstr (trace_text, API_KEY));
  g_assert_nonnull (strstr (trace_text, "api_key=" QUERY));
  ls_headless_run_clear (&run);

  g_remove (events);
  g_remove (trace);
  g_rmdir (dir);
}

/* ---- in process: store, recorder snapshot and export -------------------- */

static gboolean
append_record_cb (const LsEventView *view,
                  gpointer           data)
{
  g_string_append_len (data, view->data, view->data_len);
  g_string_append_c (data, '\n');
  return TRUE;
}

static char *
export (LsRecorder         *recorder,
        LsTraceExportFlags  flags)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_trace_export (recorder, out, flags, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_in_process (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1 << 12);
  g_autoptr(LsBridge) bridge = ls_bridge_new (recorder);
  LsEventStore *store = ls_event_store_new ();
  g_autofree char *url = secret_url ("/sse");
  g_autofree char *bad_url = secret_url ("/forbidden");
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStreamOptions) failing = NULL;
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(LsStream) stream2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *full = NULL;
  g_autofree char *plain = NULL;
  GString *details = g_string_new (NULL);
  GString *store_text = g_string_new (NULL);

  g_assert_true (ls_bridge_start (bridge, &error));
  g_assert_no_error (error);
  g_assert_true (ls_test_wait_until (ls_test_bridge_is_running, bridge, 5000));

  options->reconnect = FALSE;
  options->max_events = 2;
  ls_stream_options_add_header (options, "Authorization", "Bearer " BEARER);
  ls_stream_options_add_header (options, "Cookie", "sid=" COOKIE);
  ls_stream_options_add_header (options, "X-Api-Key", API_KEY);
  failing = ls_stream_options_copy (options);
  g_free (failing->url);
  failing->url = g_strdup (bad_url);

  stream = ls_stream_new (bridge, options, store, 1);
  g_assert_true (ls_stream_start (stream, &error));
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 20000));
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  stream2 = ls_stream_new (bridge, failing, store, 2);
  g_assert_true (ls_stream_start (stream2, &error));
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream2, 20000));
  g_assert_cmpint (ls_stream_get_state (stream2), ==, LS_STREAM_FAILED);
  assert_no_secret ("the failed stream's message", ls_stream_get_message (stream2));

  /* What the timeline shows. */
  records = ls_recorder_snapshot_since (recorder, 0, NULL);
  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *record = &g_array_index (records, LsRecord, i);

      if (record->detail != NULL)
        g_string_append_printf (details, "%s\n", record->detail);
    }
  g_assert_nonnull (strstr (details->str, "Authorization: Bearer [redacted]"));
  assert_no_secret ("recorder snapshot details", details->str);

  /* Lifecycle records in the store (the event list, --events-out). */
  ls_event_store_foreach_range (store, 0, ls_event_store_get_end_seq (store), append_record_cb, store_text);
  assert_no_secret ("event store", store_text->str);

  /* Exports: redacted by default, complete when asked. */
  redacted = export (recorder, LS_TRACE_EXPORT_DEFAULT);
  assert_no_secret ("trace export", redacted);
  plain = export (recorder, 0);
  assert_no_secret ("trace export (flags 0)", plain);
  full = export (recorder, LS_TRACE_EXPORT_INCLUDE_SECRETS);
  g_assert_nonnull (strstr (full, "Bearer " BEARER));
  g_assert_nonnull (strstr (full, "api_key=" QUERY));

  g_clear_object (&stream);
  g_clear_object (&stream2);
  ls_test_bridge_stop (bridge);
  g_string_free (details, TRUE);
  g_string_free (store_text, TRUE);
  ls_event_store_unref (store);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  ls_test_soup_server_start (&server, "secrets-server");

  g_test_add_func ("/secrets/redact-table", test_redact_table);
  g_test_add_func ("/secrets/headless", test_headless);
  g_test_add_func ("/secrets/in-process", test_in_process);

  status = g_test_run ();

  ls_test_soup_server_stop (&server);
  return status;
}
