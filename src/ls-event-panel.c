/* ls-event-panel.c: the received events as a table, and the one selected
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView over LsEventList: only the rows on screen exist as
 * widgets and items, so a million events scroll like a hundred. The list
 * catches up with its store once per frame from a tick callback that runs
 * only while the panel is mapped.
 *
 * "Follow" keeps the newest row in view. It switches itself off when the
 * user scrolls up and on again when they scroll back to the bottom, the
 * way a terminal does.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "ls-event-panel.h"
#include "ls-event-panel-private.h"
#include "ls-format.h"

/* The data column shows one line; past this many bytes nobody reads it. */
#define DATA_PREVIEW_BYTES 240
/* Pretty-printing parses the whole value: beyond this, show it as is. */
#define PRETTY_JSON_MAX_BYTES (4 * 1024 * 1024)
/* The detail pane shows this much of a huge event (a text view with
 * hundreds of megabytes would freeze the UI thread). */
#define DETAIL_MAX_BYTES (8 * 1024 * 1024)
/* Within this many pixels of the bottom counts as "at the bottom". */
#define BOTTOM_SLACK_PX 4.0

typedef enum
{
  COLUMN_SEQ,
  COLUMN_TIME,
  COLUMN_KIND,
  COLUMN_TYPE,
  COLUMN_ID,
  COLUMN_SIZE,
  COLUMN_DATA,
} LsEventColumn;

struct _LsEventPanel
{
  GtkWidget           parent_instance;

  /* Template widgets */
  GtkPaned           *paned;
  GtkScrolledWindow  *scrolled;
  GtkColumnView      *column_view;
  GtkLabel           *empty_label;
  GtkToggleButton    *follow_button;
  GtkStack           *detail_stack;
  GtkLabel           *detail_title;
  GtkLabel           *detail_subtitle;
  GtkTextView        *detail_text;

  LsEventList        *list;
  GtkSingleSelection *selection;
  GtkAdjustment      *vadjustment;
  guint               tick_id;
  gboolean            finished;    /* the store will not grow: no tick needed */
  gboolean            scrolling;   /* our own adjustment changes, not the user's */
  double              last_value;
  guint64             last_first_seq;  /* to tell retention drops from user scrolls */
};

