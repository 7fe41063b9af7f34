/* test-request-page.c: the request as sent and the response, whole, in the real window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1 (its own thread) answers: /401 with a JSON
 * error body, a custom header and a cookie; /echo records what it got;
 * /sse sends three events and closes. The window connects to each as a
 * user would (through the editor and the page's Connect): the Response
 * pane shows the status line, the headers (the cookie masked) and the
 * pretty-printed body; a body typed for POST is not sent after switching
 * to GET, and the Headers & Body button says what is set; a POST stream
 * that completes is sent once, and again only with reconnect set to On.
 * Screenshots go to LS_BUILD_DIR/tests/screenshots. Runs under Xvfb.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-test-utils.h"
#include "ls-window.h"

#define ERROR_BODY "{\"error\":{\"message\":\"Incorrect API key provided.\"," \
                   "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"
#define COOKIE_SECRET "COOKIE-SECRET-99"
#define POST_BODY "{\"model\": \"m\",\n \"prompt\": \"it's here\"}"
#define SSE_BODY "data: one\n\ndata: two\n\ndata: three\n\n"

/* ---- server ----------------------------------------------------------------- */

typedef struct
{
  pthread_mutex_t lock;   /* seen by ThreadSanitizer, unlike a GMutex */
  guint       echo_requests;
  char       *echo_method;
  gsize       echo_body_len;
  char       *echo_header;   /* X-Test */
  guint       sse_requests;
  gsize       sse_body_len;
} Seen;

static Seen seen;

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  if (g_str_equal (path, "/401"))
    {
      soup_message_headers_append (response_headers, "X-Request-Id", "req-abc123");
      soup_message_headers_append (response_headers, "Set-Cookie", "session=" COOKIE_SECRET "; Path=/");
      soup_server_message_set_status (msg, 401, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        ERROR_BODY, strlen (ERROR_BODY));
      return;
    }

  pthread_mutex_lock (&seen.lock);
  if (g_str_equal (path, "/echo"))
    {
      seen.echo_requests++;
      g_free (seen.echo_method);
      seen.echo_method = g_strdup (soup_server_message_get_method (msg));
      seen.echo_body_len = g_bytes_get_size (body);
      g_free (seen.echo_header);
      seen.echo_header = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                 "X-Test"));
    }
  else if (g_str_equal (path, "/sse"))
    {
      seen.sse_requests++;
      seen.sse_body_len = g_bytes_get_size (body);
    }
  pthread_mutex_unlock (&seen.lock);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (g_str_equal (path, "/sse"))
    soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_STATIC, SSE_BODY, strlen (SSE_BODY));
  else
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok\n", 3);
}

/* The handler's server, on its own thread. */
static LsTestSoupServer server = { .handler = handler };

static guint
seen_sse_requests (void)
{
  guint n;

  pthread_mutex_lock (&seen.lock);
  n = seen.sse_requests;
  pthread_mutex_unlock (&seen.lock);
  return n;
}

/* ---- helpers --------------------------------------------------------------- */

typedef struct
{
  LsApplication *app;
  LsWindow      *window;
  gint64         frame0;
  guint          sse_before;
  char          *clipboard;
  gboolean       clipboard_read;
} TestRun;

static LsStreamPage *
page_of (TestRun *run)
{
  return ls_window_get_stream_page (run->window);
}

static LsRequestEditor *
editor_of (TestRun *run)
{
  return ls_stream_page_get_editor (page_of (run));
}

static char *
url_for (const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server.port, path);
}

/* What Enter in the URL does: the window hears it too (its empty state
 * goes). A new stream, asserted by id. */
static void
user_connect (TestRun *run)
{
  LsStream *before = ls_stream_page_get_stream (page_of (run));
  guint32 before_id = before != NULL ? ls_stream_get_id (before) : 0;

  g_signal_emit_by_name (editor_of (run), "connect");
  g_assert_nonnull (ls_stream_page_get_stream (page_of (run)));
  g_assert_cmpuint (ls_stream_get_id (ls_stream_page_get_stream (page_of (run))), >, before_id);
  g_assert_null (ls_request_editor_get_error (editor_of (run)));
}

