/* test-recorder.c: the recorder's ring and its Chrome trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ls-recorder-private.h"
#include "ls-test-utils.h"
#include "ls-trace.h"

/* ---- ring ----------------------------------------------------------------- */

/* Span i (from 0) of a test: its task is i + 1 and its detail names i, so
 * a copy shows whether it came from the right slot, whole. */
static void
add_numbered_span (LsRecorder *recorder,
                   guint64     i)
{
  char detail[32];

  g_snprintf (detail, sizeof detail, "span %" G_GUINT64_FORMAT, i);
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = i + 1, .name = "numbered", .category = "test",
                          .loop = LS_LOOP_OTHER, .start_us = (gint64) i, .end_us = (gint64) i + 1,
                          .detail = detail,
                        });
}

static void
assert_numbered (const LsRecord *record,
                 guint64         seq)
{
  char detail[32];

  g_snprintf (detail, sizeof detail, "span %" G_GUINT64_FORMAT, seq);
  g_assert_cmpuint (record->seq, ==, seq);
  g_assert_cmpuint (record->id, ==, seq + 1);
  g_assert_cmpstr (record->detail, ==, detail);
}

/* Takes a snapshot since *cursor and checks it: consecutive seqs right
 * after what was lost, nothing twice, nothing skipped. */
static guint
take_and_check (LsRecorder *recorder,
                guint64    *cursor,
                guint64    *lost_total)
{
  g_autoptr(GArray) records = NULL;
  guint64 lost = 99;
  guint64 total = ls_recorder_get_total (recorder);
  guint64 oldest = ls_recorder_get_dropped (recorder);

  records = ls_recorder_snapshot_since (recorder, *cursor, &lost);
  g_assert_cmpuint (lost, ==, *cursor < oldest ? oldest - *cursor : 0);
  for (guint i = 0; i < records->len; i++)
    assert_numbered (&g_array_index (records, LsRecord, i), *cursor + lost + i);
  *cursor += lost + records->len;
  *lost_total += lost;
  g_assert_cmpuint (*cursor, >=, total);
  return records->len;
}

static void
test_snapshot_since (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (100);
  g_autoptr(GArray) records = NULL;
  guint64 cursor = 0, lost_total = 0, lost = 99;

  g_assert_cmpuint (take_and_check (recorder, &cursor, &lost_total), ==, 0);
  for (guint64 i = 0; i < 50; i++)
    add_numbered_span (recorder, i);
  g_assert_cmpuint (take_and_check (recorder, &cursor, &lost_total), ==, 50);
  g_assert_cmpuint (take_and_check (recorder, &cursor, &lost_total), ==, 0);
  for (guint64 i = 50; i < 80; i++)
    add_numbered_span (recorder, i);
  g_assert_cmpuint (take_and_check (recorder, &cursor, &lost_total), ==, 30);
  g_assert_cmpuint (lost_total, ==, 0);

  /* The reader falls 200 behind a ring of 100: 100 lost, the last 100 kept. */
  for (guint64 i = 80; i < 280; i++)
    add_numbered_span (recorder, i);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 180);
  g_assert_cmpuint (take_and_check (recorder, &cursor, &lost_total), ==, 100);
  g_assert_cmpuint (lost_total, ==, 100);
  g_assert_cmpuint (cursor, ==, 280);

  /* Asking for the future: nothing, nothing lost. */
  records = ls_recorder_snapshot_since (recorder, 1000, &lost);
  g_assert_cmpuint (records->len, ==, 0);
  g_assert_cmpuint (lost, ==, 0);
}

/* Any capacity, down to one, and snapshots every so often (the odd
 * strides cross the ring's end and the readers' chunk boundaries). */
