/* ls-trace.h: a recorder's records as Chrome Trace Event JSON, out and back in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

/* What ls_trace_import() accepts: no bigger, and nested no deeper
 * (our traces nest 4 levels; Chrome's own a few more). */
#define LS_TRACE_IMPORT_MAX_BYTES ((gsize) 256 * 1024 * 1024)
#define LS_TRACE_IMPORT_MAX_DEPTH 64

typedef enum
{
  LS_TRACE_EXPORT_DEFAULT         = 0,
  LS_TRACE_EXPORT_INCLUDE_SECRETS = 1 << 0,  /* details unredacted, for this export only */
} LsTraceExportFlags;

gboolean ls_trace_export (LsRecorder          *recorder,
                          GOutputStream       *out,
                          LsTraceExportFlags   flags,
                          GCancellable        *cancellable,
                          GError             **error);
gssize   ls_trace_import (LsRecorder          *recorder,
                          GBytes              *data,
                          guint               *n_skipped,
                          GError             **error);

G_END_DECLS