/* TRUE once @widget has drawn a frame after the first call. */
static gboolean
frame_drawn (TestRun   *run,
             GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  if (clock == NULL)
    return FALSE;
  if (run->frame0 == 0)
    {
      run->frame0 = gdk_frame_clock_get_frame_counter (clock) + 1;
      gtk_widget_queue_draw (widget);
      return FALSE;
    }
  if (gdk_frame_clock_get_frame_counter (clock) <= run->frame0)
    return FALSE;
  run->frame0 = 0;
  return TRUE;
}

static gboolean
screenshot (TestRun    *run,
            GtkWidget  *widget,
            const char *name)
{
  return frame_drawn (run, widget) && ls_gui_test_screenshot (widget, name);
}

/* ---- steps ----------------------------------------------------------------- */

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_window_shown (run->app, (gpointer *) &run->window, NULL))
    return FALSE;
  ls_window_show_page (run->window, "stream");
  return TRUE;
}

/* (a) a 401 whose JSON body says why. */
static gboolean
step_connect_401 (gpointer data)
{
  TestRun *run = data;
  g_autofree char *url = url_for ("/401");

  /* Nothing yet: the pane says so. */
  g_assert_null (ls_response_pane_get_response (ls_stream_page_get_response_pane (page_of (run))));
  ls_request_editor_set_url (editor_of (run), url);
  user_connect (run);
  return TRUE;
}

static gboolean
step_401_failed (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (page_of (run));
  LsResponsePane *pane = ls_stream_page_get_response_pane (page_of (run));
  GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (pane));

  if (ls_stream_get_state (stream) != LS_STREAM_FAILED)
    return FALSE;
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_HTTP_STATUS);
  g_assert_nonnull (ls_response_pane_get_response (pane));
  g_assert_true (ls_response_pane_get_response (pane) == ls_stream_get_response (stream));
  /* The tab asks for attention, and the page came to the front. */
  g_assert_true (gtk_stack_page_get_needs_attention (gtk_stack_get_page (GTK_STACK (stack), GTK_WIDGET (pane))));
  g_assert_true (gtk_stack_get_visible_child (GTK_STACK (stack)) == GTK_WIDGET (pane));
  return TRUE;
}

static gboolean
step_401_shown (gpointer data)
{
  TestRun *run = data;
  LsResponsePane *pane = ls_stream_page_get_response_pane (page_of (run));
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autofree char *body = NULL;

  if (!gtk_widget_get_mapped (GTK_WIDGET (pane)))
    return FALSE;

  g_assert_cmpstr (ls_response_pane_get_status_line (pane), ==, "HTTP/1.1 401 Unauthorized");
  ls_gui_test_collect_text (pane, TRUE, labels);
  g_assert_nonnull (strstr (labels->str, "HTTP/1.1 401 Unauthorized\n"));
  g_assert_nonnull (strstr (labels->str, "Headers after "));
  g_assert_nonnull (strstr (labels->str, "\nX-Request-Id\nreq-abc123\n"));
  g_assert_nonnull (strstr (labels->str, "\nContent-Type\napplication/json\n"));
  /* A cookie the server sets is a secret on screen too. */
  g_assert_nonnull (strstr (labels->str, "\nSet-Cookie\nsession=[redacted]"));
  g_assert_null (strstr (labels->str, COOKIE_SECRET));
  g_assert_nonnull (strstr (labels->str, "of JSON, pretty-printed"));

  body = ls_response_pane_dup_body_text (pane);
  g_assert_cmpstr (body, ==,
                   "{\n"
                   "  \"error\" : {\n"
                   "    \"message\" : \"Incorrect API key provided.\",\n"
                   "    \"type\" : \"invalid_request_error\",\n"
                   "    \"code\" : \"invalid_api_key\"\n"
                   "  }\n"
                   "}");
  return TRUE;
}

