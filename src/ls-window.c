/* ls-window.c: the main window: header bar, streams sidebar, the four pages, the banner, the status line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shell. It wires the pages to the engine the application owns
 * (the UI loop's probe included), owns the bridge stress test (LsStress)
 * with its actions, offers the demo server until something connects,
 * shows a problem as a one-line banner over whichever page is up, and
 * refreshes the Loops page (when shown) and the status line: once per
 * frame while busy (a live stream or a stress run), once a second
 * otherwise, so that an idle window draws nothing and seldom wakes up.
 * Everything here runs on the UI thread.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-settings.h"
#include "ls-capture-files.h"
#include "ls-stream-row.h"
#include "ls-ui-util.h"
#include "ls-window.h"
#include "ls-window-private.h"

struct _LsWindow
{
  GtkApplicationWindow  parent_instance;

  /* Template widgets */
  GtkStack             *stack;
  GtkWidget            *sidebar;
  GtkToggleButton      *sidebar_button;
  GtkListBox           *stream_list;
  GtkStack             *streams_stack;
  LsTimelinePage       *timeline_page;
  LsLoopsPage          *loops_page;
  LsComparePage        *compare_page;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  GtkLabel             *status_label;
  GtkWidget            *empty_state;

  /* Borrowed from the application, referenced for our lifetime */
  LsBridge             *bridge;
  LsRecorder           *recorder;
  GSettings            *settings;

  LsBridge             *stream_bridge;   /* what new pages get: NULL when the engine failed to start */
  LsStreamPage         *stream_page;     /* the selected stream's page; always one */
  guint32               followed_stream; /* what the Timeline was last told to follow */
  guint                 followed_n;
  gint64                rows_refreshed_us;

  LsLoopProbe          *ui_probe;
  LsStress             *stress;
  guint                 tick_id;         /* frame-paced refresh, while busy and mapped */
  guint                 idle_refresh_id; /* once a second, while idle and mapped */
  gboolean              busy;            /* live stream or stress run, on screen */

  /* Last figures shown in the status line, to format only on change */
  guint64               shown_guards;
  guint64               shown_total;
  guint64               shown_dropped;
  gboolean              status_shown;

  GCancellable         *files_cancellable; /* captures and exports; cancelled when the window goes */
  guint                 files_pending;
  char                 *opening_name;
  gboolean              worker_thread_known;

  /* GTK's frame phases, timed from the frame clock's signals */
  GdkFrameClock        *timed_clock;
  gint64                frame_dispatch;  /* ls_loop_probe_dispatch_begin(), 0: none */
  gint64                frame_start_us;
  gint64                layout_start_us;
  gint64                layout_end_us;
  gint64                paint_end_us;
};

G_DEFINE_FINAL_TYPE (LsWindow, ls_window, GTK_TYPE_APPLICATION_WINDOW)

static void
ls_window_show_banner (LsWindow   *self,
                       const char *message)
{
  g_assert (LS_IS_WINDOW (self));

  gtk_label_set_label (self->banner_label, message);
  gtk_revealer_set_reveal_child (self->banner_revealer, message != NULL);
}

static gboolean
ls_window_worker_accepts_work (LsWindow *self)
{
  return self->bridge != NULL
         && !ls_bridge_is_closed (self->bridge)
         && ls_bridge_get_worker_state (self->bridge) == LS_WORKER_RUNNING;
}

static void
ls_window_update_actions (LsWindow *self)
{
  gboolean running = self->stress != NULL && ls_stress_get_state (self->stress) == LS_STRESS_RUNNING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stress-test",
                                 !running && ls_window_worker_accepts_work (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stress-test-cancel", running);
}

/* The empty state offers the demo server until the first connect, or
 * the first stream that goes live. */
static void
ls_window_hide_empty_state (LsWindow *self)
{
  gtk_widget_set_visible (self->empty_state, FALSE);
}

static void
on_editor_connect_cb (LsWindow        *self,
                      LsRequestEditor *editor)
{
  ls_window_hide_empty_state (self);
}

/* Live: the table on screen keeps the new number of events at once. */
/**
 * ls_window_get_n_live_streams:
 *
 * Returns: how many of the sidebar's streams are connecting, open or
 *   waiting to reconnect
 */
guint
ls_window_get_n_live_streams (LsWindow *self)
{
  guint n = 0;

  g_return_val_if_fail (LS_IS_WINDOW (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->streams_stack));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (ls_stream_page_get_live (LS_STREAM_PAGE (child)))
      n++;
  return n;
}

static void
on_event_retention_changed_cb (LsWindow   *self,
                               const char *key,
                               GSettings  *settings)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->streams_stack));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      LsStream *stream = ls_stream_page_get_stream (LS_STREAM_PAGE (child));

      if (stream != NULL)
        ls_settings_apply_store_limits (settings, ls_stream_get_store (stream));
    }
}

/* ---- once per frame ------------------------------------------------------ */

static void
ls_window_refresh_status (LsWindow *self)
{
  guint64 guards = ls_bridge_get_guard_count (self->bridge);
  guint64 total = ls_recorder_get_total (self->recorder);
  guint64 dropped = ls_recorder_get_dropped (self->recorder);
  guint64 dropped_history = ls_recorder_get_dropped_history (self->recorder);
  g_autofree char *text = NULL;
  char a[32];
  char b[32];
  char c[32];
  char d[32];

  if (self->status_shown
      && guards == self->shown_guards
      && total == self->shown_total
      && dropped == self->shown_dropped)
    return;

  self->status_shown = TRUE;
  self->shown_guards = guards;
  self->shown_total = total;
  self->shown_dropped = dropped;

  if (dropped == 0)
    /* Translators: the status line: guard events refused by the bridge,
     * records in the task recorder, and how many it had to drop */
    text = g_strdup_printf (_("Guards: %s  ·  Records: %s (dropped %s)"),
                            ls_format_count (a, sizeof a, guards),
                            ls_format_count (b, sizeof b, total),
                            ls_format_count (c, sizeof c, dropped));
  else
    /* Translators: the status line once the recorder dropped some: of
     * its history (streams, crossings, guard events) and of its samples
     * (counters, stress test round trips), kept apart */
    text = g_strdup_printf (_("Guards: %s  ·  Records: %s (dropped: %s of history, %s samples)"),
                            ls_format_count (a, sizeof a, guards),
                            ls_format_count (b, sizeof b, total),
                            ls_format_count (c, sizeof c, dropped_history),
                            ls_format_count (d, sizeof d, dropped - MIN (dropped, dropped_history)));
  gtk_label_set_label (self->status_label, text);
}

