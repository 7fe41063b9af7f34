/* test-timeline.c: the timeline view renders and hit-tests. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Records are written into a recorder with explicit times, the view is
 * shown in a window at a known size with a fixed (paused) range, and then
 * rendered into a GtkSnapshot: empty, with many spans and with guards,
 * without a critical (they are fatal here), with a number of drawn
 * rectangles bounded by the width. Picking a point returns the record
 * drawn there.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "ls-format.h"
#include "ls-gui-test-utils.h"
#include "ls-timeline-view.h"
#include "ls-timeline-view-private.h"

#define VIEW_WIDTH  900
#define VIEW_HEIGHT 400

typedef struct
{
  GtkWidget      *window;
  LsTimelineView *view;
  LsRecorder     *recorder;
  gint64          t0;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  f->recorder = ls_recorder_new (GPOINTER_TO_UINT (data) != 0 ? GPOINTER_TO_UINT (data) : 1024);
  f->t0 = g_get_monotonic_time () - 60 * G_USEC_PER_SEC;
  f->window = gtk_window_new ();
  f->view = LS_TIMELINE_VIEW (ls_timeline_view_new ());
  gtk_widget_set_size_request (GTK_WIDGET (f->view), VIEW_WIDTH, VIEW_HEIGHT);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  ls_timeline_view_set_recorder (f->view, f->recorder);
  gtk_window_present (GTK_WINDOW (f->window));

  while (gtk_widget_get_width (GTK_WIDGET (f->view)) < VIEW_WIDTH
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->view)), >=, VIEW_WIDTH);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->recorder);
}

static GskRenderNode *
render (LsTimelineView *view)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (view)->snapshot (GTK_WIDGET (view), snapshot);

  return gtk_snapshot_free_to_node (snapshot);
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  GskRenderNode *node;

  _ls_timeline_view_refresh (f->view);
  g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, 0);

  /* Live and paused, empty: the axis and the lanes, nothing else. */
  node = render (f->view);
  g_assert_nonnull (node);
  gsk_render_node_unref (node);

  ls_timeline_view_set_range (f->view, f->t0, f->t0 + G_USEC_PER_SEC);
  g_assert_false (ls_timeline_view_get_live (f->view));
  node = render (f->view);
  g_assert_nonnull (node);
  gsk_render_node_unref (node);
  g_assert_cmpuint (_ls_timeline_view_get_last_n_drawn (f->view), ==, 0);
  g_assert_null (_ls_timeline_view_pick (f->view, VIEW_WIDTH / 2.0,
                                         _ls_timeline_view_get_lane_y (f->view, LS_LOOP_UI, FALSE) + 2));
}

/* 100,000 one-microsecond spans in one second, a few long ones, guards
 * and lag counters: everything is drawn, merged down to what the width
 * can show. */
static void
test_many (Fixture       *f,
           gconstpointer  data)
{
  GskRenderNode *node;
  guint n_drawn;

  for (guint i = 0; i < 100000; i++)
    {
      gint64 t = f->t0 + i * 10;

      ls_recorder_add_span (f->recorder, &(LsSpan) {
                              .name = "tiny", .category = "bridge",
                              .loop = i % 2 ? LS_LOOP_UI : LS_LOOP_WORKER,
                              .queued_us = t - 5, .start_us = t, .end_us = t + 1,
                            });
    }
  for (guint i = 0; i < 50; i++)
    {
      gint64 t = f->t0 + i * 20000;

      ls_recorder_add_span (f->recorder, &(LsSpan) {
                              .parent = i, .name = "long", .category = "stream",
                              .loop = LS_LOOP_WORKER,
                              .queued_us = t - 3000, .start_us = t, .end_us = t + 10000,
                              .outcome = i % 3 == 0 ? LS_OUTCOME_ERROR : LS_OUTCOME_OK,
                              .items = 3, .detail = "detail",
                            });
      ls_recorder_add_counter (f->recorder, "ui lag (µs)", LS_LOOP_UI, i * 100);
      ls_recorder_add_guard (f->recorder, "wrong-thread", LS_LOOP_OTHER, "a guard");
    }

  _ls_timeline_view_refresh (f->view);
  g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, 100000 + 150);

  ls_timeline_view_set_range (f->view, f->t0 - 1000, f->t0 + G_USEC_PER_SEC + 1000);
  node = render (f->view);
  g_assert_nonnull (node);
  gsk_render_node_unref (node);

  n_drawn = _ls_timeline_view_get_last_n_drawn (f->view);
  g_test_message ("%u rectangles for 100,150 records at %d px", n_drawn, VIEW_WIDTH);
  g_assert_cmpuint (n_drawn, >, 0);
  /* Per lane and row at most about one rectangle per pixel (plus lead-ins
   * of the long spans): far fewer than the records. */
  g_assert_cmpuint (n_drawn, <=, 3 * 2 * VIEW_WIDTH + 200);

  /* Zoomed in so far that the tiny spans are wide: still fine. */
  ls_timeline_view_set_range (f->view, f->t0, f->t0 + 2000);
  node = render (f->view);
  gsk_render_node_unref (node);
  g_assert_cmpuint (_ls_timeline_view_get_last_n_drawn (f->view), >, 0);
}

