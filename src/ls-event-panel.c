/* ls-event-panel.c: the received events as a table, and the one selected
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView over LsEventList: only the rows on screen exist as
 * widgets and items, so a million events scroll like a hundred. The list
 * catches up with its store once per frame from a tick callback that runs
 * only while the panel is mapped and something can change (a growing
 * store, a filter still looking, a scroll or layout to finish); the same
 * tick moves the detail pane under the list when the panel is narrow.
 *
 * Above the table, the filters (type, text or regex, lifecycle rows, SSE
 * comments), the count of what they keep and "Follow", which keeps the
 * newest row in view. Follow stops when the user selects a row or scrolls up, so what
 * they look at stays put, and comes back with the button, or by
 * scrolling to the bottom with nothing selected, the way a terminal does.
 *
 * One widget and what its parts do to each other (filters, Follow,
 * selection, layout, the tick that drives them): the cells are in
 * ls-event-columns.c and the words in ls-event-panel-text.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "ls-event-panel.h"
#include "ls-loop-probe.h"
#include "ls-event-panel-private.h"
#include "ls-ui-util.h"

/* Frames whose new events are remembered for their latency, and how many
 * of the newest the figures' percentiles look at. */
#define SHOWN_FRAMES 128
#define LATENCY_SAMPLE 1024

/* Within this many pixels of the bottom counts as "at the bottom". */
#define BOTTOM_SLACK_PX 4.0
/* Below this width the detail pane goes under the list, and shows only
 * while a row is selected. */
#define NARROW_WIDTH_PX 1000
/* Typing pauses this long before the filter applies. */
#define FILTER_DELAY_MS 150

struct _LsEventPanel
{
  GtkWidget           parent_instance;

  /* Template widgets */
  GtkWidget          *content;
  GtkDropDown        *type_dropdown;
  GtkSearchEntry     *search_entry;
  GtkToggleButton    *regex_button;
  GtkCheckButton     *lifecycle_check;
  GtkCheckButton     *comments_check;
  GtkLabel           *count_label;
  GtkToggleButton    *follow_button;
  GtkLabel           *filter_error_label;
  GtkPaned           *paned;
  GtkScrolledWindow  *scrolled;
  GtkColumnView      *column_view;
  GtkLabel           *empty_label;
  GtkWidget          *detail_box;
  GtkStack           *detail_stack;
  GtkLabel           *detail_title;
  GtkLabel           *detail_subtitle;
  GtkTextView        *detail_text;

  LsEventList        *list;
  GtkSingleSelection *selection;
  GtkStringList      *types;        /* "All types", then the list's types */
  GtkWidget          *context_menu;
  GtkAdjustment      *vadjustment;
  guint               tick_id;
  gboolean            finished;     /* the store will not grow */
  gboolean            scrolling;    /* our own adjustment changes, not the user's */
  guint               scroll_pending;  /* frames Follow still scrolls for, after rows came */
  guint               filter_timeout_id;
  guint               place_detail_in;  /* frames until the narrow layout's divider is placed */
  double              last_value;
  guint64             last_first_seq;  /* to tell retention drops from user scrolls */
  guint64             selected_seq;    /* G_MAXUINT64: none */
  int                 layout_width;    /* the width the layout was chosen for */
  gboolean            narrow;
  guint64             shown_n_items;   /* what count_label says, to redo it only on change */
  guint64             shown_n_total;
  /* When each of the recent frames took which events in: a ring of
   * [first_seq, end_seq) at shown_us, newest at shown_head - 1. */
  struct
  {
    guint64 first_seq;
    guint64 end_seq;
    gint64  shown_us;
  }                   shown[SHOWN_FRAMES];
  guint               shown_head;
  guint               n_shown;
  guint64             shown_end;       /* the store's end at the last catch-up */
  gboolean            shown_searching;
  gboolean            shown_filtered;
};

