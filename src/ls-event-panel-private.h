/* ls-event-panel-private.h: the panel's formatting helpers and detail pane, for its tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-event-panel.h"

G_BEGIN_DECLS

/* Selects item @position (G_MAXUINT: none) and shows it in the detail pane. */
void          _ls_event_panel_select        (LsEventPanel *self,
                                             guint         position);
/* The text the detail pane shows (for tests): newly allocated. */
char         *_ls_event_panel_dup_detail_text (LsEventPanel *self);

/* Helpers shared with the tests: "HH:MM:SS.mmm" in local time, and the
 * first line of @data, valid UTF-8, at most @max_bytes. */
char         *_ls_event_panel_format_time   (char         *buf,
                                             gsize         len,
                                             gint64        real_time_us);
char         *_ls_event_panel_first_line    (const char   *data,
                                             gsize         data_len,
                                             gsize         max_bytes);
/* @data pretty-printed when it is a JSON object or array, else NULL. */
char         *_ls_event_panel_pretty_json   (const char   *data,
                                             gsize         data_len);

G_END_DECLS
