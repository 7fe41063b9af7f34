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
  GtkLabel      *busy_label;
  GtkLevelBar   *busy_bar;
  GtkLabel      *iterations_label;
  GtkLabel      *dispatch_label;
  GtkLabel      *queue_title_label;
  GtkLabel      *queue_label;

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
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, busy_bar);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, iterations_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, dispatch_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, queue_title_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopCard, queue_label);
}

static void
ls_loop_card_init (LsLoopCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The default offsets colour a LOW level as a warning; for "busy" low is
   * the good case, so show a plain bar. */
  gtk_level_bar_remove_offset_value (self->busy_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->busy_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->busy_bar, GTK_LEVEL_BAR_OFFSET_FULL);
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
      gtk_level_bar_set_value (self->busy_bar, 0.0);
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
      if (gtk_level_bar_get_value (self->busy_bar) != CLAMP (stats->busy_fraction, 0.0, 1.0))
        gtk_level_bar_set_value (self->busy_bar, CLAMP (stats->busy_fraction, 0.0, 1.0));

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
