/* ls-gui-test-utils.c: what the GUI tests share: display check, step runner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GUI test runs the real application with g_application_run(), which
 * iterates the default context (this is the main thread), and drives it
 * with a script of steps polled from a timeout: no nested loop, no sleep.
 * Every step has a deadline; a step that never completes quits the
 * application, so that run() returns and the failure names the step.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-bridge-private.h"
#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"
#include "ls-loop-card-private.h"
#include "ls-loops-page.h"
#include "ls-window.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#define POLL_INTERVAL_MS 10

static void
test_no_display (void)
{
  g_test_skip ("no display: run under xvfb-run");
}

/**
 * ls_gui_test_init:
 * @skip_path: the test path to report as skipped without a display
 *
 * gtk_test_init() when there is a display. Without one, g_test_init()
 * and a single test, @skip_path, that skips: the caller then runs only
 * that (g_test_run()) and adds nothing.
 *
 * Returns: whether there is a display
 */
gboolean
ls_gui_test_init (int          *argc,
                  char       ***argv,
                  const char   *skip_path)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (argc, argv, NULL);
      g_test_add_func (skip_path, test_no_display);
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  return TRUE;
}

typedef struct
{
  GApplication    *app;
  const LsGuiStep *steps;
  guint            n_steps;
  gpointer         run;
  guint            current;
  gint64           step_start_us;
  const char      *stuck_at;
  guint            poll_id;
} Script;

