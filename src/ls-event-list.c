/* ls-event-list.c: a GListModel over an LsEventStore, optionally filtered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store can hold a million events; a view shows a few dozen. So items
 * are made only when a view asks for one (get_item), straight from the
 * store by sequence number, and hold a pin on the segment they point into
 * instead of copying the event. Unfiltered, the model keeps nothing per
 * event: position i is sequence number first_seq + i. Filtered, it keeps
 * the sequence numbers of the matching events (8 bytes each), found by
 * scanning the store with a time budget per update, so a new filter over
 * a million events fills in over a few frames instead of freezing one.
 *
 * The store is written on the worker; the model only ever looks at it
 * from the UI thread, when told to (ls_event_list_update(), once a frame),
 * so a burst of events becomes one items-changed, not one per event.
 * Every items-changed is true of the model when it is emitted: a view
 * reads n_items and items from its handler.
 *
 * The model, its items and its filter index stay in one file (about 900
 * lines): the positions the filter keeps are what items-changed announces.
 */
#include "config.h"

#include <string.h>

#include "ls-event-list.h"

/* Work one update may do scanning for matches or types. Not a promise
 * about frame times, a bound on how long one frame can be held up. */
#define SCAN_BUDGET_US 4000
/* Types offered in the filter: a server making up a type per event must
 * not grow the drop-down without bound. */
#define MAX_TYPES 200

/* ---- LsEventItem ---------------------------------------------------------- */

struct _LsEventItem
{
  GObject      parent_instance;

  LsEventView  view;
  LsEventPin  *pin;        /* keeps view's strings alive; NULL when dropped */
  gint64       real_time_us;
  gint64       gap_us;     /* since the row before it; -1 when unknown */
};

G_DEFINE_FINAL_TYPE (LsEventItem, ls_event_item, G_TYPE_OBJECT)

static void
ls_event_item_finalize (GObject *object)
{
  LsEventItem *self = LS_EVENT_ITEM (object);

  g_clear_pointer (&self->pin, ls_event_pin_unref);

  G_OBJECT_CLASS (ls_event_item_parent_class)->finalize (object);
}

static void
ls_event_item_class_init (LsEventItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ls_event_item_finalize;
}

static void
ls_event_item_init (LsEventItem *self)
{
  self->gap_us = -1;
}

/* @pin: the pin @view was read with; the item takes its own reference. */
static LsEventItem *
ls_event_item_new (LsEventStore      *store,
                   const LsEventView *view,
                   LsEventPin        *pin)
{
  LsEventItem *self = g_object_new (LS_TYPE_EVENT_ITEM, NULL);

  self->view = *view;
  self->pin = ls_event_pin_ref (pin);
  self->real_time_us = ls_event_store_to_real_time (store, view->time_us);

  return self;
}

/* A row whose event the retention cap dropped between the model's last
 * update and the view asking for it: shown as such, never a crash. */
static LsEventItem *
ls_event_item_new_dropped (guint64 seq)
{
  LsEventItem *self = g_object_new (LS_TYPE_EVENT_ITEM, NULL);

  self->view.seq = seq;
  self->view.kind = LS_EVENT_KIND_EVENT;
  self->view.type = "";
  self->view.id = "";
  self->view.data = "";

  return self;
}

/**
 * ls_event_item_get_view:
 *
 * Returns: (transfer none): the event; its strings live as long as @self
 */
const LsEventView *
ls_event_item_get_view (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), NULL);

  return &self->view;
}

guint64
ls_event_item_get_seq (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), 0);

  return self->view.seq;
}

LsEventKind
ls_event_item_get_kind (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), LS_EVENT_KIND_EVENT);

  return self->view.kind;
}

gint64
ls_event_item_get_real_time (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), 0);

  return self->real_time_us;
}

gint64
ls_event_item_get_gap (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), -1);

  return self->gap_us;
}

