/* test-timeline-layout.c: the timeline's crossing arrows, span names and hits, laid out without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "ls-event-path.h"
#include "ls-timeline-arrows.h"

/* Adds @n crossings from lane @from to lane @to, dispatched @step px
 * apart from @x, each waiting @wait_us (the i-th waits i µs more), and
 * collects the arrows that come out. */
static void
add_run (LsArrowLayout *layout,
         GArray        *arrows,
         int            from,
         int            to,
         double         x,
         double         step,
         guint          n,
         gint64         wait_us)
{
  for (guint i = 0; i < n; i++)
    {
      LsCrossingPoint point = {
        .x_post = x + i * step - 10, .x_dispatch = x + i * step,
        .from = from, .to = to, .wait_us = wait_us + i,
      };
      LsArrow arrow;

      if (ls_arrow_layout_add (layout, &point, &arrow))
        g_array_append_val (arrows, arrow);
    }
}

static void
flush_all (LsArrowLayout *layout,
           GArray        *arrows)
{
  LsArrow arrow;

  while (ls_arrow_layout_flush (layout, &arrow))
    g_array_append_val (arrows, arrow);
}

/* Sparse crossings: one arrow each, from its post to its dispatch. */
static void
test_sparse (void)
{
  g_autoptr(GArray) arrows = g_array_new (FALSE, FALSE, sizeof (LsArrow));
  LsArrowLayout layout;

  ls_arrow_layout_init (&layout, 8.0);
  add_run (&layout, arrows, 1, 0, 100, 50, 4, 1200);
  flush_all (&layout, arrows);
  g_assert_cmpuint (arrows->len, ==, 4);
  for (guint i = 0; i < arrows->len; i++)
    {
      const LsArrow *a = &g_array_index (arrows, LsArrow, i);

      g_assert_cmpuint (a->count, ==, 1);
      g_assert_cmpfloat (a->x_dispatch, ==, 100 + i * 50);
      g_assert_cmpfloat (a->x_post, ==, 100 + i * 50 - 10);
      g_assert_cmpint (a->from, ==, 1);
      g_assert_cmpint (a->to, ==, 0);
      g_assert_cmpint (a->max_wait_us, ==, 1200 + i);
    }
}

/* Dense crossings: merged per gap, counted, the longest wait kept, and
 * the count of arrows bounded by the width, not by the crossings. */
static void
test_dense (void)
{
  g_autoptr(GArray) arrows = g_array_new (FALSE, FALSE, sizeof (LsArrow));
  LsArrowLayout layout;
  guint total = 0;

  ls_arrow_layout_init (&layout, 8.0);
  /* 100,000 crossings over 1,000 px: 0.01 px apart. */
  add_run (&layout, arrows, 0, 1, 0, 0.01, 100000, 5);
  flush_all (&layout, arrows);
  g_assert_cmpuint (arrows->len, <=, 1000 / 8 + 1);
  g_assert_cmpuint (arrows->len, >=, 1000 / 8);
  for (guint i = 0; i < arrows->len; i++)
    {
      const LsArrow *a = &g_array_index (arrows, LsArrow, i);

      total += a->count;
      g_assert_cmpuint (a->count, >, 1);
      /* The arrow is the one that waited longest: the last of its group. */
      g_assert_cmpint (a->max_wait_us, ==, 5 + total - 1);
      g_assert_cmpfloat (a->x_post, ==, a->x_dispatch - 10);
    }
  g_assert_cmpuint (total, ==, 100000);
}

/* Pairs of lanes are merged apart; a crossing within one lane is no arrow;
 * lanes out of range are ignored. */
static void
test_pairs (void)
{
  g_autoptr(GArray) arrows = g_array_new (FALSE, FALSE, sizeof (LsArrow));
  LsArrowLayout layout;
  guint up = 0, down = 0;

  ls_arrow_layout_init (&layout, 8.0);
  for (guint i = 0; i < 10; i++)
    {
      add_run (&layout, arrows, 0, 1, 100 + i * 0.5, 0, 1, 10);
      add_run (&layout, arrows, 1, 0, 100 + i * 0.5, 0, 1, 20);
      add_run (&layout, arrows, 2, 2, 100 + i * 0.5, 0, 1, 30);
      add_run (&layout, arrows, 3, 0, 100 + i * 0.5, 0, 1, 30);
      add_run (&layout, arrows, -1, 0, 100 + i * 0.5, 0, 1, 30);
    }
  flush_all (&layout, arrows);
  g_assert_cmpuint (arrows->len, ==, 2);
  for (guint i = 0; i < arrows->len; i++)
    {
      const LsArrow *a = &g_array_index (arrows, LsArrow, i);

      g_assert_cmpuint (a->count, ==, 10);
      if (a->from == 0)
        {
          down++;
          g_assert_cmpint (a->max_wait_us, ==, 10);
        }
      else
        {
          up++;
          g_assert_cmpint (a->max_wait_us, ==, 20);
        }
    }
  g_assert_cmpuint (up, ==, 1);
  g_assert_cmpuint (down, ==, 1);
}

