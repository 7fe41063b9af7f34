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

/* The mistakes the page's guard buttons make on purpose, each refused by
 * the bridge with its own LS_BRIDGE_ERROR code. */
typedef enum
{
  LS_GUARD_DEMO_UI_RUN,        /* run the worker loop from a UI callback: FOREIGN_LOOP */
  LS_GUARD_DEMO_NESTED,        /* run it from inside itself: LOOP_RUNNING */
  LS_GUARD_DEMO_CLOSED,        /* post to a stopped worker: CLOSED */
  LS_GUARD_DEMO_WRONG_THREAD,  /* post from a thread that is not the UI's: WRONG_THREAD */
  LS_GUARD_DEMO_N
} LsGuardDemo;

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
/* The last refusal a guard button got back, NULL before the first. */
const GError *ls_loops_page_get_refusal   (LsLoopsPage *self,
                                           LsGuardDemo  demo);

/* The selected stream's mailbox first in the UI loop's queues. */
void         ls_loops_page_follow_stream (LsLoopsPage *self,
                                          guint32      stream_id);

G_END_DECLS
