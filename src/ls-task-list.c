/* ls-task-list.c: the Timeline page's task list: per task busy, scheduled and idle time, sortable, filterable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In the spirit of tokio-console's task list: one row per task of the
 * timeline's records (LsTaskTable counts them, from the view's own copy:
 * nothing is copied twice), with its state, busy, scheduled (woken →
 * running) and idle time, dispatches and loop. Columns sort by their
 * figures (numbers, not their text); the filter keeps the tasks whose
 * name or detail contains its text. The table is brought up to date when
 * the view's records change, at most four times a second: paused, the
 * view takes nothing in, so the list keeps what it shows too.
 *
 * Selecting a row selects the task's spans on the timeline; a span
 * selected on the timeline selects its task's row.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-task-list.h"
#include "ls-ui-util.h"

/* The list follows the records at most this often... */
#define REFRESH_INTERVAL_US (G_USEC_PER_SEC / 4)
/* ...and counts them all again (the view dropped old ones: tens of
 * milliseconds at 100,000 spans) at most this often. */
#define RECOUNT_INTERVAL_US G_USEC_PER_SEC

typedef enum
{
  COLUMN_TASK,
  COLUMN_STATE,
  COLUMN_BUSY,
  COLUMN_SCHEDULED,
  COLUMN_IDLE,
  COLUMN_DISPATCHES,
  COLUMN_THREAD,
} LsTaskColumn;

struct _LsTaskList
{
  GtkWidget           parent_instance;

  /* Template widgets and objects */
  GtkLabel           *count_label;
  GtkSearchEntry     *filter_entry;
  GtkScrolledWindow  *scroller;
  GtkColumnView      *column_view;
  GtkSingleSelection *selection;
  GtkSortListModel   *sort_model;
  GtkFilterListModel *filter_model;
  GtkEveryFilter     *every_filter;
  GtkStringFilter    *string_filter;
  GtkCustomFilter    *stream_filter;
  GtkColumnViewColumn *task_column;
  GtkColumnViewColumn *state_column;
  GtkColumnViewColumn *busy_column;
  GtkColumnViewColumn *scheduled_column;
  GtkColumnViewColumn *idle_column;
  GtkColumnViewColumn *dispatches_column;
  GtkColumnViewColumn *thread_column;

  LsTaskTable        *table;
  LsTimelineView     *view;
  gint64              last_refresh_us;
  gint64              last_recount_us;
  guint64             generation;   /* of the records last counted */
  guint               refresh_id;   /* a refresh due, held back by the interval */
  gboolean            syncing;      /* selecting a row for the view's selection */
  guint32             stream_id;    /* only this stream's tasks and the loops'; 0: all */
};

