/* ls-loop-card.h: the live figures of one event loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-bridge.h"
#include "ls-loop-probe.h"

G_BEGIN_DECLS

#define LS_TYPE_LOOP_CARD (ls_loop_card_get_type ())
G_DECLARE_FINAL_TYPE (LsLoopCard, ls_loop_card, LS, LOOP_CARD, GtkWidget)

GtkWidget  *ls_loop_card_new             (void);
const char *ls_loop_card_get_title       (LsLoopCard        *self);
void        ls_loop_card_set_title       (LsLoopCard        *self,
                                          const char        *title);
const char *ls_loop_card_get_queue_title (LsLoopCard        *self);
void        ls_loop_card_set_queue_title (LsLoopCard        *self,
                                          const char        *queue_title);
void        ls_loop_card_update          (LsLoopCard        *self,
                                          const LsLoopStats *stats,
                                          LsWorkerState      state,
                                          guint              queue_depth);

G_END_DECLS
