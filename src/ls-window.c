/* ls-window.c: the main window: both loops, the bridge stress test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on the UI thread. The figures are pulled once per
 * frame from two probes (ours on the default context, the worker's own);
 * the stress test talks to the worker only through the bridge and hears
 * back through a UI mailbox that dispose closes, so no reply can reach a
 * window that is gone.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-stream-page.h"
#include "ls-timeline-view.h"
#include "ls-window.h"

/* How often the UI probe's lag timer fires: often enough to catch a stall
 * of a few frames, rare enough to cost nothing. */
#define UI_PROBE_INTERVAL_MS 100

typedef struct
{
  LsStressState  state;
  LsMailbox     *replies;      /* the worker answers into this UI mailbox */
  guint8        *seen;         /* one byte per sequence number */
  guint          total;
  guint          sent;
  guint          replies_in;   /* every reply, duplicates included */
  guint          back;         /* distinct sequence numbers back */
  guint          duplicated;
  gint64         start_us;
  gint64         end_us;
} LsStress;

struct _LsWindow
{
  GtkApplicationWindow  parent_instance;

  /* Template widgets */
  GtkStack             *stack;
  LsStreamPage         *stream_page;
  LsTimelineView       *timeline_view;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  LsLoopCard           *ui_card;
  LsLoopCard           *worker_card;
  GtkLabel             *stress_description_label;
  GtkProgressBar       *stress_progress;
  GtkLabel             *stress_count_label;
  GtkLabel             *stress_inflight_label;
  GtkLabel             *stress_elapsed_label;
  GtkLabel             *stress_rate_label;
  GtkLabel             *stress_result_label;
  GtkLabel             *status_label;

  /* Borrowed from the application, referenced for our lifetime */
  LsBridge             *bridge;
  LsRecorder           *recorder;
  GSettings            *settings;

  LsLoopProbe          *ui_probe;
  guint                 tick_id;
  GtkFileChooserNative *export_chooser;
  GCancellable         *export_cancellable;

  LsStress              stress;

  /* Last figures shown in the status line, to format only on change */
  guint64               shown_guards;
  guint64               shown_total;
  guint64               shown_dropped;
  gboolean              status_shown;
};

G_DEFINE_FINAL_TYPE (LsWindow, ls_window, GTK_TYPE_APPLICATION_WINDOW)

typedef struct
{
  LsMailbox *replies;
  guint      seq;
} LsStressRequest;

static void ls_window_stress_pump (LsWindow *self);

static void
set_label_if_changed (GtkLabel   *label,
                      const char *text)
{
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
}

static void
ls_window_show_banner (LsWindow   *self,
                       const char *message)
{
  g_assert (LS_IS_WINDOW (self));

  gtk_label_set_label (self->banner_label, message);
  gtk_revealer_set_reveal_child (self->banner_revealer, message != NULL);
}

static gboolean
ls_window_worker_accepts_work (LsWindow *self)
{
  return self->bridge != NULL
         && !ls_bridge_is_closed (self->bridge)
         && ls_bridge_get_worker_state (self->bridge) == LS_WORKER_RUNNING;
}

