/* ls-stream-options.h: what one streaming request asks for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain boxed struct with public fields: fill it on the UI thread (or
 * from the command line), validate it, hand it to ls_stream_new(), which
 * takes a deep copy; the copy never changes afterwards.
 */
#pragma once

#include <gio/gio.h>

#include "ls-framer.h"

G_BEGIN_DECLS

#define LS_STREAM_ERROR (ls_stream_error_quark ())

typedef enum
{
  LS_STREAM_ERROR_INVALID_URL,
  LS_STREAM_ERROR_INVALID_METHOD,
  LS_STREAM_ERROR_INVALID_HEADER,
  LS_STREAM_ERROR_INVALID_OPTION,
  LS_STREAM_ERROR_NOT_IDLE,       /* ls_stream_start() on a stream already started */
} LsStreamError;

/* Defaults and bounds. The reconnect floor keeps a server's `retry: 0`
 * (or a zero --reconnect-ms) from turning into a busy reconnect loop. */
#define LS_STREAM_DEFAULT_RECONNECT_MS   3000
#define LS_STREAM_MIN_RECONNECT_MS       100
#define LS_STREAM_MAX_RECONNECT_MS       (24 * 3600 * 1000)
#define LS_STREAM_DEFAULT_BACKOFF_MAX_MS 30000
#define LS_STREAM_MAX_DURATION_MS        (G_GUINT64_CONSTANT (366) * 24 * 3600 * 1000)
#define LS_STREAM_MAX_IDLE_TIMEOUT_MS    (24 * 3600 * 1000)
#define LS_STREAM_DEFAULT_MAX_EVENT_SIZE ((gsize) 64 * 1024 * 1024)
#define LS_STREAM_MIN_MAX_EVENT_SIZE     ((gsize) 16)
#define LS_STREAM_MAX_MAX_EVENT_SIZE     ((gsize) 1024 * 1024 * 1024)
/* A compressed body may expand at most this many times its wire size
 * once it has decoded past LS_STREAM_EXPANSION_FLOOR (a decompression
 * bomb is refused, ordinary compression of text stays well below). */
#define LS_STREAM_DEFAULT_MAX_EXPANSION  100
#define LS_STREAM_MAX_MAX_EXPANSION      100000
#define LS_STREAM_EXPANSION_FLOOR        ((guint64) 16 * 1024 * 1024)
/* The largest request body (--data) accepted. */
#define LS_STREAM_MAX_BODY_SIZE          ((gsize) 64 * 1024 * 1024)

typedef struct
{
  char *name;
  char *value;
} LsStreamHeader;

/* Whether a stream reconnects after a network error and (SSE) a clean end
 * of body. FALSE and TRUE keep meaning off and on. */
typedef enum
{
  LS_STREAM_RECONNECT_OFF  = 0,
  LS_STREAM_RECONNECT_ON   = 1,
  /* The default: on for GET and HEAD (which never send a body), and for
   * other methods without a body except POST; off for POST and for any
   * request with a body. A completed POST is done: sending it again would
   * repeat its effect (an LLM request would be answered twice). */
  LS_STREAM_RECONNECT_AUTO = 2,
} LsStreamReconnect;