G_DEFINE_FINAL_TYPE (LsEventPanel, ls_event_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FOLLOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SHOW_ON_TIMELINE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- detail pane ---------------------------------------------------------- */

static LsEventItem *
ls_event_panel_get_selected (LsEventPanel *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
ls_event_panel_show_item (LsEventPanel *self,
                          LsEventItem  *item)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_text);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *body = NULL;

  if (item == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      return;
    }

  _ls_event_panel_describe (item, &title, &subtitle, &body);
  gtk_label_set_text (self->detail_title, title);
  gtk_label_set_text (self->detail_subtitle, subtitle);
  gtk_text_buffer_set_text (buffer, body, -1);
  gtk_stack_set_visible_child_name (self->detail_stack, "event");
}

static void ls_event_panel_update_layout (LsEventPanel *self,
                                          gboolean      force);
static void ls_event_panel_update_tick   (LsEventPanel *self);
static void ls_event_panel_update_status (LsEventPanel *self);

static void
on_selected_item_cb (LsEventPanel       *self,
                     GParamSpec         *pspec,
                     GtkSingleSelection *selection)
{
  LsEventItem *item = gtk_single_selection_get_selected_item (selection);
  guint64 seq = item != NULL ? ls_event_item_get_seq (item) : G_MAXUINT64;

  /* The selection also moves when rows before it are dropped: only a
   * different event is the user's choice, and it stops Follow, or the
   * row they chose would scroll away. */
  if (seq != self->selected_seq)
    {
      self->selected_seq = seq;
      if (item != NULL)
        gtk_toggle_button_set_active (self->follow_button, FALSE);
      ls_event_panel_show_item (self, item);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.copy-data", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.copy-json", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.show-on-timeline", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.unselect", item != NULL);
  ls_event_panel_update_layout (self, TRUE);
  ls_event_panel_update_tick (self);
}

/* ---- copying -------------------------------------------------------------- */

static void
copy_data_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);
  LsEventItem *item = ls_event_panel_get_selected (self);
  const LsEventView *view;
  g_autofree char *text = NULL;

  if (item == NULL)
    return;

  view = ls_event_item_get_view (item);
  text = g_utf8_make_valid (view->data, (gssize) view->data_len);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_json_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);
  LsEventItem *item = ls_event_panel_get_selected (self);
  g_autofree char *json = NULL;

  if (item == NULL)
    return;

  json = _ls_event_panel_dup_event_json (item);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), json);
}

static void
ls_event_panel_popup_menu (LsEventPanel *self,
                           double        x,
                           double        y)
{
  GdkRectangle rect = { 0, 0, 1, 1 };
  graphene_point_t in_view = GRAPHENE_POINT_INIT ((float) x, (float) y);
  graphene_point_t in_self;

  if (!gtk_widget_compute_point (GTK_WIDGET (self->column_view), GTK_WIDGET (self), &in_view, &in_self))
    in_self = in_view;
  rect.x = (int) in_self.x;
  rect.y = (int) in_self.y;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/* Esc or the detail pane's close button: no row selected, so a narrow
 * panel gives the detail pane's room back to the list. */
static void
unselect_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

/* The window takes the selected event to the timeline. */
static void
show_on_timeline_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  LsEventItem *item = ls_event_panel_get_selected (LS_EVENT_PANEL (widget));

  if (item != NULL)
    g_signal_emit (widget, signals[SHOW_ON_TIMELINE], 0, item);
}

/* Shift+F10 or the Menu key: the menu of the selected row, next to it
 * when it is on screen. */
static void
context_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);
  LsEventItem *item = ls_event_panel_get_selected (self);
  GtkWidget *row;
  graphene_rect_t bounds;

  if (item == NULL)
    return;

  row = _ls_event_columns_find_visible_row (self->column_view, GTK_WIDGET (self->scrolled),
                                            ls_event_item_get_seq (item));
  if (row != NULL && gtk_widget_compute_bounds (row, GTK_WIDGET (self->column_view), &bounds))
    ls_event_panel_popup_menu (self, bounds.origin.x + bounds.size.width, bounds.origin.y + bounds.size.height / 2);
  else
    ls_event_panel_popup_menu (self, 12, 12);
}

