/* ls-recorder.c: bounded, thread-safe record of spans, guard events and counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every thread appends here; the UI reads every frame, an export reads it
 * all. There are two rings of the same capacity, so that a flood of
 * samples (counters, a stress test's round trips) cannot erase the
 * history (streams, crossings, guard events): each record goes to one of
 * them, with a sequence number common to both. A ring is indexed by its
 * own position (the record at position n lives in slot n % capacity);
 * a reader asks for "everything since seq s", finds where that starts in
 * each ring by bisection, copies only that and merges the two in seq
 * order, and knows exactly how many it missed when writers lapped it.
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

/* Which ring a record lives in. */
enum
{
  RING_HISTORY,
  RING_SAMPLES,
};

G_STATIC_ASSERT (LS_RECORDER_N_RINGS == 2);

/* One ring, indexed by its own local positions: the record at local
 * position n lives in slot n % capacity. Records carry the recorder's
 * global seq, increasing along a ring. */
typedef struct
{
  Slot            *slots;
  guint            capacity;
  guint64          floor;        /* positions below it were dropped by a resize */
  Slot            *pending;      /* under lock: a resize waiting for readers to end */
  guint            pending_capacity;
  guint64          begin;        /* atomic: positions below it may have started being written */
  guint64          end;          /* atomic: positions below it are written */
} Ring;

struct _LsRecorder
{
  GObject          parent_instance;

  pthread_mutex_t  lock;         /* writers among themselves, readers' registration */
  Ring             rings[LS_RECORDER_N_RINGS];
  guint64          total;        /* atomic (written under lock): the next global seq */
  guint            borrowers;    /* under lock: readers holding ring details */
  GPtrArray       *parked;       /* under lock: details overwritten while borrowed */
  guint64          next_span_id; /* atomic */
  GHashTable      *thread_names; /* tid → name, under lock */
  GHashTable      *stream_names; /* stream id → name, under lock */
  gint64           origin_us;
  gint64           origin_real_us;
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
                    G_DEFINE_ENUM_VALUE (LS_OUTCOME_CANCELLED, "cancelled"),
                    G_DEFINE_ENUM_VALUE (LS_OUTCOME_SLOW, "slow"))

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
free_slots (Slot  *slots,
            guint  capacity)
{
  if (slots == NULL)
    return;
  for (guint i = 0; i < capacity; i++)
    ls_record_clear (&slots[i].record);
  g_free (slots);
}

/* The first position whose slot no writer has started on again (given a
 * "begin" read after the slots were copied). */
static inline guint64
first_intact (const Ring *ring,
              guint64     begin)
{
  return MAX (begin > ring->capacity ? begin - ring->capacity : 0, ring->floor);
}

static void
ls_recorder_finalize (GObject *object)
{
  LsRecorder *self = LS_RECORDER (object);

  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      Ring *ring = &self->rings[r];

      /* Only the slots ever written: the rest of a large ring was never
       * touched (g_new0), and reading it would fault in every page at exit. */
      for (guint64 n = first_intact (ring, ring->end); n < ring->end; n++)
        ls_record_clear (&ring->slots[n % ring->capacity].record);
      g_free (ring->slots);
      free_slots (ring->pending, ring->pending_capacity);
    }
  g_ptr_array_unref (self->parked);
  g_hash_table_unref (self->thread_names);
  g_hash_table_unref (self->stream_names);
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
  self->stream_names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->parked = g_ptr_array_new_with_free_func (g_free);
  self->origin_us = g_get_monotonic_time ();
  self->origin_real_us = g_get_real_time ();
}

/**
 * ls_recorder_new:
 * @capacity: how many records each ring (history, samples) keeps before
 *   it drops its oldest
 */
LsRecorder *
ls_recorder_new (guint capacity)
{
  LsRecorder *self;

  g_return_val_if_fail (capacity > 0, NULL);

  self = g_object_new (LS_TYPE_RECORDER, NULL);
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      /* g_new0 leaves the pages untouched until a record lands there. */
      self->rings[r].capacity = capacity;
      self->rings[r].slots = g_new0 (Slot, capacity);
    }
  return self;
}