static gboolean
step_401_screenshot (gpointer data)
{
  TestRun *run = data;

  return screenshot (run, GTK_WIDGET (run->window), "request-page-401");
}

static gboolean
step_resize_small (gpointer data)
{
  TestRun *run = data;

  g_assert_true (ls_gui_test_resize_window (run->window, 800, 600));
  return TRUE;
}

static gboolean
step_401_small_screenshot (gpointer data)
{
  TestRun *run = data;
  LsResponsePane *pane = ls_stream_page_get_response_pane (page_of (run));

  if (!ls_gui_test_window_has_size (run->window, 800, 600))
    return FALSE;
  if (!screenshot (run, GTK_WIDGET (run->window), "request-page-401-800x600"))
    return FALSE;
  /* Nothing of the pane is pushed out of the window. */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (pane)), <=, 800);
  return TRUE;
}

/* (b) a body typed for POST, then GET. */
static gboolean
step_post_then_get (gpointer data)
{
  TestRun *run = data;
  LsRequestEditor *editor = editor_of (run);
  g_autofree char *url = url_for ("/echo");
  g_autofree char *body_only = g_strdup_printf ("_Headers & Body %zu B", strlen (POST_BODY));
  g_autofree char *expected = g_strdup_printf ("_Headers (1) · Body %zu B", strlen (POST_BODY));
  g_autoptr(GBytes) body = NULL;

  g_assert_cmpstr (ls_request_editor_get_summary (editor), ==, "_Headers & Body");
  ls_request_editor_set_url (editor, url);
  ls_request_editor_set_method (editor, "POST");
  ls_request_editor_set_body (editor, POST_BODY);
  g_assert_cmpstr (ls_request_editor_get_summary (editor), ==, body_only);
  ls_request_editor_add_header (editor, "X-Test", "1");
  g_assert_cmpstr (ls_request_editor_get_summary (editor), ==, expected);
  g_assert_cmpstr (expected, ==, "_Headers (1) · Body 38 B");
  g_assert_true (ls_request_editor_get_body_editable (editor));
  body = ls_request_editor_dup_body (editor);
  g_assert_nonnull (body);
  g_assert_cmpuint (g_bytes_get_size (body), ==, strlen (POST_BODY));

  ls_request_editor_set_method (editor, "GET");
  /* Kept, shown as set, not editable, not sent. */
  g_assert_cmpstr (ls_request_editor_get_summary (editor), ==, expected);
  g_assert_false (ls_request_editor_get_body_editable (editor));
  g_assert_null (ls_request_editor_dup_body (editor));

  user_connect (run);
  /* A new connect empties the pane until the new response. */
  g_assert_null (ls_response_pane_get_response (ls_stream_page_get_response_pane (page_of (run))));
  return TRUE;
}

static gboolean
step_get_sent_without_body (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (page_of (run));
  LsResponsePane *pane = ls_stream_page_get_response_pane (page_of (run));
  gboolean done;

  pthread_mutex_lock (&seen.lock);
  done = seen.echo_requests > 0;
  if (done)
    {
      g_assert_cmpstr (seen.echo_method, ==, "GET");
      g_assert_cmpuint (seen.echo_body_len, ==, 0);
      g_assert_cmpstr (seen.echo_header, ==, "1");
    }
  pthread_mutex_unlock (&seen.lock);
  if (!done || ls_response_pane_get_response (pane) == NULL)
    return FALSE;

  g_assert_null (ls_stream_get_options (stream)->body);
  g_assert_cmpstr (ls_response_pane_get_status_line (pane), ==, "HTTP/1.1 200 OK");
  /* A 2xx: no error body, no attention. */
  g_assert_null (ls_response_pane_dup_body_text (pane));
  g_assert_false (gtk_stack_page_get_needs_attention (gtk_stack_get_page (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (pane))),
                                                                          GTK_WIDGET (pane))));
  g_assert_cmpstr (ls_request_editor_get_body_editable (editor_of (run)) ? "yes" : "no", ==, "no");
  return TRUE;
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  TestRun *run = data;
  g_autoptr(GError) error = NULL;

  run->clipboard = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  run->clipboard_read = TRUE;
}

