/* ls-stream-response.h: what the server answered, kept for after the fact
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small refcounted boxed struct, immutable once handed out: the status
 * line, the response headers (copied, bounded), when they came and when
 * the first body byte came, and for a reply other than 2xx its body
 * (bounded, as bytes). ls_stream_get_response() gives the latest
 * connection's on the UI thread; a later connection replaces it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bounds on what is copied from one response. */
#define LS_STREAM_RESPONSE_MAX_HEADERS     128
#define LS_STREAM_RESPONSE_MAX_HEADER_SIZE ((gsize) 8 * 1024)   /* per value; longer ones are cut */
#define LS_STREAM_RESPONSE_MAX_BODY        ((gsize) 64 * 1024)

typedef struct
{
  const char *http_version;       /* static: "HTTP/1.0", "HTTP/1.1" or "HTTP/2" */
  guint       status;             /* e.g. 401 */
  char       *reason;             /* the reason phrase, or the standard one; never NULL */
  GPtrArray  *headers;            /* of LsStreamHeader *, in order; repeats kept */
  gboolean    headers_truncated;  /* more than LS_STREAM_RESPONSE_MAX_HEADERS, or a value cut */
  gint64      headers_us;         /* request sent → response headers, µs (monotonic) */
  gint64      first_byte_us;      /* request sent → first body byte, µs; -1 when none yet */
  GBytes     *error_body;         /* the body of a reply other than 2xx, at most
                                   * LS_STREAM_RESPONSE_MAX_BODY bytes; NULL for 2xx */
  gboolean    error_body_truncated;
  /*< private >*/
  gint        ref_count;
} LsStreamResponse;

#define LS_TYPE_STREAM_RESPONSE (ls_stream_response_get_type ())

GType             ls_stream_response_get_type   (void) G_GNUC_CONST;
/* Any thread. */
LsStreamResponse *ls_stream_response_ref        (LsStreamResponse       *self);
void              ls_stream_response_unref      (LsStreamResponse       *self);
/* The value of the first header named @name (case-insensitive), or NULL. */
const char       *ls_stream_response_get_header (const LsStreamResponse *self,
                                                 const char             *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStreamResponse, ls_stream_response_unref)

G_END_DECLS
