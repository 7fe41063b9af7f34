/* ls-preferences-dialog.h: the Preferences window: recorder, retention, new streams' defaults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LS_TYPE_PREFERENCES_DIALOG (ls_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LsPreferencesDialog, ls_preferences_dialog, LS, PREFERENCES_DIALOG, GtkWindow)

LsPreferencesDialog *ls_preferences_dialog_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