gboolean
ls_event_kind_is_lifecycle (LsEventKind kind)
{
  switch (kind)
    {
    case LS_EVENT_KIND_OPEN:
    case LS_EVENT_KIND_ERROR:
    case LS_EVENT_KIND_RECONNECT:
    case LS_EVENT_KIND_CLOSED:
      return TRUE;

    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
    case LS_EVENT_KIND_CHUNK:
    case LS_EVENT_KIND_COMMENT:
    default:
      return FALSE;
    }
}

gboolean
ls_event_item_is_lifecycle (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), FALSE);

  return ls_event_kind_is_lifecycle (self->view.kind);
}

gboolean
ls_event_item_is_dropped (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), FALSE);

  return self->pin == NULL;
}

/* ---- LsEventList ---------------------------------------------------------- */

struct _LsEventList
{
  GObject       parent_instance;

  LsEventStore *store;
  LsEventPin   *pin;          /* reused across get_item() calls in one segment */
  guint         n_items;
  guint64       n_total;      /* readable in the store at the last update */

  /* Unfiltered: item i is first_seq + i. */
  guint64       first_seq;

  /* Filtered: item i is matches[head + i]; events before scan_end have
   * been looked at. */
  gboolean      filtered;
  GArray       *matches;      /* guint64 sequence numbers, ascending */
  guint         head;         /* dropped matches not yet compacted away */
  guint64       scan_end;
  char         *type_filter;  /* NULL: any */
  char         *text_folded;  /* ASCII-lowercased needle, NULL: any */
  GRegex       *regex;        /* instead of text_folded */
  gboolean      hide_lifecycle;
  gboolean      hide_comments;

  /* Types seen, in order of first appearance, for the filter's choices. */
  GPtrArray    *types;
  GHashTable   *type_set;     /* the strings of types */
  guint64       types_end;
};

static void ls_event_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LsEventList, ls_event_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ls_event_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_N_ITEMS,
  PROP_SEARCHING,
  N_PROPS
};

enum {
  SIGNAL_TYPES_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static guint64
ls_event_list_seq_at (LsEventList *self,
                      guint        position)
{
  if (self->filtered)
    return g_array_index (self->matches, guint64, self->head + position);

  return self->first_seq + position;
}

static GType
ls_event_list_get_item_type (GListModel *model)
{
  return LS_TYPE_EVENT_ITEM;
}

static guint
ls_event_list_get_n_items (GListModel *model)
{
  return LS_EVENT_LIST (model)->n_items;
}

static gpointer
ls_event_list_get_item (GListModel *model,
                        guint       position)
{
  LsEventList *self = LS_EVENT_LIST (model);
  LsEventView view;
  LsEventItem *item;
  gint64 prev_time_us = -1;
  guint64 seq;

  if (position >= self->n_items)
    return NULL;

  g_assert (self->store != NULL);
  seq = ls_event_list_seq_at (self, position);

  /* The gap is to the row above, which is what the eye compares. Read
   * first: a get may replace the shared pin, and the item pins the view
   * it keeps, not this one. */
  if (position > 0 || (!self->filtered && seq > 0))
    {
      guint64 prev = position > 0 ? ls_event_list_seq_at (self, position - 1) : seq - 1;

      if (ls_event_store_get (self->store, prev, &view, &self->pin))
        prev_time_us = view.time_us;
    }

  if (!ls_event_store_get (self->store, seq, &view, &self->pin))
    return ls_event_item_new_dropped (seq);

  item = ls_event_item_new (self->store, &view, self->pin);
  if (prev_time_us >= 0)
    item->gap_us = MAX (view.time_us - prev_time_us, 0);

  return item;
}

static void
ls_event_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ls_event_list_get_item_type;
  iface->get_n_items = ls_event_list_get_n_items;
  iface->get_item = ls_event_list_get_item;
}

