/* ls-stream-page-private.h: what the tests read back from the Stream page's status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-stream-page.h"

G_BEGIN_DECLS

/* The status message, as shown. */
const char *_ls_stream_page_get_message        (LsStreamPage *self);
/* A figure's text by its caption's name: "events", "bytes", "rate",
 * "reconnects" or "first-byte". */
const char *_ls_stream_page_get_figure         (LsStreamPage *self,
                                                const char   *name);
/* The buttons shown while waiting to reconnect. */
GtkWidget  *_ls_stream_page_get_reconnect_now_button (LsStreamPage *self);
GtkWidget  *_ls_stream_page_get_pause_button   (LsStreamPage *self);
/* Replay, shown with a capture. */
GtkWidget  *_ls_stream_page_get_replay_button  (LsStreamPage *self);
/* Whether the countdown's timer exists (only while a countdown is shown). */
gboolean    _ls_stream_page_get_countdown_active (LsStreamPage *self);

G_END_DECLS
