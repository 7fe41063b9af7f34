/* ls-settings.c: what the Preferences' GSettings keys do to new streams and their stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read when a stream is created (so a change applies to the next one
 * without touching the running one, whose options never change) and, for
 * the retention cap, also whenever the key changes.
 */
#include "config.h"

#include "ls-settings.h"

/* After the editor has set the method: the reconnect default is GET's. */
void
ls_settings_apply_stream_defaults (GSettings       *settings,
                                   LsStreamOptions *options)
{
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_return_if_fail (options != NULL);

  if (settings == NULL)
    return;

  if (options->method == NULL || g_ascii_strcasecmp (options->method, "GET") == 0)
    options->reconnect = g_settings_get_boolean (settings, "reconnect-get");
  options->reconnect_ms = g_settings_get_uint (settings, "reconnect-delay-ms");
  options->idle_timeout_ms = g_settings_get_uint (settings, "idle-timeout") * 1000;
  options->stall_timeout_ms = g_settings_get_uint (settings, "stall-timeout") * 1000;
}

void
ls_settings_apply_store_limits (GSettings    *settings,
                                LsEventStore *store)
{
  guint64 max_bytes;

  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_return_if_fail (store != NULL);

  if (settings == NULL)
    return;

  ls_event_store_get_limits (store, NULL, &max_bytes);
  ls_event_store_set_limits (store, g_settings_get_uint64 (settings, "event-retention"), max_bytes);
}