static gboolean
script_poll_cb (gpointer data)
{
  Script *script = data;
  const LsGuiStep *step;

  if (script->current >= script->n_steps)
    {
      script->poll_id = 0;
      return G_SOURCE_REMOVE;
    }

  step = &script->steps[script->current];
  if (step->func (script->run))
    {
      g_test_message ("step '%s' done after %.3f s", step->name,
                      (g_get_monotonic_time () - script->step_start_us) / (double) G_USEC_PER_SEC);
      script->current++;
      script->step_start_us = g_get_monotonic_time ();
    }
  else if (g_get_monotonic_time () - script->step_start_us > LS_GUI_STEP_TIMEOUT_US)
    {
      script->stuck_at = step->name;
      script->poll_id = 0;
      g_application_quit (script->app);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/**
 * ls_gui_test_run_steps:
 * @app: the application, not yet run
 * @steps: what to do, in order
 * @run: passed to every step
 *
 * Runs @app until it returns by itself, polling @steps in order every
 * POLL_INTERVAL_MS. Asserts that every step completed in time and that
 * run() returned 0.
 */
void
ls_gui_test_run_steps (GApplication    *app,
                       const LsGuiStep *steps,
                       guint            n_steps,
                       gpointer         run)
{
  ls_gui_test_run_steps_argv (app, NULL, steps, n_steps, run);
}

void
ls_gui_test_run_steps_argv (GApplication       *app,
                            const char * const *argv,
                            const LsGuiStep    *steps,
                            guint               n_steps,
                            gpointer            run)
{
  Script script = {
    .app = app,
    .steps = steps,
    .n_steps = n_steps,
    .run = run,
  };
  int status;

  script.step_start_us = g_get_monotonic_time ();
  script.poll_id = g_timeout_add (POLL_INTERVAL_MS, script_poll_cb, &script);

  status = g_application_run (app, argv != NULL ? (int) g_strv_length ((char **) argv) : 0, (char **) argv);

  g_clear_handle_id (&script.poll_id, g_source_remove);
  if (script.stuck_at != NULL)
    g_error ("step '%s' did not complete within %d s", script.stuck_at,
             (int) (LS_GUI_STEP_TIMEOUT_US / G_USEC_PER_SEC));
  g_assert_cmpuint (script.current, ==, n_steps);
  g_assert_cmpint (status, ==, 0);
}

gboolean
ls_gui_test_save_screenshot_to (gpointer    widget,
                                const char *path)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_true (gtk_widget_get_realized (widget));
  /* Mapped but not allocated yet (a slow first layout, seen under
   * AddressSanitizer): the caller tries later. */
  if (width <= 0 || height <= 0)
    return FALSE;

  /* The widget's own rendering, not the X server's: no window manager
   * or other window can get in the picture. */
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  /* Nothing to draw yet (a relayout pending): the caller tries later. */
  if (node == NULL)
    return FALSE;
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot saved to %s", path);
  return TRUE;
}

char *
ls_gui_test_save_screenshot (gpointer    widget,
                             const char *name)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  const char *build_dir = g_getenv ("LS_BUILD_DIR");

  dir = g_build_filename (build_dir != NULL ? build_dir : ".", "tests", "screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  if (!ls_gui_test_save_screenshot_to (widget, path))
    return NULL;
  return g_steal_pointer (&path);
}

gboolean
ls_gui_test_step_quit (gpointer run)
{
  GApplication *app = g_application_get_default ();

  g_assert_nonnull (app);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return TRUE;
}

void
ls_gui_test_watch_window (gpointer  window,
                          gpointer *location)
{
  *location = window;
  g_object_add_weak_pointer (G_OBJECT (window), location);
}

void
ls_gui_test_run_app (gpointer         app,
                     const LsGuiStep *steps,
                     guint            n_steps,
                     gpointer         run,
                     gpointer        *window,
                     LsWorker       **worker)
{
  /* Every step completed and run() returned 0. */
  ls_gui_test_run_steps (G_APPLICATION (app), steps, n_steps, run);

  /* run() returned by itself: the window is gone and the worker reported
   * CLOSED first (the application holds itself until then). */
  g_assert_null (*window);
  if (worker != NULL)
    {
      g_assert_nonnull (*worker);
      g_assert_cmpint (ls_worker_get_state (*worker), ==, LS_WORKER_CLOSED);
    }

  g_assert_finalize_object (app);
  if (worker != NULL)
    {
      g_assert_finalize_object (*worker);
      *worker = NULL;
    }
}

void
ls_gui_test_run_new_app (gboolean         demo,
                         const LsGuiStep *steps,
                         guint            n_steps,
                         gpointer         run,
                         gpointer        *app,
                         gpointer        *window,
                         LsWorker       **worker)
{
  *app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  ls_application_set_demo (*app, demo);
  ls_gui_test_run_app (*app, steps, n_steps, run, window, worker);
}

gboolean
ls_gui_test_window_fits (gpointer window,
                         int      width,
                         int      height)
{
  LsLoopsPage *loops = ls_window_get_loops_page (window);
  GtkWidget *content = gtk_window_get_child (GTK_WINDOW (window));
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  int content_width, content_height, titlebar_width = 0, titlebar_height = 0;

  /* The loop cards' figures are what is widest: measure with real ones. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (loops)))
    {
      ls_window_show_page (window, "loops");
      return FALSE;
    }
  if (_ls_loop_card_get_thread_id (ls_loops_page_get_worker_card (loops)) == 0)
    return FALSE;

  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &content_width, NULL, NULL, NULL);
  gtk_widget_measure (content, GTK_ORIENTATION_VERTICAL, width, &content_height, NULL, NULL, NULL);
  if (titlebar != NULL)
    {
      gtk_widget_measure (titlebar, GTK_ORIENTATION_HORIZONTAL, -1, &titlebar_width, NULL, NULL, NULL);
      gtk_widget_measure (titlebar, GTK_ORIENTATION_VERTICAL, width, &titlebar_height, NULL, NULL, NULL);
    }

  g_assert_cmpint (content_width, <=, width);
  g_assert_cmpint (titlebar_width, <=, width);
  g_assert_cmpint (content_height + titlebar_height, <=, height);
  ls_window_show_page (window, "stream");
  return TRUE;
}

gboolean
ls_gui_test_resize_window (gpointer window,
                           int      width,
                           int      height)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkDisplay *display = gtk_widget_get_display (window);

  if (GDK_IS_X11_DISPLAY (display) && surface != NULL)
    {
      XResizeWindow (gdk_x11_display_get_xdisplay (display), gdk_x11_surface_get_xid (surface),
                     (unsigned) width, (unsigned) height);
      XFlush (gdk_x11_display_get_xdisplay (display));
      return TRUE;
    }
#endif

  return FALSE;
}

gboolean
ls_gui_test_window_has_size (gpointer window,
                             int      width,
                             int      height)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  return surface != NULL && gdk_surface_get_width (surface) == width
         && gdk_surface_get_height (surface) == height;
}

static void
child_watch_cb (GPid     pid,
                gint     wait_status,
                gpointer data)
{
  LsGuiTestChild *child = data;

  child->exited = TRUE;
  child->wait_status = wait_status;
  g_spawn_close_pid (pid);
}

char *
ls_gui_test_app_path (void)
{
  return g_build_filename (g_getenv ("LS_BUILD_DIR"), "src", "loopscope", NULL);
}

void
ls_gui_test_spawn_app (LsGuiTestChild      *child,
                       const char * const  *args,
                       char               **envp,
                       gint                *err_fd)
{
  g_autofree char *binary = ls_gui_test_app_path ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  memset (child, 0, sizeof *child);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &child->pid, NULL, NULL, err_fd, &error));
  g_assert_no_error (error);
  g_child_watch_add (child->pid, child_watch_cb, child);
}

void
ls_gui_test_adopt_app (LsGuiTestChild *child,
                       GPid            pid)
{
  memset (child, 0, sizeof *child);
  child->pid = pid;
  g_child_watch_add (child->pid, child_watch_cb, child);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ls_gui_test_wait_for (LsGuiStepFunc condition,
                      gpointer      data)
{
  gint64 deadline = g_get_monotonic_time () + LS_GUI_STEP_TIMEOUT_US;
  guint wake_id = g_timeout_add (50, wake_cb, NULL);
  gboolean ok;

  while (!(ok = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
  return ok;
}

void
ls_gui_test_child_wait (LsGuiTestChild *child,
                        LsGuiStepFunc   condition,
                        gpointer        data,
                        const char     *format,
                        ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  if (ls_gui_test_wait_for (condition, data))
    return;
  kill (child->pid, SIGKILL);
  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_error ("%s", what);
}

gboolean
ls_gui_test_child_exited (gpointer child)
{
  return ((LsGuiTestChild *) child)->exited;
}

void
ls_gui_test_terminate_app (LsGuiTestChild *child,
                           GString        *err)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (child->exited);
  g_assert_cmpint (kill (child->pid, SIGTERM), ==, 0);
  if (!ls_gui_test_wait_for (ls_gui_test_child_exited, child))
    {
      kill (child->pid, SIGKILL);
      g_error ("loopscope did not exit after SIGTERM; stderr:\n%s", err != NULL ? err->str : "(not read)");
    }
  g_assert_true (g_spawn_check_wait_status (child->wait_status, &error));
  g_assert_no_error (error);
}

/* ---- widget trees --------------------------------------------------------- */

gpointer
ls_gui_test_find (gpointer          root,
                  LsGuiWidgetMatch  match,
                  gpointer          data)
{
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = ls_gui_test_find (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (gpointer widget,
            gpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

gpointer
ls_gui_test_find_type (gpointer root,
                       GType    type)
{
  return ls_gui_test_find (root, is_of_type, GSIZE_TO_POINTER (type));
}

static gboolean
is_button_labelled (gpointer widget,
                    gpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (widget), label) == 0;
}

gpointer
ls_gui_test_find_button (gpointer    root,
                         const char *label)
{
  return ls_gui_test_find (root, is_button_labelled, (gpointer) label);
}

void
ls_gui_test_collect_text (gpointer  root,
                          gboolean  mapped_only,
                          GString  *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (mapped_only && !gtk_widget_get_mapped (child))
        ;
      else if (GTK_IS_LABEL (child))
        g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (child)));
      else if (GTK_IS_INSCRIPTION (child))
        g_string_append_printf (out, "%s\n", gtk_inscription_get_text (GTK_INSCRIPTION (child)) ?: "");
      ls_gui_test_collect_text (child, mapped_only, out);
    }
}

static void
collect_mnemonics (GtkWidget *widget,
                   GArray    *keys)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && gtk_label_get_mnemonic_keyval (GTK_LABEL (widget)) != GDK_KEY_VoidSymbol)
    {
      guint key = gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (widget)));

      for (guint i = 0; i < keys->len; i++)
        if (g_array_index (keys, guint, i) == key)
          g_error ("Alt+%s is the mnemonic of two widgets, one of them \"%s\"",
                   gdk_keyval_name (key), gtk_label_get_label (GTK_LABEL (widget)));
      g_array_append_val (keys, key);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_mnemonics (child, keys);
}

