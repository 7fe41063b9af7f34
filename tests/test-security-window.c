/* test-security-window.c: the window's side of TLS trust and secrets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An HTTPS server with a self-signed certificate made at test time (by
 * the openssl command). The window connects with an Authorization header
 * and an API key in the URL: the stream fails naming the certificate
 * problem and its fingerprint, the page offers "Trust This Certificate
 * for This Stream", which reconnects accepting exactly that certificate.
 * Nothing secret is on screen, and after the session the settings
 * backend (memory, as in every test) holds no header value. With
 * LS_SCREENSHOT=FILE the failed state is saved as a PNG. Runs under Xvfb.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <unistd.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-bridge-private.h"
#include "ls-test-tls.h"
#include "ls-test-utils.h"
#include "ls-trace-export.h"
#include "ls-window.h"
#include "ls-window-private.h"

#define APP_ID "io.github.loopscope.Loopscope"
#define BEARER "GUI-SECRET-TOKEN-42"
#define QUERY  "GUI-QUERY-SECRET-7"

/* ---- certificate and server ------------------------------------------- */

static char *tmp_dir;
static char *fingerprint;   /* from openssl */


static void
make_certificate (void)
{
  const char *self[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "self.key",
                         "-out", "self.pem", "-subj", "/CN=127.0.0.1", "-days", "2",
                         "-addext", "subjectAltName=IP:127.0.0.1", NULL };
  g_free (ls_test_openssl (tmp_dir, self));   /* it asserts that openssl ran */

  fingerprint = ls_test_openssl_fingerprint (tmp_dir, "self.pem");
}

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  static const char body[] = "id: 1\ndata: {\"hello\":\"tls\"}\n\nid: 2\ndata: {\"n\":2}\n\n";

  ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
}

static LsTestSoupServer server = { .handler = handler };

static void
server_start (void)
{
  g_autofree char *pem = g_build_filename (tmp_dir, "self.pem", NULL);
  g_autofree char *key = g_build_filename (tmp_dir, "self.key", NULL);
  g_autoptr(GError) error = NULL;

  server.certificate = g_tls_certificate_new_from_files (pem, key, &error);
  g_assert_no_error (error);
  ls_test_soup_server_start (&server, "https-server");
}

/* ---- the script -------------------------------------------------------- */

typedef struct
{
  LsApplication *app;
  LsWindow      *window;
  LsWorker      *worker;
  gint64         frame0;
  GFile         *exports[2];  /* default, with secrets */
  guint          exports_done;
} TestRun;

static void
assert_no_secret (const char *what,
                  const char *text)
{
  if (text != NULL && (strstr (text, BEARER) != NULL || strstr (text, QUERY) != NULL))
    g_error ("%s shows a secret: %s", what, text);
}

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  if (run->worker == NULL && !ls_gui_test_window_shown (run->app, (gpointer *) &run->window, &run->worker))
    return FALSE;
  return ls_worker_get_state (run->worker) == LS_WORKER_RUNNING;
}

static gboolean
step_connect (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsRequestEditor *editor = ls_stream_page_get_editor (page);
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/sse?api_key=" QUERY, server.port);

  ls_request_editor_set_url (editor, url);
  ls_request_editor_clear_headers (editor);
  ls_request_editor_add_header (editor, "Authorization", "Bearer " BEARER);
  g_assert_true (ls_stream_page_connect (page));
  return TRUE;
}

static gboolean
step_refused_and_offered (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsStream *stream = ls_stream_page_get_stream (page);
  GtkWidget *button = ls_gui_test_find_button (page, "Trust This Certificate for This Stream");
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autofree char *expected = NULL;
  const char *screenshot = g_getenv ("LS_SCREENSHOT");

  if (ls_stream_get_state (stream) != LS_STREAM_FAILED || !gtk_widget_get_mapped (button))
    return FALSE;

  expected = g_strdup_printf ("TLS certificate for 127.0.0.1 is not trusted (self-signed); "
                              "SHA-256 fingerprint %s", fingerprint);
  g_assert_cmpstr (ls_stream_get_message (stream), ==, expected);
  g_assert_cmpstr (ls_stream_get_rejected_certificate (stream), ==, fingerprint);
  /* A stream started by code, not the editor's button, still replaces the
   * "try the demo server" offer: the refusal is not drawn under it. */
  g_assert_false (_ls_window_get_empty_state_visible (run->window));
  ls_gui_test_collect_text (run->window, FALSE, labels);
  /* The reason, with the fingerprint, is on the page. */
  g_assert_nonnull (strstr (labels->str, expected));
  assert_no_secret ("the window's labels", labels->str);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (button), fingerprint));

  /* Let the page draw the new row before it is captured. */
  if (run->frame0 == 0)
    {
      run->frame0 = gdk_frame_clock_get_frame_counter (gtk_widget_get_frame_clock (button)) + 1;
      gtk_widget_queue_draw (GTK_WIDGET (run->window));
    }
  if (gdk_frame_clock_get_frame_counter (gtk_widget_get_frame_clock (button)) <= run->frame0)
    return FALSE;
  if (screenshot != NULL)
    g_assert_true (ls_gui_test_save_screenshot_to (run->window, screenshot));

  /* The user's explicit choice. */
  gtk_widget_activate (button);
  return TRUE;
}

typedef struct
{
  guint    events;
  gboolean accepted_note;
} Seen;

