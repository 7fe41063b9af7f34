/* ls-hostile-server.h: a loopback HTTP server that misbehaves on purpose
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GThreadedSocketService on 127.0.0.1 (ephemeral port), accepting on a
 * thread and context of its own; each connection is handled with blocking
 * I/O on a pool thread, so a handler can write byte by byte, sleep, reset
 * the connection or never answer. The request path picks the behaviour
 * (see ls-hostile-server.c). Every wait is cancellable: stopping the
 * server ends every handler.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _LsHostileServer LsHostileServer;

LsHostileServer *ls_hostile_server_start         (void);
void             ls_hostile_server_stop          (LsHostileServer *self);
/* "http://127.0.0.1:PORT" followed by @path; free with g_free(). */
char            *ls_hostile_server_url           (LsHostileServer *self,
                                                  const char      *path);
/* Requests seen whose path starts with @prefix (any thread). */
guint            ls_hostile_server_count         (LsHostileServer *self,
                                                  const char      *prefix);
/* Body bytes the /endless handler managed to write (any thread). */
guint64          ls_hostile_server_endless_bytes (LsHostileServer *self);
/* Size of the gzip body served by /gzip-* (compressed) and what it inflates to. */
gsize            ls_hostile_server_gzip_size     (LsHostileServer *self,
                                                  gboolean         events,
                                                  gsize           *inflated);

G_END_DECLS
