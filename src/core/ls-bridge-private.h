/* ls-bridge-private.h: what the engine itself reaches through the bridge
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For src/core/ (the stream runs on the worker) and for tests that check
 * the engine from inside. Never included by the app: the worker's context
 * and mailboxes are reachable from here.
 */
#pragma once

#include "ls-bridge.h"
#include "ls-worker-private.h"

G_BEGIN_DECLS

LsWorker      *ls_bridge_get_worker          (LsBridge         *self);
LsMailbox     *ls_bridge_get_ui_mailbox      (LsBridge         *self);
gboolean       ls_bridge_post_sample         (LsBridge         *self,
                                              LsMessageFunc     func,
                                              gpointer          data,
                                              GDestroyNotify    destroy,
                                              GError          **error);

G_END_DECLS
