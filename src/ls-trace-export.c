/* ls-trace-export.c: writing the recorder's Chrome trace to a file, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trace can hold many thousand spans: the file is written in a GTask
 * thread, which may read the recorder (it is safe to read from any
 * thread). Credentials in span details stay redacted unless the flags ask
 * for them, for one export at a time.
 */
#include "config.h"

#include "ls-trace-export.h"

typedef struct
{
  GFile              *file;
  LsTraceExportFlags  flags;
} ExportData;

static void
export_data_free (gpointer data)
{
  ExportData *export = data;

  g_object_unref (export->file);
  g_free (export);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LsRecorder *recorder = source_object;
  ExportData *export = task_data;
  g_autoptr(GFileOutputStream) out = NULL;
  GError *error = NULL;

  out = g_file_replace (export->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable, &error);
  if (out == NULL
      || !ls_trace_export (recorder, G_OUTPUT_STREAM (out), export->flags, cancellable, &error)
      || !g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * ls_trace_export_to_file_async:
 * @flags: %LS_TRACE_EXPORT_INCLUDE_SECRETS only when the user asked, for
 *   this export
 *
 * Replaces @file with @recorder's Chrome trace JSON.
 */
void
ls_trace_export_to_file_async (LsRecorder          *recorder,
                               GFile               *file,
                               LsTraceExportFlags   flags,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *export;

  g_return_if_fail (LS_IS_RECORDER (recorder));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  export = g_new0 (ExportData, 1);
  export->file = g_object_ref (file);
  export->flags = flags;

  task = g_task_new (recorder, cancellable, callback, user_data);
  g_task_set_source_tag (task, ls_trace_export_to_file_async);
  g_task_set_task_data (task, export, export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
ls_trace_export_to_file_finish (LsRecorder    *recorder,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, recorder), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
