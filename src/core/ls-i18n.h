/* ls-i18n.h: the process's locale and the loopscope message catalog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void        ls_i18n_init          (void);
const char *ls_i18n_get_localedir (void);

G_END_DECLS
