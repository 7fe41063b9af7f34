/* ls-loop-card.c: the live figures of one event loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The card is refreshed every frame, so it formats into stack buffers and
 * only hands a label new text when that text changed: an unchanged
 * gtk_label_set_text() would still cost a relayout.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ls-enum.h"
#include "ls-format.h"
#include "ls-loop-card.h"
#include "ls-loop-card-private.h"
#include "ls-sparkline.h"
#include "ls-ui-util.h"

struct _LsLoopCard
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkWidget     *box;
  GtkLabel      *title_label;
  GtkLabel      *thread_label;
  GtkLabel      *state_label;
  GtkLabel      *lag_label;
  GtkGrid       *grid;
  GtkLabel      *busy_label;
  GtkLabel      *iterations_label;
  GtkLabel      *dispatch_label;
  GtkLabel      *queue_title_label;
  GtkLabel      *queue_label;
  GtkLabel      *queues_label;
  GtkGrid       *slow_grid;
  GtkBox        *lint_box;

  LsSparkline   *lag_spark;
  LsSparkline   *busy_spark;
  LsSparkline   *iterations_spark;
  GtkLabel      *slow_none_label;
  GtkLabel      *slow_labels[LS_LOOP_MAX_SLOWEST][3];
  GtkLabel      *lint_labels[LS_LOOP_MAX_LINTS];
  guint64        last_ticks;
  LsDispatchStat slowest[LS_LOOP_MAX_SLOWEST];
  guint          n_slowest;

  gint           thread_id;
  LsWorkerState  state;
  gboolean       has_state;
  const char    *state_class;   /* static: the CSS class on state_label */
};

G_DEFINE_FINAL_TYPE (LsLoopCard, ls_loop_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_QUEUE_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The one human name of each loop state; the CSS class is its nick. */
static const char *
state_label (LsWorkerState state)
{
  switch (state)
    {
    case LS_WORKER_NEW:
      return C_("loop state", "Not started");
    case LS_WORKER_RUNNING:
      return C_("loop state", "Running");
    case LS_WORKER_STOPPING:
      return C_("loop state", "Stopping");
    case LS_WORKER_CLOSED:
      return C_("loop state", "Closed");
    default:
      return "?";
    }
}

static void
ls_loop_card_set_state (LsLoopCard    *self,
                        LsWorkerState  state)
{
  if (self->has_state && self->state == state)
    return;

  self->state = state;
  self->has_state = TRUE;
  gtk_label_set_label (self->state_label, state_label (state));
  /* The pill's colour follows the state. */
  ls_widget_swap_css_class (GTK_WIDGET (self->state_label), &self->state_class,
                            ls_enum_to_nick (LS_TYPE_WORKER_STATE, state));
}

static void
ls_loop_card_dispose (GObject *object)
{
  LsLoopCard *self = LS_LOOP_CARD (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_LOOP_CARD);

  G_OBJECT_CLASS (ls_loop_card_parent_class)->dispose (object);
}

static void
ls_loop_card_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LsLoopCard *self = LS_LOOP_CARD (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, ls_loop_card_get_title (self));
      break;

    case PROP_QUEUE_TITLE:
      g_value_set_string (value, ls_loop_card_get_queue_title (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_loop_card_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LsLoopCard *self = LS_LOOP_CARD (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      ls_loop_card_set_title (self, g_value_get_string (value));
      break;

    case PROP_QUEUE_TITLE:
      ls_loop_card_set_queue_title (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_loop_card_class_init (LsLoopCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_loop_card_dispose;
  object_class->get_property = ls_loop_card_get_property;
  object_class->set_property = ls_loop_card_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_QUEUE_TITLE] =
    g_param_spec_string ("queue-title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-loop-card.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "loopcard");
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, box);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, thread_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, state_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, lag_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, busy_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, grid);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, iterations_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, dispatch_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, queue_title_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, queue_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, queues_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, slow_grid);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, lint_box);
}

static GtkLabel *
slow_cell (LsLoopCard *self,
           int         column,
           int         row,
           const char *text,
           gboolean    header)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (text));

  gtk_label_set_xalign (label, column == 0 ? 0.0f : 1.0f);
  gtk_widget_add_css_class (GTK_WIDGET (label), "caption");
  if (header)
    gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (label), "numeric");
  if (column == 0)
    {
      gtk_label_set_ellipsize (label, PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_set_hexpand (GTK_WIDGET (label), TRUE);
    }
  gtk_grid_attach (self->slow_grid, GTK_WIDGET (label), column, row, 1, 1);
  return label;
}