static void
on_context_click_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     LsEventPanel    *self)
{
  guint position = _ls_event_columns_row_at (self->column_view, x, y);

  if (position == G_MAXUINT)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_single_selection_set_selected (self->selection, position);
  ls_event_panel_popup_menu (self, x, y);
}

/* ---- following the bottom ------------------------------------------------- */

/* GtkColumnView has no scroll_to() before GTK 4.12, and setting the
 * adjustment by hand is undone by the list's own anchoring; its inner
 * list view's "list.scroll-to-item" action is what 4.8 offers. */
static GtkWidget *
ls_event_panel_get_list_view (LsEventPanel *self)
{
  GtkWidget *child;

  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      return child;

  return NULL;
}

static void
ls_event_panel_scroll_to_bottom (LsEventPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  GtkWidget *list_view;

  if (n == 0)
    return;

  list_view = ls_event_panel_get_list_view (self);
  if (list_view == NULL)
    return;

  self->scrolling = TRUE;
  gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", n - 1);
  self->scrolling = FALSE;
}

static void
on_vadjustment_value_changed_cb (LsEventPanel  *self,
                                 GtkAdjustment *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  gboolean follow = gtk_toggle_button_get_active (self->follow_button);
  guint64 first_seq = ls_event_list_get_first_seq (self->list);
  gboolean moved_up = value < self->last_value - BOTTOM_SLACK_PX
                      && first_seq == self->last_first_seq;

  self->last_value = value;
  self->last_first_seq = first_seq;
  if (self->scrolling)
    return;

  /* The list itself moves the value as rows come and go (keeping its
   * anchor row in place): only a move up is the user leaving the bottom.
   * Back at the bottom, Follow resumes unless a row is selected: that
   * row would scroll away. */
  if (follow && moved_up && value < bottom - BOTTOM_SLACK_PX)
    gtk_toggle_button_set_active (self->follow_button, FALSE);
  else if (!follow && value >= bottom - BOTTOM_SLACK_PX && bottom > 0
           && ls_event_panel_get_selected (self) == NULL)
    gtk_toggle_button_set_active (self->follow_button, TRUE);
}

static void
on_follow_toggled_cb (LsEventPanel    *self,
                      GtkToggleButton *button)
{
  if (gtk_toggle_button_get_active (button))
    ls_event_panel_scroll_to_bottom (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
}

/* ---- filters -------------------------------------------------------------- */

static void
ls_event_panel_sync_types (LsEventPanel *self)
{
  guint n_types = ls_event_list_get_n_types (self->list);
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->types)) - 1;

  if (n_types < n_shown)
    {
      /* A new store: its types start over. */
      gtk_string_list_splice (self->types, 1, n_shown, NULL);
      n_shown = 0;
    }
  for (guint i = n_shown; i < n_types; i++)
    gtk_string_list_append (self->types, ls_event_list_get_type_name (self->list, i));
}

static void
on_type_selected_cb (LsEventPanel *self,
                     GParamSpec   *pspec,
                     GtkDropDown  *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    ls_event_list_set_type_filter (self->list, NULL);
  else
    ls_event_list_set_type_filter (self->list, gtk_string_list_get_string (self->types, selected));
  ls_event_panel_update_status (self);
  ls_event_panel_update_tick (self);
}

static void
ls_event_panel_apply_text_filter (LsEventPanel *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean regex = gtk_toggle_button_get_active (self->regex_button);
  g_autoptr(GError) error = NULL;

  if (ls_event_list_set_text_filter (self->list, text, regex, &error))
    {
      ls_event_panel_update_status (self);
      ls_event_panel_update_tick (self);
      gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->filter_error_label), FALSE);
      return;
    }

  /* Said next to the entry, and the last valid filter stays in force. */
  gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_label_set_text (self->filter_error_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error_label), TRUE);
}

