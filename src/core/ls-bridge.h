/* ls-bridge.h: the only way across between the UI loop and the worker loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker's GMainContext, its inbox and its other mailboxes are private
 * to the engine (ls-worker-private.h): nothing here hands them out. Running
 * code on the worker, getting results back, streams of results, and the
 * worker's state, loop stats and queue depths all go through these calls,
 * each of which checks the calling thread and the worker's state and
 * refuses with an LS_BRIDGE_ERROR (recorded as a guard event) when the
 * call would break the two-loop rule.
 */
#pragma once

#include <gio/gio.h>

#include "ls-loop-probe.h"
#include "ls-mailbox.h"
#include "ls-recorder.h"

G_BEGIN_DECLS

#define LS_BRIDGE_ERROR (ls_bridge_error_quark ())

typedef enum
{
  LS_BRIDGE_ERROR_CLOSED,        /* "event loop is closed": the worker is stopping or gone */
  LS_BRIDGE_ERROR_WRONG_THREAD,  /* a call made from a thread that must not make it */
  LS_BRIDGE_ERROR_FOREIGN_LOOP,  /* running or iterating the worker loop from another thread */
  LS_BRIDGE_ERROR_LOOP_RUNNING,  /* "this event loop is already running": a nested run */
  LS_BRIDGE_ERROR_FULL,          /* backpressure: the queue across is at its capacity */
} LsBridgeError;

typedef enum
{
  LS_WORKER_NEW,
  LS_WORKER_RUNNING,
  LS_WORKER_STOPPING,
  LS_WORKER_CLOSED,
} LsWorkerState;

#define LS_TYPE_WORKER_STATE (ls_worker_state_get_type ())
GType          ls_worker_state_get_type      (void) G_GNUC_CONST;
const char    *ls_worker_state_to_string     (LsWorkerState  state);

/* The UI side delivers worker results at most this often (one frame). */
#define LS_BRIDGE_UI_INTERVAL_US 16667
/* Priority of UI deliveries: below GDK_PRIORITY_REDRAW (120), so painting wins. */
#define LS_BRIDGE_UI_PRIORITY G_PRIORITY_DEFAULT_IDLE
/* ...until results have waited three frames: then just above redraw, so a
 * loop that is always painting (a slow renderer) cannot starve them. */
#define LS_BRIDGE_UI_MAX_WAIT_US (3 * LS_BRIDGE_UI_INTERVAL_US)
#define LS_BRIDGE_UI_URGENT_PRIORITY (G_PRIORITY_HIGH_IDLE + 15)
/* One UI-side dispatch runs messages for at most this long (monotonic
 * clock, checked between messages), then yields to painting and input. */
#define LS_BRIDGE_UI_BUDGET_US 3000
/* How many messages may wait in each direction (32 MiB of messages at
 * most, plus their data) before the bridge pushes
 * back (ls_bridge_post / ls_bridge_post_ui fail with LS_BRIDGE_ERROR_FULL)
 * or, for a UI mailbox of data, drops and counts (ls_mailbox_get_dropped). */
#define LS_BRIDGE_QUEUE_CAPACITY (1u << 20)
/* Longer than the worker's own grace for tasks that ignore cancellation. */
#define LS_BRIDGE_SHUTDOWN_WAIT_MS 8000

#define LS_TYPE_BRIDGE (ls_bridge_get_type ())
G_DECLARE_FINAL_TYPE (LsBridge, ls_bridge, LS, BRIDGE, GObject)

GQuark         ls_bridge_error_quark         (void);

/* Created on the UI thread: its thread-default context is the UI loop. */
LsBridge      *ls_bridge_new                 (LsRecorder       *recorder);
LsRecorder    *ls_bridge_get_recorder        (LsBridge         *self);
gboolean       ls_bridge_start               (LsBridge         *self,
                                              GError          **error);
