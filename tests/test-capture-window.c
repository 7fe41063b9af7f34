/* test-capture-window.c: Save Capture, Export Events and Open Capture in the real window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1 sends three NDJSON lines and closes. The
 * window connects to it, saves the stream as a capture and exports its
 * events (what the file choosers' Save does, without the chooser), then
 * opens a capture of another version (refused, with its reason in the
 * banner, the stream left as it was) and the one it saved: the page
 * shows it read-only, with the same events, figures and response; its
 * Replay button streams it live again from the demo server (the same
 * events, the same response headers); a new connect replaces it with a
 * live stream. Runs under Xvfb.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ls-application.h"
#include "ls-capture.h"
#include "ls-event-list.h"
#include "ls-gui-test-utils.h"
#include "ls-stream-page-private.h"
#include "ls-test-utils.h"
#include "ls-window.h"
#include "ls-window-private.h"

#define NDJSON_BODY "{\"n\":1}\n{\"n\":2}\nnot json\n"

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "X-Served-By", "capture-test");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/x-ndjson", SOUP_MEMORY_STATIC,
                                    NDJSON_BODY, strlen (NDJSON_BODY));
}

static LsTestSoupServer server = { .handler = handler };

typedef struct
{
  LsApplication *app;
  LsWindow      *window;
  char          *dir;
  char          *capture_path;
  char          *events_path;
  char          *bad_path;
  LsStream      *live;       /* the stream saved (a reference) */
  gint64         frame0;
} TestRun;

static LsStreamPage *
page_of (TestRun *run)
{
  return ls_window_get_stream_page (run->window);
}

static LsStream *
stream_of (TestRun *run)
{
  return ls_stream_page_get_stream (page_of (run));
}

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;
  g_autofree char *url = NULL;

  if (!ls_gui_test_window_shown (run->app, (gpointer *) &run->window, NULL))
    return FALSE;
  ls_window_show_page (run->window, "stream");
  url = g_strdup_printf ("http://127.0.0.1:%u/lines", server.port);
  ls_request_editor_set_url (ls_stream_page_get_editor (page_of (run)), url);
  ls_request_editor_add_header (ls_stream_page_get_editor (page_of (run)), "Authorization", "Bearer SEKRIT-42");
  g_assert_true (ls_stream_page_connect (page_of (run)));
  return TRUE;
}

static gboolean
step_stream_ended (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GFile) capture = g_file_new_for_path (run->capture_path);
  g_autoptr(GFile) events = g_file_new_for_path (run->events_path);
  LsStreamStats stats;

  if (ls_stream_get_state (stream_of (run)) != LS_STREAM_ENDED)
    return FALSE;
  ls_stream_get_stats (stream_of (run), &stats);
  g_assert_cmpuint (stats.events, ==, 3);
  run->live = g_object_ref (stream_of (run));

  _ls_window_save_capture (run->window, capture, FALSE);
  _ls_window_export_events (run->window, events);
  g_assert_cmpuint (_ls_window_get_files_pending (run->window), ==, 2);
  return TRUE;
}

static gboolean
step_saved (gpointer data)
{
  TestRun *run = data;
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *exported = NULL;
  g_auto(GStrv) lines = NULL;
  LsStreamStats stats;

  if (_ls_window_get_files_pending (run->window) != 0)
    return FALSE;
  g_assert_null (_ls_window_get_banner (run->window));

  /* The capture: redacted, every record, the figures. */
  g_assert_true (g_file_get_contents (run->capture_path, &text, NULL, NULL));
  g_assert_null (strstr (text, "SEKRIT-42"));
  g_assert_nonnull (strstr (text, "\"Bearer [redacted]\""));
  capture = ls_capture_read_file (run->capture_path, &error);
  g_assert_no_error (error);
  g_assert_null (capture->warning);
  ls_stream_get_stats (run->live, &stats);
  g_assert_cmpuint (capture->stats.events, ==, 3);
  g_assert_cmpuint (capture->stats.invalid, ==, 1);
  g_assert_cmpuint (capture->stats.bytes, ==, strlen (NDJSON_BODY));
  g_assert_cmpuint (capture->stats.records, ==, stats.records);
  g_assert_cmpint (capture->end, ==, ls_stream_get_end (run->live));
  g_assert_cmpuint (ls_event_store_get_end_seq (capture->store), ==,
                    ls_event_store_get_end_seq (ls_stream_get_store (run->live)));

  /* The events: the headless lines, one per record, in order. */
  g_assert_true (g_file_get_contents (run->events_path, &exported, NULL, NULL));
  lines = g_strsplit (exported, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, stats.records + 1);
  g_assert_cmpstr (lines[stats.records], ==, "");
  g_assert_true (g_str_has_prefix (lines[0], "{\"seq\":0,\"t\":"));
  g_assert_nonnull (strstr (lines[0], "\"kind\":\"open\""));
  g_assert_nonnull (strstr (lines[1], "\"kind\":\"event\",\"type\":\"ndjson\",\"valid\":true,\"id\":\"\",\"data\":\"{\\\"n\\\":1}\"}"));
  g_assert_nonnull (strstr (lines[3], "\"valid\":false,\"id\":\"\",\"data\":\"not json\"}"));
  g_assert_nonnull (strstr (lines[4], "\"kind\":\"closed\",\"end\":\"completed\""));
  /* No capture fields in the event export. */
  g_assert_null (strstr (exported, "\"connection\""));

  /* A capture of a later version. */
  g_assert_true (g_file_set_contents (run->bad_path,
                                      "{\"format\":\"loopscope-capture\",\"version\":2,\"request\":{\"url\":\"http://x/\"}}\n",
                                      -1, NULL));
  {
    g_autoptr(GFile) bad = g_file_new_for_path (run->bad_path);

    _ls_window_open_capture (run->window, bad);
  }
  return TRUE;
}