guint
ls_recorder_get_capacity (LsRecorder *self)
{
  Ring *ring;
  guint capacity;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  pthread_mutex_lock (&self->lock);
  ring = &self->rings[RING_HISTORY];
  capacity = ring->pending != NULL ? ring->pending_capacity : ring->capacity;
  pthread_mutex_unlock (&self->lock);
  return capacity;
}

/* Under the lock, with no reader registered (readers touch the ring
 * without the lock, so it only changes between readers). The newest
 * records move to their slots in the new ring; the rest are dropped.
 * Returns the old slots for the caller to free outside the lock. */
static Slot *
swap_ring_locked (LsRecorder *self,
                  Ring       *ring,
                  guint      *old_capacity)
{
  Slot *old_slots = ring->slots;
  guint64 end = ring->end;
  guint64 first = first_intact (ring, end);
  guint64 keep = MIN (end - first, (guint64) ring->pending_capacity);

  g_assert (self->borrowers == 0);
  for (guint64 n = end - keep; n < end; n++)
    {
      Slot *from = &old_slots[n % ring->capacity];

      ring->pending[n % ring->pending_capacity] = *from;
      from->record.detail = NULL;   /* moved */
    }
  *old_capacity = ring->capacity;
  ring->slots = ring->pending;
  ring->capacity = ring->pending_capacity;
  ring->floor = end - keep;
  ring->pending = NULL;
  ring->pending_capacity = 0;
  return old_slots;
}

/**
 * ls_recorder_set_capacity:
 * @capacity: how many records each ring keeps from now on
 *
 * Any thread. The newest records are kept; a smaller ring drops the
 * oldest, counted as dropped; sequence numbers go on. While a reader is
 * copying, the new rings wait for it to end (readers never block).
 */
void
ls_recorder_set_capacity (LsRecorder *self,
                          guint       capacity)
{
  Slot *fresh[LS_RECORDER_N_RINGS];
  Slot *old[LS_RECORDER_N_RINGS] = { NULL, };
  Slot *superseded[LS_RECORDER_N_RINGS] = { NULL, };
  guint old_capacity[LS_RECORDER_N_RINGS] = { 0, };
  guint superseded_capacity[LS_RECORDER_N_RINGS] = { 0, };

  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (capacity > 0);

  /* Allocated outside the lock: appends never wait for it. */
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    fresh[r] = g_new0 (Slot, capacity);

  pthread_mutex_lock (&self->lock);
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      Ring *ring = &self->rings[r];

      superseded[r] = ring->pending;
      superseded_capacity[r] = ring->pending_capacity;
      ring->pending = NULL;
      ring->pending_capacity = 0;
      if (capacity == ring->capacity)
        {
          /* Back to the size it has: only a waiting resize to cancel. */
          g_free (g_steal_pointer (&fresh[r]));
        }
      else
        {
          ring->pending = g_steal_pointer (&fresh[r]);
          ring->pending_capacity = capacity;
          if (self->borrowers == 0)
            old[r] = swap_ring_locked (self, ring, &old_capacity[r]);
        }
    }
  pthread_mutex_unlock (&self->lock);

  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      free_slots (superseded[r], superseded_capacity[r]);
      free_slots (old[r], old_capacity[r]);
    }
}

guint64
ls_recorder_next_span_id (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return __atomic_fetch_add (&self->next_span_id, 1, __ATOMIC_RELAXED);
}