static void
ls_window_update_actions (LsWindow *self)
{
  gboolean running = self->stress.state == LS_STRESS_RUNNING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stress",
                                 !running && ls_window_worker_accepts_work (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stress-cancel", running);
}

/* ---- the stress test ----------------------------------------------------- */

static void
ls_stress_request_free (gpointer data)
{
  LsStressRequest *request = data;

  ls_mailbox_unref (request->replies);
  g_free (request);
}

/* Runs on the worker loop: answer straight back across the bridge. The
 * sequence number travels in the pointer (+1, so it is never NULL), so the
 * reply allocates nothing. After a cancel the mailbox is closed and the
 * push is refused: that is fine, nobody is waiting. */
static void
ls_stress_request_run (gpointer data)
{
  LsStressRequest *request = data;

  ls_mailbox_push_data (request->replies, GUINT_TO_POINTER (request->seq + 1), NULL);
}

static void
ls_window_stress_update_result (LsWindow *self)
{
  LsStress *stress = &self->stress;
  g_autofree char *text = NULL;
  char total[32];
  char count[32];
  char other[32];
  guint lost = stress->total - stress->back;
  gboolean success = FALSE;

  switch (stress->state)
    {
    case LS_STRESS_IDLE:
      text = g_strdup (_("Not run yet."));
      break;

    case LS_STRESS_RUNNING:
      text = g_strdup_printf (_("Sending %s round trips…"),
                              ls_format_count (total, sizeof total, stress->total));
      break;

    case LS_STRESS_DONE:
      ls_format_count (total, sizeof total, stress->total);
      if (lost == 0 && stress->duplicated == 0)
        {
          /* Translators: the stress test result, e.g. "100,000 round trips, none lost" */
          text = g_strdup_printf (_("%s round trips, none lost"), total);
          success = TRUE;
        }
      else
        {
          text = g_strdup_printf (_("%s round trips: %s lost, %s duplicated"), total,
                                  ls_format_count (count, sizeof count, lost),
                                  ls_format_count (other, sizeof other, stress->duplicated));
        }
      break;

    case LS_STRESS_CANCELLED:
      text = g_strdup_printf (_("Cancelled after %s of %s round trips."),
                              ls_format_count (count, sizeof count, stress->back),
                              ls_format_count (total, sizeof total, stress->total));
      break;

    case LS_STRESS_FAILED:
      text = g_strdup_printf (_("Stopped after %s of %s round trips: the bridge refused the rest."),
                              ls_format_count (count, sizeof count, stress->back),
                              ls_format_count (total, sizeof total, stress->total));
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_label_set_label (self->stress_result_label, text);
  if (success)
    gtk_widget_add_css_class (GTK_WIDGET (self->stress_result_label), "success");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->stress_result_label), "success");
  if (stress->state == LS_STRESS_FAILED || (stress->state == LS_STRESS_DONE && !success))
    gtk_widget_add_css_class (GTK_WIDGET (self->stress_result_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->stress_result_label), "error");
}

static void
ls_window_stress_finish (LsWindow      *self,
                         LsStressState  state,
                         const char    *reason)
{
  LsStress *stress = &self->stress;

  g_assert (stress->state == LS_STRESS_RUNNING);
  g_assert (state != LS_STRESS_RUNNING && state != LS_STRESS_IDLE);

  stress->state = state;
  stress->end_us = g_get_monotonic_time ();

  /* Closing drops replies still queued and refuses the ones still to come
   * from requests in flight; their data is freed either way. */
  if (stress->replies != NULL)
    {
      ls_mailbox_close (stress->replies);
      g_clear_pointer (&stress->replies, ls_mailbox_unref);
    }
  g_clear_pointer (&stress->seen, g_free);

  if (reason != NULL)
    ls_window_show_banner (self, reason);

  ls_window_stress_update_result (self);
  ls_window_update_actions (self);
}

static void
on_stress_replies_cb (LsMailbox *mailbox,
                      LsMessage *messages,
                      guint      n_messages,
                      gpointer   user_data)
{
  LsWindow *self = user_data;
  LsStress *stress;
  guint i;

  g_assert (LS_IS_WINDOW (self));

  stress = &self->stress;

  /* A batch already swapped out when a run ended belongs to no one. */
  if (mailbox != stress->replies || stress->state != LS_STRESS_RUNNING)
    return;

  for (i = 0; i < n_messages; i++)
    {
      guint seq = GPOINTER_TO_UINT (messages[i].data);

      stress->replies_in++;
      if (seq == 0 || seq > stress->total || stress->seen[seq - 1])
        {
          stress->duplicated++;
          continue;
        }
      stress->seen[seq - 1] = 1;
      stress->back++;
    }

  /* Every request answers once: when as many replies as requests came
   * back, the run is over, and the bitmap says whether each sequence
   * number was among them. */
  if (stress->replies_in >= stress->total)
    ls_window_stress_finish (self, LS_STRESS_DONE, NULL);
  else
    ls_window_stress_pump (self);
}

