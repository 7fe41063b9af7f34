/* ls-timeline-page.c: the Timeline page: the recorded tasks, live or paused, and trace export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A toolbar over an LsTimelineView. Paused, the view keeps what it shows
 * and the hint says so. "Open Trace…" loads a Chrome trace file (ours or
 * another tool's) into a recorder of its own, shown read-only until Live
 * returns to the application's recorder; a file refused says why in the
 * window's banner ("open-failed"). "Export Trace…" asks where to save
 * with a native file chooser whose "Include secrets" choice is off each
 * time it opens; the file is then written off the UI thread. A failed
 * export is not the page's to show: it emits "export-failed" and the
 * window puts the message in its banner. Going away cancels an export in
 * progress.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-task-list.h"
#include "ls-timeline-page.h"
#include "ls-timeline-view-private.h"
#include "ls-trace-export.h"

/* How far one click on a zoom button zooms. */
#define ZOOM_STEP 1.5
/* The side pane lists this many of a task's children at most. */
#define MAX_CHILD_ROWS 8
/* An ancestor chain longer than this is cut (a cycle in an imported trace). */
#define MAX_PARENT_ROWS 16

struct _LsTimelinePage
{
  GtkWidget             parent_instance;

  /* Template widgets */
  LsTimelineView       *timeline_view;
  LsTaskList           *task_list;
  GtkLabel             *timeline_hint_label;
  GtkCheckButton       *all_streams_check;
  GtkRevealer          *span_revealer;
  GtkLabel             *span_label;
  GtkListBox           *parents_list;
  GtkLabel             *children_label;
  GtkListBox           *children_list;

  LsRecorder           *live_recorder;  /* the application's */
  char                 *opened_name;    /* the trace file shown instead, or NULL */
  GtkFileChooserNative *export_chooser;
  GCancellable         *export_cancellable;
  GtkFileChooserNative *open_chooser;
  GCancellable         *open_cancellable;

  guint32               followed_stream; /* the sidebar's selection; 0: none */
};

G_DEFINE_FINAL_TYPE (LsTimelinePage, ls_timeline_page, GTK_TYPE_WIDGET)

enum {
  EXPORT_FAILED,
  OPEN_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- actions -------------------------------------------------------------- */

static void
ls_timeline_page_zoom_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  LsTimelinePage *self = LS_TIMELINE_PAGE (widget);
  gboolean zoom_in = g_str_equal (action_name, "timeline.zoom-in");

  /* Around the middle of the plot: there is no pointer to zoom around. */
  ls_timeline_view_zoom (self->timeline_view, zoom_in ? 1 / ZOOM_STEP : ZOOM_STEP,
                         gtk_widget_get_width (GTK_WIDGET (self->timeline_view)) / 2.0);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LsTimelinePage) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Cancelled means the page went away: nobody to tell. */
  if (!ls_trace_export_to_file_finish (LS_RECORDER (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the trace: %s"), error->message);

      g_signal_emit (self, signals[EXPORT_FAILED], 0, message);
    }
}

static void
on_export_response_cb (LsTimelinePage       *self,
                       int                   response,
                       GtkFileChooserNative *chooser)
{
  LsRecorder *recorder = ls_timeline_view_get_recorder (self->timeline_view);

  if (response == GTK_RESPONSE_ACCEPT && recorder != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *secrets = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "include-secrets");
      LsTraceExportFlags flags = g_strcmp0 (secrets, "true") == 0 ? LS_TRACE_EXPORT_INCLUDE_SECRETS
                                                                   : LS_TRACE_EXPORT_DEFAULT;

      if (file != NULL)
        ls_trace_export_to_file_async (recorder, file, flags, self->export_cancellable,
                                       export_done_cb, g_object_ref (self));
    }

  g_clear_object (&self->export_chooser);
}

static void
ls_timeline_page_export_trace_action (GtkWidget  *widget,
                                      const char *action_name,
                                      GVariant   *param)
{
  ls_timeline_page_export_trace (LS_TIMELINE_PAGE (widget));
}

