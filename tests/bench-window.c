/* bench-window.c: the window under a flood: UI loop lag and missed frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real application (in this process, under Xvfb, GSK_RENDERER=cairo
 * so the figures are the app's and not software GL's) connects to its demo
 * server's tick stream at 100,000 events/s with the events view visible,
 * for FLOOD_SECONDS. Printed, never asserted:
 *   first frame: the window's first frame after main() started
 *   lag: how late a 1 ms timer at the UI's default priority ran, p50/p99/max
 *   frames: frame-clock ticks missed (a gap of N refresh intervals misses N - 1)
 */
#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-test-utils.h"
#include "ls-window.h"

#define FLOOD_RATE     100000   /* LS_BENCH_RATE in the environment sets another */
#define FLOOD_SECONDS  5
#define LAG_PERIOD_US  1000

static gint64 main_start_us;

typedef struct
{
  LsApplication *app;
  LsWindow      *window;          /* weak */
  gint64         main_start_us;
  gint64         first_frame_us;
  /* the flood */
  gint64         flood_start_us;
  guint          lag_id;
  gint64         lag_due_us;
  GArray        *lag_us;          /* of gint64 */
  guint          tick_id;
  gint64         last_frame_us;
  gint64         refresh_us;
  guint64        frames;
  guint64        frames_missed;
  guint64        events_at_start;
  guint64        events_at_end;
  int            rate;
  gint64         latency_p50_us;  /* socket to screen, the events view's figure; -1: none */
  gint64         latency_p99_us;
} Bench;

static gboolean
first_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  Bench *bench = data;

  bench->first_frame_us = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 Bench          *bench)
{
  if (bench->window != NULL || !LS_IS_WINDOW (window))
    return;
  ls_gui_test_watch_window (window, (gpointer *) &bench->window);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), first_frame_cb, bench, NULL);
}

static guint64
events_received (Bench *bench)
{
  LsStream *stream = ls_stream_page_get_stream (ls_window_get_stream_page (bench->window));
  LsStreamStats stats;

  if (stream == NULL)
    return 0;
  ls_stream_get_stats (stream, &stats);
  return stats.events;
}

static gboolean
lag_cb (gpointer data)
{
  Bench *bench = data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = MAX (0, now - bench->lag_due_us);

  g_array_append_val (bench->lag_us, late);
  bench->lag_due_us = now + LAG_PERIOD_US;
  return G_SOURCE_CONTINUE;
}

static gboolean
frame_cb (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       data)
{
  Bench *bench = data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (bench->last_frame_us != 0)
    {
      gint64 gap = now - bench->last_frame_us;
      gint64 intervals = (gap + bench->refresh_us / 2) / bench->refresh_us;

      bench->frames++;
      if (intervals > 1)
        bench->frames_missed += intervals - 1;
    }
  bench->last_frame_us = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
step_window_shown (gpointer data)
{
  Bench *bench = data;

  return bench->window != NULL && bench->first_frame_us != 0;
}

static gboolean
step_flood_started (gpointer data)
{
  Bench *bench = data;
  LsStreamPage *page = ls_window_get_stream_page (bench->window);
  LsDemoServer *server = ls_application_get_demo_server (bench->app);
  LsStream *stream;
  g_autofree char *url = NULL;
  GdkFrameClock *clock;
  gint64 refresh = 0;

  if (server == NULL || !ls_demo_server_is_running (server))
    return FALSE;

  url = g_strdup_printf ("%s/sse/ticks?rate=%d&size=64", ls_demo_server_get_base_uri (server), bench->rate);
  ls_request_editor_set_url (ls_stream_page_get_editor (page), url);
  g_assert_true (ls_stream_page_connect (page));
  stream = ls_stream_page_get_stream (page);
  g_assert_nonnull (stream);

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench->window));
  gdk_frame_clock_get_refresh_info (clock, 0, &refresh, NULL);
  bench->refresh_us = refresh > 0 ? refresh : G_USEC_PER_SEC / 60;
  return TRUE;
}

