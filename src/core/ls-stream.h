/* ls-stream.h: one streaming request, run on the worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The LsStream object lives on the UI thread; the request itself (libsoup
 * message, body stream, framer, timers) lives on the worker and reaches
 * the UI only through the bridge. Events go into the LsEventStore (THE
 * place they live), lifecycle records too ("open", "error", "reconnect",
 * "closed", with a human message as data); the UI is told once per frame
 * that there is more ("progress"), never once per event.
 *
 * SSE semantics follow EventSource: a status other than 200, or a type
 * other than text/event-stream for SSE, ends the stream for good (FAILED);
 * 204 ends it as the server's way to say "do not reconnect" (ENDED);
 * network errors and (SSE only) a clean end of body reconnect, when the
 * request's reconnect policy says so (LsStreamOptions.reconnect: by default
 * GET and HEAD do, POST and requests with a body do not), after the
 * reconnection time (the server's `retry:`, else reconnect_ms), with
 * Last-Event-ID when the ID is non-empty. Repeated failures back off
 * exponentially with jitter up to backoff_max_ms; LS_STREAM_MIN_RECONNECT_MS
 * is the floor. NDJSON and raw streams end (ENDED) at a clean end of body.
 */
#pragma once

#include <gio/gio.h>

#include "ls-bridge.h"
#include "ls-event-store.h"
#include "ls-read-log.h"
#include "ls-stream-options.h"
#include "ls-stream-response.h"

G_BEGIN_DECLS

typedef enum
{
  LS_STREAM_IDLE,
  LS_STREAM_CONNECTING,
  LS_STREAM_OPEN,
  LS_STREAM_WAITING,    /* before a reconnect */
  LS_STREAM_ENDED,      /* ended as asked: max events, duration, end of body without reconnect, 204 */
  LS_STREAM_FAILED,     /* a permanent error; ls_stream_get_message() says which */
  LS_STREAM_CANCELLED,  /* ls_stream_cancel(), or the worker stopped */
} LsStreamState;

#define LS_STREAM_STATE_IS_FINAL(s) ((s) >= LS_STREAM_ENDED)

/* Why a stream is final: one code for each way the engine ends a stream.
 * The nick (ls_enum_to_nick (LS_TYPE_STREAM_END, end)) is its one machine
 * name: the headless "end" field, the UI's label table. The first four
 * end it as ENDED, CANCELLED is CANCELLED, the rest are failures (FAILED,
 * with a GError in LS_STREAM_END_ERROR whose code is the end). */
typedef enum
{
  LS_STREAM_END_NONE,            /* not final yet */
  LS_STREAM_END_COMPLETED,       /* the server closed the body and no reconnect follows */
  LS_STREAM_END_NO_CONTENT,      /* HTTP 204: the server's "do not reconnect" */
  LS_STREAM_END_MAX_EVENTS,      /* the asked number of events arrived */
  LS_STREAM_END_DURATION,        /* the asked duration passed */
  LS_STREAM_END_CANCELLED,       /* ls_stream_cancel(), or the worker stopped */
  LS_STREAM_END_HTTP_STATUS,     /* a status other than 200 (and 204) */
  LS_STREAM_END_WRONG_TYPE,      /* SSE asked for, another Content-Type answered */
  LS_STREAM_END_CONNECT_FAILED,  /* could not connect: refused, DNS, reset before a response */
  LS_STREAM_END_NETWORK,         /* connection lost after the response opened */
  LS_STREAM_END_CERTIFICATE,     /* the server's certificate was refused */
  LS_STREAM_END_TLS,             /* the TLS handshake failed otherwise */
  LS_STREAM_END_IDLE_TIMEOUT,    /* no bytes (or no response) for idle_timeout_ms */
  LS_STREAM_END_STALL,           /* no complete line (or no response) for stall_timeout_ms */
  LS_STREAM_END_TOO_LARGE,       /* an event, a line or the response headers over their cap */
  LS_STREAM_END_BOMB,            /* a compressed body expanding past max_expansion */
  LS_STREAM_END_REDIRECT,        /* a redirect loop or a bad redirect */
  LS_STREAM_END_BAD_RESPONSE,    /* a response libsoup cannot parse or decode, a truncated body */
  LS_STREAM_END_BAD_REQUEST,     /* libsoup could not build or send the request */
} LsStreamEnd;

