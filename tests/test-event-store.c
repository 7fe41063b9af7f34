/* test-event-store.c: LsEventStore storage, retention, memory and threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ls-event-store.h"

#define MAX_GEN_DATA 9000

/* One deterministic event per sequence number, so any thread can check
 * what it reads without sharing anything with the writer. */
typedef struct
{
  guint32      stream_id;
  LsEventKind  kind;
  gint64       time_us;
  guint32      wire_size;
  char         type[32];
  gsize        type_len;
  char         id[32];
  gsize        id_len;
  char         data[MAX_GEN_DATA];
  gsize        data_len;
} GenEvent;

static void
gen_event (guint64   seq,
           GenEvent *e)
{
  e->stream_id = (guint32) (seq % 5) + 1;
  e->kind = (LsEventKind) (seq % (LS_EVENT_KIND_LAST + 1));
  /* Mostly increasing, sometimes back in time: deltas may be negative. */
  e->time_us = 1000000 + (gint64) seq * 17 - (seq % 11 == 0 ? 5000 : 0);

  if (seq % 101 == 0)
    g_snprintf (e->type, sizeof e->type, "type-%" G_GUINT64_FORMAT, seq);
  else if (seq % 3 == 0)
    strcpy (e->type, "message");
  else if (seq % 3 == 1)
    strcpy (e->type, "tick");
  else
    e->type[0] = '\0';
  e->type_len = strlen (e->type);

  /* Runs of four events share an id, as SSE ids persist. */
  if (seq % 13 == 0)
    e->id[0] = '\0';
  else
    g_snprintf (e->id, sizeof e->id, "%" G_GUINT64_FORMAT, seq / 4);
  e->id_len = strlen (e->id);

  /* Some events are larger than the blob threshold. */
  e->data_len = seq % 997 == 0 ? MAX_GEN_DATA : (gsize) ((seq * 7919) % 200);
  for (gsize i = 0; i < e->data_len; i++)
    e->data[i] = (char) ((seq * 31 + i * 7) & 0xff);   /* includes NULs */

  e->wire_size = (guint32) e->data_len + 10;
}

static guint64
append_gen (LsEventStore *store,
            guint64       seq,
            GenEvent     *e)
{
  gen_event (seq, e);
  return ls_event_store_append (store, e->stream_id, e->kind, e->time_us,
                                e->type, e->type_len, e->id, e->id_len,
                                e->data, e->data_len, e->wire_size);
}

/* Returns TRUE when @view is the event the generator makes for its seq;
 * usable from any thread (no g_assert inside, the caller asserts). */
static gboolean
view_matches_gen (const LsEventView *view)
{
  GenEvent e;

  gen_event (view->seq, &e);
  return view->stream_id == e.stream_id
         && view->kind == e.kind
         && view->time_us == e.time_us
         && view->wire_size == e.wire_size
         && view->type_len == e.type_len
         && memcmp (view->type, e.type, e.type_len + 1) == 0
         && view->id_len == e.id_len
         && memcmp (view->id, e.id, e.id_len + 1) == 0
         && view->data_len == e.data_len
         && memcmp (view->data, e.data, e.data_len) == 0
         && view->data[view->data_len] == '\0';
}

