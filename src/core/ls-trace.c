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

#include <glib/gi18n-lib.h>

#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "ls-enum.h"
#include "ls-llm.h"
#include "ls-recorder-private.h"
#include "ls-trace.h"

/* ---- export -------------------------------------------------------------- */

/* The writer flushes to the stream past this much text. */
#define EXPORT_FLUSH_BYTES (64 * 1024)

/* A JSON string literal: escapes what JSON requires, and replaces invalid
 * UTF-8 (an imported name, a server's bytes in a detail). */
static void
append_json_string (GString    *out,
                    const char *text)
{
  g_autofree char *valid = NULL;
  const char *run;

  if (text == NULL)
    text = "";
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  run = text;
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default: g_string_append_printf (out, "\\u%04x", c); break;
        }
      run = p + 1;
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

/* Decimal digits without printf, whose formatting was most of an
 * export's time. */
static void
append_int (GString *out,
            gint64   value)
{
  char digits[24];
  guint64 magnitude = value < 0 ? -(guint64) value : (guint64) value;
  gsize n = sizeof digits;

  do
    {
      digits[--n] = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (value < 0)
    digits[--n] = '-';
  g_string_append_len (out, digits + n, sizeof digits - n);
}

static void
append_member_int (GString    *out,
                   const char *member,  /* ,"name": */
                   gint64      value)
{
  g_string_append (out, member);
  append_int (out, value);
}

/* {"name":"…","cat":"…","ph":"…","ts":…,"pid":…,"tid":… */
static void
append_common_members (GString        *out,
                       const LsRecord *record,
                       gint64          origin_us,
                       int             pid,
                       const char     *phase)
{
  g_string_append (out, "{\"name\":");
  append_json_string (out, record->name);
  g_string_append (out, ",\"cat\":");
  append_json_string (out, record->category);
  g_string_append (out, ",\"ph\":\"");
  g_string_append (out, phase);
  g_string_append_c (out, '"');
  append_member_int (out, ",\"ts\":", record->start_us - origin_us);
  append_member_int (out, ",\"pid\":", pid);
  append_member_int (out, ",\"tid\":", record->thread_id);
}

/* "loop":"…" */
static void
append_loop (GString  *out,
             LsLoopId  loop)
{
  g_string_append (out, "\"loop\":\"");
  g_string_append (out, ls_enum_to_nick (LS_TYPE_LOOP_ID, loop));
  g_string_append_c (out, '"');
}

/* A crossing: a span dispatched after another thread posted it. */
static gboolean
is_crossing (const LsRecord *record)
{
  return record->kind == LS_RECORD_SPAN && record->queued_tid != 0
         && record->queued_us != 0 && record->queued_us <= record->start_us;
}

/* A crossing as a flow, the arrow trace viewers draw: a start ("s") on
 * the posting thread at the post, an end ("f", bound to the enclosing
 * slice) on the dispatching thread at the dispatch's start, which is the
 * dispatch's own "X" span. Both share cat, name and id. A flow start binds
 * to the slice open on its thread at its time, and the post may have
 * happened outside any recorded span: a one-microsecond "post" slice of
 * the flow's category is its anchor. */
static void
append_flow (GString        *out,
             const LsRecord *record,
             gint64          origin_us,
             int             pid,
             guint64         id)
{
  gint64 post = record->queued_us - origin_us;

  g_string_append (out, ",\n{\"name\":");
  append_json_string (out, record->name);
  g_string_append (out, ",\"cat\":\"crossing\",\"ph\":\"X\"");
  append_member_int (out, ",\"ts\":", post);
  g_string_append (out, ",\"dur\":1");
  append_member_int (out, ",\"pid\":", pid);
  append_member_int (out, ",\"tid\":", record->queued_tid);
  append_member_int (out, ",\"args\":{\"post_of\":", (gint64) id);
  g_string_append (out, "}}");

  for (int end = 0; end < 2; end++)
    {
      g_string_append (out, ",\n{\"name\":");
      append_json_string (out, record->name);
      g_string_append (out, end ? ",\"cat\":\"crossing\",\"ph\":\"f\",\"bp\":\"e\""
                                : ",\"cat\":\"crossing\",\"ph\":\"s\"");
      append_member_int (out, ",\"id\":", (gint64) id);
      append_member_int (out, ",\"ts\":", end ? record->start_us - origin_us : post);
      append_member_int (out, ",\"pid\":", pid);
      append_member_int (out, ",\"tid\":", end ? record->thread_id : record->queued_tid);
      g_string_append_c (out, '}');
    }
}

static void
append_record (GString        *out,
               const LsRecord *record,
               gint64          origin_us,
               int             pid,
               gboolean        include_secrets,
               guint64        *flow_id)
{
  g_autofree char *detail = NULL;

  switch (record->kind)
    {
    case LS_RECORD_SPAN:
      append_common_members (out, record, origin_us, pid, "X");
      append_member_int (out, ",\"dur\":", MAX (0, record->end_us - record->start_us));
      /* The task tree travels with every span: parent 0 is a root. */
      append_member_int (out, ",\"args\":{\"task\":", (gint64) record->id);
      append_member_int (out, ",\"parent\":", (gint64) record->parent_id);
      g_string_append_c (out, ',');
      append_loop (out, record->loop);
      g_string_append (out, ",\"outcome\":\"");
      g_string_append (out, ls_enum_to_nick (LS_TYPE_OUTCOME, record->outcome));
      g_string_append_c (out, '"');
      if (record->queued_us != 0)
        append_member_int (out, ",\"wait_us\":", MAX (0, record->start_us - record->queued_us));
      if (is_crossing (record))
        append_member_int (out, ",\"posted_tid\":", record->queued_tid);
      if (record->sample)
        g_string_append (out, ",\"sample\":true");
      if (record->value != 0)
        append_member_int (out, ",\"items\":", record->value);
      if (record->stream_id != 0)
        append_member_int (out, ",\"stream\":", record->stream_id);
      if (record->detail != NULL)
        {
          detail = ls_record_dup_detail (record, include_secrets);
          g_string_append (out, ",\"detail\":");
          append_json_string (out, detail);
        }
      g_string_append (out, "}}");
      if (is_crossing (record))
        append_flow (out, record, origin_us, pid, ++*flow_id);
      break;

    case LS_RECORD_GUARD:
      detail = ls_record_dup_detail (record, include_secrets);
      append_common_members (out, record, origin_us, pid, "i");
      g_string_append (out, ",\"s\":\"t\",\"args\":{");
      append_loop (out, record->loop);
      g_string_append (out, ",\"message\":");
      append_json_string (out, detail);
      g_string_append (out, "}}");
      break;

    case LS_RECORD_COUNTER:
      append_common_members (out, record, origin_us, pid, "C");
      g_string_append (out, ",\"args\":{\"");
      g_string_append (out, ls_enum_to_nick (LS_TYPE_LOOP_ID, record->loop));
      append_member_int (out, "\":", record->value);
      g_string_append (out, "}}");
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
flush (GString       *text,
       GOutputStream *out,
       GCancellable  *cancellable,
       GError       **error)
{
  gboolean ok = g_output_stream_write_all (out, text->str, text->len, NULL, cancellable, error);

  g_string_truncate (text, 0);
  return ok;
}

/**
 * ls_trace_export:
 * @flags: LS_TRACE_EXPORT_INCLUDE_SECRETS keeps span details as recorded
 *   (request headers and URLs unredacted): the user's choice for this
 *   one export
 *
 * Writes the ring as Chrome Trace Event JSON (object form), which Perfetto
 * and chrome://tracing open: "M" thread names, "X" spans, "i" guard events,
 * "C" counters, in seq order. Times are microseconds since the recorder
 * was created. Details are redacted unless @flags ask otherwise.
 *
 * Safe on any thread while others record, and appends never wait for
 * it: the ring is copied in bounded chunks without its lock and the text
 * is streamed chunk by chunk. The export holds what was recorded when it began;
 * records the writers overwrote before the export reached them are
 * counted in otherData.dropped_records with those dropped before.
 */
gboolean
ls_trace_export (LsRecorder         *self,
                 GOutputStream      *out,
                 LsTraceExportFlags  flags,
                 GCancellable       *cancellable,
                 GError            **error)
{
  gboolean include_secrets = (flags & LS_TRACE_EXPORT_INCLUDE_SECRETS) != 0;
  g_autoptr(GHashTable) names = NULL;
  g_autoptr(GHashTable) stream_names = NULL;
  g_autoptr(GString) text = NULL;
  g_autofree LsRecord *chunk = NULL;
  LsRecorderReader reader;
  GHashTableIter iter;
  gpointer key, value;
  gint64 origin_us;
  guint64 dropped;
  gboolean ok = TRUE;
  int pid = getpid ();
  guint64 flow_id = 0;
  g_autoptr(GHashTable) tids = g_hash_table_new (NULL, NULL);
  gint last_tid[2] = { 0, 0 };
  guint n;

  g_return_val_if_fail (LS_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  origin_us = ls_recorder_get_origin_us (self);
  names = ls_recorder_dup_thread_names (self);
  stream_names = ls_recorder_dup_stream_names (self);
  text = g_string_sized_new (EXPORT_FLUSH_BYTES + 4096);
  chunk = g_new (LsRecord, LS_RECORDER_CHUNK);

  g_string_append_printf (text, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"
                          "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":\"loopscope\"}}",
                          pid);
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_string_append_printf (text, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
                              pid, GPOINTER_TO_INT (key));
      append_json_string (text, value);
      g_string_append (text, "}}");
    }
  /* Our own metadata: what the spans' args.stream stand for. */
  g_hash_table_iter_init (&iter, stream_names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_string_append_printf (text, ",\n{\"name\":\"stream_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"stream\":%u,\"name\":",
                              pid, GPOINTER_TO_UINT (key));
      append_json_string (text, value);
      g_string_append (text, "}}");
    }

  ls_recorder_reader_begin (&reader, self, 0);
  while (ok && (n = ls_recorder_reader_read (&reader, chunk, LS_RECORDER_CHUNK)) > 0)
    {
      for (guint i = 0; i < n; i++)
        {
          const LsRecord *record = &chunk[i];

          g_string_append (text, ",\n");
          append_record (text, record, origin_us, pid, include_secrets, &flow_id);
          /* Every thread a record names gets a name, the recorder's or its tid. */
          if (last_tid[0] != record->thread_id && last_tid[1] != record->thread_id)
            {
              g_hash_table_add (tids, GINT_TO_POINTER (record->thread_id));
              last_tid[1] = last_tid[0];
              last_tid[0] = record->thread_id;
            }
          if (is_crossing (record))
            g_hash_table_add (tids, GINT_TO_POINTER (record->queued_tid));
        }
      if (text->len >= EXPORT_FLUSH_BYTES)
        ok = flush (text, out, cancellable, error);
    }
  ls_recorder_reader_end (&reader);
  if (!ok)
    return FALSE;

  g_hash_table_iter_init (&iter, tids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (names, key))
      g_string_append_printf (text, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
                              "\"args\":{\"name\":\"thread %d\"}}",
                              pid, GPOINTER_TO_INT (key), GPOINTER_TO_INT (key));

  /* Known only now: the writers may have lapped the export. What the
   * export lacks of the records ever made, and what each ring dropped. */
  dropped = reader.lost;
  g_string_append_printf (text, "\n],\"otherData\":{\"producer\":\"Loopscope " PACKAGE_VERSION "\","
                          "\"dropped_records\":%" G_GUINT64_FORMAT ","
                          "\"dropped_history\":%" G_GUINT64_FORMAT ","
                          "\"dropped_samples\":%" G_GUINT64_FORMAT "}}\n",
                          dropped, ls_recorder_get_dropped_history (self),
                          ls_recorder_get_dropped_samples (self));
  return flush (text, out, cancellable, error);
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
  GHashTable *flow_starts;  /* "cat\nname\nid" → FlowPoint of its "s" */
  GHashTable *flow_ends;    /* "tid\nts" → the key of the flow ending there */
  guint       imported;
  guint       skipped;
} ImportState;

typedef struct
{
  gint64 ts;
  gint   tid;
} FlowPoint;

/* How many flows an import follows: each costs two small table entries. */
#define IMPORT_MAX_FLOWS (1u << 20)

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

static gboolean import_int (JsonObject *object, const char *member, gint64 *value);
static const char *import_string (JsonObject *object, const char *member);

/* A flow's identity: v1 flows pair by category, name and id. NULL when
 * the event has no usable id. */
static char *
flow_key (JsonObject *event)
{
  JsonNode *id = json_object_get_member (event, "id");
  const char *cat = import_string (event, "cat");
  const char *name = import_string (event, "name");
  gint64 number;

  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return NULL;
  if (json_node_get_value_type (id) == G_TYPE_STRING)
    return g_strdup_printf ("%.64s\n%.128s\n%.64s", cat != NULL ? cat : "", name != NULL ? name : "",
                            json_node_get_string (id));
  if (!import_int (event, "id", &number))
    return NULL;
  return g_strdup_printf ("%.64s\n%.128s\n%" G_GINT64_FORMAT, cat != NULL ? cat : "",
                          name != NULL ? name : "", number);
}

/* The first pass: where each flow starts, and where flows end, so that the
 * span a flow ends at (its "f" at the span's start, on its thread) learns
 * who posted it and when. */
static void
collect_flow (ImportState *state,
              JsonObject  *event)
{
  const char *phase = import_string (event, "ph");
  g_autofree char *key = NULL;
  gint64 ts, tid = 0;

  if (phase == NULL || (!g_str_equal (phase, "s") && !g_str_equal (phase, "f"))
      || !import_int (event, "ts", &ts) || g_hash_table_size (state->flow_starts) >= IMPORT_MAX_FLOWS
      || g_hash_table_size (state->flow_ends) >= IMPORT_MAX_FLOWS)
    return;
  key = flow_key (event);
  if (key == NULL)
    return;
  import_int (event, "tid", &tid);
  if (g_str_equal (phase, "s"))
    {
      FlowPoint *point = g_new (FlowPoint, 1);

      point->ts = CLAMP (ts, -((gint64) 1 << 50), (gint64) 1 << 50);
      point->tid = (gint) CLAMP (tid, G_MININT, G_MAXINT);
      g_hash_table_replace (state->flow_starts, g_steal_pointer (&key), point);
    }
  else
    {
      g_hash_table_replace (state->flow_ends,
                            g_strdup_printf ("%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT, tid, ts),
                            g_steal_pointer (&key));
    }
}

/* The flow (if any) that ends at a span starting at @ts on @tid. */
static const FlowPoint *
find_flow_start (ImportState *state,
                 gint64       tid,
                 gint64       ts)
{
  g_autofree char *where = NULL;
  const char *key;

  if (g_hash_table_size (state->flow_ends) == 0)
    return NULL;
  where = g_strdup_printf ("%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT, tid, ts);
  key = g_hash_table_lookup (state->flow_ends, where);
  return key != NULL ? g_hash_table_lookup (state->flow_starts, key) : NULL;
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
  gint64 ts = 0, dur = 0, tid = 0, value = 0, stream = 0;

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
      else if (g_strcmp0 (phase, "M") == 0 && g_strcmp0 (import_string (event, "name"), "stream_name") == 0
               && import_int (args, "stream", &stream) && stream > 0 && stream <= G_MAXUINT32
               && import_string (args, "name") != NULL)
        {
          g_autofree char *name = g_utf8_make_valid (import_string (args, "name"),
                                                     MIN (strlen (import_string (args, "name")), IMPORT_MAX_NAME));

          ls_recorder_set_stream_name (self, (guint32) stream, name);
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

  if (g_str_equal (phase, "s") || g_str_equal (phase, "f") || g_str_equal (phase, "t"))
    {
      /* Flows: read in the first pass, carried by the spans they bind. */
      state->imported++;
      return;
    }

  if (g_str_equal (phase, "X"))
    {
      gint64 wait = 0, task = 0, parent = 0, items = 0, posted_tid = 0;
      const FlowPoint *start;
      JsonNode *sample;

      if (!import_int (event, "dur", &dur) || dur < 0)
        {
          state->skipped++;
          return;
        }
      if (g_strcmp0 (import_string (event, "cat"), "crossing") == 0
          && import_int (args, "post_of", &task))
        {
          /* Our own anchor of a flow's start: the flow comes back with its span. */
          state->imported++;
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
      if (import_int (args, "stream", &stream) && stream > 0 && stream <= G_MAXUINT32)
        record.stream_id = (guint32) stream;
      record.id = (guint64) task;
      record.parent_id = (guint64) parent;
      record.value = items;
      record.outcome = import_outcome (import_string (args, "outcome"));
      record.detail = g_strdup (import_string (args, "detail"));
      sample = args != NULL ? json_object_get_member (args, "sample") : NULL;
      record.sample = sample != NULL && JSON_NODE_HOLDS_VALUE (sample)
                      && json_node_get_value_type (sample) == G_TYPE_BOOLEAN && json_node_get_boolean (sample);
      /* A crossing: ours say who posted; another tool's say it with a flow. */
      if (import_int (args, "posted_tid", &posted_tid) && posted_tid != 0 && record.queued_us != 0)
        record.queued_tid = (gint) CLAMP (posted_tid, G_MININT, G_MAXINT);
      else if ((start = find_flow_start (state, tid, ts)) != NULL && start->tid != 0
               && start->ts <= ts && ts - start->ts <= (gint64) 1 << 50)
        {
          record.queued_us = record.start_us - (ts - start->ts);
          record.queued_tid = start->tid;
        }
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
      record.sample = TRUE;
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
 * names ("M") of a trace, such as one ls_trace_export() wrote, and its
 * flows ("s" … "f"): a span a flow ends at becomes a crossing, posted
 * where the flow starts. So
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
  g_autoptr(GHashTable) flow_starts = NULL;
  g_autoptr(GHashTable) flow_ends = NULL;
  g_autoptr(GError) local_error = NULL;
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
                           _("Not a trace file: it is empty"));
      return -1;
    }
  if (size > LS_TRACE_IMPORT_MAX_BYTES)
    {
      g_autofree char *limit = g_format_size_full (LS_TRACE_IMPORT_MAX_BYTES, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Too large for a trace: more than %s"), limit);
      return -1;
    }
  /* json-glib's parser recurses: deep nesting is refused before it. */
  if (!ls_json_depth_ok (bytes, size, LS_TRACE_IMPORT_MAX_DEPTH))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Not a trace file: nested deeper than %u levels"), LS_TRACE_IMPORT_MAX_DEPTH);
      return -1;
    }
  if (!ls_json_one_value_ok (bytes, size, LS_TRACE_IMPORT_MAX_DEPTH))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Not a trace file: expected a \"traceEvents\" array"));
      return -1;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, bytes, (gssize) size, &local_error))
    {
      g_autofree char *reason = ls_json_error_line (local_error->message);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s%s", _("Not a trace file: "), reason);
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
                           _("Not a trace file: expected a \"traceEvents\" array"));
      return -1;
    }

  seen_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  flow_starts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  flow_ends = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state.seen_names = seen_names;
  state.flow_starts = flow_starts;
  state.flow_ends = flow_ends;
  events = json_node_get_array (events_node);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        collect_flow (&state, json_node_get_object (node));
    }
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
