/* ls-event-panel-private.h: the panel's text helpers and test hooks
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
/* A widget of the panel's template by its id ("search_entry",
 * "count_label"...), for tests that drive the panel as a user would. */
GtkWidget    *_ls_event_panel_get_child     (LsEventPanel *self,
                                             const char   *id);
/* Selects row @position and opens the context menu on it, as a
 * right-click there does. Returns the menu. */
GtkWidget    *_ls_event_panel_open_context_menu (LsEventPanel *self,
                                                 guint         position);
/* Whether the row of event @seq is within the visible part of the table. */
gboolean      _ls_event_panel_row_is_visible (LsEventPanel *self,
                                              guint64       seq);
/* ls-event-columns.c: the table's columns (fixed widths but the data's),
 * the row under a point of @view (G_MAXUINT: none), and a widget of event
 * @seq's row when that row is on screen within @viewport (else NULL). */
void          _ls_event_columns_add          (GtkColumnView *view);
guint         _ls_event_columns_row_at       (GtkColumnView *view,
                                              double         x,
                                              double         y);
GtkWidget    *_ls_event_columns_find_visible_row (GtkColumnView *view,
                                                 GtkWidget     *viewport,
                                                 guint64        seq);

/* Whether the panel runs its per-frame tick now. */
gboolean      _ls_event_panel_is_ticking    (LsEventPanel *self);

/* The detail pane's title, subtitle and text for @item; newly allocated. */
void          _ls_event_panel_describe      (LsEventItem  *item,
                                             char        **title,
                                             char        **subtitle,
                                             char        **body);
/* What the count next to the filters says: "50,000 events" unfiltered,
 * "1,234 of 50,000" filtered (with "…" while it is still looking). */
char         *_ls_event_panel_count_text    (guint64       n_items,
                                             guint64       n_total,
                                             gboolean      filtered,
                                             gboolean      searching);

/* What "Copy Event as JSON" copies: newly allocated. */
char         *_ls_event_panel_dup_event_json (LsEventItem *item);

/* Helpers shared with the tests: "HH:MM:SS.mmm" in local time, and the
 * first line of @data, valid UTF-8, at most @max_bytes. */
char         *_ls_event_panel_format_time   (char         *buf,
                                             gsize         len,
                                             gint64        real_time_us);
char         *_ls_event_panel_first_line    (const char   *data,
                                             gsize         data_len,
                                             gsize         max_bytes);
/* The one human name of each kind; machine names are the nicks of
 * LS_TYPE_EVENT_KIND. */
const char   *_ls_event_panel_kind_label    (LsEventKind   kind);
/* @data pretty-printed when it is a JSON object or array, else NULL. */
char         *_ls_event_panel_pretty_json   (const char   *data,
                                             gsize         data_len);

G_END_DECLS