static void
ls_loop_card_init (LsLoopCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->lag_spark = LS_SPARKLINE (ls_sparkline_new (LS_SPARKLINE_DURATION));
  self->busy_spark = LS_SPARKLINE (ls_sparkline_new (LS_SPARKLINE_PERCENT));
  self->iterations_spark = LS_SPARKLINE (ls_sparkline_new (LS_SPARKLINE_RATE));
  gtk_grid_attach (self->grid, GTK_WIDGET (self->lag_spark), 0, 1, 2, 1);
  gtk_grid_attach (self->grid, GTK_WIDGET (self->busy_spark), 0, 3, 2, 1);
  gtk_grid_attach (self->grid, GTK_WIDGET (self->iterations_spark), 0, 5, 2, 1);

  /* Translators: column of the slowest dispatches: the GSource's name */
  slow_cell (self, 0, 0, C_("dispatches", "Source"), TRUE);
  /* Translators: column of the slowest dispatches: how many went over the frame budget */
  slow_cell (self, 1, 0, C_("dispatches", "Over budget"), TRUE);
  /* Translators: column of the slowest dispatches: the longest one */
  slow_cell (self, 2, 0, C_("dispatches", "Worst"), TRUE);
  for (int row = 0; row < LS_LOOP_MAX_SLOWEST; row++)
    for (int column = 0; column < 3; column++)
      {
        self->slow_labels[row][column] = slow_cell (self, column, row + 1, "", FALSE);
        gtk_widget_set_visible (GTK_WIDGET (self->slow_labels[row][column]), FALSE);
      }
  self->slow_none_label = slow_cell (self, 0, 1, _("None in the last minute"), TRUE);

  for (int i = 0; i < LS_LOOP_MAX_LINTS; i++)
    {
      self->lint_labels[i] = GTK_LABEL (gtk_label_new (""));
      gtk_label_set_xalign (self->lint_labels[i], 0.0f);
      gtk_label_set_ellipsize (self->lint_labels[i], PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (GTK_WIDGET (self->lint_labels[i]), "ls-lint");
      gtk_widget_add_css_class (GTK_WIDGET (self->lint_labels[i]), "caption");
      gtk_widget_set_visible (GTK_WIDGET (self->lint_labels[i]), FALSE);
      gtk_box_append (self->lint_box, GTK_WIDGET (self->lint_labels[i]));
    }
}

/* One line per lint: the source's name first, then what is wrong. */
static char *
lint_text (const LsLoopLint *lint)
{
  char a[48];

  switch (lint->kind)
    {
    case LS_LOOP_LINT_UNNAMED:
      g_snprintf (a, sizeof a, "%" G_GINT64_FORMAT, lint->value);
      /* Translators: a lint; %s is the GSource's id */
      return g_strdup_printf (_("Source %s has no name (g_source_set_name)"), a);
    case LS_LOOP_LINT_IDLE_SPINS:
      /* Translators: a lint; the source's name, then how many loop iterations in a row it ran */
      return g_strdup_printf (_("%s: idle source spins (%s iterations in a row)"), lint->name,
                              ls_format_count (a, sizeof a, (guint64) lint->value));
    case LS_LOOP_LINT_TIMER_LATE:
      /* Translators: a lint; the source's name, then how late it fired */
      return g_strdup_printf (_("%s: timer later each time (%s late)"), lint->name,
                              ls_format_duration (a, sizeof a, lint->value));
    case LS_LOOP_LINT_OVER_BUDGET:
    default:
      /* Translators: a lint; the source's name, then how long one dispatch took */
      return g_strdup_printf (_("%s: dispatch took %s, over the frame budget"), lint->name,
                              ls_format_duration (a, sizeof a, lint->value));
    }
}

static void
ls_loop_card_update_slowest (LsLoopCard        *self,
                             const LsLoopStats *stats)
{
  char a[48];

  gtk_widget_set_visible (GTK_WIDGET (self->slow_none_label), stats->n_slowest == 0);
  for (guint row = 0; row < LS_LOOP_MAX_SLOWEST; row++)
    {
      gboolean shown = row < stats->n_slowest;

      for (int column = 0; column < 3; column++)
        gtk_widget_set_visible (GTK_WIDGET (self->slow_labels[row][column]), shown);
      if (!shown)
        continue;
      ls_label_set_text_if_changed (self->slow_labels[row][0], stats->slowest[row].name);
      ls_label_set_text_if_changed (self->slow_labels[row][1],
                                    ls_format_count (a, sizeof a, stats->slowest[row].over_budget));
      ls_label_set_text_if_changed (self->slow_labels[row][2],
                                    ls_format_duration (a, sizeof a, stats->slowest[row].worst_us));
      if (stats->slowest[row].over_budget > 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->slow_labels[row][2]), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->slow_labels[row][2]), "error");
    }
  self->n_slowest = stats->n_slowest;
  memcpy (self->slowest, stats->slowest, sizeof self->slowest);

  for (guint i = 0; i < LS_LOOP_MAX_LINTS; i++)
    {
      gboolean shown = i < stats->n_lints;

      gtk_widget_set_visible (GTK_WIDGET (self->lint_labels[i]), shown);
      if (shown)
        {
          g_autofree char *text = lint_text (&stats->lints[i]);

          ls_label_set_text_if_changed (self->lint_labels[i], text);
          if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self->lint_labels[i])), text) != 0)
            gtk_widget_set_tooltip_text (GTK_WIDGET (self->lint_labels[i]), text);
        }
    }
}