static void
test_capacities (void)
{
  static const guint capacities[] = { 1, 2, 3, 7, 100, LS_RECORDER_CHUNK - 1, LS_RECORDER_CHUNK,
                                      LS_RECORDER_CHUNK + 1, 3 * LS_RECORDER_CHUNK + 17 };
  static const guint strides[] = { 1, 2, 5, 99, 1000, 1023, 2049, 5000 };

  for (guint c = 0; c < G_N_ELEMENTS (capacities); c++)
    for (guint s = 0; s < G_N_ELEMENTS (strides); s++)
      {
        g_autoptr(LsRecorder) recorder = ls_recorder_new (capacities[c]);
        guint64 cursor = 0, lost_total = 0, received = 0, n = 0;

        for (guint round = 0; round < 7; round++)
          {
            for (guint i = 0; i < strides[s] + round; i++)
              add_numbered_span (recorder, n++);
            received += take_and_check (recorder, &cursor, &lost_total);
            g_assert_cmpuint (ls_recorder_get_total (recorder), ==, n);
            g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, n - MIN (n, capacities[c]));
          }
        g_assert_cmpuint (received + lost_total, ==, n);
        g_assert_cmpuint (cursor, ==, n);
      }
}

typedef struct
{
  LsRecorder *recorder;
  guint64     n;
  gint        started;   /* atomic */
  guint64     pause_at;  /* 0, or where to wait for the reader */
  gint        resume;    /* atomic: the reader has read once */
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;

  __atomic_store_n (&writer->started, 1, __ATOMIC_RELEASE);
  for (guint64 i = 0; i < writer->n; i++)
    {
      /* Under valgrind one thread runs at a time: without the wait, the
       * writer could finish before the reader's first look (CI saw it). */
      if (i == writer->pause_at && writer->pause_at > 0)
        while (!__atomic_load_n (&writer->resume, __ATOMIC_ACQUIRE))
          g_thread_yield ();
      add_numbered_span (writer->recorder, i);
    }
  return NULL;
}

/* Chunked reads while a writer laps the ring: whole records only, in seq
 * order, each once; what the reader missed is counted exactly. */
static void
test_concurrent_reader (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (LS_RECORDER_CHUNK + 500);
  g_autofree LsRecord *chunk = g_new (LsRecord, LS_RECORDER_CHUNK);
  /* The writer waits at a third for one read, then still laps the ring. */
  Writer writer = { recorder, 300000, 0, 100000, 0 };
  GThread *thread = g_thread_new ("writer", writer_thread, &writer);
  guint64 reads = 0, copied = 0, lost = 0;

  while (!__atomic_load_n (&writer.started, __ATOMIC_ACQUIRE))
    g_thread_yield ();
  while (ls_recorder_get_total (recorder) < writer.n)
    {
      LsRecorderReader reader;
      guint64 expected;
      guint n;

      ls_recorder_reader_begin (&reader, recorder, 0);
      expected = reader.next_seq;
      while ((n = ls_recorder_reader_read (&reader, chunk, 257)) > 0)
        {
          /* Lost ones are skipped before a chunk, never inside one. */
          g_assert_cmpuint (chunk[0].seq, >=, expected);
          for (guint i = 0; i < n; i++)
            assert_numbered (&chunk[i], chunk[0].seq + i);
          expected = chunk[n - 1].seq + 1;
          copied += n;
        }
      g_assert_cmpuint (expected, <=, reader.end_seq);
      g_assert_cmpuint (reader.next_seq, ==, reader.end_seq);
      lost += reader.lost;
      ls_recorder_reader_end (&reader);
      reads++;
      __atomic_store_n (&writer.resume, 1, __ATOMIC_RELEASE);
    }
  g_thread_join (thread);
  g_test_message ("%" G_GUINT64_FORMAT " reads, %" G_GUINT64_FORMAT " records copied, %"
                  G_GUINT64_FORMAT " overtaken", reads, copied, lost);
  g_assert_cmpuint (reads, >, 0);
}

/* An export while a writer records: valid JSON, every span once, in order,
 * and nothing missing (the ring is big enough that the writer cannot lap
 * the export). */