G_DEFINE_FINAL_TYPE (LsEventPanel, ls_event_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FOLLOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- formatting ----------------------------------------------------------- */

char *
_ls_event_panel_format_time (char   *buf,
                             gsize   len,
                             gint64  real_time_us)
{
  time_t seconds = (time_t) (real_time_us / G_USEC_PER_SEC);
  struct tm tm;

  g_return_val_if_fail (buf != NULL && len > 0, buf);

  if (real_time_us < 0 || localtime_r (&seconds, &tm) == NULL)
    {
      g_strlcpy (buf, "--:--:--.---", len);
      return buf;
    }

  g_snprintf (buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
              (int) ((real_time_us % G_USEC_PER_SEC) / 1000));
  return buf;
}

char *
_ls_event_panel_first_line (const char *data,
                            gsize       data_len,
                            gsize       max_bytes)
{
  const char *eol;
  gsize n;

  if (data == NULL || data_len == 0)
    return g_strdup ("");

  n = MIN (data_len, max_bytes);
  eol = memchr (data, '\n', n);
  if (eol != NULL)
    n = eol - data;
  if (n > 0 && data[n - 1] == '\r')
    n--;

  /* Raw chunks may hold anything: make_valid also replaces NULs' effect
   * (it stops at none) and a multi-byte character cut by the cap. */
  return g_utf8_make_valid (data, n);
}

char *
_ls_event_panel_pretty_json (const char *data,
                             gsize       data_len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  JsonNode *root;
  gsize i = 0;

  if (data == NULL || data_len == 0 || data_len > PRETTY_JSON_MAX_BYTES)
    return NULL;

  /* Only objects and arrays gain anything from indentation; checking the
   * first character first avoids parsing every plain-text event. */
  while (i < data_len && g_ascii_isspace (data[i]))
    i++;
  if (i == data_len || (data[i] != '{' && data[i] != '['))
    return NULL;
  if (!g_utf8_validate (data, data_len, NULL))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, data_len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return NULL;

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/* The one human name of each kind; machine names are the nicks of
 * LS_TYPE_EVENT_KIND. */
static const char *
kind_label (LsEventKind kind)
{
  switch (kind)
    {
    case LS_EVENT_KIND_EVENT:
      return C_("event kind", "event");
    case LS_EVENT_KIND_INVALID:
      return C_("event kind", "invalid");
    case LS_EVENT_KIND_CHUNK:
      return C_("event kind", "chunk");
    case LS_EVENT_KIND_OPEN:
      return C_("event kind", "open");
    case LS_EVENT_KIND_ERROR:
      return C_("event kind", "error");
    case LS_EVENT_KIND_RECONNECT:
      return C_("event kind", "reconnect");
    case LS_EVENT_KIND_CLOSED:
      return C_("event kind", "closed");
    default:
      return "?";
    }
}

static void
format_size (char   *buf,
             gsize   len,
             guint64 bytes)
{
  if (bytes < 1024)
    g_snprintf (buf, len, "%" G_GUINT64_FORMAT " B", bytes);
  else if (bytes < 1024 * 1024)
    g_snprintf (buf, len, "%.1f KiB", bytes / 1024.0);
  else
    g_snprintf (buf, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
}

/* ---- columns -------------------------------------------------------------- */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  LsEventColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);

  switch (column)
    {
    case COLUMN_SEQ:
    case COLUMN_SIZE:
      gtk_label_set_xalign (GTK_LABEL (label), 1.0);
      gtk_widget_add_css_class (label, "numeric");
      break;

    case COLUMN_TIME:
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "numeric");
      break;

    case COLUMN_DATA:
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "monospace");
      break;

    case COLUMN_KIND:
    case COLUMN_TYPE:
    case COLUMN_ID:
    default:
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      break;
    }

  gtk_list_item_set_child (list_item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  LsEventColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  LsEventItem *item = gtk_list_item_get_item (list_item);
  const LsEventView *view = ls_event_item_get_view (item);
  g_autofree char *owned = NULL;
  const char *text = NULL;
  char buf[64];

  gtk_widget_remove_css_class (label, "ls-lifecycle");
  gtk_widget_remove_css_class (label, "ls-error");
  gtk_widget_remove_css_class (label, "ls-invalid");
  if (ls_event_item_is_lifecycle (item))
    gtk_widget_add_css_class (label, "ls-lifecycle");
  if (view->kind == LS_EVENT_KIND_ERROR)
    gtk_widget_add_css_class (label, "ls-error");
  else if (view->kind == LS_EVENT_KIND_INVALID)
    gtk_widget_add_css_class (label, "ls-invalid");

  switch (column)
    {
    case COLUMN_SEQ:
      text = ls_format_count (buf, sizeof buf, view->seq + 1);
      break;

    case COLUMN_TIME:
      text = ls_event_item_is_dropped (item)
               ? "" : _ls_event_panel_format_time (buf, sizeof buf, ls_event_item_get_real_time (item));
      break;

    case COLUMN_KIND:
      text = ls_event_item_is_dropped (item) ? _("dropped") : kind_label (view->kind);
      break;

    case COLUMN_TYPE:
      text = view->type;
      break;

    case COLUMN_ID:
      text = view->id;
      break;

    case COLUMN_SIZE:
      format_size (buf, sizeof buf, view->data_len);
      text = buf;
      break;

    case COLUMN_DATA:
      owned = _ls_event_panel_first_line (view->data, view->data_len, DATA_PREVIEW_BYTES);
      text = owned;
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (GTK_LABEL (label), text);
}

static void
ls_event_panel_add_column (LsEventPanel  *self,
                           const char    *title,
                           LsEventColumn  column,
                           int            fixed_width,
                           gboolean       expand)
{
  g_autoptr(GtkColumnViewColumn) col = NULL;
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GINT_TO_POINTER (column));

  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_column_set_expand (col, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  gtk_column_view_append_column (self->column_view, col);
}

/* ---- detail pane ---------------------------------------------------------- */

static void
ls_event_panel_show_item (LsEventPanel *self,
                          LsEventItem  *item)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_text);
  const LsEventView *view;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *valid = NULL;
  char time_buf[32];
  char size_buf[32];
  char seq_buf[32];

  if (item == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      return;
    }

  view = ls_event_item_get_view (item);
  ls_format_count (seq_buf, sizeof seq_buf, view->seq + 1);
  if (view->type[0] != '\0')
    /* Translators: detail pane title: event number, kind and type, e.g. "#12 · event · tick" */
    title = g_strdup_printf (_("#%s · %s · %s"), seq_buf, kind_label (view->kind), view->type);
  else
    title = g_strdup_printf (_("#%s · %s"), seq_buf, kind_label (view->kind));
  gtk_label_set_text (self->detail_title, title);

  _ls_event_panel_format_time (time_buf, sizeof time_buf, ls_event_item_get_real_time (item));
  format_size (size_buf, sizeof size_buf, view->data_len);
  if (view->id[0] != '\0')
    subtitle = g_strdup_printf (_("%s · %s · id %s"), time_buf, size_buf, view->id);
  else
    subtitle = g_strdup_printf (_("%s · %s"), time_buf, size_buf);
  gtk_label_set_text (self->detail_subtitle, subtitle);

  if (ls_event_item_is_dropped (item))
    {
      gtk_text_buffer_set_text (buffer, _("This event was dropped by the retention limit."), -1);
    }
  else
    {
      pretty = _ls_event_panel_pretty_json (view->data, view->data_len);
      if (pretty != NULL)
        {
          gtk_text_buffer_set_text (buffer, pretty, -1);
        }
      else
        {
          valid = g_utf8_make_valid (view->data, MIN (view->data_len, DETAIL_MAX_BYTES));
          gtk_text_buffer_set_text (buffer, valid, -1);
        }
    }

  gtk_stack_set_visible_child_name (self->detail_stack, "event");
}

