/* ls-response-pane.h: the status line, headers, timings and error body of a response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-stream-response.h"

G_BEGIN_DECLS

#define LS_TYPE_RESPONSE_PANE (ls_response_pane_get_type ())
G_DECLARE_FINAL_TYPE (LsResponsePane, ls_response_pane, LS, RESPONSE_PANE, GtkWidget)

GtkWidget        *ls_response_pane_new             (void);
/* @response: (nullable): shown (a reference kept), or NULL for none yet.
 * The same response again changes nothing. */
void              ls_response_pane_set_response    (LsResponsePane   *self,
                                                    LsStreamResponse *response);
LsStreamResponse *ls_response_pane_get_response    (LsResponsePane   *self);
/* "HTTP/1.1 401 Unauthorized", or NULL without a response. */
const char       *ls_response_pane_get_status_line (LsResponsePane   *self);
/* The body as shown (JSON pretty-printed), or NULL when none is shown. */
char             *ls_response_pane_dup_body_text   (LsResponsePane   *self);

G_END_DECLS