static void
test_concurrent_export (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (1 << 18);
  Writer writer = { recorder, 200000, 0 };
  GThread *thread = g_thread_new ("writer", writer_thread, &writer);
  guint exports = 0;

  while (!__atomic_load_n (&writer.started, __ATOMIC_ACQUIRE))
    g_thread_yield ();
  do
    {
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      guint64 before = ls_recorder_get_total (recorder), after;
      JsonObject *root;
      JsonArray *events;
      gint64 next_task = 1;

      g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_INCLUDE_SECRETS, NULL, &error));
      g_assert_no_error (error);
      after = ls_recorder_get_total (recorder);
      g_assert_true (g_output_stream_close (out, NULL, NULL));
      g_assert_true (json_parser_load_from_data (parser,
                                                 g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                                 (gssize) g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                                 &error));
      g_assert_no_error (error);
      root = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "otherData"),
                                                   "dropped_records"), ==, 0);
      events = json_object_get_array_member (root, "traceEvents");
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          JsonObject *args;
          g_autofree char *detail = NULL;

          if (!g_str_equal (json_object_get_string_member (event, "ph"), "X"))
            continue;
          args = json_object_get_object_member (event, "args");
          g_assert_cmpint (json_object_get_int_member (args, "task"), ==, next_task);
          detail = g_strdup_printf ("span %" G_GINT64_FORMAT, next_task - 1);
          g_assert_cmpstr (json_object_get_string_member (args, "detail"), ==, detail);
          next_task++;
        }
      /* Everything recorded before the export began, nothing after it ended. */
      g_assert_cmpuint (next_task - 1, >=, before);
      g_assert_cmpuint (next_task - 1, <=, after);
      exports++;
    }
  while (ls_recorder_get_total (recorder) < writer.n);
  g_thread_join (thread);
  g_test_message ("%u exports", exports);
}

/* ---- trace ---------------------------------------------------------------- */

/* Every "X" event names its task and its parent (0 only for a root). */
static void
assert_spans_carry_tree (GBytes *trace)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *events;
  guint spans = 0, roots = 0;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (trace, NULL),
                                             (gssize) g_bytes_get_size (trace), &error));
  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "traceEvents");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      JsonObject *args;

      if (!g_str_equal (json_object_get_string_member (event, "ph"), "X"))
        continue;
      args = json_object_get_object_member (event, "args");
      g_assert_true (json_object_has_member (args, "task"));
      g_assert_true (json_object_has_member (args, "parent"));
      g_assert_cmpint (json_object_get_int_member (args, "task"), >, 0);
      spans++;
      if (json_object_get_int_member (args, "parent") == 0)
        roots++;
    }
  g_assert_cmpuint (spans, ==, 2);
  g_assert_cmpuint (roots, ==, 1);
}

static void
test_recorder_ring_and_export (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (100);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) records = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *events;
  gboolean saw[4] = { FALSE };

  ls_recorder_set_thread_name (recorder, ls_current_thread_id (), "UI loop");
  for (guint i = 0; i < 250; i++)
    ls_recorder_add_span (recorder, &(LsSpan) {
                            .name = "span", .category = "test", .loop = LS_LOOP_UI,
                            .queued_us = 10, .start_us = 20, .end_us = 30 + i,
                            .detail = "detail",
                          });
  ls_recorder_add_guard (recorder, "guard: wrong thread", LS_LOOP_OTHER, "a reason");
  ls_recorder_add_counter (recorder, "UI loop lag (µs)", LS_LOOP_UI, 42);

  /* 251 of history (spans, the guard) in a ring of 100; the counter in
   * the samples' ring. */
  g_assert_cmpuint (ls_recorder_get_total (recorder), ==, 252);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 151);
  g_assert_cmpuint (ls_recorder_get_dropped_history (recorder), ==, 151);
  g_assert_cmpuint (ls_recorder_get_dropped_samples (recorder), ==, 0);
  records = ls_recorder_snapshot_since (recorder, 0, NULL);
  g_assert_cmpuint (records->len, ==, 101);
  g_assert_cmpuint (g_array_index (records, LsRecord, 0).seq, ==, 151);
  g_assert_cmpuint (g_array_index (records, LsRecord, 100).seq, ==, 251);
  g_assert_cmpint (g_array_index (records, LsRecord, 100).kind, ==, LS_RECORD_COUNTER);

  g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  g_assert_true (json_parser_load_from_data (parser,
                                             g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                             g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                             &error));
  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "traceEvents");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *ph = json_object_get_string_member (event, "ph");

      if (g_str_equal (ph, "M"))
        saw[0] = TRUE;
      else if (g_str_equal (ph, "X"))
        {
          saw[1] = TRUE;
          g_assert_true (json_object_has_member (event, "dur"));
          g_assert_true (json_object_has_member (event, "tid"));
        }
      else if (g_str_equal (ph, "i"))
        saw[2] = TRUE;
      else if (g_str_equal (ph, "C"))
        saw[3] = TRUE;
    }
  g_assert_true (saw[0] && saw[1] && saw[2] && saw[3]);
}

