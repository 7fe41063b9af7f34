/* ls-read-log.c: a stream's connections, responses and body reads, for a capture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GArray of entries behind a pthread mutex (ThreadSanitizer sees it,
 * see docs/design.md), with the index of its first entry: writers that
 * are done with a prefix release it, so a long headless capture does not
 * keep what it wrote.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <pthread.h>

#include "ls-read-log.h"

struct _LsReadLog
{
  gint             ref_count;   /* atomic */
  pthread_mutex_t  lock;
  GArray          *entries;     /* of LsReadLogEntry */
  guint64          first;       /* the number of entries[0] */
  gsize            max_bytes;
  gsize            kept_bytes;
  guint64          without_data;
};

static void
entry_clear (gpointer data)
{
  LsReadLogEntry *entry = data;

  g_clear_pointer (&entry->data, g_bytes_unref);
  g_clear_pointer (&entry->response, ls_stream_response_unref);
}

GArray *
ls_read_log_entries_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (LsReadLogEntry));

  g_array_set_clear_func (array, entry_clear);
  return array;
}

LsReadLog *
ls_read_log_new (gsize max_bytes)
{
  LsReadLog *self = g_new0 (LsReadLog, 1);

  self->ref_count = 1;
  pthread_mutex_init (&self->lock, NULL);
  self->entries = ls_read_log_entries_new ();
  self->max_bytes = max_bytes;
  return self;
}

LsReadLog *
ls_read_log_ref (LsReadLog *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);
  return self;
}

void
ls_read_log_unref (LsReadLog *self)
{
  g_return_if_fail (self != NULL);
  if (__atomic_sub_fetch (&self->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  g_array_unref (self->entries);
  pthread_mutex_destroy (&self->lock);
  g_free (self);
}

static void
log_add (LsReadLog      *self,
         LsReadLogEntry *entry)
{
  pthread_mutex_lock (&self->lock);
  g_array_append_vals (self->entries, entry, 1);
  pthread_mutex_unlock (&self->lock);
}

void
ls_read_log_add_connect (LsReadLog *self,
                         guint32    connection,
                         gint64     time_us,
                         guint64    seq)
{
  LsReadLogEntry entry = { LS_READ_LOG_CONNECT, connection, time_us, seq, 0, NULL, NULL };

  g_return_if_fail (self != NULL);
  log_add (self, &entry);
}

void
ls_read_log_add_response (LsReadLog        *self,
                          guint32           connection,
                          gint64            time_us,
                          guint64           seq,
                          LsStreamResponse *response)
{
  LsReadLogEntry entry = { LS_READ_LOG_RESPONSE, connection, time_us, seq, 0, NULL, NULL };

  g_return_if_fail (self != NULL);
  g_return_if_fail (response != NULL);
  entry.response = ls_stream_response_ref (response);
  log_add (self, &entry);
}

void
ls_read_log_add_read (LsReadLog    *self,
                      guint32       connection,
                      gint64        time_us,
                      guint64       seq,
                      const guint8 *data,
                      gsize         size)
{
  LsReadLogEntry entry = { LS_READ_LOG_READ, connection, time_us, seq, size, NULL, NULL };
  gboolean keep;

  g_return_if_fail (self != NULL);

  /* The budget is checked outside the copy: only the writer adds. */
  pthread_mutex_lock (&self->lock);
  keep = data != NULL && self->kept_bytes + size <= self->max_bytes;
  if (keep)
    self->kept_bytes += size;
  else
    self->without_data++;
  pthread_mutex_unlock (&self->lock);
  if (keep)
    entry.data = g_bytes_new (data, size);
  log_add (self, &entry);
}

guint64
ls_read_log_get_end (LsReadLog *self)
{
  guint64 end;

  g_return_val_if_fail (self != NULL, 0);
  pthread_mutex_lock (&self->lock);
  end = self->first + self->entries->len;
  pthread_mutex_unlock (&self->lock);
  return end;
}

guint64
ls_read_log_copy_since (LsReadLog *self,
                        guint64    from,
                        GArray    *out)
{
  guint64 end;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out != NULL, 0);

  pthread_mutex_lock (&self->lock);
  end = self->first + self->entries->len;
  for (guint64 i = MAX (from, self->first); i < end; i++)
    {
      LsReadLogEntry entry = g_array_index (self->entries, LsReadLogEntry, i - self->first);

      if (entry.data != NULL)
        g_bytes_ref (entry.data);
      if (entry.response != NULL)
        ls_stream_response_ref (entry.response);
      g_array_append_vals (out, &entry, 1);
    }
  pthread_mutex_unlock (&self->lock);
  return end;
}

/* Under the lock: the first @n entries go. */
static void
release_first_locked (LsReadLog *self,
                      guint      n)
{
  for (guint i = 0; i < n; i++)
    {
      LsReadLogEntry *entry = &g_array_index (self->entries, LsReadLogEntry, i);

      if (entry->data != NULL)
        self->kept_bytes -= g_bytes_get_size (entry->data);
    }
  g_array_remove_range (self->entries, 0, n);
  self->first += n;
}

void
ls_read_log_release_before (LsReadLog *self,
                            guint64    end)
{
  g_return_if_fail (self != NULL);

  pthread_mutex_lock (&self->lock);
  if (end > self->first)
    release_first_locked (self, (guint) MIN (end - self->first, (guint64) self->entries->len));
  pthread_mutex_unlock (&self->lock);
}

/* Entries removed at once: the array's front is moved in one go. */
#define FORGET_BATCH 1024

void
ls_read_log_forget_before_seq (LsReadLog *self,
                               guint64    seq)
{
  g_return_if_fail (self != NULL);

  pthread_mutex_lock (&self->lock);
  /* Entry i's events are those from its seq to the next entry's, and
   * seqs never decrease: when entry FORGET_BATCH starts at or before
   * @seq, every entry before it is done with. One look per call. */
  if (self->entries->len > FORGET_BATCH &&
      g_array_index (self->entries, LsReadLogEntry, FORGET_BATCH).seq <= seq)
    release_first_locked (self, FORGET_BATCH);
  pthread_mutex_unlock (&self->lock);
}

guint64
ls_read_log_get_n_without_data (LsReadLog *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  pthread_mutex_lock (&self->lock);
  n = self->without_data;
  pthread_mutex_unlock (&self->lock);
  return n;
}
