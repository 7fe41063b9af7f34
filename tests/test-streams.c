/* test-streams.c: several streams in one window, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application starts with its demo server and the demo stream; the
 * sidebar is hidden while that is the only stream. Eight more streams at
 * other rates and one duplicate make ten: each row says "Open" with its
 * path and host, a rate and a sparkline; the demo server serves ten
 * connections; stream ids are distinct; the duplicate has the same
 * request. Selecting a row shows its page, and the Timeline its stream's
 * spans only (or every stream's, with "All Streams"), and the Loops page
 * its mailbox first. Closing five rows
 * (their row action) cancels their streams and the server sees five
 * connections go. Stop on a row cancels its stream and keeps the row ("Stopped"). Quitting
 * with the rest live ends cleanly (the runner checks the window and the
 * worker are gone).
 */
#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-timeline-view.h"
#include "ls-stream-row.h"
#include "ls-window.h"
#include "ls-window-private.h"

#define N_STREAMS 10
#define N_CLOSED  5

typedef struct
{
  LsApplication *app;
  LsWindow      *window;
  LsStreamPage  *first;
  LsStreamPage  *duplicate;
  GPtrArray     *closed_streams; /* references to the streams whose rows were closed */
  LsStream      *stopped;
} TestRun;

static LsDemoServer *
demo_of (TestRun *run)
{
  return ls_application_get_demo_server (run->app);
}

static LsStreamState
page_state (LsStreamPage *page)
{
  LsStream *stream = ls_stream_page_get_stream (page);

  return stream != NULL ? ls_stream_get_state (stream) : LS_STREAM_IDLE;
}

static gboolean
step_demo_open (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  run->first = ls_window_get_stream_page (run->window);
  if (page_state (run->first) != LS_STREAM_OPEN)
    return FALSE;
  /* One stream: no sidebar. */
  g_assert_false (_ls_window_get_sidebar_visible (run->window));
  return TRUE;
}

static gboolean
is_sidebar_button (gpointer widget,
                   gpointer data)
{
  return GTK_IS_TOGGLE_BUTTON (widget)
         && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "sidebar-show-symbolic") == 0;
}

static gboolean
step_open_more (gpointer data)
{
  TestRun *run = data;
  const char *base = ls_demo_server_get_base_uri (demo_of (run));

  for (guint i = 1; i < N_STREAMS - 1; i++)
    {
      LsStreamPage *page = ls_window_new_stream (run->window);
      g_autofree char *url = g_strdup_printf ("%s/sse/ticks?rate=%u", base, 10 * i);

      g_assert_true (ls_window_get_stream_page (run->window) == page);
      g_assert_cmpstr (ls_stream_page_get_title (page, NULL), ==, "New Stream");
      ls_request_editor_set_url (ls_stream_page_get_editor (page), url);
      g_assert_true (ls_stream_page_connect (page));
    }
  /* The first one's request again, as its row's Duplicate does. */
  ls_window_select_stream (run->window, run->first);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (_ls_window_get_stream_row (run->window, run->first)),
                                             "row.duplicate", NULL));
  run->duplicate = ls_window_get_stream_page (run->window);
  g_assert_true (run->duplicate != run->first);
  g_assert_true (_ls_window_get_sidebar_visible (run->window));
  /* Its header-bar button (F9) hides it and shows it again. */
  {
    GtkToggleButton *button = ls_gui_test_find (gtk_window_get_titlebar (GTK_WINDOW (run->window)),
                                                is_sidebar_button, NULL);

    g_assert_nonnull (button);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (button)));
    gtk_toggle_button_set_active (button, FALSE);
    g_assert_false (_ls_window_get_sidebar_visible (run->window));
    gtk_toggle_button_set_active (button, TRUE);
    g_assert_true (_ls_window_get_sidebar_visible (run->window));
  }
  return TRUE;
}