static void
test_pick (Fixture       *f,
           gconstpointer  data)
{
  gint64 s = G_USEC_PER_SEC;
  const LsRecord *record;
  g_autofree char *text = NULL;
  double x, y;

  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 1, .name = "span-a", .category = "bridge", .loop = LS_LOOP_UI,
                          .queued_us = f->t0 + s / 2, .start_us = f->t0 + 1 * s,
                          .end_us = f->t0 + 2 * s, .detail = "about a",
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 2, .parent = 1, .name = "span-b", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = f->t0 + 3 * s,
                          .end_us = f->t0 + 3 * s + s / 2, .outcome = LS_OUTCOME_CANCELLED,
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 3, .name = "span-c", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = f->t0 + 3 * s,
                          .end_us = f->t0 + 4 * s,
                        });
  _ls_timeline_view_refresh (f->view);
  ls_timeline_view_set_range (f->view, f->t0, f->t0 + 5 * s);

  /* The middle of span A. */
  x = _ls_timeline_view_time_to_x (f->view, f->t0 + s + s / 2);
  y = _ls_timeline_view_get_lane_y (f->view, LS_LOOP_UI, FALSE) + 2;
  record = _ls_timeline_view_pick (f->view, x, y);
  g_assert_nonnull (record);
  g_assert_cmpstr (record->name, ==, "span-a");

  /* Its queued lead-in belongs to it too. */
  record = _ls_timeline_view_pick (f->view, _ls_timeline_view_time_to_x (f->view, f->t0 + s * 3 / 4), y);
  g_assert_nonnull (record);
  g_assert_cmpstr (record->name, ==, "span-a");

  text = _ls_timeline_view_describe (f->view, record);
  g_assert_nonnull (strstr (text, "span-a"));
  g_assert_nonnull (strstr (text, "about a"));
  /* Waited 0.5 s in the queue, ran 1 s. */
  g_assert_nonnull (strstr (text, "500.00 ms"));
  /* It started at a time of day, the recorder's origin mapped to the
   * wall clock: the clock the events table shows. */
  {
    char clock[32];

    ls_format_clock (clock, sizeof clock,
                     ls_recorder_get_origin_real_us (f->recorder)
                       + (f->t0 + s - ls_recorder_get_origin_us (f->recorder)), 6);
    g_assert_nonnull (strstr (text, clock));
  }
  g_assert_nonnull (strstr (text, "1.00 s"));

  /* Same time, other lane: nothing there. */
  g_assert_null (_ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, FALSE) + 2));
  /* Before any span. */
  g_assert_null (_ls_timeline_view_pick (f->view, _ls_timeline_view_time_to_x (f->view, f->t0 + s / 10), y));

  /* The worker lane at 3.25 s: the nested span on the second row, the
   * top-level one on the first. */
  x = _ls_timeline_view_time_to_x (f->view, f->t0 + 3 * s + s / 4);
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, TRUE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpstr (record->name, ==, "span-b");
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpstr (record->name, ==, "span-c");

  /* Left of the plot (the lane labels) picks nothing. */
  g_assert_null (_ls_timeline_view_pick (f->view, 5, y));
}