#define LS_STREAM_END_IS_FAILURE(e) ((e) >= LS_STREAM_END_HTTP_STATUS)
/* The error domain of a failed stream's end; codes are LsStreamEnd. */
#define LS_STREAM_END_ERROR (ls_stream_end_error_quark ())

typedef struct
{
  LsStreamFormat format;        /* resolved; AUTO until the first response */
  guint          http_status;   /* of the latest response, 0 before */
  char           content_type[128]; /* of the latest response, "" before */
  guint64        bytes;         /* body bytes, all connections */
  guint64        events;        /* stored events, NDJSON lines or raw chunks */
  guint64        invalid;       /* NDJSON lines that are not JSON (in @events too) */
  guint64        comments;      /* SSE comment lines stored (LsStreamOptions.comments) */
  guint64        records;       /* everything stored: events, comments, lifecycle records */
  guint64        connects;      /* requests sent */
  guint64        opens;         /* responses received (any status): 0 when the stream never
                                 * connected, so a final CONNECT_FAILED, TLS or CERTIFICATE
                                 * with opens > 0 came on a reconnect */
  guint64        reconnects;    /* reconnections scheduled: one "reconnect" record each */
  gint64         started_us;    /* g_get_monotonic_time() at the first request, 0 before */
  gint64         ended_us;      /* when the stream reached a final state, 0 before */
  gint64         ttfb_us;       /* request sent → first body byte, latest connection; -1 before */
  gint64         last_event_us; /* time of the latest event, 0 before */
  gint64         last_gap_us;   /* between the latest two reads that carried events */
  gint64         max_gap_us;
  gint64         retry_ms;      /* the reconnection time in force */
  gint64         next_attempt_us; /* WAITING: g_get_monotonic_time() at which the next attempt
                                   * is due (the server's retry:, backoff and jitter included);
                                   * 0 when none is scheduled (not waiting, or paused) */
  double         events_per_s;  /* over the last half second or so; 0 when idle */
  double         bytes_per_s;
} LsStreamStats;

#define LS_TYPE_STREAM_STATE (ls_stream_state_get_type ())
#define LS_TYPE_STREAM_END (ls_stream_end_get_type ())
#define LS_TYPE_STREAM (ls_stream_get_type ())
G_DECLARE_FINAL_TYPE (LsStream, ls_stream, LS, STREAM, GObject)

GType          ls_stream_state_get_type      (void) G_GNUC_CONST;
const char    *ls_stream_state_to_string     (LsStreamState          state);
GType          ls_stream_end_get_type        (void) G_GNUC_CONST;
GQuark         ls_stream_end_error_quark     (void);

/* UI thread only, all of them. @options is copied. */
LsStream      *ls_stream_new                 (LsBridge              *bridge,
                                              const LsStreamOptions *options,
                                              LsEventStore          *store,
                                              guint32                stream_id);
/* Validates the options and posts the request to the worker. FALSE with
 * a one-line error: bad options (LS_STREAM_ERROR), a stream already
 * started, or the bridge closed (LS_BRIDGE_ERROR_CLOSED). */
gboolean       ls_stream_start               (LsStream              *self,
                                              GError               **error);
/* Idempotent, never blocks. The state becomes CANCELLED once the worker
 * has let go (at once for a stream never started). If the bridge is
 * closed, the worker's stop is already cancelling the stream. */
void           ls_stream_cancel              (LsStream              *self);

/* Reconnect at once. While WAITING: without waiting for the timer. While
 * CONNECTING or OPEN: the connection is dropped and made again at once
 * (Last-Event-ID sent as on any reconnect), whatever the reconnect policy,
 * with a "reconnect" record saying it was asked for and no "error" one.
 * Nothing in a final state. Never blocks. */
void           ls_stream_reconnect_now       (LsStream              *self);
/* Holds (TRUE) or lets go (FALSE) the reconnect timer: a paused stream
 * waits until resumed, then reconnects at the time it was due, or at
 * once if that has passed. next-attempt-time is 0 while paused. An
 * explicit ls_stream_reconnect_now() still reconnects. */
void           ls_stream_set_reconnect_paused (LsStream             *self,
                                               gboolean              paused);
