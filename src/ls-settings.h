/* ls-settings.h: what the Preferences' GSettings keys do to new streams and their stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-event-store.h"
#include "ls-stream-options.h"

G_BEGIN_DECLS

/* Both accept a NULL @settings (schema not installed): nothing changes. */
void ls_settings_apply_stream_defaults (GSettings       *settings,
                                        LsStreamOptions *options);
void ls_settings_apply_store_limits    (GSettings       *settings,
                                        LsEventStore    *store);

G_END_DECLS
