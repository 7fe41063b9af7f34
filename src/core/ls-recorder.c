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

#include <json-glib/json-glib.h>

#include "ls-recorder.h"
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

const char *
ls_loop_id_to_string (LsLoopId loop)
{
  switch (loop)
    {
    case LS_LOOP_UI:
      return "ui";
    case LS_LOOP_WORKER:
      return "worker";
    case LS_LOOP_OTHER:
    default:
      return "other";
    }
}

const char *
ls_outcome_to_string (LsOutcome outcome)
{
  switch (outcome)
    {
    case LS_OUTCOME_OK:
      return "ok";
    case LS_OUTCOME_ERROR:
      return "error";
    case LS_OUTCOME_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
    }
}

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

guint
ls_recorder_get_capacity (LsRecorder *self)
{
  guint capacity;

  g_return_val_if_fail (LS_IS_RECORDER (self), 0);

  pthread_mutex_lock (&self->lock);
  capacity = self->capacity;
  pthread_mutex_unlock (&self->lock);
  return capacity;
}

/**
 * ls_recorder_set_capacity:
 * @capacity: how many records the ring keeps from now on
 *
 * Any thread. The newest records are kept; a smaller ring drops the
 * oldest, counted as dropped. Sequence numbers are unchanged.
 */
void
ls_recorder_set_capacity (LsRecorder *self,
                          guint       capacity)
{
  LsRecord *ring, *old_ring;
  guint old_capacity, old_head, n_old, keep;

  g_return_if_fail (LS_IS_RECORDER (self));
  g_return_if_fail (capacity > 0);

  /* Allocated outside the lock: appends wait for a copy only. */
  ring = g_new0 (LsRecord, capacity);

  pthread_mutex_lock (&self->lock);
  if (capacity == self->capacity)
    {
      pthread_mutex_unlock (&self->lock);
      g_free (ring);
      return;
    }
  old_ring = self->ring;
  old_capacity = self->capacity;
  old_head = self->head;
  n_old = self->length;
  keep = MIN (n_old, capacity);
  for (guint i = 0; i < keep; i++)
    {
      LsRecord *from = &old_ring[(old_head + n_old - keep + i) % old_capacity];

      ring[i] = *from;
      from->detail = NULL;   /* moved */
    }
  self->ring = ring;
  self->capacity = capacity;
  self->head = 0;
  self->length = keep;
  self->dropped += n_old - keep;
  pthread_mutex_unlock (&self->lock);

  /* Nobody else sees the old ring now: free what was not moved. */
  for (guint i = 0; i < old_capacity; i++)
    ls_record_clear (&old_ring[i]);
  g_free (old_ring);
}

guint64
ls_recorder_next_span_id (LsRecorder *self)
{
  g_return_val_if_fail (LS_IS_RECORDER (self), 0);
  return __atomic_fetch_add (&self->next_span_id, 1, __ATOMIC_RELAXED);
}

/* Takes ownership of record->detail. */
static void
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

static GArray *
recorder_snapshot (LsRecorder *self,
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

  return recorder_snapshot (self, after_seq, FALSE);
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

static void
add_common_members (JsonBuilder    *builder,
                    const LsRecord *record,
                    gint64          origin_us,
                    const char     *phase)
{
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, record->name);
  json_builder_set_member_name (builder, "cat");
  json_builder_add_string_value (builder, record->category);
  json_builder_set_member_name (builder, "ph");
  json_builder_add_string_value (builder, phase);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, record->start_us - origin_us);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, getpid ());
  json_builder_set_member_name (builder, "tid");
  json_builder_add_int_value (builder, record->thread_id);
}

/**
 * ls_recorder_export_trace:
 *
 * Writes the ring as Chrome Trace Event JSON (object form), which Perfetto
 * and chrome://tracing open: "M" thread names, "X" spans, "i" guard events,
 * "C" counters. Times are microseconds since the recorder was created.
 */
