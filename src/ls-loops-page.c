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
 *
 * The guard buttons ("loops.refuse-*") make the classic mistakes on
 * purpose through the bridge, which refuses each with its typed error and
 * records it on the timeline; the page shows the message it got back.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-application.h"
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
  GtkLabel       *refuse_ui_run_label;
  GtkLabel       *refuse_nested_label;
  GtkLabel       *refuse_closed_label;
  GtkLabel       *refuse_wrong_thread_label;

  GError         *refusals[LS_GUARD_DEMO_N];
  GPtrArray      *throwaways;  /* stopped bridges, until their worker is CLOSED */

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

/* ---- guard demonstrations ------------------------------------------------- */

static GtkLabel *
refusal_label (LsLoopsPage *self,
               LsGuardDemo  demo)
{
  switch (demo)
    {
    case LS_GUARD_DEMO_UI_RUN:
      return self->refuse_ui_run_label;
    case LS_GUARD_DEMO_NESTED:
      return self->refuse_nested_label;
    case LS_GUARD_DEMO_CLOSED:
      return self->refuse_closed_label;
    case LS_GUARD_DEMO_WRONG_THREAD:
    case LS_GUARD_DEMO_N:
    default:
      return self->refuse_wrong_thread_label;
    }
}

static const char *
bridge_error_name (const GError *error)
{
  if (error->domain != LS_BRIDGE_ERROR)
    return "?";
  switch ((LsBridgeError) error->code)
    {
    case LS_BRIDGE_ERROR_CLOSED:
      return "CLOSED";
    case LS_BRIDGE_ERROR_WRONG_THREAD:
      return "WRONG_THREAD";
    case LS_BRIDGE_ERROR_FOREIGN_LOOP:
      return "FOREIGN_LOOP";
    case LS_BRIDGE_ERROR_LOOP_RUNNING:
      return "LOOP_RUNNING";
    case LS_BRIDGE_ERROR_FULL:
      return "FULL";
    default:
      return "?";
    }
}

/* Shows what the bridge said: "Refused (CODE): message", one line, in red;
 * the whole message in the tooltip. Takes @error. */
static void
ls_loops_page_show_refusal (LsLoopsPage *self,
                            LsGuardDemo  demo,
                            GError      *error)
{
  GtkLabel *label = refusal_label (self, demo);
  g_autofree char *text = NULL;

  g_clear_error (&self->refusals[demo]);
  self->refusals[demo] = error;
  if (error == NULL)
    {
      /* Not refused: the guard is broken, and the page says so. */
      gtk_label_set_label (label, _("Not refused: the guard did not hold!"));
    }
  else
    {
      /* Translators: a guard's refusal: its error code, then the bridge's message */
      text = g_strdup_printf (_("Refused (%s): %s"), bridge_error_name (error), error->message);
      gtk_label_set_label (label, text);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (label), "error");
}

/* A refusal that happened on another thread, on its way to the page. */
typedef struct
{
  GWeakRef     page;
  LsBridge    *bridge;
  LsGuardDemo  demo;
  GError      *error;
} DemoReply;

static DemoReply *
demo_reply_new (LsLoopsPage *self,
                LsGuardDemo  demo)
{
  DemoReply *reply = g_new0 (DemoReply, 1);

  g_weak_ref_init (&reply->page, self);
  reply->bridge = g_object_ref (self->bridge);
  reply->demo = demo;
  return reply;
}

static void
demo_reply_free (gpointer data)
{
  DemoReply *reply = data;

  g_weak_ref_clear (&reply->page);
  g_clear_object (&reply->bridge);
  g_clear_error (&reply->error);
  g_free (reply);
}

/* UI thread: the refusal arrives. */
static void
demo_reply_show_cb (gpointer data)
{
  DemoReply *reply = data;
  g_autoptr(LsLoopsPage) self = g_weak_ref_get (&reply->page);

  if (self != NULL)
    ls_loops_page_show_refusal (self, reply->demo, g_steal_pointer (&reply->error));
}

/* Any thread but the UI's: hands @reply (its error set) back across. */
static void
demo_reply_send (DemoReply *reply)
{
  LsBridge *bridge = reply->bridge;

  /* If even that is refused (the worker closed meanwhile), the reply is freed. */
  ls_bridge_post_ui (bridge, demo_reply_show_cb, reply, demo_reply_free, NULL);
}

static void
demo_nothing_cb (gpointer data)
{
}

/* On the worker, inside one of its callbacks: run the worker loop again. */
static void
demo_nested_cb (gpointer data)
{
  DemoReply *posted = data;
  DemoReply *reply = g_new0 (DemoReply, 1);

  /* The posted message is freed after this returns: move what we need. */
  g_weak_ref_init (&reply->page, NULL);
  {
    g_autoptr(GObject) page = g_weak_ref_get (&posted->page);

    g_weak_ref_set (&reply->page, page);
  }
  reply->bridge = g_object_ref (posted->bridge);
  reply->demo = posted->demo;
  ls_bridge_iterate_worker (reply->bridge, TRUE, &reply->error);
  demo_reply_send (reply);
}

/* A thread that is neither the UI's nor the worker's. */
static gpointer
demo_wrong_thread_main (gpointer data)
{
  DemoReply *reply = data;

  ls_bridge_post (reply->bridge, demo_nothing_cb, NULL, NULL, &reply->error);
  demo_reply_send (reply);
  return NULL;
}

static void
on_throwaway_state_cb (LsBridge    *bridge,
                       GParamSpec  *pspec,
                       LsLoopsPage *self)
{
  if (ls_bridge_get_worker_state (bridge) == LS_WORKER_CLOSED)
    {
      g_signal_handlers_disconnect_by_data (bridge, self);
      g_ptr_array_remove_fast (self->throwaways, bridge);
    }
}

