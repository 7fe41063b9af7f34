/* ls-trace.c: a recorder's records as Chrome Trace Event JSON, out and back in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The export is what Perfetto and chrome://tracing open; the import reads
 * such a file (ours or another's) back into a recorder, so a saved session
 * can be looked at again. Hostile files are expected: see the fuzz target.
 */
#define G_LOG_DOMAIN "ls-trace"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "ls-enum.h"
#include "ls-recorder-private.h"
#include "ls-trace.h"

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
 * ls_trace_export:
 * @flags: LS_TRACE_EXPORT_INCLUDE_SECRETS keeps span details as recorded
 *   (request headers and URLs unredacted): the user's choice for this
 *   one export
 *
 * Writes the ring as Chrome Trace Event JSON (object form), which Perfetto
 * and chrome://tracing open: "M" thread names, "X" spans, "i" guard events,
 * "C" counters. Times are microseconds since the recorder was created.
 * Details are redacted unless @flags ask otherwise.
 */
gboolean
ls_trace_export (LsRecorder         *self,
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

  records = ls_recorder_snapshot_full (self, 0, (flags & LS_TRACE_EXPORT_INCLUDE_SECRETS) != 0);
  names = ls_recorder_dup_thread_names (self);
  dropped = ls_recorder_get_dropped (self);

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
          add_common_members (builder, record, ls_recorder_get_origin_us (self), "X");
          json_builder_set_member_name (builder, "dur");
          json_builder_add_int_value (builder, MAX (0, record->end_us - record->start_us));
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          /* The task tree travels with every span: parent 0 is a root. */
          json_builder_set_member_name (builder, "task");
          json_builder_add_int_value (builder, (gint64) record->id);
          json_builder_set_member_name (builder, "parent");
          json_builder_add_int_value (builder, (gint64) record->parent_id);
          json_builder_set_member_name (builder, "loop");
          json_builder_add_string_value (builder, ls_enum_to_nick (LS_TYPE_LOOP_ID, record->loop));
          json_builder_set_member_name (builder, "outcome");
          json_builder_add_string_value (builder, ls_enum_to_nick (LS_TYPE_OUTCOME, record->outcome));
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
          add_common_members (builder, record, ls_recorder_get_origin_us (self), "i");
          json_builder_set_member_name (builder, "s");
          json_builder_add_string_value (builder, "t");
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "loop");
          json_builder_add_string_value (builder, ls_enum_to_nick (LS_TYPE_LOOP_ID, record->loop));
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, record->detail != NULL ? record->detail : "");
          json_builder_end_object (builder);
          break;

        case LS_RECORD_COUNTER:
          add_common_members (builder, record, ls_recorder_get_origin_us (self), "C");
          json_builder_set_member_name (builder, "args");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, ls_enum_to_nick (LS_TYPE_LOOP_ID, record->loop));
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
import_loop (const char *nick)
{
  int loop = LS_LOOP_OTHER;

  if (nick != NULL)
    ls_enum_from_nick (LS_TYPE_LOOP_ID, nick, &loop);
  return loop;
}

static LsOutcome
import_outcome (const char *nick)
{
  int outcome = LS_OUTCOME_OK;

  if (nick != NULL)
    ls_enum_from_nick (LS_TYPE_OUTCOME, nick, &outcome);
  return outcome;
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
  record.start_us = ls_recorder_get_origin_us (self) + CLAMP (ts, -((gint64) 1 << 50), (gint64) 1 << 50);
  record.end_us = record.start_us;
  record.name = import_name (state, event, "name", "(unnamed)");
  record.category = import_name (state, event, "cat", "");
  record.loop = import_loop (import_string (args, "loop"));

  if (g_str_equal (phase, "X"))
    {
      gint64 wait = 0, task = 0, parent = 0, items = 0;

      if (!import_int (event, "dur", &dur) || dur < 0)
        {
          state->skipped++;
          return;
        }
      record.kind = LS_RECORD_SPAN;
      record.end_us = record.start_us + MIN (dur, (gint64) 1 << 50);
      if (import_int (args, "wait_us", &wait) && wait > 0)
        record.queued_us = record.start_us - MIN (wait, (gint64) 1 << 50);
      /* "id" is what traces written before "task" named it. */
      if (!import_int (args, "task", &task))
        import_int (args, "id", &task);
      import_int (args, "parent", &parent);
      import_int (args, "items", &items);
      record.id = (guint64) task;
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
 * ls_trace_import:
 * @data: a Chrome Trace Event JSON document (object form with
 *   "traceEvents", or a bare array of events)
 * @n_skipped: (out) (optional): events that were not understood
 *
 * Appends the spans ("X"), guard events ("i"), counters ("C") and thread
 * names ("M") of a trace, such as one ls_trace_export() wrote, so
 * that a saved session can be looked at again. Events of other phases, or
 * missing what they need, are skipped and counted, never fatal.
 *
 * Returns: the number of events imported, or -1 with @error set when the
 *   document is not a trace at all.
 */
gssize
ls_trace_import (LsRecorder  *self,
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