static void
test_recorder_import_round_trip (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (100);
  g_autoptr(LsRecorder) loaded = ls_recorder_new (100);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("{\"traceEvents\": 3}", 18);
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autoptr(GError) error = NULL;
  guint skipped = 99;

  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = 7, .parent = 3, .name = "stream.read", .category = "stream",
                          .loop = LS_LOOP_WORKER, .queued_us = 100, .start_us = 150,
                          .end_us = 400, .outcome = LS_OUTCOME_CANCELLED, .items = 12,
                          .detail = "GET /sse",
                        });
  ls_recorder_add_guard (recorder, "guard: wrong thread", LS_LOOP_OTHER, "called from 'x'");
  ls_recorder_add_counter (recorder, "UI loop lag (µs)", LS_LOOP_UI, 42);
  /* Outcomes other than ok go by their nicks: cancelled above, slow here. */
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = 3, .name = "stream", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = 90, .end_us = 500,
                          .outcome = LS_OUTCOME_SLOW,
                        });
  g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  assert_spans_carry_tree (bytes);
  /* Four records and the name of the thread they ran on. */
  g_assert_cmpint (ls_trace_import (loaded, bytes, &skipped, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped, ==, 0);
  before = ls_recorder_snapshot_since (recorder, 0, NULL);
  after = ls_recorder_snapshot_since (loaded, 0, NULL);
  g_assert_cmpuint (after->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const LsRecord *a = &g_array_index (before, LsRecord, i);
      const LsRecord *b = &g_array_index (after, LsRecord, i);

      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpint (a->loop, ==, b->loop);
      g_assert_cmpint (a->outcome, ==, b->outcome);
      g_assert_cmpint (a->thread_id, ==, b->thread_id);
      g_assert_cmpint (a->end_us - a->start_us, ==, b->end_us - b->start_us);
      g_assert_cmpstr (a->detail, ==, b->detail);
      g_assert_cmpint (a->value, ==, b->value);
      g_assert_cmpuint (a->id, ==, b->id);
      g_assert_cmpuint (a->parent_id, ==, b->parent_id);
    }
  g_assert_cmpint (g_array_index (after, LsRecord, 0).start_us - g_array_index (after, LsRecord, 0).queued_us, ==, 50);
  g_assert_cmpuint (g_array_index (after, LsRecord, 0).id, ==, 7);
  g_assert_cmpuint (g_array_index (after, LsRecord, 0).parent_id, ==, 3);

  /* Not a trace: a one-line reason, nothing imported. */
  g_assert_cmpint (ls_trace_import (loaded, junk, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (ls_recorder_get_total (loaded), ==, 4);

  /* Two documents in one file (which json-glib would accept and leak),
   * and a parse error quoting a string that decodes to a newline. */
  {
    static const char *const hostile[] = {
      "{\"traceEvents\":[]}{}",
      "[]\n[]",
      "1{\"traceEvents\":[]}",
      "{\"traceEvents\":[{\"name\":\"{\\name\"x}]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
      {
        g_autoptr(GBytes) bad = g_bytes_new_static (hostile[i], strlen (hostile[i]));

        g_clear_error (&error);
        g_assert_cmpint (ls_trace_import (loaded, bad, NULL, &error), ==, -1);
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_true (g_str_has_prefix (error->message, "Not a trace file: "));
        g_assert_null (strchr (error->message, '\n'));
      }
    g_assert_cmpuint (ls_recorder_get_total (loaded), ==, 4);
  }
}

/* The Preferences' recorder capacity, applied to a live ring: the newest
 * records stay, in order, with their details; the rest count as dropped. */
static void
test_recorder_set_capacity (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (10);
  g_autoptr(GArray) records = NULL;

  for (guint i = 0; i < 15; i++)
    {
      g_autofree char *detail = g_strdup_printf ("%u", i);

      ls_recorder_add_span (recorder, &(LsSpan) { .name = "span", .loop = LS_LOOP_UI, .detail = detail });
    }
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 5);

  /* Smaller: seqs 11..14 stay. */
  ls_recorder_set_capacity (recorder, 4);
  g_assert_cmpuint (ls_recorder_get_capacity (recorder), ==, 4);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 11);
  g_assert_cmpuint (ls_recorder_get_total (recorder), ==, 15);
  records = ls_recorder_snapshot_since (recorder, 0, NULL);
  g_assert_cmpuint (records->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *detail = g_strdup_printf ("%u", 11 + i);

      g_assert_cmpuint (g_array_index (records, LsRecord, i).seq, ==, 11 + i);
      g_assert_cmpstr (g_array_index (records, LsRecord, i).detail, ==, detail);
    }
  g_clear_pointer (&records, g_array_unref);

  /* Larger: nothing lost, room for more. */
  ls_recorder_set_capacity (recorder, 8);
  for (guint i = 0; i < 3; i++)
    ls_recorder_add_counter (recorder, "c", LS_LOOP_UI, i);
  records = ls_recorder_snapshot_since (recorder, 0, NULL);
  g_assert_cmpuint (records->len, ==, 7);
  g_assert_cmpuint (g_array_index (records, LsRecord, 0).seq, ==, 11);
  g_assert_cmpuint (g_array_index (records, LsRecord, 6).seq, ==, 17);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 11);
}