static void
test_round_trip (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  static const char nul_data[] = "a\0b\0\0c";
  LsEventView view;
  guint64 seq;

  g_assert_cmpuint (ls_event_store_get_end_seq (store), ==, 0);
  g_assert_false (ls_event_store_get (store, 0, &view, &pin));
  g_assert_null (pin);

  seq = ls_event_store_append (store, 7, LS_EVENT_KIND_EVENT, 123456789,
                               "message", -1, "42", -1,
                               nul_data, sizeof nul_data - 1, 99);
  g_assert_cmpuint (seq, ==, 0);
  seq = ls_event_store_append (store, 8, LS_EVENT_KIND_CHUNK, -5,
                               NULL, -1, NULL, -1, NULL, 0, 0);
  g_assert_cmpuint (seq, ==, 1);
  /* The same type and id again: stored once, read back the same. */
  seq = ls_event_store_append (store, G_MAXUINT32, LS_EVENT_KIND_EVENT, G_MAXINT64,
                               "message", 7, "42xyz", 2, "hello", 5, G_MAXUINT32);
  g_assert_cmpuint (seq, ==, 2);

  g_assert_cmpuint (ls_event_store_get_end_seq (store), ==, 3);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, 0);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, 0);
  g_assert_cmpuint (ls_event_store_get_payload_bytes (store), ==,
                    7 + 2 + (sizeof nul_data - 1) + 0 + 7 + 2 + 5);

  g_assert_true (ls_event_store_get (store, 0, &view, &pin));
  g_assert_nonnull (pin);
  g_assert_cmpuint (view.seq, ==, 0);
  g_assert_cmpuint (view.stream_id, ==, 7);
  g_assert_cmpint (view.kind, ==, LS_EVENT_KIND_EVENT);
  g_assert_cmpint (view.time_us, ==, 123456789);
  g_assert_cmpuint (view.wire_size, ==, 99);
  g_assert_cmpstr (view.type, ==, "message");
  g_assert_cmpuint (view.type_len, ==, 7);
  g_assert_cmpstr (view.id, ==, "42");
  g_assert_cmpuint (view.id_len, ==, 2);
  g_assert_cmpmem (view.data, view.data_len, nul_data, sizeof nul_data - 1);
  g_assert_cmpint (view.data[view.data_len], ==, '\0');

  g_assert_true (ls_event_store_get (store, 1, &view, &pin));
  g_assert_cmpuint (view.seq, ==, 1);
  g_assert_cmpuint (view.stream_id, ==, 8);
  g_assert_cmpint (view.kind, ==, LS_EVENT_KIND_CHUNK);
  g_assert_cmpint (view.time_us, ==, -5);
  g_assert_cmpstr (view.type, ==, "");
  g_assert_cmpstr (view.id, ==, "");
  g_assert_cmpuint (view.data_len, ==, 0);
  g_assert_cmpstr (view.data, ==, "");

  g_assert_true (ls_event_store_get (store, 2, &view, &pin));
  g_assert_cmpuint (view.stream_id, ==, G_MAXUINT32);
  g_assert_cmpint (view.time_us, ==, G_MAXINT64);
  g_assert_cmpuint (view.wire_size, ==, G_MAXUINT32);
  g_assert_cmpstr (view.type, ==, "message");
  g_assert_cmpstr (view.id, ==, "42");
  g_assert_cmpstr (view.data, ==, "hello");

  g_assert_false (ls_event_store_get (store, 3, &view, &pin));
  g_assert_false (ls_event_store_get (store, G_MAXUINT64, &view, &pin));
}

static void
test_kinds (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(LsEventPin) pin = NULL;

  for (guint k = 0; k <= LS_EVENT_KIND_LAST; k++)
    {
      const char *name = ls_event_kind_to_string ((LsEventKind) k);

      g_assert_nonnull (name);
      g_assert_false (g_hash_table_contains (names, name));
      g_hash_table_add (names, (gpointer) name);
      ls_event_store_append (store, 1, (LsEventKind) k, k, "t", 1, "", 0, name, strlen (name), k);
    }

  g_assert_cmpstr (ls_event_kind_to_string (LS_EVENT_KIND_EVENT), ==, "event");
  g_assert_cmpstr (ls_event_kind_to_string (LS_EVENT_KIND_CLOSED), ==, "closed");

  for (guint k = 0; k <= LS_EVENT_KIND_LAST; k++)
    {
      LsEventView view;

      g_assert_true (ls_event_store_get (store, k, &view, &pin));
      g_assert_cmpint (view.kind, ==, k);
      g_assert_cmpstr (view.data, ==, ls_event_kind_to_string ((LsEventKind) k));
    }
}

/* The generator's mix (shared and unique types, repeated ids, blobs,
 * negative time deltas) across many segments, read back in and out of
 * order. */
