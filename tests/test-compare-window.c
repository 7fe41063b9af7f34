/* test-compare-window.c: the Compare page against two demo endpoints, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two demo tick streams, at 10 and at 50 events a second, side by side:
 * the faster one has the higher rate and the shorter median gap, and the
 * CSV export says the same in two lines. Unchecked, a stream leaves the
 * table and the export. Send to All takes the selected stream's request
 * (a header added to it) to both, each at its own URL, as new streams.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-compare-plot.h"
#include "ls-gui-test-utils.h"
#include "ls-window.h"
#include "ls-window-private.h"

#define MIN_SLOW_EVENTS 12

typedef struct
{
  LsApplication *app;
  LsWindow      *window;
  LsStreamPage  *slow;
  LsStreamPage  *fast;
  LsStream      *slow_before;
  LsStream      *fast_before;
  char          *dir;
  char          *csv_path;
} TestRun;

static gboolean
step_two_streams (gpointer data)
{
  TestRun *run = data;
  const char *base;
  g_autofree char *slow_url = NULL;
  g_autofree char *fast_url = NULL;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  /* The demo stream first (the application connects it when its server listens). */
  if (ls_stream_page_get_stream (ls_window_get_stream_page (run->window)) == NULL
      || ls_stream_get_state (ls_stream_page_get_stream (ls_window_get_stream_page (run->window))) != LS_STREAM_OPEN)
    return FALSE;
  base = ls_demo_server_get_base_uri (ls_application_get_demo_server (run->app));
  slow_url = g_strdup_printf ("%s/sse/ticks?rate=10", base);
  fast_url = g_strdup_printf ("%s/sse/ticks?rate=50", base);

  /* The demo stream's page is reused for the slow one. */
  run->slow = ls_window_get_stream_page (run->window);
  ls_stream_page_stop (run->slow);
  ls_request_editor_set_url (ls_stream_page_get_editor (run->slow), slow_url);
  g_assert_true (ls_stream_page_connect (run->slow));
  run->fast = ls_window_new_stream (run->window);
  ls_request_editor_set_url (ls_stream_page_get_editor (run->fast), fast_url);
  g_assert_true (ls_stream_page_connect (run->fast));
  ls_window_show_page (run->window, "compare");
  return TRUE;
}

static gboolean
step_figures (gpointer data)
{
  TestRun *run = data;
  LsComparePage *page = ls_window_get_compare_page (run->window);
  LsCompareFigures slow, fast;

  ls_compare_page_refresh (page);
  if (!ls_compare_page_get_figures (page, run->slow, &slow) || !ls_compare_page_get_figures (page, run->fast, &fast))
    return FALSE;
  if (slow.events < MIN_SLOW_EVENTS)
    return FALSE;

  g_test_message ("slow: %.1f/s, p50 %" G_GINT64_FORMAT " µs; fast: %.1f/s, p50 %" G_GINT64_FORMAT " µs",
                  slow.events_per_s, slow.gap_p50_us, fast.events_per_s, fast.gap_p50_us);
  g_assert_cmpuint (fast.events, >, slow.events);
  g_assert_cmpfloat (fast.events_per_s, >, slow.events_per_s);
  g_assert_cmpint (fast.gap_p50_us, <, slow.gap_p50_us);
  g_assert_cmpint (slow.headers_us, >=, 0);
  /* The first tick comes with the headers, never before them. */
  g_assert_cmpint (slow.first_event_us, >=, slow.headers_us);
  g_assert_cmpuint (slow.errors, ==, 0);
  g_assert_cmpint (slow.first_token_us, ==, -1);   /* ticks are not an LLM stream */
  /* Every Alt+key on screen reaches one widget, once the page is the
   * only one on screen (the stack cross-fades). */
  if (gtk_widget_get_mapped (GTK_WIDGET (ls_window_get_stream_page (run->window)))
      || !gtk_widget_get_mapped (GTK_WIDGET (page)))
    return FALSE;
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >, 0);
  g_assert_cmpuint (ls_compare_plot_get_n_lines (ls_gui_test_find_type (page, LS_TYPE_COMPARE_PLOT)), ==, 2);
  return TRUE;
}

static gboolean
step_screenshot (gpointer data)
{
  TestRun *run = data;

  return ls_gui_test_screenshot (run->window, "compare-page");
}

static gboolean
step_export (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GFile) file = g_file_new_for_path (run->csv_path);

  ls_compare_page_export_csv (ls_window_get_compare_page (run->window), file);
  return TRUE;
}

