/* ls-demo-server.h: the embedded demo HTTP server, on its own thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-replay.h"

G_BEGIN_DECLS

/* Largest values the endpoints accept; anything above is a 400. */
#define LS_DEMO_SERVER_MAX_RATE  1000000
#define LS_DEMO_SERVER_MAX_SIZE  (1024 * 1024)
#define LS_DEMO_SERVER_MAX_COUNT 1000000000
/* The one API key /llm?auth=1 accepts, as "Authorization: Bearer demo-key". */
#define LS_DEMO_LLM_KEY          "demo-key"

#define LS_TYPE_DEMO_SERVER (ls_demo_server_get_type ())
G_DECLARE_FINAL_TYPE (LsDemoServer, ls_demo_server, LS, DEMO_SERVER, GObject)

/* The server runs a SoupServer on a thread of its own, with its own
 * GMainContext, listening on 127.0.0.1 only. Start and stop it from one
 * owner thread (never from inside a request handler). The getters are
 * thread-safe. Endpoints and their parameters: see ls-demo-endpoints.c or
 * GET / on a running server. */
LsDemoServer *ls_demo_server_new                (void);

/* Blocks until the server listens or failed (bounded); no polling. */
gboolean      ls_demo_server_start_sync         (LsDemoServer         *self,
                                                 guint16               port,
                                                 GError              **error);
/* Never blocks; @callback runs on the caller's thread-default context. */
void          ls_demo_server_start_async        (LsDemoServer         *self,
                                                 guint16               port,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean      ls_demo_server_start_finish       (LsDemoServer         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* "http://127.0.0.1:PORT" (no trailing slash), or NULL when not running. */
const char   *ls_demo_server_get_base_uri       (LsDemoServer         *self);
/* 0 when not running. */
guint16       ls_demo_server_get_port           (LsDemoServer         *self);
gboolean      ls_demo_server_is_running         (LsDemoServer         *self);

/* Ends every streaming response, closes every connection, drains the
 * server context and joins the thread. Idempotent; also done in dispose.
 * The server may be started again afterwards. */
void          ls_demo_server_stop               (LsDemoServer         *self);

/* Serves @replay again (any thread; before or after the start), at
 * @speed (LS_REPLAY_MIN_SPEED…LS_REPLAY_MAX_SPEED, or LS_REPLAY_SPEED_MAX
 * for as fast as possible; a request's ?speed=X overrides it). Returns
 * its path, "/replay/N": the first request for it gets the capture's
 * first connection, the next one the second, and so on, then 204 No
 * Content; a request with Last-Event-ID resumes after that event
 * (docs/capture.md, "Replay"). */
char         *ls_demo_server_add_replay         (LsDemoServer         *self,
                                                 LsReplay             *replay,
                                                 double                speed);

/* Streaming responses currently open (any thread). */
guint         ls_demo_server_get_n_connections  (LsDemoServer         *self);

G_END_DECLS
