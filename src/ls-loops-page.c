/* ls-loops-page.c: the Loops page: both loops' live figures and the bridge stress test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page shows; it runs nothing. The figures come from two probes (the
 * UI loop's, which the window owns, and the worker's own) and from the
 * window's LsStress, and are pulled by ls_loops_page_refresh(), which the
 * window calls while the page is shown (once per frame while a stream or
 * a stress run is live, once a second otherwise) and when it is shown. The Run and Cancel buttons are
 * the window's "win.stress-test" and "win.stress-test-cancel" actions.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-loops-page.h"
#include "ls-ui-util.h"

struct _LsLoopsPage
{
  GtkWidget       parent_instance;

  /* Template widgets */
  LsLoopCard     *ui_card;
  LsLoopCard     *worker_card;
  GtkLabel       *stress_description_label;
  GtkProgressBar *stress_progress;
  GtkLabel       *stress_count_label;
  GtkLabel       *stress_inflight_label;
  GtkLabel       *stress_elapsed_label;
  GtkLabel       *stress_rate_label;
  GtkLabel       *stress_result_label;

  LsLoopProbe    *ui_probe;
  LsBridge       *bridge;
  LsStress       *stress;
};

G_DEFINE_FINAL_TYPE (LsLoopsPage, ls_loops_page, GTK_TYPE_WIDGET)

/* ---- the stress test ------------------------------------------------------ */

static void
ls_loops_page_update_stress_result (LsLoopsPage *self)
{
  LsStressState state = self->stress != NULL ? ls_stress_get_state (self->stress) : LS_STRESS_IDLE;
  LsStressProgress progress = { 0, };
  g_autofree char *text = NULL;
  char total[32];
  char count[32];
  char other[32];
  gboolean success = FALSE;

  if (self->stress != NULL)
    ls_stress_get_progress (self->stress, &progress);

  switch (state)
    {
    case LS_STRESS_IDLE:
      text = g_strdup (_("Not run yet."));
      break;

    case LS_STRESS_RUNNING:
      text = g_strdup_printf (_("Sending %s round trips…"),
                              ls_format_count (total, sizeof total, progress.total));
      break;

    case LS_STRESS_DONE:
      ls_format_count (total, sizeof total, progress.total);
      if (progress.lost == 0 && progress.duplicated == 0)
        {
          /* Translators: the stress test result, e.g. "100,000 round trips, none lost" */
          text = g_strdup_printf (_("%s round trips, none lost"), total);
          success = TRUE;
        }
      else
        {
          text = g_strdup_printf (_("%s round trips: %s lost, %s duplicated"), total,
                                  ls_format_count (count, sizeof count, progress.lost),
                                  ls_format_count (other, sizeof other, progress.duplicated));
        }
      break;

    case LS_STRESS_CANCELLED:
      text = g_strdup_printf (_("Cancelled after %s of %s round trips."),
                              ls_format_count (count, sizeof count, progress.back),
                              ls_format_count (total, sizeof total, progress.total));
      break;

    case LS_STRESS_FAILED:
      text = g_strdup_printf (_("Stopped after %s of %s round trips: the bridge refused the rest."),
                              ls_format_count (count, sizeof count, progress.back),
                              ls_format_count (total, sizeof total, progress.total));
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_label_set_label (self->stress_result_label, text);
  if (success)
    gtk_widget_add_css_class (GTK_WIDGET (self->stress_result_label), "success");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->stress_result_label), "success");
  if (state == LS_STRESS_FAILED || (state == LS_STRESS_DONE && !success))
    gtk_widget_add_css_class (GTK_WIDGET (self->stress_result_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->stress_result_label), "error");
}

static void
on_stress_state_cb (LsLoopsPage *self,
                    GParamSpec  *pspec,
                    LsStress    *stress)
{
  ls_loops_page_update_stress_result (self);
}

static void
ls_loops_page_refresh_stress (LsLoopsPage *self)
{
  LsStressProgress progress;
  char a[48];
  double fraction;

  if (self->stress == NULL || ls_stress_get_state (self->stress) == LS_STRESS_IDLE)
    return;

  ls_stress_get_progress (self->stress, &progress);
  fraction = progress.total > 0 ? (double) progress.back / progress.total : 0.0;
  if (gtk_progress_bar_get_fraction (self->stress_progress) != fraction)
    gtk_progress_bar_set_fraction (self->stress_progress, fraction);

  ls_label_set_text_if_changed (self->stress_count_label, ls_format_count (a, sizeof a, progress.back));
  ls_label_set_text_if_changed (self->stress_inflight_label, ls_format_count (a, sizeof a, progress.in_flight));
  ls_label_set_text_if_changed (self->stress_elapsed_label, ls_format_duration (a, sizeof a, progress.elapsed_us));

  if (progress.elapsed_us > 0)
    ls_label_set_text_if_changed (self->stress_rate_label,
                                  ls_format_count (a, sizeof a,
                                                   (guint64) (progress.back * (double) G_USEC_PER_SEC
                                                              / progress.elapsed_us)));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_loops_page_dispose (GObject *object)
{
  LsLoopsPage *self = LS_LOOPS_PAGE (object);

  if (self->stress != NULL)
    g_signal_handlers_disconnect_by_data (self->stress, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_LOOPS_PAGE);

  g_clear_object (&self->ui_probe);
  g_clear_object (&self->bridge);
  g_clear_object (&self->stress);

  G_OBJECT_CLASS (ls_loops_page_parent_class)->dispose (object);
}

static void
ls_loops_page_class_init (LsLoopsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_loops_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-loops-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, ui_card);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, worker_card);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_description_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_progress);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_count_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_inflight_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_rate_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, stress_result_label);

  g_type_ensure (LS_TYPE_LOOP_CARD);
}

