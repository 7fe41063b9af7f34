/* ls-headless-private.h: what the headless run and its argument parser share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ls-replay.h"
#include "ls-stream-options.h"

G_BEGIN_DECLS

/* The command line, parsed and validated: nothing has been opened or sent. */
typedef struct
{
  LsStreamOptions *options;          /* with --demo, the URL may be a path like /sse/ticks */
  char            *events_out;       /* NULL or "-": standard output */
  char            *trace_path;
  char            *capture_path;     /* --capture FILE */
  gboolean         print_stats;
  gboolean         demo;
  gboolean         include_secrets;
  LsReplay        *replay;           /* --replay FILE, read; implies demo */
  double           speed;            /* --speed, LS_REPLAY_SPEED_MAX for max */
} LsHeadlessArgs;

/* FALSE with a G_OPTION_ERROR (to be printed, exit status 2) for bad
 * arguments. @args must be zeroed; clear it in either case. */
gboolean ls_headless_args_parse (LsHeadlessArgs  *args,
                                 int              argc,
                                 char           **argv,
                                 GError         **error);
void     ls_headless_args_clear (LsHeadlessArgs  *args);

G_END_DECLS
