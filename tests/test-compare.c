/* test-compare.c: the Compare page's figures and CSV, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Records with known times go into a real LsEventStore; a series reads
 * them in two steps (as the page does once a second) and gives exact
 * figures: first event, gap percentiles (nearest rank) and max, rate,
 * errors, tokens of an OpenAI-style stream; retention drops are skipped.
 * The CSV quotes what needs quoting and writes "." decimals in any locale.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "ls-compare.h"

#define T0 1000000  /* the first request, µs */

static void
append (LsEventStore *store,
        LsEventKind   kind,
        gint64        time_us,
        const char   *data)
{
  ls_event_store_append (store, 1, kind, time_us, "message", -1, "", 0, data, strlen (data),
                         (guint32) strlen (data));
}

static void
test_figures (void)
{
  g_autoptr(LsEventStore) store = ls_event_store_new ();
  g_autoptr(LsCompareSeries) series = ls_compare_series_new ();
  LsStreamStats stats = { .bytes = 4242, .reconnects = 2 };
  LsCompareFigures f;
  const gint64 *times;
  guint n;

  /* The request time not known yet: nothing is read. */
  append (store, LS_EVENT_KIND_EVENT, T0 + 1, "early");
  ls_compare_series_update (series, store, 0);
  ls_compare_series_get_figures (series, NULL, NULL, &f);
  g_assert_cmpuint (f.events, ==, 0);
  g_clear_pointer (&series, ls_compare_series_free);
  g_clear_pointer (&store, ls_event_store_unref);
  store = ls_event_store_new ();
  series = ls_compare_series_new ();

  /* Before anything: nothing known. */
  ls_compare_series_update (series, store, T0);
  ls_compare_series_get_figures (series, NULL, NULL, &f);
  g_assert_cmpint (f.first_event_us, ==, -1);
  g_assert_cmpint (f.gap_p50_us, ==, -1);
  g_assert_cmpint (f.headers_us, ==, -1);
  g_assert_cmpfloat (f.events_per_s, ==, 0.0);

  /* An open record, then events 5 ms after the request and at gaps of
   * 10, 20, …, 100 ms; an error record between them. */
  append (store, LS_EVENT_KIND_OPEN, T0 + 4000, "HTTP 200");
  append (store, LS_EVENT_KIND_EVENT, T0 + 5000, "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}");
  ls_compare_series_update (series, store, T0);
  {
    gint64 t = T0 + 5000;

    for (guint i = 1; i <= 10; i++)
      {
        t += i * 10000;
        append (store, LS_EVENT_KIND_EVENT, t, "{\"choices\":[{\"delta\":{\"content\":\"b\"}}]}");
        if (i == 5)
          append (store, LS_EVENT_KIND_ERROR, t, "Connection lost");
      }
  }
  ls_compare_series_update (series, store, T0);
  ls_compare_series_get_figures (series, &stats, NULL, &f);

  g_assert_cmpuint (f.events, ==, 11);
  g_assert_cmpuint (f.tokens, ==, 11);
  g_assert_cmpint (f.first_event_us, ==, 5000);
  g_assert_cmpint (f.first_token_us, ==, 5000);
  /* Gaps 10…100 ms: the 5th of 10 is the median, the 10th the 99th. */
  g_assert_cmpint (f.gap_p50_us, ==, 50000);
  g_assert_cmpint (f.gap_p99_us, ==, 100000);
  g_assert_cmpint (f.gap_max_us, ==, 100000);
  /* 10 gaps over 550 ms. */
  g_assert_cmpfloat_with_epsilon (f.events_per_s, 10.0 / 0.55, 1e-9);
  g_assert_cmpuint (f.errors, ==, 1);
  g_assert_cmpuint (f.bytes, ==, 4242);
  g_assert_cmpuint (f.reconnects, ==, 2);

  times = ls_compare_series_get_times (series, &n);
  g_assert_cmpuint (n, ==, 11);
  g_assert_cmpint (times[0], ==, 5000);
  g_assert_cmpint (times[10], ==, 5000 + 550000);

  /* The store drops the oldest: a series that comes later starts at
   * what is left, and never reads a record twice. */
  ls_event_store_set_limits (store, 4, 0);
  append (store, LS_EVENT_KIND_EVENT, T0 + 600000, "x");
  ls_compare_series_update (series, store, T0);
  ls_compare_series_get_figures (series, &stats, NULL, &f);
  g_assert_cmpuint (f.events, ==, 12);
  g_assert_cmpint (f.gap_max_us, ==, 100000);
  {
    g_autoptr(LsCompareSeries) late = ls_compare_series_new ();

    ls_compare_series_update (late, store, T0);
    ls_compare_series_get_figures (late, &stats, NULL, &f);
    g_assert_cmpuint (f.events, <=, 4);
    g_assert_cmpuint (f.events, >=, 1);
  }
}

static void
test_csv (void)
{
  static const char * const names[] = { "/v1/chat", "with, \"quotes\"" };
  static const char * const urls[] = { "http://a:1/v1/chat", "http://b:2/x" };
  LsCompareFigures figures[2] = {
    { .headers_us = 1500, .first_event_us = 2500, .first_token_us = -1, .gap_p50_us = 10000,
      .gap_p99_us = 20000, .gap_max_us = 30000, .events_per_s = 12.5, .events = 7, .tokens = 0,
      .bytes = 99, .reconnects = 1, .errors = 0 },
    { .headers_us = -1, .first_event_us = -1, .first_token_us = -1, .gap_p50_us = -1,
      .gap_p99_us = -1, .gap_max_us = -1 },
  };
  g_autofree char *csv = NULL;

  /* A locale whose decimal separator is a comma changes nothing. */
  setlocale (LC_NUMERIC, "de_DE.UTF-8");
  csv = ls_compare_to_csv (names, urls, figures, 2);
  setlocale (LC_NUMERIC, "C");
  g_assert_cmpstr (csv, ==,
                   "stream,url,time_to_headers_ms,time_to_first_event_ms,time_to_first_token_ms,"
                   "gap_p50_ms,gap_p99_ms,gap_max_ms,events_per_s,events,tokens,bytes,reconnects,errors\r\n"
                   "/v1/chat,http://a:1/v1/chat,1.500,2.500,,10.000,20.000,30.000,12.500,7,0,99,1,0\r\n"
                   "\"with, \"\"quotes\"\"\",http://b:2/x,,,,,,,0.000,0,0,0,0,0\r\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compare/figures", test_figures);
  g_test_add_func ("/compare/csv", test_csv);
  return g_test_run ();
}
