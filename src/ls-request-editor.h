/* ls-request-editor.h: method, URL, format, headers, body and settings of a request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-framer.h"
#include "ls-stream-options.h"

G_BEGIN_DECLS

/* The per-request timings of the Settings popover, in the Preferences'
 * units. */
typedef struct
{
  guint reconnect_ms;
  guint idle_timeout_s;   /* 0: off */
  guint stall_timeout_s;  /* 0: off */
} LsRequestTiming;

#define LS_TYPE_REQUEST_EDITOR (ls_request_editor_get_type ())
G_DECLARE_FINAL_TYPE (LsRequestEditor, ls_request_editor, LS, REQUEST_EDITOR, GtkWidget)

GtkWidget      *ls_request_editor_new            (void);

const char     *ls_request_editor_get_method     (LsRequestEditor *self);
void            ls_request_editor_set_method     (LsRequestEditor *self,
                                                  const char      *method);
const char     *ls_request_editor_get_url        (LsRequestEditor *self);
void            ls_request_editor_set_url        (LsRequestEditor *self,
                                                  const char      *url);
LsStreamFormat  ls_request_editor_get_format     (LsRequestEditor *self);
void            ls_request_editor_set_format     (LsRequestEditor *self,
                                                  LsStreamFormat   format);
/* Rows with an empty name are skipped. */
guint           ls_request_editor_get_n_headers  (LsRequestEditor *self);
gboolean        ls_request_editor_get_header     (LsRequestEditor *self,
                                                  guint            index,
                                                  const char     **name,
                                                  const char     **value);
void            ls_request_editor_add_header     (LsRequestEditor *self,
                                                  const char      *name,
                                                  const char      *value);
void            ls_request_editor_clear_headers  (LsRequestEditor *self);
/* NULL when the body is empty, and for GET and HEAD (the text is kept
 * for when the method changes back, but not sent). */
GBytes         *ls_request_editor_dup_body       (LsRequestEditor *self);
void            ls_request_editor_set_body       (LsRequestEditor *self,
                                                  const char      *body);
/* FALSE while the method (GET, HEAD) sends no body. */
gboolean        ls_request_editor_get_body_editable (LsRequestEditor *self);
/* The Headers & Body button's label: "_Headers (2) · Body 55 B". */
const char     *ls_request_editor_get_summary    (LsRequestEditor *self);
void            ls_request_editor_popup_extras   (LsRequestEditor *self);

/* AUTO by default: on for GET, off for POST and any request with a body. */
LsStreamReconnect ls_request_editor_get_reconnect (LsRequestEditor  *self);
void            ls_request_editor_set_reconnect  (LsRequestEditor   *self,
                                                  LsStreamReconnect  reconnect);
void            ls_request_editor_get_timing     (LsRequestEditor       *self,
                                                  LsRequestTiming       *timing);
void            ls_request_editor_set_timing     (LsRequestEditor       *self,
                                                  const LsRequestTiming *timing);

/* A one-line reason shown under the URL (NULL hides it). */
void            ls_request_editor_set_error      (LsRequestEditor *self,
                                                  const char      *message);
const char     *ls_request_editor_get_error      (LsRequestEditor *self);
/* TRUE: the button reads "Stop" and emits ::stop; FALSE: "Connect". */
void            ls_request_editor_set_running    (LsRequestEditor *self,
                                                  gboolean         running);
gboolean        ls_request_editor_get_running    (LsRequestEditor *self);
/* The whole request of @source, as Duplicate makes a new stream of it. */
void            ls_request_editor_copy_from      (LsRequestEditor *self,
                                                  LsRequestEditor *source);
/* When connecting is impossible, why (shown as the button's tooltip). */
void            ls_request_editor_set_can_connect (LsRequestEditor *self,
                                                   gboolean         can_connect,
                                                   const char      *reason);
/* What the button does right now: emits ::connect or ::stop. */
void            ls_request_editor_activate       (LsRequestEditor *self);
void            ls_request_editor_focus_url      (LsRequestEditor *self);

G_END_DECLS
