/* ls-format.c: short, stable renderings of the figures the window shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "ls-format.h"

/**
 * ls_format_count:
 *
 * Renders @value with thousands grouped ("100,000"), using the locale's
 * separator when it has one and a comma in the C locale, where a bare
 * "100000" is hard to read at a glance.
 */
char *
ls_format_count (char    *buf,
                 gsize    len,
                 guint64  value)
{
  const struct lconv *lc = localeconv ();
  const char *sep = (lc->thousands_sep != NULL && lc->thousands_sep[0] != '\0')
                      ? lc->thousands_sep : ",";
  gsize sep_len = strlen (sep);
  char digits[32];
  char out[96];
  gsize n_digits;
  gsize pos = 0;
  gsize i;

  g_return_val_if_fail (buf != NULL && len > 0, buf);

  n_digits = (gsize) g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, value);
  for (i = 0; i < n_digits; i++)
    {
      if (i > 0 && (n_digits - i) % 3 == 0 && pos + sep_len < sizeof out)
        {
          memcpy (out + pos, sep, sep_len);
          pos += sep_len;
        }
      if (pos + 1 < sizeof out)
        out[pos++] = digits[i];
    }
  out[pos] = '\0';
  g_strlcpy (buf, out, len);

  return buf;
}

/**
 * ls_format_duration:
 *
 * Milliseconds with two decimals below a second ("0.12 ms", "850.00 ms"),
 * seconds with two decimals above ("1.03 s"): short, and a column of
 * figures keeps its shape.
 */
char *
ls_format_duration (char   *buf,
                    gsize   len,
                    gint64  usec)
{
  g_return_val_if_fail (buf != NULL && len > 0, buf);

  if (usec < 0)
    usec = 0;

  if (usec < G_USEC_PER_SEC)
    g_snprintf (buf, len, "%.2f ms", usec / 1000.0);
  else
    g_snprintf (buf, len, "%.2f s", usec / (double) G_USEC_PER_SEC);

  return buf;
}

/**
 * ls_format_size:
 *
 * Bytes in IEC units, the one unit system the window uses: "512 B",
 * "1.5 KiB", "12.0 MiB", "1.2 GiB".
 */
char *
ls_format_size (char    *buf,
                gsize    len,
                guint64  bytes)
{
  g_return_val_if_fail (buf != NULL && len > 0, buf);

  if (bytes < 1024)
    g_snprintf (buf, len, "%" G_GUINT64_FORMAT " B", bytes);
  else if (bytes < 1024 * 1024)
    g_snprintf (buf, len, "%.1f KiB", bytes / 1024.0);
  else if (bytes < G_GUINT64_CONSTANT (1024) * 1024 * 1024)
    g_snprintf (buf, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
  else
    g_snprintf (buf, len, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));

  return buf;
}
