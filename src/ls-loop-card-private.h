/* ls-loop-card-private.h: what the tests read back from a loop card
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-loop-card.h"
#include "ls-sparkline.h"

G_BEGIN_DECLS

gint          _ls_loop_card_get_thread_id (LsLoopCard *self);
LsWorkerState _ls_loop_card_get_state     (LsLoopCard *self);
gboolean      _ls_loop_card_get_slow_source (LsLoopCard *self,
                                             const char *name,
                                             guint64    *over_budget,
                                             gint64     *worst_us);
LsSparkline  *_ls_loop_card_get_sparkline (LsLoopCard *self,
                                           guint       which);

G_END_DECLS
