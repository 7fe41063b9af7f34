/* test-window.c: GUI smoke test: the window sees both loops, stresses the
 * bridge and quits cleanly. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test owns the default main context and iterates it itself, always
 * with a deadline: a wake-up timer guarantees that a blocking iteration
 * returns, so nothing here sleeps or can hang.
 */
#include "config.h"

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-window.h"

#define WAIT_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
iterate_until (Condition condition,
               gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;
  guint wake_id = g_timeout_add (20, wake_cb, NULL);
  gboolean met;

  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
  g_test_message ("waited %.3f s", (g_get_monotonic_time () - deadline + WAIT_TIMEOUT_US) / 1e6);

  return met;
}

static LsWindow *
find_window (LsApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  g_assert_nonnull (windows);
  g_assert_null (windows->next);
  g_assert_true (LS_IS_WINDOW (windows->data));

  return windows->data;
}

static gboolean
both_loops_live (gpointer data)
{
  LsWindow *window = data;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));
  LsWorker *worker = ls_bridge_get_worker (ls_application_get_bridge (LS_APPLICATION (app)));
  LsLoopStats stats;

  ls_loop_probe_get_stats (ls_window_get_ui_probe (window), &stats);

  return ls_worker_get_state (worker) == LS_WORKER_RUNNING
         && ls_loop_card_get_thread_id (ls_window_get_ui_card (window)) != 0
         && ls_loop_card_get_thread_id (ls_window_get_worker_card (window)) != 0
         && g_strcmp0 (ls_loop_card_get_state (ls_window_get_worker_card (window)), "RUNNING") == 0
         && stats.ticks > 0;
}

static gboolean
stress_finished (gpointer data)
{
  return ls_window_get_stress_state (LS_WINDOW (data)) != LS_STRESS_RUNNING;
}

typedef struct
{
  LsWorker *worker;
  gpointer  window;   /* weak */
} QuitState;

static gboolean
quit_complete (gpointer data)
{
  QuitState *state = data;

  return state->window == NULL && ls_worker_get_state (state->worker) == LS_WORKER_CLOSED;
}

static void
test_window_smoke (void)
{
  g_autoptr(GError) error = NULL;
  LsApplication *app;
  LsWindow *window;
  LsBridge *bridge;
  LsLoopStats stats;
  QuitState quit = { NULL, NULL };
  guint total, back, lost, duplicated;

  app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));

  bridge = ls_application_get_bridge (app);
  g_assert_nonnull (bridge);
  quit.worker = g_object_ref (ls_bridge_get_worker (bridge));

  window = find_window (app);
  quit.window = window;
  g_object_add_weak_pointer (G_OBJECT (window), &quit.window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Both cards show a live owner thread, and they are different threads:
   * the UI card shows us, the worker card the worker. */
  g_assert_true (iterate_until (both_loops_live, window));
  g_assert_cmpint (ls_loop_card_get_thread_id (ls_window_get_ui_card (window)), ==,
                   ls_current_thread_id ());
  g_assert_cmpint (ls_loop_card_get_thread_id (ls_window_get_worker_card (window)), ==,
                   ls_worker_get_thread_id (quit.worker));
  g_assert_cmpint (ls_loop_card_get_thread_id (ls_window_get_ui_card (window)), !=,
                   ls_loop_card_get_thread_id (ls_window_get_worker_card (window)));
  g_assert_cmpstr (ls_loop_card_get_state (ls_window_get_ui_card (window)), ==, "RUNNING");
  ls_loop_probe_get_stats (ls_window_get_ui_probe (window), &stats);
  g_assert_true (stats.attached);
  g_assert_cmpuint (stats.ticks, >, 0);
  g_assert_null (ls_window_get_banner (window));

  /* A small stress run: every sequence number back exactly once. */
  g_assert_true (ls_window_start_stress (window, 5000));
  g_assert_false (ls_window_start_stress (window, 5000)); /* one at a time */
  g_assert_true (iterate_until (stress_finished, window));
  g_assert_cmpint (ls_window_get_stress_state (window), ==, LS_STRESS_DONE);
  ls_window_get_stress_counts (window, &total, &back, &lost, &duplicated);
  g_assert_cmpuint (total, ==, 5000);
  g_assert_cmpuint (back, ==, 5000);
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (duplicated, ==, 0);
  g_assert_null (ls_window_get_banner (window));

  /* Every crossing was recorded; nothing tripped a guard. */
  g_assert_cmpuint (ls_recorder_get_total (ls_application_get_recorder (app)), >=, 5000);
  g_assert_cmpuint (ls_bridge_get_guard_count (bridge), ==, 0);

  ls_loop_probe_get_stats (ls_window_get_ui_probe (window), &stats);
  g_assert_cmpuint (stats.ticks, >, 0);
  g_assert_cmpuint (stats.iterations, >, 0);

  /* Quit as the menu does: the window goes, the worker reaches CLOSED,
   * and the UI thread never waited for it. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_true (iterate_until (quit_complete, &quit));
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_assert_true (ls_bridge_is_closed (bridge));

  /* GtkApplication's action muxer references the application until
   * "shutdown", which only g_application_run() emits: the finalize check
   * of the application is in /window/run-quit. The worker is ours alone. */
  g_object_unref (app);
  g_object_unref (quit.worker);
}

/* The same quit through g_application_run(): it must return on its own
 * once the worker is CLOSED (the application holds itself until then). */

typedef struct
{
  LsApplication *app;
  LsWorker      *worker;
  gboolean       quit_sent;
  gboolean       timed_out;
  guint          poll_id;
  guint          deadline_id;
} RunState;

static gboolean
run_poll_cb (gpointer data)
{
  RunState *state = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (state->app));

  if (state->worker == NULL && ls_application_get_bridge (state->app) != NULL)
    state->worker = g_object_ref (ls_bridge_get_worker (ls_application_get_bridge (state->app)));

  if (!state->quit_sent
      && windows != NULL
      && state->worker != NULL
      && ls_worker_get_state (state->worker) == LS_WORKER_RUNNING
      && both_loops_live (windows->data))
    {
      state->quit_sent = TRUE;
      g_action_group_activate_action (G_ACTION_GROUP (state->app), "quit", NULL);
      state->poll_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
run_deadline_cb (gpointer data)
{
  RunState *state = data;

  /* Fail, but let run() return so the report says why. */
  state->timed_out = TRUE;
  state->deadline_id = 0;
  g_application_quit (G_APPLICATION (state->app));

  return G_SOURCE_REMOVE;
}

static void
test_window_run_quit (void)
{
  RunState state = { NULL, };
  int status;

  state.app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  state.poll_id = g_timeout_add (10, run_poll_cb, &state);
  state.deadline_id = g_timeout_add_seconds (30, run_deadline_cb, &state);

  status = g_application_run (G_APPLICATION (state.app), 0, NULL);

  g_clear_handle_id (&state.poll_id, g_source_remove);
  g_clear_handle_id (&state.deadline_id, g_source_remove);
  g_assert_false (state.timed_out);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (state.quit_sent);
  g_assert_nonnull (state.worker);
  /* run() returned only because the worker reported CLOSED. */
  g_assert_cmpint (ls_worker_get_state (state.worker), ==, LS_WORKER_CLOSED);

  g_assert_finalize_object (state.app);
  g_assert_finalize_object (state.worker);
}

static void
test_no_display (void)
{
  g_test_skip ("no display: run under xvfb-run");
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/window/smoke", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/window/smoke", test_window_smoke);
  g_test_add_func ("/window/run-quit", test_window_run_quit);

  return g_test_run ();
}