/* A resize asked while a reader copies waits for it: the reader's
 * records stay whole, and the new size holds once it ends. */
static void
test_recorder_set_capacity_while_reading (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (8);
  g_autoptr(GArray) records = NULL;
  LsRecorderReader reader;
  LsRecord buffer[8];
  guint n;

  for (guint i = 0; i < 8; i++)
    ls_recorder_add_counter (recorder, "c", LS_LOOP_UI, i);
  ls_recorder_reader_begin (&reader, recorder, 0);
  ls_recorder_set_capacity (recorder, 2);
  g_assert_cmpuint (ls_recorder_get_capacity (recorder), ==, 2);
  /* Not applied yet: nothing dropped under the reader's feet. */
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 0);
  n = ls_recorder_reader_read (&reader, buffer, G_N_ELEMENTS (buffer));
  g_assert_cmpuint (n, ==, 8);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (buffer[i].value, ==, i);
  ls_recorder_reader_end (&reader);

  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 6);
  records = ls_recorder_snapshot_since (recorder, 0, NULL);
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_cmpuint (g_array_index (records, LsRecord, 0).seq, ==, 6);
  g_assert_cmpuint (g_array_index (records, LsRecord, 1).seq, ==, 7);
}

/* A flood of samples (counters, a stress run's round trips) never erases
 * the history, and each ring counts its own drops; readers still see one
 * sequence, merged in seq order, with the losses counted exactly. */
