/* test-event-list.c: the GListModel over an LsEventStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model is tested against a store written from another thread, as the
 * worker writes it in the app: counts, one items-changed per update for
 * what was appended (and one for what retention dropped at the front),
 * and items whose contents are the store's. No display is needed except
 * for the last test, which shows the table.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "ls-event-list.h"
#include "ls-event-panel.h"
#include "ls-event-panel-private.h"
#include "ls-format.h"
#include "ls-gui-test-utils.h"
#include "ls-resources.h"

typedef struct
{
  guint n_signals;
  guint n_added;
  guint n_removed;
  guint last_position;
  guint last_removed;
  guint last_added;
  guint n_front_removals_elsewhere;   /* removals not at position 0: must stay 0 */
} Changes;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Changes    *changes)
{
  changes->n_signals++;
  changes->n_added += added;
  changes->n_removed += removed;
  changes->last_position = position;
  changes->last_removed = removed;
  changes->last_added = added;
  if (removed > 0 && position != 0)
    changes->n_front_removals_elsewhere++;
}

static void
append_numbered (LsEventStore *store,
                 guint64       n)
{
  char data[64];
  char id[32];
  int len;

  g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, n);
  len = g_snprintf (data, sizeof data, "{\"n\":%" G_GUINT64_FORMAT "}\nsecond line", n);
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, g_get_monotonic_time (),
                         "tick", -1, id, -1, data, len, (guint32) len + 20);
}

/* The item at @position is event number @n as append_numbered() wrote it. */
static void
assert_item_is (LsEventList *list,
                guint        position,
                guint64      n)
{
  g_autoptr(LsEventItem) item = g_list_model_get_item (G_LIST_MODEL (list), position);
  const LsEventView *view;
  char expected[64];

  g_assert_nonnull (item);
  g_assert_false (ls_event_item_is_dropped (item));
  view = ls_event_item_get_view (item);
  g_assert_cmpuint (view->seq, ==, ls_event_list_get_first_seq (list) + position);
  g_assert_cmpint (view->kind, ==, LS_EVENT_KIND_EVENT);
  g_assert_cmpstr (view->type, ==, "tick");
  g_snprintf (expected, sizeof expected, "%" G_GUINT64_FORMAT, n);
  g_assert_cmpstr (view->id, ==, expected);
  g_snprintf (expected, sizeof expected, "{\"n\":%" G_GUINT64_FORMAT "}\nsecond line", n);
  g_assert_cmpstr (view->data, ==, expected);
  g_assert_false (ls_event_item_is_lifecycle (item));
  g_assert_cmpint (ls_event_item_get_real_time (item), >, 0);
}

static void
test_basic (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  Changes changes = { 0, };
  g_autoptr(LsEventItem) open_item = NULL;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == LS_TYPE_EVENT_ITEM);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  g_assert_false (ls_event_list_update (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 0));

  ls_event_store_append (store, 1, LS_EVENT_KIND_OPEN, g_get_monotonic_time (),
                         NULL, -1, NULL, -1, "HTTP 200", 8, 0);
  for (guint64 n = 1; n <= 500; n++)
    append_numbered (store, n);

  /* Nothing happens until the owner says so (once a frame). */
  g_assert_cmpuint (changes.n_signals, ==, 0);
  g_assert_true (ls_event_list_update (list));
  g_assert_cmpuint (changes.n_signals, ==, 1);
  g_assert_cmpuint (changes.last_position, ==, 0);
  g_assert_cmpuint (changes.last_removed, ==, 0);
  g_assert_cmpuint (changes.last_added, ==, 501);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 501);

  open_item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_true (ls_event_item_is_lifecycle (open_item));
  g_assert_cmpint (ls_event_item_get_kind (open_item), ==, LS_EVENT_KIND_OPEN);
  g_assert_cmpstr (ls_event_item_get_view (open_item)->data, ==, "HTTP 200");

  assert_item_is (list, 1, 1);
  assert_item_is (list, 250, 250);
  assert_item_is (list, 500, 500);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 501));

  /* Nothing new: no signal. */
  g_assert_false (ls_event_list_update (list));
  g_assert_cmpuint (changes.n_signals, ==, 1);

  append_numbered (store, 501);
  g_assert_true (ls_event_list_update (list));
  g_assert_cmpuint (changes.n_signals, ==, 2);
  g_assert_cmpuint (changes.last_position, ==, 501);
  g_assert_cmpuint (changes.last_added, ==, 1);
  assert_item_is (list, 501, 501);

  g_assert_finalize_object (g_steal_pointer (&open_item));
}