static gboolean
step_all_open (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);
  g_autoptr(GHashTable) ids = g_hash_table_new (NULL, NULL);

  g_assert_cmpuint (pages->len, ==, N_STREAMS);
  for (guint i = 0; i < pages->len; i++)
    if (page_state (g_ptr_array_index (pages, i)) != LS_STREAM_OPEN)
      return FALSE;
  if (ls_demo_server_get_n_connections (demo_of (run)) != N_STREAMS)
    return FALSE;

  g_assert_cmpuint (ls_window_get_n_live_streams (run->window), ==, N_STREAMS);
  for (guint i = 0; i < pages->len; i++)
    {
      LsStreamPage *page = g_ptr_array_index (pages, i);
      LsStream *stream = ls_stream_page_get_stream (page);
      const char *location = NULL;
      const char *css = NULL;

      g_assert_cmpstr (ls_stream_page_get_summary (page, &css), ==, "Open");
      g_assert_cmpstr (css, ==, "running");
      g_assert_true (g_str_has_prefix (ls_stream_page_get_title (page, &location), "/sse/ticks?rate="));
      g_assert_true (g_str_has_prefix (ls_demo_server_get_base_uri (demo_of (run)), "http://"));
      g_assert_cmpstr (location, ==, ls_demo_server_get_base_uri (demo_of (run)) + strlen ("http://"));
      g_assert_false (g_hash_table_contains (ids, GUINT_TO_POINTER (ls_stream_get_id (stream))));
      g_hash_table_add (ids, GUINT_TO_POINTER (ls_stream_get_id (stream)));
    }
  /* The duplicate: the same request, a stream of its own. */
  g_assert_cmpstr (ls_stream_get_options (ls_stream_page_get_stream (run->duplicate))->url, ==,
                   ls_stream_get_options (ls_stream_page_get_stream (run->first))->url);
  g_assert_true (ls_stream_page_get_stream (run->duplicate) != ls_stream_page_get_stream (run->first));
  return TRUE;
}

/* Each row's rate and sparkline, from the window's once-a-second refresh. */
static gboolean
step_rates_shown (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);

  for (guint i = 0; i < pages->len; i++)
    {
      LsStreamRow *row = _ls_window_get_stream_row (run->window, g_ptr_array_index (pages, i));
      const char *rate = ls_stream_row_get_rate_text (row);

      if (!g_str_has_suffix (rate, "/s") || g_str_has_prefix (rate, "0.0"))
        return FALSE;
    }
  return ls_gui_test_screenshot (run->window, "streams-sidebar");
}

static gboolean
is_all_streams_check (gpointer widget,
                      gpointer data)
{
  return GTK_IS_CHECK_BUTTON (widget)
         && g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)), "_All Streams") == 0;
}

/* The Timeline follows the sidebar: the selected stream's spans only,
 * until "All Streams" is checked. */
static gboolean
step_timeline_follows (gpointer data)
{
  TestRun *run = data;
  LsTimelinePage *page = ls_window_get_timeline_page (run->window);
  LsTimelineView *view = ls_timeline_page_get_view (page);
  GtkCheckButton *all = ls_gui_test_find (page, is_all_streams_check, NULL);
  guint32 selected = ls_stream_get_id (ls_stream_page_get_stream (ls_window_get_stream_page (run->window)));
  guint32 other = ls_stream_get_id (ls_stream_page_get_stream (run->first));
  g_autoptr(GArray) records = NULL;
  guint64 lost;
  guint n_selected = 0, n_other = 0;

  /* Once the page is the only one on screen (the stack cross-fades),
   * every Alt+key reaches one widget, "All Streams" among them. */
  g_assert_nonnull (all);
  ls_window_show_page (run->window, "timeline");
  if (!gtk_widget_get_mapped (GTK_WIDGET (all))
      || gtk_widget_get_mapped (GTK_WIDGET (ls_window_get_stream_page (run->window))))
    return FALSE;
  ls_gui_test_assert_mnemonics_unique (run->window);

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (all)));
  g_assert_false (gtk_check_button_get_active (all));
  g_assert_cmpuint (selected, !=, other);
  g_assert_cmpuint (ls_timeline_view_get_stream_filter (view), ==, selected);

  /* Each stream's reads are tagged with it; only the selected one's show. */
  records = ls_recorder_snapshot_since (ls_timeline_view_get_recorder (view), 0, &lost);
  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind != LS_RECORD_SPAN || g_strcmp0 (r->name, "stream.read") != 0)
        continue;
      if (r->stream_id == selected)
        {
          g_assert_true (ls_timeline_view_get_record_shown (view, r));
          n_selected++;
        }
      else if (r->stream_id == other)
        {
          g_assert_false (ls_timeline_view_get_record_shown (view, r));
          n_other++;
        }
    }
  if (n_selected == 0 || n_other == 0)
    return FALSE;

  gtk_check_button_set_active (all, TRUE);
  g_assert_cmpuint (ls_timeline_view_get_stream_filter (view), ==, 0);
  gtk_check_button_set_active (all, FALSE);
  g_assert_cmpuint (ls_timeline_view_get_stream_filter (view), ==, selected);
  /* Another row selected: the timeline follows it. */
  ls_window_select_stream (run->window, run->first);
  g_assert_cmpuint (ls_timeline_view_get_stream_filter (view), ==, other);
  ls_window_show_page (run->window, "stream");
  return TRUE;
}