static gboolean
apply_text_filter_cb (gpointer data)
{
  LsEventPanel *self = data;

  self->filter_timeout_id = 0;
  ls_event_panel_apply_text_filter (self);

  return G_SOURCE_REMOVE;
}

/* Our own pause rather than "search-changed", which fires at once for an
 * empty text: replacing the text (delete, then insert) would apply an
 * empty filter in between, and a bad regex would then leave no filter
 * instead of the last good one. */
static void
on_search_text_changed_cb (LsEventPanel *self,
                           GtkEditable  *entry)
{
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  self->filter_timeout_id = ls_timeout_add_named (G_PRIORITY_DEFAULT, FILTER_DELAY_MS, "events.filter-delay", apply_text_filter_cb, self, NULL);
}

static void
on_search_activate_cb (LsEventPanel   *self,
                       GtkSearchEntry *entry)
{
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  ls_event_panel_apply_text_filter (self);
}

static void
on_stop_search_cb (LsEventPanel   *self,
                   GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_lifecycle_toggled_cb (LsEventPanel   *self,
                         GtkCheckButton *button)
{
  ls_event_list_set_hide_lifecycle (self->list, !gtk_check_button_get_active (button));
  ls_event_panel_update_status (self);
  ls_event_panel_update_tick (self);
}

static void
on_comments_toggled_cb (LsEventPanel   *self,
                        GtkCheckButton *button)
{
  ls_event_list_set_hide_comments (self->list, !gtk_check_button_get_active (button));
  ls_event_panel_update_status (self);
  ls_event_panel_update_tick (self);
}

/* The list restarted or changed: what the panel says about it follows. */
static void
on_list_items_changed_cb (LsEventPanel *self,
                          guint         position,
                          guint         removed,
                          guint         added,
                          GListModel   *list)
{
  if (position == 0 && removed > 0 && g_list_model_get_n_items (list) == 0)
    self->last_first_seq = G_MAXUINT64;
  /* Rows also come outside the tick (a new store, a new filter): the
   * next frame takes Follow to them. */
  if (added > 0)
    self->scroll_pending = 2;
  ls_event_panel_update_tick (self);
}

/* ---- per-frame update ----------------------------------------------------- */

static void
ls_event_panel_update_status (LsEventPanel *self)
{
  guint64 n_items = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  guint64 n_total = ls_event_list_get_n_total (self->list);
  gboolean filtered = ls_event_list_get_filtered (self->list);
  gboolean searching = ls_event_list_get_searching (self->list);
  g_autofree char *text = NULL;

  if (n_items == self->shown_n_items && n_total == self->shown_n_total
      && filtered == self->shown_filtered && searching == self->shown_searching
      && gtk_label_get_text (self->count_label)[0] != '\0')
    return;

  self->shown_n_items = n_items;
  self->shown_n_total = n_total;
  self->shown_filtered = filtered;
  self->shown_searching = searching;

  text = _ls_event_panel_count_text (n_items, n_total, filtered, searching);
  ls_label_set_text_if_changed (self->count_label, text);

  /* No store yet: the window's own empty state speaks, not this. */
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label),
                          n_items == 0 && ls_event_list_get_store (self->list) != NULL);
  ls_label_set_text_if_changed (self->empty_label,
                                filtered && n_total > 0
                                  ? (searching ? _("Searching…") : _("No matching events"))
                                  : _("No events yet"));
}

/* Wide: the detail pane beside the list. Narrow: under it, and only while
 * a row is selected, so the list keeps the height. */
