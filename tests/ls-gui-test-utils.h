/* ls-gui-test-utils.h: what the GUI tests share: display check, step runner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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

G_END_DECLS
