/* ls-headless-runner.c: `loopscope --headless` without the GUI binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same entry point the loopscope binary dispatches to, for builds
 * without GTK (-Dgui=disabled) and for the headless tests and benchmark.
 */
#include "config.h"

#include "ls-headless.h"

int
main (int   argc,
      char *argv[])
{
  return ls_headless_main (argc, argv);
}