static gboolean
seen_cb (const LsEventView *view,
         gpointer           data)
{
  Seen *seen = data;
  g_autofree char *text = g_strndup (view->data, view->data_len);

  if (view->kind == LS_EVENT_KIND_EVENT)
    seen->events++;
  if (view->kind == LS_EVENT_KIND_OPEN && strstr (text, "Accepted certificate SHA-256") != NULL &&
      strstr (text, fingerprint) != NULL && strstr (text, "by explicit choice") != NULL)
    seen->accepted_note = TRUE;
  assert_no_secret ("a stored record", text);
  return TRUE;
}

static gboolean
step_trusted_stream_works (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsStream *stream = ls_stream_page_get_stream (page);
  LsEventStore *store = ls_stream_get_store (stream);
  Seen seen = { 0 };

  ls_event_store_foreach_range (store, 0, ls_event_store_get_end_seq (store), seen_cb, &seen);
  if (seen.events < 2)
    return FALSE;

  g_assert_cmpstr (ls_stream_get_options (stream)->accept_certificate_sha256, ==, fingerprint);
  g_assert_true (seen.accepted_note);
  g_assert_false (gtk_widget_get_mapped (ls_gui_test_find_button (page,
                                                      "Trust This Certificate for This Stream")));
  return TRUE;
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  TestRun *run = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_trace_export_to_file_finish (LS_RECORDER (source), result, &error));
  g_assert_no_error (error);
  run->exports_done++;
}

/* What the Export Trace dialog does, with "Include secrets" off and on. */
static gboolean
step_export (gpointer data)
{
  TestRun *run = data;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = NULL;
      int fd = g_file_open_tmp ("loopscope-secrets-XXXXXX.json", &path, NULL);

      g_assert_cmpint (fd, >=, 0);
      close (fd);
      run->exports[i] = g_file_new_for_path (path);
      ls_trace_export_to_file_async (ls_application_get_recorder (run->app), run->exports[i],
                                     i == 0 ? LS_TRACE_EXPORT_DEFAULT : LS_TRACE_EXPORT_INCLUDE_SECRETS,
                                     NULL, export_done_cb, run);
    }
  return TRUE;
}

static gboolean
step_exported (gpointer data)
{
  TestRun *run = data;
  g_autofree char *redacted = NULL;
  g_autofree char *full = NULL;

  if (run->exports_done < 2)
    return FALSE;
  g_assert_true (g_file_load_contents (run->exports[0], NULL, &redacted, NULL, NULL, NULL));
  g_assert_true (g_file_load_contents (run->exports[1], NULL, &full, NULL, NULL, NULL));
  g_assert_nonnull (strstr (redacted, "Authorization: Bearer [redacted]"));
  assert_no_secret ("the default trace export", redacted);
  /* The opt-in export has them: the search above can fail. */
  g_assert_nonnull (strstr (full, "Authorization: Bearer " BEARER));
  g_assert_nonnull (strstr (full, "api_key=" QUERY));
  for (guint i = 0; i < 2; i++)
    {
      g_file_delete (run->exports[i], NULL, NULL);
      g_clear_object (&run->exports[i]);
    }
  return TRUE;
}

/* A new URL forgets the choice: the certificate is refused again. */
static gboolean
step_other_url_forgets (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/other", server.port);

  ls_request_editor_set_url (ls_stream_page_get_editor (page), url);
  g_assert_true (ls_stream_page_connect (page));
  return TRUE;
}

static gboolean
step_refused_again (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (ls_window_get_stream_page (run->window));

  if (ls_stream_get_state (stream) != LS_STREAM_FAILED)
    return FALSE;
  g_assert_null (ls_stream_get_options (stream)->accept_certificate_sha256);
  g_assert_cmpstr (ls_stream_get_rejected_certificate (stream), ==, fingerprint);
  return TRUE;
}

/* Every key of the application's schema, as the backend returns it. */
static char *
dump_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_auto(GStrv) keys = NULL;
  GString *out = g_string_new (NULL);

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  g_assert_nonnull (schema);
  settings = g_settings_new_full (schema, NULL, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);

      g_string_append_printf (out, "%s=%s\n", keys[i], text);
    }
  return g_string_free (out, FALSE);
}

static void
test_trust_offer_and_no_secrets (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "connect with credentials", step_connect },
    { "refused, trust offered", step_refused_and_offered },
    { "trusted stream works", step_trusted_stream_works },
    { "export, with and without secrets", step_export },
    { "exports written", step_exported },
    { "other URL", step_other_url_forgets },
    { "refused again", step_refused_again },
    { "quit", ls_gui_test_step_quit },
  };
  TestRun run = { NULL, };
  g_autofree char *settings = NULL;

  ls_gui_test_run_new_app (FALSE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           &run.worker);

  /* What the session left in settings (the window saved its size on close). */
  settings = dump_settings ();
  g_test_message ("settings after the session:\n%s", settings);
  g_assert_nonnull (strstr (settings, "window-width="));
  assert_no_secret ("GSettings", settings);
  g_assert_null (strstr (settings, "Bearer"));
  g_assert_null (strstr (settings, "127.0.0.1"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  gtk_test_init (&argc, &argv, NULL);

  tmp_dir = ls_test_tls_begin ("/security-window/trust-offer", "loopscope-tls-gui-XXXXXX");
  if (tmp_dir == NULL)
    return g_test_run ();
  make_certificate ();
  server_start ();

  g_test_add_func ("/security-window/trust-offer-and-no-secrets", test_trust_offer_and_no_secrets);
  status = g_test_run ();

  ls_test_soup_server_stop (&server);
  g_clear_object (&server.certificate);
  ls_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (fingerprint);
  return status;
}
