/* ls-framer.h: bytes of a streaming body to frames (SSE, NDJSON or raw)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One event shape for the three stream formats, so that the stream, the
 * store and the UI do not care which one a body uses. Pure like the SSE
 * parser: no I/O, incremental, the same frames whatever the chunking
 * (except raw, where the chunking IS the content).
 */
#pragma once

#include <glib-object.h>

#include "ls-sse-parser.h"

G_BEGIN_DECLS

typedef enum
{
  LS_STREAM_FORMAT_AUTO,    /* pick from the Content-Type */
  LS_STREAM_FORMAT_SSE,
  LS_STREAM_FORMAT_NDJSON,
  LS_STREAM_FORMAT_RAW,
} LsStreamFormat;

/* Nicks: "auto", "sse", "ndjson", "raw" (ls-enum.h). */
#define LS_TYPE_STREAM_FORMAT (ls_stream_format_get_type ())
GType ls_stream_format_get_type (void);

typedef struct
{
  LsStreamFormat format;
  const char    *type;       /* SSE event type; "ndjson" for NDJSON lines; "chunk" for raw */
  gsize          type_len;
  const char    *data;       /* SSE data / the NDJSON line without EOL / the raw chunk */
  gsize          data_len;   /* SSE and NDJSON: valid UTF-8, NUL-terminated at data[data_len]
                              * (SSE: unless its parser borrows data, see
                              * ls_sse_parser_set_borrow_data()).
                              * Raw: the bytes as received (may hold NUL, not terminated). */
  const char    *id;         /* SSE last event ID; "" otherwise; NUL-terminated */
  gsize          id_len;
  gboolean       valid;      /* NDJSON: FALSE when the line is not valid JSON
                              * (or not valid UTF-8); TRUE otherwise */
  gsize          wire_size;  /* bytes this frame took on the wire */
  gboolean       comment;    /* SSE comment line, when asked for: data holds its
                              * text (type "", valid, wire_size 0); not an event */
} LsFrame;

/* Pointers in @frame are valid only during the call. */
typedef void (*LsFrameFunc) (const LsFrame *frame,
                             gpointer       user_data);

typedef struct _LsFramer LsFramer;

/* The LS_TYPE_STREAM_FORMAT nicks, case-insensitive. FALSE for anything else. */
gboolean        ls_stream_format_from_string       (const char     *str,
                                                    LsStreamFormat *format);
const char     *ls_stream_format_to_string         (LsStreamFormat  format);
/* text/event-stream -> SSE; application/x-ndjson, application/ndjson,
 * application/jsonl, application/x-jsonl, application/jsonlines,
 * application/x-jsonlines, application/json-seq -> NDJSON; anything else
 * (and NULL) -> RAW. Parameters are ignored, the match is case-insensitive. */
LsStreamFormat  ls_stream_format_from_content_type (const char     *content_type);

/* @format must not be AUTO: resolve it first. */
LsFramer       *ls_framer_new                      (LsStreamFormat  format,
                                                    LsFrameFunc     func,
                                                    gpointer        user_data);
void            ls_framer_free                     (LsFramer       *self);
LsStreamFormat  ls_framer_get_format               (LsFramer       *self);
/* Cap on an SSE line/event or an NDJSON line (default 64 MiB); raw frames
 * are the chunks fed and are not capped. */
void            ls_framer_set_max_size             (LsFramer       *self,
                                                    gsize           max_bytes);
/* SSE: hand comment lines out as frames with .comment set (off by default);
 * other formats have none. */
void            ls_framer_set_comments             (LsFramer       *self,
                                                    gboolean        comments);
/* Errors are LS_SSE_ERROR ones, for every format. */
gboolean        ls_framer_feed                     (LsFramer       *self,
                                                    const guint8   *bytes,
                                                    gsize           len,
                                                    GError        **error);
/* End of one connection. SSE: the incomplete event is discarded.
 * NDJSON: a final line without a newline IS emitted. */
void            ls_framer_end_stream               (LsFramer       *self);
/* NULL unless the format is SSE. Owned by the framer. */
LsSseParser    *ls_framer_get_sse_parser           (LsFramer       *self);
guint64         ls_framer_get_n_frames             (LsFramer       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsFramer, ls_framer_free)

G_END_DECLS