static void
ls_loops_page_refuse_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  LsLoopsPage *self = LS_LOOPS_PAGE (widget);
  GError *error = NULL;

  if (self->bridge == NULL)
    return;

  if (g_str_equal (action_name, "loops.refuse-ui-run"))
    {
      /* We are in a UI callback: the worker loop is not ours to run. */
      ls_bridge_iterate_worker (self->bridge, TRUE, &error);
      ls_loops_page_show_refusal (self, LS_GUARD_DEMO_UI_RUN, error);
    }
  else if (g_str_equal (action_name, "loops.refuse-nested"))
    {
      if (!ls_bridge_post (self->bridge, demo_nested_cb, demo_reply_new (self, LS_GUARD_DEMO_NESTED),
                           demo_reply_free, &error))
        ls_loops_page_show_refusal (self, LS_GUARD_DEMO_NESTED, error);
    }
  else if (g_str_equal (action_name, "loops.refuse-closed"))
    {
      /* A bridge of its own, so the app's worker goes on. */
      g_autoptr(LsBridge) throwaway = ls_bridge_new (ls_bridge_get_recorder (self->bridge));

      if (ls_bridge_start (throwaway, &error) && ls_bridge_stop (throwaway, &error))
        ls_bridge_post (throwaway, demo_nothing_cb, NULL, NULL, &error);
      if (ls_bridge_get_worker_state (throwaway) != LS_WORKER_CLOSED)
        {
          g_ptr_array_add (self->throwaways, g_object_ref (throwaway));
          g_signal_connect_object (throwaway, "notify::worker-state",
                                   G_CALLBACK (on_throwaway_state_cb), self, 0);
        }
      ls_loops_page_show_refusal (self, LS_GUARD_DEMO_CLOSED, error);
    }
  else if (g_str_equal (action_name, "loops.refuse-wrong-thread"))
    {
      g_thread_unref (g_thread_new ("ls-guard-demo", demo_wrong_thread_main,
                                    demo_reply_new (self, LS_GUARD_DEMO_WRONG_THREAD)));
    }
}

/**
 * ls_loops_page_get_refusal:
 *
 * Returns: (nullable) (transfer none): the error the bridge gave @demo's
 *   button last time, NULL before the first press (or when it was not
 *   refused)
 */
const GError *
ls_loops_page_get_refusal (LsLoopsPage *self,
                           LsGuardDemo  demo)
{
  g_return_val_if_fail (LS_IS_LOOPS_PAGE (self), NULL);
  g_return_val_if_fail (demo < LS_GUARD_DEMO_N, NULL);

  return self->refusals[demo];
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
  if (self->throwaways != NULL)
    for (guint i = 0; i < self->throwaways->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->throwaways, i), self);
  g_clear_pointer (&self->throwaways, g_ptr_array_unref);
  for (guint i = 0; i < LS_GUARD_DEMO_N; i++)
    g_clear_error (&self->refusals[i]);

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
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, refuse_ui_run_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, refuse_nested_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, refuse_closed_label);
  gtk_widget_class_bind_template_child (widget_class, LsLoopsPage, refuse_wrong_thread_label);

  gtk_widget_class_install_action (widget_class, "loops.refuse-ui-run", NULL, ls_loops_page_refuse_action);
  gtk_widget_class_install_action (widget_class, "loops.refuse-nested", NULL, ls_loops_page_refuse_action);
  gtk_widget_class_install_action (widget_class, "loops.refuse-closed", NULL, ls_loops_page_refuse_action);
  gtk_widget_class_install_action (widget_class, "loops.refuse-wrong-thread", NULL, ls_loops_page_refuse_action);

  g_type_ensure (LS_TYPE_LOOP_CARD);
}

static void
ls_loops_page_init (LsLoopsPage *self)
{
  g_autofree char *description = NULL;
  char total[32];
  char window[32];

  gtk_widget_init_template (GTK_WIDGET (self));
  self->throwaways = g_ptr_array_new_with_free_func (g_object_unref);

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

/* The UI loop's state from its owner, the application; a page outside an
 * application's window (tests) reads it from the probe. */
static LsWorkerState
ls_loops_page_get_ui_loop_state (LsLoopsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  LsLoopStats stats;

  if (LS_IS_APPLICATION (app))
    return ls_application_get_ui_loop_state (LS_APPLICATION (app));
  ls_loop_probe_get_stats (self->ui_probe, &stats);
  return stats.attached ? LS_WORKER_RUNNING : LS_WORKER_CLOSED;
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
  /* Every mailbox drained on the UI loop (the bridge's, the worker's
   * reports, each stream's and the stress test's), as the probe counted
   * them at its last tick. */
  ui_depth = stats.queue_depth;
  if (self->bridge != NULL)
    ls_bridge_get_queue_depths (self->bridge, &worker_depth, NULL);
  ls_loop_card_update (self->ui_card, &stats, ls_loops_page_get_ui_loop_state (self), ui_depth);

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

/**
 * ls_loops_page_follow_stream:
 * @stream_id: the stream selected in the sidebar (0: none)
 *
 * The UI loop's card lists that stream's mailbox first among its queues.
 */
void
ls_loops_page_follow_stream (LsLoopsPage *self,
                             guint32      stream_id)
{
  g_autofree char *name = NULL;

  g_return_if_fail (LS_IS_LOOPS_PAGE (self));

  if (self->ui_probe == NULL)
    return;
  if (stream_id != 0)
    name = g_strdup_printf ("stream %u", stream_id);
  ls_loop_probe_set_first_queue (self->ui_probe, name);
}