gboolean
ls_recorder_export_trace (LsRecorder    *self,
                          GOutputStream *out,
                          GCancellable  *cancellable,
                          GError       **error)
{
  return ls_recorder_export_trace_full (self, out, LS_TRACE_EXPORT_DEFAULT, cancellable, error);
}

/**
 * ls_recorder_export_trace_full:
 * @flags: LS_TRACE_EXPORT_INCLUDE_SECRETS keeps span details as recorded
 *   (request headers and URLs unredacted): the user's choice for this
 *   one export
 *
 * As ls_recorder_export_trace(), which redacts.
 */
gboolean
ls_recorder_export_trace_full (LsRecorder         *self,
                               GOutputStream      *out,
                               LsTraceExportFlags  flags,
                               GCancellable       *cancellable,
                               GError            **error)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) records = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gsize length;
  guint64 dropped;

  g_return_val_if_fail (LS_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  records = recorder_snapshot (self, 0, (flags & LS_TRACE_EXPORT_INCLUDE_SECRETS) != 0);
  names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  pthread_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->thread_names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (names, key, g_strdup (value));
  dropped = self->dropped;
  pthread_mutex_unlock (&self->lock);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "displayTimeUnit");
  json_builder_add_string_value (builder, "ms");
  json_builder_set_member_name (builder, "otherData");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "producer");
  json_builder_add_string_value (builder, "Loopscope " PACKAGE_VERSION);
  json_builder_set_member_name (builder, "dropped_records");
  json_builder_add_int_value (builder, (gint64) dropped);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "traceEvents");
  json_builder_begin_array (builder);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "process_name");
  json_builder_set_member_name (builder, "ph");
  json_builder_add_string_value (builder, "M");
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, getpid ());
  json_builder_set_member_name (builder, "args");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "loopscope");
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, "thread_name");
      json_builder_set_member_name (builder, "ph");
      json_builder_add_string_value (builder, "M");
      json_builder_set_member_name (builder, "pid");
      json_builder_add_int_value (builder, getpid ());
      json_builder_set_member_name (builder, "tid");
      json_builder_add_int_value (builder, GPOINTER_TO_INT (key));
      json_builder_set_member_name (builder, "args");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, value);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }

  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *record = &g_array_index (records, LsRecord, i);

      json_builder_begin_object (builder);
      switch (record->kind)
        {
        case LS_RECORD_SPAN:
          add_common_members (builder, record, self->origin_us, "X");
          json_builder_set_member_name (builder, "dur");
          json_builder_add_int_value (builder, MAX (0, record->end_us - record->start_us));
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, (gint64) record->id);
          if (record->parent_id != 0)
            {
              json_builder_set_member_name (builder, "parent");
              json_builder_add_int_value (builder, (gint64) record->parent_id);
            }
          json_builder_set_member_name (builder, "loop");
          json_builder_add_string_value (builder, ls_loop_id_to_string (record->loop));
          json_builder_set_member_name (builder, "outcome");
          json_builder_add_string_value (builder, ls_outcome_to_string (record->outcome));
          if (record->queued_us != 0)
            {
              json_builder_set_member_name (builder, "wait_us");
              json_builder_add_int_value (builder, MAX (0, record->start_us - record->queued_us));
            }
          if (record->value != 0)
            {
              json_builder_set_member_name (builder, "items");
              json_builder_add_int_value (builder, record->value);
            }
          if (record->detail != NULL)
            {
              json_builder_set_member_name (builder, "detail");
              json_builder_add_string_value (builder, record->detail);
            }
          json_builder_end_object (builder);
          break;

        case LS_RECORD_GUARD:
          add_common_members (builder, record, self->origin_us, "i");
          json_builder_set_member_name (builder, "s");
          json_builder_add_string_value (builder, "t");
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "loop");
          json_builder_add_string_value (builder, ls_loop_id_to_string (record->loop));
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, record->detail != NULL ? record->detail : "");
          json_builder_end_object (builder);
          break;

        case LS_RECORD_COUNTER:
          add_common_members (builder, record, self->origin_us, "C");
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, ls_loop_id_to_string (record->loop));
          json_builder_add_int_value (builder, record->value);
          json_builder_end_object (builder);
          break;

        default:
          g_assert_not_reached ();
        }
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  return g_output_stream_write_all (out, text, length, NULL, cancellable, error);
}

