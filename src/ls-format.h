/* ls-format.h: short, stable renderings of the figures the window shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* All write into @buf (always NUL-terminated) and return @buf, so that a
 * per-frame refresh formats without allocating. */
char *ls_format_count     (char    *buf,
                           gsize    len,
                           guint64  value);
char *ls_format_duration  (char    *buf,
                           gsize    len,
                           gint64   usec);
char *ls_format_size      (char    *buf,
                           gsize    len,
                           guint64  bytes);
/* "12.5/s": a rate, one decimal. */
char *ls_format_rate      (char    *buf,
                           gsize    len,
                           double   per_second);
char *ls_format_clock     (char    *buf,
                           gsize    len,
                           gint64   real_time_us,
                           guint    decimals);

G_END_DECLS