/* The Loops page only while shown; it is refreshed when it is shown. */
/* The Timeline and the Loops page follow the sidebar's selection (its
 * stream may be replaced by a new connect at any time: looked at once
 * per refresh). */
static void
ls_window_follow_stream (LsWindow *self)
{
  LsStream *stream = self->stream_page != NULL ? ls_stream_page_get_stream (self->stream_page) : NULL;
  guint32 id = stream != NULL ? ls_stream_get_id (stream) : 0;
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    n++;
  if (id == self->followed_stream && n == self->followed_n)
    return;
  self->followed_stream = id;
  self->followed_n = n;
  ls_timeline_page_follow_stream (self->timeline_page, id, n);
  ls_loops_page_follow_stream (self->loops_page, id);
}

/* The sidebar's rates and sparklines, once a second. */
static void
ls_window_refresh_rows (LsWindow *self)
{
  gint64 now = g_get_monotonic_time ();

  if (now - self->rows_refreshed_us < G_USEC_PER_SEC - 20000)
    return;
  self->rows_refreshed_us = now;
  if (gtk_stack_get_visible_child (self->stack) == GTK_WIDGET (self->compare_page))
    ls_compare_page_refresh (self->compare_page);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (LS_IS_STREAM_ROW (row))
      {
        LsStreamPage *page = ls_stream_row_get_page (LS_STREAM_ROW (row));
        LsStream *stream = ls_stream_page_get_stream (page);

        ls_stream_row_refresh (LS_STREAM_ROW (row), now);
        /* The stream's lane on the timeline (and in a trace exported)
         * says which row it is. */
        if (stream != NULL && self->recorder != NULL)
          ls_recorder_set_stream_name (self->recorder, ls_stream_get_id (stream),
                                       ls_stream_page_get_title (page, NULL));
      }
}

static void
ls_window_refresh (LsWindow *self)
{
  if (gtk_stack_get_visible_child (self->stack) == GTK_WIDGET (self->loops_page))
    ls_loops_page_refresh (self->loops_page);
  ls_window_refresh_rows (self);
  ls_window_follow_stream (self);
  if (self->bridge != NULL)
    ls_window_refresh_status (self);
  /* The timeline's lanes follow threads: the worker's is known once it runs. */
  if (!self->worker_thread_known && self->bridge != NULL
      && ls_bridge_get_worker_state (self->bridge) == LS_WORKER_RUNNING)
    {
      LsLoopStats stats;

      if (ls_bridge_get_worker_loop_stats (self->bridge, &stats, NULL) && stats.thread_id != 0)
        {
          ls_timeline_view_set_loop_thread (ls_timeline_page_get_view (self->timeline_page),
                                            LS_LOOP_WORKER, stats.thread_id);
          self->worker_thread_known = TRUE;
        }
    }
}

static gboolean
ls_window_tick_cb (GtkWidget     *widget,
                   GdkFrameClock *frame_clock,
                   gpointer       user_data)
{
  ls_window_refresh (LS_WINDOW (widget));

  return G_SOURCE_CONTINUE;
}

static gboolean
ls_window_idle_refresh_cb (gpointer user_data)
{
  ls_window_refresh (LS_WINDOW (user_data));

  return G_SOURCE_CONTINUE;
}

/* Frame-paced while busy and on screen, once a second while idle, not at
 * all while unmapped; the application follows (loop probes' rate): a
 * minimized window streaming in the background keeps the probes idle. */
static void
ls_window_update_pacing (LsWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean busy = ls_window_get_n_live_streams (self) > 0
                  || (self->stress != NULL && ls_stress_get_state (self->stress) == LS_STRESS_RUNNING);
  gboolean mapped = gtk_widget_get_mapped (widget);

  ls_widget_set_pace (widget, busy, &self->tick_id, ls_window_tick_cb,
                      &self->idle_refresh_id, ls_window_idle_refresh_cb);

  if ((busy && mapped) != self->busy)
    {
      self->busy = busy && mapped;
      /* The last figures of a run, without waiting for the next second. */
      ls_window_refresh (self);
      if (LS_IS_APPLICATION (app))
        ls_application_update_activity (LS_APPLICATION (app));
    }
}

static void ls_window_update_file_actions (LsWindow *self);

static void
on_stream_live_cb (LsWindow     *self,
                   GParamSpec   *pspec,
                   LsStreamPage *page)
{
  /* However the stream was started (the editor, the command line, code),
   * its table and state replace the offer of the demo server. */
  if (ls_stream_page_get_live (page))
    ls_window_hide_empty_state (self);
  ls_window_update_pacing (self);
  if (page == self->stream_page)
    ls_window_update_file_actions (self);
}

static void
on_visible_page_cb (LsWindow   *self,
                    GParamSpec *pspec,
                    GtkStack   *stack)
{
  if (gtk_stack_get_visible_child (stack) == GTK_WIDGET (self->compare_page))
    ls_compare_page_refresh (self->compare_page);
  ls_window_refresh (self);
}

/* ---- engine signals ------------------------------------------------------- */

static void
on_worker_state_cb (LsWindow   *self,
                    GParamSpec *pspec,
                    LsBridge   *bridge)
{
  LsWorkerState state = ls_bridge_get_worker_state (bridge);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  g_assert (LS_IS_WINDOW (self));

  /* Expected while quitting; otherwise say so instead of failing later.
   * A stress run in progress ends by itself (as FAILED). */
  if ((state == LS_WORKER_STOPPING || state == LS_WORKER_CLOSED)
      && app != NULL && !ls_application_get_quitting (LS_APPLICATION (app)))
    ls_window_show_banner (self, _("The worker loop has stopped: the bridge is closed and accepts no more work."));

  ls_window_update_actions (self);
}

