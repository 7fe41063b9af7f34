/* ls-recorder.c: bounded, thread-safe record of spans, guard events and counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every thread appends here; the UI reads every frame, an export reads it
 * all. The ring is indexed by sequence number (the record of seq n lives
 * in slot n % capacity), so a reader asks for "everything since n" and
 * copies only that, and knows exactly how many it missed when writers
 * lapped it.
 *
 * Readers never hold writers back: they take no lock to copy. Writers
 * (serialized by a mutex among themselves: an append is a struct copy)
 * publish each record like a seqlock: "begin" says which seq is being
 * written, then the slot's words, then "end". A reader copies a chunk
 * of slots, then reads "begin": any record whose slot a writer may have
 * started on since is thrown away and counted as lost, so what it keeps
 * is whole. Slots are read and written word by word with relaxed atomics
 * (plain moves on x86), which also lets ThreadSanitizer check it.
 *
 * Details stay borrowed (the pointers in the ring) until a reader is
 * done: readers register under the mutex, and while any is registered a
 * writer that overwrites a slot parks the old detail instead of freeing
 * it; the last reader frees the lot. Strings are copied, redacted and
 * formatted by the reader, on its own time.
 *
 * The mutex is a pthread one of ours, not a GMutex, so ThreadSanitizer
 * sees the hand-off (Debian's GLib hides its own locks from it).
 */
#define G_LOG_DOMAIN "ls-recorder"

#include "config.h"

#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ls-recorder-private.h"
#include "ls-redact.h"

/* A record as words, for the atomic word-by-word copies. */
typedef union
{
  LsRecord record;
  guint64  words[sizeof (LsRecord) / sizeof (guint64)];
} Slot;

G_STATIC_ASSERT (sizeof (LsRecord) % sizeof (guint64) == 0);

struct _LsRecorder
{
  GObject          parent_instance;

  pthread_mutex_t  lock;         /* writers among themselves, readers' registration */
  Slot            *ring;         /* the record of seq n is ring[n % capacity] */
  guint            capacity;
  guint64          floor_seq;    /* seqs below it were dropped by a resize */
  Slot            *pending_ring; /* under lock: a resize waiting for readers to end */
  guint            pending_capacity;
  guint64          begin_seq;    /* atomic: seqs below it may have started being written */
  guint64          end_seq;      /* atomic: seqs below it are written; the total appended */
  guint            borrowers;    /* under lock: readers holding ring details */
  GPtrArray       *parked;       /* under lock: details overwritten while borrowed */
  guint64          next_span_id; /* atomic */
  GHashTable      *thread_names; /* tid → name, under lock */
  gint64           origin_us;
};

G_DEFINE_FINAL_TYPE (LsRecorder, ls_recorder, G_TYPE_OBJECT)

gint
ls_current_thread_id (void)
{
  static __thread gint cached_tid;

  if (cached_tid == 0)
    cached_tid = (gint) syscall (SYS_gettid);
  return cached_tid;
}

G_DEFINE_ENUM_TYPE (LsRecordKind, ls_record_kind,
                    G_DEFINE_ENUM_VALUE (LS_RECORD_SPAN, "span"),
                    G_DEFINE_ENUM_VALUE (LS_RECORD_GUARD, "guard"),
                    G_DEFINE_ENUM_VALUE (LS_RECORD_COUNTER, "counter"))