static void
test_recorder_history_survives_samples (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (16);
  g_autoptr(GArray) records = NULL;
  guint64 lost = 99, cursor;
  guint history = 0;

  for (guint i = 0; i < 5; i++)
    ls_recorder_add_span (recorder, &(LsSpan) { .name = "stream.read", .category = "stream",
                                                .start_us = i, .end_us = i + 1 });
  for (guint i = 0; i < 1000; i++)
    {
      if (i % 2 == 0)
        ls_recorder_add_counter (recorder, "UI loop lag (µs)", LS_LOOP_UI, i);
      else
        ls_recorder_add_span (recorder, &(LsSpan) { .name = "bridge.post", .category = "bridge",
                                                    .sample = TRUE, .start_us = i, .end_us = i });
      if (i == 500)
        ls_recorder_add_guard (recorder, "guard: wrong thread", LS_LOOP_UI, "in the flood");
    }

  g_assert_cmpuint (ls_recorder_get_total (recorder), ==, 1006);
  g_assert_cmpuint (ls_recorder_get_dropped_history (recorder), ==, 0);
  g_assert_cmpuint (ls_recorder_get_dropped_samples (recorder), ==, 1000 - 16);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 1000 - 16);

  records = ls_recorder_snapshot_since (recorder, 0, &lost);
  g_assert_cmpuint (records->len, ==, 6 + 16);
  g_assert_cmpuint (lost, ==, 1000 - 16);
  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);

      if (i > 0)
        g_assert_cmpuint (r->seq, >, g_array_index (records, LsRecord, i - 1).seq);
      history += !r->sample;
      g_assert_true (r->sample == (r->kind == LS_RECORD_COUNTER || g_str_equal (r->name, "bridge.post")));
    }
  g_assert_cmpuint (history, ==, 6);
  /* The guard, in the middle of the flood, keeps its place in the sequence. */
  g_assert_cmpint (g_array_index (records, LsRecord, 5).kind, ==, LS_RECORD_GUARD);
  g_assert_cmpuint (g_array_index (records, LsRecord, 5).seq, ==, 5 + 501);

  /* From a cursor in the middle: only what came after, and what is gone
   * of it is counted. */
  g_clear_pointer (&records, g_array_unref);
  cursor = 5 + 501;
  records = ls_recorder_snapshot_since (recorder, cursor, &lost);
  g_assert_cmpuint (g_array_index (records, LsRecord, 0).seq, ==, cursor);
  g_assert_cmpuint (lost + records->len, ==, 1006 - cursor);
  g_assert_cmpuint (records->len, ==, 1 + 16);
}

static GBytes *
export_bytes (LsRecorder *recorder)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* A trace's events, one per line, sorted (thread names may come in another
 * order); the line opening the array and otherData's are left out. */
static char *
sorted_events (GBytes *bytes)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return ls_test_sorted_trace_events (text);
}

static JsonArray *
parse_events (JsonParser *parser,
              GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                             (gssize) g_bytes_get_size (bytes), &error));
  g_assert_no_error (error);
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "traceEvents");
}

/* Each crossing is a flow: "s" on the posting thread at the post, "f" with
 * bp "e" on the dispatching thread at the dispatch's start (inside its
 * "X"), sharing cat, name and id; every thread named; and the trace comes
 * back from an import as the same spans, flows and counts. */