static void
on_stress_state_cb (LsWindow   *self,
                    GParamSpec *pspec,
                    LsStress   *stress)
{
  switch (ls_stress_get_state (stress))
    {
    case LS_STRESS_RUNNING:
      ls_window_show_banner (self, NULL);
      break;

    case LS_STRESS_FAILED:
      /* The bridge's own words, when it refused a request. */
      if (ls_stress_get_failure (stress) != NULL)
        ls_window_show_banner (self, ls_stress_get_failure (stress));
      break;

    case LS_STRESS_IDLE:
    case LS_STRESS_DONE:
    case LS_STRESS_CANCELLED:
    default:
      break;
    }

  ls_window_update_actions (self);
  ls_window_update_pacing (self);
}

static void
on_export_failed_cb (LsWindow       *self,
                     const char     *message,
                     LsTimelinePage *page)
{
  ls_window_show_banner (self, message);
}

/* ---- actions ------------------------------------------------------------- */

static void
ls_window_stress_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  ls_window_start_stress (LS_WINDOW (widget), LS_STRESS_DEFAULT_ROUND_TRIPS);
}

static void
ls_window_stress_cancel_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ls_window_cancel_stress (LS_WINDOW (widget));
}

/* The capture the Stream page shows, served again by the demo server and
 * streamed live from it. */
static void
ls_window_replay_capture_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(LsReplay) replay = NULL;
  g_autoptr(GError) error = NULL;

  replay = ls_stream_page_new_capture_replay (self->stream_page, &error);
  if (replay == NULL)
    {
      /* TRANSLATORS: what could not be done, then why. */
      g_autofree char *message = g_strdup_printf (_("Could not replay the capture: %s"), error->message);

      ls_window_show_banner (self, message);
      return;
    }
  ls_window_show_banner (self, ls_replay_get_warning (replay));
  if (LS_IS_APPLICATION (app))
    ls_application_connect_replay (LS_APPLICATION (app), self, replay, 1.0);
}

static void
ls_window_try_demo_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ls_window_use_demo (LS_WINDOW (widget));
}

/* Ctrl+R: the request in the editor, connected again (or for the first
 * time); while the stream waits to reconnect, it reconnects now. */
static void
ls_window_reconnect_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);

  ls_window_show_page (self, "stream");
  ls_stream_page_reconnect (self->stream_page);
}

static void
ls_window_focus_url_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);

  ls_window_show_page (self, "stream");
  ls_stream_page_focus_url (self->stream_page);
}

static void
ls_window_focus_filter_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);

  /* On the Timeline page, its task list's filter; elsewhere the events'. */
  if (gtk_stack_get_visible_child (self->stack) == GTK_WIDGET (self->timeline_page))
    {
      ls_timeline_page_focus_filter (self->timeline_page);
      return;
    }
  ls_window_show_page (self, "stream");
  ls_stream_page_focus_filter (self->stream_page);
}

/* ---- captures and exports ------------------------------------------------- */

static void
ls_window_update_file_actions (LsWindow *self)
{
  LsStream *stream = self->stream_page != NULL ? ls_stream_page_get_stream (self->stream_page) : NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-capture", stream != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-events", stream != NULL);
}

static void
file_failed (LsWindow     *self,
             const char   *what,
             const GError *error)
{
  g_autofree char *message = NULL;

  /* Cancelled means the window went away: nobody to tell. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* TRANSLATORS: what could not be done ("Could not save the capture"), then why. */
  message = g_strdup_printf (_("%s: %s"), what, error->message);
  ls_window_show_banner (self, message);
}

static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->files_pending--;
  if (!ls_capture_files_save_finish (result, &error))
    file_failed (self, _("Could not save the capture"), error);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->files_pending--;
  if (!ls_capture_files_export_events_finish (result, &error))
    file_failed (self, _("Could not export the events"), error);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCapture) capture = NULL;
  g_autofree char *name = g_steal_pointer (&self->opening_name);

  self->files_pending--;
  capture = ls_capture_files_open_finish (result, &error);
  if (g_cancellable_is_cancelled (self->files_cancellable))
    return;
  if (capture == NULL)
    {
      file_failed (self, _("Could not open the capture"), error);
      return;
    }
  ls_window_hide_empty_state (self);
  ls_window_show_page (self, "stream");
  /* Beside what is there: a capture never replaces a stream. */
  if (ls_stream_page_get_stream (self->stream_page) != NULL)
    ls_window_new_stream (self);
  if (ls_stream_page_show_capture (self->stream_page, capture, name))
    ls_window_show_banner (self, capture->warning);
  ls_window_update_file_actions (self);
}

void
_ls_window_save_capture (LsWindow *self,
                         GFile    *file,
                         gboolean  include_secrets)
{
  LsStream *stream = ls_stream_page_get_stream (self->stream_page);

  if (stream == NULL)
    return;
  self->files_pending++;
  ls_capture_files_save_async (stream, file, include_secrets, self->files_cancellable,
                               save_done_cb, g_object_ref (self));
}

void
_ls_window_export_events (LsWindow *self,
                          GFile    *file)
{
  LsStream *stream = ls_stream_page_get_stream (self->stream_page);

  if (stream == NULL)
    return;
  self->files_pending++;
  ls_capture_files_export_events_async (stream, file, self->files_cancellable,
                                        export_done_cb, g_object_ref (self));
}

void
_ls_window_open_capture (LsWindow *self,
                         GFile    *file)
{
  self->files_pending++;
  g_free (self->opening_name);
  self->opening_name = g_file_get_basename (file);
  ls_capture_files_open_async (file, self->files_cancellable, open_done_cb, g_object_ref (self));
}

guint
_ls_window_get_files_pending (LsWindow *self)
{
  return self->files_pending;
}

