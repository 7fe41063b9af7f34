/* ls-loop-probe.h: health of one GMainContext, measured from inside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ls-mailbox.h"
#include "ls-recorder.h"

G_BEGIN_DECLS

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
void         ls_loop_probe_set_active     (LsLoopProbe  *self,
                                           gboolean      active);
gboolean     ls_loop_probe_get_active     (LsLoopProbe  *self);
void         ls_loop_probe_watch_mailbox  (LsLoopProbe  *self,
                                           LsMailbox    *mailbox);
void         ls_loop_probe_get_stats      (LsLoopProbe  *self,
                                           LsLoopStats  *stats);
const char  *ls_loop_probe_get_name       (LsLoopProbe  *self);

G_END_DECLS