static void
ls_event_panel_update_layout (LsEventPanel *self,
                              gboolean      force)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  gboolean narrow;
  gboolean show_detail;

  if (width <= 0 || (width == self->layout_width && !force))
    return;

  narrow = width < NARROW_WIDTH_PX;
  show_detail = !narrow || ls_event_panel_get_selected (self) != NULL;

  if (narrow != self->narrow || self->layout_width <= 0)
    {
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->paned),
                                      narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
      /* Under the list the detail pane may shrink below what it asks
       * for: the list's rows matter more than the pane's margins. */
      gtk_paned_set_shrink_end_child (self->paned, narrow);
      if (!narrow)
        gtk_paned_set_position (self->paned, MAX (width - 400, 360));
      self->narrow = narrow;
    }

  if (gtk_widget_get_visible (self->detail_box) != show_detail)
    {
      gtk_widget_set_visible (self->detail_box, show_detail);
      /* The pane sizes itself from the children's natural sizes when one
       * appears: place the divider once it has, two frames on. */
      if (narrow && show_detail)
        self->place_detail_in = 2;
    }
  self->layout_width = width;
}

static gboolean
ls_event_panel_wants_tick (LsEventPanel *self)
{
  if (ls_event_list_get_store (self->list) == NULL)
    return FALSE;

  return !self->finished
         || ls_event_list_get_searching (self->list)
         || self->scroll_pending > 0
         || self->place_detail_in > 0
         || gtk_widget_get_width (GTK_WIDGET (self)) != self->layout_width
         || ls_event_list_get_n_total (self->list) != self->shown_n_total;
}

/* After a catch-up with the store: the events it brought in were shown
 * from now on (this frame paints them). */
static void
ls_event_panel_note_shown (LsEventPanel *self)
{
  LsEventStore *store = ls_event_list_get_store (self->list);
  guint64 first, end;
  guint slot;

  if (store == NULL)
    return;
  ls_event_store_get_range (store, &first, &end);
  if (end <= self->shown_end)
    return;

  slot = self->shown_head;
  self->shown[slot].first_seq = MAX (first, self->shown_end);
  self->shown[slot].end_seq = end;
  self->shown[slot].shown_us = g_get_monotonic_time ();
  self->shown_head = (slot + 1) % SHOWN_FRAMES;
  self->n_shown = MIN (self->n_shown + 1, SHOWN_FRAMES);
  self->shown_end = end;
}

/* Only events that came while the view watched count: not those already
 * in a store when it was set. */
static void
ls_event_panel_reset_shown (LsEventPanel *self)
{
  LsEventStore *store = ls_event_list_get_store (self->list);
  guint64 first = 0;

  self->n_shown = 0;
  self->shown_head = 0;
  self->shown_end = 0;
  if (store != NULL)
    ls_event_store_get_range (store, &first, &self->shown_end);
}

gboolean
ls_event_panel_get_shown_time (LsEventPanel *self,
                               guint64       seq,
                               gint64       *shown_us)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), FALSE);
  g_return_val_if_fail (shown_us != NULL, FALSE);

  for (guint i = 0; i < self->n_shown; i++)
    {
      guint slot = (self->shown_head + SHOWN_FRAMES - 1 - i) % SHOWN_FRAMES;

      if (seq >= self->shown[slot].first_seq && seq < self->shown[slot].end_seq)
        {
          *shown_us = self->shown[slot].shown_us;
          return TRUE;
        }
    }
  return FALSE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

