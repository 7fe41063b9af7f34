/* ls-read-log.h: a stream's connections, responses and body reads, for a capture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kept only when a capture may be asked for (LsStreamOptions.record_reads):
 * the worker appends one entry per connection attempt, per response and
 * per read of the body (its size, time and, within a byte budget, the
 * bytes themselves); any thread reads them back in order. Each entry
 * carries the event store's end sequence number when it was made, so a
 * capture writer puts it exactly between the records it came between:
 * before the events that read produced.
 *
 * A pthread mutex of ours guards the entries; an append is a struct copy
 * (and for a read, one copy of its bytes), readers copy a range out.
 */
#pragma once

#include <glib.h>

#include "ls-stream-response.h"

G_BEGIN_DECLS

typedef enum
{
  LS_READ_LOG_CONNECT,   /* a request was sent: a new connection number */
  LS_READ_LOG_RESPONSE,  /* its response headers arrived */
  LS_READ_LOG_READ,      /* one read of the body */
} LsReadLogKind;

/* The bytes of reads are kept up to this many in all (by default); later
 * reads keep their size and time only. */
#define LS_READ_LOG_DEFAULT_MAX_BYTES ((gsize) 256 * 1024 * 1024)

typedef struct
{
  LsReadLogKind     kind;
  guint32           connection;  /* from 1 */
  gint64            time_us;     /* g_get_monotonic_time() */
  guint64           seq;         /* the store's end seq when made: precedes events >= seq */
  gsize             size;        /* READ: bytes read */
  GBytes           *data;        /* READ: the bytes, or NULL past the budget (or not kept) */
  LsStreamResponse *response;    /* RESPONSE */
} LsReadLogEntry;

typedef struct _LsReadLog LsReadLog;

LsReadLog *ls_read_log_new           (gsize           max_bytes);
LsReadLog *ls_read_log_ref           (LsReadLog      *self);
void       ls_read_log_unref         (LsReadLog      *self);

/* Any thread (the worker's run; a capture reader). @data may be NULL
 * (the size alone is kept). */
void       ls_read_log_add_connect   (LsReadLog      *self,
                                      guint32         connection,
                                      gint64          time_us,
                                      guint64         seq);
void       ls_read_log_add_response  (LsReadLog      *self,
                                      guint32         connection,
                                      gint64          time_us,
                                      guint64         seq,
                                      LsStreamResponse *response);
void       ls_read_log_add_read      (LsReadLog      *self,
                                      guint32         connection,
                                      gint64          time_us,
                                      guint64         seq,
                                      const guint8   *data,
                                      gsize           size);

/* Any thread. Entries are numbered from 0 in the order they came; the
 * ones released are gone. */
guint64    ls_read_log_get_end       (LsReadLog      *self);
/* Copies of the entries in [@from, end) (new references to their data
 * and responses) into @out, an array of LsReadLogEntry made with
 * ls_read_log_entries_new(); returns the new end. Released entries are
 * skipped. */
guint64    ls_read_log_copy_since    (LsReadLog      *self,
                                      guint64         from,
                                      GArray         *out);
/* Lets go of the entries before @end (a writer that wrote them). */
void       ls_read_log_release_before (LsReadLog     *self,
                                       guint64        end);
/* Lets go of the oldest entries whose events all come before @seq (a
 * store's first readable event): in batches, so it costs nothing most
 * of the times it is called. */
void       ls_read_log_forget_before_seq (LsReadLog  *self,
                                          guint64     seq);
/* Reads whose bytes were not kept (over the budget). */
guint64    ls_read_log_get_n_without_data (LsReadLog *self);

/* An empty GArray of LsReadLogEntry that clears its entries' references. */
GArray    *ls_read_log_entries_new   (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsReadLog, ls_read_log_unref)

G_END_DECLS
