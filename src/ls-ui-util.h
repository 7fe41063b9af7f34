/* ls-ui-util.h: small helpers the widgets share for what they refresh every frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

void ls_label_set_text_if_changed (GtkLabel    *label,
                                   const char  *text);
void ls_widget_swap_css_class     (GtkWidget   *widget,
                                   const char **current,
                                   const char  *css_class);
void ls_widget_set_ticking        (GtkWidget        *widget,
                                   guint            *tick_id,
                                   gboolean          wanted,
                                   GtkTickCallback   callback);
void ls_widget_set_pace           (GtkWidget        *widget,
                                   gboolean          fast,
                                   guint            *tick_id,
                                   GtkTickCallback   tick,
                                   guint            *slow_id,
                                   GSourceFunc       slow);
GtkLabel *ls_figure_append       (GtkWidget        *container,
                                   const char       *caption,
                                   const char       *tooltip,
                                   float             xalign,
                                   int               width_chars);
/* @widget's foreground colour (gtk_widget_get_color() is GTK 4.10). */
void ls_widget_get_fg_color       (GtkWidget        *widget,
                                   GdkRGBA          *color);
/* Draws @text in @widget's font with its left edge at @x (its right edge
 * when @right) and its top at @y (its middle when @centred); @scale
 * below 1 draws it smaller, with tabular figures. */
void ls_snapshot_text             (GtkWidget        *widget,
                                   GtkSnapshot      *snapshot,
                                   const char       *text,
                                   double            x,
                                   double            y,
                                   gboolean          right,
                                   gboolean          centred,
                                   double            scale,
                                   const GdkRGBA    *color);
/* A loop's short name as the timeline's tooltip and the task list show
 * it ("UI", "worker", "other"); the trace keeps the nicks. */
const char *ls_loop_display_name  (LsLoopId          loop);

G_END_DECLS