typedef struct
{
  char           *url;
  char           *method;          /* NULL means GET */
  GPtrArray      *headers;         /* of LsStreamHeader *, in order; repeats allowed */
  GBytes         *body;            /* NULL: no request body */
  LsStreamFormat  format;          /* AUTO picks by Content-Type */
  guint64         max_events;      /* 0: unlimited; counts stored events, not lifecycle records */
  guint64         duration_ms;     /* 0: unlimited */
  LsStreamReconnect reconnect;     /* AUTO by default; ls_stream_options_get_reconnect() resolves it */
  guint           reconnect_ms;    /* until the server sends `retry:` */
  char           *last_event_id;   /* NULL or "": none; sent as Last-Event-ID on the first request */
  guint           idle_timeout_ms; /* 0: off; no body bytes for this long is a network error */
  gsize           max_event_size;  /* cap on one SSE line/event or NDJSON line */
  guint           backoff_max_ms;  /* cap on the exponential backoff of repeated failures */
  guint           stall_timeout_ms; /* 0: off; no complete line (SSE, NDJSON) or chunk (raw)
                                     * for this long, or no response, is a network error:
                                     * a trickle of bytes does not reset it, comments do */
  guint           max_expansion;   /* 0: off; decoded body bytes per wire byte (Content-Encoding) */
  gboolean        comments;        /* store SSE comment lines (LS_EVENT_KIND_COMMENT); off by default */
  gboolean        record_reads;    /* keep each connection, response and body read (with its
                                    * bytes, within a budget) in an LsReadLog, for a capture
                                    * (ls_stream_get_read_log()); off by default */
  /* TLS trust for this stream only (the session's trust store is shared
   * by all streams and never changed). Nothing else is ever accepted. */
  char           *ca_file;         /* NULL: none; certificates chaining to a CA in this PEM file are trusted */
  char           *accept_certificate_sha256; /* NULL: none; this one certificate (SHA-256 of its DER,
                                              * normalized "AB:CD:…") is accepted though untrusted */
} LsStreamOptions;

/* Frees an LsStreamHeader (a GDestroyNotify for arrays of them). */
void             ls_stream_header_free             (gpointer               header);

#define LS_TYPE_STREAM_OPTIONS (ls_stream_options_get_type ())
#define LS_TYPE_STREAM_RECONNECT (ls_stream_reconnect_get_type ())

GQuark           ls_stream_error_quark             (void);
GType            ls_stream_options_get_type        (void) G_GNUC_CONST;
GType            ls_stream_reconnect_get_type      (void) G_GNUC_CONST;

/* Defaults: GET, format AUTO, reconnect AUTO, 3000 ms, 64 MiB, 30 s backoff cap,
 * expansion 100:1. */
LsStreamOptions *ls_stream_options_new             (const char            *url);
LsStreamOptions *ls_stream_options_copy            (const LsStreamOptions *self);
void             ls_stream_options_free            (LsStreamOptions       *self);

void             ls_stream_options_add_header      (LsStreamOptions       *self,
                                                    const char            *name,
                                                    const char            *value);
/* Parses "Name: value" (curl's -H form; blanks around the value trimmed)
 * and appends it. FALSE with a one-line message naming the input. */
gboolean         ls_stream_options_add_header_line (LsStreamOptions       *self,
                                                    const char            *line,
                                                    GError               **error);
/* TRUE when the stream will reconnect: @reconnect with AUTO resolved
 * for the method and body. */
gboolean         ls_stream_options_get_reconnect   (const LsStreamOptions *self);
/* FALSE for GET and HEAD: their requests never carry a body, even when
 * @body is set. */
gboolean         ls_stream_options_sends_body      (const LsStreamOptions *self);

/* The value of the first header named @name (case-insensitive), or NULL. */
const char      *ls_stream_options_get_header      (const LsStreamOptions *self,
                                                    const char            *name);

/* URL (http/https with a host, parsed by GUri), method (an HTTP token),
 * header names (tokens) and values (no CR, LF or NUL), numbers in range.
 * FALSE with one line naming the bad input. */
gboolean         ls_stream_options_validate        (const LsStreamOptions *self,
                                                    GError               **error);

/* A SHA-256 fingerprint as users paste it: 64 hex digits, any case,
 * with or without colons (or blanks) between bytes. Returns the canonical
 * form "AB:CD:…" (as `openssl x509 -fingerprint -sha256` prints it), or
 * NULL with a one-line LS_STREAM_ERROR_INVALID_OPTION message. */
char            *ls_stream_normalize_fingerprint   (const char            *text,
                                                    GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStreamOptions, ls_stream_options_free)

G_END_DECLS
