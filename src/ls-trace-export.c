/* ls-trace-export.c: writing the recorder's Chrome trace to a file, and reading one, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trace can hold many thousand spans: the file is written in a GTask
 * thread, which may read the recorder (it is safe to read from any
 * thread). Credentials in span details stay redacted unless the flags ask
 * for them, for one export at a time. A trace file opened is read and
 * imported there too, into a recorder of its own: the file is anyone's,
 * so its size is checked before it is read (ls_trace_import() checks
 * the rest).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-trace-export.h"

/* An opened trace's own recorder keeps this many records of each kind. */
#define OPEN_CAPACITY (1u << 20)

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

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(LsRecorder) recorder = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  gssize imported;
  char *data = NULL;
  gsize size = 0;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s",
                               _("Not a regular file"));
      return;
    }
  if ((guint64) g_file_info_get_size (info) > LS_TRACE_IMPORT_MAX_BYTES)
    {
      g_autofree char *limit = g_format_size_full (LS_TRACE_IMPORT_MAX_BYTES, G_FORMAT_SIZE_IEC_UNITS);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("Too large for a trace: more than %s"), limit);
      return;
    }
  if (!g_file_load_contents (file, cancellable, &data, &size, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  bytes = g_bytes_new_take (data, size);

  recorder = ls_recorder_new (OPEN_CAPACITY);
  imported = ls_trace_import (recorder, bytes, NULL, &error);
  if (imported < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (ls_recorder_get_total (recorder) == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                               _("No spans, events or counters in the file"));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&recorder), g_object_unref);
}

/**
 * ls_trace_open_file_async:
 *
 * Reads @file (a Chrome trace JSON, ours or another tool's) into a
 * recorder of its own, off the UI thread. Refused with a one-line reason:
 * not a regular file, larger than LS_TRACE_IMPORT_MAX_BYTES, nested too
 * deep, not JSON, no trace events in it.
 */
void
ls_trace_open_file_async (GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ls_trace_open_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, open_thread);
}

/* Returns: (transfer full) (nullable): the trace's records. */
LsRecorder *
ls_trace_open_file_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