/* Copy as curl: the GET as sent, without the body. */
static gboolean
step_copy_curl (gpointer data)
{
  TestRun *run = data;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (run->window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page_of (run)), "stream.copy-curl", NULL));
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, run);
  return TRUE;
}

static gboolean
step_copied (gpointer data)
{
  TestRun *run = data;
  g_autofree char *expected = NULL;

  if (!run->clipboard_read)
    return FALSE;
  expected = g_strdup_printf ("curl -N -H 'X-Test: 1' -H 'Accept: text/event-stream' "
                              "-H 'Cache-Control: no-cache' 'http://127.0.0.1:%u/echo'", server.port);
  g_assert_cmpstr (run->clipboard, ==, expected);
  return TRUE;
}

static gboolean
step_popover_open (gpointer data)
{
  TestRun *run = data;

  ls_request_editor_set_method (editor_of (run), "POST");
  ls_request_editor_popup_extras (editor_of (run));
  return TRUE;
}

static gboolean
is_mapped_popover (gpointer widget,
                   gpointer data)
{
  return GTK_IS_POPOVER (widget) && gtk_widget_get_mapped (widget);
}

static gboolean
step_popover_screenshot (gpointer data)
{
  TestRun *run = data;
  GtkWidget *popover = ls_gui_test_find (editor_of (run), is_mapped_popover, NULL);
  graphene_rect_t bounds;

  if (popover == NULL || !screenshot (run, popover, "request-page-headers-body-popover"))
    return FALSE;
  /* At 800×600 the popover fits in the window. */
  g_assert_true (gtk_widget_compute_bounds (popover, GTK_WIDGET (run->window), &bounds));
  g_assert_cmpfloat (bounds.size.width, <=, 800);
  g_assert_cmpfloat (bounds.size.height, <=, 600);
  gtk_popover_popdown (GTK_POPOVER (popover));
  return TRUE;
}

/* The Preferences are the editor's defaults: a changed one reaches a
 * field the user left alone, not one they set. */
static gboolean
step_preferences_reach_editor (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GSettings) settings = g_settings_new ("io.github.loopscope.Loopscope");
  LsRequestEditor *editor = editor_of (run);
  LsRequestTiming timing;

  ls_request_editor_get_timing (editor, &timing);
  g_assert_cmpuint (timing.reconnect_ms, ==, 3000);
  g_assert_cmpuint (timing.idle_timeout_s, ==, 0);
  g_assert_cmpuint (timing.stall_timeout_s, ==, 0);

  timing.stall_timeout_s = 5;   /* the user's choice for this request */
  ls_request_editor_set_timing (editor, &timing);
  g_settings_set_uint (settings, "idle-timeout", 7);
  g_settings_set_uint (settings, "stall-timeout", 9);
  ls_request_editor_get_timing (editor, &timing);
  g_assert_cmpuint (timing.idle_timeout_s, ==, 7);
  g_assert_cmpuint (timing.stall_timeout_s, ==, 5);

  g_settings_reset (settings, "idle-timeout");
  g_settings_reset (settings, "stall-timeout");
  ls_request_editor_get_timing (editor, &timing);
  g_assert_cmpuint (timing.idle_timeout_s, ==, 0);
  g_assert_cmpuint (timing.stall_timeout_s, ==, 5);
  return TRUE;
}