gboolean
ls_event_panel_get_latency (LsEventPanel *self,
                            gint64       *p50_us,
                            gint64       *p99_us)
{
  LsEventStore *store;
  gint64 sample[LATENCY_SAMPLE];
  guint n = 0;

  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), FALSE);
  g_return_val_if_fail (p50_us != NULL && p99_us != NULL, FALSE);

  store = ls_event_list_get_store (self->list);
  if (store == NULL)
    return FALSE;

  /* The newest events first, frame by frame back. */
  for (guint i = 0; i < self->n_shown && n < LATENCY_SAMPLE; i++)
    {
      guint slot = (self->shown_head + SHOWN_FRAMES - 1 - i) % SHOWN_FRAMES;
      guint64 seq;

      for (seq = self->shown[slot].end_seq; seq > self->shown[slot].first_seq && n < LATENCY_SAMPLE; seq--)
        {
          g_autoptr (LsEventPin) pin = NULL;
          LsEventView view;

          if (!ls_event_store_get (store, seq - 1, &view, &pin))
            break;  /* dropped by retention: so are the older ones */
          sample[n++] = MAX (0, self->shown[slot].shown_us - view.time_us);
        }
    }
  if (n == 0)
    return FALSE;

  qsort (sample, n, sizeof sample[0], compare_gint64);
  *p50_us = sample[(n - 1) * 50 / 100];
  *p99_us = sample[(n - 1) * 99 / 100];
  return TRUE;
}

static gboolean
ls_event_panel_tick_cb (GtkWidget     *widget,
                        GdkFrameClock *frame_clock,
                        gpointer       user_data)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  /* Under the list, the data gets a bit less than half. */
  if (self->place_detail_in > 0 && --self->place_detail_in == 0 && self->narrow)
    gtk_paned_set_position (self->paned, MAX (gtk_widget_get_height (GTK_WIDGET (self->paned)) * 11 / 20, 120));

  ls_event_list_update (self->list);
  ls_event_panel_note_shown (self);
  /* Twice: the list places a far jump by estimated row heights, and
   * only a frame later knows where the bottom really is. */
  if (self->scroll_pending > 0 && gtk_toggle_button_get_active (self->follow_button))
    ls_event_panel_scroll_to_bottom (self);
  if (self->scroll_pending > 0)
    self->scroll_pending--;
  ls_event_panel_update_status (self);
  ls_event_panel_update_layout (self, FALSE);

  if (!ls_event_panel_wants_tick (self))
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* Ticks (and with them, frames) only while something can change on
 * screen: a store that may grow, a filter still looking, a scroll or a
 * layout to finish. An idle window draws nothing. */
static void
ls_event_panel_update_tick (LsEventPanel *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean wanted = gtk_widget_get_mapped (widget) && ls_event_panel_wants_tick (self);

  ls_widget_set_ticking (widget, &self->tick_id, wanted, ls_event_panel_tick_cb);
}

static void
ls_event_panel_map (GtkWidget *widget)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  GTK_WIDGET_CLASS (ls_event_panel_parent_class)->map (widget);

  /* Catch up at once, then once per frame while anyone can see us. */
  ls_event_list_update (self->list);
  ls_event_panel_update_status (self);
  ls_event_panel_update_tick (self);
}

static void
ls_event_panel_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  gtk_widget_measure (self->content, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

/* By hand rather than with a GtkBinLayout: a new width may call for the
 * other layout (the tick decides, so it must be running), and the
 * context menu follows its row. */
static void
ls_event_panel_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  gtk_widget_allocate (self->content, width, height, baseline, NULL);
  if (gtk_widget_get_visible (self->context_menu))
    gtk_popover_present (GTK_POPOVER (self->context_menu));
  if (width != self->layout_width && gtk_widget_get_mapped (widget))
    ls_widget_set_ticking (widget, &self->tick_id, TRUE, ls_event_panel_tick_cb);
}