static void
save_chosen_cb (GFile    *file,
                gboolean  include_secrets,
                gpointer  user_data)
{
  g_autoptr(LsWindow) self = user_data;

  if (file != NULL)
    _ls_window_save_capture (self, file, include_secrets);
}

static void
export_chosen_cb (GFile    *file,
                  gboolean  include_secrets,
                  gpointer  user_data)
{
  g_autoptr(LsWindow) self = user_data;

  if (file != NULL)
    _ls_window_export_events (self, file);
}

static void
open_chosen_cb (GFile    *file,
                gboolean  include_secrets,
                gpointer  user_data)
{
  g_autoptr(LsWindow) self = user_data;

  if (file != NULL)
    _ls_window_open_capture (self, file);
}

static void
ls_window_file_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);
  static const char * const capture_patterns[] = { "*.jsonl", "*.jsonl.gz", "*.ndjson", "*.gz", NULL };
  static const char * const ndjson_patterns[] = { "*.jsonl", "*.ndjson", NULL };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (g_str_equal (action_name, "win.open-capture"))
    ls_capture_files_choose (GTK_WINDOW (self), FALSE, FALSE, _("Open Capture"), _("_Open"), NULL,
                             _("Loopscope captures (JSON lines)"), capture_patterns,
                             open_chosen_cb, g_object_ref (self));
  else if (g_str_equal (action_name, "win.save-capture"))
    {
      g_autofree char *name = g_date_time_format (now, "capture-%Y%m%d-%H%M%S.jsonl");

      ls_capture_files_choose (GTK_WINDOW (self), TRUE, TRUE, _("Save Capture"), _("_Save"), name,
                               _("Loopscope captures (JSON lines)"), capture_patterns,
                               save_chosen_cb, g_object_ref (self));
    }
  else
    {
      g_autofree char *name = g_date_time_format (now, "events-%Y%m%d-%H%M%S.jsonl");

      ls_capture_files_choose (GTK_WINDOW (self), TRUE, FALSE, _("Export Events"), _("_Export"), name,
                               _("Events (NDJSON)"), ndjson_patterns,
                               export_chosen_cb, g_object_ref (self));
    }
}

/* Ctrl+Shift+S exports from any page, not only from the Timeline. */
static gboolean
ls_window_export_trace_shortcut (GtkWidget *widget,
                                 GVariant  *args,
                                 gpointer   user_data)
{
  ls_timeline_page_export_trace (LS_WINDOW (widget)->timeline_page);

  return TRUE;
}

/* ---- the streams sidebar --------------------------------------------------- */

static void on_show_on_timeline_cb (LsEventPanel *panel,
                                    LsEventItem  *item,
                                    LsWindow     *self);

static LsStreamRow *
ls_window_find_row (LsWindow     *self,
                    LsStreamPage *page)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (LS_IS_STREAM_ROW (row) && ls_stream_row_get_page (LS_STREAM_ROW (row)) == page)
      return LS_STREAM_ROW (row);
  return NULL;
}

/* Sidebar and Stream page side by side need more than 1,000 pixels. */
#define SIDEBAR_MIN_WINDOW_WIDTH 1000

/* One stream needs no list: the sidebar shows from the second on, as
 * tabs do in GNOME's editors and browsers, unless its button (F9) hides
 * it. It starts hidden in a window too narrow for it beside the page. */
static void
ls_window_update_sidebar (LsWindow *self)
{
  GtkWidget *first = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
  g_autoptr(GPtrArray) pages = ls_window_list_streams (self);
  gboolean several = first != NULL && gtk_widget_get_next_sibling (first) != NULL;

  if (several && !gtk_widget_get_visible (GTK_WIDGET (self->sidebar_button)))
    {
      int width = gtk_widget_get_width (GTK_WIDGET (self));

      gtk_toggle_button_set_active (self->sidebar_button, width <= 0 || width >= SIDEBAR_MIN_WINDOW_WIDTH);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), several);
  gtk_widget_set_visible (self->sidebar, several && gtk_toggle_button_get_active (self->sidebar_button));
  ls_compare_page_set_streams (self->compare_page, pages);
  ls_compare_page_set_source (self->compare_page, self->stream_page);
  ls_window_follow_stream (self);
}

static void
on_sidebar_toggled_cb (LsWindow        *self,
                       GtkToggleButton *button)
{
  ls_window_update_sidebar (self);
}

/* F9, GNOME's key for a sidebar. */
static gboolean
ls_window_toggle_sidebar_shortcut (GtkWidget *widget,
                                   GVariant  *args,
                                   gpointer   user_data)
{
  LsWindow *self = LS_WINDOW (widget);

  if (gtk_widget_get_visible (GTK_WIDGET (self->sidebar_button)))
    gtk_toggle_button_set_active (self->sidebar_button, !gtk_toggle_button_get_active (self->sidebar_button));
  return TRUE;
}

/* The Stream page shows the selected row's page; file actions follow it. */
static void
on_row_selected_cb (LsWindow      *self,
                    GtkListBoxRow *row,
                    GtkListBox    *list)
{
  if (!LS_IS_STREAM_ROW (row))
    return;
  self->stream_page = ls_stream_row_get_page (LS_STREAM_ROW (row));
  gtk_stack_set_visible_child (self->streams_stack, GTK_WIDGET (self->stream_page));
  ls_compare_page_set_source (self->compare_page, self->stream_page);
  ls_window_update_file_actions (self);
  ls_window_follow_stream (self);
}

static void
on_row_close_cb (LsStreamRow *row,
                 LsWindow    *self)
{
  ls_window_close_stream (self, ls_stream_row_get_page (row));
}

static void
on_row_duplicate_cb (LsStreamRow *row,
                     LsWindow    *self)
{
  ls_window_duplicate_stream (self, ls_stream_row_get_page (row));
}

/**
 * ls_window_new_stream:
 *
 * A new, empty stream in the sidebar, selected (what "New Stream" does).
 *
 * Returns: (transfer none): its page
 */
