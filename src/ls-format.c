/* ls-format.c: short, stable renderings of the figures the window shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <time.h>

#include <glib/gi18n.h>

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

/* One unit of a scale: values below @below (any, for the last) are shown
 * divided by @divisor, with @decimals, then the unit's name. */
typedef struct
{
  double      below;
  double      divisor;
  int         decimals;
  const char *name;
} LsUnit;

static char *
format_in_units (char         *buf,
                 gsize         len,
                 double        value,
                 const LsUnit *units,
                 gsize         n_units)
{
  gsize i = 0;

  while (i + 1 < n_units && value >= units[i].below)
    i++;
  /* The number in the locale's digits and separator; the unit's symbol
   * as the language writes it ("o" for bytes in French). */
  g_snprintf (buf, len, "%.*f %s", units[i].decimals, value / units[i].divisor,
              g_dpgettext2 (GETTEXT_PACKAGE, "unit", units[i].name));
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
  static const LsUnit units[] = {
    { G_USEC_PER_SEC, 1000.0, 2, NC_("unit", "ms") },
    { 0, G_USEC_PER_SEC, 2, NC_("unit", "s") },
  };

  g_return_val_if_fail (buf != NULL && len > 0, buf);

  return format_in_units (buf, len, MAX (usec, 0), units, G_N_ELEMENTS (units));
}

/**
 * ls_format_size:
 *
 * Bytes in IEC units, the one unit system the window uses: "512 B",
 * "1.5 KiB", "12.0 MiB", "1.2 GiB".
 */
char *
ls_format_rate (char   *buf,
                gsize   len,
                double  per_second)
{
  g_snprintf (buf, len, _("%.1f/s"), per_second);
  return buf;
}

char *
ls_format_size (char    *buf,
                gsize    len,
                guint64  bytes)
{
  static const LsUnit units[] = {
    /* TRANSLATORS: the IEC byte units (French writes o, Kio, Mio, Gio). */
    { 1024.0, 1.0, 0, NC_("unit", "B") },
    { 1024.0 * 1024.0, 1024.0, 1, NC_("unit", "KiB") },
    { 1024.0 * 1024.0 * 1024.0, 1024.0 * 1024.0, 1, NC_("unit", "MiB") },
    { 0, 1024.0 * 1024.0 * 1024.0, 1, NC_("unit", "GiB") },
  };

  g_return_val_if_fail (buf != NULL && len > 0, buf);

  return format_in_units (buf, len, (double) bytes, units, G_N_ELEMENTS (units));
}

/**
 * ls_format_clock:
 * @real_time_us: a g_get_real_time() time
 * @decimals: digits after the seconds, 0 to 6
 *
 * The local time of day, "14:03:07.250" with 3 decimals: the one way the
 * window shows when something happened (the events table, the timeline).
 */
char *
ls_format_clock (char   *buf,
                 gsize   len,
                 gint64  real_time_us,
                 guint   decimals)
{
  time_t seconds = (time_t) (real_time_us / G_USEC_PER_SEC);
  gint64 fraction = real_time_us % G_USEC_PER_SEC;
  struct tm tm;
  guint i;

  g_return_val_if_fail (buf != NULL && len > 0, buf);

  decimals = MIN (decimals, 6);
  if (real_time_us < 0 || localtime_r (&seconds, &tm) == NULL)
    {
      /* As wide as a time: "--:--:--" and the decimals' dashes. */
      g_strlcpy (buf, "--:--:--.------", MIN (len, 8 + (decimals > 0 ? decimals + 1 : 0) + 1));
      return buf;
    }

  for (i = decimals; i < 6; i++)
    fraction /= 10;
  if (decimals == 0)
    g_snprintf (buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  else
    g_snprintf (buf, len, "%02d:%02d:%02d.%0*d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                (int) decimals, (int) fraction);
  return buf;
}
