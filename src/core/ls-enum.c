/* ls-enum.c: enum ↔ nick through the enums' own GTypes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ls-enum.h"

static GEnumClass *
enum_class (GType enum_type)
{
  /* Kept for the process's life: the class is static data of a static type. */
  GEnumClass *klass = g_type_class_peek (enum_type);

  return klass != NULL ? klass : g_type_class_ref (enum_type);
}

const char *
ls_enum_to_nick (GType enum_type,
                 int   value)
{
  GEnumValue *ev;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), "unknown");

  ev = g_enum_get_value (enum_class (enum_type), value);
  return ev != NULL ? ev->value_nick : "unknown";
}

gboolean
ls_enum_from_nick (GType       enum_type,
                   const char *nick,
                   int        *value)
{
  GEnumValue *ev;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), FALSE);
  g_return_val_if_fail (nick != NULL, FALSE);

  ev = g_enum_get_value_by_nick (enum_class (enum_type), nick);
  if (ev == NULL)
    return FALSE;
  if (value != NULL)
    *value = ev->value;
  return TRUE;
}