G_DEFINE_FINAL_TYPE (LsTaskList, ls_task_list, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- cells ---------------------------------------------------------------- */

static const char *
state_name (LsTaskState state)
{
  switch (state)
    {
    case LS_TASK_RUNNING:
      return C_("task state", "running");
    case LS_TASK_IDLE:
      return C_("task state", "idle");
    case LS_TASK_FAILED:
      return C_("task state", "failed");
    case LS_TASK_SLOW:
      /* Translators: a task that went over the frame budget (16 ms) */
      return C_("task state", "slow");
    case LS_TASK_CANCELLED:
      return C_("task state", "cancelled");
    case LS_TASK_DONE:
    default:
      return C_("task state", "done");
    }
}

static const char * const state_classes[] = {
  "ls-task-running", "ls-task-idle", "ls-task-failed", "ls-task-slow", "ls-task-cancelled", "ls-task-done",
};

static void
cell_update (GtkInscription *cell,
             LsTaskRow      *row)
{
  LsTaskColumn column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "ls-column"));
  const LsTaskFigures *f = ls_task_row_get_figures (row);
  gboolean recorded = ls_task_row_get_recorded (row);
  char buf[64];

  switch (column)
    {
    case COLUMN_TASK:
      {
        g_autofree char *markup = NULL;

        if (!recorded)
          {
            g_autofree char *label = g_markup_escape_text (ls_task_row_get_label (row), -1);

            markup = g_strdup_printf ("<i>%s</i>", label);
          }
        else if (f->detail != NULL && f->detail[0] != '\0')
          markup = g_markup_printf_escaped ("%s  <span alpha=\"60%%\">%s</span>", f->name, f->detail);
        else
          markup = g_markup_escape_text (f->name, -1);
        gtk_inscription_set_markup (cell, markup);
      }
      break;

    case COLUMN_STATE:
      gtk_inscription_set_text (cell, state_name (f->state));
      for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
        if (i == (guint) f->state)
          gtk_widget_add_css_class (GTK_WIDGET (cell), state_classes[i]);
        else
          gtk_widget_remove_css_class (GTK_WIDGET (cell), state_classes[i]);
      break;

    case COLUMN_BUSY:
    case COLUMN_SCHEDULED:
    case COLUMN_IDLE:
      {
        gint64 us = column == COLUMN_BUSY ? f->busy_us : column == COLUMN_SCHEDULED ? f->scheduled_us : f->idle_us;

        /* Not recorded yet: nothing of its own is known. */
        gtk_inscription_set_text (cell, recorded ? ls_format_duration (buf, sizeof buf, us) : "—");
      }
      break;

    case COLUMN_DISPATCHES:
      gtk_inscription_set_text (cell, ls_format_count (buf, sizeof buf, f->dispatches));
      break;

    case COLUMN_THREAD:
    default:
      if (f->thread_id != 0)
        {
          g_snprintf (buf, sizeof buf, "%s · %d", ls_loop_display_name (f->loop), f->thread_id);
          gtk_inscription_set_text (cell, buf);
        }
      else
        gtk_inscription_set_text (cell, ls_loop_display_name (f->loop));
      break;
    }
}

static void
on_row_notify_cb (LsTaskRow      *row,
                  GParamSpec     *pspec,
                  GtkInscription *cell)
{
  cell_update (cell, row);
}

/* The whole name and detail, asked for when shown: setting a tooltip on
 * every bind costs a pointer query to the X server each time. */
static gboolean
on_task_query_tooltip_cb (GtkWidget  *cell,
                          int         x,
                          int         y,
                          gboolean    keyboard,
                          GtkTooltip *tooltip,
                          gpointer    user_data)
{
  LsTaskRow *row = g_object_get_data (G_OBJECT (cell), "ls-row");

  if (row == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, ls_task_row_get_label (row));
  return TRUE;
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  LsTaskColumn column = GPOINTER_TO_INT (user_data);
  /* A GtkInscription: its size does not depend on its text, so rows
   * changing under a stream of records are not measured again. */
  GtkWidget *cell = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_lines (GTK_INSCRIPTION (cell), 1);
  g_object_set_data (G_OBJECT (cell), "ls-column", GINT_TO_POINTER (column));
  switch (column)
    {
    case COLUMN_BUSY:
    case COLUMN_SCHEDULED:
    case COLUMN_IDLE:
    case COLUMN_DISPATCHES:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), 1.0);
      gtk_widget_add_css_class (cell, "numeric");
      break;
    case COLUMN_THREAD:
      gtk_widget_add_css_class (cell, "numeric");
      gtk_widget_add_css_class (cell, "dim-label");
      break;
    case COLUMN_TASK:
      gtk_widget_set_has_tooltip (cell, TRUE);
      g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_task_query_tooltip_cb), NULL);
      break;
    case COLUMN_STATE:
    default:
      break;
    }
  gtk_list_item_set_child (list_item, cell);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *cell = gtk_list_item_get_child (list_item);
  LsTaskRow *row = gtk_list_item_get_item (list_item);

  cell_update (GTK_INSCRIPTION (cell), row);
  g_object_set_data (G_OBJECT (cell), "ls-row", row);
  /* A row changes in place: its cells on screen follow. */
  g_signal_connect_object (row, "notify", G_CALLBACK (on_row_notify_cb), cell, 0);
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *cell = gtk_list_item_get_child (list_item);
  LsTaskRow *row = gtk_list_item_get_item (list_item);

  g_object_set_data (G_OBJECT (cell), "ls-row", NULL);
  if (row != NULL)
    g_signal_handlers_disconnect_by_func (row, on_row_notify_cb, cell);
}

