/* ls-loop-probe.h: health of one GMainContext, measured from inside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ls-mailbox.h"
#include "ls-recorder.h"

G_BEGIN_DECLS

/* The budget a dispatch is checked against: one frame at 60 Hz. */
#define LS_LOOP_FRAME_BUDGET_US 16667
/* Dispatches shorter than this are counted but not listed as slow. */
#define LS_LOOP_NOTE_US 1000
/* How long a source stays in the slowest list after its last slow dispatch. */
#define LS_LOOP_RECENT_US (60 * G_USEC_PER_SEC)
#define LS_LOOP_MAX_SLOWEST 5
#define LS_LOOP_MAX_LINTS 4
#define LS_LOOP_MAX_QUEUES 6
/* What a slow batch of dispatches spent outside the sources we time
 * (the rest of GLib's and GTK's sources, prepare and check) is filed under. */
#define LS_LOOP_OTHER_SOURCES "(other sources)"
/* A source without a name is filed under this. */
#define LS_LOOP_UNNAMED_SOURCE "(unnamed)"

/* One GSource name's slow dispatches, recently. @name is interned. */
typedef struct
{
  const char *name;
  guint64     count;         /* dispatches of at least LS_LOOP_NOTE_US */
  guint64     over_budget;   /* of them, longer than LS_LOOP_FRAME_BUDGET_US */
  gint64      worst_us;
} LsDispatchStat;

/* Mistakes a GLib loop makes, as the probe sees them in timed dispatches. */
typedef enum
{
  LS_LOOP_LINT_UNNAMED,      /* a source without g_source_set_name(); @value: its id */
  LS_LOOP_LINT_IDLE_SPINS,   /* an idle source dispatched every iteration doing nothing; @value: iterations */
  LS_LOOP_LINT_TIMER_LATE,   /* a timer later at each dispatch; @value: lateness, µs */
  LS_LOOP_LINT_OVER_BUDGET,  /* a dispatch longer than the frame budget; @value: µs */
} LsLoopLintKind;

typedef struct
{
  LsLoopLintKind kind;
  const char    *name;       /* interned */
  gint64         value;
} LsLoopLint;

/* One mailbox drained on the loop. */
typedef struct
{
  char  name[32];
  guint depth;
} LsQueueStat;

typedef struct
{
  gint     thread_id;
  char     thread_name[32];
  gboolean attached;
  gint64   lag_us;                 /* lateness of the last probe tick */
  gint64   lag_max_us;             /* worst lateness, this window and the previous */
  gint64   lag_p99_us;             /* since attach, from a histogram */
  double   busy_fraction;          /* 0..1 over the last window */
  double   iterations_per_s;       /* over the last window */
  guint64  iterations;             /* since attach */
  gint64   longest_dispatch_us;    /* since attach: the longest stretch between two polls */
  gint64   recent_longest_dispatch_us; /* the same, this window and the previous */
  guint    queue_depth;            /* messages waiting in mailboxes drained here */
  guint64  ticks;                  /* probe timer firings, for tests */
  guint    n_queues;               /* mailboxes watched (queues holds the first ones) */
  LsQueueStat queues[LS_LOOP_MAX_QUEUES];
  guint    n_slowest;              /* slowest recent dispatches, worst first */
  LsDispatchStat slowest[LS_LOOP_MAX_SLOWEST];
  guint    n_lints;                /* latest first */
  LsLoopLint lints[LS_LOOP_MAX_LINTS];
} LsLoopStats;

/* How often an idle probe samples. */
#define LS_LOOP_PROBE_IDLE_INTERVAL_US G_USEC_PER_SEC

#define LS_TYPE_LOOP_PROBE (ls_loop_probe_get_type ())
G_DECLARE_FINAL_TYPE (LsLoopProbe, ls_loop_probe, LS, LOOP_PROBE, GObject)

LsLoopProbe *ls_loop_probe_new            (const char   *name,
                                           LsLoopId      loop,
                                           LsRecorder   *recorder);
void         ls_loop_probe_attach         (LsLoopProbe  *self,
                                           GMainContext *context,
                                           guint         interval_ms);
void         ls_loop_probe_detach         (LsLoopProbe  *self);
/* The mailbox listed first in the stats' queues (the followed stream's). */
void         ls_loop_probe_set_first_queue (LsLoopProbe *self,
                                            const char  *name);
void         ls_loop_probe_set_active     (LsLoopProbe  *self,
                                           gboolean      active);
gboolean     ls_loop_probe_get_active     (LsLoopProbe  *self);
void         ls_loop_probe_watch_mailbox  (LsLoopProbe  *self,
                                           LsMailbox    *mailbox);
void         ls_loop_probe_get_stats      (LsLoopProbe  *self,
                                           LsLoopStats  *stats);
const char  *ls_loop_probe_get_name       (LsLoopProbe  *self);

/* Timing one dispatch of a source of ours, on the thread that runs the
 * loop: begin at the top of its dispatch (or callback), end before it
 * returns. The name is the current source's (g_main_current_source()).
 * Without a probe on this thread both cost a thread-local read. */
gint64       ls_loop_probe_dispatch_begin (void);
void         ls_loop_probe_dispatch_end   (gint64        begin_us);

/* A GSourceFunc callback on @source whose every dispatch is timed
 * (ls_loop_probe_dispatch_begin/end()). For idle and timeout sources. */
void         ls_source_set_timed_callback (GSource       *source,
                                           GSourceFunc    func,
                                           gpointer       data,
                                           GDestroyNotify destroy);
/* g_timeout_add_full() and g_idle_add_full() with a static name and a
 * timed callback. */
guint        ls_timeout_add_named         (gint           priority,
                                           guint          interval_ms,
                                           const char    *static_name,
                                           GSourceFunc    func,
                                           gpointer       data,
                                           GDestroyNotify destroy);
/* g_unix_signal_add() with a static name and a timed callback. */
guint        ls_unix_signal_add_named     (int            signum,
                                           const char    *static_name,
                                           GSourceFunc    func,
                                           gpointer       data);
guint        ls_idle_add_named            (gint           priority,
                                           const char    *static_name,
                                           GSourceFunc    func,
                                           gpointer       data,
                                           GDestroyNotify destroy);

G_END_DECLS
