/* fuzz-chunks.c: feeding a parser whole, in chunks and byte by byte, for the fuzz targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiled into each byte-level target, so that every parser is cut the
 * same way and compared by the same rule.
 */
#include "config.h"

#include <string.h>

#include "fuzz-chunks.h"

gboolean
ls_fuzz_feed_chunks (LsFuzzFeedFunc   feed,
                     gpointer         target,
                     const guint8    *stream,
                     gsize            len,
                     guint32          seed,
                     GError         **error)
{
  gsize off = 0;
  gboolean ok = TRUE;

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
      if (seed == 0)
        ok = feed (target, stream + off, n, error);
      else
        {
          /* A chunk of its own, gone after its feed (as a read buffer is
           * refilled): a pointer kept into it is caught by ASan. Never
           * NULL, empty chunks included (a reader's buffer is not). */
          guint8 *chunk = g_malloc (MAX (n, 1));

          memcpy (chunk, stream + off, n);

          ok = feed (target, chunk, n, error);
          g_free (chunk);
        }
      off += n;
    }
  return ok;
}

void
ls_fuzz_compare_chunkings (LsFuzzRunFunc  run,
                           const guint8  *data,
                           gsize          size,
                           gsize          min_cap)
{
  guint32 seed;
  gsize max_size;
  GString *whole;
  GString *chunked;

  if (size < 1)
    return;
  max_size = (data[0] & 3) == 0 ? min_cap + (data[0] >> 2) : 0;
  seed = 1 + (data[0] * 2654435761u) % 0x7FFFFFFFu;
  whole = run (data + 1, size - 1, 0, max_size);
  chunked = run (data + 1, size - 1, seed, max_size);

  if (!g_string_equal (whole, chunked))
    g_error ("chunking changed the result:\n--- whole\n%s\n--- chunked\n%s",
             whole->str, chunked->str);

  /* Byte by byte too, while it is cheap. */
  if (size <= 4096)
    {
      GString *bytewise = run (data + 1, size - 1, G_MAXUINT32, max_size);

      if (!g_string_equal (whole, bytewise))
        g_error ("byte-by-byte feeding changed the result:\n--- whole\n%s\n--- bytewise\n%s",
                 whole->str, bytewise->str);
      g_string_free (bytewise, TRUE);
    }

  g_string_free (whole, TRUE);
  g_string_free (chunked, TRUE);
}