static void
on_selected_item_cb (LsEventPanel       *self,
                     GParamSpec         *pspec,
                     GtkSingleSelection *selection)
{
  ls_event_panel_show_item (self, gtk_single_selection_get_selected_item (selection));
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
   * anchor row in place): only a move up is the user leaving the bottom. */
  if (follow && moved_up && value < bottom - BOTTOM_SLACK_PX)
    gtk_toggle_button_set_active (self->follow_button, FALSE);
  else if (!follow && value >= bottom - BOTTOM_SLACK_PX && bottom > 0)
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

/* ---- per-frame update ----------------------------------------------------- */

static void
ls_event_panel_update_empty (LsEventPanel *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->list)) == 0;

  if (gtk_widget_get_visible (GTK_WIDGET (self->empty_label)) != empty)
    gtk_widget_set_visible (GTK_WIDGET (self->empty_label), empty);
}

static gboolean
ls_event_panel_tick_cb (GtkWidget     *widget,
                        GdkFrameClock *frame_clock,
                        gpointer       user_data)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  if (ls_event_list_update (self->list))
    {
      ls_event_panel_update_empty (self);
      if (gtk_toggle_button_get_active (self->follow_button))
        ls_event_panel_scroll_to_bottom (self);
    }

  return G_SOURCE_CONTINUE;
}

/* One tick per frame only while something can change on screen: mapped,
 * with a store that may still grow. An idle window draws nothing. */
static void
ls_event_panel_update_tick (LsEventPanel *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean wanted = gtk_widget_get_mapped (widget)
                    && ls_event_list_get_store (self->list) != NULL
                    && !self->finished;

  if (wanted && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (widget, ls_event_panel_tick_cb, NULL, NULL);
  else if (!wanted && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->tick_id);
      self->tick_id = 0;
    }
}

/* Once, at once: what the tick would have done. */
static void
ls_event_panel_catch_up (LsEventPanel *self)
{
  if (ls_event_list_update (self->list) && gtk_toggle_button_get_active (self->follow_button))
    ls_event_panel_scroll_to_bottom (self);
  ls_event_panel_update_empty (self);
}

static void
ls_event_panel_map (GtkWidget *widget)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  GTK_WIDGET_CLASS (ls_event_panel_parent_class)->map (widget);

  /* Catch up at once, then once per frame while anyone can see us. */
  ls_event_panel_catch_up (self);
  ls_event_panel_update_tick (self);
}

static void
ls_event_panel_unmap (GtkWidget *widget)
{
  LsEventPanel *self = LS_EVENT_PANEL (widget);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->tick_id);
      self->tick_id = 0;
    }

  GTK_WIDGET_CLASS (ls_event_panel_parent_class)->unmap (widget);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_event_panel_dispose (GObject *object)
{
  LsEventPanel *self = LS_EVENT_PANEL (object);

  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_EVENT_PANEL);

  g_clear_object (&self->selection);
  g_clear_object (&self->list);

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

  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-event-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, paned);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, scrolled);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, follow_button);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_title);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_subtitle);
  gtk_widget_class_bind_template_child (widget_class, LsEventPanel, detail_text);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lseventpanel");
}

static void
ls_event_panel_init (LsEventPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->list = ls_event_list_new (NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_cb), self, G_CONNECT_SWAPPED);

  /* Fixed widths: measuring every row's text to size columns is what a
   * million-row table cannot afford; the data column takes the rest. */
  ls_event_panel_add_column (self, _("#"), COLUMN_SEQ, 80, FALSE);
  ls_event_panel_add_column (self, _("Time"), COLUMN_TIME, 110, FALSE);
  ls_event_panel_add_column (self, _("Kind"), COLUMN_KIND, 86, FALSE);
  ls_event_panel_add_column (self, _("Type"), COLUMN_TYPE, 96, FALSE);
  ls_event_panel_add_column (self, _("ID"), COLUMN_ID, 72, FALSE);
  ls_event_panel_add_column (self, _("Size"), COLUMN_SIZE, 76, FALSE);
  ls_event_panel_add_column (self, _("Data"), COLUMN_DATA, 0, TRUE);

  self->vadjustment = g_object_ref (gtk_scrolled_window_get_vadjustment (self->scrolled));
  g_signal_connect_swapped (self->vadjustment, "value-changed",
                            G_CALLBACK (on_vadjustment_value_changed_cb), self);
  g_signal_connect_object (self->follow_button, "toggled",
                           G_CALLBACK (on_follow_toggled_cb), self, G_CONNECT_SWAPPED);

  ls_event_panel_show_item (self, NULL);
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
  ls_event_panel_update_empty (self);
  ls_event_panel_set_follow (self, TRUE);
  self->finished = FALSE;
  ls_event_panel_update_tick (self);
}

/**
 * ls_event_panel_set_finished:
 * @finished: %TRUE once the store's writer is done (the stream ended)
 *
 * A finished store gets one last catch-up and no more per-frame ticks;
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
  if (finished && gtk_widget_get_mapped (GTK_WIDGET (self)))
    ls_event_panel_catch_up (self);
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