static void
test_trace_crossings_round_trip (void)
{
  g_autoptr(LsRecorder) recorder = ls_recorder_new (100);
  g_autoptr(LsRecorder) loaded = ls_recorder_new (100);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_sorted = NULL;
  g_autofree char *second_sorted = NULL;
  gint64 origin = ls_recorder_get_origin_us (recorder);
  gint me = ls_current_thread_id ();
  JsonArray *events;
  JsonObject *start = NULL, *end = NULL, *dispatch = NULL;
  gboolean named_me = FALSE, named_poster = FALSE, named_stream = FALSE, read_of_stream = FALSE;
  guint skipped = 99, n_flows = 0;

  ls_recorder_set_thread_name (recorder, me, "UI loop");
  ls_recorder_set_stream_name (recorder, 7, "/sse/ticks?rate=20");
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .name = "bridge.post", .category = "bridge", .loop = LS_LOOP_UI,
                          .queued_us = origin + 1000, .queued_tid = 4242,
                          .start_us = origin + 3500, .end_us = origin + 3600,
                        });
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .name = "stream.read", .category = "stream", .loop = LS_LOOP_UI,
                          .queued_us = origin + 4000, .start_us = origin + 4100, .end_us = origin + 4200,
                          .stream_id = 7,
                        });
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .name = "stress-replies", .category = "bridge", .loop = LS_LOOP_UI, .sample = TRUE,
                          .queued_us = origin + 5000, .queued_tid = 4242,
                          .start_us = origin + 5000, .end_us = origin + 5010, .items = 3,
                        });
  ls_recorder_add_counter (recorder, "UI loop lag (µs)", LS_LOOP_UI, 7);
  first = export_bytes (recorder);

  events = parse_events (parser, first);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *ph = json_object_get_string_member (event, "ph");

      if (g_str_equal (ph, "M") && g_str_equal (json_object_get_string_member (event, "name"), "thread_name"))
        {
          named_me |= json_object_get_int_member (event, "tid") == me;
          named_poster |= json_object_get_int_member (event, "tid") == 4242;
        }
      else if (g_str_equal (ph, "M") && g_str_equal (json_object_get_string_member (event, "name"), "stream_name"))
        {
          JsonObject *args = json_object_get_object_member (event, "args");

          named_stream = json_object_get_int_member (args, "stream") == 7
                         && g_str_equal (json_object_get_string_member (args, "name"), "/sse/ticks?rate=20");
        }
      else if (g_str_equal (ph, "X") && g_str_equal (json_object_get_string_member (event, "name"), "stream.read"))
        read_of_stream = json_object_get_int_member (json_object_get_object_member (event, "args"), "stream") == 7;
      else if (g_str_equal (ph, "s"))
        n_flows++, start = start != NULL ? start : event;
      else if (g_str_equal (ph, "f"))
        end = end != NULL ? end : event;
      else if (g_str_equal (ph, "X") && dispatch == NULL
               && g_str_equal (json_object_get_string_member (event, "name"), "bridge.post")
               && g_str_equal (json_object_get_string_member (event, "cat"), "bridge"))
        dispatch = event;
    }
  g_assert_true (named_me && named_poster);
  g_assert_true (named_stream && read_of_stream);
  g_assert_cmpuint (n_flows, ==, 2);  /* the stream read waited in no other thread's queue */
  g_assert_nonnull (start);
  g_assert_nonnull (end);
  g_assert_nonnull (dispatch);
  g_assert_cmpstr (json_object_get_string_member (start, "cat"), ==, json_object_get_string_member (end, "cat"));
  g_assert_cmpstr (json_object_get_string_member (start, "name"), ==, json_object_get_string_member (end, "name"));
  g_assert_cmpint (json_object_get_int_member (start, "id"), ==, json_object_get_int_member (end, "id"));
  g_assert_cmpint (json_object_get_int_member (start, "tid"), ==, 4242);
  g_assert_cmpint (json_object_get_int_member (start, "ts"), ==, 1000);
  g_assert_cmpstr (json_object_get_string_member (end, "bp"), ==, "e");
  g_assert_cmpint (json_object_get_int_member (end, "tid"), ==, json_object_get_int_member (dispatch, "tid"));
  g_assert_cmpint (json_object_get_int_member (end, "ts"), ==, json_object_get_int_member (dispatch, "ts"));
  g_assert_cmpint (json_object_get_int_member (dispatch, "ts"), ==, 3500);

  g_assert_cmpint (ls_trace_import (loaded, first, &skipped, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped, ==, 0);
  before = ls_recorder_snapshot_since (recorder, 0, NULL);
  after = ls_recorder_snapshot_since (loaded, 0, NULL);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    {
      const LsRecord *a = &g_array_index (before, LsRecord, i);
      const LsRecord *b = &g_array_index (after, LsRecord, i);

      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpint (a->queued_tid, ==, b->queued_tid);
      g_assert_cmpint (a->stream_id, ==, b->stream_id);
      g_assert_cmpint (a->sample, ==, b->sample);
      g_assert_cmpint (a->queued_us - origin, ==, b->queued_us != 0 ? b->queued_us - ls_recorder_get_origin_us (loaded) : -origin);
      g_assert_cmpint (a->start_us - origin, ==, b->start_us - ls_recorder_get_origin_us (loaded));
    }

  {
    g_autoptr(GHashTable) streams = ls_recorder_dup_stream_names (loaded);

    g_assert_cmpuint (g_hash_table_size (streams), ==, 1);
    g_assert_cmpstr (g_hash_table_lookup (streams, GUINT_TO_POINTER (7)), ==, "/sse/ticks?rate=20");
  }

  /* Out again: the same events (the anonymous thread now has the name
   * the first export gave it). */
  second = export_bytes (loaded);
  first_sorted = sorted_events (first);
  second_sorted = sorted_events (second);
  g_assert_cmpstr (first_sorted, ==, second_sorted);
}

