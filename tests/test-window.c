/* test-window.c: GUI smoke test: the window sees both loops, stresses the
 * bridge and quits cleanly. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * /window/screenshots renders each page at 1280×800 on the live demo
 * stream; with LS_SCREENSHOT_DIR set, into that directory as stream.png,
 * timeline.png and loops.png (the ones data/screenshots/ holds for the
 * AppStream metadata and the README: build-aux/dev screenshots).
 *
 * Each test runs the real application driven by a script of steps
 * (ls-gui-test-utils.h): no nested loop, no sleep, a deadline per step.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-event-panel-private.h"
#include "ls-loop-card-private.h"
#include "ls-preferences-dialog-private.h"
#include "ls-stream-page-private.h"
#include "ls-timeline-view-private.h"
#include "ls-trace-export.h"
#include "ls-bridge-private.h"
#include "ls-window.h"
#include "ls-window-private.h"

typedef struct
{
  LsApplication *app;
  LsWindow      *window;     /* weak */
  LsWorker      *worker;     /* strong, to check it after the app is gone */
  /* Trace export */
  GFile         *trace_file;
  /* Idle */
  guint64        idle_records;
  guint64        idle_ui_ticks;
  guint64        idle_worker_ticks;
  gboolean       export_done;
  GError        *export_error;
  /* Screenshots */
  int            shot_width;
  int            shot_height;
  const char    *shot_page;     /* the page last shown */
  gint64         shot_frame;    /* ready and still since this frame, or -1 */
  gboolean       shot_selected;
} TestRun;

static void
test_run_script_full (const LsGuiStep *steps,
                      guint            n_steps,
                      gboolean         demo)
{
  TestRun run = { NULL, };

  ls_gui_test_run_new_app (demo, steps, n_steps, &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           &run.worker);

  if (run.trace_file != NULL)
    {
      g_file_delete (run.trace_file, NULL, NULL);
      g_object_unref (run.trace_file);
    }
  g_clear_error (&run.export_error);
}

static void
test_run_script (const LsGuiStep *steps,
                 guint            n_steps)
{
  test_run_script_full (steps, n_steps, FALSE);
}

/* ---- steps ---------------------------------------------------------------- */

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (run->app));
  LsBridge *bridge = ls_application_get_bridge (run->app);

  if (windows == NULL)
    return FALSE;

  g_assert_null (windows->next);
  g_assert_true (LS_IS_WINDOW (windows->data));
  g_assert_true (gtk_widget_get_visible (windows->data));
  g_assert_nonnull (bridge);

  ls_gui_test_watch_window (windows->data, (gpointer *) &run->window);
  run->worker = g_object_ref (ls_bridge_get_worker (bridge));

  return TRUE;
}

/* Both cards show a live owner thread, different ones: the UI card shows
 * this thread, the worker card the worker's; and the UI probe ticks. */
static gboolean
step_both_loops_live (gpointer data)
{
  TestRun *run = data;
  LsLoopCard *ui_card = ls_loops_page_get_ui_card (ls_window_get_loops_page (run->window));
  LsLoopCard *worker_card = ls_loops_page_get_worker_card (ls_window_get_loops_page (run->window));
  LsLoopStats stats;

  ls_loop_probe_get_stats (_ls_window_get_ui_probe (run->window), &stats);

  if (ls_worker_get_state (run->worker) != LS_WORKER_RUNNING
      || _ls_loop_card_get_thread_id (ui_card) == 0
      || _ls_loop_card_get_thread_id (worker_card) == 0
      || _ls_loop_card_get_state (worker_card) != LS_WORKER_RUNNING
      || stats.ticks == 0)
    return FALSE;

  g_assert_cmpint (_ls_loop_card_get_thread_id (ui_card), ==, ls_current_thread_id ());
  g_assert_cmpint (_ls_loop_card_get_thread_id (worker_card), ==,
                   ls_worker_get_thread_id (run->worker));
  g_assert_cmpint (_ls_loop_card_get_thread_id (ui_card), !=,
                   _ls_loop_card_get_thread_id (worker_card));
  g_assert_cmpint (_ls_loop_card_get_state (ui_card), ==, LS_WORKER_RUNNING);
  g_assert_true (stats.attached);
  g_assert_null (_ls_window_get_banner (run->window));

  return TRUE;
}

static gboolean
step_start_small_stress (gpointer data)
{
  TestRun *run = data;

  g_assert_true (ls_window_start_stress (run->window, 5000));
  g_assert_cmpint (ls_stress_get_state (ls_window_get_stress (run->window)), ==, LS_STRESS_RUNNING);
  g_assert_false (ls_window_start_stress (run->window, 5000)); /* one at a time */

  return TRUE;
}

