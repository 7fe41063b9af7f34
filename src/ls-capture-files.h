/* ls-capture-files.h: captures and event exports to and from files, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-capture.h"

G_BEGIN_DECLS

/* UI thread: copies what it needs of @stream, writes in a thread. */
void       ls_capture_files_save_async          (LsStream            *stream,
                                                 GFile               *file,
                                                 gboolean             include_secrets,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean   ls_capture_files_save_finish         (GAsyncResult        *result,
                                                 GError             **error);
/* The stream's records as the headless event lines (NDJSON). */
void       ls_capture_files_export_events_async (LsStream            *stream,
                                                 GFile               *file,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean   ls_capture_files_export_events_finish (GAsyncResult       *result,
                                                  GError            **error);
void       ls_capture_files_open_async          (GFile               *file,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
LsCapture *ls_capture_files_open_finish         (GAsyncResult        *result,
                                                 GError             **error);

/* A native file chooser: @save asks where to save (with an "Include
 * secrets" choice, off, when @secrets_choice), otherwise what to open.
 * @callback gets the file (NULL when cancelled) and the choice. */
typedef void (*LsCaptureFileChosen) (GFile    *file,
                                     gboolean  include_secrets,
                                     gpointer  user_data);
void       ls_capture_files_choose              (GtkWindow           *parent,
                                                 gboolean             save,
                                                 gboolean             secrets_choice,
                                                 const char          *title,
                                                 const char          *accept_label,
                                                 const char          *suggested_name,
                                                 const char          *filter_name,
                                                 const char * const  *patterns,
                                                 LsCaptureFileChosen  callback,
                                                 gpointer             user_data);

G_END_DECLS
