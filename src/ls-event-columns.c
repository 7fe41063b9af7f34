/* ls-event-columns.c: the events table's columns, and rows found from their cells
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each column is a label per row, bound to an LsEventItem. A label keeps
 * its list item (to find the row under the pointer) and, in the "#"
 * column, the event it shows (to tell whether an event's row is on
 * screen): GtkColumnView 4.8 offers neither.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-event-panel-private.h"
#include "ls-format.h"

/* The data column shows one line; past this many bytes nobody reads it. */
#define DATA_PREVIEW_BYTES 240

typedef enum
{
  COLUMN_SEQ,
  COLUMN_TIME,
  COLUMN_GAP,
  COLUMN_TYPE,
  COLUMN_ID,
  COLUMN_SIZE,
  COLUMN_DATA,
} LsEventColumn;

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  LsEventColumn column = GPOINTER_TO_INT (user_data);
  /* A GtkInscription, not a GtkLabel: its size does not depend on its
   * text, so rows rebound every frame (Follow under a flood shifts all of
   * them) are not laid out twice to be measured. */
  GtkWidget *label = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (label), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_lines (GTK_INSCRIPTION (label), 1);
  /* The context menu finds its row from the widget under the pointer. */
  g_object_set_data (G_OBJECT (label), "ls-list-item", list_item);

  switch (column)
    {
    case COLUMN_SEQ:
    case COLUMN_SIZE:
    case COLUMN_GAP:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 1.0);
      gtk_widget_add_css_class (label, "numeric");
      break;

    case COLUMN_TIME:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 0.0);
      gtk_widget_add_css_class (label, "numeric");
      break;

    case COLUMN_DATA:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 0.0);
      gtk_widget_add_css_class (label, "monospace");
      break;

    case COLUMN_TYPE:
    case COLUMN_ID:
    default:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 0.0);
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
  GtkWidget *cell = gtk_widget_get_parent (label);
  LsEventItem *item = gtk_list_item_get_item (list_item);
  const LsEventView *view = ls_event_item_get_view (item);
  gboolean divider = view->kind == LS_EVENT_KIND_OPEN && !ls_event_item_is_dropped (item);
  g_autofree char *owned = NULL;
  const char *text = NULL;
  char buf[64];

  gtk_widget_remove_css_class (label, "ls-lifecycle");
  gtk_widget_remove_css_class (label, "ls-error");
  gtk_widget_remove_css_class (label, "ls-invalid");
  /* Comments are dimmed like lifecycle rows: about the stream, not in it. */
  if ((ls_event_item_is_lifecycle (item) && !divider) || view->kind == LS_EVENT_KIND_COMMENT)
    gtk_widget_add_css_class (label, "ls-lifecycle");
  if (view->kind == LS_EVENT_KIND_ERROR)
    gtk_widget_add_css_class (label, "ls-error");
  else if (view->kind == LS_EVENT_KIND_INVALID)
    gtk_widget_add_css_class (label, "ls-invalid");
  /* Each connection (attempt) starts with its "open" row: drawn as a
   * divider across the row, on every cell, since cells are recycled. */
  if (cell != NULL)
    {
      if (divider)
        gtk_widget_add_css_class (cell, "ls-divider");
      else
        gtk_widget_remove_css_class (cell, "ls-divider");
    }

  switch (column)
    {
    case COLUMN_SEQ:
      text = ls_format_count (buf, sizeof buf, view->seq + 1);
      g_object_set_data (G_OBJECT (label), "ls-seq", GSIZE_TO_POINTER ((gsize) view->seq + 1));
      break;

    case COLUMN_TIME:
      text = ls_event_item_is_dropped (item)
               ? "" : _ls_event_panel_format_time (buf, sizeof buf, ls_event_item_get_real_time (item));
      break;

    case COLUMN_GAP:
      text = ls_event_item_get_gap (item) >= 0
               ? ls_format_duration (buf, sizeof buf, ls_event_item_get_gap (item)) : "";
      break;

    case COLUMN_TYPE:
      /* One column for what a row is: the event's type, or for rows
       * without one (lifecycle, invalid lines, raw chunks) their kind.
       * A column of its own for the kind would say "event" on nearly
       * every row and cost the data column the room. */
      if (ls_event_item_is_dropped (item))
        text = _("dropped");
      else if (view->type[0] == '\0' && view->kind != LS_EVENT_KIND_EVENT)
        text = _ls_event_panel_kind_label (view->kind);
      else
        text = view->type;
      break;

    case COLUMN_ID:
      text = view->id;
      break;

    case COLUMN_SIZE:
      text = ls_format_size (buf, sizeof buf, view->data_len);
      break;

    case COLUMN_DATA:
      owned = _ls_event_panel_first_line (view->data, view->data_len, DATA_PREVIEW_BYTES);
      text = owned;
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_inscription_set_text (GTK_INSCRIPTION (label), text);
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  g_object_set_data (G_OBJECT (label), "ls-seq", NULL);
}

