/* ls-gap-stats.c: the gaps between successive arrivals, their percentiles and maximum
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the LLM assembler measures between tokens and the Compare page
 * between events. The gaps are kept (up to a bound) in arrival order; a
 * sorted copy is extended only by the gaps that came since it was last
 * asked for (they are sorted, then merged in from the back), so asking
 * once a frame costs the new gaps, not all of them.
 */
#include "config.h"

#include <stdlib.h>

#include "ls-gap-stats.h"

struct _LsGapStats
{
  guint   max_kept;
  GArray *gaps;     /* gint64 µs, in arrival order, at most max_kept */
  GArray *sorted;   /* the first sorted->len gaps, sorted */
  gint64  max_us;   /* -1: none */
};

LsGapStats *
ls_gap_stats_new (guint max_kept)
{
  LsGapStats *self = g_new0 (LsGapStats, 1);

  self->max_kept = max_kept;
  self->gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->sorted = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->max_us = -1;
  return self;
}

void
ls_gap_stats_free (LsGapStats *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->gaps);
  g_array_unref (self->sorted);
  g_free (self);
}

void
ls_gap_stats_clear (LsGapStats *self)
{
  g_array_set_size (self->gaps, 0);
  g_array_set_size (self->sorted, 0);
  self->max_us = -1;
}

void
ls_gap_stats_add (LsGapStats *self,
                  gint64      gap_us)
{
  if (self->gaps->len < self->max_kept)
    g_array_append_val (self->gaps, gap_us);
  self->max_us = MAX (self->max_us, gap_us);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
ls_gap_stats_merge (LsGapStats *self)
{
  guint old_len = self->sorted->len;
  guint n_new = self->gaps->len - old_len;
  g_autofree gint64 *fresh = g_memdup2 (&g_array_index (self->gaps, gint64, old_len), n_new * sizeof (gint64));
  gint64 *out;
  guint i = old_len, j = n_new, k;

  qsort (fresh, n_new, sizeof (gint64), compare_gint64);
  g_array_set_size (self->sorted, self->gaps->len);
  out = (gint64 *) (gpointer) self->sorted->data;

  /* Merge from the back, in place. */
  for (k = self->gaps->len; j > 0; k--)
    {
      if (i > 0 && out[i - 1] > fresh[j - 1])
        out[k - 1] = out[--i];
      else
        out[k - 1] = fresh[--j];
    }
}

gint64
ls_gap_stats_get_percentile (LsGapStats *self,
                             guint       percent)
{
  guint64 rank;

  if (self->gaps->len == 0)
    return -1;
  if (self->sorted->len < self->gaps->len)
    ls_gap_stats_merge (self);
  rank = ((guint64) self->sorted->len * percent + 99) / 100;
  return g_array_index (self->sorted, gint64, MAX (rank, 1) - 1);
}

gint64
ls_gap_stats_get_max (LsGapStats *self)
{
  return self->max_us;
}