LsStreamPage *
ls_window_new_stream (LsWindow *self)
{
  LsStreamPage *page;
  GtkWidget *row;

  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  page = LS_STREAM_PAGE (ls_stream_page_new ());
  ls_stream_page_set_settings (page, self->settings);
  ls_stream_page_set_bridge (page, self->stream_bridge);
  g_signal_connect_object (ls_stream_page_get_editor (page), "connect",
                           G_CALLBACK (on_editor_connect_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ls_stream_page_get_event_panel (page), "show-on-timeline",
                           G_CALLBACK (on_show_on_timeline_cb), self, 0);
  g_signal_connect_object (page, "notify::live", G_CALLBACK (on_stream_live_cb), self, G_CONNECT_SWAPPED);
  gtk_stack_add_child (self->streams_stack, GTK_WIDGET (page));

  row = ls_stream_row_new (page);
  g_signal_connect_object (row, "close", G_CALLBACK (on_row_close_cb), self, 0);
  g_signal_connect_object (row, "duplicate", G_CALLBACK (on_row_duplicate_cb), self, 0);
  gtk_list_box_append (self->stream_list, row);
  gtk_list_box_select_row (self->stream_list, GTK_LIST_BOX_ROW (row));
  ls_window_update_sidebar (self);

  return page;
}

/**
 * ls_window_duplicate_stream:
 * @page: a stream's page
 *
 * A new stream with @page's request, selected and connected.
 *
 * Returns: (transfer none): the new page
 */
LsStreamPage *
ls_window_duplicate_stream (LsWindow     *self,
                            LsStreamPage *page)
{
  LsStreamPage *copy;

  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);
  g_return_val_if_fail (LS_IS_STREAM_PAGE (page), NULL);

  copy = ls_window_new_stream (self);
  ls_request_editor_copy_from (ls_stream_page_get_editor (copy), ls_stream_page_get_editor (page));
  ls_window_hide_empty_state (self);
  ls_stream_page_connect (copy);
  return copy;
}

/**
 * ls_window_close_stream:
 * @page: a stream's page
 *
 * Cancels @page's stream (never blocks) and removes its row; the row
 * after it (else before) is selected. The last one closed leaves a new,
 * empty stream: the window always has one.
 */
void
ls_window_close_stream (LsWindow     *self,
                        LsStreamPage *page)
{
  g_autoptr(LsStreamPage) hold = NULL;
  LsStreamRow *row;
  GtkWidget *next;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (LS_IS_STREAM_PAGE (page));

  row = ls_window_find_row (self, page);
  if (row == NULL)
    return;
  hold = g_object_ref (page);
  next = gtk_widget_get_next_sibling (GTK_WIDGET (row));
  if (next == NULL)
    next = gtk_widget_get_prev_sibling (GTK_WIDGET (row));
  ls_stream_page_stop (page);
  if (self->stream_page == page)
    self->stream_page = NULL;
  gtk_list_box_remove (self->stream_list, GTK_WIDGET (row));
  gtk_stack_remove (self->streams_stack, GTK_WIDGET (page));

  if (LS_IS_STREAM_ROW (next))
    gtk_list_box_select_row (self->stream_list, GTK_LIST_BOX_ROW (next));
  else
    ls_window_new_stream (self);
  ls_window_update_sidebar (self);
  ls_window_update_pacing (self);
}

/* Shows @page's row selected, and @page on the Stream page. */
void
ls_window_select_stream (LsWindow     *self,
                         LsStreamPage *page)
{
  LsStreamRow *row;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (LS_IS_STREAM_PAGE (page));

  row = ls_window_find_row (self, page);
  if (row != NULL)
    gtk_list_box_select_row (self->stream_list, GTK_LIST_BOX_ROW (row));
}

GPtrArray *
ls_window_list_streams (LsWindow *self)
{
  GPtrArray *pages = g_ptr_array_new ();

  g_return_val_if_fail (LS_IS_WINDOW (self), pages);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (LS_IS_STREAM_ROW (row))
      g_ptr_array_add (pages, ls_stream_row_get_page (LS_STREAM_ROW (row)));
  return pages;
}

static void
ls_window_stream_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);

  ls_window_show_page (self, "stream");
  if (g_str_equal (action_name, "win.new-stream"))
    {
      ls_window_new_stream (self);
      ls_stream_page_focus_url (self->stream_page);
    }
  else if (g_str_equal (action_name, "win.duplicate-stream"))
    ls_window_duplicate_stream (self, self->stream_page);
  else
    ls_window_close_stream (self, self->stream_page);
}

/* ---- GObject ------------------------------------------------------------- */

static gboolean
ls_window_close_request (GtkWindow *window)
{
  LsWindow *self = LS_WINDOW (window);

  /* Size and maximized state only: nothing else belongs in GSettings. */
  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_apply (self->settings);
    }

  return GTK_WINDOW_CLASS (ls_window_parent_class)->close_request (window);
}

/* GtkWindow:application is not a construct property, so it is only set
 * after constructed(): the engine is wired up here, from ls_window_new(). */

/* An event row's "Show on Timeline": its path, socket to screen. */
static void
on_show_on_timeline_cb (LsEventPanel *panel,
                        LsEventItem  *item,
                        LsWindow     *self)
{
  const LsEventView *view;
  gint64 shown_us = 0;

  view = ls_event_item_get_view (item);
  if (!ls_event_panel_get_shown_time (panel, view->seq, &shown_us))
    shown_us = 0;
  ls_window_show_page (self, "timeline");
  ls_timeline_page_show_event_path (self->timeline_page, view->stream_id, view->time_us, shown_us);
}

