/* test-loops.c: the Loops page's guard buttons and slowest dispatches, in
 * the real window on the live demo stream. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each guard button makes its mistake for real through the bridge: the
 * test checks the typed error the page got back, the guard record with the
 * same message in the recorder, and that the app goes on: the demo stream
 * keeps receiving, the worker still runs what is posted to it, the window
 * still draws. Then a UI source that sleeps 30 ms, over the 16.7 ms frame
 * budget, must be listed by its GSource name on the UI loop's card.
 */
#include "config.h"

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-loop-card-private.h"
#include "ls-timeline-view-private.h"
#include "ls-window.h"

#define SLOW_SOURCE "test.sleep-30ms"
#define FOREIGN_SOURCE "test.untimed-sleep-30ms"

typedef struct
{
  LsApplication *app;
  LsWindow      *window;     /* weak */
  LsWorker      *worker;
  guint64        events_before;
  guint64        guards_before;
  gint64         frame_before;
  gint           worker_ran;  /* atomic */
  gboolean       slow_added;
  guint          slow_runs;
} TestRun;

static LsLoopsPage *
loops_page (TestRun *run)
{
  return ls_window_get_loops_page (run->window);
}

static guint64
stream_events (TestRun *run)
{
  LsStream *stream = ls_stream_page_get_stream (ls_window_get_stream_page (run->window));
  LsStreamStats stats;

  if (stream == NULL || ls_stream_get_state (stream) != LS_STREAM_OPEN)
    return 0;
  ls_stream_get_stats (stream, &stats);
  return stats.events;
}

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;
  LsBridge *bridge;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  bridge = ls_application_get_bridge (run->app);
  run->worker = g_object_ref (ls_bridge_get_worker (bridge));
  return TRUE;
}

static gboolean
step_demo_streaming (gpointer data)
{
  TestRun *run = data;

  if (stream_events (run) < 5)
    return FALSE;
  ls_window_show_page (run->window, "loops");
  return TRUE;
}

static gboolean
step_press_guard_buttons (gpointer data)
{
  TestRun *run = data;
  static const char *labels[] = {
    "Run Worker Loop Here", "Nest Worker Loop", "Post to Closed Worker", "Post from Other Thread",
  };

  if (!gtk_widget_get_mapped (GTK_WIDGET (loops_page (run))))
    return FALSE;

  run->guards_before = ls_bridge_get_guard_count (ls_application_get_bridge (run->app));
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      GtkWidget *button = ls_gui_test_find_button (loops_page (run), labels[i]);

      g_assert_nonnull (button);
      g_assert_null (ls_loops_page_get_refusal (loops_page (run), (LsGuardDemo) i));
      g_assert_true (gtk_widget_activate (button));
    }
  return TRUE;
}

/* The guard record whose message is @message, by the bridge's name for it. */
static gboolean
recorder_has_guard (LsRecorder *recorder,
                    const char *name,
                    const char *message)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (recorder, 0, NULL);

  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind == LS_RECORD_GUARD && g_strcmp0 (r->name, name) == 0
          && g_strcmp0 (r->detail, message) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
