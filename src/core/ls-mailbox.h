/* ls-mailbox.h: one direction of a crossing between two threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A mailbox is drained by ONE persistent GSource on its target context.
 * Pushing takes a short lock of our own (visible to ThreadSanitizer),
 * appends, and wakes the target context only when the mailbox was idle:
 * never inline, never waits for the consumer, never takes GLib's locks. The consumer
 * swaps the whole queue out and handles it as a batch, bounded per dispatch.
 */
#pragma once

#include <glib-object.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

typedef struct _LsMailbox LsMailbox;

/* A closure message runs @func (data); a data message is handed to the
 * mailbox's batch handler. Either way @destroy (data) runs exactly once,
 * after handling or when the message is discarded. */
typedef void (*LsMessageFunc) (gpointer data);

typedef struct
{
  LsMessageFunc  func;
  gpointer       data;
  GDestroyNotify destroy;
  gint64         queued_us;
  gint           queued_tid; /* the thread that pushed it */
  gboolean       sample;     /* its dispatch is recorded as a sample, not history */
} LsMessage;

/* Called on the target context's thread with messages in FIFO order.
 * The handler must not keep @messages; it may steal msg->data by setting
 * it to NULL (then destroy is not called for it). */
typedef void (*LsMailboxHandler) (LsMailbox *mailbox,
                                  LsMessage *messages,
                                  guint      n_messages,
                                  gpointer   user_data);

#define LS_TYPE_MAILBOX (ls_mailbox_get_type ())

/* What the app may do with a UI mailbox it got from the bridge
 * (ls_bridge_new_ui_mailbox()): push results into it from the worker,
 * read its counters, close it when its consumer goes. Creating a mailbox,
 * and every mailbox that targets the worker, is private to the engine. */
GType       ls_mailbox_get_type        (void) G_GNUC_CONST;
LsMailbox  *ls_mailbox_ref             (LsMailbox       *self);
void        ls_mailbox_unref           (LsMailbox       *self);
void        ls_mailbox_set_parent_task (LsMailbox       *self,
                                        guint64          parent_task);
gboolean    ls_mailbox_push            (LsMailbox       *self,
                                        LsMessageFunc    func,
                                        gpointer         data,
                                        GDestroyNotify   destroy);
gboolean    ls_mailbox_push_data       (LsMailbox       *self,
                                        gpointer         data,
                                        GDestroyNotify   destroy);
guint       ls_mailbox_close           (LsMailbox       *self);
gboolean    ls_mailbox_is_closed       (LsMailbox       *self);
guint       ls_mailbox_get_depth       (LsMailbox       *self);
guint64     ls_mailbox_get_delivered   (LsMailbox       *self);
guint64     ls_mailbox_get_dispatches  (LsMailbox       *self);
guint64     ls_mailbox_get_dropped     (LsMailbox       *self);
const char *ls_mailbox_get_name        (LsMailbox       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMailbox, ls_mailbox_unref)

G_END_DECLS