static void
ls_event_list_dispose (GObject *object)
{
  LsEventList *self = LS_EVENT_LIST (object);

  g_clear_pointer (&self->pin, ls_event_pin_unref);
  g_clear_pointer (&self->store, ls_event_store_unref);

  G_OBJECT_CLASS (ls_event_list_parent_class)->dispose (object);
}

static void
ls_event_list_finalize (GObject *object)
{
  LsEventList *self = LS_EVENT_LIST (object);

  g_array_unref (self->matches);
  g_free (self->type_filter);
  g_free (self->text_folded);
  g_clear_pointer (&self->regex, g_regex_unref);
  g_hash_table_unref (self->type_set);
  g_ptr_array_unref (self->types);

  G_OBJECT_CLASS (ls_event_list_parent_class)->finalize (object);
}

static void
ls_event_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LsEventList *self = LS_EVENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_boxed (value, self->store);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;

    case PROP_SEARCHING:
      g_value_set_boolean (value, ls_event_list_get_searching (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_event_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LsEventList *self = LS_EVENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      ls_event_list_set_store (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_event_list_class_init (LsEventListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_event_list_dispose;
  object_class->finalize = ls_event_list_finalize;
  object_class->get_property = ls_event_list_get_property;
  object_class->set_property = ls_event_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_boxed ("store", NULL, NULL, LS_TYPE_EVENT_STORE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCHING] =
    g_param_spec_boolean ("searching", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A type was seen for the first time (it is the last one), or the
   * store was replaced (the types start over). */
  signals[SIGNAL_TYPES_CHANGED] =
    g_signal_new ("types-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ls_event_list_init (LsEventList *self)
{
  self->matches = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->types = g_ptr_array_new_with_free_func (g_free);
  self->type_set = g_hash_table_new (g_str_hash, g_str_equal);
}

LsEventList *
ls_event_list_new (LsEventStore *store)
{
  return g_object_new (LS_TYPE_EVENT_LIST, "store", store, NULL);
}

/**
 * ls_event_list_get_store:
 *
 * Returns: (transfer none) (nullable): the store
 */
LsEventStore *
ls_event_list_get_store (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), NULL);

  return self->store;
}

/* Empties the model (one items-changed) and starts over from the store's
 * first readable event, under the current filter. */
static void
ls_event_list_reset (LsEventList *self)
{
  guint removed = self->n_items;
  guint64 first = self->store != NULL ? ls_event_store_get_first_seq (self->store) : 0;

  g_clear_pointer (&self->pin, ls_event_pin_unref);
  self->filtered = self->type_filter != NULL || self->text_folded != NULL
                   || self->regex != NULL || self->hide_lifecycle || self->hide_comments;
  self->first_seq = first;
  g_array_set_size (self->matches, 0);
  self->head = 0;
  self->scan_end = first;
  self->n_items = 0;

  if (removed > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

void
ls_event_list_set_store (LsEventList  *self,
                         LsEventStore *store)
{
  g_return_if_fail (LS_IS_EVENT_LIST (self));

  if (self->store == store)
    return;

  g_clear_pointer (&self->pin, ls_event_pin_unref);
  g_clear_pointer (&self->store, ls_event_store_unref);
  self->store = store != NULL ? ls_event_store_ref (store) : NULL;
  self->n_total = 0;
  self->types_end = 0;
  g_hash_table_remove_all (self->type_set);
  g_ptr_array_set_size (self->types, 0);
  ls_event_list_reset (self);
  g_signal_emit (self, signals[SIGNAL_TYPES_CHANGED], 0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/* ---- filtering -------------------------------------------------------------- */

/* @needle is lowercase ASCII (other bytes match exactly). */
static gboolean
contains_caseless (const char *hay,
                   gsize       hay_len,
                   const char *needle,
                   gsize       needle_len)
{
  char lower = needle[0];
  char upper = g_ascii_toupper (lower);

  if (hay_len < needle_len)
    return FALSE;

  for (gsize i = 0; i + needle_len <= hay_len; i++)
    {
      gsize k = 1;

      if (hay[i] != lower && hay[i] != upper)
        continue;
      while (k < needle_len && g_ascii_tolower (hay[i + k]) == needle[k])
        k++;
      if (k == needle_len)
        return TRUE;
    }

  return FALSE;
}

static gboolean
text_matches (LsEventList *self,
              const char  *text,
              gsize        len)
{
  if (self->regex != NULL)
    return g_regex_match_full (self->regex, text, (gssize) len, 0, 0, NULL, NULL);

  return contains_caseless (text, len, self->text_folded, strlen (self->text_folded));
}

static gboolean
ls_event_list_matches (LsEventList       *self,
                       const LsEventView *view)
{
  if (self->hide_lifecycle && ls_event_kind_is_lifecycle (view->kind))
    return FALSE;
  if (self->hide_comments && view->kind == LS_EVENT_KIND_COMMENT)
    return FALSE;
  if (self->type_filter != NULL && strcmp (view->type, self->type_filter) != 0)
    return FALSE;
  if (self->text_folded == NULL && self->regex == NULL)
    return TRUE;

  return text_matches (self, view->data, view->data_len)
         || text_matches (self, view->type, view->type_len)
         || text_matches (self, view->id, view->id_len);
}

typedef struct
{
  LsEventList *self;
  gint64       deadline_us;
  guint64      next;      /* first sequence number not looked at */
  guint        n_seen;
  gsize        n_bytes;   /* searched since the clock was last read */
  gboolean     stopped;   /* out of budget */
} Scan;

static gboolean
scan_out_of_budget (Scan  *scan,
                    gsize  bytes)
{
  /* The clock is cheap but not free: look at it every 256 events, or
   * sooner when they are big (a regex over megabytes takes a while). */
  scan->n_bytes += bytes;
  if ((++scan->n_seen & 255) != 0 && scan->n_bytes < 256 * 1024)
    return FALSE;
  scan->n_bytes = 0;
  scan->stopped = g_get_monotonic_time () >= scan->deadline_us;

  return scan->stopped;
}

static gboolean
scan_matches_cb (const LsEventView *view,
                 gpointer           user_data)
{
  Scan *scan = user_data;

  if (ls_event_list_matches (scan->self, view))
    g_array_append_val (scan->self->matches, view->seq);
  scan->next = view->seq + 1;

  /* Only the text filter reads the data. */
  return !scan_out_of_budget (scan, scan->self->text_folded != NULL || scan->self->regex != NULL
                                      ? view->data_len : 0);
}

static gboolean
scan_types_cb (const LsEventView *view,
               gpointer           user_data)
{
  Scan *scan = user_data;
  LsEventList *self = scan->self;

  scan->next = view->seq + 1;
  /* Types that are not UTF-8 could be neither shown nor chosen. */
  if (view->type_len > 0 && !ls_event_kind_is_lifecycle (view->kind)
      && !g_hash_table_contains (self->type_set, view->type)
      && g_utf8_validate (view->type, (gssize) view->type_len, NULL))
    {
      char *type = g_strndup (view->type, view->type_len);

      g_ptr_array_add (self->types, type);
      g_hash_table_add (self->type_set, type);
      g_signal_emit (self, signals[SIGNAL_TYPES_CHANGED], 0);
      if (self->types->len >= MAX_TYPES)
        return FALSE;
    }

  return !scan_out_of_budget (scan, 0);
}

static void
ls_event_list_update_types (LsEventList *self,
                            guint64      end)
{
  Scan scan = { self, g_get_monotonic_time () + SCAN_BUDGET_US / 4, self->types_end, 0, 0, FALSE };

  if (self->types->len >= MAX_TYPES || self->types_end >= end)
    return;

  ls_event_store_foreach_range (self->store, self->types_end, end, scan_types_cb, &scan);
  self->types_end = (scan.stopped || self->types->len >= MAX_TYPES) ? scan.next : end;
}

static gboolean
ls_event_list_update_filtered (LsEventList *self,
                               guint64      first,
                               guint64      end)
{
  guint removed = 0;
  guint added = 0;
  guint old_len;

  /* Matches are ascending: the dropped ones are a prefix. */
  if (self->head < self->matches->len
      && g_array_index (self->matches, guint64, self->head) < first)
    {
      guint lo = self->head;
      guint hi = self->matches->len;

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (g_array_index (self->matches, guint64, mid) < first)
            lo = mid + 1;
          else
            hi = mid;
        }
      removed = lo - self->head;
      self->head = lo;
      self->n_items -= removed;
      g_clear_pointer (&self->pin, ls_event_pin_unref);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);

      /* Reclaim the dead prefix once it is most of the array. */
      if (self->head >= 4096 && self->head >= self->matches->len / 2)
        {
          g_array_remove_range (self->matches, 0, self->head);
          self->head = 0;
        }
    }

  if (self->scan_end < first)
    self->scan_end = first;

  if (self->scan_end < end)
    {
      Scan scan = { self, g_get_monotonic_time () + SCAN_BUDGET_US, self->scan_end, 0, 0, FALSE };

      old_len = self->matches->len;
      ls_event_store_foreach_range (self->store, self->scan_end, end, scan_matches_cb, &scan);
      self->scan_end = scan.stopped ? scan.next : end;
      added = self->matches->len - old_len;
      if (added > 0)
        {
          self->n_items += added;
          g_list_model_items_changed (G_LIST_MODEL (self), self->n_items - added, 0, added);
        }
    }

  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);

  return removed > 0 || added > 0;
}

static gboolean
ls_event_list_update_all (LsEventList *self,
                          guint64      first,
                          guint64      end)
{
  guint64 old_end = self->first_seq + self->n_items;
  guint removed = 0;
  guint added = 0;

  /* Two announcements, each true of the model at the moment it is made:
   * a view reads n_items and items while handling the first one, so the
   * additions must not be counted yet when the removal is announced. */
  if (first > self->first_seq)
    {
      removed = (guint) MIN (first - self->first_seq, (guint64) self->n_items);
      self->first_seq = first;
      self->n_items -= removed;
      /* Everything before first is gone: a pin on it only wastes memory. */
      g_clear_pointer (&self->pin, ls_event_pin_unref);
      if (removed > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
    }

  if (end > old_end)
    {
      /* When the store dropped past our old end, the first new item is
       * its first readable event, not old_end. */
      added = (guint) (end - MAX (old_end, self->first_seq));
      self->n_items += added;
      g_list_model_items_changed (G_LIST_MODEL (self), self->n_items - added, 0, added);
    }

  g_assert (self->n_items == 0 || self->first_seq + self->n_items == end);

  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);

  return removed > 0 || added > 0;
}

gboolean
ls_event_list_update (LsEventList *self)
{
  gboolean was_searching;
  gboolean changed;
  guint64 first, end;

  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  if (self->store == NULL)
    return FALSE;

  was_searching = ls_event_list_get_searching (self);
  ls_event_store_get_range (self->store, &first, &end);
  self->n_total = end - first;
  ls_event_list_update_types (self, end);

  /* A GListModel counts in guint: a store that ever held more than
   * G_MAXUINT readable events shows the newest G_MAXUINT. */
  if (end - first > G_MAXUINT)
    first = end - G_MAXUINT;

  if (self->filtered)
    changed = ls_event_list_update_filtered (self, first, end);
  else
    changed = ls_event_list_update_all (self, first, end);

  if (was_searching != ls_event_list_get_searching (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING]);

  return changed;
}

guint64
ls_event_list_get_first_seq (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), 0);

  return self->n_items > 0 ? ls_event_list_seq_at (self, 0) : self->first_seq;
}

guint64
ls_event_list_get_seq (LsEventList *self,
                       guint        position)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), G_MAXUINT64);

  if (position >= self->n_items)
    return G_MAXUINT64;

  return ls_event_list_seq_at (self, position);
}

