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

#include "fuzz-chunks.h"
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

static gboolean
feed_cb (gpointer       target,
         const guint8  *data,
         gsize          len,
         GError       **error)
{
  return ls_framer_feed (target, data, len, error);
}

static GString *
frame_all (const guint8 *stream,
           gsize         len,
           guint32       seed,
           gsize         max_size)
{
  GString *log = g_string_new (NULL);
  LsFramer *framer = ls_framer_new (LS_STREAM_FORMAT_NDJSON, on_frame_cb, log);
  gboolean ok;
  GError *error = NULL;

  if (max_size > 0)
    ls_framer_set_max_size (framer, max_size);

  ok = ls_fuzz_feed_chunks (feed_cb, framer, stream, len, seed, &error);

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
  ls_fuzz_compare_chunkings (frame_all, data, size, 1);
  return 0;
}