/* What the hint under the toolbar says: what the view shows, and how. */
static void
ls_timeline_page_update_hint (LsTimelinePage *self)
{
  g_autofree char *text = NULL;

  if (self->opened_name != NULL)
    {
      LsRecorder *shown = ls_timeline_view_get_recorder (self->timeline_view);
      char n[32];

      /* TRANSLATORS: shown while an opened trace file is on the timeline. */
      text = g_strdup_printf (_("Trace file “%s”, read-only: %s records. Export saves what is shown; Live returns to recording."),
                              self->opened_name,
                              ls_format_count (n, sizeof n, shown != NULL ? ls_recorder_get_total (shown) : 0));
    }
  else if (!ls_timeline_view_get_live (self->timeline_view))
    text = g_strdup (_("Paused: the view keeps what it shows while recording goes on. Scroll or drag to pan, Ctrl+scroll to zoom."));
  else
    text = g_strdup (_("Bars are tasks (lighter lead-in: time queued), arrows are crossings between loops; red marks are guard events. Pause to pan with scroll or drag."));
  gtk_label_set_label (self->timeline_hint_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->timeline_hint_label), text);
}

static void
on_live_changed_cb (LsTimelinePage *self)
{
  /* Live again after an opened trace: back to the application's records. */
  if (ls_timeline_view_get_live (self->timeline_view) && self->opened_name != NULL)
    {
      g_clear_pointer (&self->opened_name, g_free);
      ls_timeline_view_set_recorder (self->timeline_view, self->live_recorder);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.export-trace", self->live_recorder != NULL);
    }
  ls_timeline_page_update_hint (self);
}

/* ---- the selected span's pane --------------------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* A row naming @r (NULL: task @task, not recorded yet); activating it
 * selects @r (the task, through its children, when not recorded). */
static void
add_span_row (GtkListBox     *list,
              const LsRecord *r,
              guint64         task)
{
  g_autofree char *text = NULL;
  GtkWidget *label;
  GtkWidget *row;
  char d[32];

  if (r != NULL)
    text = g_strdup_printf ("%s · %s", r->name != NULL ? r->name : "?",
                            ls_format_duration (d, sizeof d, r->end_us - r->start_us));
  else
    {
      char id[32];

      g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, task);
      /* TRANSLATORS: an ancestor whose span comes when it ends (a stream's, while it runs). */
      text = g_strdup_printf (_("Task %s, not recorded yet"), id);
    }
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  if (r != NULL)
    g_object_set_data_full (G_OBJECT (row), "ls-seq", g_memdup2 (&r->seq, sizeof r->seq), g_free);
  else
    g_object_set_data_full (G_OBJECT (row), "ls-task", g_memdup2 (&task, sizeof task), g_free);
  gtk_list_box_append (list, row);
}

static void
on_span_row_activated_cb (LsTimelinePage *self,
                          GtkListBoxRow  *row)
{
  const guint64 *seq = g_object_get_data (G_OBJECT (row), "ls-seq");
  const guint64 *task = g_object_get_data (G_OBJECT (row), "ls-task");

  if (seq != NULL)
    ls_timeline_view_select_seq (self->timeline_view, *seq);
  else if (task != NULL)
    ls_timeline_view_select_task (self->timeline_view, *task);
}

/* With several streams, the timeline shows the one selected in the
 * sidebar, or all of them. */
static void
ls_timeline_page_apply_stream_filter (LsTimelinePage *self)
{
  gboolean all = !gtk_widget_get_visible (GTK_WIDGET (self->all_streams_check))
                 || gtk_check_button_get_active (self->all_streams_check);

  ls_timeline_view_set_stream_filter (self->timeline_view, all ? 0 : self->followed_stream);
  ls_task_list_set_stream_filter (self->task_list, all ? 0 : self->followed_stream);
}