gboolean       ls_stream_get_reconnect_paused (LsStream             *self);
/* The "next-attempt-time" property: g_get_monotonic_time() at which the
 * next connection attempt is due, 0 when none is (notified on change, at
 * most once per frame). A countdown to it is exact: the worker's timer
 * is due at that very time. */
gint64         ls_stream_get_next_attempt_time (LsStream            *self);

/* While WAITING: why the connection before the wait ended, as its end
 * (CONNECT_FAILED: no response at all; NETWORK: lost after it opened;
 * COMPLETED: the server closed the body; a timeout…); LS_STREAM_END_NONE
 * in any other state. @opened: (out) (optional): whether that connection
 * had opened (its response headers arrived). @error: (out) (optional)
 * (transfer none) (nullable): the cause as GIO or libsoup reported it
 * (e.g. G_IO_ERROR_CONNECTION_REFUSED), else one in LS_STREAM_END_ERROR
 * whose code is the end; NULL for a clean end of body. Messages redacted.
 * A new wait comes with "progress" (its reconnect is counted). */
LsStreamEnd    ls_stream_get_wait_reason     (LsStream              *self,
                                              gboolean              *opened,
                                              const GError         **error);

/* The UI's view, updated at most once per frame ("notify::state"). */
LsStreamState  ls_stream_get_state           (LsStream              *self);
/* Why the stream is final; LS_STREAM_END_NONE before. Assert this, not
 * the message. */
LsStreamEnd    ls_stream_get_end             (LsStream              *self);
/* When FAILED: the error (domain LS_STREAM_END_ERROR, code the end, the
 * message below); NULL otherwise. Owned by the stream. */
const GError  *ls_stream_get_end_error       (LsStream              *self);
/* One line saying why the stream is in its final state (ENDED, FAILED or
 * CANCELLED), derived from the end and its detail, translated, with
 * credentials redacted; NULL before. */
const char    *ls_stream_get_message         (LsStream              *self);
/* The message when FAILED, NULL otherwise. */
const char    *ls_stream_get_error_message   (LsStream              *self);
/* When FAILED because the server's TLS certificate was refused: its
 * SHA-256 fingerprint ("AB:CD:…"), which LsStreamOptions'
 * accept_certificate_sha256 takes to accept it for a new stream; NULL
 * otherwise. */
const char    *ls_stream_get_rejected_certificate (LsStream         *self);
void           ls_stream_get_stats           (LsStream              *self,
                                              LsStreamStats         *stats);
const LsStreamOptions *ls_stream_get_options (LsStream              *self);
LsEventStore  *ls_stream_get_store           (LsStream              *self);
guint32        ls_stream_get_id              (LsStream              *self);
/* The stream's root task in the recorder (its "stream" span, recorded
 * when final): parent of its connection attempts ("stream.connection",
 * themselves parents of their send, response headers and reads), reconnect
 * waits, "stream.closed" and its UI deliveries. 0 before the start, or
 * without a recorder. */
guint64        ls_stream_get_task            (LsStream              *self);
/* What the server answered on the latest connection (status line,
 * headers, timings, and for a reply other than 2xx its body, which is read
 * (bounded) before the stream fails with LS_STREAM_END_HTTP_STATUS); NULL
 * before any response. Owned by the stream: ls_stream_response_ref() to
 * keep it; it never changes (a new connection brings a new one, with
 * "progress"). */
LsStreamResponse *ls_stream_get_response     (LsStream              *self);
/* With LsStreamOptions.record_reads (from the start), or for a stream
 * read from a capture: its connections, responses and body reads; NULL
 * otherwise. Owned by the stream; the worker appends to it while live. */
LsReadLog     *ls_stream_get_read_log        (LsStream              *self);

/* A stream read back from a capture (ls-capture.h): final from the start
 * (@state final), with the capture's figures, end, closing message, latest
 * response and reads; it was never started and never will be
 * (ls_stream_start() refuses it). @store holds its records. */
LsStream      *ls_stream_new_from_capture    (LsBridge              *bridge,
                                              const LsStreamOptions *options,
                                              LsEventStore          *store,
                                              guint32                stream_id,
                                              LsStreamState          state,
                                              LsStreamEnd            end,
                                              const char            *message,
                                              const LsStreamStats   *stats,
                                              LsStreamResponse      *response,
                                              LsReadLog             *read_log);
gboolean       ls_stream_get_from_capture    (LsStream              *self);

G_END_DECLS