static void
test_generated (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  GenEvent *e = g_new (GenEvent, 1);
  const guint64 n = 300000;

  ls_event_store_set_limits (store, 0, 0);
  for (guint64 seq = 0; seq < n; seq++)
    g_assert_cmpuint (append_gen (store, seq, e), ==, seq);

  for (guint64 seq = 0; seq < n; seq++)
    {
      LsEventView view;

      g_assert_true (ls_event_store_get (store, seq, &view, &pin));
      g_assert_cmpuint (view.seq, ==, seq);
      g_assert_true (view_matches_gen (&view));
    }
  for (guint i = 0; i < 100000; i++)
    {
      guint64 seq = g_rand_int_range (rand, 0, n);
      LsEventView view;

      g_assert_true (ls_event_store_get (store, seq, &view, &pin));
      g_assert_true (view_matches_gen (&view));
    }

  g_free (e);
}

static void
test_large (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  const gsize big_len = 5 * 1024 * 1024;
  g_autofree char *big = g_malloc (big_len);
  g_autofree char *big_id = g_strnfill (100000, 'i');
  g_autofree char *big_type = g_strnfill (70000, 't');
  guint64 memory_before;
  LsEventView view;

  for (gsize i = 0; i < big_len; i++)
    big[i] = (char) (i * 13);

  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 1, "message", -1, "1", -1, "small", 5, 5);
  memory_before = ls_event_store_get_memory_bytes (store);
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 2, "message", -1, "2", -1, big, big_len, 0);
  g_assert_cmpuint (ls_event_store_get_memory_bytes (store), >=, memory_before + big_len);
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 3, big_type, -1, big_id, -1, "x", 1, 0);
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 4, big_type, -1, big_id, -1, big, 70000, 0);
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 5, "message", -1, "5", -1, "after", 5, 5);

  g_assert_true (ls_event_store_get (store, 0, &view, &pin));
  g_assert_cmpstr (view.data, ==, "small");
  g_assert_true (ls_event_store_get (store, 1, &view, &pin));
  g_assert_cmpmem (view.data, view.data_len, big, big_len);
  g_assert_cmpint (view.data[view.data_len], ==, '\0');
  g_assert_cmpstr (view.id, ==, "2");
  g_assert_true (ls_event_store_get (store, 2, &view, &pin));
  g_assert_cmpstr (view.type, ==, big_type);
  g_assert_cmpstr (view.id, ==, big_id);
  g_assert_cmpstr (view.data, ==, "x");
  g_assert_true (ls_event_store_get (store, 3, &view, &pin));
  g_assert_cmpstr (view.type, ==, big_type);
  g_assert_cmpstr (view.id, ==, big_id);
  g_assert_cmpmem (view.data, view.data_len, big, 70000);
  g_assert_true (ls_event_store_get (store, 4, &view, &pin));
  g_assert_cmpstr (view.data, ==, "after");
  g_assert_cmpint (view.time_us, ==, 5);
}

typedef struct
{
  guint64 n;
  guint64 payload;
  guint64 next_seq;
  gboolean in_order;
} RangeSum;

static gboolean
sum_range_cb (const LsEventView *view,
              gpointer           user_data)
{
  RangeSum *sum = user_data;

  if (sum->n > 0 && view->seq != sum->next_seq)
    sum->in_order = FALSE;
  sum->next_seq = view->seq + 1;
  sum->n++;
  sum->payload += view->type_len + view->id_len + view->data_len;
  return TRUE;
}

/* What is readable is exactly [first_seq, end_seq), and the payload
 * figure is exactly what those events hold. */
static void
assert_readable_range (LsEventStore *store,
                       guint64       scan_from)
{
  g_autoptr(LsEventPin) pin = NULL;
  guint64 first = ls_event_store_get_first_seq (store);
  guint64 end = ls_event_store_get_end_seq (store);
  RangeSum sum = { 0, 0, 0, TRUE };
  LsEventView view;

  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, first);
  for (guint64 seq = scan_from; seq < end; seq++)
    g_assert_cmpint (ls_event_store_get (store, seq, &view, &pin), ==, seq >= first);

  g_assert_cmpuint (ls_event_store_foreach_range (store, 0, G_MAXUINT64, sum_range_cb, &sum), ==, end - first);
  g_assert_cmpuint (sum.n, ==, end - first);
  g_assert_true (sum.in_order);
  g_assert_cmpuint (sum.payload, ==, ls_event_store_get_payload_bytes (store));
}

