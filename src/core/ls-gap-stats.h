/* ls-gap-stats.h: the gaps between successive arrivals, their percentiles and maximum
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LsGapStats LsGapStats;

/* One thread at a time. @max_kept: gaps kept for the percentiles (the
 * maximum covers every gap). */
LsGapStats *ls_gap_stats_new            (guint       max_kept);
void        ls_gap_stats_free           (LsGapStats *self);
void        ls_gap_stats_clear          (LsGapStats *self);
void        ls_gap_stats_add            (LsGapStats *self,
                                         gint64      gap_us);
/* Nearest rank over the kept gaps: the smallest with at least @percent %
 * of them at or below it; -1 when there is none. */
gint64      ls_gap_stats_get_percentile (LsGapStats *self,
                                         guint       percent);
/* The largest gap added; -1 when none was. */
gint64      ls_gap_stats_get_max        (LsGapStats *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsGapStats, ls_gap_stats_free)

G_END_DECLS