static void
ls_loops_page_init (LsLoopsPage *self)
{
  g_autofree char *description = NULL;
  char total[32];
  char window[32];

  gtk_widget_init_template (GTK_WIDGET (self));

  description = g_strdup_printf (_("Sends %s round trips UI → worker → UI, at most %s in flight, "
                                   "and checks that each one comes back exactly once. "
                                   "Watch the UI loop’s lag while it runs."),
                                 ls_format_count (total, sizeof total, LS_STRESS_DEFAULT_ROUND_TRIPS),
                                 ls_format_count (window, sizeof window, LS_STRESS_MAX_IN_FLIGHT));
  gtk_label_set_label (self->stress_description_label, description);
}

GtkWidget *
ls_loops_page_new (void)
{
  return g_object_new (LS_TYPE_LOOPS_PAGE, NULL);
}

/**
 * ls_loops_page_set_engine:
 * @ui_probe: (nullable): the UI loop's probe
 * @bridge: (nullable): the bridge, whose worker the second card shows
 * @stress: (nullable): the stress test whose progress the page shows
 *
 * What the page shows; once, when the window is wired to the engine.
 */
void
ls_loops_page_set_engine (LsLoopsPage *self,
                          LsLoopProbe *ui_probe,
                          LsBridge    *bridge,
                          LsStress    *stress)
{
  g_return_if_fail (LS_IS_LOOPS_PAGE (self));
  g_return_if_fail (ui_probe == NULL || LS_IS_LOOP_PROBE (ui_probe));
  g_return_if_fail (bridge == NULL || LS_IS_BRIDGE (bridge));
  g_return_if_fail (stress == NULL || LS_IS_STRESS (stress));

  if (self->stress != NULL)
    g_signal_handlers_disconnect_by_data (self->stress, self);

  g_set_object (&self->ui_probe, ui_probe);
  g_set_object (&self->bridge, bridge);
  g_set_object (&self->stress, stress);

  if (self->stress != NULL)
    g_signal_connect_object (self->stress, "notify::state",
                             G_CALLBACK (on_stress_state_cb), self, G_CONNECT_SWAPPED);

  ls_loops_page_update_stress_result (self);
  ls_loops_page_refresh (self);
}

/**
 * ls_loops_page_refresh:
 *
 * Pulls the figures once; cheap when nothing changed.
 */
void
ls_loops_page_refresh (LsLoopsPage *self)
{
  LsLoopStats stats;
  guint ui_depth, worker_depth = 0;

  g_return_if_fail (LS_IS_LOOPS_PAGE (self));

  if (self->ui_probe == NULL)
    return;

  ls_loop_probe_get_stats (self->ui_probe, &stats);
  ui_depth = 0;
  if (self->bridge != NULL)
    {
      guint to_ui;

      ls_bridge_get_queue_depths (self->bridge, &worker_depth, &to_ui);
      ui_depth += to_ui;
    }
  if (self->stress != NULL)
    ui_depth += ls_stress_get_queued_replies (self->stress);
  /* The UI loop is running for as long as anyone can see this. */
  ls_loop_card_update (self->ui_card, &stats, LS_WORKER_RUNNING, ui_depth);

  if (self->bridge == NULL)
    return;

  if (ls_bridge_get_worker_loop_stats (self->bridge, &stats, NULL))
    ls_loop_card_update (self->worker_card, &stats, ls_bridge_get_worker_state (self->bridge),
                         worker_depth);

  ls_loops_page_refresh_stress (self);
}

/**
 * ls_loops_page_get_ui_card:
 *
 * Returns: (transfer none): the UI loop's card
 */
LsLoopCard *
ls_loops_page_get_ui_card (LsLoopsPage *self)
{
  g_return_val_if_fail (LS_IS_LOOPS_PAGE (self), NULL);

  return self->ui_card;
}

/**
 * ls_loops_page_get_worker_card:
 *
 * Returns: (transfer none): the worker loop's card
 */
LsLoopCard *
ls_loops_page_get_worker_card (LsLoopsPage *self)
{
  g_return_val_if_fail (LS_IS_LOOPS_PAGE (self), NULL);

  return self->worker_card;
}