step_refusals_back (gpointer data)
{
  TestRun *run = data;
  LsRecorder *recorder = ls_application_get_recorder (run->app);
  static const struct { LsGuardDemo demo; LsBridgeError code; const char *guard; } expected[] = {
    { LS_GUARD_DEMO_UI_RUN, LS_BRIDGE_ERROR_FOREIGN_LOOP, "guard: foreign loop" },
    { LS_GUARD_DEMO_NESTED, LS_BRIDGE_ERROR_LOOP_RUNNING, "guard: loop already running" },
    { LS_GUARD_DEMO_CLOSED, LS_BRIDGE_ERROR_CLOSED, "guard: event loop is closed" },
    { LS_GUARD_DEMO_WRONG_THREAD, LS_BRIDGE_ERROR_WRONG_THREAD, "guard: wrong thread" },
  };

  /* Two of them come back across the bridge. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (ls_loops_page_get_refusal (loops_page (run), expected[i].demo) == NULL)
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const GError *error = ls_loops_page_get_refusal (loops_page (run), expected[i].demo);

      g_test_message ("%s: %s", expected[i].guard, error->message);
      g_assert_error (error, LS_BRIDGE_ERROR, (gint) expected[i].code);
      g_assert_true (recorder_has_guard (recorder, expected[i].guard, error->message));
    }
  /* The app's own bridge counted the three made on it; the closed one was
   * refused by the throwaway bridge, whose worker is not the app's. */
  g_assert_cmpuint (ls_bridge_get_guard_count (ls_application_get_bridge (run->app)), ==,
                    run->guards_before + 3);
  g_assert_cmpint (ls_bridge_get_worker_state (ls_application_get_bridge (run->app)), ==, LS_WORKER_RUNNING);

  run->events_before = stream_events (run);
  run->frame_before = gdk_frame_clock_get_frame_counter (gtk_widget_get_frame_clock (GTK_WIDGET (run->window)));
  return TRUE;
}

static void
worker_ran_cb (gpointer data)
{
  TestRun *run = data;

  __atomic_store_n (&run->worker_ran, 1, __ATOMIC_RELEASE);
}

static gboolean
step_post_to_worker (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_bridge_post (ls_application_get_bridge (run->app), worker_ran_cb, run, NULL, &error));
  g_assert_no_error (error);
  gtk_widget_queue_draw (GTK_WIDGET (loops_page (run)));
  return TRUE;
}

/* The app keeps working: the stream receives, the worker runs what is
 * posted, the window draws new frames. */
static gboolean
step_app_goes_on (gpointer data)
{
  TestRun *run = data;
  gint64 frame = gdk_frame_clock_get_frame_counter (gtk_widget_get_frame_clock (GTK_WIDGET (run->window)));

  if (stream_events (run) < run->events_before + 5)
    return FALSE;
  if (!__atomic_load_n (&run->worker_ran, __ATOMIC_ACQUIRE))
    return FALSE;
  if (frame <= run->frame_before)
    {
      gtk_widget_queue_draw (GTK_WIDGET (loops_page (run)));
      return FALSE;
    }
  return TRUE;
}

static gboolean
sleep_30ms_cb (gpointer data)
{
  g_usleep (30 * 1000);
  return G_SOURCE_REMOVE;
}

static gboolean
sleep_30ms_twice_cb (gpointer data)
{
  guint *runs = data;

  g_usleep (30 * 1000);
  return ++*runs < 2 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The probe's spans for dispatches over the frame budget: slow, not
 * failed, and one task per source (a row with its dispatches). */
static guint
recorder_count_slow_spans (LsRecorder *recorder,
                           const char *name)
{
  g_autoptr(GArray) records = ls_recorder_snapshot_since (recorder, 0, NULL);
  guint64 task = 0;
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind != LS_RECORD_SPAN || g_strcmp0 (r->name, name) != 0 || g_strcmp0 (r->category, "dispatch") != 0)
        continue;
      g_assert_cmpint (r->outcome, ==, LS_OUTCOME_SLOW);
      g_assert_cmpstr (r->detail, ==, "over the frame budget");
      g_assert_cmpuint (r->id, !=, 0);
      if (task == 0)
        task = r->id;
      g_assert_cmpuint (r->id, ==, task);
      n++;
    }
  return n;
}