/* A stream's work on the worker has a lane of its own, under the loops';
 * its deliveries to the UI stay on the UI lane. Following one stream
 * keeps that stream's lane only and hides the other's spans. */
static void
test_stream_lanes (Fixture       *f,
                   gconstpointer  data)
{
  gint64 s = G_USEC_PER_SEC;
  const LsRecord *record;
  double x;

  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 1, .name = "stream.read", .category = "stream", .loop = LS_LOOP_WORKER,
                          .start_us = f->t0 + s, .end_us = f->t0 + 2 * s, .stream_id = 5,
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 2, .name = "stream.read", .category = "stream", .loop = LS_LOOP_WORKER,
                          .start_us = f->t0 + s, .end_us = f->t0 + 2 * s, .stream_id = 7,
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 3, .name = "stream 5", .category = "bridge", .loop = LS_LOOP_UI,
                          .start_us = f->t0 + s, .end_us = f->t0 + 2 * s, .stream_id = 5,
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = 4, .name = "bridge.dispatch", .category = "bridge", .loop = LS_LOOP_WORKER,
                          .start_us = f->t0 + s, .end_us = f->t0 + 2 * s,
                        });
  _ls_timeline_view_refresh (f->view);
  ls_timeline_view_set_range (f->view, f->t0, f->t0 + 3 * s);
  x = _ls_timeline_view_time_to_x (f->view, f->t0 + s + s / 2);

  g_assert_cmpfloat (_ls_timeline_view_get_stream_lane_y (f->view, 5, FALSE), >,
                     _ls_timeline_view_get_lane_y (f->view, LS_LOOP_OTHER, TRUE));
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_stream_lane_y (f->view, 5, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpuint (record->id, ==, 1);
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_stream_lane_y (f->view, 7, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpuint (record->id, ==, 2);
  /* The worker lane keeps the loop's own work; the UI lane the delivery. */
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpuint (record->id, ==, 4);
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_UI, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpuint (record->id, ==, 3);

  /* Following stream 7: its lane only; stream 5's spans are not shown. */
  ls_timeline_view_set_stream_filter (f->view, 7);
  g_assert_cmpfloat (_ls_timeline_view_get_stream_lane_y (f->view, 5, FALSE), ==, -1);
  g_assert_cmpfloat (_ls_timeline_view_get_stream_lane_y (f->view, 7, FALSE), >, 0);
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_stream_lane_y (f->view, 7, FALSE) + 2);
  g_assert_nonnull (record);
  g_assert_cmpuint (record->id, ==, 2);
  record = _ls_timeline_view_pick (f->view, x, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_UI, FALSE) + 2);
  g_assert_null (record);
  ls_timeline_view_set_stream_filter (f->view, 0);
  g_assert_cmpfloat (_ls_timeline_view_get_stream_lane_y (f->view, 5, FALSE), >, 0);
}

static void
test_pick_guard (Fixture       *f,
                 gconstpointer  data)
{
  const LsRecord *record;
  gint64 start, end;
  g_autofree char *text = NULL;
  double x;

  ls_recorder_add_guard (f->recorder, "loop-running", LS_LOOP_WORKER,
                         "this event loop is already running");
  _ls_timeline_view_refresh (f->view);
  g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, 1);

  /* The guard was stamped "now": show the last second. */
  end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  ls_timeline_view_set_range (f->view, end - G_USEC_PER_SEC, end);
  ls_timeline_view_get_range (f->view, &start, NULL);
  g_assert_cmpint (start, ==, end - G_USEC_PER_SEC);

  {
    GskRenderNode *node = render (f->view);

    gsk_render_node_unref (node);
  }
  g_assert_cmpuint (_ls_timeline_view_get_last_n_drawn (f->view), ==, 1);

  /* Anywhere on the guard's line in its lane. */
  {
    g_autoptr(GArray) records = ls_recorder_snapshot_since (f->recorder, 0, NULL);

    x = _ls_timeline_view_time_to_x (f->view, g_array_index (records, LsRecord, 0).start_us);
  }
  record = _ls_timeline_view_pick (f->view, x + 1, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, TRUE) + 4);
  g_assert_nonnull (record);
  g_assert_cmpint (record->kind, ==, LS_RECORD_GUARD);
  text = _ls_timeline_view_describe (f->view, record);
  g_assert_nonnull (strstr (text, "already running"));

  g_assert_null (_ls_timeline_view_pick (f->view, x + 1, _ls_timeline_view_get_lane_y (f->view, LS_LOOP_UI, FALSE) + 4));
}

