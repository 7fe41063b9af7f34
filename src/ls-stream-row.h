/* ls-stream-row.h: one stream in the window's sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-stream-page.h"

G_BEGIN_DECLS

#define LS_TYPE_STREAM_ROW (ls_stream_row_get_type ())
G_DECLARE_FINAL_TYPE (LsStreamRow, ls_stream_row, LS, STREAM_ROW, GtkListBoxRow)

GtkWidget    *ls_stream_row_new         (LsStreamPage *page);
LsStreamPage *ls_stream_row_get_page    (LsStreamRow  *self);
/* Once a second: the rate figure and its sparkline. */
void          ls_stream_row_refresh     (LsStreamRow  *self,
                                         gint64        now_us);
/* The rate as shown ("12.0/s", or "—" when no connection is open). */
const char   *ls_stream_row_get_rate_text (LsStreamRow *self);

G_END_DECLS
