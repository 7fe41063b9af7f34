/* ls-compare-plot.c: cumulative events against time since the request, one line per stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One shared time axis (0 is each stream's first request) and one count
 * axis, both from 0 to the largest of the lines, labelled at their ends.
 * A line is drawn per pixel column: the number of events at or before
 * that column's time, by binary search in the series' arrival times, so
 * a million events cost a few hundred lookups a frame.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-compare-plot.h"
#include "ls-format.h"
#include "ls-ui-util.h"

#define MARGIN_LEFT   56
#define MARGIN_BOTTOM 22
#define MARGIN_TOP    8
#define MARGIN_RIGHT  12

typedef struct
{
  LsCompareSeries *series;
  GdkRGBA          color;
} Line;

struct _LsComparePlot
{
  GtkWidget  parent_instance;

  GArray    *lines;  /* Line */
};

G_DEFINE_FINAL_TYPE (LsComparePlot, ls_compare_plot, GTK_TYPE_WIDGET)

/* How many of the @n sorted @times are at or before @t. */
static guint
count_at (const gint64 *times,
          guint         n,
          gint64        t)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (times[mid] <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
ls_compare_plot_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  LsComparePlot *self = LS_COMPARE_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double plot_w = width - MARGIN_LEFT - MARGIN_RIGHT;
  double plot_h = height - MARGIN_TOP - MARGIN_BOTTOM;
  gint64 t_max = 0;
  guint n_max = 0;
  GdkRGBA fg, dim, grid;
  char a[32];
  cairo_t *cr;

  if (plot_w <= 10 || plot_h <= 10)
    return;
  ls_widget_get_fg_color (widget, &fg);
  dim = fg;
  dim.alpha = 0.6f;
  grid = fg;
  grid.alpha = 0.15f;

  for (guint i = 0; i < self->lines->len; i++)
    {
      const Line *line = &g_array_index (self->lines, Line, i);
      guint n;
      const gint64 *times = ls_compare_series_get_times (line->series, &n);

      if (n > 0)
        t_max = MAX (t_max, times[n - 1]);
      n_max = MAX (n_max, n);
    }

  /* The axes, and their full scales. */
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (MARGIN_LEFT, MARGIN_TOP + plot_h, plot_w, 1));
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (MARGIN_LEFT, MARGIN_TOP, 1, plot_h));
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (MARGIN_LEFT, MARGIN_TOP, plot_w, 1));
  ls_snapshot_text (widget, snapshot, "0", MARGIN_LEFT - 6, MARGIN_TOP + plot_h, TRUE, TRUE, 1.0, &dim);
  ls_snapshot_text (widget, snapshot, ls_format_count (a, sizeof a, n_max), MARGIN_LEFT - 6, MARGIN_TOP + 6,
                    TRUE, TRUE, 1.0, &dim);
  ls_snapshot_text (widget, snapshot, ls_format_duration (a, sizeof a, t_max), MARGIN_LEFT + plot_w,
                    MARGIN_TOP + plot_h + MARGIN_BOTTOM / 2.0 + 2, TRUE, TRUE, 1.0, &dim);
  /* TRANSLATORS: the Compare plot's time axis, from each stream's first request. */
  ls_snapshot_text (widget, snapshot, _("since the request"), MARGIN_LEFT + 4,
                    MARGIN_TOP + plot_h + MARGIN_BOTTOM / 2.0 + 2, FALSE, TRUE, 1.0, &dim);

  if (n_max == 0 || t_max <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (MARGIN_LEFT, MARGIN_TOP, plot_w, plot_h));
  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->lines->len; i++)
    {
      const Line *line = &g_array_index (self->lines, Line, i);
      guint n;
      const gint64 *times = ls_compare_series_get_times (line->series, &n);

      if (n == 0)
        continue;
      gdk_cairo_set_source_rgba (cr, &line->color);
      cairo_move_to (cr, MARGIN_LEFT, MARGIN_TOP + plot_h);
      for (int x = 0; x <= (int) plot_w; x++)
        {
          gint64 t = (gint64) ((double) t_max * x / plot_w);
          guint count = count_at (times, n, t);

          cairo_line_to (cr, MARGIN_LEFT + x, MARGIN_TOP + plot_h - plot_h * count / n_max);
          /* A line ends at its last event, not at the axis's end. */
          if (count == n && t >= times[n - 1])
            break;
        }
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
ls_compare_plot_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 600;
    }
  else
    {
      *minimum = 120;
      *natural = 240;
    }
}

static void
ls_compare_plot_finalize (GObject *object)
{
  LsComparePlot *self = LS_COMPARE_PLOT (object);

  g_array_unref (self->lines);

  G_OBJECT_CLASS (ls_compare_plot_parent_class)->finalize (object);
}

static void
ls_compare_plot_class_init (LsComparePlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ls_compare_plot_finalize;
  widget_class->snapshot = ls_compare_plot_snapshot;
  widget_class->measure = ls_compare_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "compareplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ls_compare_plot_init (LsComparePlot *self)
{
  self->lines = g_array_new (FALSE, FALSE, sizeof (Line));
}

GtkWidget *
ls_compare_plot_new (void)
{
  return g_object_new (LS_TYPE_COMPARE_PLOT, NULL);
}

void
ls_compare_plot_clear (LsComparePlot *self)
{
  g_return_if_fail (LS_IS_COMPARE_PLOT (self));

  g_array_set_size (self->lines, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ls_compare_plot_add_line (LsComparePlot   *self,
                          LsCompareSeries *series,
                          const GdkRGBA   *color)
{
  Line line;

  g_return_if_fail (LS_IS_COMPARE_PLOT (self));
  g_return_if_fail (series != NULL);

  line.series = series;
  line.color = *color;
  g_array_append_val (self->lines, line);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
ls_compare_plot_get_n_lines (LsComparePlot *self)
{
  g_return_val_if_fail (LS_IS_COMPARE_PLOT (self), 0);

  return self->lines->len;
}