static void
ls_event_panel_unmap (GtkWidget *widget)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  ls_widget_set_ticking (widget, &self->tick_id, FALSE, ls_event_panel_tick_cb);

  GTK_WIDGET_CLASS (ls_event_panel_parent_class)->unmap (widget);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_event_panel_dispose (GObject *object)
{
  LsEventPanel *self = LS_EVENT_PANEL (object);
  GtkWidget *child;

  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_EVENT_PANEL);
  /* dispose_template() leaves our children parented. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->selection);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_clear_object (&self->list);
  g_clear_object (&self->types);

  G_OBJECT_CLASS (ls_event_panel_parent_class)->dispose (object);
}

static void
ls_event_panel_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LsEventPanel *self = LS_EVENT_PANEL (object);

  switch (prop_id)
    {
    case PROP_FOLLOW:
      g_value_set_boolean (value, ls_event_panel_get_follow (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_event_panel_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  LsEventPanel *self = LS_EVENT_PANEL (object);

  switch (prop_id)
    {
    case PROP_FOLLOW:
      ls_event_panel_set_follow (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_event_panel_class_init (LsEventPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_event_panel_dispose;
  object_class->get_property = ls_event_panel_get_property;
  object_class->set_property = ls_event_panel_set_property;

  widget_class->map = ls_event_panel_map;
  widget_class->unmap = ls_event_panel_unmap;
  widget_class->measure = ls_event_panel_measure;
  widget_class->size_allocate = ls_event_panel_size_allocate;

  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "event.copy-data", NULL, copy_data_action);
  gtk_widget_class_install_action (widget_class, "event.copy-json", NULL, copy_json_action);
  gtk_widget_class_install_action (widget_class, "event.context-menu", NULL, context_menu_action);
  gtk_widget_class_install_action (widget_class, "event.show-on-timeline", NULL, show_on_timeline_action);

  /**
   * LsEventPanel::show-on-timeline:
   *
   * @item: the selected event
   *
   * The user asked to see the event's path on the timeline.
   */
  signals[SHOW_ON_TIMELINE] = g_signal_new ("show-on-timeline", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, LS_TYPE_EVENT_ITEM);
  gtk_widget_class_install_action (widget_class, "event.unselect", NULL, unselect_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "event.unselect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "event.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "event.context-menu", NULL);
  /* Ctrl+C copies the selected row's data; an entry or the detail text
   * with the focus copy their own selection first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "event.copy-data", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-event-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, content);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, regex_button);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, lifecycle_check);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, comments_check);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, count_label);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, follow_button);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, filter_error_label);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, paned);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, scrolled);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_box);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_title);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_subtitle);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_text);

  gtk_widget_class_set_css_name (widget_class, "lseventpanel");
}

static void
ls_event_panel_init (LsEventPanel *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->selected_seq = G_MAXUINT64;
  self->last_first_seq = G_MAXUINT64;
  self->list = ls_event_list_new (NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->list, "items-changed", G_CALLBACK (on_list_items_changed_cb), self);
  g_signal_connect_swapped (self->list, "types-changed", G_CALLBACK (ls_event_panel_sync_types), self);

  _ls_event_columns_add (self->column_view);

  self->types = gtk_string_list_new (NULL);
  gtk_string_list_append (self->types, _("All types"));
  gtk_drop_down_set_model (self->type_dropdown, G_LIST_MODEL (self->types));
  g_signal_connect_object (self->type_dropdown, "notify::selected",
                           G_CALLBACK (on_type_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_entry, "changed",
                           G_CALLBACK (on_search_text_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_entry, "activate",
                           G_CALLBACK (on_search_activate_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_entry, "stop-search",
                           G_CALLBACK (on_stop_search_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->regex_button, "toggled",
                           G_CALLBACK (ls_event_panel_apply_text_filter), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->lifecycle_check, "toggled",
                           G_CALLBACK (on_lifecycle_toggled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->comments_check, "toggled",
                           G_CALLBACK (on_comments_toggled_cb), self, G_CONNECT_SWAPPED);

  self->vadjustment = g_object_ref (gtk_scrolled_window_get_vadjustment (self->scrolled));
  g_signal_connect_swapped (self->vadjustment, "value-changed",
                            G_CALLBACK (on_vadjustment_value_changed_cb), self);
  g_signal_connect_object (self->follow_button, "toggled",
                           G_CALLBACK (on_follow_toggled_cb), self, G_CONNECT_SWAPPED);

  g_menu_append (menu, _("Copy _Data"), "event.copy-data");
  g_menu_append (menu, _("Copy Event as _JSON"), "event.copy-json");
  g_menu_append (menu, _("Show on _Timeline"), "event.show-on-timeline");
  self->context_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_context_click_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.copy-data", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.copy-json", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.show-on-timeline", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "event.unselect", FALSE);
  ls_event_panel_show_item (self, NULL);
  ls_event_panel_update_status (self);
}

GtkWidget *
ls_event_panel_new (void)
{
  return g_object_new (LS_TYPE_EVENT_PANEL, NULL);
}

/**
 * ls_event_panel_get_list:
 *
 * Returns: (transfer none): the model the table shows
 */
