/* ls-recorder.h: bounded, thread-safe record of spans, guard events and counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Each enum's nicks (G_DEFINE_ENUM_TYPE in ls-recorder.c) are its only
 * names: read them with ls_enum_to_nick() / ls_enum_from_nick(). */
typedef enum
{
  LS_RECORD_SPAN,
  LS_RECORD_GUARD,
  LS_RECORD_COUNTER,
} LsRecordKind;

#define LS_TYPE_RECORD_KIND (ls_record_kind_get_type ())
GType ls_record_kind_get_type (void);

typedef enum
{
  LS_OUTCOME_OK,
  LS_OUTCOME_ERROR,
  LS_OUTCOME_CANCELLED,
  LS_OUTCOME_SLOW,        /* done, but over the loop's frame budget */
} LsOutcome;

#define LS_TYPE_OUTCOME (ls_outcome_get_type ())
GType ls_outcome_get_type (void);

/* Which loop a record belongs to. Threads that run no loop of ours
 * (the demo server, test threads) are LS_LOOP_OTHER. */
typedef enum
{
  LS_LOOP_UI,
  LS_LOOP_WORKER,
  LS_LOOP_OTHER,
} LsLoopId;

#define LS_TYPE_LOOP_ID (ls_loop_id_get_type ())
GType ls_loop_id_get_type (void);

/* One entry of the ring. Strings in @name and @category must be interned
 * (g_intern_static_string / g_intern_string) so a record can be copied
 * without allocating; @detail is owned by the recorder. Times are
 * g_get_monotonic_time() microseconds; 0 means "not set". */
typedef struct
{
  guint64       seq;        /* assigned by the recorder: 0, 1, 2, … */
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
  gint          queued_tid; /* a crossing: the thread that posted it at queued_us; 0 otherwise */
  gboolean      sample;     /* kept in the samples' ring (see ls_recorder_add_span) */
  guint32       stream_id;  /* the stream (ls_stream_get_id()) the work was for; 0: none */
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
 * copied. Unset times are 0, an unset outcome is LS_OUTCOME_OK.
 *
 * A crossing (a message dispatched on one thread after another posted
 * it) names its poster in @queued_tid, posted at @queued_us.
 *
 * @stream_id names the stream (ls_stream_get_id()) a span worked for, so
 * that a view can show one stream's work; 0 for none.
 *
 * The recorder keeps two rings of the same capacity, so that a flood of
 * one kind cannot erase the other: history (what streams and the bridge
 * did, guard events) and samples (@sample spans, such as a stress test's
 * round trips, and every counter). Each counts what it dropped. */
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
  gint         queued_tid;
  gboolean     sample;
  guint32      stream_id;
} LsSpan;

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
/* The monotonic time the trace's timestamps count from. */
gint64      ls_recorder_get_origin_us  (LsRecorder    *self);
/* The wall-clock time at the origin, for showing times of day. */
gint64      ls_recorder_get_origin_real_us (LsRecorder  *self);
guint64     ls_recorder_get_dropped    (LsRecorder    *self);
guint64     ls_recorder_get_dropped_history (LsRecorder *self);
guint64     ls_recorder_get_dropped_samples (LsRecorder *self);
GArray     *ls_recorder_snapshot_since (LsRecorder    *self,
                                        guint64        since_seq,
                                        guint64       *n_lost);
void        ls_recorder_set_thread_name (LsRecorder   *self,
                                         gint          thread_id,
                                         const char   *name);
void        ls_recorder_set_stream_name (LsRecorder   *self,
                                         guint32       stream_id,
                                         const char   *name);
GHashTable *ls_recorder_dup_stream_names (LsRecorder  *self);
char       *ls_recorder_dup_stream_name (LsRecorder   *self,
                                         guint32       stream_id);
void        ls_record_clear            (LsRecord      *record);
gint        ls_current_thread_id       (void);

G_END_DECLS