static void
column_set_factory (GtkColumnViewColumn *column,
                    LsTaskColumn         which)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GINT_TO_POINTER (which));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GINT_TO_POINTER (which));
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), GINT_TO_POINTER (which));
  gtk_column_view_column_set_factory (column, factory);
}

/* ---- selection, both ways ------------------------------------------------- */

/* The shown position of @task's row, or GTK_INVALID_LIST_POSITION. */
static guint
find_shown (LsTaskList *self,
            guint64     task)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  if (task == 0 || ls_task_table_lookup (self->table, task) == NULL)
    return GTK_INVALID_LIST_POSITION;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LsTaskRow) row = g_list_model_get_item (model, i);

      if (ls_task_row_get_task (row) == task)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* The column view's own list, for scrolling a row into view (GTK 4.8 has
 * no gtk_column_view_scroll_to()). */
static GtkWidget *
find_list_view (GtkWidget *widget)
{
  if (GTK_IS_LIST_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_list_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The row of the view's selected task, selected and in view. */
static void
sync_from_view (LsTaskList *self)
{
  guint64 task = self->view != NULL ? ls_timeline_view_get_selected_task (self->view) : 0;
  guint current = gtk_single_selection_get_selected (self->selection);
  guint position;

  if (current != GTK_INVALID_LIST_POSITION)
    {
      g_autoptr(LsTaskRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), current);

      if (row != NULL && ls_task_row_get_task (row) == task)
        return;
    }
  position = find_shown (self, task);
  self->syncing = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->syncing = FALSE;
  if (position != GTK_INVALID_LIST_POSITION)
    {
      GtkWidget *list = find_list_view (GTK_WIDGET (self->column_view));

      if (list != NULL)
        gtk_widget_activate_action (list, "list.scroll-to-item", "u", position);
    }
}

static void
on_view_selection_changed_cb (LsTaskList *self)
{
  sync_from_view (self);
}

static void
on_row_selected_cb (LsTaskList *self)
{
  LsTaskRow *row = gtk_single_selection_get_selected_item (self->selection);

  /* A row that moves (its figures changed its place) is unselected for a
   * moment: the view keeps its selection, sync_from_view() restores it. */
  if (self->syncing || row == NULL || self->view == NULL)
    return;
  ls_timeline_view_select_task (self->view, ls_task_row_get_task (row));
}

/* ---- refresh -------------------------------------------------------------- */

static void
update_count (LsTaskList *self)
{
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->table));
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  g_autofree char *text = NULL;
  char a[32];
  char b[32];

  if (shown == total)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s task", "%s tasks", total),
                            ls_format_count (a, sizeof a, total));
  else
    /* TRANSLATORS: tasks the filter keeps, of all: "12 of 3,400 tasks". */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s task", "%s of %s tasks", total),
                            ls_format_count (a, sizeof a, shown), ls_format_count (b, sizeof b, total));
  gtk_label_set_label (self->count_label, text);
}

