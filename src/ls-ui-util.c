/* ls-ui-util.c: small helpers the widgets share for what they refresh every frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cards and pages refresh once per frame, and an unchanged
 * gtk_label_set_label() or a class removed and added again would still
 * cost a relayout or a restyle: these only touch the widget on a change.
 * And they tick only while something can change on screen: the pacing
 * helpers add and remove the frame callback (or the slow timer) as asked.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-loop-probe.h"
#include "ls-ui-util.h"

void
ls_label_set_text_if_changed (GtkLabel   *label,
                              const char *text)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
}

/**
 * ls_widget_swap_css_class:
 * @current: (inout): the class @widget has now, or %NULL; a static or
 *   interned string
 * @css_class: (nullable): the class it should have instead; static or
 *   interned too
 *
 * For a widget showing one state out of several, one CSS class per state.
 */
void
ls_widget_swap_css_class (GtkWidget   *widget,
                          const char **current,
                          const char  *css_class)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (current != NULL);

  if (*current == css_class)
    return;

  if (*current != NULL)
    gtk_widget_remove_css_class (widget, *current);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
  *current = css_class;
}

/**
 * ls_widget_set_ticking:
 * @tick_id: (inout): the tick callback @widget has now, or 0
 * @wanted: whether it should have one
 * @callback: the callback to add (no user data)
 *
 * Adds @callback when wanted and none is there, removes the one there when
 * not wanted; *@tick_id follows. A callback that removes itself (returns
 * %G_SOURCE_REMOVE) must set *@tick_id to 0 first.
 */
void
ls_widget_set_ticking (GtkWidget       *widget,
                       guint           *tick_id,
                       gboolean         wanted,
                       GtkTickCallback  callback)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (tick_id != NULL);

  if (wanted && *tick_id == 0)
    *tick_id = gtk_widget_add_tick_callback (widget, callback, NULL, NULL);
  else if (!wanted && *tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, *tick_id);
      *tick_id = 0;
    }
}

/**
 * ls_widget_set_pace:
 * @fast: every frame (@tick) rather than once a second (@slow, with
 *   @widget as its data)
 * @tick_id: (inout): as for ls_widget_set_ticking()
 * @slow_id: (inout): the slow timer's source id, or 0
 *
 * Frame-paced or once a second, and nothing at all while @widget is
 * unmapped (a hidden page costs nothing).
 */
void
ls_widget_set_pace (GtkWidget       *widget,
                    gboolean         fast,
                    guint           *tick_id,
                    GtkTickCallback  tick,
                    guint           *slow_id,
                    GSourceFunc      slow)
{
  gboolean mapped;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (slow_id != NULL);

  mapped = gtk_widget_get_mapped (widget);
  ls_widget_set_ticking (widget, tick_id, fast && mapped, tick);
  if (!fast && mapped)
    {
      if (*slow_id == 0)
        *slow_id = ls_timeout_add_named (G_PRIORITY_DEFAULT, 1000, "ui.slow-refresh", slow, widget, NULL);
    }
  else
    g_clear_handle_id (slow_id, g_source_remove);
}

/**
 * ls_figure_append:
 * @container: a #GtkBox or a #GtkFlowBox
 * @width_chars: room for the figure to grow without the line (or the flow)
 *   jumping every frame
 *
 * Appends a dim caption and its numeric value label, "—" until set, with
 * @tooltip on both. The pages line their figures up differently, hence
 * @xalign and @width_chars.
 *
 * Returns: (transfer none): the value label
 */
GtkLabel *
ls_figure_append (GtkWidget  *container,
                  const char *caption,
                  const char *tooltip,
                  float       xalign,
                  int         width_chars)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (caption);
  GtkWidget *value = gtk_label_new ("—");

  g_return_val_if_fail (GTK_IS_BOX (container) || GTK_IS_FLOW_BOX (container), NULL);

  gtk_widget_add_css_class (name, "dim-label");
  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (value, "ls-figure");
  gtk_label_set_xalign (GTK_LABEL (value), xalign);
  gtk_label_set_width_chars (GTK_LABEL (value), width_chars);
  gtk_widget_set_tooltip_text (box, tooltip);

  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), value);
  if (GTK_IS_FLOW_BOX (container))
    {
      gtk_flow_box_append (GTK_FLOW_BOX (container), box);
      /* The flow box's children are focusable by default: they are not buttons. */
      gtk_widget_set_focusable (gtk_widget_get_parent (box), FALSE);
    }
  else
    gtk_box_append (GTK_BOX (container), box);

  return GTK_LABEL (value);
}

const char *
ls_loop_display_name (LsLoopId loop)
{
  switch (loop)
    {
    case LS_LOOP_UI:
      return C_("loop", "UI");
    case LS_LOOP_WORKER:
      return C_("loop", "worker");
    case LS_LOOP_OTHER:
    default:
      return C_("loop", "other");
    }
}

void
ls_snapshot_text (GtkWidget     *widget,
                  GtkSnapshot   *snapshot,
                  const char    *text,
                  double         x,
                  double         y,
                  gboolean       right,
                  gboolean       centred,
                  double         scale,
                  const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int w = 0, h = 0;

  if (scale < 1.0)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  if (right || centred)
    pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) (right ? x - w : x),
                                                          (float) (centred ? y - h / 2.0 : y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

void
ls_widget_get_fg_color (GtkWidget *widget,
                        GdkRGBA   *color)
{
  /* gtk_widget_get_color() is 4.10; this is the 4.8 way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}
