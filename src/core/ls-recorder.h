/* ls-recorder.h: bounded, thread-safe record of spans, guard events and counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  LS_RECORD_SPAN,
  LS_RECORD_GUARD,
  LS_RECORD_COUNTER,
} LsRecordKind;

typedef enum
{
  LS_OUTCOME_OK,
  LS_OUTCOME_ERROR,
  LS_OUTCOME_CANCELLED,
} LsOutcome;

/* Which loop a record belongs to. Threads that run no loop of ours
 * (the demo server, test threads) are LS_LOOP_OTHER. */
typedef enum
{
  LS_LOOP_UI,
  LS_LOOP_WORKER,
  LS_LOOP_OTHER,
} LsLoopId;

/* One entry of the ring. Strings in @name and @category must be interned
 * (g_intern_static_string / g_intern_string) so a record can be copied
 * without allocating; @detail is owned by the recorder. Times are
 * g_get_monotonic_time() microseconds; 0 means "not set". */
typedef struct
{
  guint64       seq;        /* assigned by the recorder, strictly increasing */
  LsRecordKind  kind;
  LsLoopId      loop;
  LsOutcome     outcome;
  gint          thread_id;  /* kernel tid of the thread the work ran on */
  guint64       id;         /* span id (0 for counters) */
  guint64       parent_id;
  const char   *name;
  const char   *category;
  char         *detail;
  gint64        queued_us;
  gint64        start_us;
  gint64        end_us;
  gint64        value;      /* counters: the value; spans: an item count */
} LsRecord;

/* One finished unit of work, as a caller describes it. Fill it with
 * designated initializers, so that every field says what it is:
 *
 *   ls_recorder_add_span (recorder, &(LsSpan) {
 *                           .task = read_task, .parent = connection_task,
 *                           .name = "stream.read", .category = "stream",
 *                           .loop = LS_LOOP_WORKER, .start_us = t0, .end_us = t1,
 *                         });
 *
 * @task is this span's task id (ls_recorder_next_span_id()); 0 asks the
 * recorder for a fresh one. @parent is the task it belongs to, 0 only for
 * a root. @name and @category must be interned or static; @detail is
 * copied. Unset times are 0, an unset outcome is LS_OUTCOME_OK. */
typedef struct
{
  guint64      task;
  guint64      parent;
  const char  *name;
  const char  *category;
  LsLoopId     loop;
  LsOutcome    outcome;
  gint64       queued_us;
  gint64       start_us;
  gint64       end_us;
  gint64       items;
  const char  *detail;
} LsSpan;

typedef enum
{
  LS_TRACE_EXPORT_DEFAULT         = 0,
  LS_TRACE_EXPORT_INCLUDE_SECRETS = 1 << 0,  /* details unredacted, for this export only */
} LsTraceExportFlags;

#define LS_TYPE_RECORDER (ls_recorder_get_type ())
G_DECLARE_FINAL_TYPE (LsRecorder, ls_recorder, LS, RECORDER, GObject)

LsRecorder *ls_recorder_new            (guint          capacity);
guint       ls_recorder_get_capacity   (LsRecorder    *self);
void        ls_recorder_set_capacity   (LsRecorder    *self,
                                        guint          capacity);
guint64     ls_recorder_next_span_id   (LsRecorder    *self);
guint64     ls_recorder_add_span       (LsRecorder    *self,
                                        const LsSpan  *span);
void        ls_recorder_add_guard      (LsRecorder    *self,
                                        const char    *name,
                                        LsLoopId       loop,
                                        const char    *message);
void        ls_recorder_add_counter    (LsRecorder    *self,
                                        const char    *name,
                                        LsLoopId       loop,
                                        gint64         value);
guint64     ls_recorder_get_total      (LsRecorder    *self);
guint64     ls_recorder_get_dropped    (LsRecorder    *self);
GArray     *ls_recorder_snapshot       (LsRecorder    *self,
                                        guint64        after_seq);
void        ls_recorder_set_thread_name (LsRecorder   *self,
                                         gint          thread_id,
                                         const char   *name);
gboolean    ls_recorder_export_trace   (LsRecorder    *self,
                                        GOutputStream *out,
                                        GCancellable  *cancellable,
                                        GError       **error);
gboolean    ls_recorder_export_trace_full (LsRecorder         *self,
                                           GOutputStream      *out,
                                           LsTraceExportFlags  flags,
                                           GCancellable       *cancellable,
                                           GError            **error);
gssize      ls_recorder_import_trace   (LsRecorder    *self,
                                        GBytes        *data,
                                        guint         *n_skipped,
                                        GError       **error);

void        ls_record_clear            (LsRecord      *record);
const char *ls_loop_id_to_string       (LsLoopId       loop);
const char *ls_outcome_to_string       (LsOutcome      outcome);
gint        ls_current_thread_id       (void);

G_END_DECLS
