/* ls-recorder.c: bounded, thread-safe record of spans, guard events and counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both loops append here. The ring is guarded by a pthread mutex held only
 * for a struct copy, so an append never waits behind real work; the lock is
 * ours (not a GMutex) so ThreadSanitizer sees the hand-off. When the ring is
 * full the oldest record is overwritten and counted as dropped: the count is
 * shown, never hidden.
 */
#define G_LOG_DOMAIN "ls-recorder"

#include "config.h"

#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ls-recorder-private.h"
#include "ls-redact.h"

struct _LsRecorder
{
  GObject          parent_instance;

  pthread_mutex_t  lock;
  LsRecord        *ring;
  guint            capacity;
  guint            head;      /* index of the oldest record */
  guint            length;
  guint64          next_seq;  /* also the total ever appended */
  guint64          dropped;
  guint64          next_span_id;
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
ls_recorder_finalize (GObject *object)
{
  LsRecorder *self = LS_RECORDER (object);

  for (guint i = 0; i < self->capacity; i++)
    ls_record_clear (&self->ring[i]);
  g_free (self->ring);
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
  self->ring = g_new0 (LsRecord, capacity);
  return self;
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
  char *old_detail = NULL;
  LsRecord *slot;

  pthread_mutex_lock (&self->lock);
  if (self->length == self->capacity)
    {
      slot = &self->ring[self->head];
      self->head = (self->head + 1) % self->capacity;
      self->dropped++;
    }
  else
    {
      slot = &self->ring[(self->head + self->length) % self->capacity];
      self->length++;
    }
  old_detail = slot->detail;
  record->seq = self->next_seq++;
  *slot = *record;
  pthread_mutex_unlock (&self->lock);

  /* Freed outside the lock: the ring's critical section stays a copy. */
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
  guint64 total;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  pthread_mutex_lock (&self->lock);
  total = self->next_seq;
  pthread_mutex_unlock (&self->lock);
  return total;
}

guint64
ls_recorder_get_dropped (LsRecorder *self)
{
  guint64 dropped;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  pthread_mutex_lock (&self->lock);
  dropped = self->dropped;
  pthread_mutex_unlock (&self->lock);
  return dropped;
}

static void
clear_record_in_array (gpointer data)
{
  ls_record_clear (data);
}

/* Details may hold what a stream sent (its URL and request headers): what
 * leaves the recorder is redacted unless an export asks otherwise. */
static char *
redacted_detail (const char *detail)
{
  /* No colon: no URL and no "Name: value" line, nothing to redact. */
  if (detail == NULL || strchr (detail, ':') == NULL)
    return g_strdup (detail);
  return ls_redact_text (detail);
}

GArray *
ls_recorder_snapshot_full (LsRecorder *self,
                   guint64     after_seq,
                   gboolean    include_secrets)
{
  GArray *copy;

  copy = g_array_new (FALSE, FALSE, sizeof (LsRecord));
  g_array_set_clear_func (copy, clear_record_in_array);

  pthread_mutex_lock (&self->lock);
  g_array_set_size (copy, 0);
  for (guint i = 0; i < self->length; i++)
    {
      const LsRecord *record = &self->ring[(self->head + i) % self->capacity];
      LsRecord dup;

      if (after_seq != 0 && record->seq <= after_seq)
        continue;
      dup = *record;
      dup.detail = g_strdup (record->detail);
      g_array_append_val (copy, dup);
    }
  pthread_mutex_unlock (&self->lock);

  /* Outside the lock: the worker records while we scan. */
  if (!include_secrets)
    for (guint i = 0; i < copy->len; i++)
      {
        LsRecord *record = &g_array_index (copy, LsRecord, i);
        char *safe = redacted_detail (record->detail);

        g_free (record->detail);
        record->detail = safe;
      }

  return copy;
}

/**
 * ls_recorder_snapshot:
 * @after_seq: only records with a larger seq are copied; pass 0 for all
 *   (the very first record has seq 0 and is included when @after_seq is 0)
 *
 * Details come redacted (ls_redact_text()): URLs' credentials and secret
 * request headers never reach a view.
 *
 * Returns: (transfer full): a GArray of LsRecord copies, oldest first.
 */
GArray *
ls_recorder_snapshot (LsRecorder *self,
                      guint64     after_seq)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), NULL);

  return ls_recorder_snapshot_full (self, after_seq, FALSE);
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
