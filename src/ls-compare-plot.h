/* ls-compare-plot.h: cumulative events against time since the request, one line per stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-compare.h"

G_BEGIN_DECLS

#define LS_TYPE_COMPARE_PLOT (ls_compare_plot_get_type ())
G_DECLARE_FINAL_TYPE (LsComparePlot, ls_compare_plot, LS, COMPARE_PLOT, GtkWidget)

GtkWidget *ls_compare_plot_new          (void);
/* Forgets the lines (before their series go). */
void       ls_compare_plot_clear        (LsComparePlot   *self);
/* @series is borrowed until the next clear; drawn in @color. */
void       ls_compare_plot_add_line     (LsComparePlot   *self,
                                         LsCompareSeries *series,
                                         const GdkRGBA   *color);
guint      ls_compare_plot_get_n_lines  (LsComparePlot   *self);

G_END_DECLS