static gboolean
step_slow_source_listed (gpointer data)
{
  TestRun *run = data;
  LsLoopCard *card = ls_loops_page_get_ui_card (loops_page (run));
  guint64 over_budget = 0;
  gint64 worst_us = 0;

  if (!run->slow_added)
    {
      GSource *timed = g_timeout_source_new (1);
      GSource *foreign = g_timeout_source_new (1);

      /* One of ours, timed; one the probe cannot time (a foreign one). */
      g_source_set_static_name (timed, SLOW_SOURCE);
      ls_source_set_timed_callback (timed, sleep_30ms_twice_cb, &run->slow_runs, NULL);
      g_source_attach (timed, NULL);
      g_source_unref (timed);
      g_source_set_static_name (foreign, FOREIGN_SOURCE);
      g_source_set_callback (foreign, sleep_30ms_cb, NULL, NULL);
      g_source_attach (foreign, NULL);
      g_source_unref (foreign);
      run->slow_added = TRUE;
      return FALSE;
    }

  /* Both runs, once the card has refreshed after them. */
  if (run->slow_runs < 2
      || !_ls_loop_card_get_slow_source (card, SLOW_SOURCE, &over_budget, &worst_us)
      || over_budget < 2
      || !_ls_loop_card_get_slow_source (card, LS_LOOP_OTHER_SOURCES, NULL, NULL))
    return FALSE;

  g_assert_cmpuint (over_budget, ==, 2);
  g_assert_cmpint (worst_us, >=, 30 * 1000);
  g_assert_cmpuint (recorder_count_slow_spans (ls_application_get_recorder (run->app), SLOW_SOURCE), ==, 2);
  /* What the probe could not time is not pinned on a name it did not see. */
  g_assert_false (_ls_loop_card_get_slow_source (card, FOREIGN_SOURCE, NULL, NULL));
  /* The sparklines have samples to draw. */
  g_assert_cmpuint (ls_sparkline_get_n_samples (_ls_loop_card_get_sparkline (card, 0)), >, 0);
  return TRUE;
}

/* A span recorded on this, the UI, thread while naming the worker loop is
 * drawn on the UI lane: lanes are the threads the work ran on. */
static gboolean
step_lane_is_thread (gpointer data)
{
  TestRun *run = data;
  LsTimelineView *view = ls_timeline_page_get_view (ls_window_get_timeline_page (run->window));
  gint64 now = g_get_monotonic_time ();
  const LsRecord *picked;
  double x;

  /* Picking needs the view laid out. */
  ls_window_show_page (run->window, "timeline");
  if (gtk_widget_get_width (GTK_WIDGET (view)) < 400)
    return FALSE;

  ls_recorder_add_span (ls_application_get_recorder (run->app), &(LsSpan) {
                          .name = "test.claims-worker", .category = "test",
                          .loop = LS_LOOP_WORKER, .start_us = now + 100000, .end_us = now + 400000,
                        });
  _ls_timeline_view_refresh (view);
  /* Ahead of every guard the test made, so none covers it. */
  ls_timeline_view_set_range (view, now, now + 500000);
  x = _ls_timeline_view_time_to_x (view, now + 250000);
  picked = _ls_timeline_view_pick (view, x, _ls_timeline_view_get_lane_y (view, LS_LOOP_UI, FALSE) + 2);
  g_assert_nonnull (picked);
  g_assert_cmpstr (picked->name, ==, "test.claims-worker");
  g_assert_cmpint (picked->loop, ==, LS_LOOP_UI);
  picked = _ls_timeline_view_pick (view, x, _ls_timeline_view_get_lane_y (view, LS_LOOP_WORKER, FALSE) + 2);
  g_assert_true (picked == NULL || g_strcmp0 (picked->name, "test.claims-worker") != 0);
  return TRUE;
}

static void
test_loops_guards (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "demo streaming", step_demo_streaming },
    { "press the guard buttons", step_press_guard_buttons },
    { "refusals back, recorded", step_refusals_back },
    { "post to the worker", step_post_to_worker },
    { "the app goes on", step_app_goes_on },
    { "a slow UI source listed by name", step_slow_source_listed },
    { "a lane is the thread", step_lane_is_thread },
    { "quit", ls_gui_test_step_quit },
  };
  TestRun run = { NULL, };

  ls_gui_test_run_new_app (TRUE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app,
                           (gpointer *) &run.window, &run.worker);
}

int
main (int    argc,
      char **argv)
{
  return ls_gui_test_main (&argc, &argv, "/loops/guards", test_loops_guards);
}