/* A consumer that is done with what it read lets the writer drop it:
 * whole segments only, never past the release point, never backwards. */
static void
test_release_before (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  GenEvent *e = g_new (GenEvent, 1);
  guint64 memory_before, first;
  LsEventView view;

  for (guint64 seq = 0; seq < 200000; seq++)
    append_gen (store, seq, e);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, 0);
  memory_before = ls_event_store_get_memory_bytes (store);

  ls_event_store_release_before (store, 150000);
  ls_event_store_release_before (store, 10);   /* never backwards */
  append_gen (store, 200000, e);
  first = ls_event_store_get_first_seq (store);
  /* Some whole segments went, and nothing at or past the release point. */
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (first, <=, 150000);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, first);
  g_assert_cmpuint (ls_event_store_get_memory_bytes (store), <, memory_before);
  g_assert_true (ls_event_store_get (store, 150000, &view, &pin));
  g_assert_true (view_matches_gen (&view));
  g_assert_true (ls_event_store_get (store, first, &view, &pin));
  g_assert_false (first > 0 && ls_event_store_get (store, first - 1, &view, &pin));
  assert_readable_range (store, first);

  /* A release past the end keeps the segment being written. */
  ls_event_store_release_before (store, G_MAXUINT64);
  append_gen (store, 200001, e);
  g_assert_true (ls_event_store_get (store, 200001, &view, &pin));
  g_assert_true (view_matches_gen (&view));
  g_free (e);
}

static void
test_retention_count (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  GenEvent *e = g_new (GenEvent, 1);
  guint64 max_events;
  guint64 max_bytes;
  LsEventView view;

  ls_event_store_get_limits (store, &max_events, &max_bytes);
  g_assert_cmpuint (max_events, ==, LS_EVENT_STORE_DEFAULT_MAX_EVENTS);
  g_assert_cmpuint (max_bytes, ==, LS_EVENT_STORE_DEFAULT_MAX_BYTES);

  ls_event_store_set_limits (store, 1000, 0);
  for (guint64 seq = 0; seq < 10000; seq++)
    append_gen (store, seq, e);

  g_assert_cmpuint (ls_event_store_get_end_seq (store), ==, 10000);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, 9000);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, 9000);
  g_assert_false (ls_event_store_get (store, 8999, &view, &pin));
  g_assert_true (ls_event_store_get (store, 9000, &view, &pin));
  g_assert_true (view_matches_gen (&view));
  assert_readable_range (store, 0);

  /* Lowering the limit takes effect at trim, exactly. */
  ls_event_store_set_limits (store, 10, 0);
  ls_event_store_trim (store);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, 9990);
  assert_readable_range (store, 9000);

  /* A cap of one event, across segment boundaries. */
  ls_event_store_set_limits (store, 1, 0);
  for (guint64 seq = 10000; seq < 200000; seq++)
    {
      append_gen (store, seq, e);
      g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, seq);
    }
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, 199999);
  g_assert_true (ls_event_store_get (store, 199999, &view, &pin));
  g_assert_true (view_matches_gen (&view));
  assert_readable_range (store, 190000);
  /* Tiny events in at most two segments of 1 MiB. */
  g_assert_cmpuint (ls_event_store_get_memory_bytes (store), <=, 2 * LS_EVENT_STORE_SEGMENT_MAX + 4096);

  g_free (e);
}

/* Many tiny events under a count cap: memory stays flat and the dropped
 * count is exact. (The benchmark runs the 10 M / 1 M version.) */
