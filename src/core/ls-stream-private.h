/* ls-stream-private.h: what the three parts of a stream share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LsStream (ls-stream.c, UI thread) owns an LsStreamRun; the run's life
 * on the worker is ls-stream-run.c, its certificate trust ls-stream-tls.c.
 * Nothing here is for the app.
 */
#pragma once

#include <pthread.h>

#include <libsoup/soup.h>

#include "ls-bridge-private.h"
#include "ls-read-log.h"
#include "ls-stream.h"

G_BEGIN_DECLS

/* Where the run is on the worker; the table of transitions is at the top
 * of ls-stream-run.c, and ls_stream_run_enter() asserts it. */
typedef enum
{
  LS_RUN_POSTED,     /* created on the UI thread, start posted to the worker */
  LS_RUN_DECIDING,   /* on the worker, no operation pending */
  LS_RUN_SENDING,    /* soup_session_send_async pending */
  LS_RUN_READING,    /* one g_input_stream_read_async pending */
  LS_RUN_WAITING,    /* the reconnect timer pending, nothing else */
  LS_RUN_FINISHING,  /* final; the one pending operation has yet to report back */
  LS_RUN_RELEASED,   /* the worker let go of everything */
} LsRunPhase;

typedef struct _LsStreamRun LsStreamRun;

struct _LsStreamRun
{
  /* Owners across threads: the LsStream, the worker (from the start until
   * RELEASED) and each message queued for the UI. Atomic. */
  gint              ref_count;

  /* Immutable once posted to the worker. */
  LsStreamOptions  *options;
  LsEventStore     *store;
  guint32           stream_id;
  LsMailbox        *ui_box;      /* the stream's own; closed when the LsStream goes */
  LsWorker         *worker;
  LsRecorder       *recorder;    /* nullable */
  guint64           task;        /* the stream's root task: its "stream" span, parent of the rest */
  LsReadLog        *read_log;    /* options->record_reads: connections, responses, reads */

  /* Shared with the UI, under @lock. */
  pthread_mutex_t   lock;
  LsStreamState     shared_state;
  LsStreamEnd       shared_end;
  char             *shared_message;
  LsStreamStats     shared_stats;
  gboolean          notify_queued;
  char             *shared_tls_fingerprint; /* the refused certificate of a failed stream */
  LsStreamResponse *shared_response;        /* the latest connection's, as handed out */
  /* Why the latest wait began (set when WAITING is entered, kept after):
   * the connection's end, whether it had opened, the cause; the serial
   * tells the UI a new wait began. */
  LsStreamEnd       shared_wait_end;
  gboolean          shared_wait_opened;
  GError           *shared_wait_error;
  guint             shared_wait_serial;

  /* Worker thread only. */
  LsRunPhase        phase;
  LsRunPhase        finishing_after;  /* SENDING or READING: what FINISHING waits for */
  LsStreamState     state;
  LsStreamEnd       end;
  char             *message;
  LsStreamStats     stats;
  GCancellable     *cancellable;      /* tracked by the worker */
  GSource          *cancel_source;    /* from DECIDING at start until RELEASED */
  gboolean          cancel_asked;     /* by ls_stream_cancel(), not by the worker's stop */
  GCancellable     *conn_cancellable; /* the current connection's */
  LsStreamEnd       conn_abort_end;     /* why the current connection was aborted: */
  char             *conn_abort_reason;  /* ...its detail, NULL when it was not */
  SoupMessage      *msg;
  GInputStream     *body;
  LsFramer         *framer;
  guint8           *buffer;
  gsize             buffer_size;      /* LS_STREAM_READ_SIZE up to LS_STREAM_READ_SIZE_MAX */
  GSource          *wait_timer;       /* exactly while WAITING */
  GSource          *idle_timer;       /* from the start until RELEASED, when asked for */
  GSource          *stall_timer;      /* same */
  GSource          *duration_timer;   /* from the start until final, when asked for */
  guint             failures;         /* consecutive connections without an event */
  guint64           conn_events;
  guint64           conn_decoded;     /* body bytes after Content-Encoding, this connection */
  gboolean          conn_got_bytes;
  gboolean          conn_opened;      /* this connection's response headers arrived */
  GError           *conn_error;       /* why it ended, as GIO or libsoup said; until the decision */
  gboolean          capped;
  gint64            started_us;       /* the run's start on the worker */
  guint64           conn_task;        /* the current connection attempt's, 0 between them */
  gint64            send_us;
  gint64            read_queued_us;
  gint64            wait_start_us;
  gint64            due_us;           /* WAITING: when the next attempt is due (monotonic) */
  gboolean          reconnect_paused; /* the reconnect timer does not fire while set */
  gboolean          restart_asked;    /* reconnect now: the current connection is being dropped */
  gint64            read_time_us;
  gint64            rate_window_us;
  guint64           rate_bytes0;
  guint64           rate_events0;
  LsStreamResponse *response;       /* the latest connection's; handed out, so never changed */
  GByteArray       *error_body;       /* while reading the body of a reply other than 2xx */
  GSource          *refusal_timer;    /* bounds that reading in time; until it ends or RELEASED */
  char             *request_summary;  /* "METHOD URL" and the request headers, raw: the
                                       * recorder redacts what it shows and exports */

