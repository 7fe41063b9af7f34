/* ls-bridge.h: the only way across between the UI loop and the worker loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-mailbox.h"
#include "ls-recorder.h"
#include "ls-worker.h"

G_BEGIN_DECLS

#define LS_BRIDGE_ERROR (ls_bridge_error_quark ())

typedef enum
{
  LS_BRIDGE_ERROR_CLOSED,        /* "event loop is closed": the worker is stopping or gone */
  LS_BRIDGE_ERROR_WRONG_THREAD,  /* a call made from a thread that must not make it */
  LS_BRIDGE_ERROR_FOREIGN_LOOP,  /* running or iterating the worker loop from another thread */
  LS_BRIDGE_ERROR_LOOP_RUNNING,  /* "this event loop is already running": a nested run */
} LsBridgeError;

/* The UI side delivers worker results at most this often (one frame). */
#define LS_BRIDGE_UI_INTERVAL_US 16667
/* Priority of UI deliveries: below GDK_PRIORITY_REDRAW (120), so painting wins. */
#define LS_BRIDGE_UI_PRIORITY G_PRIORITY_DEFAULT_IDLE
/* ...until results have waited three frames: then just above redraw, so a
 * loop that is always painting (a slow renderer) cannot starve them. */
#define LS_BRIDGE_UI_MAX_WAIT_US (3 * LS_BRIDGE_UI_INTERVAL_US)
#define LS_BRIDGE_UI_URGENT_PRIORITY (G_PRIORITY_HIGH_IDLE + 15)

#define LS_TYPE_BRIDGE (ls_bridge_get_type ())
G_DECLARE_FINAL_TYPE (LsBridge, ls_bridge, LS, BRIDGE, GObject)

GQuark      ls_bridge_error_quark       (void);

LsBridge   *ls_bridge_new               (LsRecorder       *recorder);
LsWorker   *ls_bridge_get_worker        (LsBridge         *self);
LsRecorder *ls_bridge_get_recorder      (LsBridge         *self);
gboolean    ls_bridge_start             (LsBridge         *self,
                                         GError          **error);
void        ls_bridge_stop              (LsBridge         *self);
gboolean    ls_bridge_is_closed         (LsBridge         *self);

/* UI → worker. UI thread only. Never blocks, never runs inline, FIFO.
 * On failure @destroy (data) has already run, exactly once. */
gboolean    ls_bridge_post              (LsBridge         *self,
                                         LsMessageFunc     func,
                                         gpointer          data,
                                         GDestroyNotify    destroy,
                                         GError          **error);
/* Worker (or any non-UI thread) → UI: a closure run on the UI loop,
 * batched with everything else delivered in that frame. */
gboolean    ls_bridge_post_ui           (LsBridge         *self,
                                         LsMessageFunc     func,
                                         gpointer          data,
                                         GDestroyNotify    destroy,
                                         GError          **error);
/* UI thread only: a mailbox drained on the UI loop at most once per frame,
 * for streams of results (events, samples). Close it when its consumer goes. */
LsMailbox  *ls_bridge_get_ui_mailbox    (LsBridge         *self);
LsMailbox  *ls_bridge_new_ui_mailbox    (LsBridge         *self,
                                         const char       *name,
                                         LsMailboxHandler  handler,
                                         gpointer          user_data,
                                         GDestroyNotify    user_data_destroy);
/* The guard against driving the worker loop by hand. It always refuses,
 * with the reason that fits the caller: FOREIGN_LOOP from another thread,
 * LOOP_RUNNING from inside the worker loop, CLOSED once stopped. */
gboolean    ls_bridge_iterate_worker    (LsBridge         *self,
                                         gboolean          may_block,
                                         GError          **error);
guint64     ls_bridge_get_guard_count   (LsBridge         *self);

G_END_DECLS
