/* bench-event-list.c: what filtering the events view costs at a million events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures, asserts none about time: how long a filter takes to
 * catch up over a full store (spread over updates by the list's own time
 * budget), the longest single update (what one frame pays), and how long
 * an update takes when a burst arrives under an active filter.
 */
#include "config.h"

#include <stdio.h>

#include "ls-event-list.h"

#define N_EVENTS 1000000

static void
append_event (LsEventStore *store,
              guint64       n)
{
  char data[160];
  char id[32];
  int len;

  g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, n);
  len = g_snprintf (data, sizeof data,
                    "{\"n\":%" G_GUINT64_FORMAT ",\"user\":\"user-%u\",\"msg\":\"%s\"}",
                    n, (guint) (n % 997), n % 13 == 0 ? "payment failed" : "heartbeat ok");
  ls_event_store_append (store, 1, LS_EVENT_KIND_EVENT, g_get_monotonic_time (),
                         n % 5 == 0 ? "order" : "tick", -1, id, -1, data, len, (guint32) len + 20);
}

typedef struct
{
  guint   n_updates;
  gint64  total_us;
  gint64  longest_us;
} Catchup;

static Catchup
catch_up (LsEventList *list)
{
  Catchup result = { 0, 0, 0 };

  do
    {
      gint64 start = g_get_monotonic_time ();
      gint64 took;

      ls_event_list_update (list);
      took = g_get_monotonic_time () - start;
      result.n_updates++;
      result.total_us += took;
      result.longest_us = MAX (result.longest_us, took);
    }
  while (ls_event_list_get_searching (list));

  return result;
}

static void
report (const char  *what,
        LsEventList *list,
        Catchup      c)
{
  printf ("%-34s %8u matches  %8.1f ms total  %4u updates  longest %6.2f ms\n",
          what, g_list_model_get_n_items (G_LIST_MODEL (list)),
          c.total_us / 1000.0, c.n_updates, c.longest_us / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsEventList) list = NULL;
  g_autoptr(GError) error = NULL;
  Catchup c;
  gint64 start;

  for (guint64 n = 0; n < N_EVENTS; n++)
    append_event (store, n);
  list = ls_event_list_new (store);

  c = catch_up (list);
  report ("unfiltered", list, c);

  ls_event_list_set_type_filter (list, "order");
  report ("type = order", list, catch_up (list));

  ls_event_list_set_type_filter (list, NULL);
  ls_event_list_set_text_filter (list, "PAYMENT failed", FALSE, &error);
  g_assert_no_error (error);
  report ("text \"PAYMENT failed\"", list, catch_up (list));

  ls_event_list_set_text_filter (list, "user-(12|99)\\d\"", TRUE, &error);
  g_assert_no_error (error);
  report ("regex user-(12|99)\\d\"", list, catch_up (list));

  ls_event_list_set_text_filter (list, "no such text anywhere", FALSE, &error);
  g_assert_no_error (error);
  report ("text matching nothing", list, catch_up (list));

  ls_event_list_set_hide_lifecycle (list, TRUE);
  ls_event_list_set_text_filter (list, NULL, FALSE, NULL);
  report ("hide lifecycle", list, catch_up (list));

  /* A burst of 10,000 under an active regex, past the one-million cap:
   * what the next frame pays. */
  ls_event_list_set_text_filter (list, "user-(12|99)\\d\"", TRUE, &error);
  catch_up (list);
  ls_event_store_set_limits (store, N_EVENTS, 0);
  for (guint64 n = N_EVENTS; n < N_EVENTS + 10000; n++)
    append_event (store, n);
  start = g_get_monotonic_time ();
  c = catch_up (list);
  report ("10,000 more under the regex", list, c);
  printf ("%-34s %8.1f ms\n", "  (including the drop of 10,000)", (g_get_monotonic_time () - start) / 1000.0);

  return 0;
}