/* Appends @n_events numbered events from a thread of its own, pausing
 * every @pause_every: a yield (@pause_us 0), or a sleep. */
typedef struct
{
  LsEventStore *store;
  guint64       n_events;
  gint          done;   /* atomic */
  guint64       pause_every;
  gulong        pause_us;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;

  for (guint64 n = 0; n < writer->n_events; n++)
    {
      append_numbered (writer->store, n);
      if (n % writer->pause_every != 0)
        continue;
      if (writer->pause_us == 0)
        g_thread_yield ();
      else
        g_usleep (writer->pause_us);
    }
  g_atomic_int_set (&writer->done, 1);

  return NULL;
}

/* A worker-like writer and a UI-like reader at the same time: every
 * update is at most one signal per kind of change, the model ends with
 * exactly what was written, and any item read mid-way is intact. */
static void
test_threaded_writer (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  /* Let the reader see the store mid-way now and then. */
  Writer writer = { store, 200000, 0, 4096, 0 };
  Changes changes = { 0, };
  GThread *thread;
  guint n_updates = 0;
  guint n_checked = 0;

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);
  thread = g_thread_new ("writer", writer_thread, &writer);

  for (;;)
    {
      gboolean done = g_atomic_int_get (&writer.done);
      guint before = changes.n_signals;
      guint n;

      ls_event_list_update (list);
      n_updates++;
      g_assert_cmpuint (changes.n_signals - before, <=, 1);

      n = g_list_model_get_n_items (G_LIST_MODEL (list));
      if (n > 0)
        {
          assert_item_is (list, n - 1, n - 1);
          assert_item_is (list, n / 2, n / 2);
          n_checked++;
        }
      if (done && n == writer.n_events)
        break;
    }

  g_thread_join (thread);

  g_assert_cmpuint (changes.n_added, ==, writer.n_events);
  g_assert_cmpuint (changes.n_removed, ==, 0);
  g_assert_cmpuint (changes.n_signals, <=, n_updates);
  g_test_message ("%u updates, %u signals, %u mid-way checks", n_updates, changes.n_signals, n_checked);
}

/* Retention drops events at the front: the model removes them at
 * position 0, keeps its positions aligned with the store, and an item
 * taken before the drop stays readable (it pins its segment). */
static void
test_retention (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  g_autoptr(LsEventItem) early = NULL;
  Changes changes = { 0, };
  guint64 written = 0;

  ls_event_store_set_limits (store, 1000, 0);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  for (; written < 800; written++)
    append_numbered (store, written);
  ls_event_list_update (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 800);
  early = g_list_model_get_item (G_LIST_MODEL (list), 0);

  for (guint round = 0; round < 10; round++)
    {
      guint64 first, end;
      guint before = changes.n_signals;

      for (guint i = 0; i < 700; i++, written++)
        append_numbered (store, written);

      ls_event_list_update (list);
      ls_event_store_get_range (store, &first, &end);

      /* One removal at the front, one addition at the end. */
      g_assert_cmpuint (changes.n_signals - before, <=, 2);
      g_assert_cmpuint (ls_event_list_get_first_seq (list), ==, first);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, end - first);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), <=, 1000);
      assert_item_is (list, 0, first);
      assert_item_is (list, g_list_model_get_n_items (G_LIST_MODEL (list)) - 1, written - 1);
    }

  g_assert_cmpuint (changes.n_front_removals_elsewhere, ==, 0);
  g_assert_cmpuint (changes.n_added - changes.n_removed, ==,
                    g_list_model_get_n_items (G_LIST_MODEL (list)));
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, changes.n_removed);

  /* Long dropped from the store, still intact in the item. */
  g_assert_cmpuint (ls_event_item_get_seq (early), ==, 0);
  g_assert_cmpstr (ls_event_item_get_view (early)->data, ==, "{\"n\":0}\nsecond line");
}