static void
ls_window_setup (LsWindow      *self,
                 LsApplication *ls_app)
{
  g_assert (LS_IS_WINDOW (self));
  g_assert (LS_IS_APPLICATION (ls_app));

  g_set_object (&self->bridge, ls_application_get_bridge (ls_app));
  g_set_object (&self->recorder, ls_application_get_recorder (ls_app));
  g_set_object (&self->settings, ls_application_get_settings (ls_app));

  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  g_set_object (&self->ui_probe, ls_application_get_ui_probe (ls_app));
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::event-retention",
                             G_CALLBACK (on_event_retention_changed_cb), self, G_CONNECT_SWAPPED);

  if (self->bridge != NULL)
    {
      g_signal_connect_object (self->bridge, "notify::worker-state",
                               G_CALLBACK (on_worker_state_cb), self, G_CONNECT_SWAPPED);
      self->stress = ls_stress_new (self->bridge);
      g_signal_connect_object (self->stress, "notify::state",
                               G_CALLBACK (on_stress_state_cb), self, G_CONNECT_SWAPPED);
    }

  if (self->bridge != NULL && ls_application_get_engine_error (ls_app) == NULL)
    self->stream_bridge = g_object_ref (self->bridge);
  ls_window_new_stream (self);
  ls_timeline_page_set_recorder (self->timeline_page, self->recorder);
  ls_timeline_view_set_loop_thread (ls_timeline_page_get_view (self->timeline_page), LS_LOOP_UI,
                                    ls_current_thread_id ());
  ls_loops_page_set_engine (self->loops_page, self->ui_probe, self->bridge, self->stress);

  if (ls_application_get_engine_error (ls_app) != NULL)
    ls_window_show_banner (self, ls_application_get_engine_error (ls_app));

  g_signal_connect_object (self->stack, "notify::visible-child",
                           G_CALLBACK (on_visible_page_cb), self, G_CONNECT_SWAPPED);

  ls_window_update_actions (self);
  ls_window_refresh (self);
  ls_window_update_pacing (self);
}

/* ---- frame timings ----------------------------------------------------------
 *
 * GdkFrameTimings has no layout or paint times in GTK 4.8's API, so the
 * phases are timed from the frame clock's own signals, connected after
 * GTK's handlers: "update" ends where layout begins, "layout" and "paint"
 * end their phases, "after-paint" ends the frame. A frame is recorded on
 * the UI lane (a "frame" span, its "frame.layout" and "frame.paint"
 * children) while the UI probe is active, so an idle window writes
 * nothing; and the frame clock's dispatch is timed under its source's name
 * for the Loops page's slowest dispatches. */

static void
on_frame_before_paint_cb (GdkFrameClock *clock,
                          LsWindow      *self)
{
  if (self->frame_dispatch == 0)
    self->frame_dispatch = ls_loop_probe_dispatch_begin ();
  self->frame_start_us = g_get_monotonic_time ();
  self->layout_start_us = self->layout_end_us = self->paint_end_us = 0;
}

static void
on_frame_update_cb (GdkFrameClock *clock,
                    LsWindow      *self)
{
  self->layout_start_us = g_get_monotonic_time ();
}

static void
on_frame_layout_cb (GdkFrameClock *clock,
                    LsWindow      *self)
{
  self->layout_end_us = g_get_monotonic_time ();
}

static void
on_frame_paint_cb (GdkFrameClock *clock,
                   LsWindow      *self)
{
  self->paint_end_us = g_get_monotonic_time ();
}

static void
on_frame_after_paint_cb (GdkFrameClock *clock,
                         LsWindow      *self)
{
  gint64 end_us = g_get_monotonic_time ();
  gint64 dispatch = self->frame_dispatch;

  self->frame_dispatch = 0;
  ls_loop_probe_dispatch_end (dispatch);

  if (self->recorder != NULL && self->frame_start_us != 0 && self->ui_probe != NULL
      && ls_loop_probe_get_active (self->ui_probe))
    {
      guint64 frame = ls_recorder_next_span_id (self->recorder);
      gint64 layout_start = self->layout_start_us != 0 ? self->layout_start_us : self->frame_start_us;

      if (self->layout_end_us != 0)
        ls_recorder_add_span (self->recorder, &(LsSpan) {
                                .parent = frame, .name = "frame.layout", .category = "frame",
                                .loop = LS_LOOP_UI, .start_us = layout_start, .end_us = self->layout_end_us,
                              });
      if (self->paint_end_us != 0)
        ls_recorder_add_span (self->recorder, &(LsSpan) {
                                .parent = frame, .name = "frame.paint", .category = "frame",
                                .loop = LS_LOOP_UI,
                                .start_us = self->layout_end_us != 0 ? self->layout_end_us : layout_start,
                                .end_us = self->paint_end_us,
                              });
      ls_recorder_add_span (self->recorder, &(LsSpan) {
                              .task = frame, .name = "frame", .category = "frame",
                              .loop = LS_LOOP_UI, .start_us = self->frame_start_us, .end_us = end_us,
                              .items = gdk_frame_clock_get_frame_counter (clock),
                            });
    }
  self->frame_start_us = 0;
}

static void
ls_window_time_frames (LsWindow *self,
                       gboolean  on)
{
  GdkFrameClock *clock = on ? gtk_widget_get_frame_clock (GTK_WIDGET (self)) : NULL;

  if (clock == self->timed_clock)
    return;
  if (self->timed_clock != NULL)
    {
      /* By function: GTK's own handlers on the clock have the window as data too. */
      g_signal_handlers_disconnect_by_func (self->timed_clock, on_frame_before_paint_cb, self);
      g_signal_handlers_disconnect_by_func (self->timed_clock, on_frame_update_cb, self);
      g_signal_handlers_disconnect_by_func (self->timed_clock, on_frame_layout_cb, self);
      g_signal_handlers_disconnect_by_func (self->timed_clock, on_frame_paint_cb, self);
      g_signal_handlers_disconnect_by_func (self->timed_clock, on_frame_after_paint_cb, self);
      if (self->frame_dispatch != 0)
        ls_loop_probe_dispatch_end (self->frame_dispatch);
      self->frame_dispatch = 0;
    }
  g_set_object (&self->timed_clock, clock);
  if (clock == NULL)
    return;
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_frame_before_paint_cb), self);
  g_signal_connect_after (clock, "update", G_CALLBACK (on_frame_update_cb), self);
  g_signal_connect_after (clock, "layout", G_CALLBACK (on_frame_layout_cb), self);
  g_signal_connect_after (clock, "paint", G_CALLBACK (on_frame_paint_cb), self);
  g_signal_connect_after (clock, "after-paint", G_CALLBACK (on_frame_after_paint_cb), self);
}