/* Every sequence number came back exactly once. */
static gboolean
step_stress_done (gpointer data)
{
  TestRun *run = data;
  LsBridge *bridge = ls_application_get_bridge (run->app);
  LsLoopStats stats;
  LsStressProgress progress;

  if (ls_stress_get_state (ls_window_get_stress (run->window)) == LS_STRESS_RUNNING)
    return FALSE;

  g_assert_cmpint (ls_stress_get_state (ls_window_get_stress (run->window)), ==, LS_STRESS_DONE);
  ls_stress_get_progress (ls_window_get_stress (run->window), &progress);
  g_assert_cmpuint (progress.total, ==, 5000);
  g_assert_cmpuint (progress.back, ==, 5000);
  g_assert_cmpuint (progress.lost, ==, 0);
  g_assert_cmpuint (progress.duplicated, ==, 0);
  g_assert_null (_ls_window_get_banner (run->window));

  /* Crossings were recorded; nothing tripped a guard. */
  g_assert_cmpuint (ls_recorder_get_total (ls_application_get_recorder (run->app)), >, 0);
  g_assert_cmpuint (ls_bridge_get_guard_count (bridge), ==, 0);

  ls_loop_probe_get_stats (_ls_window_get_ui_probe (run->window), &stats);
  g_assert_cmpuint (stats.ticks, >, 0);
  g_assert_cmpuint (stats.iterations, >, 0);

  return TRUE;
}

/* The bridge closes under the window (not by quitting), mid-run. */
static gboolean
step_start_big_stress_and_stop_bridge (gpointer data)
{
  TestRun *run = data;

  /* Far more than can finish before the stop lands. */
  g_assert_true (ls_window_start_stress (run->window, 1000000));
  g_assert_cmpint (ls_stress_get_state (ls_window_get_stress (run->window)), ==, LS_STRESS_RUNNING);

  ls_bridge_stop (ls_application_get_bridge (run->app), NULL);

  return TRUE;
}

/* The run ends as FAILED (no waiting for replies that cannot come), the
 * window says why, and no new run starts, by API or by action. */
static gboolean
step_stress_failed (gpointer data)
{
  TestRun *run = data;

  if (ls_stress_get_state (ls_window_get_stress (run->window)) == LS_STRESS_RUNNING
      || ls_worker_get_state (run->worker) != LS_WORKER_CLOSED)
    return FALSE;

  g_assert_cmpint (ls_stress_get_state (ls_window_get_stress (run->window)), ==, LS_STRESS_FAILED);
  g_assert_nonnull (_ls_window_get_banner (run->window));
  g_test_message ("banner: %s", _ls_window_get_banner (run->window));

  g_assert_false (ls_window_start_stress (run->window, 10));
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.stress-test", NULL);
  g_assert_cmpint (ls_stress_get_state (ls_window_get_stress (run->window)), ==, LS_STRESS_FAILED);
  g_assert_nonnull (_ls_window_get_banner (run->window));

  return TRUE;
}

/* --demo: the demo server started on its own (port 0, off the UI thread),
 * the window connected to its tick stream, and events arrive in the
 * table through the store. */
static gboolean
step_demo_events_shown (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsStream *stream = ls_stream_page_get_stream (page);
  LsEventList *list = ls_event_panel_get_list (ls_stream_page_get_event_panel (page));
  LsDemoServer *server = ls_application_get_demo_server (run->app);
  g_autoptr(LsEventItem) last = NULL;
  const LsEventView *view;
  LsStreamStats stats;
  guint n;

  if (stream == NULL || ls_stream_get_state (stream) != LS_STREAM_OPEN)
    return FALSE;
  /* The table catches up once a frame. */
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  if (n < 20)
    return FALSE;

  g_assert_nonnull (server);
  g_assert_true (ls_demo_server_is_running (server));
  g_assert_false (_ls_window_get_empty_state_visible (run->window));
  g_assert_true (g_str_has_prefix (ls_request_editor_get_url (ls_stream_page_get_editor (page)),
                                   ls_demo_server_get_base_uri (server)));
  g_assert_true (ls_request_editor_get_running (ls_stream_page_get_editor (page)));
  g_assert_null (ls_request_editor_get_error (ls_stream_page_get_editor (page)));

  last = g_list_model_get_item (G_LIST_MODEL (list), n - 1);
  view = ls_event_item_get_view (last);
  g_assert_cmpint (view->kind, ==, LS_EVENT_KIND_EVENT);
  g_assert_cmpstr (view->type, ==, "tick");
  g_assert_cmpuint (view->data_len, >, 0);

  /* The figures come with the stream's once-per-frame progress, the table
   * from its own tick on the store: either may be a frame ahead. Wait for
   * the figures to count every event row (the first row is the open). */
  ls_stream_get_stats (stream, &stats);
  if (stats.events < n - 1)
    return FALSE;
  g_assert_cmpuint (stats.bytes, >, 0);

  /* Socket to screen: the table took the last event in at a frame after
   * its read, and not after now; the figure's percentiles lie between
   * nothing and the age of the oldest row. */
  {
    LsEventPanel *panel = ls_stream_page_get_event_panel (page);
    g_autoptr(LsEventItem) first = g_list_model_get_item (G_LIST_MODEL (list), 0);
    gint64 now = g_get_monotonic_time ();
    gint64 shown_us, p50, p99;

    if (g_str_equal (_ls_stream_page_get_figure (page, "latency"), "—"))
      return FALSE;
    g_assert_true (ls_event_panel_get_shown_time (panel, view->seq, &shown_us));
    g_assert_cmpint (shown_us, >=, view->time_us);
    g_assert_cmpint (shown_us, <=, now);
    g_assert_true (ls_event_panel_get_latency (panel, &p50, &p99));
    g_assert_cmpint (p50, >=, 0);
    g_assert_cmpint (p50, <=, p99);
    g_assert_cmpint (p99, >, 0);
    g_assert_cmpint (p99, <=, now - ls_event_item_get_view (first)->time_us);
  }

  return TRUE;
}

