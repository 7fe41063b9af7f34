/* ls-capture.h: a stream saved to a file, and read back (docs/capture.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A capture is JSON lines: a header object (the request, when it started),
 * then every record of the stream in order (the headless event lines with
 * their connection, and the connections, responses and body reads with
 * their bytes and times), then the stream's figures. gzip when the file
 * name ends in ".gz" (and read back whatever the name, by its magic).
 *
 * Writing is an LsEventWriter in capture mode between a header line and a
 * figures line: headless writes while it streams, the window all at once.
 * Reading is hardened: a file that is not a capture, of another version,
 * with a line over LS_CAPTURE_MAX_LINE, nesting too deep, with values of
 * the wrong type, or not UTF-8 is refused with one line saying which line
 * and why; a file cut short is read up to the cut, with a warning.
 */
#pragma once

#include <gio/gio.h>

#include "ls-event-store.h"
#include "ls-event-writer.h"
#include "ls-read-log.h"
#include "ls-stream.h"

G_BEGIN_DECLS

#define LS_CAPTURE_FORMAT    "loopscope-capture"
#define LS_CAPTURE_VERSION   1
/* The longest line read back (a line is one record). */
#define LS_CAPTURE_MAX_LINE  ((gsize) 64 * 1024 * 1024)
/* Read-back entries (connections, responses, reads) kept at most. */
#define LS_CAPTURE_MAX_LOG_ENTRIES (4 * 1024 * 1024)
/* How deep JSON may nest in a header or record line. */
#define LS_CAPTURE_MAX_DEPTH 8

#define LS_CAPTURE_ERROR (ls_capture_error_quark ())

typedef enum
{
  LS_CAPTURE_ERROR_IO,            /* the file cannot be opened or read (or gzip is corrupt) */
  LS_CAPTURE_ERROR_NOT_CAPTURE,   /* empty, or its first line is not a capture's header */
  LS_CAPTURE_ERROR_VERSION,       /* a version this Loopscope does not read */
  LS_CAPTURE_ERROR_MALFORMED,     /* a line that is not JSON, or a value of the wrong type */
  LS_CAPTURE_ERROR_TOO_LARGE,     /* a line over LS_CAPTURE_MAX_LINE, nesting too deep */
} LsCaptureError;

/* A stream as saved, or as read back. */
typedef struct
{
  LsStreamOptions  *request;          /* method, URL, headers, body, format (as saved:
                                       * redacted unless secrets were included) */
  gboolean          secrets_included;
  gint64            started_unix_us;  /* wall clock at t = 0 */
  gint64            t0_us;            /* the store's monotonic time at t = 0 */
  LsEventStore     *store;            /* the records */
  LsReadLog        *read_log;         /* connections, responses, reads */
  LsStreamResponse *response;         /* the latest response; NULL when none */
  LsStreamState     state;            /* final */
  LsStreamEnd       end;
  char             *message;          /* the closing sentence, "" when none */
  LsStreamStats     stats;            /* times in the store's monotonic clock */
  guint64           dropped;          /* records the store had let go before they were saved */
  char             *warning;          /* read back: what was wrong but kept, or NULL */
} LsCapture;

GQuark         ls_capture_error_quark       (void);
void           ls_capture_free              (LsCapture        *self);

/* ---- writing ---- */

/* Creates (replaces) @path for writing a capture: gzip when it ends in
 * ".gz". A one-line error names the path. */
GOutputStream *ls_capture_create_file       (const char       *path,
                                             GError          **error);
/* The header line (without its newline): @request redacted unless
 * @include_secrets; @started_unix_us the wall clock at t = 0. */
char          *ls_capture_header_line       (const LsStreamOptions *request,
                                             gint64            started_unix_us,
                                             gboolean          include_secrets);
/* The figures line (without its newline), times from @t0_us. */
char          *ls_capture_figures_line      (LsStreamState     state,
                                             LsStreamEnd       end,
                                             const char       *message,
                                             const LsStreamStats *stats,
                                             guint64           dropped,
                                             gint64            t0_us);
/* An LsEventWriter in capture mode on @out (which it closes): write the
 * header line first, ls_event_writer_write_new() as the stream goes, the
 * figures line last. */
LsEventWriter *ls_capture_writer_new        (GOutputStream    *out,
                                             const char       *destination,
                                             gint64            t0_us,
                                             LsReadLog        *read_log,
                                             gboolean          include_secrets);
/* A whole stream at once (the window's Save Capture; any thread, the
 * store and the log are read-only here). @capture's request, times,
 * state, figures, store and log are written; its events are not
 * released. */
gboolean       ls_capture_write             (const LsCapture  *capture,
                                             GOutputStream    *out,
                                             const char       *destination,
                                             gboolean          include_secrets,
                                             GError          **error);
/* What ls_capture_write() needs of a live or finished stream, copied
 * (UI thread). */
LsCapture     *ls_capture_new_from_stream   (LsStream         *stream);

/* ---- reading ---- */

/* Any thread. gzip is recognised by its magic number. The store gets
 * the default retention limits (what is past them is dropped, and said
 * in the warning). */
LsCapture     *ls_capture_read              (GInputStream     *in,
                                             GError          **error);
LsCapture     *ls_capture_read_file         (const char       *path,
                                             GError          **error);
LsCapture     *ls_capture_read_bytes        (const void       *data,
                                             gsize             len,
                                             GError          **error);

/* For tests: FALSE when the reader's own parser of flat lines and
 * json-glib read @line differently. */
gboolean       _ls_capture_check_flat_line  (const char       *line,
                                             gsize             len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsCapture, ls_capture_free)

G_END_DECLS
