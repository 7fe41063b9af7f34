/* ls-window-private.h: what the tests read back from the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-loop-probe.h"
#include "ls-stream-row.h"
#include "ls-window.h"

G_BEGIN_DECLS

LsLoopProbe *_ls_window_get_ui_probe (LsWindow *self);
const char  *_ls_window_get_banner   (LsWindow *self);
gboolean     _ls_window_get_empty_state_visible (LsWindow *self);
gboolean     _ls_window_get_frame_paced (LsWindow *self);
/* Save Capture…, Export Events… and Open Capture… without the chooser;
 * pending until the file is written or read (then shown). */
void         _ls_window_save_capture  (LsWindow *self,
                                       GFile    *file,
                                       gboolean  include_secrets);
void         _ls_window_export_events (LsWindow *self,
                                       GFile    *file);
void         _ls_window_open_capture  (LsWindow *self,
                                       GFile    *file);
guint        _ls_window_get_files_pending (LsWindow *self);
/* The streams sidebar: @page's row, and whether the sidebar shows. */
LsStreamRow *_ls_window_get_stream_row (LsWindow     *self,
                                        LsStreamPage *page);
gboolean     _ls_window_get_sidebar_visible (LsWindow *self);

G_END_DECLS
