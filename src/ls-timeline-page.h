/* ls-timeline-page.h: the Timeline page: the recorded tasks, live or paused, and trace export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-recorder.h"
#include "ls-task-list.h"
#include "ls-timeline-view.h"

G_BEGIN_DECLS

#define LS_TYPE_TIMELINE_PAGE (ls_timeline_page_get_type ())
G_DECLARE_FINAL_TYPE (LsTimelinePage, ls_timeline_page, LS, TIMELINE_PAGE, GtkWidget)

GtkWidget      *ls_timeline_page_new           (void);
void            ls_timeline_page_set_recorder  (LsTimelinePage *self,
                                                LsRecorder     *recorder);
LsTimelineView *ls_timeline_page_get_view      (LsTimelinePage *self);
LsTaskList     *ls_timeline_page_get_task_list (LsTimelinePage *self);
void            ls_timeline_page_focus_filter  (LsTimelinePage *self);
void            ls_timeline_page_export_trace  (LsTimelinePage *self);
void            ls_timeline_page_open_trace    (LsTimelinePage *self);
void            ls_timeline_page_open_file     (LsTimelinePage *self,
                                                GFile          *file);

void            ls_timeline_page_show_event_path (LsTimelinePage *self,
                                                  guint32         stream_id,
                                                  gint64          event_us,
                                                  gint64          shown_us);

/* The sidebar's selected stream and how many streams there are. */
void            ls_timeline_page_follow_stream   (LsTimelinePage *self,
                                                  guint32         stream_id,
                                                  guint           n_streams);

G_END_DECLS