/* Takes ownership of record->detail. Its @sample says which ring. */
void
ls_recorder_append (LsRecorder *self,
                    LsRecord   *record)
{
  Ring *ring = &self->rings[record->sample ? RING_SAMPLES : RING_HISTORY];
  char *old_detail;
  Slot *slot;
  Slot copy;
  guint64 n;

  pthread_mutex_lock (&self->lock);
  n = ring->end;  /* only writers change it, under the lock */
  slot = &ring->slots[n % ring->capacity];
  old_detail = slot->record.detail;
  record->seq = self->total;
  copy.record = *record;

  /* The seqlock's writer side: begin, then the words, then end. */
  __atomic_store_n (&ring->begin, n + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  for (guint i = 0; i < G_N_ELEMENTS (copy.words); i++)
    __atomic_store_n (&slot->words[i], copy.words[i], __ATOMIC_RELAXED);
  __atomic_store_n (&ring->end, n + 1, __ATOMIC_RELEASE);
  __atomic_store_n (&self->total, record->seq + 1, __ATOMIC_RELEASE);

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
  record.queued_tid = span->queued_tid;
  record.sample = span->sample;
  record.stream_id = span->stream_id;
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
  record.sample = TRUE;
  ls_recorder_append (self, &record);
}

guint64
ls_recorder_get_total (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  return __atomic_load_n (&self->total, __ATOMIC_ACQUIRE);
}

static guint64
get_dropped (LsRecorder *self,
             guint       first,
             guint       last)
{
  guint64 dropped = 0;

  /* Under the lock: a resize changes the capacity and the floor. */
  pthread_mutex_lock (&self->lock);
  for (guint r = first; r <= last; r++)
    dropped += first_intact (&self->rings[r], self->rings[r].end);
  pthread_mutex_unlock (&self->lock);
  return dropped;
}

/* What both rings dropped to make room (or to shrink). */
guint64
ls_recorder_get_dropped (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return get_dropped (self, RING_HISTORY, RING_SAMPLES);
}

/* What the history ring dropped: stream and bridge spans, guard events. */
guint64
ls_recorder_get_dropped_history (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return get_dropped (self, RING_HISTORY, RING_HISTORY);
}

/* What the samples' ring dropped: counters and sample spans. */
guint64
ls_recorder_get_dropped_samples (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return get_dropped (self, RING_SAMPLES, RING_SAMPLES);
}

/* ---- readers -------------------------------------------------------------- */

/* Under the lock (no writer moves): the first position of @ring whose
 * record has a seq ≥ @seq, by bisection (seqs grow along a ring). */
static guint64
ring_seek_locked (const Ring *ring,
                  guint64     seq)
{
  guint64 lo = first_intact (ring, ring->end);
  guint64 hi = ring->end;

  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;

      if (ring->slots[mid % ring->capacity].record.seq < seq)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

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
  reader->end_seq = self->total;
  reader->since_seq = MIN (since_seq, reader->end_seq);
  reader->next_seq = reader->since_seq;
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      reader->rings[r].next = ring_seek_locked (&self->rings[r], reader->since_seq);
      reader->rings[r].end = self->rings[r].end;
    }
  self->borrowers++;
  pthread_mutex_unlock (&self->lock);

  /* Room for a chunk of each ring, no more than it has to give. */
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      LsRecorderRingReader *sub = &reader->rings[r];

      sub->size = (guint) MIN ((guint64) LS_RECORDER_CHUNK, sub->end - sub->next);
      sub->buffer = sub->size > 0 ? g_new (LsRecord, sub->size) : NULL;
    }
}

/* Copies the next chunk of one ring (at most @max) into @buffer, dropping
 * what writers overwrote before or during the copy. Returns how many. */
