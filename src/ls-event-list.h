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
/* TRUE for a row whose event retention dropped before it could be read. */
gboolean           ls_event_item_is_dropped     (LsEventItem *self);

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
 * dropped at the front and one for what was appended. Returns TRUE when
 * anything changed. The view calls it once per frame (tick callback), so
 * a store growing by 100,000 events a second costs ~60 signals. */
gboolean      ls_event_list_update        (LsEventList  *self);
/* The store's sequence number of the first item (items are contiguous). */
guint64       ls_event_list_get_first_seq (LsEventList  *self);

G_END_DECLS
