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
void            ls_timeline_view_show_all       (LsTimelineView *self);
/* Records made on thread @thread_id go to @loop's lane, whatever loop the
 * code that made them named: a lane is the thread that ran the work. */
void            ls_timeline_view_set_loop_thread (LsTimelineView *self,
                                                  LsLoopId        loop,
                                                  gint            thread_id);
/* Zoom by @factor (> 1 zooms out) around widget x coordinate @x. */
void            ls_timeline_view_zoom           (LsTimelineView *self,
                                                 double          factor,
                                                 double          x);

/* The selected span (click, arrow keys; Escape clears), or NULL. Valid
 * until the next refresh. "selection-changed" says when it changes. */
const LsRecord *ls_timeline_view_get_selected   (LsTimelineView *self);
/* Selects the span of sequence number @seq (G_MAXUINT64: none). */
void            ls_timeline_view_select_seq     (LsTimelineView *self,
                                                 guint64         seq);
/* Selects every span of @task, outlined, its latest the selected span; a
 * task with no span yet, through its children. 0: none. */
void            ls_timeline_view_select_task    (LsTimelineView *self,
                                                 guint64         task);
guint64         ls_timeline_view_get_selected_task (LsTimelineView *self);
/* The records held, in seq order, valid until the next refresh; the
 * generation changes when records are dropped or replaced (otherwise a
 * refresh only appends). "records-changed" says when. */
const LsRecord *ls_timeline_view_get_records    (LsTimelineView *self,
                                                 guint          *n_records,
                                                 guint64        *generation);
/* The span of task @task the view holds (the last recorded), or NULL. */
const LsRecord *ls_timeline_view_find_task      (LsTimelineView *self,
                                                 guint64         task);
/* Up to @max spans whose parent is @task, oldest first, in @out (of
 * const LsRecord *); returns how many there are in all. */
guint           ls_timeline_view_get_children   (LsTimelineView *self,
                                                 guint64         task,
                                                 GPtrArray      *out,
                                                 guint           max);
/* Pauses on an event's path from the socket to the screen, framed;
 * returns its hops in words, NULL when not in the records held. */
char           *ls_timeline_view_show_event_path (LsTimelineView *self,
                                                  guint32         stream_id,
                                                  gint64          event_us,
                                                  gint64          shown_us);

/* Only @stream_id's work among the streams' (0: every stream's). */
void            ls_timeline_view_set_stream_filter (LsTimelineView *self,
                                                    guint32         stream_id);
guint32         ls_timeline_view_get_stream_filter (LsTimelineView *self);
/* The filter's rule, for the timeline and its task list alike: while
 * following stream @followed (0: every stream), work of @stream_id is
 * shown when it is that stream's or a loop's own (@stream_id 0). */
static inline gboolean
ls_timeline_stream_filter_keeps (guint32 followed,
                                 guint32 stream_id)
{
  return followed == 0 || stream_id == 0 || stream_id == followed;
}
gboolean        ls_timeline_view_get_record_shown  (LsTimelineView *self,
                                                    const LsRecord *record);

G_END_DECLS
