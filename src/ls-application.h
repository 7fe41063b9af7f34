/* ls-application.h: the GtkApplication, owner of the engine for the app's life
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-bridge.h"
#include "ls-demo-server.h"
#include "ls-loop-probe.h"
#include "ls-recorder.h"

G_BEGIN_DECLS

#define LS_TYPE_APPLICATION (ls_application_get_type ())
G_DECLARE_FINAL_TYPE (LsApplication, ls_application, LS, APPLICATION, GtkApplication)

typedef struct _LsWindow LsWindow;

LsApplication *ls_application_new               (GApplicationFlags  flags);
LsBridge      *ls_application_get_bridge        (LsApplication     *self);
LsRecorder    *ls_application_get_recorder      (LsApplication     *self);
LsLoopProbe   *ls_application_get_ui_probe      (LsApplication     *self);
LsWorkerState  ls_application_get_ui_loop_state (LsApplication     *self);
GSettings     *ls_application_get_settings      (LsApplication     *self);
const char    *ls_application_get_engine_error  (LsApplication     *self);
gboolean       ls_application_get_demo          (LsApplication     *self);
gboolean       ls_application_get_quitting      (LsApplication     *self);
void           ls_application_request_quit      (LsApplication     *self);
LsDemoServer  *ls_application_get_demo_server   (LsApplication     *self);
void           ls_application_set_demo          (LsApplication     *self,
                                                 gboolean           demo);
void           ls_application_connect_demo      (LsApplication     *self,
                                                 LsWindow          *window);
void           ls_application_connect_replay    (LsApplication     *self,
                                                 LsWindow          *window,
                                                 LsReplay          *replay,
                                                 double             speed);
void           ls_application_update_activity   (LsApplication     *self);

G_END_DECLS
