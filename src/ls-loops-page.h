/* ls-loops-page.h: the Loops page: both loops' live figures and the bridge stress test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-bridge.h"
#include "ls-loop-card.h"
#include "ls-loop-probe.h"
#include "ls-stress.h"

G_BEGIN_DECLS

#define LS_TYPE_LOOPS_PAGE (ls_loops_page_get_type ())
G_DECLARE_FINAL_TYPE (LsLoopsPage, ls_loops_page, LS, LOOPS_PAGE, GtkWidget)

GtkWidget  *ls_loops_page_new             (void);
void        ls_loops_page_set_engine      (LsLoopsPage *self,
                                           LsLoopProbe *ui_probe,
                                           LsBridge    *bridge,
                                           LsStress    *stress);
void        ls_loops_page_refresh         (LsLoopsPage *self);
LsLoopCard *ls_loops_page_get_ui_card     (LsLoopsPage *self);
LsLoopCard *ls_loops_page_get_worker_card (LsLoopsPage *self);

G_END_DECLS
