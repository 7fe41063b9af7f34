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

G_END_DECLS
