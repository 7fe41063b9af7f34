/* ls-task-list.h: the Timeline page's task list: per task busy, scheduled and idle time, sortable, filterable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-task-table.h"
#include "ls-timeline-view.h"

G_BEGIN_DECLS

#define LS_TYPE_TASK_LIST (ls_task_list_get_type ())
G_DECLARE_FINAL_TYPE (LsTaskList, ls_task_list, LS, TASK_LIST, GtkWidget)

GtkWidget      *ls_task_list_new          (void);
/* The timeline whose records the list counts and whose selection it
 * shares. */
void            ls_task_list_set_view     (LsTaskList     *self,
                                           LsTimelineView *view);
LsTimelineView *ls_task_list_get_view     (LsTaskList     *self);
void            ls_task_list_set_stream_filter (LsTaskList *self,
                                                guint32     stream_id);
/* Counts the view's records now (otherwise at most four times a second,
 * as they come; never while the view is paused). */
void            ls_task_list_refresh      (LsTaskList     *self);
void            ls_task_list_focus_filter (LsTaskList     *self);
/* The rows as shown: filtered and sorted (GtkSingleSelection of LsTaskRow). */
GtkSingleSelection *ls_task_list_get_selection (LsTaskList *self);
GtkColumnView  *ls_task_list_get_column_view (LsTaskList  *self);
GtkEditable    *ls_task_list_get_filter_entry (LsTaskList *self);
/* The table behind the rows, every task held. */
LsTaskTable    *ls_task_list_get_table    (LsTaskList     *self);

G_END_DECLS