guint
ls_event_list_find_seq (LsEventList *self,
                        guint64      seq)
{
  guint lo, hi;

  g_return_val_if_fail (LS_IS_EVENT_LIST (self), G_MAXUINT);

  if (!self->filtered)
    return seq >= self->first_seq && seq - self->first_seq < self->n_items
             ? (guint) (seq - self->first_seq) : G_MAXUINT;

  lo = self->head;
  hi = self->matches->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->matches, guint64, mid) < seq)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo < self->matches->len && g_array_index (self->matches, guint64, lo) == seq)
    return lo - self->head;

  return G_MAXUINT;
}

guint64
ls_event_list_get_n_total (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), 0);

  return self->n_total;
}

gboolean
ls_event_list_get_filtered (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  return self->filtered;
}

gboolean
ls_event_list_get_searching (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  return self->filtered && self->store != NULL
         && self->scan_end < ls_event_store_get_end_seq (self->store);
}

void
ls_event_list_set_type_filter (LsEventList *self,
                               const char  *type)
{
  g_return_if_fail (LS_IS_EVENT_LIST (self));

  if (type != NULL && type[0] == '\0')
    type = NULL;
  if (g_strcmp0 (type, self->type_filter) == 0)
    return;

  g_free (self->type_filter);
  self->type_filter = g_strdup (type);
  ls_event_list_reset (self);
  ls_event_list_update (self);
}

