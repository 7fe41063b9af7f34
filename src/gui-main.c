/* gui-main.c: the window's binary, started by the loopscope binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

#include "ls-application.h"
#include "ls-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LsApplication) app = NULL;

  ls_i18n_init ();

  app = ls_application_new (G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
