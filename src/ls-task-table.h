/* ls-task-table.h: the recorded spans as tasks, with their busy, scheduled and idle time (no display needed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-recorder.h"
#include "ls-task-row.h"

G_BEGIN_DECLS

/* A task not recorded yet whose children stopped coming this long ago
 * (in the records' time) is idle rather than running. */
#define LS_TASK_IDLE_AFTER_US G_USEC_PER_SEC

#define LS_TYPE_TASK_TABLE (ls_task_table_get_type ())
G_DECLARE_FINAL_TYPE (LsTaskTable, ls_task_table, LS, TASK_TABLE, GObject)

LsTaskTable *ls_task_table_new          (void);
/* Brings the table (a GListModel of LsTaskRow) up to @records, the
 * records a reader holds, in seq order. While @generation stays the same
 * the reader only appends: the table takes in what is new. A new
 * generation (records dropped or replaced) counts them all again. Rows
 * stay the same objects while their task is held; a row changed is
 * announced as removed and added at its place. */
void         ls_task_table_update       (LsTaskTable    *self,
                                         const LsRecord *records,
                                         guint           n_records,
                                         guint64         generation);
/* The row of @task, or NULL. */
LsTaskRow   *ls_task_table_lookup       (LsTaskTable    *self,
                                         guint64         task);
/* Its position in the model, or G_MAXUINT. */
guint        ls_task_table_get_position (LsTaskTable    *self,
                                         guint64         task);

G_END_DECLS