/* Zoom: the same crossings merge when zoomed out and separate when zoomed
 * in (their x are times scaled by pixels per microsecond). */
static void
test_zoom (void)
{
  static const gint64 dispatch_us[] = { 1000, 1500, 2000, 2500, 30000 };
  const double scales[] = { 0.001, 0.1 };  /* px per µs: 5 s and 50 ms across ~1000 px */
  guint expected[] = { 2, 5 };  /* zoomed out, the first four are one arrow */

  for (guint z = 0; z < G_N_ELEMENTS (scales); z++)
    {
      g_autoptr(GArray) arrows = g_array_new (FALSE, FALSE, sizeof (LsArrow));
      LsArrowLayout layout;
      LsArrow arrow;

      ls_arrow_layout_init (&layout, 8.0);
      for (guint i = 0; i < G_N_ELEMENTS (dispatch_us); i++)
        {
          LsCrossingPoint point = {
            .x_post = (dispatch_us[i] - 200) * scales[z], .x_dispatch = dispatch_us[i] * scales[z],
            .from = 1, .to = 0, .wait_us = 200,
          };

          if (ls_arrow_layout_add (&layout, &point, &arrow))
            g_array_append_val (arrows, arrow);
        }
      flush_all (&layout, arrows);
      g_assert_cmpuint (arrows->len, ==, expected[z]);
    }
}

/* Labels: the wait alone, or the count and the longest wait; a lone
 * crossing whose wait is not visible gets none; labels never overlap. */
static void
test_labels (void)
{
  LsArrow lone = { .x_post = 100, .x_dispatch = 160, .count = 1, .max_wait_us = 1200 };
  LsArrow tiny = { .x_post = 100, .x_dispatch = 101, .count = 1, .max_wait_us = 10 };
  LsArrow many = { .x_post = 100, .x_dispatch = 101, .count = 12, .max_wait_us = 3400 };
  char label[64];

  g_assert_cmpstr (ls_arrow_label (&lone, label, sizeof label), ==, "1.20 ms");
  g_assert_cmpstr (ls_arrow_label (&many, label, sizeof label), ==, "×12, max 3.40 ms");
  g_assert_true (ls_arrow_label_fits (&lone, -G_MAXDOUBLE));
  g_assert_false (ls_arrow_label_fits (&tiny, -G_MAXDOUBLE));
  g_assert_true (ls_arrow_label_fits (&many, -G_MAXDOUBLE));
  /* The label starts right of the arrow; the next must start past its end. */
  g_assert_cmpfloat (ls_arrow_label_x (&lone), ==, 164);
  g_assert_false (ls_arrow_label_fits (&lone, 162));
  g_assert_true (ls_arrow_label_fits (&lone, 160));
}

/* A span's name: only inside a bar whose visible part is wide enough
 * (level of detail), and only over that visible part. */
static void
test_span_labels (void)
{
  double b0 = 0, b1 = 0;

  /* Narrower than the threshold: no name. */
  g_assert_false (ls_span_label_box (200, 200 + LS_SPAN_LABEL_MIN_PX - 1, 112, 800, &b0, &b1));
  /* Wide enough: padded on both sides. */
  g_assert_true (ls_span_label_box (200, 300, 112, 800, &b0, &b1));
  g_assert_cmpfloat (b0, ==, 200 + LS_SPAN_LABEL_PAD_PX);
  g_assert_cmpfloat (b1, ==, 300 - LS_SPAN_LABEL_PAD_PX);
  /* Wide, but mostly left of the plot: what is visible counts. */
  g_assert_false (ls_span_label_box (0, 120, 112, 800, &b0, &b1));
  g_assert_true (ls_span_label_box (0, 200, 112, 800, &b0, &b1));
  g_assert_cmpfloat (b0, ==, 112 + LS_SPAN_LABEL_PAD_PX);
  /* Past the right edge: clipped there. */
  g_assert_true (ls_span_label_box (700, 5000, 112, 800, &b0, &b1));
  g_assert_cmpfloat (b1, ==, 800 - LS_SPAN_LABEL_PAD_PX);
  /* Entirely off screen. */
  g_assert_false (ls_span_label_box (900, 5000, 112, 800, &b0, &b1));
}

/* Hit-testing a bar: on it is 0, off it the distance; a bar under a
 * pixel is still one pixel wide. */
