/* test-quit.c: every way out of the app ends with the worker closed and joined
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each in-process test runs the real LsApplication with --demo under the
 * test's display, waits until the demo stream is live (the demo server
 * counts a connection), quits by one path, and checks that
 * g_application_run() returned 0 with the worker CLOSED: the bridge reports
 * CLOSED only once the worker thread has been joined. The last test spawns
 * the real binary and sends it SIGTERM, reading its LS_DEBUG_QUIT_REPORT
 * line. Steps are polled from a timeout (no nested loop, no sleep on the
 * UI thread); a step that never completes fails the test with its name.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ls-application.h"
#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"

#define STEP_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define POLL_INTERVAL_MS 10

typedef enum
{
  QUIT_WINDOW_CLOSE,
  QUIT_APP_ACTION,
  QUIT_CTRL_Q,
  QUIT_SIGINT,
  QUIT_G_APPLICATION_QUIT,
} QuitPath;

typedef struct
{
  LsApplication *app;
  LsBridge      *bridge;     /* strong: checked after run() returns */
  QuitPath       path;
  gboolean       quit_sent;
  guint          live_at_quit;
  const char    *stuck_at;
  gint64         start_us;
  guint          poll_id;
} QuitRun;

static gboolean
streams_live (QuitRun *run)
{
  LsDemoServer *server = ls_application_get_demo_server (run->app);
  LsBridge *bridge = ls_application_get_bridge (run->app);

  return bridge != NULL && ls_bridge_get_worker_state (bridge) == LS_WORKER_RUNNING
         && server != NULL && ls_demo_server_get_n_connections (server) > 0
         && gtk_application_get_active_window (GTK_APPLICATION (run->app)) != NULL;
}

static void
send_quit (QuitRun *run)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));

  switch (run->path)
    {
    case QUIT_WINDOW_CLOSE:
      gtk_window_close (window);
      break;

    case QUIT_APP_ACTION:
      g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
      break;

    case QUIT_CTRL_Q:
      {
        g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (run->app),
                                                                      "app.quit");

        /* Ctrl+Q is bound to app.quit; the shortcut activates it through
         * the window's action muxer, as done here. */
        g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>q"));
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "app.quit", NULL));
      }
      break;

    case QUIT_SIGINT:
      /* Caught by the application's g_unix_signal_add() source on the UI
       * context, not by a handler running in the middle of anything. */
      g_assert_cmpint (kill (getpid (), SIGINT), ==, 0);
      break;

    case QUIT_G_APPLICATION_QUIT:
      /* No hold, no window close: the main loop ends with the worker
       * still running, and shutdown must finish it. */
      g_application_quit (G_APPLICATION (run->app));
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
quit_run_poll_cb (gpointer data)
{
  QuitRun *run = data;

  if (!run->quit_sent && streams_live (run))
    {
      run->quit_sent = TRUE;
      run->bridge = g_object_ref (ls_application_get_bridge (run->app));
      run->live_at_quit = ls_demo_server_get_n_connections (ls_application_get_demo_server (run->app));
      send_quit (run);
      run->poll_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () - run->start_us > STEP_TIMEOUT_US)
    {
      run->stuck_at = "demo stream live";
      run->poll_id = 0;
      g_application_quit (G_APPLICATION (run->app));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_quit_path (gconstpointer data)
{
  QuitRun run = { NULL, };
  int status;

  run.path = GPOINTER_TO_INT (data);
  run.app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  ls_application_set_demo (run.app, TRUE);
  run.start_us = g_get_monotonic_time ();
  run.poll_id = g_timeout_add (POLL_INTERVAL_MS, quit_run_poll_cb, &run);

  status = g_application_run (G_APPLICATION (run.app), 0, NULL);

  g_clear_handle_id (&run.poll_id, g_source_remove);
  if (run.stuck_at != NULL)
    g_error ("step '%s' did not complete within %d s", run.stuck_at,
             (int) (STEP_TIMEOUT_US / G_USEC_PER_SEC));
  g_assert_true (run.quit_sent);
  g_assert_cmpuint (run.live_at_quit, >, 0);
  g_assert_cmpint (status, ==, 0);

  /* run() has returned: the worker is CLOSED, i.e. its thread was joined. */
  g_assert_cmpint (ls_bridge_get_worker_state (run.bridge), ==, LS_WORKER_CLOSED);
  g_assert_true (ls_bridge_is_closed (run.bridge));

  /* g_application_quit() leaves the windows (and their references to the
   * application) to the caller, as GTK does. */
  while (gtk_application_get_windows (GTK_APPLICATION (run.app)) != NULL)
    gtk_window_destroy (gtk_application_get_windows (GTK_APPLICATION (run.app))->data);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (run.app);
  g_assert_finalize_object (run.bridge);
}

/* ---- SIGTERM to the real binary ------------------------------------------ */

static void
test_quit_sigterm_binary (void)
{
  const char *args[] = { "--demo", NULL };
  g_auto(GStrv) envp = g_get_environ ();
  LsGuiTestChild child;
  LsGuiTestStderr watched;
  gint err_fd;

  envp = g_environ_setenv (envp, "LS_DEBUG_QUIT_REPORT", "1", TRUE);
  ls_gui_test_spawn_app (&child, args, envp, &err_fd);
  ls_gui_test_stderr_watch (&watched, err_fd);

  /* Not ls_gui_test_child_wait(): the message shows stderr as it is at the deadline. */
  if (!ls_gui_test_wait_for (ls_gui_test_stderr_live, &watched))
    {
      kill (child.pid, SIGKILL);
      g_error ("the app never reported a live demo stream; stderr:\n%s", watched.err->str);
    }
  ls_gui_test_terminate_app (&child, watched.err);
  /* Whatever is left on the pipe, up to its end. */
  g_assert_true (ls_gui_test_wait_for (ls_gui_test_stderr_eof, &watched));

  g_test_message ("stderr of the app:\n%s", watched.err->str);
  g_assert_nonnull (strstr (watched.err->str, "worker CLOSED, thread joined"));
  g_assert_null (strstr (watched.err->str, "loopscope: quit: 0 live"));

  ls_gui_test_stderr_clear (&watched);
}

int
main (int   argc,
      char *argv[])
{
  if (!ls_gui_test_init (&argc, &argv, "/quit/no-display"))
    return g_test_run ();

  g_test_add_data_func ("/quit/window-close", GINT_TO_POINTER (QUIT_WINDOW_CLOSE), test_quit_path);
  g_test_add_data_func ("/quit/app-quit-action", GINT_TO_POINTER (QUIT_APP_ACTION), test_quit_path);
  g_test_add_data_func ("/quit/ctrl-q", GINT_TO_POINTER (QUIT_CTRL_Q), test_quit_path);
  g_test_add_data_func ("/quit/sigint", GINT_TO_POINTER (QUIT_SIGINT), test_quit_path);
  g_test_add_data_func ("/quit/g-application-quit", GINT_TO_POINTER (QUIT_G_APPLICATION_QUIT),
                        test_quit_path);
  g_test_add_func ("/quit/sigterm-binary", test_quit_sigterm_binary);

  return g_test_run ();
}