LsEventList *
ls_event_panel_get_list (LsEventPanel *self)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), NULL);

  return self->list;
}

void
ls_event_panel_set_store (LsEventPanel *self,
                          LsEventStore *store)
{
  g_return_if_fail (LS_IS_EVENT_PANEL (self));

  ls_event_list_set_store (self->list, store);
  ls_event_list_update (self->list);
  ls_event_panel_reset_shown (self);
  ls_event_panel_update_status (self);
  ls_event_panel_set_follow (self, TRUE);
  self->finished = FALSE;
  ls_event_panel_update_tick (self);
}

/**
 * ls_event_panel_set_finished:
 * @finished: %TRUE once the store's writer is done (the stream ended)
 *
 * A finished store gets its last catch-up and then no per-frame ticks,
 * except while a filter, a scroll or a layout change is under way;
 * ls_event_panel_set_store() starts over unfinished.
 */
void
ls_event_panel_set_finished (LsEventPanel *self,
                             gboolean      finished)
{
  g_return_if_fail (LS_IS_EVENT_PANEL (self));

  finished = !!finished;
  if (self->finished == finished)
    return;
  self->finished = finished;
  ls_event_panel_update_tick (self);
}

gboolean
ls_event_panel_get_follow (LsEventPanel *self)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), FALSE);

  return gtk_toggle_button_get_active (self->follow_button);
}

void
ls_event_panel_set_follow (LsEventPanel *self,
                           gboolean      follow)
{
  g_return_if_fail (LS_IS_EVENT_PANEL (self));

  gtk_toggle_button_set_active (self->follow_button, follow);
}

void
ls_event_panel_focus_filter (LsEventPanel *self)
{
  g_return_if_fail (LS_IS_EVENT_PANEL (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

void
_ls_event_panel_select (LsEventPanel *self,
                        guint         position)
{
  g_return_if_fail (LS_IS_EVENT_PANEL (self));

  gtk_single_selection_set_selected (self->selection, position);
}

char *
_ls_event_panel_dup_detail_text (LsEventPanel *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), NULL);

  buffer = gtk_text_view_get_buffer (self->detail_text);
  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

GtkWidget *
_ls_event_panel_get_child (LsEventPanel *self,
                           const char   *id)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), NULL);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), LS_TYPE_EVENT_PANEL, id));
}

GtkWidget *
_ls_event_panel_open_context_menu (LsEventPanel *self,
                                   guint         position)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), NULL);

  gtk_single_selection_set_selected (self->selection, position);
  ls_event_panel_popup_menu (self, 10, 10);

  return self->context_menu;
}

gboolean
_ls_event_panel_row_is_visible (LsEventPanel *self,
                                guint64       seq)
{
  GtkWidget *viewport = GTK_WIDGET (self->scrolled);

  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), FALSE);

  return _ls_event_columns_find_visible_row (self->column_view, viewport, seq) != NULL;
}

gboolean
_ls_event_panel_is_ticking (LsEventPanel *self)
{
  g_return_val_if_fail (LS_IS_EVENT_PANEL (self), FALSE);

  return self->tick_id != 0;
}