/* Bad input is one line under the URL; the running stream is untouched. */
/* Every page fits a 800×600 window while a stream is live (see
 * ls_gui_test_window_fits()). */
static gboolean
step_fits_800x600 (gpointer data)
{
  TestRun *run = data;

  return ls_gui_test_window_fits (run->window, 800, 600);
}

static gboolean
step_bad_url_refused (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsRequestEditor *editor = ls_stream_page_get_editor (page);
  LsStream *before = ls_stream_page_get_stream (page);
  g_autofree char *good_url = g_strdup (ls_request_editor_get_url (editor));
  static const char *bad[] = { "", "   ", "ftp://example.com/x", "http://", "not a url at all" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ls_request_editor_set_url (editor, bad[i]);
      g_assert_false (ls_stream_page_connect (page));
      g_assert_nonnull (ls_request_editor_get_error (editor));
      g_test_message ("'%s': %s", bad[i], ls_request_editor_get_error (editor));
      g_assert_true (ls_stream_page_get_stream (page) == before);
    }

  /* A header the engine cannot send is refused the same way. */
  ls_request_editor_set_url (editor, good_url);
  g_assert_null (ls_request_editor_get_error (editor));   /* editing clears it */
  ls_request_editor_add_header (editor, "Bad Name", "x");
  g_assert_false (ls_stream_page_connect (page));
  g_assert_nonnull (ls_request_editor_get_error (editor));
  ls_request_editor_clear_headers (editor);

  g_assert_true (ls_stream_page_get_stream (page) == before);
  g_assert_cmpint (ls_stream_get_state (before), ==, LS_STREAM_OPEN);

  return TRUE;
}

static gboolean
step_timeline_has_records (gpointer data)
{
  TestRun *run = data;
  LsTimelineView *timeline = ls_timeline_page_get_view (ls_window_get_timeline_page (run->window));

  _ls_timeline_view_refresh (timeline);

  return _ls_timeline_view_get_n_records (timeline) > 0;
}

/* An event row's "Show on Timeline": the Timeline page, paused, frames
 * the read that received it, that read's parse and the first dispatch of
 * the stream's UI mailbox after it; the range holds the event and the
 * frame that showed it. */
static gboolean
step_show_on_timeline (gpointer data)
{
  TestRun *run = data;
  LsEventPanel *panel = ls_stream_page_get_event_panel (ls_window_get_stream_page (run->window));
  LsEventList *list = ls_event_panel_get_list (panel);
  LsTimelineView *timeline = ls_timeline_page_get_view (ls_window_get_timeline_page (run->window));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_autoptr(LsEventItem) item = NULL;
  g_autoptr(GArray) records = NULL;
  g_autofree char *mailbox = NULL;
  const LsRecord *path[3] = { NULL, NULL, NULL };
  const LsEventView *view;
  guint64 ids[3];
  guint64 lost;
  gint64 shown_us, start, end;
  gint64 now = g_get_monotonic_time ();

  if (n < 3)
    return FALSE;
  item = g_list_model_get_item (G_LIST_MODEL (list), n - 2);
  view = ls_event_item_get_view (item);
  if (view->kind != LS_EVENT_KIND_EVENT || !ls_event_panel_get_shown_time (panel, view->seq, &shown_us))
    return FALSE;
  g_assert_cmpint (shown_us, >=, view->time_us);
  g_assert_cmpint (shown_us, <=, now);

  _ls_event_panel_select (panel, n - 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "event.show-on-timeline", NULL));
  g_assert_false (ls_timeline_view_get_live (timeline));

  _ls_timeline_view_get_event_path (timeline, ids);
  records = ls_recorder_snapshot_since (ls_timeline_view_get_recorder (timeline), 0, &lost);
  for (guint i = 0; i < records->len; i++)
    for (guint k = 0; k < 3; k++)
      if (ids[k] != 0 && g_array_index (records, LsRecord, i).id == ids[k])
        path[k] = &g_array_index (records, LsRecord, i);

  g_assert_nonnull (path[0]);
  g_assert_cmpstr (path[0]->name, ==, "stream.read");
  g_assert_cmpint (path[0]->loop, ==, LS_LOOP_WORKER);
  g_assert_cmpint (path[0]->end_us, ==, view->time_us);
  g_assert_nonnull (path[1]);
  g_assert_cmpstr (path[1]->name, ==, "stream.parse");
  g_assert_cmpuint (path[1]->parent_id, ==, path[0]->id);
  /* The events view takes events in on its own frame tick, which may come
   * before the stream's mailbox has told the UI: the path then ends on
   * screen without the hop to the UI. Asked again, it has it. */
  if (path[2] == NULL)
    return FALSE;
  mailbox = g_strdup_printf ("stream %u", view->stream_id);
  g_assert_cmpstr (path[2]->name, ==, mailbox);
  g_assert_cmpint (path[2]->loop, ==, LS_LOOP_UI);
  g_assert_cmpint (path[2]->start_us, >=, path[1]->end_us);

  ls_timeline_view_get_range (timeline, &start, &end);
  g_assert_cmpint (start, <, view->time_us);
  g_assert_cmpint (end, >, shown_us);

  return TRUE;
}

