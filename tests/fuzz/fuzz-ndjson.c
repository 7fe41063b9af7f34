/* fuzz-ndjson.c: libFuzzer target for the NDJSON framer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 picks the chunking and the size cap, the rest is the
 * stream. Parsed whole, in input-derived chunks and byte by byte: every
 * frame must be well-formed (UTF-8, NUL-terminated, no LF inside, never
 * blank) and the runs must agree on the frames, their validity and the
 * errors. A valid frame must parse again with json-glib.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "ls-framer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
on_frame_cb (const LsFrame *frame,
             gpointer       user_data)
{
  GString *log = user_data;

  g_assert (frame->format == LS_STREAM_FORMAT_NDJSON);
  g_assert (strcmp (frame->type, "ndjson") == 0);
  g_assert (frame->id != NULL && frame->id_len == 0);
  g_assert (frame->data != NULL && frame->data[frame->data_len] == '\0');
  g_assert (frame->data_len > 0);
  g_assert (memchr (frame->data, '\n', frame->data_len) == NULL);
  if (frame->valid)
    g_assert (frame->wire_size >= frame->data_len);  /* U+FFFD may lengthen the rest */
  if (memchr (frame->data, '\0', frame->data_len) == NULL)
    g_assert (g_utf8_validate (frame->data, frame->data_len, NULL));
  else
    g_assert (!frame->valid);

  if (frame->valid)
    {
      JsonParser *parser = json_parser_new ();

      g_assert (json_parser_load_from_data (parser, frame->data, frame->data_len, NULL));
      g_object_unref (parser);
    }

  g_string_append_printf (log, "%c%" G_GSIZE_FORMAT ":", frame->valid ? '+' : '-', frame->data_len);
  g_string_append_len (log, frame->data, frame->data_len);
  g_string_append_c (log, '\n');
}

static GString *
frame_all (const guint8 *stream,
           gsize         len,
           guint32       seed,
           gsize         max_size)
{
  GString *log = g_string_new (NULL);
  LsFramer *framer = ls_framer_new (LS_STREAM_FORMAT_NDJSON, on_frame_cb, log);
  gsize off = 0;
  gboolean ok = TRUE;
  GError *error = NULL;

  if (max_size > 0)
    ls_framer_set_max_size (framer, max_size);

  while (ok && off < len)
    {
      gsize n = len - off;

      if (seed == G_MAXUINT32)
        {
          n = 1;
        }
      else if (seed != 0)
        {
          seed = seed * 1103515245u + 12345u;
          n = MIN (n, ((seed >> 16) % 17) + (seed % 5 == 0 ? 0 : 1));
        }
      ok = ls_framer_feed (framer, stream + off, n, &error);
      off += n;
    }

  if (!ok)
    {
      g_assert (g_error_matches (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE));
      g_string_append_printf (log, "error: %s\n", error->message);
      g_clear_error (&error);
    }
  ls_framer_end_stream (framer);
  g_string_append_printf (log, "frames: %" G_GUINT64_FORMAT "\n", ls_framer_get_n_frames (framer));

  ls_framer_free (framer);
  return log;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GString *whole;
  GString *chunked;
  gsize max_size;
  guint32 seed;

  if (size < 1)
    return 0;

  max_size = (data[0] & 3) == 0 ? 1 + (data[0] >> 2) : 0;
  seed = 1 + (data[0] * 2654435761u) % 0x7FFFFFFFu;

  whole = frame_all (data + 1, size - 1, 0, max_size);
  chunked = frame_all (data + 1, size - 1, seed, max_size);
  if (!g_string_equal (whole, chunked))
    g_error ("chunking changed the result:\n--- whole\n%s\n--- chunked\n%s",
             whole->str, chunked->str);

  if (size <= 4096)
    {
      GString *bytewise = frame_all (data + 1, size - 1, G_MAXUINT32, max_size);

      if (!g_string_equal (whole, bytewise))
        g_error ("byte-by-byte feeding changed the result:\n--- whole\n%s\n--- bytewise\n%s",
                 whole->str, bytewise->str);
      g_string_free (bytewise, TRUE);
    }

  g_string_free (whole, TRUE);
  g_string_free (chunked, TRUE);
  return 0;
}