void
ls_task_list_refresh (LsTaskList *self)
{
  const LsRecord *records = NULL;
  guint64 generation = 0;
  guint n = 0;
  gboolean at_top;

  g_return_if_fail (LS_IS_TASK_LIST (self));

  at_top = gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->scroller)) <= 0;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->last_refresh_us = g_get_monotonic_time ();
  if (self->view != NULL)
    records = ls_timeline_view_get_records (self->view, &n, &generation);
  if (generation != self->generation)
    {
      self->generation = generation;
      self->last_recount_us = self->last_refresh_us;
    }
  ls_task_table_update (self->table, records, n, generation);
  update_count (self);
  /* A list read from its top (the busiest tasks, by default) stays there:
   * the list view would otherwise keep the row it showed first in view
   * while new ones go in above it. */
  if (at_top && gtk_single_selection_get_selected (self->selection) == GTK_INVALID_LIST_POSITION
      && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    {
      GtkWidget *list = find_list_view (GTK_WIDGET (self->column_view));

      if (list != NULL)
        gtk_widget_activate_action (list, "list.scroll-to-item", "u", 0);
    }
  sync_from_view (self);
}

static gboolean
refresh_due_cb (gpointer user_data)
{
  LsTaskList *self = user_data;

  self->refresh_id = 0;
  ls_task_list_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_records_changed_cb (LsTaskList *self)
{
  gint64 wait = self->last_refresh_us + REFRESH_INTERVAL_US - g_get_monotonic_time ();
  guint64 generation = 0;
  guint n;

  if (self->refresh_id != 0)
    return;
  ls_timeline_view_get_records (self->view, &n, &generation);
  if (generation != self->generation)
    wait = MAX (wait, self->last_recount_us + RECOUNT_INTERVAL_US - g_get_monotonic_time ());
  if (wait <= 0)
    ls_task_list_refresh (self);
  else
    self->refresh_id = g_timeout_add ((guint) (wait / 1000) + 1, refresh_due_cb, self);
}

static void
on_filter_changed_cb (LsTaskList *self)
{
  gtk_string_filter_set_search (self->string_filter, gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));
  update_count (self);
  sync_from_view (self);
}

/* As the timeline filters its spans. */
static gboolean
row_in_stream (gpointer item,
               gpointer user_data)
{
  LsTaskList *self = user_data;

  return ls_timeline_stream_filter_keeps (self->stream_id, ls_task_row_get_figures (item)->stream_id);
}

static void
on_stop_search_cb (LsTaskList *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), "");
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_task_list_dispose (GObject *object)
{
  LsTaskList *self = LS_TASK_LIST (object);

  ls_task_list_set_view (self, NULL);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_TASK_LIST);
  g_clear_object (&self->table);
  /* The filter may outlive the list in a model someone holds. */
  if (self->stream_filter != NULL)
    gtk_custom_filter_set_filter_func (self->stream_filter, NULL, NULL, NULL);
  g_clear_object (&self->stream_filter);

  G_OBJECT_CLASS (ls_task_list_parent_class)->dispose (object);
}

static void
ls_task_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LsTaskList *self = LS_TASK_LIST (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      g_value_set_object (value, self->view);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_task_list_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LsTaskList *self = LS_TASK_LIST (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      ls_task_list_set_view (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_task_list_class_init (LsTaskListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_task_list_dispose;
  object_class->get_property = ls_task_list_get_property;
  object_class->set_property = ls_task_list_set_property;

  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL, LS_TYPE_TIMELINE_VIEW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-task-list.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, count_label);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, scroller);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, column_view);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, selection);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, sort_model);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, filter_model);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, every_filter);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, string_filter);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, task_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, state_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, busy_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, scheduled_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, idle_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, dispatches_column);
  gtk_widget_class_bind_template_child (widget_class, LsTaskList, thread_column);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected_cb);

  g_type_ensure (LS_TYPE_TASK_ROW);
}

