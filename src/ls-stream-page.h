/* ls-stream-page.h: one request, its live state and what it received
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-bridge.h"
#include "ls-capture.h"
#include "ls-replay.h"
#include "ls-event-panel.h"
#include "ls-request-editor.h"
#include "ls-response-pane.h"
#include "ls-stream.h"

G_BEGIN_DECLS

#define LS_TYPE_STREAM_PAGE (ls_stream_page_get_type ())
G_DECLARE_FINAL_TYPE (LsStreamPage, ls_stream_page, LS, STREAM_PAGE, GtkWidget)

GtkWidget       *ls_stream_page_new              (void);
void             ls_stream_page_set_bridge       (LsStreamPage *self,
                                                  LsBridge     *bridge);
LsRequestEditor *ls_stream_page_get_editor       (LsStreamPage *self);
LsEventPanel    *ls_stream_page_get_event_panel  (LsStreamPage *self);
LsResponsePane  *ls_stream_page_get_response_pane (LsStreamPage *self);
/* The Response page in front (done once when a stream fails on an HTTP
 * status with a body). */
void             ls_stream_page_show_response    (LsStreamPage *self);
/* The current (or last) stream, NULL before the first connect. */
LsStream        *ls_stream_page_get_stream       (LsStreamPage *self);
/* What the Connect button does. FALSE (and the reason under the URL)
 * when the request is not valid or the engine refuses it. */
gboolean         ls_stream_page_connect          (LsStreamPage *self);
/* A capture read back, shown read-only in place of the stream (a new
 * connect replaces it). FALSE without an engine. */
gboolean         ls_stream_page_show_capture     (LsStreamPage *self,
                                                  LsCapture    *capture,
                                                  const char   *name);
/* What the Stop button does; also done when the page goes away. */
LsReplay        *ls_stream_page_new_capture_replay (LsStreamPage *self,
                                                    GError      **error);
void             ls_stream_page_stop             (LsStreamPage *self);
/* Ctrl+R: reconnect now when waiting to, else connect the request anew. */
gboolean         ls_stream_page_reconnect        (LsStreamPage *self);
/* What "Trust This Certificate for This Stream" does: reconnects accepting
 * the one certificate the stream refused (--accept-certificate), for this
 * URL only. FALSE when the stream did not fail on a certificate. */
gboolean         ls_stream_page_trust_rejected_certificate (LsStreamPage *self);
/* "live": the stream is connecting, open or waiting to reconnect. */
gboolean         ls_stream_page_get_live         (LsStreamPage *self);
/* The Preferences (GSettings), for each new stream; NULL for none. */
void             ls_stream_page_set_settings     (LsStreamPage *self,
                                                  GSettings    *settings);
/* Ctrl+L and Ctrl+F. */
void             ls_stream_page_focus_url        (LsStreamPage *self);
void             ls_stream_page_focus_filter     (LsStreamPage *self);
/* What the streams sidebar shows ("title", "summary" notify on change). */
const char      *ls_stream_page_get_title        (LsStreamPage *self,
                                                  const char  **location);
const char      *ls_stream_page_get_summary      (LsStreamPage *self,
                                                  const char  **css_class);

G_END_DECLS
