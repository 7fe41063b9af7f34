/* ls-window.h: the main window: header bar, the three pages, the banner, the status line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-compare-page.h"
#include "ls-loops-page.h"
#include "ls-stream-page.h"
#include "ls-stress.h"
#include "ls-timeline-page.h"

G_BEGIN_DECLS

#define LS_TYPE_WINDOW (ls_window_get_type ())
G_DECLARE_FINAL_TYPE (LsWindow, ls_window, LS, WINDOW, GtkApplicationWindow)

LsWindow       *ls_window_new                (LsApplication *application);
/* The selected stream's page (there is always one). */
LsStreamPage   *ls_window_get_stream_page    (LsWindow      *self);
/* The streams sidebar: each stream a row and a page. */
LsStreamPage   *ls_window_new_stream         (LsWindow      *self);
LsStreamPage   *ls_window_duplicate_stream   (LsWindow      *self,
                                              LsStreamPage  *page);
void            ls_window_close_stream       (LsWindow      *self,
                                              LsStreamPage  *page);
void            ls_window_select_stream      (LsWindow      *self,
                                              LsStreamPage  *page);
/* The pages in the sidebar's order (a new array of borrowed pages). */
GPtrArray      *ls_window_list_streams       (LsWindow      *self);
guint           ls_window_get_n_live_streams (LsWindow      *self);
LsTimelinePage *ls_window_get_timeline_page  (LsWindow      *self);
LsLoopsPage    *ls_window_get_loops_page     (LsWindow      *self);
LsComparePage  *ls_window_get_compare_page   (LsWindow      *self);
void            ls_window_show_page          (LsWindow      *self,
                                              const char    *name);
void            ls_window_start_demo         (LsWindow      *self,
                                              const char    *base_uri);
void            ls_window_start_replay       (LsWindow      *self,
                                              const char    *url,
                                              LsStreamFormat format);
void            ls_window_use_demo           (LsWindow      *self);
gboolean        ls_window_load_request       (LsWindow              *self,
                                              const LsStreamOptions *request,
                                              gboolean               connect);
LsStress       *ls_window_get_stress         (LsWindow      *self);
gboolean        ls_window_get_busy           (LsWindow      *self);
gboolean        ls_window_start_stress       (LsWindow      *self,
                                              guint          n_round_trips);
void            ls_window_cancel_stress      (LsWindow      *self);

G_END_DECLS
