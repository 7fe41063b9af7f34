/* ls-gui-test-utils.h: what the GUI tests share: display check, step runner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-bridge-private.h"

G_BEGIN_DECLS

/* Returns TRUE once the step is complete; may assert. @run is the test's
 * own state, as given to ls_gui_test_run_steps(). */
typedef gboolean (*LsGuiStepFunc) (gpointer run);

typedef struct
{
  const char    *name;
  LsGuiStepFunc  func;
} LsGuiStep;

/* How long one step may take before the test fails naming it. */
#define LS_GUI_STEP_TIMEOUT_US (30 * G_USEC_PER_SEC)

gboolean ls_gui_test_init      (int              *argc,
                                char           ***argv,
                                const char       *skip_path);
void     ls_gui_test_run_steps (GApplication     *app,
                                const LsGuiStep  *steps,
                                guint             n_steps,
                                gpointer          run);
/* ls_gui_test_run_steps() with a command line (@argv[0] the program's
 * name, NULL-terminated) given to g_application_run(). */
void     ls_gui_test_run_steps_argv (GApplication       *app,
                                     const char * const *argv,
                                     const LsGuiStep    *steps,
                                     guint               n_steps,
                                     gpointer            run);
/* main() of a GUI test that is one test, @path running @func:
 * ls_gui_test_init() (skipping it without a display), then g_test_run(). */
int      ls_gui_test_main      (int              *argc,
                                char           ***argv,
                                const char       *path,
                                GTestFunc         func);
/* Resizes the toplevel @window as a user dragging its corner would (a
 * mapped GtkWindow ignores new default sizes). Then wait for
 * ls_gui_test_window_has_size(). X11 only: FALSE elsewhere. */
gboolean ls_gui_test_resize_window   (gpointer    window,
                                      int         width,
                                      int         height);
gboolean ls_gui_test_window_has_size (gpointer    window,
                                      int         width,
                                      int         height);
/* A step's test on an LsWindow: TRUE once every page fits @width×@height
 * (asserted): the window's content (a homogeneous stack, so every page
 * counts) and its header bar ask for no more. Shows the Loops page first
 * and waits for the worker card's figures (the widest), then shows the
 * Stream page again. A wider minimum is what pushed the close button off
 * screen at 800 px; longer words in a translation can do the same. */
gboolean ls_gui_test_window_fits     (gpointer    window,
                                      int         width,
                                      int         height);
/* Renders @widget (a realized GtkWidget) as it is now into
 * $LS_BUILD_DIR/tests/screenshots/@name.png, for a person to look at.
 * Returns the file's path, newly allocated, or NULL when the widget has
 * nothing to show yet (try again at the next step poll). */
char    *ls_gui_test_save_screenshot (gpointer    widget,
                                      const char *name);
/* ls_gui_test_save_screenshot(), its path in the test's log: for a step,
 * FALSE when the widget has nothing to show yet. */
gboolean ls_gui_test_screenshot      (gpointer    widget,
                                      const char *name);
/* The same into @path; FALSE when the widget has nothing to show yet. */
gboolean ls_gui_test_save_screenshot_to (gpointer    widget,
                                         const char *path);

/* A step: quit the application as the menu does; run() must then return
 * on its own. */
gboolean ls_gui_test_step_quit       (gpointer    run);
/* Points @location at @window until the window is finalized. */
void     ls_gui_test_watch_window    (gpointer    window,
                                      gpointer   *location);
/* ls_gui_test_run_steps(), then the clean end a window test checks: the
 * window (*@window, watched) is gone, the worker (*@worker, a reference
 * the steps took) reported CLOSED, and the application and the worker
 * are finalized. With @worker NULL, the window and the application only. */
void     ls_gui_test_run_app         (gpointer         app,
                                      const LsGuiStep *steps,
                                      guint            n_steps,
                                      gpointer         run,
                                      gpointer        *window,
                                      LsWorker       **worker);

/* ls_gui_test_run_app() in a new, non-unique LsApplication (with the demo
 * server when @demo), put in *@app for the steps before they run. */
void     ls_gui_test_run_new_app     (gboolean         demo,
                                      const LsGuiStep *steps,
                                      guint            n_steps,
                                      gpointer         run,
                                      gpointer        *app,
                                      gpointer        *window,
                                      LsWorker       **worker);

/* The real binary, LS_BUILD_DIR/src/loopscope, as a child process. */
typedef struct
{
  GPid      pid;
  gboolean  exited;
  gint      wait_status;
} LsGuiTestChild;

