/* ls-sparkline.c: one figure's recent history, with its scale and time span
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A line over the last minute of samples (one per probe tick), scaled to
 * the largest of them, with two small labels that make it readable: the
 * full scale at the top ("max 2.10 ms") and the span at the bottom
 * ("60 s"). Samples live in a ring; drawing costs one pass over it.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-sparkline.h"
#include "ls-ui-util.h"

#define MAX_SAMPLES 600 /* a minute at the active probe's 100 ms */
#define HEIGHT 36

typedef struct
{
  gint64 time_us;
  double value;
} Sample;

struct _LsSparkline
{
  GtkWidget          parent_instance;

  LsSparklineFormat  format;
  Sample             samples[MAX_SAMPLES];
  guint              first;
  guint              n;
};

G_DEFINE_FINAL_TYPE (LsSparkline, ls_sparkline, GTK_TYPE_WIDGET)

static const Sample *
sample_at (LsSparkline *self,
           guint        i)
{
  return &self->samples[(self->first + i) % MAX_SAMPLES];
}

static double
ls_sparkline_max (LsSparkline *self)
{
  double max = 0.0;

  for (guint i = 0; i < self->n; i++)
    max = MAX (max, sample_at (self, i)->value);
  return max;
}

char *
ls_sparkline_dup_max_label (LsSparkline *self)
{
  double max;
  char a[48];

  g_return_val_if_fail (LS_IS_SPARKLINE (self), NULL);

  max = ls_sparkline_max (self);
  switch (self->format)
    {
    case LS_SPARKLINE_DURATION:
      ls_format_duration (a, sizeof a, (gint64) max);
      break;
    case LS_SPARKLINE_PERCENT:
      /* TRANSLATORS: a share, "35 %" (French: no-break space before %). */
      g_snprintf (a, sizeof a, _("%.0f %%"), max * 100.0);
      break;
    case LS_SPARKLINE_RATE:
    default:
      {
        char count[32];

        /* Translators: main loop iterations per second */
        g_snprintf (a, sizeof a, _("%s /s"), ls_format_count (count, sizeof count, (guint64) (max + 0.5)));
      }
      break;
    }
  /* Translators: a small graph's full scale, e.g. "max 1.20 ms" */
  return g_strdup_printf (_("max %s"), a);
}

char *
ls_sparkline_dup_span_label (LsSparkline *self)
{
  g_return_val_if_fail (LS_IS_SPARKLINE (self), NULL);

  /* Translators: the time a small graph spans, in seconds */
  return g_strdup_printf (_("%d s"), (int) (LS_SPARKLINE_SPAN_US / G_USEC_PER_SEC));
}

static void
ls_sparkline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  LsSparkline *self = LS_SPARKLINE (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  g_autofree char *max_label = NULL;
  g_autofree char *span_label = NULL;
  GdkRGBA fg, dim, area;
  double max, scale;
  gint64 now, t0;

  ls_widget_get_fg_color (widget, &fg);
  dim = fg;
  dim.alpha = 0.55f;
  area = fg;
  area.alpha = 0.12f;

  /* The axes: a baseline, and the scale and span written on them. */
  gtk_snapshot_append_color (snapshot, &area, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));

  if (self->n > 0)
    {
      cairo_t *cr;

      max = ls_sparkline_max (self);
      /* A flat zero stays on the baseline rather than filling the box. */
      scale = max > 0 ? (height - 2) / max : 0.0;
      now = sample_at (self, self->n - 1)->time_us;
      t0 = now - LS_SPARKLINE_SPAN_US;

      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      cairo_set_line_width (cr, 1.5);
      gdk_cairo_set_source_rgba (cr, &fg);
      for (guint i = 0; i < self->n; i++)
        {
          const Sample *s = sample_at (self, i);
          double x = width * (double) (s->time_us - t0) / (double) LS_SPARKLINE_SPAN_US;
          double y = height - 1 - s->value * scale;

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      cairo_destroy (cr);
    }

  max_label = ls_sparkline_dup_max_label (self);
  span_label = ls_sparkline_dup_span_label (self);
  ls_snapshot_text (widget, snapshot, max_label, 0, 0, FALSE, FALSE, 0.75, &dim);
  ls_snapshot_text (widget, snapshot, span_label, 0, height - 14, FALSE, FALSE, 0.75, &dim);
}

static void
ls_sparkline_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 80;
  else
    *minimum = *natural = HEIGHT;
}

static void
ls_sparkline_class_init (LsSparklineClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = ls_sparkline_snapshot;
  widget_class->measure = ls_sparkline_measure;
  gtk_widget_class_set_css_name (widget_class, "sparkline");
}

static void
ls_sparkline_init (LsSparkline *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
ls_sparkline_new (LsSparklineFormat format)
{
  LsSparkline *self = g_object_new (LS_TYPE_SPARKLINE, NULL);

  self->format = format;
  return GTK_WIDGET (self);
}

/**
 * ls_sparkline_push:
 * @time_us: monotonic time of the sample, not before the last one
 *
 * Adds a sample and forgets those older than the span.
 */
void
ls_sparkline_push (LsSparkline *self,
                   gint64       time_us,
                   double       value)
{
  g_return_if_fail (LS_IS_SPARKLINE (self));

  if (self->n == MAX_SAMPLES)
    {
      self->first = (self->first + 1) % MAX_SAMPLES;
      self->n--;
    }
  self->samples[(self->first + self->n) % MAX_SAMPLES] = (Sample) { time_us, MAX (value, 0.0) };
  self->n++;
  while (self->n > 1 && sample_at (self, 0)->time_us < time_us - LS_SPARKLINE_SPAN_US)
    {
      self->first = (self->first + 1) % MAX_SAMPLES;
      self->n--;
    }
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
ls_sparkline_get_n_samples (LsSparkline *self)
{
  g_return_val_if_fail (LS_IS_SPARKLINE (self), 0);

  return self->n;
}