static gboolean
step_bad_refused (gpointer data)
{
  TestRun *run = data;

  if (_ls_window_get_files_pending (run->window) != 0)
    return FALSE;
  g_assert_cmpstr (_ls_window_get_banner (run->window), ==,
                   "Could not open the capture: Capture version 2 is newer than this Loopscope reads (1)");
  /* The stream shown is still the live one. */
  g_assert_true (stream_of (run) == run->live);
  {
    g_autoptr(GFile) good = g_file_new_for_path (run->capture_path);

    _ls_window_open_capture (run->window, good);
  }
  return TRUE;
}

static gboolean
step_capture_shown (gpointer data)
{
  TestRun *run = data;
  LsStream *stream;
  LsStreamStats stats;
  LsResponsePane *pane = ls_stream_page_get_response_pane (page_of (run));
  LsEventList *list = ls_event_panel_get_list (ls_stream_page_get_event_panel (page_of (run)));

  if (_ls_window_get_files_pending (run->window) != 0)
    return FALSE;
  g_assert_null (_ls_window_get_banner (run->window));
  stream = stream_of (run);
  g_assert_true (stream != run->live);
  g_assert_true (ls_stream_get_from_capture (stream));
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_COMPLETED);
  ls_stream_get_stats (stream, &stats);
  g_assert_cmpuint (stats.events, ==, 3);
  g_assert_cmpuint (stats.http_status, ==, 200);
  /* The table is the capture's records. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, stats.records);
  /* The response, as it came. */
  g_assert_nonnull (ls_response_pane_get_response (pane));
  g_assert_cmpstr (ls_stream_response_get_header (ls_response_pane_get_response (pane), "X-Served-By"), ==,
                   "capture-test");
  /* The editor holds the request (its secret as saved: redacted). */
  g_assert_cmpstr (ls_request_editor_get_url (ls_stream_page_get_editor (page_of (run))), ==,
                   ls_stream_get_options (run->live)->url);
  g_assert_true (g_str_has_prefix (_ls_stream_page_get_message (page_of (run)), "From the capture “capture.jsonl”: "));
  g_assert_false (ls_stream_page_get_live (page_of (run)));
  return TRUE;
}

static gboolean
step_capture_screenshot (gpointer data)
{
  TestRun *run = data;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (run->window));

  if (clock == NULL)
    return FALSE;
  if (run->frame0 == 0)
    {
      run->frame0 = gdk_frame_clock_get_frame_counter (clock) + 1;
      gtk_widget_queue_draw (GTK_WIDGET (run->window));
      return FALSE;
    }
  if (gdk_frame_clock_get_frame_counter (clock) <= run->frame0)
    return FALSE;
  return ls_gui_test_screenshot (run->window, "capture-opened");
}

static gboolean
step_replay (gpointer data)
{
  TestRun *run = data;
  GtkWidget *button = _ls_stream_page_get_replay_button (page_of (run));

  /* Shown with the capture; clicked as a user would. */
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_activate (button));
  return TRUE;
}

static gboolean
collect_event_cb (const LsEventView *view,
                  gpointer           user_data)
{
  if (view->kind == LS_EVENT_KIND_EVENT || view->kind == LS_EVENT_KIND_INVALID)
    g_ptr_array_add (user_data, g_strndup (view->data, view->data_len));
  return TRUE;
}