static void
on_all_streams_toggled_cb (LsTimelinePage *self,
                           GtkCheckButton *check)
{
  ls_timeline_page_apply_stream_filter (self);
}

/**
 * ls_timeline_page_follow_stream:
 * @stream_id: the stream selected in the sidebar (0: none)
 * @n_streams: how many streams the sidebar lists
 *
 * With two or more streams, the page offers "All Streams" and, unless it
 * is checked, shows the selected stream's work only (the loops' own work
 * always).
 */
void
ls_timeline_page_follow_stream (LsTimelinePage *self,
                                guint32         stream_id,
                                guint           n_streams)
{
  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));

  self->followed_stream = stream_id;
  gtk_widget_set_visible (GTK_WIDGET (self->all_streams_check), n_streams > 1);
  ls_timeline_page_apply_stream_filter (self);
}

/* What the pane shows of the selected span: its words (the tooltip's,
 * details redacted as the recorder gives them), its total time, its
 * parent chain up to the root and its first children. */
static void
on_selection_changed_cb (LsTimelinePage *self)
{
  const LsRecord *r = ls_timeline_view_get_selected (self->timeline_view);
  g_autoptr(GPtrArray) children = NULL;
  g_autofree char *words = NULL;
  g_autofree char *text = NULL;
  g_autofree char *heading = NULL;
  guint64 parent;
  guint n_children;
  char d[32];
  char n[32];

  /* Another stream's span chosen shows every stream: the view dropped
   * its filter, the check box and the task list follow. */
  if (ls_timeline_view_get_stream_filter (self->timeline_view) == 0 && self->followed_stream != 0
      && gtk_widget_get_visible (GTK_WIDGET (self->all_streams_check)))
    gtk_check_button_set_active (self->all_streams_check, TRUE);
  clear_list (self->parents_list);
  clear_list (self->children_list);
  gtk_revealer_set_reveal_child (self->span_revealer, r != NULL);
  if (r == NULL)
    return;

  words = _ls_timeline_view_describe (self->timeline_view, r);
  {
    /* TRANSLATORS: a task's time queued plus its time running. */
    g_autofree char *total = g_strdup_printf (_("Total: %s"),
                                              ls_format_duration (d, sizeof d,
                                                                  r->end_us - (r->queued_us != 0 && r->queued_us < r->start_us
                                                                               ? r->queued_us : r->start_us)));

    text = g_strdup_printf ("%s\n%s", words, total);
  }
  gtk_label_set_markup (self->span_label, text);

  parent = r->parent_id;
  if (parent == 0)
    {
      GtkWidget *label = gtk_label_new (_("None: a root task"));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_list_box_append (self->parents_list, label);
    }
  for (guint depth = 0; parent != 0 && depth < MAX_PARENT_ROWS; depth++)
    {
      const LsRecord *p = ls_timeline_view_find_task (self->timeline_view, parent);

      add_span_row (self->parents_list, p, parent);
      parent = p != NULL ? p->parent_id : 0;
    }

  children = g_ptr_array_new ();
  n_children = ls_timeline_view_get_children (self->timeline_view, r->id, children, MAX_CHILD_ROWS);
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s child", "%s children", n_children),
                             ls_format_count (n, sizeof n, n_children));
  gtk_label_set_label (self->children_label, heading);
  for (guint i = 0; i < children->len; i++)
    add_span_row (self->children_list, g_ptr_array_index (children, i), 0);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LsTimelinePage) self = user_data;
  g_autoptr(LsRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  GFile *file = g_task_get_task_data (G_TASK (result));

  recorder = ls_trace_open_file_finish (result, &error);
  if (recorder == NULL)
    {
      g_autofree char *message = NULL;

      /* Cancelled means the page went away: nobody to tell. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not open the trace: %s"), error->message);
      g_signal_emit (self, signals[OPEN_FAILED], 0, message);
      return;
    }

  g_free (self->opened_name);
  self->opened_name = g_file_get_basename (file);
  /* Paused first, so the file's records are not mistaken for live ones. */
  ls_timeline_view_set_live (self->timeline_view, FALSE);
  ls_timeline_view_set_recorder (self->timeline_view, recorder);
  ls_timeline_view_show_all (self->timeline_view);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.export-trace", TRUE);
  ls_timeline_page_update_hint (self);
}

/**
 * ls_timeline_page_open_file:
 *
 * Loads @file into the timeline, read-only, in place of the recording
 * (Live returns to it). A refused file emits "open-failed" with its reason.
 */
void
ls_timeline_page_open_file (LsTimelinePage *self,
                            GFile          *file)
{
  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  ls_trace_open_file_async (file, self->open_cancellable, open_done_cb, g_object_ref (self));
}

static void
on_open_response_cb (LsTimelinePage       *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        ls_timeline_page_open_file (self, file);
    }

  g_clear_object (&self->open_chooser);
}

