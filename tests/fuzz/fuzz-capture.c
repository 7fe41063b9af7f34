/* fuzz-capture.c: libFuzzer target for reading a capture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any bytes are read as a capture: either a clear error (one line, a
 * code of LS_CAPTURE_ERROR), or a capture. Whatever was read must write
 * again, and that must read back to the same records.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ls-capture.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(LsCapture) capture = NULL;
  g_autoptr(LsCapture) again = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GError) error = NULL;

  /* The reader's parser of flat lines agrees with json-glib, on each line. */
  for (const uint8_t *p = data, *end = data + size; p < end;)
    {
      const uint8_t *nl = memchr (p, '\n', (size_t) (end - p));
      const uint8_t *stop = nl != NULL ? nl : end;

      g_assert (_ls_capture_check_flat_line ((const char *) p, (gsize) (stop - p)));
      p = stop + 1;
    }

  capture = ls_capture_read_bytes (data, size, &error);
  if (capture == NULL)
    {
      g_assert (error != NULL && error->domain == LS_CAPTURE_ERROR);
      g_assert (error->message[0] != '\0' && strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_assert_no_error (error);
  g_assert (capture->store != NULL && capture->request != NULL);

  out = g_memory_output_stream_new_resizable ();
  g_assert (ls_capture_write (capture, out, "memory", TRUE, &error));
  written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  again = ls_capture_read_bytes (g_bytes_get_data (written, NULL), g_bytes_get_size (written), &error);
  g_assert_no_error (error);
  g_assert (again != NULL);
  g_assert (ls_event_store_get_end_seq (again->store) - ls_event_store_get_first_seq (again->store) ==
            ls_event_store_get_end_seq (capture->store) - ls_event_store_get_first_seq (capture->store));
  g_assert (ls_read_log_get_end (again->read_log) == ls_read_log_get_end (capture->read_log));
  return 0;
}