  /* TLS, worker only (ls-stream-tls.c). The accept-certificate handler
   * leaves here why it refused the peer's certificate (for the stream's
   * message), or what it accepted (for the "open" record: nothing is
   * accepted silently). */
  char             *pin;              /* options->accept_certificate_sha256, normalized */
  guint             session_key;      /* picks one of the worker's sessions */
  SoupSession      *session;          /* own, when the stream has its own trust: a
                                       * connection it accepted is never reused by
                                       * another stream (HTTP/1.1 keep-alive, HTTP/2) */
  GTlsDatabase     *ca_database;      /* options->ca_file, loaded on first use */
  char             *tls_problem;      /* this connection's refusal, one line */
  char             *tls_fingerprint;  /* of the certificate refused */
  char             *tls_note;         /* this connection's acceptance beyond the system store */
};

/* ls-stream-run.c */
LsStreamRun *ls_stream_run_new            (const LsStreamOptions *options,
                                           LsEventStore          *store,
                                           guint32                stream_id,
                                           LsMailbox             *ui_box,
                                           LsWorker              *worker);
LsStreamRun *ls_stream_run_ref            (LsStreamRun           *run);
void         ls_stream_run_unref          (gpointer               run);
/* UI thread: posts the start (and later the cancel) to the worker. */
gboolean     ls_stream_run_post_start     (LsStreamRun           *run,
                                           LsBridge              *bridge,
                                           GError               **error);
void         ls_stream_run_post_cancel    (LsStreamRun           *run,
                                           LsBridge              *bridge);
void         ls_stream_run_post_reconnect_now    (LsStreamRun    *run,
                                                  LsBridge       *bridge);
void         ls_stream_run_post_reconnect_paused (LsStreamRun    *run,
                                                  LsBridge       *bridge,
                                                  gboolean        paused);
/* Worker: ends the run (the first end wins). @detail is the end's
 * variable part (see ls_stream_end_describe). */
void         ls_stream_run_finish         (LsStreamRun           *run,
                                           LsStreamEnd            end,
                                           const char            *detail);

/* ls-stream.c, any thread: the one sentence for an end. */
char        *ls_stream_end_describe       (LsStreamEnd            end,
                                           const char            *detail);

/* ls-stream-run.c, worker only, for ls-stream-connection.c */
void         ls_stream_run_enter            (LsStreamRun   *run,
                                             LsRunPhase     to);
/* An operation reported back: TRUE when the run is DECIDING (go on),
 * FALSE when it was finishing and is now released (do not touch it). */
gboolean     ls_stream_run_op_reported      (LsStreamRun   *run);
void         ls_stream_run_publish          (LsStreamRun   *run);
void         ls_stream_run_record           (LsStreamRun   *run,
                                             LsEventKind    kind,
                                             const char    *message);
guint64      ls_stream_run_span             (LsStreamRun   *run,
                                             guint64        parent,
                                             const char    *name,
                                             gint64         queued_us,
                                             gint64         start_us,
                                             gint64         end_us,
                                             LsOutcome      outcome,
                                             gint64         count,
                                             const char    *detail);
/* The current connection is over: reconnect (WAITING) or end the run. */
void         ls_stream_run_connection_ended (LsStreamRun   *run,
                                             LsStreamEnd    end,
                                             const char    *detail);
const char  *ls_stream_run_cancel_detail    (LsStreamRun   *run);

/* ls-stream-connection.c, worker only (init: UI thread, once) */
/* The read buffer starts at the smaller size and doubles, up to the larger,
 * while reads fill it: a fast body is read in fewer, larger reads (each
 * read costs a GTask, a main loop iteration and a poll), a slow one keeps
 * a small buffer. */
#define LS_STREAM_READ_SIZE     (64 * 1024)
#define LS_STREAM_READ_SIZE_MAX (512 * 1024)
/* A refusal's body is read for at most this long: a server that keeps
 * it open must not keep the stream from failing. */
#define LS_STREAM_REFUSAL_BODY_MS 2000
void         ls_stream_connection_init      (void);
void         ls_stream_connection_start     (LsStreamRun   *run);

/* ls-stream-response.c, worker only */
LsStreamResponse *ls_stream_response_new_from_message (SoupMessage            *msg,
                                                       gint64                  headers_us);
LsStreamResponse *ls_stream_response_copy             (const LsStreamResponse *self);
/* Any thread: an empty response (HTTP/1.1, status 0, no headers) to fill
 * before it is handed out (a capture reader). */
LsStreamResponse *ls_stream_response_new              (void);

/* ls-stream-tls.c, worker only */
void         ls_stream_tls_setup          (LsStreamRun           *run);
void         ls_stream_tls_watch          (LsStreamRun           *run,
                                           SoupMessage           *msg);
void         ls_stream_tls_reset          (LsStreamRun           *run);
gboolean     ls_stream_tls_check_failure  (LsStreamRun           *run,
                                           const GError          *error);
void         ls_stream_tls_clear          (LsStreamRun           *run);

G_END_DECLS