/* ---- import -------------------------------------------------------------- */

/* Imported names are interned (records hold interned strings). The intern
 * table is never freed, so a hostile file must not be able to grow it at
 * will: names are cut to this length and only so many distinct ones kept. */
#define IMPORT_MAX_NAME 128
#define IMPORT_MAX_DISTINCT_NAMES 4096

typedef struct
{
  LsRecorder *self;
  GHashTable *seen_names;
  guint       imported;
  guint       skipped;
} ImportState;

static const char *
import_name (ImportState *state,
             JsonObject  *event,
             const char  *member,
             const char  *fallback)
{
  JsonNode *node = json_object_get_member (event, member);
  g_autofree char *cut = NULL;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  text = json_node_get_string (node);
  if (strlen (text) > IMPORT_MAX_NAME)
    text = cut = g_utf8_make_valid (text, IMPORT_MAX_NAME);
  if (!g_hash_table_contains (state->seen_names, text))
    {
      if (g_hash_table_size (state->seen_names) >= IMPORT_MAX_DISTINCT_NAMES)
        return "(other)";
      g_hash_table_add (state->seen_names, g_strdup (text));
    }
  return g_intern_string (text);
}

static gboolean
import_int (JsonObject *object,
            const char *member,
            gint64     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* Chrome traces may carry fractional microseconds; reject NaN/huge. */
      if (!(d > -1e15 && d < 1e15))
        return FALSE;
      *value = (gint64) d;
    }
  else
    return FALSE;
  return TRUE;
}

static const char *
import_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static LsLoopId
import_loop (const char *name)
{
  if (g_strcmp0 (name, "ui") == 0)
    return LS_LOOP_UI;
  if (g_strcmp0 (name, "worker") == 0)
    return LS_LOOP_WORKER;
  return LS_LOOP_OTHER;
}

static LsOutcome
import_outcome (const char *name)
{
  if (g_strcmp0 (name, "error") == 0)
    return LS_OUTCOME_ERROR;
  if (g_strcmp0 (name, "cancelled") == 0)
    return LS_OUTCOME_CANCELLED;
  return LS_OUTCOME_OK;
}

