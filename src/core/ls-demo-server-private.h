/* ls-demo-server-private.h: what the demo server's thread, its streams and its endpoints share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ls-demo-server.c owns the thread and the lifecycle, ls-demo-stream.c a
 * paced or flooded chunked response with its back-pressure, and
 * ls-demo-endpoints.c the request handlers and what each endpoint writes.
 * Everything here runs on the server thread, except the fields of
 * LsDemoServer guarded by its mutex and n_connections.
 */
#pragma once

#include <pthread.h>

#include <libsoup/soup.h>

#include "ls-demo-server.h"

G_BEGIN_DECLS

/* Longest pacing interval any endpoint accepts, and "no count given". */
#define LS_DEMO_MAX_INTERVAL_MS 3600000
#define LS_DEMO_UNLIMITED       G_MAXUINT64

typedef enum
{
  LS_DEMO_SERVER_IDLE,
  LS_DEMO_SERVER_STARTING,
  LS_DEMO_SERVER_RUNNING,
  LS_DEMO_SERVER_FAILED,
} LsDemoServerState;

struct _LsDemoServer
{
  GObject parent_instance;

  /* Guarded by mutex; written by the owner and the server thread. A pthread
   * mutex, not a GMutex: ThreadSanitizer cannot see GLib's futex locks. */
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  LsDemoServerState state;
  GThread *thread;
  GError *start_error;
  GTask *start_task;
  char *base_uri;
  guint16 port;
  guint16 requested_port;
  /* Every SoupServerMessage alive, by weak reference: libsoup ends some
   * connections with async closes (on a GLib worker thread) that call back
   * into the server context, so shutdown waits for them all. */
  GHashTable *live_messages;

  /* Replays added (LsDemoReplay *): /replay/N is the Nth. Guarded by
   * mutex, with everything in them but their immutable LsReplay. */
  GPtrArray *replays;

  /* Created by the starter, owned by the server thread while it runs. */
  GMainContext *context;
  GMainLoop *loop;

  /* Server thread only. */
  SoupServer *server;
  GQueue streams;            /* of LsDemoStream, by their link */
  GQueue replay_streams;     /* of LsDemoReplayStream, by their link */
  char *pad;                 /* LS_DEMO_SERVER_MAX_SIZE bytes of 'x', shared */
  gboolean stopping;

  gint n_connections; /* atomic */
  guint n_streams;    /* __atomic: streamed responses started, ever */
};

/* Any thread: how many streamed responses the server has started (each
 * request to a streaming endpoint counts once). For tests. */
guint ls_demo_server_get_n_streams (LsDemoServer *self);

typedef struct _LsDemoStream LsDemoStream;

/* Appends the event at @index (0 for the first of this response) to @out. */
typedef void (*LsDemoAppendEvent) (LsDemoStream *stream,
                                   GString      *out,
                                   guint64       index);

struct _LsDemoStream
{
  GList link;                /* in LsDemoServer.streams */
  LsDemoServer *self;        /* not a reference: the server thread joins first */
  SoupServerMessage *msg;
  LsDemoAppendEvent append_event;

  GSource *timer;            /* paced streams */
  GSource *drop_source;      /* flaky: close the connection once written */
  GSource *heartbeat;        /* SSE ": heartbeat" comments, when asked for */
  gint64 start_us;
  double events_per_us;      /* 0 = flood */

  guint64 first_id;
  guint64 total;             /* events this response carries, or LS_DEMO_UNLIMITED */
  guint64 sent;
  guint64 every;             /* flaky: drop after this many events */
  guint64 retry_ms;          /* 0 = no retry field */
  /* Paced streams: events from hold_index on are due hold_us later than
   * their pace says (/llm's slow first token). */
  guint64 hold_index;
  gint64 hold_us;
  gsize size;
  const char *pad;           /* at least size bytes of 'x' */
  guint queued_chunks;

  /* LLM */
  GPtrArray *tokens;
  char *completion_id;
  gint64 created;
  guint64 prompt_words;
  gboolean done_id;   /* a GET: the last event carries `id: done` */

  gboolean prelude_sent;
  gboolean in_handler;       /* libsoup resumes by itself after the handler */
  gboolean completing;       /* body completed, waiting for "finished" */
  gboolean dropping;
};

/* ls-demo-stream.c */
void          ls_demo_append_uint          (GString            *out,
                                            guint64             value);
LsDemoStream *ls_demo_stream_new           (LsDemoServer       *self,
                                            SoupServerMessage  *msg,
                                            const char         *content_type,
                                            LsDemoAppendEvent   append_event);
void          ls_demo_stream_set_size      (LsDemoStream       *stream,
                                            gsize               size);
/* A ": heartbeat" comment line every @interval_ms (SSE only), until the
 * body completes. Before ls_demo_stream_start(). */
void          ls_demo_stream_set_heartbeat (LsDemoStream       *stream,
                                            guint               interval_ms);
void          ls_demo_stream_start         (LsDemoStream       *stream,
                                            double              events_per_second);
void          ls_demo_stream_end_for_stop  (LsDemoStream       *stream);
void          ls_demo_stream_free          (LsDemoStream       *stream);

/* One chunk a replay wrote: which read of which connection, when it was
 * due and when it was handed to libsoup and written, in µs on the
 * replay's clock: since the response started, plus (for a response
 * resumed within a connection) the offset of its first read divided by
 * the speed. So due_us is the read's offset divided by the speed (0 at
 * "max"), whether the response was resumed or not. For tests and the
 * benchmark. */
typedef struct
{
  guint32 connection;        /* the capture's connection number */
  guint   read;              /* the read's index within its connection */
  gsize   offset;            /* from this byte of the read (a resumed response's first chunk) */
  gsize   size;
  gint64  due_us;
  gint64  queued_us;
  gint64  written_us;        /* -1 until written */
} LsDemoReplayChunk;

/* Any thread: the chunks the replay at @path wrote so far (the first
 * LS_DEMO_REPLAY_MAX_LOGGED), in order, as a new GArray; NULL for no
 * such replay. */
#define LS_DEMO_REPLAY_MAX_LOGGED 100000
GArray       *ls_demo_server_get_replay_chunks (LsDemoServer      *self,
                                                const char        *path);

/* ls-demo-replay.c */
typedef struct _LsDemoReplay LsDemoReplay;
typedef struct _LsDemoReplayStream LsDemoReplayStream;

void          ls_demo_replay_free          (LsDemoReplay       *replay);
/* Serves a request for /replay/N (server thread). */
void          ls_demo_replay_handle        (LsDemoServer       *self,
                                            SoupServerMessage  *msg,
                                            const char         *path,
                                            GHashTable         *query);
/* Shutdown: every replay response ends cleanly; then frees what is left. */
void          ls_demo_replay_end_all_for_stop (LsDemoServer    *self);
void          ls_demo_replay_free_all      (LsDemoServer       *self);

/* ls-demo-endpoints.c */
void          ls_demo_endpoints_register   (LsDemoServer       *self,
                                            SoupServer         *server);

G_END_DECLS