/* Keeps at most LS_STRESS_MAX_IN_FLIGHT requests between the loops, so a
 * run of any length costs both loops a bounded amount of work per frame. */
static void
ls_window_stress_pump (LsWindow *self)
{
  LsStress *stress = &self->stress;

  g_assert (stress->state == LS_STRESS_RUNNING);

  while (stress->sent < stress->total
         && stress->sent - stress->replies_in < LS_STRESS_MAX_IN_FLIGHT)
    {
      g_autoptr(GError) error = NULL;
      LsStressRequest *request = g_new (LsStressRequest, 1);

      request->replies = ls_mailbox_ref (stress->replies);
      request->seq = stress->sent;

      /* On failure the bridge has already freed the request. */
      if (!ls_bridge_post (self->bridge, ls_stress_request_run, request,
                           ls_stress_request_free, &error))
        {
          ls_window_stress_finish (self, LS_STRESS_FAILED, error->message);
          return;
        }
      stress->sent++;
    }
}

/**
 * ls_window_start_stress:
 * @n_round_trips: how many requests to send UI → worker → UI
 *
 * Starts a stress run unless one is running. Progress and the result show
 * in the window; a problem shows as a one-line banner.
 *
 * Returns: %TRUE if a run started
 */
gboolean
ls_window_start_stress (LsWindow *self,
                        guint     n_round_trips)
{
  LsStress *stress;

  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (n_round_trips > 0, FALSE);

  stress = &self->stress;

  if (stress->state == LS_STRESS_RUNNING)
    return FALSE;

  if (!ls_window_worker_accepts_work (self))
    {
      ls_window_show_banner (self, _("The worker loop is not running: the bridge accepts no work."));
      ls_window_update_actions (self);
      return FALSE;
    }

  stress->replies = ls_bridge_new_ui_mailbox (self->bridge, "stress-replies",
                                              on_stress_replies_cb, self, NULL, NULL);
  if (stress->replies == NULL)
    {
      ls_window_show_banner (self, _("The bridge refused a new mailbox: it is closed."));
      return FALSE;
    }

  g_clear_pointer (&stress->seen, g_free);
  stress->seen = g_new0 (guint8, n_round_trips);
  stress->total = n_round_trips;
  stress->sent = 0;
  stress->replies_in = 0;
  stress->back = 0;
  stress->duplicated = 0;
  stress->start_us = g_get_monotonic_time ();
  stress->end_us = 0;
  stress->state = LS_STRESS_RUNNING;

  ls_window_show_banner (self, NULL);
  ls_window_stress_update_result (self);
  ls_window_update_actions (self);

  ls_window_stress_pump (self);

  return stress->state == LS_STRESS_RUNNING || stress->state == LS_STRESS_DONE;
}

void
ls_window_cancel_stress (LsWindow *self)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  if (self->stress.state == LS_STRESS_RUNNING)
    ls_window_stress_finish (self, LS_STRESS_CANCELLED, NULL);
}

LsStressState
ls_window_get_stress_state (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), LS_STRESS_IDLE);

  return self->stress.state;
}

/**
 * ls_window_get_stress_counts:
 * @n_total: (out) (optional): round trips asked for
 * @n_back: (out) (optional): distinct sequence numbers that came back
 * @n_lost: (out) (optional): sequence numbers that never came back
 * @n_duplicated: (out) (optional): replies for a number already back
 *
 * The figures of the current or last run. @n_lost is only final once the
 * run is %LS_STRESS_DONE.
 */