guint
ls_gui_test_assert_mnemonics_unique (gpointer root)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint));

  collect_mnemonics (root, keys);
  return keys->len;
}

gboolean
ls_gui_test_window_shown (gpointer   app,
                          gpointer  *window,
                          LsWorker **worker)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  if (windows == NULL || !gtk_widget_get_mapped (windows->data))
    return FALSE;

  ls_gui_test_watch_window (windows->data, window);
  if (worker != NULL)
    *worker = g_object_ref (ls_bridge_get_worker (ls_application_get_bridge (app)));
  return TRUE;
}

gboolean
ls_gui_test_screenshot (gpointer    widget,
                        const char *name)
{
  g_autofree char *path = ls_gui_test_save_screenshot (widget, name);

  if (path != NULL)
    g_test_message ("screenshot: %s", path);
  return path != NULL;
}

int
ls_gui_test_main (int          *argc,
                  char       ***argv,
                  const char   *path,
                  GTestFunc     func)
{
  if (!ls_gui_test_init (argc, argv, path))
    return g_test_run ();

  g_test_add_func (path, func);
  return g_test_run ();
}

gboolean
ls_gui_test_demo_window_shown (gpointer  app,
                               gpointer *window)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  LsDemoServer *demo = ls_application_get_demo_server (app);

  if (windows == NULL || demo == NULL || ls_demo_server_get_base_uri (demo) == NULL)
    return FALSE;

  ls_gui_test_watch_window (windows->data, window);
  return TRUE;
}