static void
ls_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ls_window_parent_class)->map (widget);

  ls_window_time_frames (LS_WINDOW (widget), TRUE);

  ls_window_refresh (LS_WINDOW (widget));
  ls_window_update_pacing (LS_WINDOW (widget));
}

static void
ls_window_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ls_window_parent_class)->unmap (widget);

  ls_window_time_frames (LS_WINDOW (widget), FALSE);

  ls_window_update_pacing (LS_WINDOW (widget));
}

static void
ls_window_dispose (GObject *object)
{
  LsWindow *self = LS_WINDOW (object);

  ls_window_time_frames (self, FALSE);
  /* Close the stress run's mailbox first: after this no reply can come. */
  if (self->stress != NULL)
    {
      ls_stress_stop (self->stress);
      g_signal_handlers_disconnect_by_data (self->stress, self);
      g_clear_object (&self->stress);
    }

  ls_widget_set_ticking (GTK_WIDGET (self), &self->tick_id, FALSE, ls_window_tick_cb);
  g_clear_handle_id (&self->idle_refresh_id, g_source_remove);
  /* A capture or export still running finishes in its thread, unheard. */
  g_cancellable_cancel (self->files_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_WINDOW);

  g_clear_object (&self->ui_probe);

  g_clear_object (&self->stream_bridge);
  g_clear_object (&self->bridge);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ls_window_parent_class)->dispose (object);
}

static void
ls_window_finalize (GObject *object)
{
  LsWindow *self = LS_WINDOW (object);

  g_clear_object (&self->files_cancellable);
  g_free (self->opening_name);

  G_OBJECT_CLASS (ls_window_parent_class)->finalize (object);
}

static void
ls_window_class_init (LsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ls_window_dispose;
  object_class->finalize = ls_window_finalize;

  window_class->close_request = ls_window_close_request;
  widget_class->map = ls_window_map;
  widget_class->unmap = ls_window_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, sidebar_button);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_toggled_cb);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stream_list);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, streams_stack);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, timeline_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, loops_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, compare_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, empty_state);
  gtk_widget_class_bind_template_callback (widget_class, on_export_failed_cb);

  /* The stress test is the Loops page's Run and Cancel buttons; its only
   * key is Escape, to cancel a run. Accelerators of the other actions are
   * the application's (ls-application.c), so the shortcuts window shows them. */
  gtk_widget_class_install_action (widget_class, "win.stress-test", NULL, ls_window_stress_action);
  gtk_widget_class_install_action (widget_class, "win.stress-test-cancel", NULL, ls_window_stress_cancel_action);
  gtk_widget_class_install_action (widget_class, "win.try-demo", NULL, ls_window_try_demo_action);
  gtk_widget_class_install_action (widget_class, "win.replay-capture", NULL, ls_window_replay_capture_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect", NULL, ls_window_reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.focus-url", NULL, ls_window_focus_url_action);
  gtk_widget_class_install_action (widget_class, "win.focus-filter", NULL, ls_window_focus_filter_action);
  gtk_widget_class_install_action (widget_class, "win.open-capture", NULL, ls_window_file_action);
  gtk_widget_class_install_action (widget_class, "win.save-capture", NULL, ls_window_file_action);
  gtk_widget_class_install_action (widget_class, "win.export-events", NULL, ls_window_file_action);
  gtk_widget_class_install_action (widget_class, "win.new-stream", NULL, ls_window_stream_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate-stream", NULL, ls_window_stream_action);
  gtk_widget_class_install_action (widget_class, "win.close-stream", NULL, ls_window_stream_action);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                ls_window_export_trace_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F9, 0, ls_window_toggle_sidebar_shortcut, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stress-test-cancel", NULL);

  g_type_ensure (LS_TYPE_COMPARE_PAGE);
  g_type_ensure (LS_TYPE_LOOPS_PAGE);
  g_type_ensure (LS_TYPE_STREAM_PAGE);
  g_type_ensure (LS_TYPE_TIMELINE_PAGE);
}

static void
ls_window_init (LsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->stream_list, "row-selected",
                           G_CALLBACK (on_row_selected_cb), self, G_CONNECT_SWAPPED);
  self->files_cancellable = g_cancellable_new ();
  ls_window_update_file_actions (self);
}

LsWindow *
ls_window_new (LsApplication *application)
{
  LsWindow *self;

  g_return_val_if_fail (LS_IS_APPLICATION (application), NULL);

  self = g_object_new (LS_TYPE_WINDOW,
                       "application", application,
                       NULL);
  ls_window_setup (self, application);

  return self;
}

/**
 * ls_window_get_stream_page:
 *
 * Returns: (transfer none): the Stream page
 */
LsStreamPage *
ls_window_get_stream_page (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->stream_page;
}

/**
 * ls_window_get_timeline_page:
 *
 * Returns: (transfer none): the Timeline page
 */
LsTimelinePage *
ls_window_get_timeline_page (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->timeline_page;
}

/**
 * ls_window_get_compare_page:
 *
 * Returns: (transfer none): the Compare page
 */
LsComparePage *
ls_window_get_compare_page (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->compare_page;
}

/**
 * ls_window_get_loops_page:
 *
 * Returns: (transfer none): the Loops page
 */
LsLoopsPage *
ls_window_get_loops_page (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->loops_page;
}

/* "stream", "timeline", "loops" or "compare". */
void
ls_window_show_page (LsWindow   *self,
                     const char *name)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->stack, name);
}

/**
 * ls_window_start_demo:
 * @base_uri: the demo server's base URI
 *
 * Fills the request with the demo server's tick stream and connects.
 */
void
ls_window_start_demo (LsWindow   *self,
                      const char *base_uri)
{
  LsRequestEditor *editor;
  g_autofree char *url = NULL;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (base_uri != NULL);

  editor = ls_stream_page_get_editor (self->stream_page);
  url = g_strdup_printf ("%s/sse/ticks?rate=20", base_uri);
  ls_window_hide_empty_state (self);
  ls_request_editor_set_method (editor, "GET");
  ls_request_editor_set_url (editor, url);
  ls_request_editor_set_format (editor, LS_STREAM_FORMAT_AUTO);
  ls_request_editor_clear_headers (editor);
  ls_request_editor_set_body (editor, NULL);
  ls_stream_page_connect (self->stream_page);
}