/* Another tool's flows: the span a flow ends at becomes a crossing posted
 * where the flow starts, whatever the ids look like. */
static void
test_trace_import_foreign_flows (void)
{
  static const char trace[] =
    "[{\"name\":\"Post\",\"cat\":\"ipc\",\"ph\":\"X\",\"ts\":100,\"dur\":20,\"pid\":1,\"tid\":7},"
    " {\"name\":\"Msg\",\"cat\":\"ipc\",\"ph\":\"s\",\"id\":\"0x1f\",\"ts\":110,\"pid\":1,\"tid\":7},"
    " {\"name\":\"Msg\",\"cat\":\"ipc\",\"ph\":\"f\",\"bp\":\"e\",\"id\":\"0x1f\",\"ts\":400,\"pid\":1,\"tid\":9},"
    " {\"name\":\"Handle\",\"cat\":\"ipc\",\"ph\":\"X\",\"ts\":400,\"dur\":50,\"pid\":1,\"tid\":9},"
    " {\"name\":\"Other\",\"cat\":\"ipc\",\"ph\":\"X\",\"ts\":500,\"dur\":5,\"pid\":1,\"tid\":9},"
    " {\"name\":\"Lonely\",\"cat\":\"ipc\",\"ph\":\"f\",\"id\":99,\"ts\":500,\"pid\":1,\"tid\":9}]";
  g_autoptr(LsRecorder) loaded = ls_recorder_new (100);
  g_autoptr(GBytes) bytes = g_bytes_new_static (trace, sizeof trace - 1);
  g_autoptr(GArray) records = NULL;
  g_autoptr(GError) error = NULL;
  guint skipped = 99;

  g_assert_cmpint (ls_trace_import (loaded, bytes, &skipped, &error), ==, 6);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped, ==, 0);
  records = ls_recorder_snapshot_since (loaded, 0, NULL);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_cmpint (g_array_index (records, LsRecord, 0).queued_tid, ==, 0);
  g_assert_cmpint (g_array_index (records, LsRecord, 1).queued_tid, ==, 7);
  g_assert_cmpint (g_array_index (records, LsRecord, 1).thread_id, ==, 9);
  g_assert_cmpint (g_array_index (records, LsRecord, 1).start_us - g_array_index (records, LsRecord, 1).queued_us,
                   ==, 290);
  /* A flow end without a start binds nothing. */
  g_assert_cmpint (g_array_index (records, LsRecord, 2).queued_tid, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recorder/snapshot-since", test_snapshot_since);
  g_test_add_func ("/recorder/capacities", test_capacities);
  g_test_add_func ("/recorder/concurrent-reader", test_concurrent_reader);
  g_test_add_func ("/recorder/concurrent-export", test_concurrent_export);
  g_test_add_func ("/recorder/ring-and-export", test_recorder_ring_and_export);
  g_test_add_func ("/recorder/set-capacity", test_recorder_set_capacity);
  g_test_add_func ("/recorder/set-capacity-while-reading", test_recorder_set_capacity_while_reading);
  g_test_add_func ("/recorder/history-survives-samples", test_recorder_history_survives_samples);
  g_test_add_func ("/trace/crossings-round-trip", test_trace_crossings_round_trip);
  g_test_add_func ("/trace/import-foreign-flows", test_trace_import_foreign_flows);
  g_test_add_func ("/recorder/trace/round-trip", test_recorder_import_round_trip);

  return g_test_run ();
}