void
ls_window_get_stress_counts (LsWindow *self,
                             guint    *n_total,
                             guint    *n_back,
                             guint    *n_lost,
                             guint    *n_duplicated)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  if (n_total != NULL)
    *n_total = self->stress.total;
  if (n_back != NULL)
    *n_back = self->stress.back;
  if (n_lost != NULL)
    *n_lost = self->stress.total - self->stress.back;
  if (n_duplicated != NULL)
    *n_duplicated = self->stress.duplicated;
}

/* ---- once per frame ------------------------------------------------------ */

static void
ls_window_refresh_stress (LsWindow *self)
{
  LsStress *stress = &self->stress;
  char a[48];
  gint64 elapsed_us;
  double fraction;

  if (stress->state == LS_STRESS_IDLE)
    return;

  elapsed_us = (stress->state == LS_STRESS_RUNNING ? g_get_monotonic_time () : stress->end_us)
               - stress->start_us;
  fraction = stress->total > 0 ? (double) stress->back / stress->total : 0.0;
  if (gtk_progress_bar_get_fraction (self->stress_progress) != fraction)
    gtk_progress_bar_set_fraction (self->stress_progress, fraction);

  set_label_if_changed (self->stress_count_label, ls_format_count (a, sizeof a, stress->back));

  set_label_if_changed (self->stress_inflight_label,
                        ls_format_count (a, sizeof a,
                                         stress->state == LS_STRESS_RUNNING
                                           ? stress->sent - stress->replies_in : 0));

  set_label_if_changed (self->stress_elapsed_label, ls_format_duration (a, sizeof a, elapsed_us));

  if (elapsed_us > 0)
    set_label_if_changed (self->stress_rate_label,
                          ls_format_count (a, sizeof a,
                                           (guint64) (stress->back * (double) G_USEC_PER_SEC / elapsed_us)));
}

static void
ls_window_refresh_status (LsWindow *self)
{
  guint64 guards = ls_bridge_get_guard_count (self->bridge);
  guint64 total = ls_recorder_get_total (self->recorder);
  guint64 dropped = ls_recorder_get_dropped (self->recorder);
  g_autofree char *text = NULL;
  char a[32];
  char b[32];
  char c[32];

  if (self->status_shown
      && guards == self->shown_guards
      && total == self->shown_total
      && dropped == self->shown_dropped)
    return;

  self->status_shown = TRUE;
  self->shown_guards = guards;
  self->shown_total = total;
  self->shown_dropped = dropped;

  /* Translators: the status line: guard events refused by the bridge,
   * records in the task recorder, and how many it had to drop */
  text = g_strdup_printf (_("Guards: %s  ·  Records: %s (dropped %s)"),
                          ls_format_count (a, sizeof a, guards),
                          ls_format_count (b, sizeof b, total),
                          ls_format_count (c, sizeof c, dropped));
  gtk_label_set_label (self->status_label, text);
}

static void
ls_window_refresh (LsWindow *self)
{
  LsLoopStats stats;
  guint ui_depth, worker_depth;

  if (self->ui_probe == NULL)
    return;

  ls_loop_probe_get_stats (self->ui_probe, &stats);
  ui_depth = 0;
  worker_depth = 0;
  if (self->bridge != NULL)
    {
      guint to_ui;

      ls_bridge_get_queue_depths (self->bridge, &worker_depth, &to_ui);
      ui_depth += to_ui;
    }
  if (self->stress.replies != NULL)
    ui_depth += ls_mailbox_get_depth (self->stress.replies);
  /* The UI loop is running for as long as anyone can see this. */
  ls_loop_card_update (self->ui_card, &stats, "RUNNING", ui_depth);

  if (self->bridge == NULL)
    return;

  if (ls_bridge_get_worker_loop_stats (self->bridge, &stats, NULL))
    ls_loop_card_update (self->worker_card, &stats,
                         ls_worker_state_to_string (ls_bridge_get_worker_state (self->bridge)),
                         worker_depth);

  ls_window_refresh_status (self);
  ls_window_refresh_stress (self);
}