/* The page it asked for is on screen; back to the stream, live again. */
static gboolean
step_timeline_shown (gpointer data)
{
  TestRun *run = data;
  LsTimelinePage *timeline_page = ls_window_get_timeline_page (run->window);

  if (!gtk_widget_get_mapped (GTK_WIDGET (timeline_page)))
    return FALSE;
  ls_timeline_view_set_live (ls_timeline_page_get_view (timeline_page), TRUE);
  ls_window_show_page (run->window, "stream");
  return TRUE;
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TestRun *run = user_data;

  ls_trace_export_to_file_finish (LS_RECORDER (source), result, &run->export_error);
  run->export_done = TRUE;
}

static gboolean
step_export_trace (gpointer data)
{
  TestRun *run = data;
  g_autofree char *path = NULL;
  int fd;

  fd = g_file_open_tmp ("loopscope-test-XXXXXX.json", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  run->trace_file = g_file_new_for_path (path);
  /* What the Export Trace dialog does, secrets left out. */
  ls_trace_export_to_file_async (ls_application_get_recorder (run->app), run->trace_file,
                                 LS_TRACE_EXPORT_DEFAULT, NULL, export_done_cb, run);

  return TRUE;
}

/* The exported file is Chrome trace JSON with spans from the stream. */
static gboolean
step_trace_written (gpointer data)
{
  TestRun *run = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  JsonObject *root;
  JsonArray *events;
  gboolean saw_stream_span = FALSE;

  if (!run->export_done)
    return FALSE;

  g_assert_no_error (run->export_error);
  path = g_file_get_path (run->trace_file);
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  events = json_object_get_array_member (root, "traceEvents");
  g_assert_nonnull (events);
  g_assert_cmpuint (json_array_get_length (events), >, 0);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *name = json_object_get_string_member_with_default (event, "name", "");

      if (g_str_has_prefix (name, "stream."))
        saw_stream_span = TRUE;
    }
  g_assert_true (saw_stream_span);

  return TRUE;
}

/* The stream Enter started delivers into a table of its own. */
static gboolean
step_new_stream_events_shown (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsStream *stream = ls_stream_page_get_stream (page);
  LsEventList *list = ls_event_panel_get_list (ls_stream_page_get_event_panel (page));
  g_autoptr(LsEventItem) last = NULL;
  guint n;

  if (ls_stream_get_state (stream) != LS_STREAM_OPEN)
    return FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  if (n < 5)
    return FALSE;

  g_assert_true (ls_event_list_get_store (list) == ls_stream_get_store (stream));
  last = g_list_model_get_item (G_LIST_MODEL (list), n - 1);
  g_assert_cmpstr (ls_event_item_get_view (last)->type, ==, "tick");

  return TRUE;
}

/* ---- keys ----------------------------------------------------------------- */