static gboolean
step_exported (gpointer data)
{
  TestRun *run = data;
  LsComparePage *page = ls_window_get_compare_page (run->window);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) slow = NULL;
  g_auto(GStrv) fast = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) unchecked = NULL;

  if (ls_compare_page_get_exports_pending (page) != 0)
    return FALSE;
  g_assert_null (_ls_window_get_banner (run->window));
  g_assert_true (g_file_get_contents (run->csv_path, &text, NULL, NULL));
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "stream,url,time_to_headers_ms,"));
  slow = g_strsplit (lines[1], ",", -1);
  fast = g_strsplit (lines[2], ",", -1);
  g_assert_cmpstr (slow[0], ==, "/sse/ticks?rate=10");
  g_assert_cmpstr (fast[0], ==, "/sse/ticks?rate=50");
  /* Column 8 is events_per_s, column 5 gap_p50_ms. */
  g_assert_cmpfloat (g_ascii_strtod (fast[8], NULL), >, g_ascii_strtod (slow[8], NULL));
  g_assert_cmpfloat (g_ascii_strtod (fast[5], NULL), <, g_ascii_strtod (slow[5], NULL));
  g_assert_cmpstr (lines[3], ==, "");

  /* Unchecked: out of the table and the export. */
  ls_compare_page_set_compared (page, run->slow, FALSE);
  csv = ls_compare_page_dup_csv (page);
  unchecked = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (unchecked), ==, 3);
  g_assert_null (strstr (csv, "rate=10"));
  ls_compare_page_set_compared (page, run->slow, TRUE);
  return TRUE;
}

static gboolean
step_send_to_all (gpointer data)
{
  TestRun *run = data;
  LsComparePage *page = ls_window_get_compare_page (run->window);

  run->slow_before = g_object_ref (ls_stream_page_get_stream (run->slow));
  run->fast_before = g_object_ref (ls_stream_page_get_stream (run->fast));
  ls_request_editor_add_header (ls_stream_page_get_editor (run->fast), "X-Compare", "same prompt");
  ls_window_select_stream (run->window, run->fast);
  g_assert_cmpuint (ls_compare_page_send_to_all (page), ==, 2);
  return TRUE;
}

static gboolean
step_sent (gpointer data)
{
  TestRun *run = data;
  LsStream *slow = ls_stream_page_get_stream (run->slow);
  LsStream *fast = ls_stream_page_get_stream (run->fast);
  const LsStreamOptions *options;

  if (ls_stream_get_state (slow) != LS_STREAM_OPEN || ls_stream_get_state (fast) != LS_STREAM_OPEN)
    return FALSE;
  g_assert_true (slow != run->slow_before);
  g_assert_true (fast != run->fast_before);
  options = ls_stream_get_options (slow);
  g_assert_true (g_str_has_suffix (options->url, "/sse/ticks?rate=10"));
  g_assert_cmpuint (options->headers->len, ==, 1);
  g_assert_cmpstr (((LsStreamHeader *) g_ptr_array_index (options->headers, 0))->name, ==, "X-Compare");
  g_assert_cmpstr (((LsStreamHeader *) g_ptr_array_index (options->headers, 0))->value, ==, "same prompt");
  g_assert_true (g_str_has_suffix (ls_stream_get_options (fast)->url, "/sse/ticks?rate=50"));
  return TRUE;
}

static void
test_compare (void)
{
  static const LsGuiStep steps[] = {
    { "two streams", step_two_streams },
    { "figures in order", step_figures },
    { "screenshot", step_screenshot },
    { "export CSV", step_export },
    { "exported", step_exported },
    { "send to all", step_send_to_all },
    { "both sent again", step_sent },
    { "quit", ls_gui_test_step_quit },
  };
  TestRun run = { NULL, };

  run.dir = g_dir_make_tmp ("ls-compare-XXXXXX", NULL);
  run.csv_path = g_build_filename (run.dir, "comparison.csv", NULL);
  ls_gui_test_run_new_app (TRUE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app,
                           (gpointer *) &run.window, NULL);
  g_clear_object (&run.slow_before);
  g_clear_object (&run.fast_before);
  g_remove (run.csv_path);
  g_rmdir (run.dir);
  g_free (run.csv_path);
  g_free (run.dir);
}

int
main (int   argc,
      char *argv[])
{
  return ls_gui_test_main (&argc, &argv, "/compare-window/two-rates", test_compare);
}