gboolean
ls_event_list_set_text_filter (LsEventList  *self,
                               const char   *text,
                               gboolean      regex,
                               GError      **error)
{
  g_autoptr(GRegex) compiled = NULL;

  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  if (text != NULL && text[0] != '\0' && regex)
    {
      /* Raw: data may be any bytes, and PCRE must not read invalid UTF-8
       * as such. Caseless like the plain search; (?-i) turns it off. */
      compiled = g_regex_new (text, G_REGEX_RAW | G_REGEX_CASELESS | G_REGEX_OPTIMIZE,
                              0, error);
      if (compiled == NULL)
        return FALSE;
    }

  g_clear_pointer (&self->text_folded, g_free);
  g_clear_pointer (&self->regex, g_regex_unref);
  if (compiled != NULL)
    self->regex = g_steal_pointer (&compiled);
  else if (text != NULL && text[0] != '\0')
    self->text_folded = g_ascii_strdown (text, -1);

  ls_event_list_reset (self);
  ls_event_list_update (self);

  return TRUE;
}

void
ls_event_list_set_hide_lifecycle (LsEventList *self,
                                  gboolean     hide)
{
  g_return_if_fail (LS_IS_EVENT_LIST (self));

  hide = !!hide;
  if (self->hide_lifecycle == hide)
    return;

  self->hide_lifecycle = hide;
  ls_event_list_reset (self);
  ls_event_list_update (self);
}

gboolean
ls_event_list_get_hide_lifecycle (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  return self->hide_lifecycle;
}

void
ls_event_list_set_hide_comments (LsEventList *self,
                                 gboolean     hide)
{
  g_return_if_fail (LS_IS_EVENT_LIST (self));

  hide = !!hide;
  if (self->hide_comments == hide)
    return;

  self->hide_comments = hide;
  ls_event_list_reset (self);
  ls_event_list_update (self);
}

gboolean
ls_event_list_get_hide_comments (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  return self->hide_comments;
}

guint
ls_event_list_get_n_types (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), 0);

  return self->types->len;
}

const char *
ls_event_list_get_type_name (LsEventList *self,
                             guint        index)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), NULL);
  g_return_val_if_fail (index < self->types->len, NULL);

  return g_ptr_array_index (self->types, index);
}
