/* ls-sse-parser.h: incremental WHATWG "server-sent events" parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no I/O, no main loop, no threads. Feed it bytes as they arrive in
 * chunks of any size; it calls back once per dispatched event, with the
 * same events whatever the chunking. Implements the "event stream
 * interpretation" of HTML §9.2.6: lines end at CRLF, LF or CR (also when a
 * CRLF is split across chunks); one leading BOM per connection is removed;
 * invalid UTF-8 becomes U+FFFD (WHATWG "UTF-8 decode"); comments, fields
 * without a colon, one leading space, data joined with LF, `event`, `id`
 * (ignored when it contains NUL), `retry` (all ASCII digits, milliseconds).
 *
 * Time is linear in the input: bytes are scanned once, partial lines are
 * kept in a buffer that grows geometrically and is never rescanned.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_SSE_ERROR (ls_sse_error_quark ())

typedef enum
{
  LS_SSE_ERROR_TOO_LARGE,  /* a line or an event exceeded the size cap */
  LS_SSE_ERROR_FAILED,     /* fed again after an earlier error */
} LsSseError;

#define LS_SSE_DEFAULT_MAX_SIZE ((gsize) 64 * 1024 * 1024)

typedef struct
{
  const char *type;      /* "message" when the event set none; never empty;
                          * valid UTF-8 (may contain U+0000), NUL-terminated */
  gsize       type_len;
  const char *data;      /* valid UTF-8 (may contain U+0000), NUL-terminated at data[data_len]
                          * unless the parser borrows data (see below) */
  gsize       data_len;
  const char *id;        /* the last event ID at dispatch, "" when none; NUL-terminated */
  gsize       id_len;
  gsize       wire_size; /* stream bytes consumed since the previous dispatch
                          * (comments and empty-data blocks included); the LF
                          * of a CRLF split across chunks counts for the next */
} LsSseEvent;

/* A comment line's text: after its colon and one leading space, decoded
 * like the rest (valid UTF-8, NUL-terminated at text[len]), cut to
 * LS_SSE_MAX_COMMENT_SIZE bytes. */
#define LS_SSE_MAX_COMMENT_SIZE ((gsize) 4096)

typedef void (*LsSseCommentFunc) (const char *text,
                                  gsize       len,
                                  gpointer    user_data);

/* Pointers in @event are valid only during the call. The callback must not
 * feed the same parser. */
typedef void (*LsSseEventFunc) (const LsSseEvent *event,
                                gpointer          user_data);

typedef struct _LsSseParser LsSseParser;

GQuark       ls_sse_error_quark              (void);

LsSseParser *ls_sse_parser_new               (LsSseEventFunc  func,
                                              gpointer        user_data);
void         ls_sse_parser_free              (LsSseParser    *self);

/* Comment lines (": heartbeat") are skipped unless a function is set:
 * then each is delivered in stream order with the events. NULL turns it
 * off. Same rules as for the event callback. */
void         ls_sse_parser_set_comment_func  (LsSseParser     *self,
                                              LsSseCommentFunc func,
                                              gpointer        user_data);

/* Off by default. On, an event whose data is one line lying whole in the
 * bytes being fed is handed out from there: not copied, and not
 * NUL-terminated (use data_len). For a consumer that copies the data
 * anyway (the event store). The pointer is valid during the callback
 * only, as always. */
void         ls_sse_parser_set_borrow_data   (LsSseParser    *self,
                                              gboolean        borrow);

/* Cap on one line and on one event's data, in bytes (default 64 MiB).
 * Exceeding it makes ls_sse_parser_feed() fail with LS_SSE_ERROR_TOO_LARGE;
 * events dispatched before stay delivered. Comment lines never hit the
 * cap: skipped, or kept only up to LS_SSE_MAX_COMMENT_SIZE. */
void         ls_sse_parser_set_max_size      (LsSseParser    *self,
                                              gsize           max_bytes);
gsize        ls_sse_parser_get_max_size      (LsSseParser    *self);

/* Returns FALSE once an error was raised; later feeds fail too
 * (LS_SSE_ERROR_FAILED) until ls_sse_parser_end_stream(). */
gboolean     ls_sse_parser_feed              (LsSseParser    *self,
                                              const guint8   *bytes,
                                              gsize           len,
                                              GError        **error);

/* End of one connection (EOF or disconnect): the incomplete event is
 * discarded; line, BOM, UTF-8 and error state are reset for the next
 * connection. The last event ID and the reconnection time are kept. */
void         ls_sse_parser_end_stream        (LsSseParser    *self);

const char  *ls_sse_parser_get_last_event_id (LsSseParser    *self);
void         ls_sse_parser_set_last_event_id (LsSseParser    *self,
                                              const char     *id);
/* -1 when the stream never set one; saturates at G_MAXINT64 */
gint64       ls_sse_parser_get_retry_ms      (LsSseParser    *self);
guint64      ls_sse_parser_get_n_events      (LsSseParser    *self);

/* Instrumentation for tests: bytes examined by the line scanner, the UTF-8
 * check and buffer copies, summed over the parser's life. Stays within a
 * small multiple of the input size whatever the chunking (linear time). */
guint64      ls_sse_parser_get_work_bytes    (LsSseParser    *self);
/* Capacity currently allocated by the internal buffers. */
gsize        ls_sse_parser_get_buffer_capacity (LsSseParser  *self);

/* WHATWG "UTF-8 decode" of one piece of text, without BOM handling.
 * Returns TRUE when @bytes is valid UTF-8 (U+0000 allowed) and leaves @out
 * untouched; otherwise appends the decoded text to @out, with one U+FFFD
 * per maximal invalid subsequence, and returns FALSE. Shared with the
 * framers. */
gboolean     ls_utf8_decode_lossy            (const char     *bytes,
                                              gsize           len,
                                              GString        *out);

/* A size limit for "… exceeds the 1 MiB limit" messages, in the user's
 * language: whole MiB or KiB when it is one, else bytes. Shared with the
 * framers. */
char        *ls_sse_format_limit             (gsize           bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSseParser, ls_sse_parser_free)

G_END_DECLS
