/* ls-event-list.h: a GListModel over an LsEventStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-event-store.h"

G_BEGIN_DECLS

/* ---- LsEventItem: one row, made on demand ------------------------------ */

#define LS_TYPE_EVENT_ITEM (ls_event_item_get_type ())
G_DECLARE_FINAL_TYPE (LsEventItem, ls_event_item, LS, EVENT_ITEM, GObject)

/* The view stays valid as long as the item lives: the item holds a pin. */
const LsEventView *ls_event_item_get_view       (LsEventItem *self);
guint64            ls_event_item_get_seq        (LsEventItem *self);
LsEventKind        ls_event_item_get_kind       (LsEventItem *self);
/* Wall-clock time of reception, microseconds since the Unix epoch. */
gint64             ls_event_item_get_real_time  (LsEventItem *self);
gboolean           ls_event_item_is_lifecycle   (LsEventItem *self);
/* Microseconds since the row above it was received; -1 when unknown. */
gint64             ls_event_item_get_gap        (LsEventItem *self);
/* TRUE for a row whose event retention dropped before it could be read. */
gboolean           ls_event_item_is_dropped     (LsEventItem *self);

/* Open, error, reconnect, closed: the connection's story, not its data. */
gboolean           ls_event_kind_is_lifecycle   (LsEventKind  kind);

/* ---- LsEventList --------------------------------------------------------- */

#define LS_TYPE_EVENT_LIST (ls_event_list_get_type ())
G_DECLARE_FINAL_TYPE (LsEventList, ls_event_list, LS, EVENT_LIST, GObject)

LsEventList  *ls_event_list_new           (LsEventStore *store);
LsEventStore *ls_event_list_get_store     (LsEventList  *self);
/* Replaces the store (NULL for none): every item is removed, the new
 * store's events are added at the next update. */
void          ls_event_list_set_store     (LsEventList  *self,
                                           LsEventStore *store);
/* Catches up with the store: at most one items-changed for what was
 * dropped at the front, then one for what was appended, each true of the
 * model when emitted. Returns TRUE when anything changed. The view calls
 * it once per frame (tick callback), so a store growing by 100,000
 * events a second costs ~60 signals. Filtered, one update looks at the
 * events it has not seen yet for a few milliseconds at most: the rest
 * waits for the next update (see :searching). */
gboolean      ls_event_list_update        (LsEventList  *self);
/* The store's sequence number of the first item. Unfiltered, items are
 * contiguous: item i is that plus i. */
guint64       ls_event_list_get_first_seq (LsEventList  *self);
/* The sequence number of item @position, G_MAXUINT64 past the end. */
guint64       ls_event_list_get_seq       (LsEventList  *self,
                                           guint         position);
/* The position of event @seq, G_MAXUINT when the list does not show it. */
guint         ls_event_list_find_seq      (LsEventList  *self,
                                           guint64       seq);
/* Events readable in the store at the last update, shown or not. */
guint64       ls_event_list_get_n_total   (LsEventList  *self);

/* ---- filtering ----
 * Each setter empties the list and refills it from the store's oldest
 * readable event, over as many updates as it takes (:searching is TRUE
 * until it has caught up). */
void          ls_event_list_set_type_filter    (LsEventList  *self,
                                                const char   *type);
/* Events whose data, type or id contain @text, ignoring ASCII case; with
 * @regex, match the GRegex @text instead (caseless too). An invalid
 * regex returns FALSE with @error set and leaves the filter as it was. */
gboolean      ls_event_list_set_text_filter    (LsEventList  *self,
                                                const char   *text,
                                                gboolean      regex,
                                                GError      **error);
void          ls_event_list_set_hide_lifecycle (LsEventList  *self,
                                                gboolean      hide);
gboolean      ls_event_list_get_hide_lifecycle (LsEventList  *self);
/* SSE comment rows (LS_EVENT_KIND_COMMENT), shown by default. */
void          ls_event_list_set_hide_comments  (LsEventList  *self,
                                                gboolean      hide);
gboolean      ls_event_list_get_hide_comments  (LsEventList  *self);
/* Whether any filter is set. */
gboolean      ls_event_list_get_filtered       (LsEventList  *self);
gboolean      ls_event_list_get_searching      (LsEventList  *self);

/* The event types seen so far (UTF-8, lifecycle rows aside), in order of
 * first appearance; "types-changed" says when one is added. */
guint         ls_event_list_get_n_types        (LsEventList  *self);
const char   *ls_event_list_get_type_name      (LsEventList  *self,
                                                guint         index);

G_END_DECLS