static void
add_column (GtkColumnView *view,
            const char    *title,
            LsEventColumn  column,
            int            fixed_width,
            gboolean       expand)
{
  g_autoptr(GtkColumnViewColumn) col = NULL;
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), GINT_TO_POINTER (column));

  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_column_set_expand (col, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  gtk_column_view_append_column (view, col);
}

void
_ls_event_columns_add (GtkColumnView *view)
{
  /* Fixed widths: measuring every row's text to size columns is what a
   * million-row table cannot afford; the data column takes the rest. */
  add_column (view, _("#"), COLUMN_SEQ, 76, FALSE);
  add_column (view, _("Time"), COLUMN_TIME, 104, FALSE);
  add_column (view, _("Gap"), COLUMN_GAP, 84, FALSE);
  add_column (view, _("Type"), COLUMN_TYPE, 92, FALSE);
  add_column (view, _("ID"), COLUMN_ID, 68, FALSE);
  add_column (view, _("Size"), COLUMN_SIZE, 76, FALSE);
  add_column (view, _("Data"), COLUMN_DATA, 0, TRUE);
}

/* The row under (@x, @y) of the column view, G_MAXUINT for none. */
guint
_ls_event_columns_row_at (GtkColumnView *view,
                          double         x,
                          double         y)
{
  GtkWidget *widget = gtk_widget_pick (GTK_WIDGET (view), x, y, GTK_PICK_DEFAULT);

  for (; widget != NULL && widget != GTK_WIDGET (view);
       widget = gtk_widget_get_parent (widget))
    {
      GtkListItem *list_item = g_object_get_data (G_OBJECT (widget), "ls-list-item");

      if (list_item == NULL)
        {
          /* The pointer is on a cell around its label. */
          GtkWidget *child = gtk_widget_get_first_child (widget);

          if (child != NULL && gtk_widget_get_next_sibling (child) == NULL)
            list_item = g_object_get_data (G_OBJECT (child), "ls-list-item");
        }
      if (list_item != NULL && gtk_list_item_get_item (list_item) != NULL)
        return gtk_list_item_get_position (list_item);
    }

  return G_MAXUINT;
}

static GtkWidget *
find_visible_seq_label (GtkWidget       *widget,
                        GtkWidget       *viewport,
                        gsize            want,
                        graphene_rect_t *view_bounds)
{
  graphene_rect_t bounds;
  GtkWidget *child;

  if (!gtk_widget_get_mapped (widget))
    return NULL;

  /* At least half of the row on screen counts. */
  if (GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (widget), "ls-seq")) == want)
    return gtk_widget_compute_bounds (widget, viewport, &bounds)
           && bounds.origin.y + bounds.size.height / 2 >= view_bounds->origin.y
           && bounds.origin.y + bounds.size.height / 2 <= view_bounds->origin.y + view_bounds->size.height
           ? widget : NULL;

  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_visible_seq_label (child, viewport, want, view_bounds);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
_ls_event_columns_find_visible_row (GtkColumnView *view,
                                    GtkWidget     *viewport,
                                    guint64        seq)
{
  graphene_rect_t view_bounds;

  graphene_rect_init (&view_bounds, 0, 0, gtk_widget_get_width (viewport), gtk_widget_get_height (viewport));

  return find_visible_seq_label (GTK_WIDGET (view), viewport, (gsize) seq + 1, &view_bounds);
}
