/* ls-ui-util.c: small helpers the widgets share for labels refreshed every frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cards and pages refresh once per frame, and an unchanged
 * gtk_label_set_label() or a class removed and added again would still
 * cost a relayout or a restyle: these only touch the widget on a change.
 */
#include "config.h"

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
