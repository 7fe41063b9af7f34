/* ls-task-row.h: one task of the task list: its figures, as a GObject for the list's columns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

/* Ascending order is the order a reader wants: what runs first, what is
 * over last. */
typedef enum
{
  LS_TASK_RUNNING,
  LS_TASK_IDLE,
  LS_TASK_FAILED,
  LS_TASK_SLOW,        /* a dispatch went over the frame budget */
  LS_TASK_CANCELLED,
  LS_TASK_DONE,
} LsTaskState;

/* What the task list shows of one task (every span of one task id).
 * Times are microseconds; strings are borrowed (@name and @category
 * interned, @detail the row's own copy once set). */
typedef struct
{
  guint64      task;
  guint64      parent;        /* 0: a root, or not known yet */
  const char  *name;          /* NULL: not recorded yet (seen only as a parent) */
  const char  *category;
  const char  *detail;
  const char  *child_name;    /* a child's name, for a task not recorded yet */
  LsTaskState  state;
  gint64       busy_us;       /* Σ (end − start) */
  gint64       scheduled_us;  /* Σ (start − queued): woken, not running yet */
  gint64       idle_us;       /* alive, neither running nor scheduled */
  guint        dispatches;    /* its spans */
  guint        n_children;    /* spans whose parent it is */
  gint         thread_id;     /* of its latest span (a child's while not recorded) */
  guint32      stream_id;     /* the stream its latest span worked for (a child's
                               * while not recorded); 0: a loop's own work */
  LsLoopId     loop;
  gint64       first_us;      /* its first span's start (a child's while not recorded) */
  gint64       last_us;       /* its latest end */
  guint64      last_seq;      /* its latest span's seq (a child's while not recorded) */
} LsTaskFigures;

#define LS_TYPE_TASK_ROW (ls_task_row_get_type ())
G_DECLARE_FINAL_TYPE (LsTaskRow, ls_task_row, LS, TASK_ROW, GObject)

LsTaskRow           *ls_task_row_new          (guint64              task);
guint64              ls_task_row_get_task     (LsTaskRow           *self);
const LsTaskFigures *ls_task_row_get_figures  (LsTaskRow           *self);
gboolean             ls_task_row_get_recorded (LsTaskRow           *self);
/* What the Task column shows and the filter matches: name and detail. */
const char          *ls_task_row_get_label    (LsTaskRow           *self);
/* Takes @figures (copying the detail), notifies what changed; TRUE if
 * anything the list shows or sorts by did. */
gboolean             ls_task_row_set_figures  (LsTaskRow           *self,
                                               const LsTaskFigures *figures);

G_END_DECLS