static void
ls_loop_card_update_queues (LsLoopCard        *self,
                            const LsLoopStats *stats)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char a[32];

  for (guint i = 0; i < MIN (stats->n_queues, LS_LOOP_MAX_QUEUES); i++)
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      /* Translators: one mailbox's depth, "bridge.post_ui 3" */
      g_string_append_printf (text, C_("queue depth", "%s %s"), stats->queues[i].name,
                              ls_format_count (a, sizeof a, stats->queues[i].depth));
    }
  if (stats->n_queues > LS_LOOP_MAX_QUEUES)
    {
      /* Translators: after the first mailboxes' depths: how many more there are */
      g_string_append_printf (text, _(" · %s more"),
                              ls_format_count (a, sizeof a, stats->n_queues - LS_LOOP_MAX_QUEUES));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->queues_label), text->len > 0);
  ls_label_set_text_if_changed (self->queues_label, text->str);
}

GtkWidget *
ls_loop_card_new (void)
{
  return g_object_new (LS_TYPE_LOOP_CARD, NULL);
}

const char *
ls_loop_card_get_title (LsLoopCard *self)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), NULL);

  return gtk_label_get_label (self->title_label);
}

void
ls_loop_card_set_title (LsLoopCard *self,
                        const char *title)
{
  g_return_if_fail (LS_IS_LOOP_CARD (self));

  if (g_strcmp0 (title, ls_loop_card_get_title (self)) == 0)
    return;

  gtk_label_set_label (self->title_label, title ? title : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
ls_loop_card_get_queue_title (LsLoopCard *self)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), NULL);

  return gtk_label_get_label (self->queue_title_label);
}

void
ls_loop_card_set_queue_title (LsLoopCard *self,
                              const char *queue_title)
{
  g_return_if_fail (LS_IS_LOOP_CARD (self));

  if (g_strcmp0 (queue_title, ls_loop_card_get_queue_title (self)) == 0)
    return;

  gtk_label_set_label (self->queue_title_label, queue_title ? queue_title : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_TITLE]);
}

/**
 * ls_loop_card_update:
 * @stats: the probe's latest figures
 * @state: the loop's state, shown as a pill (the UI loop is always
 *   %LS_WORKER_RUNNING while it can be seen)
 * @queue_depth: bridge messages waiting to run on this loop
 *
 * Called once per frame; cheap when nothing changed.
 */
