/* ls-headless.h: `loopscope --headless URL [options]`, without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The output format and the options are a contract: docs/headless.md.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses. */
#define LS_HEADLESS_EXIT_OK     0  /* ended as asked (max events, duration, end of stream, 204, signal) */
#define LS_HEADLESS_EXIT_FAILED 1  /* the stream failed, or the events could not be written */
#define LS_HEADLESS_EXIT_USAGE  2  /* bad arguments: nothing was sent */

/* Runs on the calling (main) thread with the global default context as
 * its "UI" loop. Needs no display and initializes no GTK. */
int ls_headless_main (int    argc,
                      char **argv);

G_END_DECLS
