/* main.c: the loopscope binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `loopscope --headless URL [options]` runs here, without GTK; anything
 * else is the window, which this process becomes by exec'ing
 * loopscope-gui with the same arguments. The window's binary is looked
 * for beside this one first (the build tree), then where it is installed.
 */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ls-headless.h"
#include "ls-i18n.h"

#define GUI_BINARY "loopscope-gui"

/* Beside this binary (the build tree), then in libexecdir reached from
 * where this binary is (an install moved or under a DESTDIR), then in
 * libexecdir as configured. */
static char *
find_gui_binary (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *beside = g_build_filename (dir, GUI_BINARY, NULL);
      g_autofree char *relative = g_build_filename (dir, LIBEXECDIR_FROM_BINDIR, GUI_BINARY, NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
      if (LIBEXECDIR_FROM_BINDIR[0] != '\0' && g_file_test (relative, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&relative);
    }
  return g_build_filename (LIBEXECDIR, GUI_BINARY, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *gui = NULL;
  int saved_errno;
  int i;

  /* Both modes speak the user's language, --help included. */
  ls_i18n_init ();

  /* Dispatched before anything could initialize GTK: headless runs
   * without a display. */
  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strcmp (argv[i], "--headless") == 0)
        return ls_headless_main (argc, argv);
    }

  gui = find_gui_binary ();
  execv (gui, argv);
  saved_errno = errno;

  /* TRANSLATORS: the first %s is a file name, the second why it could not
   * be run (from the system). */
  g_printerr (_("Cannot start the window: %s: %s\n"), gui, g_strerror (saved_errno));
  return 1;
}
