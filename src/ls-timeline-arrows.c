/* ls-timeline-arrows.c: where the timeline draws crossings, and which it merges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A crossing is an arrow from its post on one lane to its dispatch on
 * another. Thousands of them may be on screen (a stress run): arrows
 * between the same two lanes whose dispatches fall closer than a few
 * pixels are one arrow, counted, labelled with the longest wait. This is
 * arithmetic only, no widget and no display, so the tests check it alone;
 * the view feeds it the visible crossings in order and draws what comes out.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-timeline-arrows.h"

void
ls_arrow_layout_init (LsArrowLayout *layout,
                      double         min_gap_px)
{
  *layout = (LsArrowLayout) { .min_gap_px = MAX (min_gap_px, 0.0) };
}

/* Starts an arrow of one crossing in @arrow. */
static void
arrow_start (LsArrow               *arrow,
             const LsCrossingPoint *point)
{
  *arrow = (LsArrow) {
    .x_post = point->x_post, .x_dispatch = point->x_dispatch,
    .from = point->from, .to = point->to,
    .x_first = point->x_dispatch,
    .count = 1, .max_wait_us = point->wait_us, .total_wait_us = point->wait_us,
  };
}

/**
 * ls_arrow_layout_add:
 * @done: (out): an arrow ready to draw, when this returns %TRUE
 *
 * Adds one crossing. It joins the pending arrow of its pair of lanes when
 * its dispatch is within the gap of that arrow's first one; otherwise the
 * pending arrow is done (returned) and this crossing starts the next.
 * Crossings within one lane are no arrow: ignored.
 */
gboolean
ls_arrow_layout_add (LsArrowLayout         *layout,
                     const LsCrossingPoint *point,
                     LsArrow               *done)
{
  guint pair;
  LsArrow *arrow;

  if (point->from == point->to || point->from < 0 || point->to < 0
      || point->from >= LS_ARROW_N_LANES || point->to >= LS_ARROW_N_LANES)
    return FALSE;

  pair = (guint) (point->from * LS_ARROW_N_LANES + point->to);
  arrow = &layout->pending[pair];
  if (!layout->active[pair])
    {
      layout->active[pair] = TRUE;
      arrow_start (arrow, point);
      return FALSE;
    }

  /* Close to the group's first dispatch (either side: the order is by
   * record, nearly the order of dispatch): one arrow more. */
  if (ABS (point->x_dispatch - arrow->x_first) < layout->min_gap_px)
    {
      arrow->count++;
      arrow->total_wait_us += point->wait_us;
      if (point->wait_us > arrow->max_wait_us)
        {
          arrow->max_wait_us = point->wait_us;
          arrow->x_post = point->x_post;
          arrow->x_dispatch = point->x_dispatch;
        }
      return FALSE;
    }

  *done = *arrow;
  arrow_start (arrow, point);
  return TRUE;
}

/**
 * ls_arrow_layout_flush:
 * @done: (out): the next pending arrow
 *
 * Call until it returns %FALSE once every crossing is added.
 */
gboolean
ls_arrow_layout_flush (LsArrowLayout *layout,
                       LsArrow       *done)
{
  while (layout->next_flush < G_N_ELEMENTS (layout->pending))
    {
      guint pair = layout->next_flush++;

      if (layout->active[pair])
        {
          layout->active[pair] = FALSE;
          *done = layout->pending[pair];
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * ls_arrow_label:
 *
 * What an arrow says: its wait ("1.20 ms"), or for several crossings
 * their count and the longest wait ("×12, max 3.40 ms").
 */
char *
ls_arrow_label (const LsArrow *arrow,
                char          *buf,
                gsize          len)
{
  char wait[32];

  ls_format_duration (wait, sizeof wait, arrow->max_wait_us);
  if (arrow->count <= 1)
    g_strlcpy (buf, wait, len);
  else
    /* TRANSLATORS: several crossings drawn as one arrow: their count and
     * the longest wait, e.g. "×12, max 3.40 ms". */
    g_snprintf (buf, len, _("×%u, max %s"), arrow->count, wait);
  return buf;
}

/**
 * ls_arrow_label_x:
 *
 * Where an arrow's label starts: right of the arrow's rightmost end.
 */
double
ls_arrow_label_x (const LsArrow *arrow)
{
  return MAX (arrow->x_post, arrow->x_dispatch) + 4.0;
}

/**
 * ls_arrow_label_fits:
 * @last_label_end: where the previous label drawn in the same row ends
 *
 * Whether the arrow gets a label: a merged arrow, or one whose wait spans
 * a few pixels, when it does not run into the previous label. The caller then moves @last_label_end past this label.
 */
gboolean
ls_arrow_label_fits (const LsArrow *arrow,
                     double         last_label_end)
{
  /* A lone crossing whose wait is not even visible says nothing worth
   * the room; a merged one always has its count to tell. */
  if (arrow->count <= 1 && ABS (arrow->x_dispatch - arrow->x_post) < LS_ARROW_MIN_LABELLED_PX)
    return FALSE;
  return ls_arrow_label_x (arrow) >= last_label_end + 4.0;
}

/* ---- spans' bars ---------------------------------------------------------- */

/**
 * ls_span_label_box:
 * @x0, @x1: the bar, in widget pixels
 * @clip0, @clip1: the visible plot
 * @box_x0, @box_x1: (out): where the name goes, padding taken off
 *
 * Returns: TRUE if the visible part of the bar is wide enough for a name
 */
gboolean
ls_span_label_box (double  x0,
                   double  x1,
                   double  clip0,
                   double  clip1,
                   double *box_x0,
                   double *box_x1)
{
  double v0 = MAX (x0, clip0);
  double v1 = MIN (x1, clip1);

  if (v1 - v0 < LS_SPAN_LABEL_MIN_PX)
    return FALSE;
  *box_x0 = v0 + LS_SPAN_LABEL_PAD_PX;
  *box_x1 = v1 - LS_SPAN_LABEL_PAD_PX;
  return TRUE;
}

/**
 * ls_span_hit_distance:
 *
 * How far @x is from a bar from @x0 to @x1, drawn at least one pixel wide.
 *
 * Returns: 0 on the bar, else the distance in pixels
 */
double
ls_span_hit_distance (double x,
                      double x0,
                      double x1)
{
  x1 = MAX (x1, x0 + 1.0);
  if (x < x0)
    return x0 - x;
  if (x > x1)
    return x - x1;
  return 0.0;
}