/* Dropped between the model's update and a view asking: a placeholder,
 * never a crash or a stale pointer. */
static void
test_dropped_before_read (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  g_autoptr(LsEventItem) item = NULL;

  for (guint64 n = 0; n < 100; n++)
    append_numbered (store, n);
  ls_event_list_update (list);

  ls_event_store_set_limits (store, 10, 0);
  ls_event_store_trim (store);

  item = g_list_model_get_item (G_LIST_MODEL (list), 5);
  g_assert_nonnull (item);
  g_assert_true (ls_event_item_is_dropped (item));
  g_assert_cmpuint (ls_event_item_get_seq (item), ==, 5);
  g_assert_cmpstr (ls_event_item_get_view (item)->data, ==, "");

  ls_event_list_update (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 10);
  assert_item_is (list, 0, 90);
}

static void
test_replace_store (void)
{
  g_autoptr(LsEventStore) first = ls_event_store_new ();
  g_autoptr(LsEventStore) second = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (first);
  Changes changes = { 0, };

  for (guint64 n = 0; n < 30; n++)
    append_numbered (first, n);
  for (guint64 n = 0; n < 5; n++)
    append_numbered (second, n + 1000);
  ls_event_list_update (list);

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);
  ls_event_list_set_store (list, second);
  g_assert_cmpuint (changes.n_signals, ==, 1);
  g_assert_cmpuint (changes.last_removed, ==, 30);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_true (ls_event_list_get_store (list) == second);

  ls_event_list_update (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 5);
  assert_item_is (list, 4, 1004);

  ls_event_list_set_store (list, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_false (ls_event_list_update (list));
}

/* A view's bookkeeping in miniature: a count kept from the signals alone,
 * checked against the model at every emission, as GtkListItemManager
 * does (it asserts when an announced range does not exist). */
typedef struct
{
  LsEventList *list;
  guint        count;
  guint        n_signals;
  guint        n_mixed_updates;   /* updates that both dropped and added */
} Shadow;

static void
on_shadow_items_changed_cb (GListModel *model,
                            guint       position,
                            guint       removed,
                            guint       added,
                            Shadow     *shadow)
{
  guint n = g_list_model_get_n_items (model);

  shadow->n_signals++;
  g_assert_cmpuint (position + removed, <=, shadow->count);
  shadow->count = shadow->count - removed + added;
  /* What the model says it holds is what it announced. */
  g_assert_cmpuint (n, ==, shadow->count);
  if (added > 0)
    {
      g_autoptr(LsEventItem) last = g_list_model_get_item (model, position + added - 1);

      g_assert_nonnull (last);
      g_assert_cmpuint (ls_event_item_get_seq (last), ==,
                        ls_event_list_get_seq (shadow->list, position + added - 1));
      if (!ls_event_list_get_filtered (shadow->list))
        g_assert_cmpuint (ls_event_item_get_seq (last), ==,
                          ls_event_list_get_first_seq (shadow->list) + position + added - 1);
    }
  if (n > 0)
    {
      g_autoptr(LsEventItem) first = g_list_model_get_item (model, 0);

      g_assert_cmpuint (ls_event_item_get_seq (first), ==, ls_event_list_get_first_seq (shadow->list));
    }
  g_assert_null (g_list_model_get_item (model, n));
}