static gboolean
step_replayed (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = stream_of (run);
  LsDemoServer *demo = ls_application_get_demo_server (run->app);
  g_autoptr(GPtrArray) replayed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) original = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *url = NULL;
  LsStreamResponse *response;

  if (ls_stream_get_from_capture (stream) || ls_stream_get_state (stream) != LS_STREAM_ENDED)
    return FALSE;
  g_assert_null (_ls_window_get_banner (run->window));
  g_assert_nonnull (demo);
  url = g_strconcat (ls_demo_server_get_base_uri (demo), "/replay/1", NULL);
  g_assert_cmpstr (ls_stream_get_options (stream)->url, ==, url);
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_COMPLETED);
  g_assert_false (gtk_widget_get_visible (_ls_stream_page_get_replay_button (page_of (run))));
  /* The same records as the original live stream, from the same response. */
  ls_test_foreach_of_stream (ls_stream_get_store (stream), ls_stream_get_id (stream), collect_event_cb, replayed);
  ls_test_foreach_of_stream (ls_stream_get_store (run->live), ls_stream_get_id (run->live), collect_event_cb, original);
  g_assert_cmpuint (replayed->len, ==, 3);
  g_assert_cmpuint (replayed->len, ==, original->len);
  for (guint i = 0; i < replayed->len; i++)
    g_assert_cmpstr (g_ptr_array_index (replayed, i), ==, g_ptr_array_index (original, i));
  response = ls_stream_get_response (stream);
  g_assert_nonnull (response);
  g_assert_cmpstr (ls_stream_response_get_header (response, "X-Served-By"), ==, "capture-test");
  g_assert_cmpstr (ls_stream_response_get_header (response, "Content-Type"), ==, "application/x-ndjson");
  /* Beside the live stream and the capture, each in its row. */
  {
    g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);

    g_assert_cmpuint (pages->len, ==, 3);
    g_assert_true (ls_stream_page_get_stream (g_ptr_array_index (pages, 0)) == run->live);
    g_assert_true (ls_stream_get_from_capture (ls_stream_page_get_stream (g_ptr_array_index (pages, 1))));
    g_assert_true (g_ptr_array_index (pages, 2) == page_of (run));
  }
  return TRUE;
}

static gboolean
step_connect_replaces (gpointer data)
{
  TestRun *run = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/lines", server.port);

  ls_request_editor_set_url (ls_stream_page_get_editor (page_of (run)), url);
  ls_request_editor_clear_headers (ls_stream_page_get_editor (page_of (run)));
  g_assert_true (ls_stream_page_connect (page_of (run)));
  g_assert_false (ls_stream_get_from_capture (stream_of (run)));
  return TRUE;
}

static gboolean
step_live_again (gpointer data)
{
  TestRun *run = data;

  if (ls_stream_get_state (stream_of (run)) != LS_STREAM_ENDED)
    return FALSE;
  g_assert_false (_ls_stream_page_get_message (page_of (run)) != NULL &&
                  g_str_has_prefix (_ls_stream_page_get_message (page_of (run)), "From the capture"));
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return TRUE;
}

static void
test_save_and_open (void)
{
  static const LsGuiStep steps[] = {
    { "window shown, connect", step_window_shown },
    { "stream ended, save and export", step_stream_ended },
    { "saved and exported", step_saved },
    { "a later version refused", step_bad_refused },
    { "the capture shown", step_capture_shown },
    { "screenshot", step_capture_screenshot },
    { "replay", step_replay },
    { "replayed live", step_replayed },
    { "connect replaces it", step_connect_replaces },
    { "live again, quit", step_live_again },
  };
  TestRun run = { NULL, };

  run.dir = g_dir_make_tmp ("ls-capture-window-XXXXXX", NULL);
  g_assert_nonnull (run.dir);
  run.capture_path = g_build_filename (run.dir, "capture.jsonl", NULL);
  run.events_path = g_build_filename (run.dir, "events.jsonl", NULL);
  run.bad_path = g_build_filename (run.dir, "v2.jsonl", NULL);

  ls_gui_test_run_new_app (FALSE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app,
                           (gpointer *) &run.window, NULL);

  g_clear_object (&run.live);
  g_remove (run.capture_path);
  g_remove (run.events_path);
  g_remove (run.bad_path);
  g_rmdir (run.dir);
  g_free (run.capture_path);
  g_free (run.events_path);
  g_free (run.bad_path);
  g_free (run.dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ls_gui_test_init (&argc, &argv, "/capture-window/save-and-open"))
    return g_test_run ();

  ls_test_soup_server_start (&server, "capture-server");
  g_test_add_func ("/capture-window/save-and-open", test_save_and_open);
  status = g_test_run ();
  ls_test_soup_server_stop (&server);
  return status;
}
