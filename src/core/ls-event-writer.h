/* ls-event-writer.h: events of an LsEventStore as JSON lines on a file descriptor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The line format is a contract: docs/headless.md.
 */
#pragma once

#include <gio/gio.h>

#include "ls-event-store.h"
#include "ls-read-log.h"

G_BEGIN_DECLS

typedef struct _LsEventWriter LsEventWriter;

/* Writes to @fd, closed by the writer when @close_fd. @destination names
 * the output in error messages ("standard output", a path). Times are
 * written relative to @t0_us (g_get_monotonic_time() units). */
LsEventWriter *ls_event_writer_new          (int             fd,
                                             gboolean        close_fd,
                                             const char     *destination,
                                             gint64          t0_us);
/* Writes to @out (a file, a gzip converter), which the writer closes in
 * ls_event_writer_close(). Blocking writes: a file, never a socket. */
LsEventWriter *ls_event_writer_new_for_stream (GOutputStream *out,
                                               const char    *destination,
                                               gint64         t0_us);
/* Whether written events are released in the store (and written entries
 * in the read log), so the worker reuses their memory: TRUE by default
 * (a headless run); FALSE when the store is still read afterwards (the
 * window's exports, a second writer). */
void           ls_event_writer_set_release (LsEventWriter  *self,
                                            gboolean        release);
/* Makes the lines a capture's (docs/capture.md): each record says its
 * "connection", and the log's connect, response and read lines are
 * written between the records they came between. Response headers are
 * redacted unless @include_secrets. Before the first write. */
void           ls_event_writer_set_read_log (LsEventWriter *self,
                                             LsReadLog     *read_log,
                                             gboolean       include_secrets);
/* Appends one line (a capture's header or figures) and its "\n". */
void           ls_event_writer_write_line  (LsEventWriter  *self,
                                            const char     *line,
                                            gssize          len);
/* Closes the descriptor if it is still the writer's; does not flush. */
void           ls_event_writer_free         (LsEventWriter  *self);

/* Writes the events of @store not written yet (and a "dropped" line when
 * the store let some go first), releases them in the store and flushes.
 * FALSE once a write failed: nothing more is written after that. */
gboolean       ls_event_writer_write_new    (LsEventWriter  *self,
                                             LsEventStore   *store);
/* Writes what is buffered. FALSE once a write failed. */
gboolean       ls_event_writer_flush        (LsEventWriter  *self);
/* Flushes, then closes the descriptor if the writer owns it; a failed close
 * is a failed write. FALSE once a write failed. */
gboolean       ls_event_writer_close        (LsEventWriter  *self);

gboolean       ls_event_writer_has_failed   (LsEventWriter  *self);
/* "Cannot write events to DESTINATION: REASON" for the first failure, or NULL. */
const char    *ls_event_writer_get_error    (LsEventWriter  *self);
/* Events the store dropped before they could be written. */
guint64        ls_event_writer_get_dropped  (LsEventWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsEventWriter, ls_event_writer_free)

G_END_DECLS