static gboolean
ls_window_tick_cb (GtkWidget     *widget,
                   GdkFrameClock *frame_clock,
                   gpointer       user_data)
{
  ls_window_refresh (LS_WINDOW (widget));

  return G_SOURCE_CONTINUE;
}

static void
on_worker_state_cb (LsWindow   *self,
                    GParamSpec *pspec,
                    LsBridge   *bridge)
{
  LsWorkerState state = ls_bridge_get_worker_state (bridge);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  g_assert (LS_IS_WINDOW (self));

  switch (state)
    {
    case LS_WORKER_STOPPING:
    case LS_WORKER_CLOSED:
      /* Requests still queued on the worker will never answer: end the
       * run now rather than wait for replies that cannot come. */
      if (self->stress.state == LS_STRESS_RUNNING)
        ls_window_stress_finish (self, LS_STRESS_FAILED, NULL);
      /* Expected while quitting; otherwise say so instead of failing later. */
      if (app != NULL && !ls_application_get_quitting (LS_APPLICATION (app)))
        ls_window_show_banner (self, _("The worker loop has stopped: the bridge is closed and accepts no more work."));
      break;

    case LS_WORKER_NEW:
    case LS_WORKER_RUNNING:
    default:
      break;
    }

  ls_window_update_actions (self);
}

/* ---- actions ------------------------------------------------------------- */

static void
ls_window_stress_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  ls_window_start_stress (LS_WINDOW (widget), LS_STRESS_DEFAULT_ROUND_TRIPS);
}

static void
ls_window_stress_cancel_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ls_window_cancel_stress (LS_WINDOW (widget));
}

/* ---- timeline and trace export ------------------------------------------ */

static void
ls_window_timeline_zoom_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);
  gboolean zoom_in = g_str_equal (action_name, "win.timeline-zoom-in");

  /* Around the middle of the plot: there is no pointer to zoom around. */
  ls_timeline_view_zoom (self->timeline_view, zoom_in ? 1 / 1.5 : 1.5,
                         gtk_widget_get_width (GTK_WIDGET (self->timeline_view)) / 2.0);
}

/* Runs in a GTask thread: the file is written off the UI thread, and the
 * recorder is safe to read from any thread. */
static void
export_trace_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LsRecorder *recorder = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  LsTraceExportFlags flags = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "flags"));
  g_autoptr(GFileOutputStream) out = NULL;
  GError *error = NULL;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable, &error);
  if (out == NULL
      || !ls_recorder_export_trace_full (recorder, G_OUTPUT_STREAM (out), flags, cancellable, &error)
      || !g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
export_trace_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Cancelled means the window went away: nobody to tell. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && LS_IS_WINDOW (source))
        {
          g_autofree char *message = g_strdup_printf (_("Could not export the trace: %s"), error->message);

          ls_window_show_banner (LS_WINDOW (source), message);
        }
    }
}

/* Credentials in span details stay redacted unless @flags asks, for this
 * one export (the dialog's "Include secrets", unchecked by default). */
void
ls_window_export_trace_to_file_full (LsWindow            *self,
                                     GFile               *file,
                                     LsTraceExportFlags   flags,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, self->export_cancellable, callback, user_data);
  g_task_set_source_tag (task, ls_window_export_trace_to_file);
  g_task_set_task_data (task, g_object_ref (self->recorder), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_object_set_data (G_OBJECT (task), "flags", GUINT_TO_POINTER (flags));
  g_task_run_in_thread (task, export_trace_thread);
}

void
ls_window_export_trace_to_file (LsWindow            *self,
                                GFile               *file,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ls_window_export_trace_to_file_full (self, file, LS_TRACE_EXPORT_DEFAULT, callback, user_data);
}

