/* ls-i18n.c: the process's locale and the loopscope message catalog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window and `--headless` both start here, before any text is shown:
 * the user's locale for messages, numbers and dates, and the one gettext
 * domain (GETTEXT_PACKAGE) that the app's _() and the engine's
 * <glib/gi18n-lib.h> both read. Machine formats (the headless JSON lines,
 * --stats, the trace, curl commands) never go through the locale: they
 * format numbers with g_ascii_formatd and friends.
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "ls-i18n.h"

/**
 * ls_i18n_get_localedir:
 *
 * Where the catalogs are: $LOOPSCOPE_LOCALEDIR when set and not empty
 * (the tests point it at the build directory's po/, so an uninstalled
 * binary speaks the languages it was built with), else the install
 * prefix's locale directory.
 */
const char *
ls_i18n_get_localedir (void)
{
  const char *dir = g_getenv ("LOOPSCOPE_LOCALEDIR");

  return dir != NULL && dir[0] != '\0' ? dir : LOCALEDIR;
}

/**
 * ls_i18n_init:
 *
 * Sets the locale from the environment and binds the loopscope domain,
 * its messages in UTF-8 (GTK and the JSON output want UTF-8; g_printerr
 * converts for the terminal). Main thread, before other threads start;
 * calling it again is harmless.
 */
void
ls_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, ls_i18n_get_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
