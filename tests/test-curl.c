/* test-curl.c: "Copy as curl" gives the request as sent, and it runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exact command strings for the shapes a request takes (GET, POST with a
 * body full of shell characters, a GET whose body is not sent, secrets
 * masked and not), then each command through `sh -c` against a real
 * SoupServer on 127.0.0.1: the server must receive exactly the method,
 * headers and body the options describe.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <libsoup/soup.h>

#include "ls-curl.h"
#include "ls-test-utils.h"

/* ---- exact strings ------------------------------------------------------ */

static void
test_get (void)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://127.0.0.1:8080/events");
  g_autofree char *cmd = NULL;

  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "curl -N -H 'Accept: text/event-stream' -H 'Cache-Control: no-cache' "
                            "'http://127.0.0.1:8080/events'");

  /* NDJSON: no EventSource defaults; a Last-Event-ID replaces the user's. */
  options->format = LS_STREAM_FORMAT_NDJSON;
  ls_stream_options_add_header (options, "X-Trace", "a b");
  ls_stream_options_add_header (options, "Last-Event-ID", "old");
  options->last_event_id = g_strdup ("41");
  g_free (cmd);
  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "curl -N -H 'X-Trace: a b' -H 'Last-Event-ID: 41' 'http://127.0.0.1:8080/events'");
}

static void
test_post_body (void)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://127.0.0.1:8080/llm?q=a&b=it's");
  static const char body[] = "{\"prompt\": \"it's \\\"quoted\\\"\",\n \"n\": \"$HOME `x`\"}\n";
  g_autofree char *cmd = NULL;

  g_free (options->method);
  options->method = g_strdup ("POST");
  options->format = LS_STREAM_FORMAT_SSE;
  options->body = g_bytes_new_static (body, strlen (body));
  ls_stream_options_add_header (options, "Content-Type", "application/json");
  ls_stream_options_add_header (options, "Accept", "text/event-stream, application/json");

  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==,
                   "curl -N -X POST -H 'Content-Type: application/json' "
                   "-H 'Accept: text/event-stream, application/json' -H 'Cache-Control: no-cache' "
                   "--data-binary '{\"prompt\": \"it'\\''s \\\"quoted\\\"\",\n \"n\": \"$HOME `x`\"}\n' "
                   "'http://127.0.0.1:8080/llm?q=a&b=it'\\''s'");

  /* Without a Content-Type, curl must not invent one. */
  g_ptr_array_set_size (options->headers, 0);
  options->format = LS_STREAM_FORMAT_RAW;
  g_free (options->method);
  options->method = g_strdup ("PATCH");
  g_bytes_unref (options->body);
  options->body = g_bytes_new_static ("x=1", 3);
  g_free (cmd);
  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "curl -N -X PATCH -H 'Content-Type:' --data-binary 'x=1' "
                            "'http://127.0.0.1:8080/llm?q=a&b=it'\\''s'");
}

/* GET and HEAD never send a body, whatever the options hold. */
static void
test_get_body_not_sent (void)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://h/x");
  g_autofree char *cmd = NULL;

  options->format = LS_STREAM_FORMAT_RAW;
  options->body = g_bytes_new_static ("left over", 9);
  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "curl -N 'http://h/x'");

  g_free (options->method);
  options->method = g_strdup ("HEAD");
  g_free (cmd);
  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "curl -N -I 'http://h/x'");
}

