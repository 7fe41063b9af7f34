/* ls-enum.h: one source of truth for every enum ↔ string mapping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every public enum of the engine has a GType defined next to it with
 * G_DEFINE_ENUM_TYPE, whose nicks ("open", "http-status", …) are the only
 * names it has: the UI, the headless writer and the trace all read them
 * from here, so they can never disagree.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nick of @value in @enum_type, or "unknown" for a value it lacks. */
const char *ls_enum_to_nick   (GType       enum_type,
                               int         value);
/* TRUE and *@value when @nick names a value of @enum_type. */
gboolean    ls_enum_from_nick (GType       enum_type,
                               const char *nick,
                               int        *value);

G_END_DECLS