static void
test_span_hits (void)
{
  g_assert_cmpfloat (ls_span_hit_distance (150, 100, 200), ==, 0);
  g_assert_cmpfloat (ls_span_hit_distance (100, 100, 200), ==, 0);
  g_assert_cmpfloat (ls_span_hit_distance (97, 100, 200), ==, 3);
  g_assert_cmpfloat (ls_span_hit_distance (205, 100, 200), ==, 5);
  /* Zero width: [100, 101]. */
  g_assert_cmpfloat (ls_span_hit_distance (100.5, 100, 100), ==, 0);
  g_assert_cmpfloat (ls_span_hit_distance (102, 100, 100), ==, 1);
}

/* An event's path among synthetic records: its read (found through its
 * parse, though another stream read at the same time), the parse, and the
 * first dispatch of its own stream's mailbox after the parse. */
static void
test_event_path (void)
{
  const char *read = g_intern_static_string ("stream.read");
  const char *parse = g_intern_static_string ("stream.parse");
  const char *box7 = g_intern_string ("stream 7");
  const char *box8 = g_intern_string ("stream 8");
  LsRecord records[] = {
    /* An earlier read of stream 7, its parse, its dispatch. */
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .id = 10, .name = read, .queued_us = 100, .start_us = 900, .end_us = 900 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .id = 11, .parent_id = 10, .name = parse, .start_us = 900, .end_us = 950 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_UI, .id = 12, .name = box7, .queued_us = 950, .start_us = 990, .end_us = 995 },
    /* Stream 8 reads at the very time; its parse is another. */
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .id = 20, .name = read, .queued_us = 950, .start_us = 1000, .end_us = 1000 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .id = 21, .name = read, .queued_us = 960, .start_us = 1000, .end_us = 1000 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .id = 22, .parent_id = 21, .name = parse, .start_us = 1000, .end_us = 1100 },
    /* Stream 8's mailbox first, then 7's, then 7's again. */
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_UI, .id = 23, .name = box8, .queued_us = 1100, .start_us = 1200, .end_us = 1210 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_UI, .id = 24, .name = box7, .queued_us = 1100, .start_us = 1300, .end_us = 1320 },
    { .kind = LS_RECORD_SPAN, .loop = LS_LOOP_UI, .id = 25, .name = box7, .queued_us = 1400, .start_us = 1500, .end_us = 1510 },
  };
  LsEventPath path;
  g_autofree char *text = NULL;

  g_assert_true (ls_event_path_find (records, G_N_ELEMENTS (records), 7, 1000, &path));
  g_assert_cmpuint (path.read->id, ==, 21);
  g_assert_cmpuint (path.parse->id, ==, 22);
  g_assert_cmpuint (path.deliver->id, ==, 24);

  /* read → parse 0.10 ms → to UI 0.22 ms → on screen 0.18 ms: 0.50 ms */
  text = ls_event_path_describe (&path, 1000, 1500);
  g_assert_cmpstr (text, ==, "read → parse 0.10 ms → to UI 0.22 ms → on screen 0.18 ms: 0.50 ms");

  /* The earlier event: its own read, parse and dispatch. */
  g_assert_true (ls_event_path_find (records, G_N_ELEMENTS (records), 7, 900, &path));
  g_assert_cmpuint (path.read->id, ==, 10);
  g_assert_cmpuint (path.parse->id, ==, 11);
  g_assert_cmpuint (path.deliver->id, ==, 12);

  /* Its parse gone from the ring: the read that ended then, no parse. */
  g_assert_true (ls_event_path_find (records + 3, 1, 8, 1000, &path));
  g_assert_cmpuint (path.read->id, ==, 20);
  g_assert_null (path.parse);
  g_assert_null (path.deliver);
  {
    LsRecord no_parse[] = { records[3], records[6] };

    g_assert_true (ls_event_path_find (no_parse, G_N_ELEMENTS (no_parse), 8, 1000, &path));
    g_assert_cmpuint (path.read->id, ==, 20);
    g_assert_null (path.parse);
    g_assert_cmpuint (path.deliver->id, ==, 23);
  }

  /* No read at that time: no path. */
  g_assert_false (ls_event_path_find (records, G_N_ELEMENTS (records), 7, 1001, &path));
  g_assert_null (path.read);
}

int
main (int   argc,
      char *argv[])
{
  /* Untranslated labels, a dot for decimals. */
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timeline-layout/sparse", test_sparse);
  g_test_add_func ("/timeline-layout/dense", test_dense);
  g_test_add_func ("/timeline-layout/pairs", test_pairs);
  g_test_add_func ("/timeline-layout/zoom", test_zoom);
  g_test_add_func ("/timeline-layout/labels", test_labels);
  g_test_add_func ("/timeline-layout/span-labels", test_span_labels);
  g_test_add_func ("/timeline-layout/span-hits", test_span_hits);
  g_test_add_func ("/timeline-layout/event-path", test_event_path);

  return g_test_run ();
}
