/* ls-event-panel.h: the received events as a table, and the one selected
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-event-list.h"

G_BEGIN_DECLS

#define LS_TYPE_EVENT_PANEL (ls_event_panel_get_type ())
G_DECLARE_FINAL_TYPE (LsEventPanel, ls_event_panel, LS, EVENT_PANEL, GtkWidget)

GtkWidget    *ls_event_panel_new           (void);
LsEventList  *ls_event_panel_get_list      (LsEventPanel *self);
void          ls_event_panel_set_store     (LsEventPanel *self,
                                            LsEventStore *store);
void          ls_event_panel_set_finished  (LsEventPanel *self,
                                            gboolean      finished);
gboolean      ls_event_panel_get_follow    (LsEventPanel *self);
void          ls_event_panel_set_follow    (LsEventPanel *self,
                                            gboolean      follow);
/* Puts the keyboard in the filter entry, its text selected (for Ctrl+F). */
void          ls_event_panel_focus_filter  (LsEventPanel *self);
/* Socket to screen: when the view first took event @seq into its table
 * (the monotonic time of the frame's catch-up with the store), for the
 * recent frames only; FALSE when not known (too old, never shown live,
 * or events that were in the store before it was set). */
gboolean      ls_event_panel_get_shown_time (LsEventPanel *self,
                                             guint64       seq,
                                             gint64       *shown_us);
/* Over the newest events shown live: the median and 99th percentile of
 * (shown time − read time). FALSE when none is known. */
gboolean      ls_event_panel_get_latency   (LsEventPanel *self,
                                            gint64       *p50_us,
                                            gint64       *p99_us);

G_END_DECLS