static gboolean
step_keys (gpointer data)
{
  TestRun *run = data;
  GtkApplication *app = GTK_APPLICATION (run->app);
  LsRequestEditor *editor = ls_stream_page_get_editor (ls_window_get_stream_page (run->window));
  g_auto(GStrv) stress_accels = gtk_application_get_accels_for_action (app, "win.stress-test");
  static const struct { const char *action; const char *accel; } bound[] = {
    { "win.reconnect", "<Control>r" },
    { "win.focus-url", "<Control>l" },
    { "win.focus-filter", "<Control>f" },
    { "app.quit", "<Control>q" },
  };
  GtkWidget *focus;

  if (!gtk_widget_get_mapped (GTK_WIDGET (run->window)))
    return FALSE;

  /* Nothing connected yet: the window offers the demo server. */
  g_assert_true (_ls_window_get_empty_state_visible (run->window));

  for (guint i = 0; i < G_N_ELEMENTS (bound); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, bound[i].action);

      g_assert_nonnull (accels[0]);
      g_assert_cmpstr (accels[0], ==, bound[i].accel);
    }
  /* The stress test is the Loops page's button, not a global key. */
  g_assert_null (stress_accels[0]);
  /* The shortcuts window (Ctrl+?) is there to list them. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (run->window)));

  /* Each page, the Stream page with its button as Connect and as Stop:
   * at least the three page tabs and the Connect button, none twice. */
  ls_window_show_page (run->window, "stream");
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >=, 4);
  ls_request_editor_set_running (editor, TRUE);
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >=, 4);
  ls_request_editor_set_running (editor, FALSE);
  ls_window_show_page (run->window, "timeline");
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >=, 4);
  ls_window_show_page (run->window, "loops");
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >=, 4);

  /* Ctrl+L: from any page to the URL entry. */
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.focus-url", NULL);
  focus = gtk_root_get_focus (GTK_ROOT (run->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (editor)));
  g_assert_true (GTK_IS_TEXT (focus));

  /* Ctrl+F: into the events' search entry. */
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.focus-filter", NULL);
  focus = gtk_root_get_focus (GTK_ROOT (run->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (ls_stream_page_get_event_panel (ls_window_get_stream_page (run->window)))));
  g_assert_nonnull (gtk_widget_get_ancestor (focus, GTK_TYPE_SEARCH_ENTRY));

  /* On the Timeline page, into the task list's filter, staying there. */
  ls_window_show_page (run->window, "timeline");
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.focus-filter", NULL);
  focus = gtk_root_get_focus (GTK_ROOT (run->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (ls_timeline_page_get_task_list (ls_window_get_timeline_page (run->window)))));
  g_assert_nonnull (gtk_widget_get_ancestor (focus, GTK_TYPE_SEARCH_ENTRY));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (ls_window_get_timeline_page (run->window))));
  ls_window_show_page (run->window, "stream");

  return TRUE;
}

/* Ctrl+R connects the request again: a new stream replaces the live one;
 * Enter in the URL entry connects to the new URL though a stream runs. */
static gboolean
step_reconnect_keys (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsRequestEditor *editor = ls_stream_page_get_editor (page);
  guint32 before = ls_stream_get_id (ls_stream_page_get_stream (page));
  g_autofree char *url = NULL;
  GtkWidget *entry;

  /* Ids, not pointers: a new stream may reuse the old one's address. */
  g_assert_true (ls_request_editor_get_running (editor));
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.reconnect", NULL);
  g_assert_cmpuint (ls_stream_get_id (ls_stream_page_get_stream (page)), >, before);
  before = ls_stream_get_id (ls_stream_page_get_stream (page));

  url = g_strdup_printf ("%s/sse/ticks?rate=30", ls_demo_server_get_base_uri (ls_application_get_demo_server (run->app)));
  ls_request_editor_set_url (editor, url);
  entry = ls_gui_test_find_type (editor, GTK_TYPE_ENTRY);
  g_assert_nonnull (entry);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (ls_stream_get_id (ls_stream_page_get_stream (page)), >, before);
  g_assert_cmpstr (ls_stream_get_options (ls_stream_page_get_stream (page))->url, ==, url);
  g_assert_null (ls_request_editor_get_error (editor));

  return TRUE;
}

static LsPreferencesDialog *
find_preferences_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  LsPreferencesDialog *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (LS_IS_PREFERENCES_DIALOG (window))
        found = LS_PREFERENCES_DIALOG (window);
    }
  return found;
}

static void
set_spin (LsPreferencesDialog *dialog,
          const char          *key,
          double               value)
{
  GtkWidget *spin = _ls_preferences_dialog_get_widget (dialog, key);

  g_assert_true (GTK_IS_SPIN_BUTTON (spin));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
}

/* Each control of the Preferences writes its key, and the key reaches
 * what it governs at once: the recorder, the store on screen, the next
 * stream's options. */