static void
test_retention_flat (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  const guint64 n = 2000000;
  const guint64 cap = 200000;
  guint64 memory_min = G_MAXUINT64;
  guint64 memory_max = 0;

  ls_event_store_set_limits (store, cap, 0);
  for (guint64 seq = 0; seq < n; seq++)
    {
      char id[24];
      gsize id_len = g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, seq);

      ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, (gint64) seq, "tick", 4, id, id_len, "x", 1, 20);
      if (seq >= 2 * cap && seq % 10000 == 0)
        {
          guint64 memory = ls_event_store_get_memory_bytes (store);

          memory_min = MIN (memory_min, memory);
          memory_max = MAX (memory_max, memory);
        }
    }

  g_test_message ("memory between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " bytes for %" G_GUINT64_FORMAT " events",
                  memory_min, memory_max, cap);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, n - cap);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, n - cap);
  /* Flat: it varies by at most the segments being filled and emptied. */
  g_assert_cmpuint (memory_max - memory_min, <=, 2 * LS_EVENT_STORE_SEGMENT_MAX);
  assert_readable_range (store, n - cap - 1000);
}

static void
test_retention_bytes (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  const guint64 max_bytes = 4 * 1024 * 1024;
  char data[100];
  LsEventView view;
  guint64 first;
  guint64 seq;

  memset (data, 'd', sizeof data);
  ls_event_store_set_limits (store, 0, max_bytes);

  for (seq = 0; seq < 400000; seq++)
    {
      ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, (gint64) seq, "message", 7, "", 0, data, sizeof data, 120);
      g_assert_cmpuint (ls_event_store_get_memory_bytes (store), <=, max_bytes);
    }

  first = ls_event_store_get_first_seq (store);
  g_assert_cmpuint (first, >, 0);
  /* Dropping whole segments of at most max_bytes / 8 keeps most of the budget. */
  g_assert_cmpuint (ls_event_store_get_memory_bytes (store), >=, max_bytes - 2 * (max_bytes / 8) - 4096);
  g_assert_false (ls_event_store_get (store, first - 1, &view, &pin));
  g_assert_true (ls_event_store_get (store, first, &view, &pin));
  g_assert_cmpuint (view.seq, ==, first);
  assert_readable_range (store, first - 10000);

  /* A byte cap below one event drops everything, including the newest. */
  ls_event_store_set_limits (store, 0, 1);
  seq = ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 0, "message", 7, "", 0, data, sizeof data, 120);
  g_assert_cmpuint (ls_event_store_get_first_seq (store), ==, seq + 1);
  g_assert_cmpuint (ls_event_store_get_end_seq (store), ==, seq + 1);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, seq + 1);
  g_assert_cmpuint (ls_event_store_get_payload_bytes (store), ==, 0);
  g_assert_false (ls_event_store_get (store, seq, &view, &pin));

  /* And the store recovers when the cap is raised again. */
  ls_event_store_set_limits (store, 0, 0);
  seq = ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, 0, "message", 7, "", 0, "back", 4, 4);
  g_assert_true (ls_event_store_get (store, seq, &view, &pin));
  g_assert_cmpstr (view.data, ==, "back");
}

static void
check_memory_bound (const char *what,
                    const char *type,
                    gsize       data_len,
                    gboolean    with_id)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autofree char *data = g_strnfill (data_len, 'z');
  const guint64 n = 500000;
  guint64 memory;
  guint64 payload;

  ls_event_store_set_limits (store, 0, 0);
  for (guint64 seq = 0; seq < n; seq++)
    {
      char id[24] = "";
      gsize id_len = with_id ? (gsize) g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, seq) : 0;

      ls_event_store_append (store, 3, LS_EVENT_KIND_EVENT, (gint64) seq * 1000,
                             type, -1, id, id_len, data, data_len, (guint32) data_len + 20);
    }

  memory = ls_event_store_get_memory_bytes (store);
  payload = ls_event_store_get_payload_bytes (store);
  g_test_message ("%s: %" G_GUINT64_FORMAT " events, payload %" G_GUINT64_FORMAT
                  ", memory %" G_GUINT64_FORMAT ", %.2f bytes/event beyond payload",
                  what, n, payload, memory, ((double) memory - (double) payload) / n);
  g_assert_cmpuint (memory, <=, payload + 32 * n + LS_EVENT_STORE_SEGMENT_MAX);
}