/**
 * ls_timeline_page_open_trace:
 *
 * What "Open Trace…" does: asks for a Chrome trace JSON file, then loads it.
 */
void
ls_timeline_page_open_trace (LsTimelinePage *self)
{
  g_autoptr(GtkFileFilter) filter = NULL;
  GtkRoot *root;

  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));

  if (self->open_chooser != NULL)
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->open_chooser = gtk_file_chooser_native_new (_("Open Trace"),
                                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    GTK_FILE_CHOOSER_ACTION_OPEN,
                                                    _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->open_chooser), TRUE);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Chrome trace (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->open_chooser), filter);

  g_signal_connect_object (self->open_chooser, "response",
                           G_CALLBACK (on_open_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->open_chooser));
}

static void
ls_timeline_page_open_trace_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *param)
{
  ls_timeline_page_open_trace (LS_TIMELINE_PAGE (widget));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_timeline_page_dispose (GObject *object)
{
  LsTimelinePage *self = LS_TIMELINE_PAGE (object);

  g_cancellable_cancel (self->export_cancellable);
  if (self->export_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->export_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
      g_clear_object (&self->export_chooser);
    }
  g_cancellable_cancel (self->open_cancellable);
  if (self->open_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->open_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->open_chooser));
      g_clear_object (&self->open_chooser);
    }
  g_clear_object (&self->live_recorder);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_TIMELINE_PAGE);

  G_OBJECT_CLASS (ls_timeline_page_parent_class)->dispose (object);
}

static void
ls_timeline_page_finalize (GObject *object)
{
  LsTimelinePage *self = LS_TIMELINE_PAGE (object);

  g_clear_object (&self->export_cancellable);
  g_clear_object (&self->open_cancellable);
  g_free (self->opened_name);

  G_OBJECT_CLASS (ls_timeline_page_parent_class)->finalize (object);
}

static void
ls_timeline_page_class_init (LsTimelinePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_timeline_page_dispose;
  object_class->finalize = ls_timeline_page_finalize;

  /**
   * LsTimelinePage::export-failed:
   * @message: what went wrong, for the user
   *
   * An export started from the dialog could not be written.
   */
  signals[EXPORT_FAILED] =
    g_signal_new ("export-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * LsTimelinePage::open-failed:
   * @message: why the file was not opened, for the user
   */
  signals[OPEN_FAILED] =
    g_signal_new ("open-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-timeline-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, task_list);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, all_streams_check);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, timeline_hint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_live_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_all_streams_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_span_row_activated_cb);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, span_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, span_label);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, parents_list);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, children_label);
  gtk_widget_class_bind_template_child (widget_class, LsTimelinePage, children_list);

  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, ls_timeline_page_zoom_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, ls_timeline_page_zoom_action);
  gtk_widget_class_install_action (widget_class, "timeline.export-trace", NULL,
                                   ls_timeline_page_export_trace_action);
  gtk_widget_class_install_action (widget_class, "timeline.open-trace", NULL,
                                   ls_timeline_page_open_trace_action);

  g_type_ensure (LS_TYPE_TIMELINE_VIEW);
  g_type_ensure (LS_TYPE_TASK_LIST);
}

static void
ls_timeline_page_init (LsTimelinePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->export_cancellable = g_cancellable_new ();
  self->open_cancellable = g_cancellable_new ();
  ls_timeline_page_update_hint (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.export-trace", FALSE);
}

GtkWidget *
ls_timeline_page_new (void)
{
  return g_object_new (LS_TYPE_TIMELINE_PAGE, NULL);
}

/**
 * ls_timeline_page_set_recorder:
 * @recorder: (nullable): what to show and export
 */
void
ls_timeline_page_set_recorder (LsTimelinePage *self,
                               LsRecorder     *recorder)
{
  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));
  g_return_if_fail (recorder == NULL || LS_IS_RECORDER (recorder));

  g_set_object (&self->live_recorder, recorder);
  if (self->opened_name != NULL)
    return;  /* an opened trace stays until Live */
  ls_timeline_view_set_recorder (self->timeline_view, recorder);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.export-trace", recorder != NULL);
}