static gboolean
step_preferences (gpointer data)
{
  TestRun *run = data;
  GSettings *settings = ls_application_get_settings (run->app);
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsRecorder *recorder = ls_application_get_recorder (run->app);
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (run->app), "app.preferences");
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;
  const LsStreamOptions *options;
  LsPreferencesDialog *dialog;
  guint64 max_events;

  g_assert_nonnull (settings);
  g_assert_cmpstr (accels[0], ==, "<Control>comma");
  g_assert_null (find_preferences_dialog ());
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
  dialog = find_preferences_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (run->window));

  /* Its own mnemonics do not clash either. */
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (dialog), >, 0);

  /* The controls show the keys' values. */
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (_ls_preferences_dialog_get_widget (dialog, "recorder-capacity"))),
                     ==, g_settings_get_uint (settings, "recorder-capacity"));

  set_spin (dialog, "recorder-capacity", 4096);
  g_assert_cmpuint (g_settings_get_uint (settings, "recorder-capacity"), ==, 4096);
  g_assert_cmpuint (ls_recorder_get_capacity (recorder), ==, 4096);

  set_spin (dialog, "event-retention", 50);
  g_assert_cmpuint (g_settings_get_uint64 (settings, "event-retention"), ==, 50);
  ls_event_store_get_limits (ls_stream_get_store (ls_stream_page_get_stream (page)), &max_events, NULL);
  g_assert_cmpuint (max_events, ==, 50);

  gtk_switch_set_active (GTK_SWITCH (_ls_preferences_dialog_get_widget (dialog, "reconnect-get")), FALSE);
  set_spin (dialog, "reconnect-delay-ms", 1234);
  set_spin (dialog, "idle-timeout", 7);
  set_spin (dialog, "stall-timeout", 9);
  g_assert_true (ls_stream_page_connect (page));
  options = ls_stream_get_options (ls_stream_page_get_stream (page));
  g_assert_false (options->reconnect);
  g_assert_cmpuint (options->reconnect_ms, ==, 1234);
  g_assert_cmpuint (options->idle_timeout_ms, ==, 7000);
  g_assert_cmpuint (options->stall_timeout_ms, ==, 9000);
  ls_event_store_get_limits (ls_stream_get_store (ls_stream_page_get_stream (page)), &max_events, NULL);
  g_assert_cmpuint (max_events, ==, 50);

  /* Back to the defaults, for the steps and tests that follow. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
  g_assert_cmpuint (ls_recorder_get_capacity (recorder), ==, g_settings_get_uint (settings, "recorder-capacity"));
  gtk_window_close (GTK_WINDOW (dialog));

  return TRUE;
}

/* ---- quiet when idle ------------------------------------------------------ */

#define IDLE_PROBE_PERIODS 3
/* Per probe period, at most a lag worth recording and the sample after it. */
#define IDLE_MAX_RECORDS 4

static void
idle_ticks (TestRun *run,
            guint64 *ui_ticks,
            guint64 *worker_ticks)
{
  LsLoopStats stats;

  ls_loop_probe_get_stats (_ls_window_get_ui_probe (run->window), &stats);
  *ui_ticks = stats.ticks;
  g_assert_true (ls_bridge_get_worker_loop_stats (ls_application_get_bridge (run->app), &stats, NULL));
  *worker_ticks = stats.ticks;
}

/* Nothing live: both probes sample slowly, the window is not frame-paced.
 * Past their first samples (a first depth is always written), counting
 * starts. */
static gboolean
step_idle_settled (gpointer data)
{
  TestRun *run = data;
  guint64 ui_ticks, worker_ticks;

  idle_ticks (run, &ui_ticks, &worker_ticks);
  if (ui_ticks < 2 || worker_ticks < 2)
    return FALSE;

  g_assert_false (ls_window_get_busy (run->window));
  g_assert_false (_ls_window_get_frame_paced (run->window));
  g_assert_false (ls_loop_probe_get_active (_ls_window_get_ui_probe (run->window)));
  run->idle_records = ls_recorder_get_total (ls_application_get_recorder (run->app));
  run->idle_ui_ticks = ui_ticks;
  run->idle_worker_ticks = worker_ticks;

  return TRUE;
}

/* N probe periods later the recorder has (almost) nothing new, however
 * long they took: an active probe alone writes two records per sample,
 * ten samples a second. */
static gboolean
step_idle_quiet (gpointer data)
{
  TestRun *run = data;
  guint64 ui_ticks, worker_ticks, records;

  idle_ticks (run, &ui_ticks, &worker_ticks);
  if (ui_ticks < run->idle_ui_ticks + IDLE_PROBE_PERIODS
      || worker_ticks < run->idle_worker_ticks + IDLE_PROBE_PERIODS)
    return FALSE;

  records = ls_recorder_get_total (ls_application_get_recorder (run->app)) - run->idle_records;
  g_test_message ("%" G_GUINT64_FORMAT " records in %u idle probe periods", records, IDLE_PROBE_PERIODS);
  g_assert_cmpuint (records, <=, IDLE_MAX_RECORDS);
  /* Not the number of ticks an active probe takes in that time. */
  g_assert_cmpuint (ui_ticks - run->idle_ui_ticks, <=, IDLE_PROBE_PERIODS + 1);
  g_assert_false (_ls_window_get_frame_paced (run->window));

  return TRUE;
}

/* A live stream makes the window frame-paced and the probes active;
 * stopping it makes everything idle again. */
static gboolean
step_live_then_stop (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);

  g_assert_true (ls_stream_page_get_live (page));
  g_assert_true (ls_window_get_busy (run->window));
  g_assert_true (_ls_window_get_frame_paced (run->window));
  g_assert_true (ls_loop_probe_get_active (_ls_window_get_ui_probe (run->window)));

  ls_stream_page_stop (page);
  return TRUE;
}

static gboolean
step_stopped_is_idle (gpointer data)
{
  TestRun *run = data;
  LsStream *stream = ls_stream_page_get_stream (ls_window_get_stream_page (run->window));

  if (ls_stream_get_state (stream) != LS_STREAM_CANCELLED)
    return FALSE;

  g_assert_false (ls_window_get_busy (run->window));
  g_assert_false (_ls_window_get_frame_paced (run->window));
  g_assert_false (ls_loop_probe_get_active (_ls_window_get_ui_probe (run->window)));

  return TRUE;
}

