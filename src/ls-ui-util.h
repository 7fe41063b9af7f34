/* ls-ui-util.h: small helpers the widgets share for labels refreshed every frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void ls_label_set_text_if_changed (GtkLabel    *label,
                                   const char  *text);
void ls_widget_swap_css_class     (GtkWidget   *widget,
                                   const char **current,
                                   const char  *css_class);

G_END_DECLS