/* The recorder's ring moves on; the view keeps what it already has and
 * never counts a record twice. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < 100; i++)
        ls_recorder_add_counter (f->recorder, "worker lag (µs)", LS_LOOP_WORKER, i);
      _ls_timeline_view_refresh (f->view);
      _ls_timeline_view_refresh (f->view);
      g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, (round + 1) * 100);
    }
}

/* The view falls behind a small ring: it takes what the ring still has,
 * skips what was overwritten, and still never takes a record twice. */
static void
test_falls_behind (Fixture       *f,
                   gconstpointer  data)
{
  guint ring = GPOINTER_TO_UINT (data), expected = 0;

  for (guint round = 0; round < 4; round++)
    {
      guint added = round % 2 == 0 ? 3 * ring + 5 : ring / 4;

      for (guint i = 0; i < added; i++)
        ls_recorder_add_counter (f->recorder, "worker lag (µs)", LS_LOOP_WORKER, i);
      _ls_timeline_view_refresh (f->view);
      _ls_timeline_view_refresh (f->view);
      expected += MIN (added, ring);
      g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, expected);
    }
}

static void
test_zoom (Fixture       *f,
           gconstpointer  data)
{
  gint64 start, end;

  ls_timeline_view_set_range (f->view, f->t0, f->t0 + 4 * G_USEC_PER_SEC);
  ls_timeline_view_zoom (f->view, 0.5, gtk_widget_get_width (GTK_WIDGET (f->view)));
  ls_timeline_view_get_range (f->view, &start, &end);
  /* Zoomed around the right edge: it stays put, the span halves. */
  g_assert_cmpint (end - start, ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (ABS (end - (f->t0 + 4 * G_USEC_PER_SEC)), <, 20000);

  for (guint i = 0; i < 100; i++)
    ls_timeline_view_zoom (f->view, 0.1, 300);
  ls_timeline_view_get_range (f->view, &start, &end);
  g_assert_cmpint (end - start, ==, LS_TIMELINE_MIN_SPAN_US);

  for (guint i = 0; i < 100; i++)
    ls_timeline_view_zoom (f->view, 10, 300);
  ls_timeline_view_get_range (f->view, &start, &end);
  g_assert_cmpint (end - start, ==, LS_TIMELINE_MAX_SPAN_US);
}

int
main (int   argc,
      char *argv[])
{
  if (!ls_gui_test_init (&argc, &argv, "/timeline/empty"))
    return g_test_run ();

  g_test_add ("/timeline/empty", Fixture, NULL, fixture_set_up, test_empty, fixture_tear_down);
  g_test_add ("/timeline/many", Fixture, GUINT_TO_POINTER (200000), fixture_set_up, test_many, fixture_tear_down);
  g_test_add ("/timeline/pick", Fixture, NULL, fixture_set_up, test_pick, fixture_tear_down);
  g_test_add ("/timeline/pick-guard", Fixture, NULL, fixture_set_up, test_pick_guard, fixture_tear_down);
  g_test_add ("/timeline/stream-lanes", Fixture, NULL, fixture_set_up, test_stream_lanes, fixture_tear_down);
  g_test_add ("/timeline/incremental", Fixture, GUINT_TO_POINTER (100000), fixture_set_up, test_incremental, fixture_tear_down);
  g_test_add ("/timeline/falls-behind", Fixture, GUINT_TO_POINTER (64), fixture_set_up, test_falls_behind, fixture_tear_down);
  g_test_add ("/timeline/zoom", Fixture, NULL, fixture_set_up, test_zoom, fixture_tear_down);

  return g_test_run ();
}
