/* fuzz-trace-import.c: libFuzzer target for importing a Chrome trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any bytes are imported into a small recorder (so the ring wraps): either
 * a clear error, or events imported. Whatever was imported must export
 * again as valid JSON, and that export must import with nothing skipped.
 */
#include "config.h"

#include <stdint.h>

#include <json-glib/json-glib.h>

#include "ls-trace.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (64);
  g_autoptr(LsRecorder) again = ls_recorder_new (64);
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GBytes) exported = NULL;
  g_autoptr(GError) error = NULL;
  guint skipped = 0;
  gssize imported;

  imported = ls_trace_import (recorder, input, &skipped, &error);
  if (imported < 0)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  g_assert_no_error (error);

  out = g_memory_output_stream_new_resizable ();
  g_assert (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, &error));
  g_assert (g_output_stream_close (out, NULL, NULL));
  exported = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  skipped = 0;
  imported = ls_trace_import (again, exported, &skipped, &error);
  g_assert_no_error (error);
  g_assert (imported >= 0);
  g_assert (skipped == 0);
  /* What the rings kept (64 of history, 64 of samples) comes back whole. */
  g_assert (ls_recorder_get_total (again) == ls_recorder_get_total (recorder) - ls_recorder_get_dropped (recorder));
  return 0;
}
