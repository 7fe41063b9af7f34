/* ls-mailbox-private.h: creating and tuning mailboxes, inside the engine only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whoever can create a mailbox on a context can run code on that context's
 * thread; so creation and tuning stay in src/core/ (the bridge and the
 * worker), and the app gets UI mailboxes from ls_bridge_new_ui_mailbox().
 */
#pragma once

#include "ls-mailbox.h"

G_BEGIN_DECLS

/* What a full mailbox does with one more message. Every mailbox has a
 * capacity: none is an unbounded array. */
typedef enum
{
  LS_MAILBOX_FULL_REFUSE,     /* backpressure: the push fails (destroy runs), the producer is told */
  LS_MAILBOX_FULL_DROP,       /* drop the new message and count it (ls_mailbox_get_dropped) */
} LsMailboxFullPolicy;

/* Hard ceiling of any mailbox's queue (messages waiting, not yet handled). */
#define LS_MAILBOX_DEFAULT_CAPACITY (1u << 20)

LsMailbox  *ls_mailbox_new              (const char          *name,
                                         GMainContext        *target,
                                         int                  priority,
                                         LsLoopId             target_loop,
                                         LsRecorder          *recorder);
void        ls_mailbox_set_handler      (LsMailbox           *self,
                                         LsMailboxHandler     handler,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy);
void        ls_mailbox_set_min_interval (LsMailbox           *self,
                                         gint64               interval_us);
void        ls_mailbox_set_max_wait     (LsMailbox           *self,
                                         gint64               max_wait_us,
                                         int                  urgent_priority);
void        ls_mailbox_set_max_batch    (LsMailbox           *self,
                                         guint                max_batch);
void        ls_mailbox_set_time_budget  (LsMailbox           *self,
                                         gint64               budget_us);
gboolean    ls_mailbox_push_sample      (LsMailbox           *self,
                                         LsMessageFunc        func,
                                         gpointer             data,
                                         GDestroyNotify       destroy);
void        ls_mailbox_set_samples      (LsMailbox           *self,
                                         gboolean             samples);
void        ls_mailbox_set_capacity     (LsMailbox           *self,
                                         guint                capacity,
                                         LsMailboxFullPolicy  policy);

G_END_DECLS
