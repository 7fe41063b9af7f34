/* ls-window-private.h: what the tests read back from the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-loop-probe.h"
#include "ls-window.h"

G_BEGIN_DECLS

LsLoopProbe *_ls_window_get_ui_probe (LsWindow *self);
const char  *_ls_window_get_banner   (LsWindow *self);
gboolean     _ls_window_get_empty_state_visible (LsWindow *self);
gboolean     _ls_window_get_frame_paced (LsWindow *self);

G_END_DECLS