static void
ls_task_list_init (LsTaskList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->table = ls_task_table_new ();
  self->stream_filter = gtk_custom_filter_new (row_in_stream, self, NULL);
  gtk_multi_filter_append (GTK_MULTI_FILTER (self->every_filter), g_object_ref (GTK_FILTER (self->stream_filter)));
  gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->table));
  /* The headers sort: a click on one, again to reverse. */
  gtk_sort_list_model_set_sorter (self->sort_model, gtk_column_view_get_sorter (self->column_view));
  column_set_factory (self->task_column, COLUMN_TASK);
  column_set_factory (self->state_column, COLUMN_STATE);
  column_set_factory (self->busy_column, COLUMN_BUSY);
  column_set_factory (self->scheduled_column, COLUMN_SCHEDULED);
  column_set_factory (self->idle_column, COLUMN_IDLE);
  column_set_factory (self->dispatches_column, COLUMN_DISPATCHES);
  column_set_factory (self->thread_column, COLUMN_THREAD);
  /* The busiest first, as tokio-console does. */
  gtk_column_view_sort_by_column (self->column_view, self->busy_column, GTK_SORT_DESCENDING);
  update_count (self);
}

GtkWidget *
ls_task_list_new (void)
{
  return g_object_new (LS_TYPE_TASK_LIST, NULL);
}

void
ls_task_list_set_view (LsTaskList     *self,
                       LsTimelineView *view)
{
  g_return_if_fail (LS_IS_TASK_LIST (self));
  g_return_if_fail (view == NULL || LS_IS_TIMELINE_VIEW (view));

  if (self->view == view)
    return;
  if (self->view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->view, self);
      g_clear_object (&self->view);
    }
  if (view != NULL)
    {
      self->view = g_object_ref (view);
      g_signal_connect_object (view, "records-changed", G_CALLBACK (on_records_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (view, "selection-changed", G_CALLBACK (on_view_selection_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  if (self->table != NULL)
    ls_task_list_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW]);
}

/**
 * ls_task_list_set_stream_filter:
 * @stream_id: the stream (ls_stream_get_id()) whose tasks are listed
 *   among the streams', or 0 for every stream's
 *
 * The loops' own tasks are always listed, as the timeline shows them.
 */
void
ls_task_list_set_stream_filter (LsTaskList *self,
                                guint32     stream_id)
{
  g_return_if_fail (LS_IS_TASK_LIST (self));

  if (self->stream_id == stream_id)
    return;
  self->stream_id = stream_id;
  gtk_filter_changed (GTK_FILTER (self->stream_filter),
                      stream_id == 0 ? GTK_FILTER_CHANGE_LESS_STRICT : GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
  sync_from_view (self);
}

/**
 * ls_task_list_get_view:
 *
 * Returns: (transfer none) (nullable): the timeline
 */
LsTimelineView *
ls_task_list_get_view (LsTaskList *self)
{
  g_return_val_if_fail (LS_IS_TASK_LIST (self), NULL);

  return self->view;
}

void
ls_task_list_focus_filter (LsTaskList *self)
{
  g_return_if_fail (LS_IS_TASK_LIST (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->filter_entry));
}

/**
 * ls_task_list_get_selection:
 *
 * Returns: (transfer none): the rows as shown, and the one selected
 */
GtkSingleSelection *
ls_task_list_get_selection (LsTaskList *self)
{
  g_return_val_if_fail (LS_IS_TASK_LIST (self), NULL);

  return self->selection;
}

/**
 * ls_task_list_get_column_view:
 *
 * Returns: (transfer none): the table's widget
 */
GtkColumnView *
ls_task_list_get_column_view (LsTaskList *self)
{
  g_return_val_if_fail (LS_IS_TASK_LIST (self), NULL);

  return self->column_view;
}

/**
 * ls_task_list_get_filter_entry:
 *
 * Returns: (transfer none): the filter's entry
 */
GtkEditable *
ls_task_list_get_filter_entry (LsTaskList *self)
{
  g_return_val_if_fail (LS_IS_TASK_LIST (self), NULL);

  return GTK_EDITABLE (self->filter_entry);
}

/**
 * ls_task_list_get_table:
 *
 * Returns: (transfer none): every task held
 */
LsTaskTable *
ls_task_list_get_table (LsTaskList *self)
{
  g_return_val_if_fail (LS_IS_TASK_LIST (self), NULL);

  return self->table;
}