/* The Loops page lists the selected stream's mailbox first among the UI
 * loop's queues, though more mailboxes are watched than it shows. */
static gboolean
step_loops_follow (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);
  LsStreamPage *late = g_ptr_array_index (pages, N_STREAMS - 2);
  g_autofree char *name = NULL;
  LsLoopStats stats;

  ls_window_select_stream (run->window, late);
  name = g_strdup_printf ("stream %u", ls_stream_get_id (ls_stream_page_get_stream (late)));
  ls_loop_probe_get_stats (_ls_window_get_ui_probe (run->window), &stats);
  if (stats.n_queues == 0 || g_strcmp0 (stats.queues[0].name, name) != 0)
    return FALSE;
  g_assert_cmpuint (stats.n_queues, >, LS_LOOP_MAX_QUEUES);
  return TRUE;
}

/* Selecting a row shows its page; closing five cancels their streams. */
static gboolean
step_select_and_close (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);
  LsStreamPage *third = g_ptr_array_index (pages, 2);

  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (_ls_window_get_stream_row (run->window, third)))),
                           GTK_LIST_BOX_ROW (_ls_window_get_stream_row (run->window, third)));
  g_assert_true (ls_window_get_stream_page (run->window) == third);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (third)) || !gtk_widget_get_mapped (GTK_WIDGET (run->window)));
  g_assert_true (gtk_stack_get_visible_child (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (third)))) == GTK_WIDGET (third));

  for (guint i = 0; i < N_CLOSED; i++)
    {
      LsStreamPage *page = g_ptr_array_index (pages, i);
      LsStreamRow *row = _ls_window_get_stream_row (run->window, page);

      g_ptr_array_add (run->closed_streams, g_object_ref (ls_stream_page_get_stream (page)));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.close", NULL));
      g_assert_null (_ls_window_get_stream_row (run->window, page));
    }
  {
    g_autoptr(GPtrArray) left = ls_window_list_streams (run->window);

    g_assert_cmpuint (left->len, ==, N_STREAMS - N_CLOSED);
    /* The selection moved to a row still there. */
    g_assert_true (g_ptr_array_find (left, ls_window_get_stream_page (run->window), NULL));
  }
  return TRUE;
}

static gboolean
step_closed_cancelled (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = NULL;
  LsStreamRow *row;

  for (guint i = 0; i < run->closed_streams->len; i++)
    if (ls_stream_get_state (g_ptr_array_index (run->closed_streams, i)) != LS_STREAM_CANCELLED)
      return FALSE;
  if (ls_demo_server_get_n_connections (demo_of (run)) != N_STREAMS - N_CLOSED)
    return FALSE;
  g_assert_cmpuint (ls_window_get_n_live_streams (run->window), ==, N_STREAMS - N_CLOSED);

  /* Stop keeps the row. */
  pages = ls_window_list_streams (run->window);
  row = _ls_window_get_stream_row (run->window, g_ptr_array_index (pages, 0));
  run->stopped = g_object_ref (ls_stream_page_get_stream (ls_stream_row_get_page (row)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.stop", NULL));
  return TRUE;
}

static gboolean
step_stopped (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GPtrArray) pages = ls_window_list_streams (run->window);

  if (ls_stream_get_state (run->stopped) != LS_STREAM_CANCELLED)
    return FALSE;
  g_assert_cmpuint (pages->len, ==, N_STREAMS - N_CLOSED);
  g_assert_cmpstr (ls_stream_page_get_summary (g_ptr_array_index (pages, 0), NULL), ==, "Stopped");
  g_assert_cmpuint (ls_window_get_n_live_streams (run->window), ==, N_STREAMS - N_CLOSED - 1);
  return TRUE;
}

static void
test_streams (void)
{
  static const LsGuiStep steps[] = {
    { "demo stream open", step_demo_open },
    { "open nine more", step_open_more },
    { "ten open", step_all_open },
    { "rates shown", step_rates_shown },
    { "the timeline follows the selection", step_timeline_follows },
    { "the loops page follows it", step_loops_follow },
    { "select, close five", step_select_and_close },
    { "closed streams cancelled, stop one", step_closed_cancelled },
    { "stopped, row kept", step_stopped },
    { "quit with four live", ls_gui_test_step_quit },
  };
  TestRun run = { NULL, };

  run.closed_streams = g_ptr_array_new_with_free_func (g_object_unref);
  ls_gui_test_run_new_app (TRUE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app,
                           (gpointer *) &run.window, NULL);
  g_ptr_array_unref (run.closed_streams);
  g_clear_object (&run.stopped);
}

int
main (int   argc,
      char *argv[])
{
  return ls_gui_test_main (&argc, &argv, "/streams/ten", test_streams);
}
