/* ls-preferences-dialog-private.h: what the tests reach in the Preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-preferences-dialog.h"

G_BEGIN_DECLS

/* The widget bound to @key, e.g. "recorder-capacity"; NULL for others. */
GtkWidget *_ls_preferences_dialog_get_widget (LsPreferencesDialog *self,
                                              const char          *key);

G_END_DECLS