static void
import_event (ImportState *state,
              JsonObject  *event)
{
  LsRecorder *self = state->self;
  const char *phase = import_string (event, "ph");
  JsonNode *args_node = json_object_get_member (event, "args");
  JsonObject *args = args_node != NULL && JSON_NODE_HOLDS_OBJECT (args_node)
                     ? json_node_get_object (args_node) : NULL;
  LsRecord record = { 0 };
  gint64 ts = 0, dur = 0, tid = 0, value = 0;

  if (phase == NULL || !import_int (event, "ts", &ts))
    {
      /* Metadata events carry no timestamp. */
      if (g_strcmp0 (phase, "M") == 0 && g_strcmp0 (import_string (event, "name"), "thread_name") == 0
          && import_int (event, "tid", &tid) && import_string (args, "name") != NULL)
        {
          g_autofree char *name = g_utf8_make_valid (import_string (args, "name"),
                                                     MIN (strlen (import_string (args, "name")), IMPORT_MAX_NAME));

          ls_recorder_set_thread_name (self, (gint) CLAMP (tid, G_MININT, G_MAXINT), name);
          state->imported++;
        }
      else if (g_strcmp0 (phase, "M") != 0)
        state->skipped++;
      return;
    }

  import_int (event, "tid", &tid);
  record.thread_id = (gint) CLAMP (tid, G_MININT, G_MAXINT);
  record.start_us = self->origin_us + CLAMP (ts, -((gint64) 1 << 50), (gint64) 1 << 50);
  record.end_us = record.start_us;
  record.name = import_name (state, event, "name", "(unnamed)");
  record.category = import_name (state, event, "cat", "");
  record.loop = import_loop (import_string (args, "loop"));

  if (g_str_equal (phase, "X"))
    {
      gint64 wait = 0, id = 0, parent = 0, items = 0;

      if (!import_int (event, "dur", &dur) || dur < 0)
        {
          state->skipped++;
          return;
        }
      record.kind = LS_RECORD_SPAN;
      record.end_us = record.start_us + MIN (dur, (gint64) 1 << 50);
      if (import_int (args, "wait_us", &wait) && wait > 0)
        record.queued_us = record.start_us - MIN (wait, (gint64) 1 << 50);
      import_int (args, "id", &id);
      import_int (args, "parent", &parent);
      import_int (args, "items", &items);
      record.id = (guint64) id;
      record.parent_id = (guint64) parent;
      record.value = items;
      record.outcome = import_outcome (import_string (args, "outcome"));
      record.detail = g_strdup (import_string (args, "detail"));
    }
  else if (g_str_equal (phase, "i") || g_str_equal (phase, "I"))
    {
      record.kind = LS_RECORD_GUARD;
      record.outcome = LS_OUTCOME_ERROR;
      record.detail = g_strdup (import_string (args, "message"));
    }
  else if (g_str_equal (phase, "C"))
    {
      /* Our counters carry one member named after the loop. */
      if (args == NULL || json_object_get_size (args) == 0)
        {
          state->skipped++;
          return;
        }
      {
        g_autoptr(GList) members = json_object_get_members (args);

        record.loop = import_loop (members->data);
        if (!import_int (args, members->data, &value))
          {
            state->skipped++;
            return;
          }
      }
      record.kind = LS_RECORD_COUNTER;
      record.value = value;
    }
  else
    {
      state->skipped++;
      return;
    }

  ls_recorder_append (self, &record);
  state->imported++;
}

/**
 * ls_recorder_import_trace:
 * @data: a Chrome Trace Event JSON document (object form with
 *   "traceEvents", or a bare array of events)
 * @n_skipped: (out) (optional): events that were not understood
 *
 * Appends the spans ("X"), guard events ("i"), counters ("C") and thread
 * names ("M") of a trace, such as one ls_recorder_export_trace() wrote, so
 * that a saved session can be looked at again. Events of other phases, or
 * missing what they need, are skipped and counted, never fatal.
 *
 * Returns: the number of events imported, or -1 with @error set when the
 *   document is not a trace at all.
 */
gssize
ls_recorder_import_trace (LsRecorder  *self,
                          GBytes      *data,
                          guint       *n_skipped,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GHashTable) seen_names = NULL;
  ImportState state = { self };
  JsonNode *root, *events_node = NULL;
  JsonArray *events;
  gsize size;
  const char *bytes;

  g_return_val_if_fail (LS_IS_RECORDER (self), -1);
  g_return_val_if_fail (data != NULL, -1);

  bytes = g_bytes_get_data (data, &size);
  if (size == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Not a trace file: it is empty");
      return -1;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, bytes, (gssize) size, error))
    {
      g_prefix_error (error, "Not a trace file: ");
      return -1;
    }
  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    events_node = root;
  else if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    events_node = json_object_get_member (json_node_get_object (root), "traceEvents");
  if (events_node == NULL || !JSON_NODE_HOLDS_ARRAY (events_node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Not a trace file: expected a \"traceEvents\" array");
      return -1;
    }

  seen_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state.seen_names = seen_names;
  events = json_node_get_array (events_node);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        import_event (&state, json_node_get_object (node));
      else
        state.skipped++;
    }

  if (n_skipped != NULL)
    *n_skipped = state.skipped;
  return state.imported;
}
