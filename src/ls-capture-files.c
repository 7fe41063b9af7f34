/* ls-capture-files.c: captures and event exports to and from files, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's Save Capture…, Open Capture… and Export Events…: what is
 * needed of the stream is copied on the UI thread (its options, figures,
 * references to its store and read log, which any thread may read), the
 * file is written or read in a GTask thread, the result comes back on the
 * UI thread. The file choosers are GtkFileChooserNative (GTK 4.8).
 */
#define G_LOG_DOMAIN "loopscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-capture-files.h"

typedef struct
{
  GFile     *file;
  LsCapture *capture;
  gboolean   include_secrets;
} FileJob;

static void
file_job_free (gpointer data)
{
  FileJob *job = data;

  g_clear_object (&job->file);
  g_clear_pointer (&job->capture, ls_capture_free);
  g_free (job);
}

static GOutputStream *
create_output (GFile   *file,
               GError **error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Only local files can be written"));
      return NULL;
    }
  return ls_capture_create_file (path, error);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FileJob *job = task_data;
  g_autoptr(GOutputStream) out = NULL;
  g_autofree char *name = g_file_get_parse_name (job->file);
  GError *error = NULL;

  out = create_output (job->file, &error);
  if (out == NULL || !ls_capture_write (job->capture, out, name, job->include_secrets, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  FileJob *job = task_data;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(LsEventWriter) w = NULL;
  g_autofree char *name = g_file_get_parse_name (job->file);
  GError *error = NULL;

  out = create_output (job->file, &error);
  if (out == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* What headless prints for these records, times from the first request. */
  w = ls_event_writer_new_for_stream (out, name, job->capture->t0_us);
  ls_event_writer_set_release (w, FALSE);
  ls_event_writer_write_new (w, job->capture->store);
  if (!ls_event_writer_close (w))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", ls_event_writer_get_error (w));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FileJob *job = task_data;
  g_autoptr(GFileInputStream) in = NULL;
  LsCapture *capture;
  GError *error = NULL;

  in = g_file_read (job->file, cancellable, &error);
  if (in == NULL || (capture = ls_capture_read (G_INPUT_STREAM (in), &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, capture, (GDestroyNotify) ls_capture_free);
}

static void
run_job (LsStream            *stream,
         GFile               *file,
         gboolean             include_secrets,
         GTaskThreadFunc      thread,
         gpointer             source_tag,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  FileJob *job = g_new0 (FileJob, 1);

  job->file = g_object_ref (file);
  job->include_secrets = include_secrets;
  if (stream != NULL)
    job->capture = ls_capture_new_from_stream (stream);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, file_job_free);
  g_task_run_in_thread (task, thread);
}

void
ls_capture_files_save_async (LsStream            *stream,
                             GFile               *file,
                             gboolean             include_secrets,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (LS_IS_STREAM (stream));
  g_return_if_fail (G_IS_FILE (file));

  run_job (stream, file, include_secrets, save_thread, ls_capture_files_save_async,
           cancellable, callback, user_data);
}

gboolean
ls_capture_files_save_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ls_capture_files_export_events_async (LsStream            *stream,
                                      GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (LS_IS_STREAM (stream));
  g_return_if_fail (G_IS_FILE (file));

  run_job (stream, file, FALSE, export_thread, ls_capture_files_export_events_async,
           cancellable, callback, user_data);
}

gboolean
ls_capture_files_export_events_finish (GAsyncResult  *result,
                                       GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ls_capture_files_open_async (GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (G_IS_FILE (file));

  run_job (NULL, file, FALSE, open_thread, ls_capture_files_open_async, cancellable, callback, user_data);
}

LsCapture *
ls_capture_files_open_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- choosers ---- */

typedef struct
{
  LsCaptureFileChosen callback;
  gpointer            user_data;
} Chosen;

static void
on_chooser_response (GtkFileChooserNative *chooser,
                     int                   response,
                     gpointer              data)
{
  Chosen *chosen = data;
  g_autoptr(GFile) file = NULL;
  const char *secrets = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "include-secrets");

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  chosen->callback (file, g_strcmp0 (secrets, "true") == 0, chosen->user_data);
  g_free (chosen);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_object_unref (chooser);
}

void
ls_capture_files_choose (GtkWindow           *parent,
                         gboolean             save,
                         gboolean             secrets_choice,
                         const char          *title,
                         const char          *accept_label,
                         const char          *suggested_name,
                         const char          *filter_name,
                         const char * const  *patterns,
                         LsCaptureFileChosen  callback,
                         gpointer             user_data)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  Chosen *chosen = g_new0 (Chosen, 1);

  chosen->callback = callback;
  chosen->user_data = user_data;
  chooser = gtk_file_chooser_native_new (title, parent,
                                         save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (save && suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  gtk_file_filter_set_name (filter, filter_name);
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (secrets_choice)
    {
      /* A boolean choice, off: credentials leave only when asked, per file. */
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "include-secrets",
                                   _("Include secrets (Authorization, cookies, API keys, URL passwords)"),
                                   NULL, NULL);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "include-secrets", "false");
    }
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), chosen);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