gboolean
ls_window_export_trace_finish (LsWindow      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_export_response_cb (LsWindow             *self,
                       int                   response,
                       GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *secrets = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "include-secrets");
      LsTraceExportFlags flags = g_strcmp0 (secrets, "true") == 0 ? LS_TRACE_EXPORT_INCLUDE_SECRETS
                                                                   : LS_TRACE_EXPORT_DEFAULT;

      if (file != NULL)
        ls_window_export_trace_to_file_full (self, file, flags, export_trace_done_cb, NULL);
    }

  g_clear_object (&self->export_chooser);
}

static void
ls_window_export_trace_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  LsWindow *self = LS_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = NULL;

  if (self->recorder == NULL || self->export_chooser != NULL)
    return;

  self->export_chooser = gtk_file_chooser_native_new (_("Export Trace"), GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  name = g_date_time_format (now, "loopscope-%Y%m%d-%H%M%S.json");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), name);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Chrome trace (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_chooser), filter);
  /* A boolean choice, off: credentials leave only when asked, per export. */
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (self->export_chooser), "include-secrets",
                               _("Include secrets (Authorization, cookies, API keys, URL passwords)"),
                               NULL, NULL);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (self->export_chooser), "include-secrets", "false");

  g_signal_connect_object (self->export_chooser, "response",
                           G_CALLBACK (on_export_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

/* ---- GObject ------------------------------------------------------------- */

static gboolean
ls_window_close_request (GtkWindow *window)
{
  LsWindow *self = LS_WINDOW (window);

  /* Size and maximized state only: nothing else belongs in GSettings. */
  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_apply (self->settings);
    }

  return GTK_WINDOW_CLASS (ls_window_parent_class)->close_request (window);
}

/* GtkWindow:application is not a construct property, so it is only set
 * after constructed(): the engine is wired up here, from ls_window_new(). */
static void
ls_window_setup (LsWindow      *self,
                 LsApplication *ls_app)
{
  char total[32];
  char window[32];
  g_autofree char *description = NULL;

  g_assert (LS_IS_WINDOW (self));
  g_assert (LS_IS_APPLICATION (ls_app));

  g_set_object (&self->bridge, ls_application_get_bridge (ls_app));
  g_set_object (&self->recorder, ls_application_get_recorder (ls_app));
  g_set_object (&self->settings, ls_application_get_settings (ls_app));

  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  /* The UI loop's probe: attached here, on the UI thread, to the context
   * GtkApplication runs. */
  self->ui_probe = ls_loop_probe_new ("ui", LS_LOOP_UI, self->recorder);
  ls_loop_probe_attach (self->ui_probe, g_main_context_default (), UI_PROBE_INTERVAL_MS);

  if (self->bridge != NULL)
    g_signal_connect_object (self->bridge, "notify::worker-state",
                             G_CALLBACK (on_worker_state_cb), self, G_CONNECT_SWAPPED);

  ls_stream_page_set_bridge (self->stream_page,
                             self->bridge != NULL && ls_application_get_engine_error (ls_app) == NULL
                               ? self->bridge : NULL);
  ls_timeline_view_set_recorder (self->timeline_view, self->recorder);

  description = g_strdup_printf (_("Sends %s round trips UI → worker → UI, at most %s in flight, "
                                   "and checks that each one comes back exactly once. "
                                   "Watch the UI loop’s lag while it runs."),
                                 ls_format_count (total, sizeof total, LS_STRESS_DEFAULT_ROUND_TRIPS),
                                 ls_format_count (window, sizeof window, LS_STRESS_MAX_IN_FLIGHT));
  gtk_label_set_label (self->stress_description_label, description);

  if (ls_application_get_engine_error (ls_app) != NULL)
    ls_window_show_banner (self, ls_application_get_engine_error (ls_app));

  ls_window_update_actions (self);
  ls_window_refresh (self);

  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), ls_window_tick_cb, NULL, NULL);
}

