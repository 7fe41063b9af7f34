/* ls-timeline-view.h: the recorder's spans, guards and lag, lane by loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

/* How much time the live view shows, and how far zoom may go. */
#define LS_TIMELINE_DEFAULT_SPAN_US (5 * G_USEC_PER_SEC)
#define LS_TIMELINE_MIN_SPAN_US     1000
#define LS_TIMELINE_MAX_SPAN_US     (120 * G_USEC_PER_SEC)

#define LS_TYPE_TIMELINE_VIEW (ls_timeline_view_get_type ())
G_DECLARE_FINAL_TYPE (LsTimelineView, ls_timeline_view, LS, TIMELINE_VIEW, GtkWidget)

GtkWidget      *ls_timeline_view_new            (void);
LsRecorder     *ls_timeline_view_get_recorder   (LsTimelineView *self);
void            ls_timeline_view_set_recorder   (LsTimelineView *self,
                                                 LsRecorder     *recorder);
/* Live: the right edge follows the clock, refreshed every frame while
 * visible. Not live (paused): scroll pans, Ctrl+scroll zooms. */
gboolean        ls_timeline_view_get_live       (LsTimelineView *self);
void            ls_timeline_view_set_live       (LsTimelineView *self,
                                                 gboolean        live);
/* The visible time range, monotonic microseconds. Setting it pauses. */
void            ls_timeline_view_get_range      (LsTimelineView *self,
                                                 gint64         *start_us,
                                                 gint64         *end_us);
void            ls_timeline_view_set_range      (LsTimelineView *self,
                                                 gint64          start_us,
                                                 gint64          end_us);
/* Zoom by @factor (> 1 zooms out) around widget x coordinate @x. */
void            ls_timeline_view_zoom           (LsTimelineView *self,
                                                 double          factor,
                                                 double          x);
/* Pulls new records from the recorder now (the tick does it per frame). */
void            ls_timeline_view_refresh        (LsTimelineView *self);
guint           ls_timeline_view_get_n_records  (LsTimelineView *self);
/* The span or guard drawn at widget coordinates (@x, @y), or NULL.
 * Valid until the next refresh. */
const LsRecord *ls_timeline_view_pick           (LsTimelineView *self,
                                                 double          x,
                                                 double          y);
/* Tooltip text for @record (newly allocated). */
char           *ls_timeline_view_describe       (LsTimelineView *self,
                                                 const LsRecord *record);
/* Lane geometry, for tests and the tooltip: the y of @loop's span row. */
double          ls_timeline_view_get_lane_y     (LsTimelineView *self,
                                                 LsLoopId        loop,
                                                 gboolean        nested);
double          ls_timeline_view_time_to_x      (LsTimelineView *self,
                                                 gint64          time_us);
/* Number of rectangles the last snapshot() drew for spans (after
 * coalescing): bounded by the width, whatever the number of spans. */
guint           ls_timeline_view_get_last_n_drawn (LsTimelineView *self);

G_END_DECLS