/* Retention drops old events while new ones arrive in the same frame:
 * every emission is exact (removal first, then addition), including when
 * the drop goes past everything the model held. */
static void
test_items_changed_exact (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  Shadow shadow = { list, 0, 0, 0 };
  guint64 written = 0;
  /* Events appended between two updates: below, at and well beyond the cap. */
  static const guint batches[] = { 600, 300, 1, 999, 1000, 250, 2500, 7, 1001, 0, 400 };

  ls_event_store_set_limits (store, 1000, 0);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_shadow_items_changed_cb), &shadow);

  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    {
      guint64 first, end;
      guint64 before_first = ls_event_list_get_first_seq (list);
      guint before_n = g_list_model_get_n_items (G_LIST_MODEL (list));
      guint before_signals = shadow.n_signals;

      for (guint k = 0; k < batches[i]; k++, written++)
        append_numbered (store, written);
      ls_event_list_update (list);

      ls_event_store_get_range (store, &first, &end);
      g_assert_cmpuint (shadow.count, ==, end - first);
      g_assert_cmpuint (ls_event_list_get_first_seq (list), ==, first);
      if (first > before_first && before_n > 0 && batches[i] > 0)
        {
          shadow.n_mixed_updates++;
          g_assert_cmpuint (shadow.n_signals - before_signals, ==, 2);
        }
      if (end > first)
        {
          assert_item_is (list, 0, first);
          assert_item_is (list, (guint) (end - first - 1), written - 1);
        }
    }

  g_assert_cmpuint (shadow.n_mixed_updates, >=, 5);
  g_assert_cmpuint (shadow.count, ==, 1000);
}

/* 2.5 million events through the default one-million cap while the table
 * is on screen and catching up once a frame: frames that see both drops
 * and additions must not crash the list widget, and at the end the model
 * is exactly the store's range. */
static void
test_panel_past_cap (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = ls_event_panel_new ();
  LsEventList *list = ls_event_panel_get_list (LS_EVENT_PANEL (panel));
  /* Spread the stream over many frames, as a fast server does. */
  Writer writer = { store, 2500000, 0, 20000, 2000 };
  Shadow shadow = { list, 0, 0, 0 };
  g_autoptr(LsEventItem) first_item = NULL;
  g_autoptr(LsEventItem) last_item = NULL;
  GThread *thread;
  guint64 first, end;
  guint n;

  ls_event_store_set_limits (store, LS_EVENT_STORE_DEFAULT_MAX_EVENTS, 0);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), panel);
  ls_event_panel_set_store (LS_EVENT_PANEL (panel), store);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_shadow_items_changed_cb), &shadow);
  gtk_window_present (GTK_WINDOW (window));

  while (!gtk_widget_get_mapped (panel))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_realized (panel));

  thread = g_thread_new ("bulk-writer", writer_thread, &writer);
  for (;;)
    {
      ls_event_store_get_range (store, &first, &end);
      if (g_atomic_int_get (&writer.done) &&
          ls_event_list_get_first_seq (list) == first &&
          g_list_model_get_n_items (G_LIST_MODEL (list)) == end - first)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_thread_join (thread);

  ls_event_store_get_range (store, &first, &end);
  g_assert_cmpuint (end, ==, writer.n_events);
  g_assert_cmpuint (end - first, ==, LS_EVENT_STORE_DEFAULT_MAX_EVENTS);
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_assert_cmpuint (n, ==, end - first);
  g_assert_cmpuint (shadow.count, ==, n);
  first_item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  last_item = g_list_model_get_item (G_LIST_MODEL (list), n - 1);
  g_assert_cmpuint (ls_event_item_get_seq (first_item), ==, first);
  g_assert_cmpuint (ls_event_item_get_seq (last_item), ==, end - 1);
  g_assert_false (ls_event_item_is_dropped (last_item));
  g_test_message ("%u items-changed over %" G_GUINT64_FORMAT " events", shadow.n_signals, end);

  g_signal_handlers_disconnect_by_data (list, &shadow);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* One event of a mixed stream: a lifecycle row every 1000, else types
 * "alpha" (every third) and "beta", data {"n":N,"word":W} with W "Needle"
 * every seventh. */
static void
append_mixed (LsEventStore *store,
              guint64       n)
{
  char data[96];
  int len;

  if (n % 1000 == 0)
    {
      ls_event_store_append (store, 1, n % 2000 == 0 ? LS_EVENT_KIND_OPEN : LS_EVENT_KIND_RECONNECT,
                             g_get_monotonic_time (), NULL, -1, NULL, -1, "HTTP 200 needle", 15, 0);
      return;
    }
  len = g_snprintf (data, sizeof data, "{\"n\":%" G_GUINT64_FORMAT ",\"word\":\"%s\"}",
                    n, n % 7 == 0 ? "Needle" : "hay");
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, g_get_monotonic_time (),
                         n % 3 == 0 ? "alpha" : "beta", -1, NULL, -1, data, len, (guint32) len);
}