/* "Try the Demo Server" in a window started without --demo. */
static gboolean
step_try_demo (gpointer data)
{
  TestRun *run = data;

  g_assert_true (_ls_window_get_empty_state_visible (run->window));
  g_assert_null (ls_application_get_demo_server (run->app));
  /* What a launch from the desktop, without --demo, shows. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (run->window)) || !ls_gui_test_screenshot (run->window, "empty-window"))
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.try-demo", NULL);
  g_assert_false (_ls_window_get_empty_state_visible (run->window));
  g_assert_nonnull (ls_application_get_demo_server (run->app));

  return TRUE;
}

/* ---- screenshots --------------------------------------------------------- */

#define SHOT_WIDTH 1280
#define SHOT_HEIGHT 800

/* The window's own area at 1280×800 (the surface is larger by the margin
 * GTK keeps around a client-side decorated window), or as much of it as
 * the screen holds: GTK keeps a window within its monitor. Screenshots
 * for data/screenshots/ need a screen larger than 1280×800. */
static gboolean
step_resize_for_shots (gpointer data)
{
  TestRun *run = data;
  GtkWidget *window = GTK_WIDGET (run->window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkMonitor *monitor;
  GdkRectangle screen;
  int margin_width, margin_height;

  if (!gtk_widget_get_mapped (window) || gtk_widget_get_width (window) == 0)
    return FALSE;
  monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (window), surface);
  g_assert_nonnull (monitor);
  gdk_monitor_get_geometry (monitor, &screen);
  margin_width = gdk_surface_get_width (surface) - gtk_widget_get_width (window);
  margin_height = gdk_surface_get_height (surface) - gtk_widget_get_height (window);
  run->shot_width = MIN (SHOT_WIDTH, screen.width - margin_width);
  run->shot_height = MIN (SHOT_HEIGHT, screen.height - margin_height);
  if (g_getenv ("LS_SCREENSHOT_DIR") != NULL && (run->shot_width != SHOT_WIDTH || run->shot_height != SHOT_HEIGHT))
    g_error ("a %d×%d screen cannot hold a %d×%d window: run under xvfb-run -s '-screen 0 1920x1080x24'",
             screen.width, screen.height, SHOT_WIDTH, SHOT_HEIGHT);
  g_assert_true (ls_gui_test_resize_window (run->window, run->shot_width + margin_width,
                                            run->shot_height + margin_height));
  return TRUE;
}

static gboolean
step_shot_size (gpointer data)
{
  TestRun *run = data;

  return gtk_widget_get_width (GTK_WIDGET (run->window)) == run->shot_width
         && gtk_widget_get_height (GTK_WIDGET (run->window)) == run->shot_height;
}

static gint64
frame_counter (TestRun *run)
{
  return gdk_frame_clock_get_frame_counter (gtk_widget_get_frame_clock (GTK_WIDGET (run->window)));
}

/* The whole window showing @page (@widget), once @ready and drawn so,
 * the page switch's transition over: a PNG of exactly the window's size,
 * in LS_SCREENSHOT_DIR as PAGE.png when that is set. */
static gboolean
shoot_page (TestRun    *run,
            const char *page,
            gpointer    widget,
            gboolean    ready)
{
  const char *dir = g_getenv ("LS_SCREENSHOT_DIR");
  GtkWidget *stack = gtk_widget_get_ancestor (widget, GTK_TYPE_STACK);
  g_autofree char *name = g_strconcat (page, ".png", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (run->shot_page, page) != 0)
    {
      ls_window_show_page (run->window, page);
      run->shot_page = page;
      run->shot_frame = -1;
      return FALSE;
    }
  g_assert_nonnull (stack);
  if (!ready || !gtk_widget_get_mapped (widget) || gtk_stack_get_transition_running (GTK_STACK (stack))
      || !step_shot_size (run))
    return FALSE;
  /* Two frames more: one lays out what is ready, the next draws it. */
  if (run->shot_frame < 0)
    run->shot_frame = frame_counter (run);
  if (frame_counter (run) < run->shot_frame + 2)
    return FALSE;

  if (dir != NULL)
    {
      path = g_build_filename (dir, name, NULL);
      if (!ls_gui_test_save_screenshot_to (run->window, path))
        return FALSE;
    }
  else
    {
      g_autofree char *shot = g_strconcat ("page-", page, NULL);

      path = ls_gui_test_save_screenshot (run->window, shot);
      if (path == NULL)
        return FALSE;
    }
  g_test_message ("%s page: %s", page, path);

  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, run->shot_width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, run->shot_height);
  return TRUE;
}

/* The Stream page some seconds into the stream (the timeline then has a
 * few seconds to show too), one event open in the detail pane. */