static guint
ring_read (LsRecorder           *self,
           Ring                 *ring,
           LsRecorderRingReader *sub,
           LsRecord             *buffer,
           guint                 max)
{
  guint64 first, intact;
  guint n, skip;

  do
    {
      /* Skip what is already known to be gone. */
      intact = first_intact (ring, __atomic_load_n (&ring->begin, __ATOMIC_RELAXED));
      if (sub->next < intact)
        sub->next = MIN (intact, sub->end);
      first = sub->next;
      n = (guint) MIN ((guint64) max, sub->end - first);

      for (guint i = 0; i < n; i++)
        {
          const Slot *slot = &ring->slots[(first + i) % ring->capacity];
          Slot copy;

          for (guint w = 0; w < G_N_ELEMENTS (copy.words); w++)
            copy.words[w] = __atomic_load_n (&slot->words[w], __ATOMIC_RELAXED);
          buffer[i] = copy.record;
        }

      /* The seqlock's reader side: a record whose slot a writer started on
       * while we copied may be torn; drop those (the oldest ones). */
      __atomic_thread_fence (__ATOMIC_ACQUIRE);
      intact = first_intact (ring, __atomic_load_n (&ring->begin, __ATOMIC_RELAXED));
      skip = (guint) MIN ((guint64) n, intact > first ? intact - first : 0);
      if (skip > 0)
        {
          memmove (buffer, buffer + skip, (n - skip) * sizeof (LsRecord));
          n -= skip;
        }
      sub->next = first + skip + n;
    }
  /* All of a chunk torn, with more to read: try the next one. */
  while (n == 0 && sub->next < sub->end);

  (void) self;
  return n;
}

/**
 * ls_recorder_reader_read:
 * @buffer: room for @max records
 * @max: at most this many (capped at LS_RECORDER_CHUNK)
 *
 * Copies the next records, oldest first (in seq order across both rings),
 * into @buffer; their details are borrowed from the ring (valid until
 * ls_recorder_reader_end(), never to be freed). Records overwritten before
 * the reader got to them are skipped, counted in @reader->lost once the
 * reader is done. Within one call, records of one ring come from one
 * copy: a ring's losses fall between calls, never inside its run.
 *
 * Returns: how many were copied; 0 when the reader is done.
 */
guint
ls_recorder_reader_read (LsRecorderReader *reader,
                         LsRecord         *buffer,
                         guint             max)
{
  LsRecorder *self = reader->recorder;
  gboolean refilled[LS_RECORDER_N_RINGS] = { FALSE, };
  gboolean emitted[LS_RECORDER_N_RINGS] = { FALSE, };
  guint n = 0;

  if (self == NULL || max == 0)
    return 0;

  max = MIN (max, LS_RECORDER_CHUNK);
  for (;;)
    {
      LsRecorderRingReader *pick = NULL;

      for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
        {
          LsRecorderRingReader *sub = &reader->rings[r];

          /* A ring runs dry: refill it at most once per call, and only
           * before it gave any, so what it lost lies before its records
           * in this call. */
          while (sub->pos == sub->len && sub->next < sub->end && !refilled[r] && !emitted[r])
            {
              sub->pos = 0;
              sub->len = ring_read (self, &self->rings[r], sub, sub->buffer, sub->size);
              refilled[r] = TRUE;
              /* Records before the reader's start (the bisection is by
               * seq, a resize may have moved things): not ours. */
              while (sub->pos < sub->len && sub->buffer[sub->pos].seq < reader->since_seq)
                sub->pos++;
            }
          if (sub->pos == sub->len && sub->next < sub->end)
            {
              /* Dry, with more to copy: stop here, the next call goes on. */
              pick = NULL;
              goto done;
            }
          if (sub->pos < sub->len
              && (pick == NULL || sub->buffer[sub->pos].seq < pick->buffer[pick->pos].seq))
            pick = sub;
        }
      if (pick == NULL || n == max)
        break;
      emitted[pick - reader->rings] = TRUE;
      buffer[n++] = pick->buffer[pick->pos++];
    }
done:
  reader->delivered += n;
  if (n > 0)
    reader->next_seq = buffer[n - 1].seq + 1;
  else
    {
      /* Done (a refill that finds nothing has nothing left to find):
       * whatever of [since, end) was not handed out was lost. */
      reader->next_seq = reader->end_seq;
      reader->lost = (reader->end_seq - reader->since_seq) - reader->delivered;
    }
  return n;
}

