/* ls-worker-private.h: the worker thread, its own GMainContext and its one GMainLoop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to src/core/: the worker's context and mailboxes are the very
 * things the bridge guards, so nothing outside the engine may reach them.
 * The app sees the worker only through LsBridge (state, stats, depths).
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "ls-bridge.h"
#include "ls-loop-probe.h"
#include "ls-mailbox-private.h"
#include "ls-recorder.h"

G_BEGIN_DECLS

#define LS_TYPE_WORKER (ls_worker_get_type ())
G_DECLARE_FINAL_TYPE (LsWorker, ls_worker, LS, WORKER, GObject)

/* Created, started and stopped on the owner ("UI") thread: the thread whose
 * thread-default context is current at ls_worker_new(). "notify::state" is
 * emitted there, never on the worker. */
LsWorker      *ls_worker_new                 (LsRecorder    *recorder);
gboolean       ls_worker_start               (LsWorker      *self,
                                              GError       **error);
void           ls_worker_stop                (LsWorker      *self);
LsWorkerState  ls_worker_get_state           (LsWorker      *self);
gboolean       ls_worker_is_worker_thread    (LsWorker      *self);
gboolean       ls_worker_is_owner_thread     (LsWorker      *self);
GMainContext  *ls_worker_get_context         (LsWorker      *self);
GMainContext  *ls_worker_get_owner_context   (LsWorker      *self);
LsMailbox     *ls_worker_get_inbox           (LsWorker      *self);
LsMailbox     *ls_worker_get_owner_mailbox   (LsWorker      *self);
LsLoopProbe   *ls_worker_get_probe           (LsWorker      *self);
LsRecorder    *ls_worker_get_recorder        (LsWorker      *self);
gint           ls_worker_get_thread_id       (LsWorker      *self);

/* Worker thread only. The session is created on first use, with the I/O
 * timeout off and connection limits raised for many long-lived streams. */
SoupSession   *ls_worker_get_session         (LsWorker      *self);
SoupSession   *ls_worker_get_session_for     (LsWorker      *self,
                                              guint          key);
/* Any thread: a new session configured as the worker's are (for a stream
 * with its own trust). */
SoupSession   *ls_worker_new_stream_session  (void);
/* What a tracked task is doing, newly allocated: named in the warning
 * when it has not finished within the stop's grace period. */
typedef char *(*LsWorkerTaskDescribe) (gpointer data);

/* Worker thread only. A tracked task is cancelled when the worker stops,
 * and the worker keeps its loop running until every tracked task has
 * called ls_worker_untrack_task(). @describe (with @data, which must live
 * while tracked) may be NULL. */
void           ls_worker_track_task          (LsWorker             *self,
                                              GCancellable         *cancellable,
                                              LsWorkerTaskDescribe  describe,
                                              gpointer              data);
void           ls_worker_untrack_task        (LsWorker      *self,
                                              GCancellable  *cancellable);
guint          ls_worker_get_n_tasks         (LsWorker      *self);

G_END_DECLS