/* ---- a child's stderr ----------------------------------------------------- */

static gboolean
stderr_readable_cb (GIOChannel   *channel,
                    GIOCondition  condition,
                    gpointer      data)
{
  LsGuiTestStderr *watch = data;
  char buffer[4096];
  gsize n = 0;
  GIOStatus status;

  status = g_io_channel_read_chars (channel, buffer, sizeof buffer, &n, NULL);
  if (n > 0)
    {
      g_string_append_len (watch->err, buffer, n);
      if (strstr (watch->err->str, "loopscope: live: ") != NULL)
        watch->live = TRUE;
    }
  if (status == G_IO_STATUS_NORMAL || status == G_IO_STATUS_AGAIN)
    return G_SOURCE_CONTINUE;
  watch->eof = TRUE;
  watch->source_id = 0;
  return G_SOURCE_REMOVE;
}

void
ls_gui_test_stderr_watch (LsGuiTestStderr *watch,
                          gint             fd)
{
  watch->err = g_string_new (NULL);
  watch->live = watch->eof = FALSE;
  watch->channel = g_io_channel_unix_new (fd);
  g_io_channel_set_close_on_unref (watch->channel, TRUE);
  g_io_channel_set_flags (watch->channel, G_IO_FLAG_NONBLOCK, NULL);
  g_io_channel_set_encoding (watch->channel, NULL, NULL);
  watch->source_id = g_io_add_watch (watch->channel, G_IO_IN | G_IO_HUP | G_IO_ERR, stderr_readable_cb, watch);
}

void
ls_gui_test_stderr_clear (LsGuiTestStderr *watch)
{
  g_clear_handle_id (&watch->source_id, g_source_remove);
  g_clear_pointer (&watch->channel, g_io_channel_unref);
  if (watch->err != NULL)
    g_string_free (g_steal_pointer (&watch->err), TRUE);
}

gboolean
ls_gui_test_stderr_live (gpointer watch)
{
  return ((LsGuiTestStderr *) watch)->live;
}

gboolean
ls_gui_test_stderr_eof (gpointer watch)
{
  return ((LsGuiTestStderr *) watch)->eof;
}
