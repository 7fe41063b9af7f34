/* ls-window.h: the main window: both loops, the bridge stress test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-loop-card.h"
#include "ls-loop-probe.h"
#include "ls-stream-page.h"
#include "ls-timeline-view.h"

G_BEGIN_DECLS

/* What "win.stress" sends, and how many requests may be in flight at once
 * so that neither loop is ever flooded. */
#define LS_STRESS_DEFAULT_ROUND_TRIPS 100000
#define LS_STRESS_MAX_IN_FLIGHT       2000

typedef enum
{
  LS_STRESS_IDLE,
  LS_STRESS_RUNNING,
  LS_STRESS_DONE,
  LS_STRESS_CANCELLED,
  LS_STRESS_FAILED,
} LsStressState;

#define LS_TYPE_WINDOW (ls_window_get_type ())
G_DECLARE_FINAL_TYPE (LsWindow, ls_window, LS, WINDOW, GtkApplicationWindow)

LsWindow      *ls_window_new               (LsApplication *application);
LsLoopProbe   *ls_window_get_ui_probe      (LsWindow      *self);
LsLoopCard    *ls_window_get_ui_card       (LsWindow      *self);
LsLoopCard    *ls_window_get_worker_card   (LsWindow      *self);
gboolean       ls_window_start_stress      (LsWindow      *self,
                                            guint          n_round_trips);
void           ls_window_cancel_stress     (LsWindow      *self);
LsStressState  ls_window_get_stress_state  (LsWindow      *self);
void           ls_window_get_stress_counts (LsWindow      *self,
                                            guint         *n_total,
                                            guint         *n_back,
                                            guint         *n_lost,
                                            guint         *n_duplicated);
const char    *ls_window_get_banner        (LsWindow      *self);
LsStreamPage  *ls_window_get_stream_page   (LsWindow      *self);
LsTimelineView *ls_window_get_timeline_view (LsWindow     *self);
void           ls_window_show_page         (LsWindow      *self,
                                            const char    *name);
void           ls_window_start_demo        (LsWindow      *self,
                                            const char    *base_uri);
/* Writes the recorder's Chrome trace to @file, off the UI thread. */
void           ls_window_export_trace_to_file_full (LsWindow            *self,
                                                    GFile               *file,
                                                    LsTraceExportFlags   flags,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void           ls_window_export_trace_to_file (LsWindow          *self,
                                               GFile             *file,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);
gboolean       ls_window_export_trace_finish (LsWindow        *self,
                                              GAsyncResult    *result,
                                              GError         **error);

G_END_DECLS