static void
test_memory_bound (void)
{
  check_memory_bound ("100-byte events", "message", 100, TRUE);
  check_memory_bound ("tiny events with ids", "tick", 1, TRUE);
  check_memory_bound ("tiny events, no id", "tick", 1, FALSE);
  check_memory_bound ("empty events, no type", "", 0, FALSE);
}

/* Pins keep what they hold alive after it is dropped. */
static void
test_pin_outlives_drop (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  LsEventPin *pin = NULL;
  LsEventPin *other = NULL;
  LsEventPin *kept_pin;
  GenEvent *e = g_new (GenEvent, 1);
  LsEventView view;
  LsEventView kept;

  ls_event_store_set_limits (store, 1000, 0);
  for (guint64 seq = 0; seq < 500; seq++)
    append_gen (store, seq, e);

  g_assert_true (ls_event_store_get (store, 0, &kept, &pin));
  /* A second holder of the same segment. */
  g_assert_true (ls_event_store_get (store, 1, &view, &other));
  g_assert_true (pin == other);
  kept_pin = ls_event_pin_ref (pin);
  g_clear_pointer (&other, ls_event_pin_unref);

  for (guint64 seq = 500; seq < 200000; seq++)
    append_gen (store, seq, e);

  g_assert_false (ls_event_store_get (store, 0, &view, &other));
  g_assert_null (other);
  g_assert_true (view_matches_gen (&kept));

  /* A stale pin is replaced by the segment that holds the event. */
  g_assert_true (ls_event_store_get (store, 199999, &view, &pin));
  g_assert_true (view_matches_gen (&view));
  g_assert_true (pin != kept_pin);
  /* The extra ref taken above still holds the old segment. */
  g_assert_true (view_matches_gen (&kept));

  g_clear_pointer (&pin, ls_event_pin_unref);
  g_assert_true (view_matches_gen (&kept));
  ls_event_pin_unref (kept_pin);
  g_free (e);
}

/* Two threads: a writer appends while readers read random published
 * events and hold pins across drops. Run under ThreadSanitizer too. */
typedef struct
{
  LsEventStore *store;
  guint64       n;
  gint          done;
  gint          main_ready;   /* the main reader holds a pin and changed the limits */
  gint          reader_stop;
  guint64       reader_checked;
  gboolean      reader_ok;
} ThreadTest;

static gpointer
writer_thread (gpointer user_data)
{
  ThreadTest *t = user_data;
  GenEvent *e = g_new (GenEvent, 1);

  for (guint64 seq = 0; seq < t->n; seq++)
    {
      /* Leave the main reader its turn: under valgrind the threads run
       * one at a time, and the writer could otherwise finish first. */
      if (seq == t->n / 4 * 3)
        while (!g_atomic_int_get (&t->main_ready))
          g_usleep (1000);
      append_gen (t->store, seq, e);
    }

  g_free (e);
  g_atomic_int_set (&t->done, 1);
  return NULL;
}

typedef struct
{
  guint64  from_seq;
  guint64  to_seq;
  gboolean ok;
} RangeCheck;

static gboolean
check_range_cb (const LsEventView *view,
                gpointer           user_data)
{
  RangeCheck *check = user_data;

  /* Never past to_seq, even when the writer appends meanwhile: a reader
   * that resumes from to_seq would see those events twice. */
  if (!view_matches_gen (view) || view->seq < check->from_seq || view->seq >= check->to_seq)
    check->ok = FALSE;
  return check->ok;
}

/* A second reader: sequential scans with foreach_range, up to the end it
 * loaded just before (the writer is about to move it). */
