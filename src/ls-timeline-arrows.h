/* ls-timeline-arrows.h: where the timeline draws crossings, and which it merges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lanes the arrows run between (the timeline's: UI, worker, other). */
#define LS_ARROW_N_LANES 3
/* A lone crossing's wait must span this much to be labelled. */
#define LS_ARROW_MIN_LABELLED_PX 3.0

/* One crossing on screen: posted at @x_post in lane @from, dispatched at
 * @x_dispatch in lane @to, after waiting @wait_us. */
typedef struct
{
  double  x_post;
  double  x_dispatch;
  int     from;
  int     to;
  gint64  wait_us;
} LsCrossingPoint;

/* What is drawn: one arrow for @count crossings between the same lanes
 * whose dispatches fall within the layout's gap. It runs from the post to
 * the dispatch of the one that waited longest (@max_wait_us). */
typedef struct
{
  double  x_post;
  double  x_dispatch;
  double  x_first;     /* the group's first dispatch: the gap counts from it */
  int     from;
  int     to;
  guint   count;
  gint64  max_wait_us;
  gint64  total_wait_us;
} LsArrow;

/* Streams crossings in dispatch order (nearly is enough) into arrows, with
 * no allocation: one pending arrow per pair of lanes. */
typedef struct
{
  double   min_gap_px;
  gboolean active[LS_ARROW_N_LANES * LS_ARROW_N_LANES];
  LsArrow  pending[LS_ARROW_N_LANES * LS_ARROW_N_LANES];
  guint    next_flush;
} LsArrowLayout;

void     ls_arrow_layout_init  (LsArrowLayout         *layout,
                                double                 min_gap_px);
gboolean ls_arrow_layout_add   (LsArrowLayout         *layout,
                                const LsCrossingPoint *point,
                                LsArrow               *done);
gboolean ls_arrow_layout_flush (LsArrowLayout         *layout,
                                LsArrow               *done);
char    *ls_arrow_label        (const LsArrow         *arrow,
                                char                  *buf,
                                gsize                  len);
double   ls_arrow_label_x      (const LsArrow         *arrow);
gboolean ls_arrow_label_fits   (const LsArrow         *arrow,
                                double                 last_label_end);

/* A span's name is drawn inside its bar when the bar's visible part is at
 * least this wide (level of detail: narrower bars stay plain). */
#define LS_SPAN_LABEL_MIN_PX 28.0
#define LS_SPAN_LABEL_PAD_PX 3.0

gboolean ls_span_label_box     (double                 x0,
                                double                 x1,
                                double                 clip0,
                                double                 clip1,
                                double                *box_x0,
                                double                *box_x1);
double   ls_span_hit_distance  (double                 x,
                                double                 x0,
                                double                 x1);

G_END_DECLS
