/* bench-timeline.c: drawing 100,000 visible spans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A timeline view, 1280×800 in a window under Xvfb (GSK_RENDERER=cairo,
 * as the tests run), shows a recorder holding 100,000 named spans on the
 * worker lane and as many crossings' worth of nested children, all in the
 * visible range. Each frame is what GTK does: the view's snapshot, then
 * the window's renderer turning it into pixels. Printed, never asserted:
 * the time of both, per frame (median, p99, max over FRAMES), and how many
 * rectangles the level of detail left to draw.
 *
 *   bench-timeline [SPANS]
 */
#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "ls-recorder.h"
#include "ls-test-utils.h"
#include "ls-timeline-view.h"
#include "ls-timeline-view-private.h"

#define FRAMES 60

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  g_autoptr(LsRecorder) recorder = NULL;
  g_autoptr(GArray) snap_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) frame_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *names[] = { "stream.read", "stream.parse", "deliver to UI", "frame batch" };
  GtkWidget *window, *view;
  gint64 t0;

  gtk_init ();
  if (gdk_display_get_default () == NULL)
    {
      g_print ("timeline: no display: skipped (run under xvfb-run)\n");
      return 0;
    }

  recorder = ls_recorder_new (4 * n + 1024);
  t0 = g_get_monotonic_time ();
  /* 100,000 parents of 8 µs every 10 µs over one second, each with a
   * nested child: all of them in the visible range. */
  for (guint i = 0; i < n; i++)
    {
      guint64 task = ls_recorder_next_span_id (recorder);
      gint64 start = t0 + (gint64) i * 10;

      ls_recorder_add_span (recorder, &(LsSpan) {
                              .parent = task, .name = names[(i + 1) % 4], .category = "bench",
                              .loop = LS_LOOP_WORKER, .start_us = start + 2, .end_us = start + 6,
                            });
      ls_recorder_add_span (recorder, &(LsSpan) {
                              .task = task, .name = names[i % 4], .category = "bench",
                              .loop = LS_LOOP_WORKER, .queued_us = start - 1, .start_us = start,
                              .end_us = start + 8,
                            });
    }

  window = gtk_window_new ();
  view = ls_timeline_view_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), view);
  ls_timeline_view_set_recorder (LS_TIMELINE_VIEW (view), recorder);
  gtk_window_present (GTK_WINDOW (window));
  while (gtk_widget_get_width (view) < 1000 || !gtk_widget_get_mapped (view))
    g_main_context_iteration (NULL, TRUE);
  _ls_timeline_view_refresh (LS_TIMELINE_VIEW (view));
  ls_timeline_view_set_range (LS_TIMELINE_VIEW (view), t0 - 1000, t0 + (gint64) n * 10 + 1000);

  for (guint f = 0; f < FRAMES; f++)
    {
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (view));
      int width = gtk_widget_get_width (view), height = gtk_widget_get_height (view);
      gint64 a, b, c;

      /* Each frame draws anew, as a live view does: the view's own
       * snapshot, not GTK's cache of the last one. */
      a = g_get_monotonic_time ();
      GTK_WIDGET_GET_CLASS (view)->snapshot (view, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      b = g_get_monotonic_time ();
      texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
      c = g_get_monotonic_time ();
      g_array_append_val (snap_us, (gint64) { b - a });
      g_array_append_val (frame_us, (gint64) { c - a });
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  g_array_sort (snap_us, ls_test_compare_gint64);
  g_array_sort (frame_us, ls_test_compare_gint64);
  g_print ("timeline: %u spans (%u records) visible at 1280x800, %s renderer; %u rectangles drawn after level of detail\n",
           2 * n, _ls_timeline_view_get_n_records (LS_TIMELINE_VIEW (view)),
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (gtk_widget_get_native (view))),
           _ls_timeline_view_get_last_n_drawn (LS_TIMELINE_VIEW (view)));
  g_print ("timeline: snapshot median %.2f ms, p99 %.2f ms, max %.2f ms\n",
           ls_test_percentile (snap_us, 0.5) / 1e3, ls_test_percentile (snap_us, 0.99) / 1e3,
           g_array_index (snap_us, gint64, snap_us->len - 1) / 1e3);
  g_print ("timeline: snapshot + render median %.2f ms, p99 %.2f ms, max %.2f ms (target <= 8 ms a frame)\n",
           ls_test_percentile (frame_us, 0.5) / 1e3, ls_test_percentile (frame_us, 0.99) / 1e3,
           g_array_index (frame_us, gint64, frame_us->len - 1) / 1e3);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