static void
ls_window_dispose (GObject *object)
{
  LsWindow *self = LS_WINDOW (object);

  /* Close our mailbox first: after this no reply can reach us. */
  if (self->stress.state == LS_STRESS_RUNNING)
    ls_window_stress_finish (self, LS_STRESS_CANCELLED, NULL);
  if (self->stress.replies != NULL)
    {
      ls_mailbox_close (self->stress.replies);
      g_clear_pointer (&self->stress.replies, ls_mailbox_unref);
    }
  g_clear_pointer (&self->stress.seen, g_free);

  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  if (self->export_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->export_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
      g_clear_object (&self->export_chooser);
    }

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }

  if (self->ui_probe != NULL)
    {
      ls_loop_probe_detach (self->ui_probe);
      g_clear_object (&self->ui_probe);
    }

  g_clear_object (&self->bridge);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_WINDOW);

  G_OBJECT_CLASS (ls_window_parent_class)->dispose (object);
}

static void
ls_window_class_init (LsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ls_window_dispose;

  window_class->close_request = ls_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stream_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, ui_card);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, worker_card);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_description_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_progress);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_count_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_inflight_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_rate_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, stress_result_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, status_label);

  gtk_widget_class_install_action (widget_class, "win.stress", NULL, ls_window_stress_action);
  gtk_widget_class_install_action (widget_class, "win.stress-cancel", NULL, ls_window_stress_cancel_action);
  gtk_widget_class_install_action (widget_class, "win.export-trace", NULL, ls_window_export_trace_action);
  gtk_widget_class_install_action (widget_class, "win.timeline-zoom-in", NULL, ls_window_timeline_zoom_action);
  gtk_widget_class_install_action (widget_class, "win.timeline-zoom-out", NULL, ls_window_timeline_zoom_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.export-trace", NULL);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.stress", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stress-cancel", NULL);

  g_type_ensure (LS_TYPE_LOOP_CARD);
  g_type_ensure (LS_TYPE_STREAM_PAGE);
  g_type_ensure (LS_TYPE_TIMELINE_VIEW);
}

static void
ls_window_init (LsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->export_cancellable = g_cancellable_new ();
}

LsWindow *
ls_window_new (LsApplication *application)
{
  LsWindow *self;

  g_return_val_if_fail (LS_IS_APPLICATION (application), NULL);

  self = g_object_new (LS_TYPE_WINDOW,
                       "application", application,
                       NULL);
  ls_window_setup (self, application);

  return self;
}

LsLoopProbe *
ls_window_get_ui_probe (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->ui_probe;
}

LsLoopCard *
ls_window_get_ui_card (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->ui_card;
}

LsLoopCard *
ls_window_get_worker_card (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->worker_card;
}

/**
 * ls_window_get_banner:
 *
 * Returns: (nullable): the problem the window is showing, if any
 */
const char *
ls_window_get_banner (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->banner_revealer))
    return NULL;

  return gtk_label_get_label (self->banner_label);
}

/**
 * ls_window_get_stream_page:
 *
 * Returns: (transfer none): the Stream page
 */
LsStreamPage *
ls_window_get_stream_page (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->stream_page;
}

/**
 * ls_window_get_timeline_view:
 *
 * Returns: (transfer none): the timeline
 */
LsTimelineView *
ls_window_get_timeline_view (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);

  return self->timeline_view;
}

/* "stream", "timeline" or "loops". */
void
ls_window_show_page (LsWindow   *self,
                     const char *name)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->stack, name);
}

/**
 * ls_window_start_demo:
 * @base_uri: the demo server's base URI
 *
 * Fills the request with the demo server's tick stream and connects.
 */
void
ls_window_start_demo (LsWindow   *self,
                      const char *base_uri)
{
  LsRequestEditor *editor;
  g_autofree char *url = NULL;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (base_uri != NULL);

  editor = ls_stream_page_get_editor (self->stream_page);
  url = g_strdup_printf ("%s/sse/ticks?rate=20", base_uri);
  ls_request_editor_set_url (editor, url);
  ls_request_editor_set_format (editor, LS_STREAM_FORMAT_AUTO);
  ls_stream_page_connect (self->stream_page);
}
