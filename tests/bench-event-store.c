/* bench-event-store.c: LsEventStore append and read throughput, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; asserts correctness only, never timing.
 * Usage: bench-event-store [N_EVENTS]   (default 2,000,000 for the 100-byte runs)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls-event-store.h"

static double
seconds_since (gint64 start_us)
{
  return MAX (1, g_get_monotonic_time () - start_us) / 1e6;
}

/* Decimal digits of @v into @buf; cheaper than printf so that the
 * figures measure the store, not the formatting. */
static gsize
format_id (char    *buf,
           guint64  v)
{
  char tmp[24];
  gsize n = 0;

  do
    {
      tmp[n++] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  for (gsize i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

static void
fill_store (LsEventStore *store,
            guint64       n,
            gsize         data_len,
            const char   *type,
            gboolean      with_id)
{
  g_autofree char *data = g_malloc (data_len + 1);

  for (gsize i = 0; i < data_len; i++)
    data[i] = 'a' + (char) (i % 26);

  for (guint64 seq = 0; seq < n; seq++)
    {
      char id[24] = "";
      gsize id_len = with_id ? format_id (id, seq) : 0;

      ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, (gint64) seq * 10,
                             type, -1, id, id_len, data, data_len, (guint32) data_len + 20);
    }
}

static gboolean
sum_cb (const LsEventView *view,
        gpointer           user_data)
{
  guint64 *sum = user_data;

  *sum += view->data_len + (guchar) view->data[0];
  return TRUE;
}

static void
bench_append_read (guint64     n,
                   gsize       data_len,
                   const char *type,
                   gboolean    with_id,
                   const char *label)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventPin) pin = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint64 payload;
  guint64 memory;
  guint64 sum = 0;
  guint64 n_read;
  gint64 start;
  double secs;

  /* No cap: measure storage, not dropping. */
  ls_event_store_set_limits (store, 0, 0);

  start = g_get_monotonic_time ();
  fill_store (store, n, data_len, type, with_id);
  secs = seconds_since (start);
  payload = ls_event_store_get_payload_bytes (store);
  memory = ls_event_store_get_memory_bytes (store);
  printf ("append %s: %" G_GUINT64_FORMAT " events in %.3f s: %.2f M events/s, %.1f MB/s payload\n",
          label, n, secs, n / secs / 1e6, payload / secs / 1e6);
  printf ("memory %s: payload %" G_GUINT64_FORMAT " B, allocated %" G_GUINT64_FORMAT
          " B, %.2f B/event beyond payload (limit 32)\n",
          label, payload, memory, ((double) memory - (double) payload) / n);

  start = g_get_monotonic_time ();
  n_read = ls_event_store_foreach_range (store, 0, G_MAXUINT64, sum_cb, &sum);
  secs = seconds_since (start);
  g_assert_cmpuint (n_read, ==, n);
  /* Views are zero-copy: a byte rate here would only measure the callback. */
  printf ("read sequential %s (foreach_range, zero-copy views): %.2f M events/s\n",
          label, n / secs / 1e6);

  start = g_get_monotonic_time ();
  for (guint64 i = 0; i < n; i++)
    {
      LsEventView view;
      guint64 seq = (guint64) (g_rand_double (rand) * (double) n);

      if (!ls_event_store_get (store, seq, &view, &pin))
        g_assert_not_reached ();
      sum += view.data_len;
    }
  secs = seconds_since (start);
  printf ("read random %s (get with one pin): %.2f M events/s (checksum %" G_GUINT64_FORMAT ")\n",
          label, n / secs / 1e6, sum);
}

static void
bench_retention (guint64 n,
                 guint64 cap)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  guint64 memory_min = G_MAXUINT64;
  guint64 memory_max = 0;
  gint64 start;
  double secs;

  ls_event_store_set_limits (store, cap, 0);
  printf ("retention: %" G_GUINT64_FORMAT " tiny events, cap %" G_GUINT64_FORMAT "\n", n, cap);

  start = g_get_monotonic_time ();
  for (guint64 seq = 0; seq < n; seq++)
    {
      char id[24];
      gsize id_len = format_id (id, seq);

      ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, (gint64) seq, "tick", 4, id, id_len, "x", 1, 20);
      if ((seq + 1) % (n / 10) == 0)
        {
          guint64 memory = ls_event_store_get_memory_bytes (store);

          if (seq + 1 >= 2 * cap)
            {
              memory_min = MIN (memory_min, memory);
              memory_max = MAX (memory_max, memory);
            }
          printf ("  after %9" G_GUINT64_FORMAT ": memory %10" G_GUINT64_FORMAT " B, readable %" G_GUINT64_FORMAT
                  ", dropped %" G_GUINT64_FORMAT "\n",
                  seq + 1, memory,
                  ls_event_store_get_end_seq (store) - ls_event_store_get_first_seq (store),
                  ls_event_store_get_n_dropped (store));
        }
    }
  secs = seconds_since (start);

  printf ("retention: %.2f M events/s with dropping; memory flat within %" G_GUINT64_FORMAT
          " B (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "); dropped %" G_GUINT64_FORMAT "\n",
          n / secs / 1e6, memory_max - memory_min, memory_min, memory_max,
          ls_event_store_get_n_dropped (store));
  g_assert_cmpuint (ls_event_store_get_n_dropped (store), ==, n - cap);
}

int
main (int   argc,
      char *argv[])
{
  guint64 n = 2000000;

  if (argc > 1)
    n = g_ascii_strtoull (argv[1], NULL, 10);
  if (n == 0)
    {
      fprintf (stderr, "usage: %s [N_EVENTS]\n", argv[0]);
      return 2;
    }

  bench_append_read (n, 100, "message", TRUE, "100-byte events");
  bench_append_read (n, 1, "tick", TRUE, "tiny events with ids");
  bench_append_read (MAX (n / 20, 1), 4096, "message", TRUE, "4 KiB events");
  bench_retention (10000000, 1000000);

  return 0;
}