/**
 * ls_timeline_page_get_view:
 *
 * Returns: (transfer none): the timeline
 */
LsTimelineView *
ls_timeline_page_get_view (LsTimelinePage *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_PAGE (self), NULL);

  return self->timeline_view;
}

/**
 * ls_timeline_page_export_trace:
 *
 * What "Export Trace…" does: asks for a file, offering to include secrets
 * (off by default), then writes the trace. Does nothing while the dialog
 * is already open or there is nothing to export.
 */
void
ls_timeline_page_export_trace (LsTimelinePage *self)
{
  g_autoptr(GtkFileFilter) filter = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = NULL;
  GtkRoot *root;

  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));

  if (ls_timeline_view_get_recorder (self->timeline_view) == NULL || self->export_chooser != NULL)
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->export_chooser = gtk_file_chooser_native_new (_("Export Trace"),
                                                      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  name = g_date_time_format (now, "loopscope-%Y%m%d-%H%M%S.json");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), name);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Chrome trace (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_chooser), filter);
  /* A boolean choice, off: credentials leave only when asked, per export. */
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (self->export_chooser), "include-secrets",
                               _("Include secrets (Authorization, cookies, API keys, URL passwords)"),
                               NULL, NULL);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (self->export_chooser), "include-secrets", "false");

  g_signal_connect_object (self->export_chooser, "response",
                           G_CALLBACK (on_export_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

/**
 * ls_timeline_page_show_event_path:
 *
 * Pauses on an event's path from the socket to the screen
 * (ls_timeline_view_show_event_path()); the hint line gives its hops.
 */
void
ls_timeline_page_show_event_path (LsTimelinePage *self,
                                  guint32         stream_id,
                                  gint64          event_us,
                                  gint64          shown_us)
{
  g_autofree char *hops = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));

  hops = ls_timeline_view_show_event_path (self->timeline_view, stream_id, event_us, shown_us);
  if (hops != NULL)
    /* TRANSLATORS: the hops of an event's path, framed on the timeline. */
    text = g_strdup_printf (_("Event path, socket to screen: %s"), hops);
  else
    text = g_strdup (_("This event's read is not among the timeline's records (recorded before, or dropped since)."));
  gtk_label_set_label (self->timeline_hint_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->timeline_hint_label), text);
}

/**
 * ls_timeline_page_get_task_list:
 *
 * Returns: (transfer none): the task list under the timeline
 */
LsTaskList *
ls_timeline_page_get_task_list (LsTimelinePage *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_PAGE (self), NULL);

  return self->task_list;
}

/* What Ctrl+F does on this page: to the task list's filter. */
void
ls_timeline_page_focus_filter (LsTimelinePage *self)
{
  g_return_if_fail (LS_IS_TIMELINE_PAGE (self));

  ls_task_list_focus_filter (self->task_list);
}
