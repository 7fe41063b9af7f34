/* ls-trace-export.h: writing the recorder's Chrome trace to a file, and reading one, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-trace.h"

G_BEGIN_DECLS

void     ls_trace_export_to_file_async  (LsRecorder          *recorder,
                                         GFile               *file,
                                         LsTraceExportFlags   flags,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean ls_trace_export_to_file_finish (LsRecorder          *recorder,
                                         GAsyncResult        *result,
                                         GError             **error);
void        ls_trace_open_file_async    (GFile               *file,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
LsRecorder *ls_trace_open_file_finish   (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