/* (c) a POST to an SSE stream that completes: sent once. */
static gboolean
step_post_sse (gpointer data)
{
  TestRun *run = data;
  LsRequestEditor *editor = editor_of (run);
  g_autofree char *url = url_for ("/sse");
  LsRequestTiming timing = { .reconnect_ms = 100, .idle_timeout_s = 60, .stall_timeout_s = 30 };
  const LsStreamOptions *options;

  ls_request_editor_set_url (editor, url);
  ls_request_editor_set_method (editor, "POST");
  g_assert_cmpint (ls_request_editor_get_reconnect (editor), ==, LS_STREAM_RECONNECT_AUTO);
  /* Were it to reconnect, it would within 100 ms. */
  ls_request_editor_set_timing (editor, &timing);
  run->sse_before = seen_sse_requests ();
  user_connect (run);
  /* The editor's settings are the stream's. */
  options = ls_stream_get_options (ls_stream_page_get_stream (page_of (run)));
  g_assert_cmpuint (options->reconnect_ms, ==, 100);
  g_assert_cmpuint (options->idle_timeout_ms, ==, 60000);
  g_assert_cmpuint (options->stall_timeout_ms, ==, 30000);
  g_assert_cmpint (options->reconnect, ==, LS_STREAM_RECONNECT_AUTO);
  return TRUE;
}

static gboolean
step_post_sse_ended_once (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (page_of (run));
  LsStreamStats stats;

  if (!LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream)))
    return FALSE;
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_COMPLETED);
  g_assert_false (ls_stream_options_get_reconnect (ls_stream_get_options (stream)));
  g_assert_cmpuint (stats.events, ==, 3);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.reconnects, ==, 0);
  g_assert_cmpuint (seen_sse_requests (), ==, run->sse_before + 1);
  pthread_mutex_lock (&seen.lock);
  g_assert_cmpuint (seen.sse_body_len, ==, strlen (POST_BODY));
  pthread_mutex_unlock (&seen.lock);
  return TRUE;
}

static gboolean
step_post_sse_reconnect_on (gpointer data)
{
  TestRun *run = data;

  ls_request_editor_set_reconnect (editor_of (run), LS_STREAM_RECONNECT_ON);
  run->sse_before = seen_sse_requests ();
  user_connect (run);
  g_assert_true (ls_stream_options_get_reconnect (ls_stream_get_options (ls_stream_page_get_stream (page_of (run)))));
  return TRUE;
}

static gboolean
step_post_sse_reconnected (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (page_of (run));
  LsStreamStats stats;

  if (seen_sse_requests () < run->sse_before + 2)
    return FALSE;
  ls_stream_get_stats (stream, &stats);
  g_assert_false (LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream)));
  g_assert_cmpuint (stats.reconnects, >=, 1);
  ls_stream_page_stop (page_of (run));
  return TRUE;
}

static gboolean
step_quit (gpointer data)
{
  TestRun *run = data;

  if (!LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (ls_stream_page_get_stream (page_of (run)))))
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return TRUE;
}

static void
test_request_and_response (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "connect to a 401", step_connect_401 },
    { "401 failed, Response page in front", step_401_failed },
    { "401 shown whole", step_401_shown },
    { "401 screenshot", step_401_screenshot },
    { "resize to 800x600", step_resize_small },
    { "401 screenshot at 800x600", step_401_small_screenshot },
    { "POST body, then GET", step_post_then_get },
    { "GET sent without body", step_get_sent_without_body },
    { "copy as curl", step_copy_curl },
    { "copied", step_copied },
    { "open Headers & Body", step_popover_open },
    { "popover screenshot", step_popover_screenshot },
    { "Preferences reach the editor", step_preferences_reach_editor },
    { "POST to SSE", step_post_sse },
    { "POST ended, sent once", step_post_sse_ended_once },
    { "POST with reconnect On", step_post_sse_reconnect_on },
    { "POST reconnected", step_post_sse_reconnected },
    { "quit", step_quit },
  };
  TestRun run = { NULL, };

  ls_gui_test_run_new_app (FALSE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           NULL);
  g_free (run.clipboard);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ls_gui_test_init (&argc, &argv, "/request-page/request-and-response"))
    return g_test_run ();

  pthread_mutex_init (&seen.lock, NULL);
  ls_test_soup_server_start (&server, "request-server");

  g_test_add_func ("/request-page/request-and-response", test_request_and_response);
  status = g_test_run ();

  ls_test_soup_server_stop (&server);
  g_clear_pointer (&seen.echo_method, g_free);
  g_clear_pointer (&seen.echo_header, g_free);
  pthread_mutex_destroy (&seen.lock);
  return status;
}