/**
 * ls_window_start_replay:
 * @url: a replay's URL on the demo server
 * @format: the captured request's format
 *
 * Fills the request with @url (GET, no headers or body) and connects: a
 * live stream against the replay, in a new row when the selected one
 * holds a stream (the capture replayed).
 */
void
ls_window_start_replay (LsWindow       *self,
                        const char     *url,
                        LsStreamFormat  format)
{
  LsRequestEditor *editor;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (url != NULL);

  /* Beside the capture it replays (or any stream shown), in a row of its own. */
  if (ls_stream_page_get_stream (self->stream_page) != NULL)
    ls_window_new_stream (self);
  editor = ls_stream_page_get_editor (self->stream_page);
  ls_window_hide_empty_state (self);
  ls_window_show_page (self, "stream");
  ls_request_editor_set_method (editor, "GET");
  ls_request_editor_set_url (editor, url);
  ls_request_editor_set_format (editor, format);
  ls_request_editor_clear_headers (editor);
  ls_request_editor_set_body (editor, NULL);
  ls_stream_page_connect (self->stream_page);
}

/**
 * ls_window_use_demo:
 *
 * What "Try the Demo Server" (and --demo) does: starts the embedded demo
 * server unless it runs, and connects to its tick stream.
 */
void
ls_window_use_demo (LsWindow *self)
{
  GtkApplication *app;

  g_return_if_fail (LS_IS_WINDOW (self));

  app = gtk_window_get_application (GTK_WINDOW (self));
  ls_window_hide_empty_state (self);
  if (LS_IS_APPLICATION (app))
    ls_application_connect_demo (LS_APPLICATION (app), self);
}

/**
 * ls_window_load_request:
 * @request: method, URL, headers and body (the rest is the editor's)
 * @connect: whether to connect at once
 *
 * Fills the request editor, as the command line does. A request that
 * does not validate shows its reason under the URL.
 *
 * Returns: %TRUE if the stream started (or @connect is %FALSE)
 */
gboolean
ls_window_load_request (LsWindow              *self,
                        const LsStreamOptions *request,
                        gboolean               connect)
{
  LsRequestEditor *editor;

  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  editor = ls_stream_page_get_editor (self->stream_page);
  ls_window_hide_empty_state (self);
  ls_request_editor_set_method (editor, request->method != NULL ? request->method : "GET");
  ls_request_editor_set_url (editor, request->url);
  ls_request_editor_clear_headers (editor);
  for (guint i = 0; request->headers != NULL && i < request->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (request->headers, i);

      ls_request_editor_add_header (editor, header->name, header->value);
    }
  if (request->body != NULL)
    {
      g_autofree char *body = g_strndup (g_bytes_get_data (request->body, NULL),
                                         g_bytes_get_size (request->body));

      ls_request_editor_set_body (editor, body);
    }
  else
    ls_request_editor_set_body (editor, NULL);

  return !connect || ls_stream_page_connect (self->stream_page);
}

/**
 * ls_window_get_stress:
 *
 * Returns: (transfer none) (nullable): the bridge stress test, %NULL
 *   when the application has no bridge
 */
LsStress *
ls_window_get_stress (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->stress;
}

/**
 * ls_window_start_stress:
 * @n_round_trips: how many requests to send UI → worker → UI
 *
 * What "win.stress-test" does: starts a stress run unless one is running.
 * Progress and the result show on the Loops page; a problem shows as a
 * one-line banner.
 *
 * Returns: %TRUE if a run started
 */
gboolean
ls_window_start_stress (LsWindow *self,
                        guint     n_round_trips)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (n_round_trips > 0, FALSE);

  /* A run the bridge refused at once reports itself through "notify::state". */
  if (self->stress != NULL && ls_stress_start (self->stress, n_round_trips, &error))
    return ls_stress_get_state (self->stress) != LS_STRESS_FAILED;

  if (g_error_matches (error, LS_STRESS_ERROR, LS_STRESS_ERROR_BUSY))
    return FALSE;

  if (g_error_matches (error, LS_STRESS_ERROR, LS_STRESS_ERROR_BRIDGE_CLOSED))
    {
      ls_window_show_banner (self, _("The bridge refused a new mailbox: it is closed."));
      return FALSE;
    }

  /* No bridge, or a worker that takes no work. */
  ls_window_show_banner (self, _("The worker loop is not running: the bridge accepts no work."));
  ls_window_update_actions (self);

  return FALSE;
}

/* What "win.stress-test-cancel" (Escape) does. */
void
ls_window_cancel_stress (LsWindow *self)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  if (self->stress != NULL)
    ls_stress_stop (self->stress);
}

/* ---- test hooks ----------------------------------------------------------- */

LsLoopProbe *
_ls_window_get_ui_probe (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->ui_probe;
}

/* The problem the window is showing, or %NULL. */
const char *
_ls_window_get_banner (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->banner_revealer))
    return NULL;

  return gtk_label_get_label (self->banner_label);
}

/* Whether the window still offers the demo server. */
gboolean
_ls_window_get_empty_state_visible (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);

  return gtk_widget_get_visible (self->empty_state);
}

LsStreamRow *
_ls_window_get_stream_row (LsWindow     *self,
                           LsStreamPage *page)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return ls_window_find_row (self, page);
}

gboolean
_ls_window_get_sidebar_visible (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);

  return gtk_widget_get_visible (self->sidebar);
}

/* Whether the window is frame-paced now (a tick callback installed). */
gboolean
_ls_window_get_frame_paced (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);

  return self->tick_id != 0;
}

/**
 * ls_window_get_busy:
 *
 * Returns: whether a stream is live or a stress run is going on, with
 *   the window on screen (mapped)
 */
gboolean
ls_window_get_busy (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);

  return self->busy;
}
