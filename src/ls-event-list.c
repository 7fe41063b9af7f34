/* ls-event-list.c: a GListModel over an LsEventStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store can hold a million events; a view shows a few dozen. So items
 * are made only when a view asks for one (get_item), straight from the
 * store by sequence number, and hold a pin on the segment they point into
 * instead of copying the event. The model itself keeps nothing per event:
 * position i is sequence number first_seq + i.
 *
 * The store is written on the worker; the model only ever looks at it
 * from the UI thread, when told to (ls_event_list_update(), once a frame),
 * so a burst of events becomes one items-changed, not one per event.
 */
#include "config.h"

#include "ls-event-list.h"

/* ---- LsEventItem ---------------------------------------------------------- */

struct _LsEventItem
{
  GObject      parent_instance;

  LsEventView  view;
  LsEventPin  *pin;        /* keeps view's strings alive; NULL when dropped */
  gint64       real_time_us;
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

gboolean
ls_event_item_is_lifecycle (LsEventItem *self)
{
  g_return_val_if_fail (LS_IS_EVENT_ITEM (self), FALSE);

  switch (self->view.kind)
    {
    case LS_EVENT_KIND_OPEN:
    case LS_EVENT_KIND_ERROR:
    case LS_EVENT_KIND_RECONNECT:
    case LS_EVENT_KIND_CLOSED:
      return TRUE;

    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
    case LS_EVENT_KIND_CHUNK:
    default:
      return FALSE;
    }
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
  LsEventPin   *pin;        /* reused across get_item() calls in one segment */
  guint64       first_seq;  /* of item 0 */
  guint         n_items;
};

static void ls_event_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LsEventList, ls_event_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ls_event_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
  guint64 seq;

  if (position >= self->n_items)
    return NULL;

  g_assert (self->store != NULL);
  seq = self->first_seq + position;
  if (!ls_event_store_get (self->store, seq, &view, &self->pin))
    return ls_event_item_new_dropped (seq);

  return ls_event_item_new (self->store, &view, self->pin);
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
  object_class->get_property = ls_event_list_get_property;
  object_class->set_property = ls_event_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_boxed ("store", NULL, NULL, LS_TYPE_EVENT_STORE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_event_list_init (LsEventList *self)
{
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

void
ls_event_list_set_store (LsEventList  *self,
                         LsEventStore *store)
{
  guint removed;

  g_return_if_fail (LS_IS_EVENT_LIST (self));

  if (self->store == store)
    return;

  removed = self->n_items;
  g_clear_pointer (&self->pin, ls_event_pin_unref);
  g_clear_pointer (&self->store, ls_event_store_unref);
  self->store = store != NULL ? ls_event_store_ref (store) : NULL;
  self->first_seq = store != NULL ? ls_event_store_get_first_seq (store) : 0;
  self->n_items = 0;

  if (removed > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

gboolean
ls_event_list_update (LsEventList *self)
{
  guint64 first, end, old_end;
  guint removed = 0;
  guint added = 0;

  g_return_val_if_fail (LS_IS_EVENT_LIST (self), FALSE);

  if (self->store == NULL)
    return FALSE;

  ls_event_store_get_range (self->store, &first, &end);
  old_end = self->first_seq + self->n_items;

  /* A GListModel counts in guint: a store that ever held more than
   * G_MAXUINT readable events shows the newest G_MAXUINT. */
  if (end - first > G_MAXUINT)
    first = end - G_MAXUINT;

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

guint64
ls_event_list_get_first_seq (LsEventList *self)
{
  g_return_val_if_fail (LS_IS_EVENT_LIST (self), 0);

  return self->first_seq;
}