static gboolean
step_flood_open (gpointer data)
{
  Bench *bench = data;
  LsStream *stream = ls_stream_page_get_stream (ls_window_get_stream_page (bench->window));

  if (ls_stream_get_state (stream) != LS_STREAM_OPEN || events_received (bench) < 1000)
    return FALSE;

  bench->events_at_start = events_received (bench);
  bench->flood_start_us = g_get_monotonic_time ();
  bench->lag_due_us = bench->flood_start_us + LAG_PERIOD_US;
  bench->lag_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 1, lag_cb, bench, NULL);
  bench->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (bench->window), frame_cb, bench, NULL);
  return TRUE;
}

static gboolean
step_flood_measured (gpointer data)
{
  Bench *bench = data;

  if (g_get_monotonic_time () - bench->flood_start_us < FLOOD_SECONDS * G_USEC_PER_SEC)
    return FALSE;

  bench->events_at_end = events_received (bench);
  if (!ls_event_panel_get_latency (ls_stream_page_get_event_panel (ls_window_get_stream_page (bench->window)),
                                   &bench->latency_p50_us, &bench->latency_p99_us))
    bench->latency_p50_us = bench->latency_p99_us = -1;
  g_clear_handle_id (&bench->lag_id, g_source_remove);
  gtk_widget_remove_tick_callback (GTK_WIDGET (bench->window), bench->tick_id);
  ls_stream_page_stop (ls_window_get_stream_page (bench->window));
  return TRUE;
}

static double
percentile_ms (GArray *sorted,
               double  p)
{
  return ls_test_percentile (sorted, p) / 1000.0;
}

static void
bench_window_flood (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "flood started", step_flood_started },
    { "flood open", step_flood_open },
    { "flood measured", step_flood_measured },
    { "quit", ls_gui_test_step_quit },
  };
  Bench *bench = g_new0 (Bench, 1);
  double seconds;
  guint64 expected_frames;

  bench->main_start_us = main_start_us;
  bench->rate = g_getenv ("LS_BENCH_RATE") != NULL ? atoi (g_getenv ("LS_BENCH_RATE")) : FLOOD_RATE;
  if (bench->rate <= 0)
    bench->rate = FLOOD_RATE;
  bench->lag_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench->app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  ls_application_set_demo (bench->app, TRUE);
  g_signal_connect (bench->app, "window-added", G_CALLBACK (window_added_cb), bench);

  ls_gui_test_run_steps (G_APPLICATION (bench->app), steps, G_N_ELEMENTS (steps), bench);

  g_array_sort (bench->lag_us, ls_test_compare_gint64);
  seconds = FLOOD_SECONDS;
  expected_frames = bench->frames + bench->frames_missed;
  g_print ("first frame: %.0f ms after main() (the app in this process, its demo server started)\n",
           (bench->first_frame_us - bench->main_start_us) / 1000.0);
  g_print ("flood: %d events/s asked, %.0f events/s received with the events view visible\n",
           bench->rate, (bench->events_at_end - bench->events_at_start) / seconds);
  g_print ("flood: socket to screen (the newest events, as the Stream page's Latency) p50 %.2f ms, "
           "p99 %.2f ms = %.1f frames\n",
           bench->latency_p50_us / 1000.0, bench->latency_p99_us / 1000.0,
           (double) bench->latency_p99_us / MAX (bench->refresh_us, 1));
  g_print ("flood: UI loop lag p50 %.2f ms, p99 %.2f ms, max %.2f ms (%u samples of a 1 ms timer)\n",
           percentile_ms (bench->lag_us, 0.50), percentile_ms (bench->lag_us, 0.99),
           percentile_ms (bench->lag_us, 1.0 - 1e-9), bench->lag_us->len);
  g_print ("flood: frame-clock ticks missed %.2f %% (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
           ", refresh %.2f ms)\n",
           expected_frames > 0 ? 100.0 * bench->frames_missed / expected_frames : 0.0,
           bench->frames_missed, expected_frames, bench->refresh_us / 1000.0);

  g_array_unref (bench->lag_us);
  g_object_unref (bench->app);
  g_free (bench);
}

int
main (int   argc,
      char *argv[])
{
  main_start_us = g_get_monotonic_time ();
  if (!ls_gui_test_init (&argc, &argv, "/bench/window/flood"))
    return g_test_run ();

  g_test_add_func ("/bench/window/flood", bench_window_flood);
  return g_test_run ();
}