typedef enum
{
  MIXED_ANY = 0,
  MIXED_ALPHA = 1 << 0,
  MIXED_NEEDLE = 1 << 1,
  MIXED_NO_LIFECYCLE = 1 << 2,
} MixedFilter;

static gboolean
mixed_matches (guint64     n,
               MixedFilter filter)
{
  gboolean lifecycle = n % 1000 == 0;

  if ((filter & MIXED_NO_LIFECYCLE) && lifecycle)
    return FALSE;
  if ((filter & MIXED_ALPHA) && (lifecycle || n % 3 != 0))
    return FALSE;
  if ((filter & MIXED_NEEDLE) && !lifecycle && n % 7 != 0)
    return FALSE;

  return TRUE;
}

static void
count_signal_cb (guint *counter)
{
  (*counter)++;
}

static void
update_until_caught_up (LsEventList *list)
{
  do
    ls_event_list_update (list);
  while (ls_event_list_get_searching (list));
}

/* Every item is an event the filter keeps, and every kept event is an
 * item, in order. */
static void
assert_filtered (LsEventList *list,
                 LsEventStore *store,
                 MixedFilter  filter)
{
  guint64 first, end;
  guint position = 0;

  ls_event_store_get_range (store, &first, &end);
  for (guint64 n = first; n < end; n++)
    if (mixed_matches (n, filter))
      {
        g_assert_cmpuint (ls_event_list_get_seq (list, position), ==, n);
        g_assert_cmpuint (ls_event_list_find_seq (list, n), ==, position);
        position++;
      }
    else
      {
        g_assert_cmpuint (ls_event_list_find_seq (list, n), ==, G_MAXUINT);
      }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, position);
  g_assert_cmpuint (ls_event_list_get_n_total (list), ==, end - first);
}