G_DEFINE_ENUM_TYPE (LsOutcome, ls_outcome,
                    G_DEFINE_ENUM_VALUE (LS_OUTCOME_OK, "ok"),
                    G_DEFINE_ENUM_VALUE (LS_OUTCOME_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (LS_OUTCOME_CANCELLED, "cancelled"))

G_DEFINE_ENUM_TYPE (LsLoopId, ls_loop_id,
                    G_DEFINE_ENUM_VALUE (LS_LOOP_UI, "ui"),
                    G_DEFINE_ENUM_VALUE (LS_LOOP_WORKER, "worker"),
                    G_DEFINE_ENUM_VALUE (LS_LOOP_OTHER, "other"))

void
ls_record_clear (LsRecord *record)
{
  g_clear_pointer (&record->detail, g_free);
}

static void
free_ring (Slot  *ring,
           guint  capacity)
{
  if (ring == NULL)
    return;
  for (guint i = 0; i < capacity; i++)
    ls_record_clear (&ring[i].record);
  g_free (ring);
}

static inline guint64 first_intact_seq (LsRecorder *self,
                                        guint64     begin);

static void
ls_recorder_finalize (GObject *object)
{
  LsRecorder *self = LS_RECORDER (object);
  guint64 end = self->end_seq;

  /* Only the slots ever written: the rest of a large ring was never
   * touched (g_new0), and reading it would fault in every page at exit. */
  for (guint64 seq = first_intact_seq (self, end); seq < end; seq++)
    ls_record_clear (&self->ring[seq % self->capacity].record);
  g_free (self->ring);
  free_ring (self->pending_ring, self->pending_capacity);
  g_ptr_array_unref (self->parked);
  g_hash_table_unref (self->thread_names);
  pthread_mutex_destroy (&self->lock);

  G_OBJECT_CLASS (ls_recorder_parent_class)->finalize (object);
}

static void
ls_recorder_class_init (LsRecorderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ls_recorder_finalize;
}

static void
ls_recorder_init (LsRecorder *self)
{
  pthread_mutex_init (&self->lock, NULL);
  self->next_span_id = 1;
  self->thread_names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->parked = g_ptr_array_new_with_free_func (g_free);
  self->origin_us = g_get_monotonic_time ();
}

/**
 * ls_recorder_new:
 * @capacity: how many records the ring keeps before it drops the oldest
 */
LsRecorder *
ls_recorder_new (guint capacity)
{
  LsRecorder *self;

  g_return_val_if_fail (capacity > 0, NULL);

  self = g_object_new (LS_TYPE_RECORDER, NULL);
  self->capacity = capacity;
  self->ring = g_new0 (Slot, capacity);
  return self;
}

/* The first seq whose slot no writer has started on again (given a
 * "begin" read after the slots were copied). */
static inline guint64
first_intact_seq (LsRecorder *self,
                  guint64     begin)
{
  return MAX (begin > self->capacity ? begin - self->capacity : 0, self->floor_seq);
}

guint
ls_recorder_get_capacity (LsRecorder *self)
{
  guint capacity;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  pthread_mutex_lock (&self->lock);
  capacity = self->pending_ring != NULL ? self->pending_capacity : self->capacity;
  pthread_mutex_unlock (&self->lock);
  return capacity;
}

/* Under the lock, with no reader registered (readers touch the ring
 * without the lock, so it only changes between readers). The newest
 * records move to their slots in the new ring; the rest are dropped.
 * Returns the old ring for the caller to free outside the lock. */
static Slot *
swap_ring_locked (LsRecorder *self,
                  guint      *old_capacity)
{
  Slot *old_ring = self->ring;
  guint64 end = self->end_seq;
  guint64 first = first_intact_seq (self, end);
  guint64 keep = MIN (end - first, (guint64) self->pending_capacity);

  g_assert (self->borrowers == 0);
  for (guint64 seq = end - keep; seq < end; seq++)
    {
      Slot *from = &old_ring[seq % self->capacity];

      self->pending_ring[seq % self->pending_capacity] = *from;
      from->record.detail = NULL;   /* moved */
    }
  *old_capacity = self->capacity;
  self->ring = self->pending_ring;
  self->capacity = self->pending_capacity;
  self->floor_seq = end - keep;
  self->pending_ring = NULL;
  self->pending_capacity = 0;
  return old_ring;
}

/**
 * ls_recorder_set_capacity:
 * @capacity: how many records the ring keeps from now on
 *
 * Any thread. The newest records are kept; a smaller ring drops the
 * oldest, counted as dropped; sequence numbers go on. While a reader is
 * copying, the new ring waits for it to end (readers never block).
 */
void
ls_recorder_set_capacity (LsRecorder *self,
                          guint       capacity)
{
  Slot *ring, *old_ring = NULL, *superseded = NULL;
  guint old_capacity = 0, superseded_capacity = 0;

  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (capacity > 0);

  /* Allocated outside the lock: appends never wait for it. */
  ring = g_new0 (Slot, capacity);

  pthread_mutex_lock (&self->lock);
  superseded = self->pending_ring;
  superseded_capacity = self->pending_capacity;
  self->pending_ring = NULL;
  self->pending_capacity = 0;
  if (capacity == self->capacity)
    {
      /* Back to the size it has: only a waiting resize to cancel. */
      g_free (ring);
    }
  else
    {
      self->pending_ring = ring;
      self->pending_capacity = capacity;
      if (self->borrowers == 0)
        old_ring = swap_ring_locked (self, &old_capacity);
    }
  pthread_mutex_unlock (&self->lock);

  free_ring (superseded, superseded_capacity);
  free_ring (old_ring, old_capacity);
}

guint64
ls_recorder_next_span_id (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return __atomic_fetch_add (&self->next_span_id, 1, __ATOMIC_RELAXED);
}

/* Takes ownership of record->detail. */
void
ls_recorder_append (LsRecorder *self,
                    LsRecord   *record)
{
  char *old_detail;
  Slot *slot;
  Slot copy;
  guint64 seq;

  pthread_mutex_lock (&self->lock);
  seq = self->end_seq;  /* only writers change it, under the lock */
  slot = &self->ring[seq % self->capacity];
  old_detail = slot->record.detail;
  record->seq = seq;
  copy.record = *record;

  /* The seqlock's writer side: begin, then the words, then end. */
  __atomic_store_n (&self->begin_seq, seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  for (guint i = 0; i < G_N_ELEMENTS (copy.words); i++)
    __atomic_store_n (&slot->words[i], copy.words[i], __ATOMIC_RELAXED);
  __atomic_store_n (&self->end_seq, seq + 1, __ATOMIC_RELEASE);

  if (old_detail != NULL && self->borrowers > 0)
    {
      /* A reader may still be copying it: the last reader frees it. */
      g_ptr_array_add (self->parked, old_detail);
      old_detail = NULL;
    }
  pthread_mutex_unlock (&self->lock);

  /* Freed outside the lock: the critical section stays a copy. */
  g_free (old_detail);
}

/* Returns the span's task id (the one given, or the fresh one assigned). */
guint64
ls_recorder_add_span (LsRecorder   *self,
                      const LsSpan *span)
{
  LsRecord record = { 0 };

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  g_return_val_if_fail (span != NULL && span->name != NULL, 0);

  record.kind = LS_RECORD_SPAN;
  record.loop = span->loop;
  record.outcome = span->outcome;
  record.thread_id = ls_current_thread_id ();
  record.id = span->task != 0 ? span->task : ls_recorder_next_span_id (self);
  record.parent_id = span->parent;
  record.name = span->name;
  record.category = span->category != NULL ? span->category : "";
  record.detail = g_strdup (span->detail);
  record.queued_us = span->queued_us;
  record.start_us = span->start_us;
  record.end_us = span->end_us;
  record.value = span->items;
  ls_recorder_append (self, &record);
  return record.id;
}

void
ls_recorder_add_guard (LsRecorder *self,
                       const char *name,
                       LsLoopId    loop,
                       const char *message)
{
  LsRecord record = { 0 };

  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (name != NULL);

  record.kind = LS_RECORD_GUARD;
  record.loop = loop;
  record.outcome = LS_OUTCOME_ERROR;
  record.thread_id = ls_current_thread_id ();
  record.name = name;
  record.category = "guard";
  record.detail = g_strdup (message);
  record.start_us = record.end_us = g_get_monotonic_time ();
  ls_recorder_append (self, &record);
}

void
ls_recorder_add_counter (LsRecorder *self,
                         const char *name,
                         LsLoopId    loop,
                         gint64      value)
{
  LsRecord record = { 0 };

  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (name != NULL);

  record.kind = LS_RECORD_COUNTER;
  record.loop = loop;
  record.thread_id = ls_current_thread_id ();
  record.name = name;
  record.category = "counter";
  record.start_us = record.end_us = g_get_monotonic_time ();
  record.value = value;
  ls_recorder_append (self, &record);
}

guint64
ls_recorder_get_total (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  return __atomic_load_n (&self->end_seq, __ATOMIC_ACQUIRE);
}

guint64
ls_recorder_get_dropped (LsRecorder *self)
{
  guint64 dropped;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  /* Under the lock: a resize changes the capacity and the floor. */
  pthread_mutex_lock (&self->lock);
  dropped = first_intact_seq (self, self->end_seq);
  pthread_mutex_unlock (&self->lock);
  return dropped;
}

/* ---- readers -------------------------------------------------------------- */

/**
 * ls_recorder_reader_begin:
 * @since_seq: the first seq wanted
 *
 * Starts reading the records from @since_seq up to the last one appended
 * now (records appended later are for the next reader). Until
 * ls_recorder_reader_end(), the details of the records it copies stay
 * valid.
 */
void
ls_recorder_reader_begin (LsRecorderReader *reader,
                          LsRecorder       *self,
                          guint64           since_seq)
{
  *reader = (LsRecorderReader) { NULL };
  g_return_if_fail (LS_IS_RECORDER (self));

  reader->recorder = self;  /* the caller holds it for the reader's life */
  pthread_mutex_lock (&self->lock);
  reader->end_seq = __atomic_load_n (&self->end_seq, __ATOMIC_ACQUIRE);
  reader->next_seq = MIN (since_seq, reader->end_seq);
  self->borrowers++;
  pthread_mutex_unlock (&self->lock);
}

/**
 * ls_recorder_reader_read:
 * @buffer: room for @max records
 * @max: at most this many (capped at LS_RECORDER_CHUNK)
 *
 * Copies the next records, oldest first, into @buffer; their details are
 * borrowed from the ring (valid until ls_recorder_reader_end(), never to
 * be freed). Records overwritten before the reader got to them are
 * skipped and added to @reader->lost.
 *
 * Returns: how many were copied; 0 when the reader is done.
 */
guint
ls_recorder_reader_read (LsRecorderReader *reader,
                         LsRecord         *buffer,
                         guint             max)
{
  LsRecorder *self = reader->recorder;
  guint64 first, intact;
  guint n, skip;

  if (self == NULL)
    return 0;

  max = MIN (max, LS_RECORDER_CHUNK);
  do
    {
      /* Skip what is already known to be gone. */
      intact = first_intact_seq (self, __atomic_load_n (&self->begin_seq, __ATOMIC_RELAXED));
      if (reader->next_seq < intact)
        {
          reader->lost += MIN (intact, reader->end_seq) - reader->next_seq;
          reader->next_seq = MIN (intact, reader->end_seq);
        }
      first = reader->next_seq;
      n = (guint) MIN ((guint64) max, reader->end_seq - first);

      for (guint i = 0; i < n; i++)
        {
          const Slot *slot = &self->ring[(first + i) % self->capacity];
          Slot copy;

          for (guint w = 0; w < G_N_ELEMENTS (copy.words); w++)
            copy.words[w] = __atomic_load_n (&slot->words[w], __ATOMIC_RELAXED);
          buffer[i] = copy.record;
        }

      /* The seqlock's reader side: a record whose slot a writer started on
       * while we copied may be torn; drop those (the oldest ones). */
      __atomic_thread_fence (__ATOMIC_ACQUIRE);
      intact = first_intact_seq (self, __atomic_load_n (&self->begin_seq, __ATOMIC_RELAXED));
      skip = (guint) MIN ((guint64) n, intact > first ? intact - first : 0);
      if (skip > 0)
        {
          memmove (buffer, buffer + skip, (n - skip) * sizeof (LsRecord));
          reader->lost += skip;
          n -= skip;
        }
      reader->next_seq = first + skip + n;
    }
  /* All of a chunk torn, with more to read: try the next one. */
  while (n == 0 && reader->next_seq < reader->end_seq);

  return n;
}

/* Ends the borrowing: details parked for readers go when the last one ends. */
void
ls_recorder_reader_end (LsRecorderReader *reader)
{
  LsRecorder *self = reader->recorder;
  g_autoptr(GPtrArray) parked = NULL;
  Slot *old_ring = NULL;
  guint old_capacity = 0;

  if (self == NULL)
    return;

  pthread_mutex_lock (&self->lock);
  if (--self->borrowers == 0 && self->parked->len > 0)
    {
      parked = self->parked;
      self->parked = g_ptr_array_new_with_free_func (g_free);
    }
  if (self->borrowers == 0 && self->pending_ring != NULL)
    old_ring = swap_ring_locked (self, &old_capacity);
  pthread_mutex_unlock (&self->lock);

  free_ring (old_ring, old_capacity);

  reader->recorder = NULL;
}

static void
clear_record_in_array (gpointer data)
{
  ls_record_clear (data);
}

/* Details may hold what a stream sent (its URL and request headers): what
 * leaves the recorder is redacted unless an export asks otherwise. */
char *
ls_record_dup_detail (const LsRecord *record,
                      gboolean        include_secrets)
{
  const char *detail = record->detail;

  /* No colon: no URL and no "Name: value" line, nothing to redact. */
  if (include_secrets || detail == NULL || strchr (detail, ':') == NULL)
    return g_strdup (detail);
  return ls_redact_text (detail);
}

/**
 * ls_recorder_snapshot_since:
 * @since_seq: the first seq wanted: 0 for everything the ring holds, or
 *   the seq after the last record of the previous snapshot
 * @n_lost: (out) (optional): records from @since_seq on that were
 *   overwritten before this call (the reader fell behind the ring)
 *
 * Costs what it returns, not the ring's size. Details come redacted
 * (ls_redact_text()): URLs' credentials and secret request headers never
 * reach a view.
 *
 * Returns: (transfer full): a GArray of LsRecord copies in seq order;
 *   the seqs missing from it are the @n_lost ones. Release them with
 *   ls_record_clear() (the array's clear function does).
 */
GArray *
ls_recorder_snapshot_since (LsRecorder *self,
                            guint64     since_seq,
                            guint64    *n_lost)
{
  LsRecorderReader reader;
  GArray *copy;
  guint n;

  g_return_val_if_fail (LS_IS_RECORDER (self), NULL);

  copy = g_array_new (FALSE, FALSE, sizeof (LsRecord));
  ls_recorder_reader_begin (&reader, self, since_seq);
  while (reader.next_seq < reader.end_seq)
    {
      guint len = copy->len;
      guint want = (guint) MIN ((guint64) LS_RECORDER_CHUNK, reader.end_seq - reader.next_seq);

      /* Room first, then the chunk is copied straight into it. */
      g_array_set_size (copy, len + want);
      n = ls_recorder_reader_read (&reader, &g_array_index (copy, LsRecord, len), want);
      g_array_set_size (copy, len + n);
    }

  for (guint i = 0; i < copy->len; i++)
    {
      LsRecord *record = &g_array_index (copy, LsRecord, i);

      record->detail = ls_record_dup_detail (record, FALSE);
    }
  ls_recorder_reader_end (&reader);

  g_array_set_clear_func (copy, clear_record_in_array);
  if (n_lost != NULL)
    *n_lost = reader.lost;
  return copy;
}

void
ls_recorder_set_thread_name (LsRecorder *self,
                             gint        thread_id,
                             const char *name)
{
  g_return_if_fail (LS_IS_RECORDER (self));

  pthread_mutex_lock (&self->lock);
  g_hash_table_insert (self->thread_names, GINT_TO_POINTER (thread_id), g_strdup (name));
  pthread_mutex_unlock (&self->lock);
}

gint64
ls_recorder_get_origin_us (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return self->origin_us;
}

/* Returns: (transfer full): tid → name, a copy taken under the lock. */
GHashTable *
ls_recorder_dup_thread_names (LsRecorder *self)
{
  GHashTable *names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (LS_IS_RECORDER (self), names);

  pthread_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->thread_names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (names, key, g_strdup (value));
  pthread_mutex_unlock (&self->lock);
  return names;
}
