/* main.c: the loopscope binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "ls-application.h"
#include "ls-headless.h"
#include "ls-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LsApplication) app = NULL;
  int i;

  /* Both modes speak the user's language, --help included. */
  ls_i18n_init ();

  /* `loopscope --headless URL [options]` runs without a display, so it is
   * dispatched before anything initializes GTK (g_application_run would). */
  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strcmp (argv[i], "--headless") == 0)
        return ls_headless_main (argc, argv);
    }

  app = ls_application_new (G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