static void
test_filter (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = ls_event_list_new (store);
  g_autoptr(GError) error = NULL;
  Shadow shadow = { list, 0, 0, 0 };
  guint64 written = 0;
  guint n_types_changed = 0;

  g_signal_connect (list, "items-changed", G_CALLBACK (on_shadow_items_changed_cb), &shadow);
  g_signal_connect_swapped (list, "types-changed", G_CALLBACK (count_signal_cb), &n_types_changed);

  for (; written < 100000; written++)
    append_mixed (store, written);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_ANY);
  g_assert_false (ls_event_list_get_filtered (list));

  /* Types seen, in order, lifecycle rows aside. */
  g_assert_cmpuint (ls_event_list_get_n_types (list), ==, 2);
  g_assert_cmpstr (ls_event_list_get_type_name (list, 0), ==, "beta");
  g_assert_cmpstr (ls_event_list_get_type_name (list, 1), ==, "alpha");
  g_assert_cmpuint (n_types_changed, ==, 2);

  ls_event_list_set_type_filter (list, "alpha");
  update_until_caught_up (list);
  g_assert_true (ls_event_list_get_filtered (list));
  assert_filtered (list, store, MIXED_ALPHA);

  /* Plain text ignores ASCII case and looks at lifecycle rows' data too. */
  g_assert_true (ls_event_list_set_text_filter (list, "NEEDLE", FALSE, &error));
  g_assert_no_error (error);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_ALPHA | MIXED_NEEDLE);

  ls_event_list_set_type_filter (list, NULL);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_NEEDLE);

  ls_event_list_set_hide_lifecycle (list, TRUE);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_NEEDLE | MIXED_NO_LIFECYCLE);

  /* The same through a regex; an invalid one changes nothing. */
  g_assert_true (ls_event_list_set_text_filter (list, "\"word\":\"need[l]e\"|HTTP \\d+ needle", TRUE, &error));
  g_assert_no_error (error);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_NEEDLE | MIXED_NO_LIFECYCLE);
  g_assert_false (ls_event_list_set_text_filter (list, "need(le", TRUE, &error));
  g_assert_error (error, G_REGEX_ERROR, G_REGEX_ERROR_UNMATCHED_PARENTHESIS);
  g_clear_error (&error);
  update_until_caught_up (list);
  assert_filtered (list, store, MIXED_NEEDLE | MIXED_NO_LIFECYCLE);

  /* Filtered and past the cap, dropping and adding in the same update:
   * still exact at every emission (the shadow checks), still in order. */
  ls_event_store_set_limits (store, 30000, 0);
  for (guint round = 0; round < 8; round++)
    {
      for (guint i = 0; i < 9000 + round * 3000; i++, written++)
        append_mixed (store, written);
      update_until_caught_up (list);
      assert_filtered (list, store, MIXED_NEEDLE | MIXED_NO_LIFECYCLE);
    }

  /* Back to everything. */
  g_assert_true (ls_event_list_set_text_filter (list, "", FALSE, NULL));
  ls_event_list_set_hide_lifecycle (list, FALSE);
  update_until_caught_up (list);
  g_assert_false (ls_event_list_get_filtered (list));
  assert_filtered (list, store, MIXED_ANY);
  g_assert_cmpuint (shadow.count, ==, 30000);
}