static gboolean
step_shot_stream (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsEventPanel *panel = ls_stream_page_get_event_panel (page);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (ls_event_panel_get_list (panel)));

  if (!run->shot_selected && n >= 100)
    {
      _ls_event_panel_select (panel, n - 4);
      run->shot_selected = TRUE;
    }
  return shoot_page (run, "stream", page, run->shot_selected);
}

static gboolean
step_shot_timeline (gpointer data)
{
  TestRun *run = data;
  LsTimelineView *timeline = ls_timeline_page_get_view (ls_window_get_timeline_page (run->window));
  gboolean mapped = gtk_widget_get_mapped (GTK_WIDGET (timeline));

  if (mapped)
    _ls_timeline_view_refresh (timeline);
  /* The task list as the view's records have it, once (it follows them
   * at most four times a second by itself). */
  if (mapped && run->shot_frame < 0 && _ls_timeline_view_get_n_records (timeline) > 100
      && g_object_get_data (G_OBJECT (timeline), "ls-shot-tasks") == NULL)
    {
      ls_task_list_refresh (ls_timeline_page_get_task_list (ls_window_get_timeline_page (run->window)));
      g_object_set_data (G_OBJECT (timeline), "ls-shot-tasks", GINT_TO_POINTER (1));
    }
  return shoot_page (run, "timeline", ls_window_get_timeline_page (run->window),
                     mapped && _ls_timeline_view_get_n_records (timeline) > 100);
}

static gboolean
step_shot_loops (gpointer data)
{
  TestRun *run = data;
  LsLoopsPage *loops = ls_window_get_loops_page (run->window);

  return shoot_page (run, "loops", loops,
                     _ls_loop_card_get_thread_id (ls_loops_page_get_worker_card (loops)) != 0
                     && _ls_loop_card_get_thread_id (ls_loops_page_get_ui_card (loops)) != 0);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_window_smoke (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "idle settled", step_idle_settled },
    { "idle is quiet", step_idle_quiet },
    { "keys", step_keys },
    { "both loops live", step_both_loops_live },
    { "start stress", step_start_small_stress },
    { "stress done", step_stress_done },
    { "quit", ls_gui_test_step_quit },
  };

  test_run_script (steps, G_N_ELEMENTS (steps));
}

static void
test_window_bridge_closed (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "both loops live", step_both_loops_live },
    { "start stress, stop bridge", step_start_big_stress_and_stop_bridge },
    { "stress failed", step_stress_failed },
    { "quit", ls_gui_test_step_quit },
  };

  test_run_script (steps, G_N_ELEMENTS (steps));
}

/* --demo end to end, then quit with the stream still live: run() must
 * return (the stream is cancelled, the worker stops, the demo server
 * stops after it). */
static void
test_window_demo (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "demo events shown", step_demo_events_shown },
    { "every page fits 800x600", step_fits_800x600 },
    { "bad URL refused", step_bad_url_refused },
    { "preferences", step_preferences },
    { "Ctrl+R and Enter reconnect", step_reconnect_keys },
    { "the new stream's events shown", step_new_stream_events_shown },
    { "timeline has records", step_timeline_has_records },
    { "show an event on the timeline", step_show_on_timeline },
    { "the timeline shows it", step_timeline_shown },
    { "export trace", step_export_trace },
    { "trace written", step_trace_written },
    { "quit with a live stream", ls_gui_test_step_quit },
  };

  test_run_script_full (steps, G_N_ELEMENTS (steps), TRUE);
}

static void
test_window_try_demo (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "try the demo server", step_try_demo },
    { "demo events shown", step_demo_events_shown },
    { "live, then stop", step_live_then_stop },
    { "stopped is idle", step_stopped_is_idle },
    { "quit with a live stream", ls_gui_test_step_quit },
  };

  test_run_script (steps, G_N_ELEMENTS (steps));
}

static void
test_window_screenshots (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "demo events shown", step_demo_events_shown },
    { "resize to 1280x800", step_resize_for_shots },
    { "window at 1280x800", step_shot_size },
    { "Stream page", step_shot_stream },
    { "Timeline page", step_shot_timeline },
    { "Loops page", step_shot_loops },
    { "quit with a live stream", ls_gui_test_step_quit },
  };

  /* The UI loop's card names its thread: the one the real binary has. */
  g_assert_cmpint (prctl (PR_SET_NAME, "loopscope", 0, 0, 0), ==, 0);
  test_run_script_full (steps, G_N_ELEMENTS (steps), TRUE);
}

int
main (int   argc,
      char *argv[])
{
  if (!ls_gui_test_init (&argc, &argv, "/window/smoke"))
    return g_test_run ();

  g_test_add_func ("/window/smoke", test_window_smoke);
  g_test_add_func ("/window/bridge-closed", test_window_bridge_closed);
  g_test_add_func ("/window/demo", test_window_demo);
  g_test_add_func ("/window/try-demo", test_window_try_demo);
  g_test_add_func ("/window/screenshots", test_window_screenshots);

  return g_test_run ();
}
