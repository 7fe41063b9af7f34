/* ls-short-bytes.h: copying and comparing the short strings of events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ids and types are a few bytes long. memcpy() and memcmp() with a size
 * known only at run time are calls; these move 4 to 16 bytes as two words
 * that may overlap, both inside the strings, and fall back to the calls
 * for other sizes.
 */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

static inline void
ls_short_bytes_copy (void       *dst,
                     const void *src,
                     gsize       n)
{
  if (n >= 8 && n <= 16)
    {
      guint64 head, tail;

      memcpy (&head, src, 8);
      memcpy (&tail, (const char *) src + n - 8, 8);
      memcpy (dst, &head, 8);
      memcpy ((char *) dst + n - 8, &tail, 8);
    }
  else if (n >= 4 && n < 8)
    {
      guint32 head, tail;

      memcpy (&head, src, 4);
      memcpy (&tail, (const char *) src + n - 4, 4);
      memcpy (dst, &head, 4);
      memcpy ((char *) dst + n - 4, &tail, 4);
    }
  else if (n > 0)
    memcpy (dst, src, n);
}

static inline gboolean
ls_short_bytes_equal (const void *a,
                      const void *b,
                      gsize       n)
{
  if (n >= 8 && n <= 16)
    {
      guint64 a0, a1, b0, b1;

      memcpy (&a0, a, 8);
      memcpy (&b0, b, 8);
      memcpy (&a1, (const char *) a + n - 8, 8);
      memcpy (&b1, (const char *) b + n - 8, 8);
      return a0 == b0 && a1 == b1;
    }
  if (n >= 4 && n < 8)
    {
      guint32 a0, a1, b0, b1;

      memcpy (&a0, a, 4);
      memcpy (&b0, b, 4);
      memcpy (&a1, (const char *) a + n - 4, 4);
      memcpy (&b1, (const char *) b + n - 4, 4);
      return a0 == b0 && a1 == b1;
    }
  return memcmp (a, b, n) == 0;
}

G_END_DECLS
