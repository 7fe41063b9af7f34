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
gboolean      ls_event_panel_get_follow    (LsEventPanel *self);
void          ls_event_panel_set_follow    (LsEventPanel *self,
                                            gboolean      follow);
/* Selects item @position (G_MAXUINT: none) and shows it in the detail pane. */
void          ls_event_panel_select        (LsEventPanel *self,
                                            guint         position);
/* The text the detail pane shows (for tests): newly allocated. */
char         *ls_event_panel_dup_detail_text (LsEventPanel *self);

/* Helpers shared with the tests: "HH:MM:SS.mmm" in local time, and the
 * first line of @data, valid UTF-8, at most @max_bytes. */
char         *ls_event_panel_format_time   (char         *buf,
                                            gsize         len,
                                            gint64        real_time_us);
char         *ls_event_panel_first_line    (const char   *data,
                                            gsize         data_len,
                                            gsize         max_bytes);
/* @data pretty-printed when it is a JSON object or array, else NULL. */
char         *ls_event_panel_pretty_json   (const char   *data,
                                            gsize         data_len);

G_END_DECLS