/* UI thread only. Begins the worker's orderly stop and returns at once;
 * "notify::worker-state" reports CLOSED once the thread is joined. */
gboolean       ls_bridge_stop                (LsBridge         *self,
                                              GError          **error);
gboolean       ls_bridge_is_closed           (LsBridge         *self);
/* UI thread only, and only outside any dispatch (at the end of main(), in
 * GApplication::shutdown): runs the UI context until the worker is CLOSED
 * and joined, at most @timeout_ms. From inside a callback it would be a
 * nested loop: refused with LOOP_RUNNING. */
gboolean       ls_bridge_wait_closed         (LsBridge         *self,
                                              guint             timeout_ms,
                                              GError          **error);

/* Any thread. "worker-state" is notified on the UI thread only. */
LsWorkerState  ls_bridge_get_worker_state    (LsBridge         *self);
/* UI thread only: the worker loop's health, for the Loops page. */
gboolean       ls_bridge_get_worker_loop_stats (LsBridge       *self,
                                              LsLoopStats      *stats,
                                              GError          **error);
/* UI thread: @probe (the UI loop's) counts every mailbox the bridge drains
 * on the UI loop in its queue depth: bridge.post_ui, the worker's reports
 * and each UI mailbox made from now on. */
void           ls_bridge_set_ui_probe        (LsBridge         *self,
                                              LsLoopProbe      *probe);
/* Any thread: the worker probe's mode (ls_loop_probe_set_active()). */
void           ls_bridge_set_worker_probe_active (LsBridge     *self,
                                              gboolean          active);
/* Any thread: messages waiting to cross, towards the worker and towards
 * the UI (the bridge's own queues; a UI mailbox reports its own depth). */
void           ls_bridge_get_queue_depths    (LsBridge         *self,
                                              guint            *to_worker,
                                              guint            *to_ui);

/* UI → worker. UI thread only. Never blocks, never runs inline, FIFO.
 * On failure @destroy (data) has already run, exactly once. */
gboolean       ls_bridge_post                (LsBridge         *self,
                                              LsMessageFunc     func,
                                              gpointer          data,
                                              GDestroyNotify    destroy,
                                              GError          **error);
/* Worker (or any thread but the UI's) → UI: a closure run on the UI loop,
 * batched with everything else delivered in that frame. Refused on the UI
 * thread itself and once the worker is CLOSED. */
gboolean       ls_bridge_post_ui             (LsBridge         *self,
                                              LsMessageFunc     func,
                                              gpointer          data,
                                              GDestroyNotify    destroy,
                                              GError          **error);
/* UI thread only: how often UI mailboxes made from now on may be drained
 * (LS_BRIDGE_UI_INTERVAL_US, one frame, by default). A consumer without
 * frames to pace (the headless writer) asks for less, so what it writes
 * follows what happened by a millisecond, not a frame. */
void           ls_bridge_set_ui_interval     (LsBridge         *self,
                                              gint64            interval_us);
/* UI thread only: a mailbox drained on the UI loop at most once per frame,
 * for streams of results (events, samples). Close it when its consumer
 * goes. Bounded: past LS_BRIDGE_QUEUE_CAPACITY waiting messages a push is
 * dropped and counted (ls_mailbox_get_dropped). */
LsMailbox     *ls_bridge_new_ui_mailbox      (LsBridge         *self,
                                              const char       *name,
                                              LsMailboxHandler  handler,
                                              gpointer          user_data,
                                              GDestroyNotify    user_data_destroy,
                                              GError          **error);
/* The guard against driving the worker loop by hand. It always refuses,
 * with the reason that fits the caller: FOREIGN_LOOP from another thread,
 * LOOP_RUNNING from inside the worker loop, CLOSED once stopped. */
gboolean       ls_bridge_iterate_worker      (LsBridge         *self,
                                              gboolean          may_block,
                                              GError          **error);
guint64        ls_bridge_get_guard_count     (LsBridge         *self);

G_END_DECLS
