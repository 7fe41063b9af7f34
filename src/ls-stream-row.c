/* ls-stream-row.c: one stream in the window's sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row follows its page: the page's "title" and "summary" (state,
 * countdown, failure reason) as they change, its "live" for the Stop
 * button, and, from the window's once-a-second refresh, the event rate
 * and a sparkline of it. Stop acts on the page; Duplicate and Close are
 * the window's (it owns the pages), asked for by the row's signals.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-sparkline.h"
#include "ls-stream-row.h"
#include "ls-ui-util.h"

struct _LsStreamRow
{
  GtkListBoxRow  parent_instance;

  /* Template widgets */
  GtkLabel      *title_label;
  GtkLabel      *location_label;
  GtkLabel      *summary_label;
  GtkLabel      *rate_label;
  GtkBox        *spark_box;
  GtkButton     *stop_button;

  LsSparkline   *spark;
  LsStreamPage  *page;
  const char    *summary_class; /* static: the CSS class on summary_label */
};

G_DEFINE_FINAL_TYPE (LsStreamRow, ls_stream_row, GTK_TYPE_LIST_BOX_ROW)

enum
{
  SIGNAL_CLOSE,
  SIGNAL_DUPLICATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ls_stream_row_sync (LsStreamRow *self)
{
  const char *css = NULL;
  const char *summary = ls_stream_page_get_summary (self->page, &css);
  const char *location = NULL;
  const char *title = ls_stream_page_get_title (self->page, &location);

  ls_label_set_text_if_changed (self->title_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), title);
  ls_label_set_text_if_changed (self->location_label, location != NULL ? location : "");
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), location != NULL);
  ls_label_set_text_if_changed (self->summary_label, summary);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label), summary);
  ls_widget_swap_css_class (GTK_WIDGET (self->summary_label), &self->summary_class, css);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), ls_stream_page_get_live (self->page));
}

static void
on_page_changed_cb (LsStreamRow *self,
                    GParamSpec  *pspec,
                    GObject     *page)
{
  ls_stream_row_sync (self);
}

static void
ls_stream_row_stop_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ls_stream_page_stop (LS_STREAM_ROW (widget)->page);
}

static void
ls_stream_row_close_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  g_signal_emit (widget, signals[SIGNAL_CLOSE], 0);
}

static void
ls_stream_row_duplicate_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  g_signal_emit (widget, signals[SIGNAL_DUPLICATE], 0);
}

static void
ls_stream_row_dispose (GObject *object)
{
  LsStreamRow *self = LS_STREAM_ROW (object);

  if (self->page != NULL)
    g_signal_handlers_disconnect_by_data (self->page, self);
  g_clear_object (&self->page);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_STREAM_ROW);

  G_OBJECT_CLASS (ls_stream_row_parent_class)->dispose (object);
}

static void
ls_stream_row_class_init (LsStreamRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_stream_row_dispose;

  /* The window closes the row's page (and the row). */
  signals[SIGNAL_CLOSE] =
    g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The window opens a new page with the same request, and connects it. */
  signals[SIGNAL_DUPLICATE] =
    g_signal_new ("duplicate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-stream-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, location_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, spark_box);
  gtk_widget_class_bind_template_child (widget_class, LsStreamRow, stop_button);

  gtk_widget_class_install_action (widget_class, "row.stop", NULL, ls_stream_row_stop_action);
  gtk_widget_class_install_action (widget_class, "row.close", NULL, ls_stream_row_close_action);
  gtk_widget_class_install_action (widget_class, "row.duplicate", NULL, ls_stream_row_duplicate_action);
}

static void
ls_stream_row_init (LsStreamRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->spark = LS_SPARKLINE (ls_sparkline_new (LS_SPARKLINE_RATE));
  gtk_widget_set_hexpand (GTK_WIDGET (self->spark), TRUE);
  gtk_box_append (self->spark_box, GTK_WIDGET (self->spark));
}

GtkWidget *
ls_stream_row_new (LsStreamPage *page)
{
  LsStreamRow *self;

  g_return_val_if_fail (LS_IS_STREAM_PAGE (page), NULL);

  self = g_object_new (LS_TYPE_STREAM_ROW, NULL);
  self->page = g_object_ref (page);
  g_signal_connect_object (page, "notify::title", G_CALLBACK (on_page_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (page, "notify::summary", G_CALLBACK (on_page_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (page, "notify::live", G_CALLBACK (on_page_changed_cb), self, G_CONNECT_SWAPPED);
  ls_stream_row_sync (self);
  ls_stream_row_refresh (self, g_get_monotonic_time ());

  return GTK_WIDGET (self);
}

LsStreamPage *
ls_stream_row_get_page (LsStreamRow *self)
{
  g_return_val_if_fail (LS_IS_STREAM_ROW (self), NULL);

  return self->page;
}

void
ls_stream_row_refresh (LsStreamRow *self,
                       gint64       now_us)
{
  LsStream *stream;
  LsStreamStats stats;
  char buf[32];

  g_return_if_fail (LS_IS_STREAM_ROW (self));

  stream = ls_stream_page_get_stream (self->page);
  /* A rate is of an open connection, as on the Stream page. */
  if (stream == NULL || ls_stream_get_state (stream) != LS_STREAM_OPEN)
    {
      ls_label_set_text_if_changed (self->rate_label, "—");
      if (stream != NULL && ls_stream_page_get_live (self->page))
        ls_sparkline_push (self->spark, now_us, 0);
      return;
    }
  ls_stream_get_stats (stream, &stats);
  ls_format_rate (buf, sizeof buf, stats.events_per_s);
  ls_label_set_text_if_changed (self->rate_label, buf);
  ls_sparkline_push (self->spark, now_us, stats.events_per_s);
}

const char *
ls_stream_row_get_rate_text (LsStreamRow *self)
{
  g_return_val_if_fail (LS_IS_STREAM_ROW (self), NULL);

  return gtk_label_get_label (self->rate_label);
}