static gpointer
scan_thread (gpointer user_data)
{
  ThreadTest *t = user_data;
  RangeCheck check = { 0, 0, TRUE };
  guint64 checked = 0;

  while (!g_atomic_int_get (&t->reader_stop) && check.ok)
    {
      guint64 end = ls_event_store_get_end_seq (t->store);

      check.from_seq = end > 5000 ? end - 5000 : 0;
      check.to_seq = end;
      checked += ls_event_store_foreach_range (t->store, check.from_seq, check.to_seq,
                                               check_range_cb, &check);
    }

  t->reader_checked = checked;
  t->reader_ok = check.ok;
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(LsEventPin) pin = NULL;
  LsEventPin *held_pin = NULL;
  LsEventView held;
  gboolean have_held = FALSE;
  gboolean limits_changed = FALSE;
  guint64 checked = 0;
  guint64 missed = 0;
  ThreadTest t = { 0, };
  GThread *writer;
  GThread *scanner;

  t.store = store;
  t.n = 2000000;
  ls_event_store_set_limits (store, 200000, 0);

  scanner = g_thread_new ("scanner", scan_thread, &t);
  writer = g_thread_new ("writer", writer_thread, &t);

  while (!g_atomic_int_get (&t.done))
    {
      guint64 first;
      guint64 end;
      LsEventView view;
      guint64 seq;

      ls_event_store_get_range (store, &first, &end);
      g_assert_cmpuint (first, <=, end);
      if (end == first)
        continue;

      seq = first + (guint64) (g_rand_double (rand) * (double) (end - first));
      if (ls_event_store_get (store, seq, &view, &pin))
        {
          g_assert_cmpuint (view.seq, ==, seq);
          g_assert_true (view_matches_gen (&view));
          checked++;
        }
      else
        missed++;   /* dropped between the range check and the read */

      /* Hold an early event's segment while the writer drops it. */
      if (!have_held && first > 0)
        {
          have_held = ls_event_store_get (store, first, &held, &held_pin);
        }

      /* Change the limits from this thread while the writer appends. */
      if (!limits_changed && end > t.n / 2)
        {
          ls_event_store_set_limits (store, 150000, 8 * 1024 * 1024);
          limits_changed = TRUE;
        }

      if (have_held && limits_changed)
        g_atomic_int_set (&t.main_ready, 1);
    }

  g_thread_join (writer);
  g_atomic_int_set (&t.reader_stop, 1);
  g_thread_join (scanner);

  g_test_message ("main reader: %" G_GUINT64_FORMAT " checked, %" G_GUINT64_FORMAT
                  " dropped before read; scanner: %" G_GUINT64_FORMAT " checked",
                  checked, missed, t.reader_checked);
  g_assert_true (t.reader_ok);
  g_assert_cmpuint (checked, >, 0);

  g_assert_cmpuint (ls_event_store_get_end_seq (store), ==, t.n);
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, ls_event_store_get_first_seq (store));
  g_assert_cmpuint (ls_event_store_get_end_seq (store) - ls_event_store_get_first_seq (store), <=, 150000);
  g_assert_cmpuint (ls_event_store_get_memory_bytes (store), <=, 8 * 1024 * 1024);
  assert_readable_range (store, ls_event_store_get_first_seq (store) - 1000);

  if (have_held)
    {
      LsEventView view;
      LsEventPin *probe = NULL;

      /* Long dropped, still intact for its holder. */
      g_assert_false (ls_event_store_get (store, held.seq, &view, &probe));
      g_assert_true (view_matches_gen (&held));
      ls_event_pin_unref (held_pin);
    }
  g_assert_true (have_held);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-store/round-trip", test_round_trip);
  g_test_add_func ("/event-store/kinds", test_kinds);
  g_test_add_func ("/event-store/release-before", test_release_before);
  g_test_add_func ("/event-store/generated", test_generated);
  g_test_add_func ("/event-store/large", test_large);
  g_test_add_func ("/event-store/retention-count", test_retention_count);
  g_test_add_func ("/event-store/retention-flat", test_retention_flat);
  g_test_add_func ("/event-store/retention-bytes", test_retention_bytes);
  g_test_add_func ("/event-store/memory-bound", test_memory_bound);
  g_test_add_func ("/event-store/pin-outlives-drop", test_pin_outlives_drop);
  g_test_add_func ("/event-store/threads", test_threads);

  return g_test_run ();
}