static void
test_formatting (void)
{
  g_autofree char *line = NULL;
  g_autofree char *cut = NULL;
  g_autofree char *invalid = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *none = NULL;
  g_autofree char *scalar = NULL;
  g_autofree char *count = NULL;
  char buf[32];

  line = _ls_event_panel_first_line ("first\r\nsecond", 13, 100);
  g_assert_cmpstr (line, ==, "first");
  /* A cap inside a multi-byte character never yields invalid UTF-8. */
  cut = _ls_event_panel_first_line ("aé", 3, 2);
  g_assert_true (g_utf8_validate (cut, -1, NULL));
  invalid = _ls_event_panel_first_line ("a\xffz", 3, 100);
  g_assert_true (g_utf8_validate (invalid, -1, NULL));

  pretty = _ls_event_panel_pretty_json ("{\"a\":[1,2]}", 11);
  g_assert_nonnull (pretty);
  g_assert_nonnull (strchr (pretty, '\n'));
  none = _ls_event_panel_pretty_json ("{not json", 9);
  g_assert_null (none);
  scalar = _ls_event_panel_pretty_json ("42", 2);
  g_assert_null (scalar);
  /* Nesting json-glib would recurse through until the stack overflows
   * is shown as it came; ordinary depth is still pretty-printed. */
  {
    gsize deep = 1024 * 1024;
    g_autofree char *nested = g_malloc (2 * deep);
    g_autofree char *deep_pretty = NULL;
    g_autofree char *fine_pretty = NULL;

    memset (nested, '[', deep);
    memset (nested + deep, ']', deep);
    deep_pretty = _ls_event_panel_pretty_json (nested, 2 * deep);
    g_assert_null (deep_pretty);
    fine_pretty = _ls_event_panel_pretty_json (nested + deep - 200, 400);
    g_assert_nonnull (fine_pretty);
  }

  count = _ls_event_panel_count_text (1234, 50000, TRUE, FALSE);
  g_assert_cmpstr (count, ==, "1,234 of 50,000");
  g_clear_pointer (&count, g_free);
  count = _ls_event_panel_count_text (1234, 50000, FALSE, FALSE);
  g_assert_cmpstr (count, ==, "50,000 events");
  g_clear_pointer (&count, g_free);

  /* One unit system for sizes: IEC. */
  g_assert_cmpstr (ls_format_size (buf, sizeof buf, 512), ==, "512 B");
  g_assert_cmpstr (ls_format_size (buf, sizeof buf, 1536), ==, "1.5 KiB");
  g_assert_cmpstr (ls_format_size (buf, sizeof buf, 200 * 1024 * 1024), ==, "200.0 MiB");
  g_assert_cmpstr (ls_format_size (buf, sizeof buf, G_GUINT64_CONSTANT (3) << 30), ==, "3.0 GiB");

  _ls_event_panel_format_time (buf, sizeof buf, g_get_real_time ());
  g_assert_cmpuint (strlen (buf), ==, strlen ("HH:MM:SS.mmm"));
  g_assert_cmpint (buf[2], ==, ':');
  g_assert_cmpint (buf[8], ==, '.');

  /* One clock: the events table's time is ls_format_clock's, which the
   * timeline shows too, with as many decimals as its scale needs. */
  {
    gint64 t = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC + 250125;
    char clock[32];

    _ls_event_panel_format_time (buf, sizeof buf, t);
    g_assert_cmpstr (ls_format_clock (clock, sizeof clock, t, 3), ==, buf);
    g_assert_true (g_str_has_suffix (buf, ".250"));
    g_assert_true (g_str_has_suffix (ls_format_clock (clock, sizeof clock, t, 6), ".250125"));
    g_assert_true (g_str_has_suffix (ls_format_clock (clock, sizeof clock, t, 1), ".2"));
    g_assert_cmpuint (strlen (ls_format_clock (clock, sizeof clock, t, 0)), ==, strlen ("HH:MM:SS"));
    g_assert_cmpstr (ls_format_clock (clock, sizeof clock, -1, 3), ==, "--:--:--.---");
    g_assert_cmpstr (ls_format_clock (clock, sizeof clock, -1, 0), ==, "--:--:--");
  }
}

/* The table on screen with a million events: it shows them, follows the
 * bottom and shows a selected event's data pretty-printed. */
