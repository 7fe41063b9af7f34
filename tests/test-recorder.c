/* test-recorder.c: the recorder's ring and its Chrome trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ls-recorder.h"
#include "ls-trace.h"

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

  g_assert_cmpuint (ls_recorder_get_total (recorder), ==, 252);
  g_assert_cmpuint (ls_recorder_get_dropped (recorder), ==, 152);
  records = ls_recorder_snapshot (recorder, 0);
  g_assert_cmpuint (records->len, ==, 100);
  g_assert_cmpuint (g_array_index (records, LsRecord, 0).seq, ==, 152);
  g_assert_cmpuint (g_array_index (records, LsRecord, 99).seq, ==, 251);

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
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = 3, .name = "stream", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = 90, .end_us = 500,
                        });
  g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  assert_spans_carry_tree (bytes);
  g_assert_cmpint (ls_trace_import (loaded, bytes, &skipped, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped, ==, 0);
  before = ls_recorder_snapshot (recorder, 0);
  after = ls_recorder_snapshot (loaded, 0);
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
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recorder/ring-and-export", test_recorder_ring_and_export);
  g_test_add_func ("/recorder/trace/round-trip", test_recorder_import_round_trip);

  return g_test_run ();
}
