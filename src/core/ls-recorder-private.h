/* ls-recorder-private.h: the recorder's side door for the trace reader and writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-recorder.h"

G_BEGIN_DECLS

/* Appends @record as is (its seq is assigned); takes ownership of its detail. */
void        ls_recorder_append           (LsRecorder *self,
                                          LsRecord   *record);
GHashTable *ls_recorder_dup_thread_names (LsRecorder *self);
/* What a copied record's detail may show: redacted unless @include_secrets. */
char       *ls_record_dup_detail         (const LsRecord *record,
                                          gboolean        include_secrets);

/* A reader copies at most this many records at a time (no lock held),
 * then checks which of them writers overwrote meanwhile. */
#define LS_RECORDER_CHUNK 1024

/* One ring's part of a reader: local positions in that ring, and the
 * copied chunk being merged. */
typedef struct
{
  guint64   next;    /* the next local index to copy */
  guint64   end;     /* exclusive */
  LsRecord *buffer;
  guint     size;    /* room in @buffer */
  guint     pos;     /* the next record of @buffer to hand out */
  guint     len;
} LsRecorderRingReader;

#define LS_RECORDER_N_RINGS 2

/* Reads the records of seq [since_seq, the end at ls_recorder_reader_begin ())
 * in chunks, both rings merged in seq order. Fields are the reader's own;
 * read them, don't write them. */
typedef struct
{
  LsRecorder          *recorder;
  guint64              since_seq;
  guint64              next_seq;  /* past the last seq handed out; end_seq once done */
  guint64              end_seq;   /* exclusive */
  guint64              lost;      /* overwritten before they could be copied (final once done) */
  guint64              delivered;
  LsRecorderRingReader rings[LS_RECORDER_N_RINGS];
} LsRecorderReader;

void        ls_recorder_reader_begin     (LsRecorderReader *reader,
                                          LsRecorder       *self,
                                          guint64           since_seq);
guint       ls_recorder_reader_read      (LsRecorderReader *reader,
                                          LsRecord         *buffer,
                                          guint             max);
void        ls_recorder_reader_end       (LsRecorderReader *reader);

G_END_DECLS