static void
test_secrets (void)
{
  g_autoptr(LsStreamOptions) options =
    ls_stream_options_new ("https://user:pa55@api.example.com/v1/stream?api_key=K3Y&model=m");
  g_autofree char *masked = NULL;
  g_autofree char *full = NULL;

  options->format = LS_STREAM_FORMAT_NDJSON;
  ls_stream_options_add_header (options, "Authorization", "Bearer sk-SECRET");
  ls_stream_options_add_header (options, "Proxy-Authorization", "Basic Zm9vOmJhcg==");
  ls_stream_options_add_header (options, "Cookie", "sid=abc; theme=dark");
  ls_stream_options_add_header (options, "X-API-Key", "k-123");
  ls_stream_options_add_header (options, "X-Request-Id", "r-1");

  masked = ls_curl_command (options, FALSE);
  g_assert_cmpstr (masked, ==,
                   "curl -N -H 'Authorization: Bearer [redacted]' "
                   "-H 'Proxy-Authorization: Basic [redacted]' "
                   "-H 'Cookie: sid=[redacted]; theme=[redacted]' "
                   "-H 'X-API-Key: [redacted]' -H 'X-Request-Id: r-1' "
                   "'https://[redacted]@api.example.com/v1/stream?api_key=[redacted]&model=m'");

  full = ls_curl_command (options, TRUE);
  g_assert_cmpstr (full, ==,
                   "curl -N -H 'Authorization: Bearer sk-SECRET' "
                   "-H 'Proxy-Authorization: Basic Zm9vOmJhcg==' "
                   "-H 'Cookie: sid=abc; theme=dark' "
                   "-H 'X-API-Key: k-123' -H 'X-Request-Id: r-1' "
                   "'https://user:pa55@api.example.com/v1/stream?api_key=K3Y&model=m'");
}

/* Bytes no shell argument holds: through printf's octal escapes. */
static void
test_binary_body (void)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("http://h/x");
  static const char body[] = { 'a', '\0', '%', '\\', '\xff', '\'', '\n' };
  g_autofree char *cmd = NULL;

  g_free (options->method);
  options->method = g_strdup ("PUT");
  options->format = LS_STREAM_FORMAT_RAW;
  options->body = g_bytes_new_static (body, sizeof body);
  cmd = ls_curl_command (options, FALSE);
  g_assert_cmpstr (cmd, ==, "printf 'a\\000%%\\\\\\377'\\''\n' | curl -N -X PUT -H 'Content-Type:' "
                            "--data-binary @- 'http://h/x'");
}

/* ---- against a server ---------------------------------------------------- */

typedef struct
{
  /* A pthread mutex, not a GMutex: ThreadSanitizer sees this one, and
   * the handler runs on the server's thread. */
  pthread_mutex_t lock;
  guint       requests;
  char       *method;
  GPtrArray  *headers;   /* "name: value" */
  GBytes     *body;
} Received;

static Received received;

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SoupMessageHeadersIter iter;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  const char *name, *value;

  pthread_mutex_lock (&received.lock);
  received.requests++;
  g_free (received.method);
  received.method = g_strdup (soup_server_message_get_method (msg));
  g_ptr_array_set_size (received.headers, 0);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_ptr_array_add (received.headers, g_strdup_printf ("%s: %s", name, value));
  g_clear_pointer (&received.body, g_bytes_unref);
  received.body = g_bytes_ref (bytes);
  pthread_mutex_unlock (&received.lock);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok\n", 3);
}

/* The handler's server, on its own thread. */
static LsTestSoupServer server = { .handler = handler };