/* Ends the borrowing: details parked for readers go when the last one ends. */
void
ls_recorder_reader_end (LsRecorderReader *reader)
{
  LsRecorder *self = reader->recorder;
  g_autoptr(GPtrArray) parked = NULL;
  Slot *old[LS_RECORDER_N_RINGS] = { NULL, };
  guint old_capacity[LS_RECORDER_N_RINGS] = { 0, };

  if (self == NULL)
    return;

  pthread_mutex_lock (&self->lock);
  if (--self->borrowers == 0 && self->parked->len > 0)
    {
      parked = self->parked;
      self->parked = g_ptr_array_new_with_free_func (g_free);
    }
  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    if (self->borrowers == 0 && self->rings[r].pending != NULL)
      old[r] = swap_ring_locked (self, &self->rings[r], &old_capacity[r]);
  pthread_mutex_unlock (&self->lock);

  for (guint r = 0; r < LS_RECORDER_N_RINGS; r++)
    {
      free_slots (old[r], old_capacity[r]);
      g_clear_pointer (&reader->rings[r].buffer, g_free);
    }

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
  do
    {
      guint len = copy->len;
      guint want = (guint) MIN ((guint64) LS_RECORDER_CHUNK, reader.end_seq - reader.since_seq - len);

      /* Room first, then the chunk is copied straight into it. */
      g_array_set_size (copy, len + MAX (want, 1));
      n = ls_recorder_reader_read (&reader, &g_array_index (copy, LsRecord, len), MAX (want, 1));
      g_array_set_size (copy, len + n);
    }
  while (n > 0);

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

/**
 * ls_recorder_set_stream_name:
 * @stream_id: a stream's id (ls_stream_get_id()), not 0
 * @name: (nullable): what to call its work (its row in the window, with no
 *   secret in it), or NULL to forget it
 *
 * Exported with the trace and read back by an import. Any thread.
 */
void
ls_recorder_set_stream_name (LsRecorder *self,
                             guint32     stream_id,
                             const char *name)
{
  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (stream_id != 0);

  pthread_mutex_lock (&self->lock);
  /* The window says it again every second: the same name is kept as is. */
  if (name == NULL)
    g_hash_table_remove (self->stream_names, GUINT_TO_POINTER (stream_id));
  else if (g_strcmp0 (g_hash_table_lookup (self->stream_names, GUINT_TO_POINTER (stream_id)), name) != 0)
    g_hash_table_replace (self->stream_names, GUINT_TO_POINTER (stream_id), g_strdup (name));
  pthread_mutex_unlock (&self->lock);
}

/* Returns: (transfer full) (nullable): the name of stream @stream_id. */
char *
ls_recorder_dup_stream_name (LsRecorder *self,
                             guint32     stream_id)
{
  char *name;

  g_return_val_if_fail (LS_IS_RECORDER (self), NULL);

  pthread_mutex_lock (&self->lock);
  name = g_strdup (g_hash_table_lookup (self->stream_names, GUINT_TO_POINTER (stream_id)));
  pthread_mutex_unlock (&self->lock);
  return name;
}

gint64
ls_recorder_get_origin_us (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return self->origin_us;
}

/* The wall-clock time (g_get_real_time()) at the origin: a record's
 * monotonic time t happened at origin_real_us + (t - origin_us), the same
 * mapping an event store makes for its events' times. */
gint64
ls_recorder_get_origin_real_us (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return self->origin_real_us;
}

/* A copy of @names (integer keys, string values), under the lock. */
static GHashTable *
dup_names (LsRecorder *self,
           GHashTable *names)
{
  GHashTable *copy = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GHashTableIter iter;
  gpointer key, value;

  pthread_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, key, g_strdup (value));
  pthread_mutex_unlock (&self->lock);
  return copy;
}

/* Returns: (transfer full): tid → name, a copy taken under the lock. */
GHashTable *
ls_recorder_dup_thread_names (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), NULL);

  return dup_names (self, self->thread_names);
}

/* Returns: (transfer full): stream id → name, a copy taken under the lock. */
GHashTable *
ls_recorder_dup_stream_names (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), NULL);

  return dup_names (self, self->stream_names);
}
