/* ls-replay.h: a capture's connections and body reads, ready to be served again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the demo server's replay endpoint (ls-demo-replay.c) serves: for
 * each connection of a capture that got a response, its status line and
 * headers and its body reads, each with its bytes and its offset from the
 * response. Made once from a capture (or from a stream read back from one:
 * its event store and read log), immutable afterwards, so any thread may
 * read it; reference counted with atomics.
 *
 * Refused, with one line: a capture without body reads ("This capture has
 * no body reads to replay"), or whose first read kept no bytes (past the
 * capture's byte budget). A capture whose bytes stop later is served up to
 * the first read without bytes, and ends there (ls_replay_get_warning()).
 */
#pragma once

#include <glib.h>

#include "ls-capture.h"
#include "ls-event-store.h"
#include "ls-read-log.h"
#include "ls-stream-response.h"

G_BEGIN_DECLS

/* Speeds a replay accepts, besides LS_REPLAY_SPEED_MAX. */
#define LS_REPLAY_MIN_SPEED  0.1
#define LS_REPLAY_MAX_SPEED  100.0
/* As fast as possible. */
#define LS_REPLAY_SPEED_MAX  0.0

#define LS_REPLAY_ERROR (ls_replay_error_quark ())

typedef enum
{
  LS_REPLAY_ERROR_NO_READS,  /* nothing to serve: no body reads */
  LS_REPLAY_ERROR_NO_BYTES,  /* the first read kept no bytes */
  LS_REPLAY_ERROR_SPEED,     /* a speed that is not 0.1…100 or "max" */
} LsReplayError;

typedef struct
{
  gint64  offset_us;   /* since its connection's response headers */
  guint64 seq;         /* the capture store's end seq when read: precedes events >= seq */
  GBytes *data;
} LsReplayRead;

typedef struct
{
  guint32           number;     /* the capture's connection number */
  guint64           seq;        /* the store's end seq at its response */
  LsStreamResponse *response;
  GArray           *reads;      /* of LsReplayRead */
} LsReplayConnection;

/* Where a resumed response starts: the read @read of connection
 * @connection (indexes into the replay), from byte @offset. */
typedef struct
{
  guint  connection;
  guint  read;
  gsize  offset;
} LsReplayPosition;

typedef struct _LsReplay LsReplay;

GQuark      ls_replay_error_quark       (void);

/* @store and @read_log as read back from a capture (or a stream shown
 * from one); @format the request's. Any thread. */
LsReplay   *ls_replay_new               (LsEventStore     *store,
                                         LsReadLog        *read_log,
                                         LsStreamFormat    format,
                                         GError          **error);
LsReplay   *ls_replay_new_from_capture  (const LsCapture  *capture,
                                         GError          **error);
/* Reads the capture at @path (any thread: this blocks on the file). */
LsReplay   *ls_replay_new_for_file      (const char       *path,
                                         GError          **error);
LsReplay   *ls_replay_ref               (LsReplay         *self);
void        ls_replay_unref             (LsReplay         *self);

guint       ls_replay_get_n_connections (LsReplay         *self);
const LsReplayConnection *
            ls_replay_get_connection    (LsReplay         *self,
                                         guint             index);
/* The request's format (auto, sse, ndjson, raw). */
LsStreamFormat ls_replay_get_format     (LsReplay         *self);
/* Reads and bytes served in all (up to the first read without bytes). */
guint64     ls_replay_get_n_reads       (LsReplay         *self);
guint64     ls_replay_get_n_bytes       (LsReplay         *self);
/* What was left out, one line, or NULL. */
const char *ls_replay_get_warning       (LsReplay         *self);

/* Where to resume for a request carrying Last-Event-ID @id: right after
 * the bytes that dispatched the first event with that id in the capture,
 * or at the next connection when none of its events come after it.
 * FALSE when no event has that id (or its connection is not served);
 * TRUE with *@at_end when nothing comes after it. */
gboolean    ls_replay_find_resume       (LsReplay         *self,
                                         const char       *id,
                                         LsReplayPosition *position,
                                         gboolean         *at_end);

/* "max" (or 0) → LS_REPLAY_SPEED_MAX; a number in 0.1…100 (a dot, any
 * locale). FALSE with a one-line LS_REPLAY_ERROR_SPEED otherwise. */
gboolean    ls_replay_parse_speed       (const char       *text,
                                         double           *speed,
                                         GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsReplay, ls_replay_unref)

G_END_DECLS