static void
test_panel (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = ls_event_panel_new ();
  LsEventList *list = ls_event_panel_get_list (LS_EVENT_PANEL (panel));
  g_autofree char *detail = NULL;
  GtkWidget *paned;
  gint64 deadline;

  for (guint64 n = 0; n < 1000000; n++)
    append_numbered (store, n);

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  gtk_window_set_child (GTK_WINDOW (window), panel);
  ls_event_panel_set_store (LS_EVENT_PANEL (panel), store);
  gtk_window_present (GTK_WINDOW (window));

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!gtk_widget_get_mapped (panel) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_mapped (panel));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1000000);
  g_assert_true (ls_event_panel_get_follow (LS_EVENT_PANEL (panel)));

  _ls_event_panel_select (LS_EVENT_PANEL (panel), 999999);
  detail = _ls_event_panel_dup_detail_text (LS_EVENT_PANEL (panel));
  /* {"n":999999} plus a second line is not JSON: shown as is. */
  g_assert_cmpstr (detail, ==, "{\"n\":999999}\nsecond line");

  /* The stream ended: once caught up, no more ticks (an idle window
   * draws nothing)... */
  ls_event_panel_set_finished (LS_EVENT_PANEL (panel), TRUE);
  while (_ls_event_panel_is_ticking (LS_EVENT_PANEL (panel)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (_ls_event_panel_is_ticking (LS_EVENT_PANEL (panel)));
  g_assert_cmpint (gtk_orientable_get_orientation (GTK_ORIENTABLE (_ls_event_panel_get_child (LS_EVENT_PANEL (panel), "paned"))),
                   ==, GTK_ORIENTATION_HORIZONTAL);

  /* ...until the panel gets narrower: the tick puts the detail pane
   * under the list, then stops again. */
  g_assert_true (ls_gui_test_resize_window (window, 700, 600));
  paned = _ls_event_panel_get_child (LS_EVENT_PANEL (panel), "paned");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)) != GTK_ORIENTATION_VERTICAL
          || _ls_event_panel_is_ticking (LS_EVENT_PANEL (panel)))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)), ==, GTK_ORIENTATION_VERTICAL);
  g_assert_false (_ls_event_panel_is_ticking (LS_EVENT_PANEL (panel)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
iterate_frames (GtkWidget *widget,
                guint      n_frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 start = gdk_frame_clock_get_frame_counter (clock);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (gdk_frame_clock_get_frame_counter (clock) < start + n_frames && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

/* Follow off because a row is selected: new rows below and retention
 * drops above leave that row where it is on screen. */
static void
test_panel_selected_row_stays (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = ls_event_panel_new ();
  LsEventPanel *self = LS_EVENT_PANEL (panel);
  LsEventList *list = ls_event_panel_get_list (self);
  guint64 written = 0;
  guint64 selected;

  ls_event_store_set_limits (store, 2000, 0);
  for (; written < 2000; written++)
    append_numbered (store, written);

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  gtk_window_set_child (GTK_WINDOW (window), panel);
  ls_event_panel_set_store (self, store);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (panel))
    g_main_context_iteration (NULL, TRUE);
  iterate_frames (panel, 10);

  /* Following: the bottom row is on screen. The user selects one a bit
   * above it. */
  g_assert_true (ls_event_panel_get_follow (self));
  g_assert_true (_ls_event_panel_row_is_visible (self, written - 2));
  selected = written - 5;
  _ls_event_panel_select (self, ls_event_list_find_seq (list, selected));
  g_assert_false (ls_event_panel_get_follow (self));

  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < 300; i++, written++)
        append_numbered (store, written);
      iterate_frames (panel, 3);

      g_assert_cmpuint (ls_event_list_get_first_seq (list), ==, written - 2000);
      g_assert_false (ls_event_panel_get_follow (self));
      g_assert_true (_ls_event_panel_row_is_visible (self, selected));
      g_assert_false (_ls_event_panel_row_is_visible (self, written - 1));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gboolean have_display = g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL;

  /* The templates live in the app library's resources: keep the object
   * that registers them linked in. */
  (void) ls_get_resource ();

  if (have_display)
    gtk_test_init (&argc, &argv, NULL);
  else
    g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-list/basic", test_basic);
  g_test_add_func ("/event-list/threaded-writer", test_threaded_writer);
  g_test_add_func ("/event-list/retention", test_retention);
  g_test_add_func ("/event-list/items-changed-exact", test_items_changed_exact);
  g_test_add_func ("/event-list/filter", test_filter);
  g_test_add_func ("/event-list/dropped-before-read", test_dropped_before_read);
  g_test_add_func ("/event-list/replace-store", test_replace_store);
  g_test_add_func ("/event-list/formatting", test_formatting);
  if (have_display)
    {
      g_test_add_func ("/event-list/panel", test_panel);
      g_test_add_func ("/event-list/panel-past-cap", test_panel_past_cap);
      g_test_add_func ("/event-list/panel-selected-row-stays", test_panel_selected_row_stays);
    }

  return g_test_run ();
}
