/* ls-sparkline.h: one figure's recent history, with its scale and time span
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* How the y axis's full scale is written. */
typedef enum
{
  LS_SPARKLINE_DURATION,  /* values in µs: "max 2.10 ms" */
  LS_SPARKLINE_PERCENT,   /* values 0..1: "max 35 %" */
  LS_SPARKLINE_RATE,      /* values per second: "max 1,200 /s" */
} LsSparklineFormat;

/* What a sparkline keeps: the last minute. */
#define LS_SPARKLINE_SPAN_US (60 * G_USEC_PER_SEC)

#define LS_TYPE_SPARKLINE (ls_sparkline_get_type ())
G_DECLARE_FINAL_TYPE (LsSparkline, ls_sparkline, LS, SPARKLINE, GtkWidget)

GtkWidget *ls_sparkline_new        (LsSparklineFormat  format);
void       ls_sparkline_push       (LsSparkline       *self,
                                    gint64             time_us,
                                    double             value);
guint      ls_sparkline_get_n_samples (LsSparkline    *self);
/* The y axis's label as drawn ("max 2.10 ms"), and the time span's ("60 s"). */
char      *ls_sparkline_dup_max_label  (LsSparkline   *self);
char      *ls_sparkline_dup_span_label (LsSparkline   *self);

G_END_DECLS