static gboolean
received_has_header (const char *line)
{
  for (guint i = 0; i < received.headers->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (received.headers, i), line) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
received_has_header_named (const char *name)
{
  gsize n = strlen (name);

  for (guint i = 0; i < received.headers->len; i++)
    {
      const char *line = g_ptr_array_index (received.headers, i);

      if (g_ascii_strncasecmp (line, name, n) == 0 && line[n] == ':')
        return TRUE;
    }
  return FALSE;
}

/* Runs @options' command with sh and asserts what the server received. */
static void
run_and_check (LsStreamOptions *options,
               const char      *expected_method,
               const char      *expected_body,
               gsize            expected_body_len)
{
  g_autofree char *cmd = ls_curl_command (options, TRUE);
  g_autofree char *silent = g_strconcat (cmd, " -s -S -o /dev/null", NULL);
  const char *argv[] = { "sh", "-c", silent, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  guint before;

  pthread_mutex_lock (&received.lock);
  before = received.requests;
  pthread_mutex_unlock (&received.lock);

  g_test_message ("running: %s", silent);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("the command failed: %s", err);

  pthread_mutex_lock (&received.lock);
  g_assert_cmpuint (received.requests, ==, before + 1);
  g_assert_cmpstr (received.method, ==, expected_method);
  for (guint i = 0; options->headers != NULL && i < options->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (options->headers, i);
      g_autofree char *line = g_strdup_printf ("%s: %s", header->name, header->value);

      if (!received_has_header (line))
        g_error ("the server did not receive \"%s\"", line);
    }
  if (ls_stream_options_get_header (options, "Content-Type") == NULL)
    g_assert_false (received_has_header_named ("Content-Type"));
  if (expected_body != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (received.body, &len);

      g_assert_cmpmem (data, len, expected_body, expected_body_len);
    }
  else
    g_assert_cmpuint (g_bytes_get_size (received.body), ==, 0);
  pthread_mutex_unlock (&received.lock);
}

static void
test_runs (void)
{
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *url = NULL;
  static const char text[] = "{\"a\": \"it's \\\"q\\\"\",\n\"b\": \"$HOME `id` \\\\n %s\"}\n";
  static const char binary[] = { '@', 'x', '\0', '%', 'd', '\\', '\xfe', '\'', '\n', 'z' };
  LsStreamOptions *options;

  if (curl == NULL)
    {
      g_test_skip ("curl (the command) is not installed");
      return;
    }

  url = g_strdup_printf ("http://127.0.0.1:%u/echo?x='1'&y=2", server.port);

  /* POST with a text body full of shell characters and odd headers. */
  options = ls_stream_options_new (url);
  g_free (options->method);
  options->method = g_strdup ("POST");
  options->body = g_bytes_new_static (text, strlen (text));
  ls_stream_options_add_header (options, "Content-Type", "application/json");
  ls_stream_options_add_header (options, "Authorization", "Bearer it's \"secret\" $X");
  ls_stream_options_add_header (options, "X-Empty-ish", "a;b|c&d");
  ls_stream_options_add_header (options, "Accept", "text/event-stream");
  ls_stream_options_add_header (options, "Cache-Control", "no-cache");
  run_and_check (options, "POST", text, strlen (text));
  ls_stream_options_free (options);

  /* A body that needs printf, and no Content-Type sent. */
  options = ls_stream_options_new (url);
  g_free (options->method);
  options->method = g_strdup ("PUT");
  options->format = LS_STREAM_FORMAT_RAW;
  options->body = g_bytes_new_static (binary, sizeof binary);
  run_and_check (options, "PUT", binary, sizeof binary);
  ls_stream_options_free (options);

  /* GET with a left-over body: none is sent. */
  options = ls_stream_options_new (url);
  options->format = LS_STREAM_FORMAT_NDJSON;
  options->body = g_bytes_new_static ("left over", 9);
  ls_stream_options_add_header (options, "X-Request-Id", "r-1");
  run_and_check (options, "GET", NULL, 0);
  ls_stream_options_free (options);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  pthread_mutex_init (&received.lock, NULL);
  received.headers = g_ptr_array_new_with_free_func (g_free);
  ls_test_soup_server_start (&server, "curl-server");

  g_test_add_func ("/curl/get", test_get);
  g_test_add_func ("/curl/post-body", test_post_body);
  g_test_add_func ("/curl/get-body-not-sent", test_get_body_not_sent);
  g_test_add_func ("/curl/secrets", test_secrets);
  g_test_add_func ("/curl/binary-body", test_binary_body);
  g_test_add_func ("/curl/runs", test_runs);
  status = g_test_run ();

  ls_test_soup_server_stop (&server);
  g_clear_pointer (&received.headers, g_ptr_array_unref);
  g_clear_pointer (&received.body, g_bytes_unref);
  g_clear_pointer (&received.method, g_free);
  pthread_mutex_destroy (&received.lock);
  return status;
}