/* LS_BUILD_DIR/src/loopscope, newly allocated. */
char    *ls_gui_test_app_path        (void);
/* Spawns the binary with @args (NULL-terminated, after argv[0]) in @envp
 * (NULL: this environment), reaped into @child; with @err_fd, its stderr
 * is a pipe returned there. */
void     ls_gui_test_spawn_app       (LsGuiTestChild      *child,
                                      const char * const  *args,
                                      char               **envp,
                                      gint                *err_fd);
/* Watches @pid, a child this process did not spawn itself (one it adopted
 * as a subreaper), as ls_gui_test_spawn_app() watches its own. */
void     ls_gui_test_adopt_app       (LsGuiTestChild      *child,
                                      GPid                 pid);
/* Iterates the default context until @condition holds or 30 s pass (a
 * tick wakes it for what other threads and processes do); returns
 * whether it held. */
gboolean ls_gui_test_wait_for        (LsGuiStepFunc        condition,
                                      gpointer             data);
/* ls_gui_test_wait_for(); when @condition never held, @child is killed
 * and the test fails saying @format. */
void     ls_gui_test_child_wait      (LsGuiTestChild      *child,
                                      LsGuiStepFunc        condition,
                                      gpointer             data,
                                      const char          *format,
                                      ...) G_GNUC_PRINTF (4, 5);
/* A spawned app's stderr, read as it comes (the default main context):
 * all of it in @err, @live once it printed "loopscope: live: " (its
 * LS_DEBUG_QUIT_REPORT line), @eof once the pipe closed. */
typedef struct
{
  GString    *err;
  gboolean    live;
  gboolean    eof;
  GIOChannel *channel;
  guint       source_id;
} LsGuiTestStderr;

void     ls_gui_test_stderr_watch    (LsGuiTestStderr     *watch,
                                      gint                 fd);
/* Stops reading (the watch may be on the stack) and frees. */
void     ls_gui_test_stderr_clear    (LsGuiTestStderr     *watch);
/* For ls_gui_test_wait_for(): @watch is an LsGuiTestStderr. */
gboolean ls_gui_test_stderr_live     (gpointer             watch);
gboolean ls_gui_test_stderr_eof      (gpointer             watch);
/* For ls_gui_test_wait_for(): @child is an LsGuiTestChild. */
gboolean ls_gui_test_child_exited    (gpointer             child);
/* SIGTERM, the app's ordinary quit path: exit status 0 (asserted). A
 * child still there after the wait is killed and fails the test, with
 * @err (its stderr so far, or NULL) in the message. */
void     ls_gui_test_terminate_app   (LsGuiTestChild      *child,
                                      GString             *err);

/* ---- widget trees --------------------------------------------------------- */

/* For ls_gui_test_find(): whether @widget (a GtkWidget) is the one sought. */
typedef gboolean (*LsGuiWidgetMatch) (gpointer widget,
                                      gpointer data);

/* The first widget, depth first, of @root and its descendants that @match
 * accepts, or NULL. */
gpointer ls_gui_test_find             (gpointer          root,
                                       LsGuiWidgetMatch  match,
                                       gpointer          data);
/* The first of @root and its descendants that is a @type, or NULL. */
gpointer ls_gui_test_find_type        (gpointer          root,
                                       GType             type);
/* The first button below @root labelled @label, or NULL. */
gpointer ls_gui_test_find_button      (gpointer          root,
                                       const char       *label);
/* Every label's and inscription's text below @root, a line each: what a
 * screenshot would show; with @mapped_only, of the mapped ones only. */
void     ls_gui_test_collect_text     (gpointer          root,
                                       gboolean          mapped_only,
                                       GString          *out);
/* Fails the test when two mapped labels under @root have the same
 * mnemonic (Alt+key would reach only the first); returns how many there
 * are. */
guint    ls_gui_test_assert_mnemonics_unique (gpointer root);
/* A step's test: TRUE once @app's first window is mapped; it is then
 * watched into *@window and, with @worker, a reference to the bridge's
 * worker is put there. */
gboolean ls_gui_test_window_shown     (gpointer          app,
                                       gpointer         *window,
                                       LsWorker        **worker);
/* The same, for an application with the demo server: TRUE once its first
 * window exists and the demo server listens (not waiting for the map). */
gboolean ls_gui_test_demo_window_shown (gpointer   app,
                                        gpointer  *window);

G_END_DECLS