void
ls_loop_card_update (LsLoopCard        *self,
                     const LsLoopStats *stats,
                     LsWorkerState      state,
                     guint              queue_depth)
{
  char a[48];
  char b[48];
  char text[128];

  g_return_if_fail (LS_IS_LOOP_CARD (self));
  g_return_if_fail (stats != NULL);

  ls_loop_card_set_state (self, state);

  self->thread_id = stats->thread_id;
  if (stats->thread_id != 0)
    {
      /* Translators: the thread that owns a loop: its name and kernel thread id */
      g_snprintf (text, sizeof text, _("%s · thread %d"),
                  stats->thread_name[0] ? stats->thread_name : "?",
                  stats->thread_id);
      ls_label_set_text_if_changed (self->thread_label, text);
    }
  else
    {
      ls_label_set_text_if_changed (self->thread_label, _("No owner thread yet"));
    }

  if (stats->ticks == 0)
    {
      /* Nothing measured yet: dashes rather than zeros that look like data. */
      ls_label_set_text_if_changed (self->lag_label, "—");
      ls_label_set_text_if_changed (self->busy_label, "—");
      ls_label_set_text_if_changed (self->iterations_label, "—");
      ls_label_set_text_if_changed (self->dispatch_label, "—");
    }
  else
    {
      /* Translators: loop lag, "<last> · max <worst>" */
      g_snprintf (text, sizeof text, _("%s · max %s"),
                  ls_format_duration (a, sizeof a, stats->lag_us),
                  ls_format_duration (b, sizeof b, stats->lag_max_us));
      ls_label_set_text_if_changed (self->lag_label, text);

      /* TRANSLATORS: how busy a loop is, "12.5 %" (French: no-break space before %). */
      g_snprintf (text, sizeof text, _("%.1f %%"), CLAMP (stats->busy_fraction, 0.0, 1.0) * 100.0);
      ls_label_set_text_if_changed (self->busy_label, text);

      /* Translators: main loop iterations per second */
      g_snprintf (text, sizeof text, _("%s /s"),
                  ls_format_count (a, sizeof a, (guint64) (stats->iterations_per_s + 0.5)));
      ls_label_set_text_if_changed (self->iterations_label, text);

      /* Translators: longest dispatch, "<in the last second> · max <since start>" */
      g_snprintf (text, sizeof text, _("%s · max %s"),
                  ls_format_duration (a, sizeof a, stats->recent_longest_dispatch_us),
                  ls_format_duration (b, sizeof b, stats->longest_dispatch_us));
      ls_label_set_text_if_changed (self->dispatch_label, text);
    }

  /* Translators: bridge messages waiting in a queue */
  g_snprintf (text, sizeof text, _("%s waiting"), ls_format_count (a, sizeof a, queue_depth));
  ls_label_set_text_if_changed (self->queue_label, text);

  /* A sample per probe tick, not per frame. */
  if (stats->ticks != 0 && stats->ticks != self->last_ticks)
    {
      gint64 now = g_get_monotonic_time ();

      self->last_ticks = stats->ticks;
      ls_sparkline_push (self->lag_spark, now, (double) stats->lag_us);
      ls_sparkline_push (self->busy_spark, now, CLAMP (stats->busy_fraction, 0.0, 1.0));
      ls_sparkline_push (self->iterations_spark, now, stats->iterations_per_s);
      ls_loop_card_update_queues (self, stats);
      ls_loop_card_update_slowest (self, stats);
    }
}

/**
 * _ls_loop_card_get_slow_source:
 * @name: a GSource name
 * @over_budget: (out) (optional): its dispatches over the frame budget
 * @worst_us: (out) (optional): its longest dispatch
 *
 * Returns: whether the card lists @name among the slowest dispatches
 */
gboolean
_ls_loop_card_get_slow_source (LsLoopCard *self,
                               const char *name,
                               guint64    *over_budget,
                               gint64     *worst_us)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), FALSE);

  for (guint i = 0; i < self->n_slowest; i++)
    if (g_strcmp0 (self->slowest[i].name, name) == 0
        && g_strcmp0 (gtk_label_get_label (self->slow_labels[i][0]), name) == 0)
      {
        if (over_budget != NULL)
          *over_budget = self->slowest[i].over_budget;
        if (worst_us != NULL)
          *worst_us = self->slowest[i].worst_us;
        return TRUE;
      }
  return FALSE;
}

/**
 * _ls_loop_card_get_sparkline:
 * @which: 0 lag, 1 busy, 2 iterations
 *
 * Returns: (transfer none): the sparkline
 */
LsSparkline *
_ls_loop_card_get_sparkline (LsLoopCard *self,
                             guint       which)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), NULL);

  return which == 0 ? self->lag_spark : which == 1 ? self->busy_spark : self->iterations_spark;
}

/**
 * _ls_loop_card_get_thread_id:
 *
 * Returns: the owner thread id on display, 0 while there is none
 */
gint
_ls_loop_card_get_thread_id (LsLoopCard *self)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), 0);

  return self->thread_id;
}

/**
 * _ls_loop_card_get_state:
 *
 * Returns: the state on display, %LS_WORKER_NEW before the first update
 */
LsWorkerState
_ls_loop_card_get_state (LsLoopCard *self)
{
  g_return_val_if_fail (LS_IS_LOOP_CARD (self), LS_WORKER_NEW);

  return self->state;
}
