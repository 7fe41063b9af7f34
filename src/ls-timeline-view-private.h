/* ls-timeline-view-private.h: what the timeline's tests (and its tooltip) reach inside
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-timeline-view.h"

G_BEGIN_DECLS

/* Pulls new records from the recorder now (the tick does it per frame). */
void            _ls_timeline_view_refresh        (LsTimelineView *self);
guint           _ls_timeline_view_get_n_records  (LsTimelineView *self);
/* The span or guard drawn at widget coordinates (@x, @y), or NULL.
 * Valid until the next refresh. */
const LsRecord *_ls_timeline_view_pick           (LsTimelineView *self,
                                                  double          x,
                                                  double          y);
/* Tooltip text for @record (newly allocated). */
char           *_ls_timeline_view_describe       (LsTimelineView *self,
                                                  const LsRecord *record);
/* Lane geometry, for tests and the tooltip: the y of @loop's span row. */
double          _ls_timeline_view_get_lane_y     (LsTimelineView *self,
                                                  LsLoopId        loop,
                                                  gboolean        nested);
/* The y of a stream's lane's span row, -1 when it has none. */
double          _ls_timeline_view_get_stream_lane_y (LsTimelineView *self,
                                                     guint32         stream_id,
                                                     gboolean        nested);
/* The label of that lane. */
char           *_ls_timeline_view_dup_stream_lane_name (LsTimelineView *self,
                                                        guint32         stream_id);
double          _ls_timeline_view_time_to_x      (LsTimelineView *self,
                                                  gint64          time_us);
/* Number of rectangles the last snapshot() drew for spans (after
 * coalescing): bounded by the width, whatever the number of spans. */
guint           _ls_timeline_view_get_last_n_drawn (LsTimelineView *self);
/* Arrows the last snapshot() drew for crossings, and the crossings they
 * stand for (merged when dense). */
void            _ls_timeline_view_get_last_arrows  (LsTimelineView *self,
                                                    guint          *n_arrows,
                                                    guint          *n_crossings);

/* The spans ls_timeline_view_show_event_path() framed: read, parse,
 * delivery (0: none). */
void            _ls_timeline_view_get_event_path (LsTimelineView *self,
                                                  guint64         ids[3]);

G_END_DECLS
