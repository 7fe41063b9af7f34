/* test-timeline-page.c: the Timeline page keeps a paused view, opens trace files and refuses bad ones, selects spans. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page is shown in a window with a recorder of its own: paused, the
 * view keeps what it shows while the ring moves on; a trace exported and
 * opened again shows the same records and crossings, and exports the same
 * events; malformed files are refused with their reason, the view left as
 * it was.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"
#include "ls-test-utils.h"
#include "ls-timeline-page.h"
#include "ls-timeline-view-private.h"
#include "ls-trace-export.h"

typedef struct
{
  GtkWidget      *window;
  LsTimelinePage *page;
  LsTimelineView *view;
  LsRecorder     *recorder;
  char           *dir;
  char           *failure;
  gboolean        done;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  f->recorder = ls_recorder_new (64);
  f->dir = g_dir_make_tmp ("loopscope-timeline-page-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 500);
  f->page = LS_TIMELINE_PAGE (ls_timeline_page_new ());
  f->view = ls_timeline_page_get_view (f->page);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->page));
  ls_timeline_page_set_recorder (f->page, f->recorder);
  gtk_window_present (GTK_WINDOW (f->window));
  while ((!gtk_widget_get_mapped (GTK_WIDGET (f->view)) || gtk_widget_get_width (GTK_WIDGET (f->view)) < 600)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->view)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->view)), >=, 600);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  gtk_window_destroy (GTK_WINDOW (f->window));
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_assert_cmpint (g_file_test (path, G_FILE_TEST_IS_DIR) ? g_rmdir (path) : g_unlink (path), ==, 0);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->failure);
  g_assert_finalize_object (f->recorder);
}

static void
add_crossing (LsRecorder *recorder,
              gint64      at_us,
              gint64      wait_us,
              LsLoopId    loop,
              gint        poster)
{
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .name = "bridge.post", .category = "bridge", .loop = loop,
                          .queued_us = at_us - wait_us, .queued_tid = poster,
                          .start_us = at_us, .end_us = at_us + 100,
                        });
}

static gboolean
frames_passed (gpointer data)
{
  gint64 *until = data;

  return g_get_monotonic_time () >= *until;
}

static gboolean
n_records_is (gpointer data)
{
  Fixture *f = data;

  return _ls_timeline_view_get_n_records (f->view) == GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->view), "want"));
}

static gboolean
label_starts_with (gpointer widget,
                   gpointer prefix)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix);
}

/* A label under @widget whose text starts with @prefix, or NULL. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *prefix)
{
  return ls_gui_test_find (widget, label_starts_with, (gpointer) prefix);
}

/* Live, the view follows the ring; paused, it keeps what it had while the
 * ring laps it, says so, and catches up once live again. */
static void
test_paused_keeps (Fixture       *f,
                   gconstpointer  data)
{
  gint64 until;

  for (guint i = 0; i < 40; i++)
    ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "stream.read", .category = "stream",
                                                   .start_us = g_get_monotonic_time (),
                                                   .end_us = g_get_monotonic_time () });
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (40));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
  g_assert_null (find_label (GTK_WIDGET (f->page), "Paused"));

  ls_timeline_view_set_live (f->view, FALSE);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "Paused: the view keeps what it shows"));
  /* The ring (64) laps the view's records several times over. */
  for (guint i = 0; i < 500; i++)
    ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "stream.read", .category = "stream",
                                                   .start_us = g_get_monotonic_time (),
                                                   .end_us = g_get_monotonic_time () });
  /* Frames go by (the view ticks while mapped): it takes nothing in. */
  until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  ls_gui_test_wait_for (frames_passed, &until);
  g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, 40);

  /* Live again: what the ring still holds comes in. */
  ls_timeline_view_set_live (f->view, TRUE);
  g_assert_null (find_label (GTK_WIDGET (f->page), "Paused"));
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (40 + 64));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_trace_export_to_file_finish (LS_RECORDER (source), result, &error));
  g_assert_no_error (error);
  f->done = TRUE;
}

static gboolean
is_done (gpointer data)
{
  return ((Fixture *) data)->done;
}

static void
export_to (Fixture    *f,
           LsRecorder *recorder,
           const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  f->done = FALSE;
  ls_trace_export_to_file_async (recorder, file, LS_TRACE_EXPORT_DEFAULT, NULL, export_done_cb, f);
  g_assert_true (ls_gui_test_wait_for (is_done, f));
}

/* A trace file's events, one per line, sorted; otherData left out. */
static char *
sorted_events (const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return ls_test_sorted_trace_events (text);
}

static gboolean
shows_other_recorder (gpointer data)
{
  Fixture *f = data;

  return ls_timeline_view_get_recorder (f->view) != f->recorder || f->failure != NULL;
}

static void
on_open_failed_cb (LsTimelinePage *page,
                   const char     *message,
                   Fixture        *f)
{
  g_free (f->failure);
  f->failure = g_strdup (message);
}

static GskRenderNode *
render (LsTimelineView *view)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (view)->snapshot (GTK_WIDGET (view), snapshot);
  return gtk_snapshot_free_to_node (snapshot);
}

/* Export, open: the same records on the timeline, its crossings drawn as
 * arrows between the loops, read-only; exported again, the same events.
 * Live returns to the recording. */
static void
test_open_round_trip (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *first = g_build_filename (f->dir, "first.json", NULL);
  g_autofree char *second = g_build_filename (f->dir, "second.json", NULL);
  g_autofree char *first_events = NULL;
  g_autofree char *second_events = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (first);
  gint64 t0 = ls_recorder_get_origin_us (f->recorder) + G_USEC_PER_SEC;
  GskRenderNode *node;
  LsRecorder *shown;
  guint n_arrows = 0, n_crossings = 0;

  g_signal_connect (f->page, "open-failed", G_CALLBACK (on_open_failed_cb), f);
  /* A stream's span on the worker (its thread learnt as the worker's) and
   * its name, five crossings from it to the UI loop 200 ms apart, guards
   * and counters. */
  ls_recorder_set_stream_name (f->recorder, 3, "/sse/ticks");
  ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "stream.read", .category = "stream",
                                                 .loop = LS_LOOP_WORKER, .start_us = t0, .end_us = t0 + 10,
                                                 .stream_id = 3 });
  for (guint i = 0; i < 5; i++)
    add_crossing (f->recorder, t0 + (i + 1) * 200000, 1500 + i * 1000, LS_LOOP_UI, ls_current_thread_id () + 1);
  ls_recorder_add_guard (f->recorder, "guard: wrong thread", LS_LOOP_UI, "a reason");
  ls_recorder_add_counter (f->recorder, "UI loop lag (µs)", LS_LOOP_UI, 300);
  export_to (f, f->recorder, first);
  /* Renamed since: the file keeps the name it was exported with. */
  ls_recorder_set_stream_name (f->recorder, 3, "/sse/llm");

  ls_timeline_page_open_file (f->page, file);
  g_assert_true (ls_gui_test_wait_for (shows_other_recorder, f));
  g_assert_null (f->failure);
  shown = ls_timeline_view_get_recorder (f->view);
  g_assert_false (ls_timeline_view_get_live (f->view));
  g_assert_cmpuint (_ls_timeline_view_get_n_records (f->view), ==, 1 + 5 + 2);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "Trace file “first.json”, read-only: 8 records"));
  /* The stream's work has its lane, under the name the file gives it. */
  g_assert_cmpfloat (_ls_timeline_view_get_stream_lane_y (f->view, 3, FALSE), >, 0);
  {
    g_autofree char *lane = _ls_timeline_view_dup_stream_lane_name (f->view, 3);

    g_assert_cmpstr (lane, ==, "/sse/ticks");
  }

  /* The posting thread ran no span: its crossings come from "other". The
   * range shows everything: five arrows, apart. */
  g_test_message ("view: %d × %d", gtk_widget_get_width (GTK_WIDGET (f->view)),
                  gtk_widget_get_height (GTK_WIDGET (f->view)));
  node = render (f->view);
  g_assert_nonnull (node);
  gsk_render_node_unref (node);
  _ls_timeline_view_get_last_arrows (f->view, &n_arrows, &n_crossings);
  g_assert_cmpuint (n_crossings, ==, 5);
  g_assert_cmpuint (n_arrows, ==, 5);

  /* What is shown exports as it was opened. */
  export_to (f, shown, second);
  first_events = sorted_events (first);
  second_events = sorted_events (second);
  g_assert_cmpstr (first_events, ==, second_events);

  /* New records do not reach the opened trace; Live goes back to them. */
  ls_recorder_add_counter (f->recorder, "UI loop lag (µs)", LS_LOOP_UI, 1);
  ls_timeline_view_set_live (f->view, TRUE);
  g_assert_true (ls_timeline_view_get_recorder (f->view) == f->recorder);
  g_assert_null (find_label (GTK_WIDGET (f->page), "Trace file"));
  {
    g_autofree char *lane = _ls_timeline_view_dup_stream_lane_name (f->view, 3);

    g_assert_cmpstr (lane, ==, "/sse/llm");
  }
}

typedef struct
{
  const char *name;
  const char *contents;  /* NULL: made by the test */
  const char *reason;
} Refused;

/* Malformed, hostile or huge files: each refused with its reason, in one
 * line, the view left on what it showed. */
static void
test_open_refused (Fixture       *f,
                   gconstpointer  data)
{
  static const Refused cases[] = {
    { "empty.json", "", "it is empty" },
    { "text.json", "this is not JSON", "Not a trace file: " },
    { "object.json", "{\"traceEvents\": 3}", "expected a \"traceEvents\" array" },
    { "no-events.json", "{\"traceEvents\": [1, \"x\", {\"ph\": \"?\"}]}", "No spans, events or counters" },
    { "deep.json", NULL, "nested deeper than" },
    { "huge.json", NULL, "Too large for a trace" },
    { "directory.json", NULL, "Not a regular file" },
  };

  g_signal_connect (f->page, "open-failed", G_CALLBACK (on_open_failed_cb), f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, cases[i].name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      if (cases[i].contents != NULL)
        g_assert_true (g_file_set_contents (path, cases[i].contents, -1, NULL));
      else if (g_str_equal (cases[i].name, "deep.json"))
        {
          g_autoptr(GString) deep = g_string_new ("{\"traceEvents\":");

          for (guint d = 0; d < 100000; d++)
            g_string_append_c (deep, '[');
          g_assert_true (g_file_set_contents (path, deep->str, (gssize) deep->len, NULL));
        }
      else if (g_str_equal (cases[i].name, "huge.json"))
        {
          /* Sparse: the size is checked before anything is read. */
          int fd = g_open (path, O_CREAT | O_WRONLY, 0600);

          g_assert_cmpint (fd, >=, 0);
          g_assert_cmpint (ftruncate (fd, (off_t) LS_TRACE_IMPORT_MAX_BYTES + 1), ==, 0);
          close (fd);
        }
      else
        g_assert_cmpint (g_mkdir (path, 0700), ==, 0);

      g_clear_pointer (&f->failure, g_free);
      ls_timeline_page_open_file (f->page, file);
      g_assert_true (ls_gui_test_wait_for (shows_other_recorder, f));
      g_test_message ("%s: %s", cases[i].name, f->failure);
      g_assert_nonnull (f->failure);
      g_assert_true (g_str_has_prefix (f->failure, "Could not open the trace: "));
      g_assert_nonnull (strstr (f->failure, cases[i].reason));
      g_assert_null (strchr (f->failure, '\n'));
      g_assert_true (ls_timeline_view_get_recorder (f->view) == f->recorder);
    }
}

static void
press_key (LsTimelineView *view,
           guint           keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  g_assert_true (handled);
}

static void
click_at (LsTimelineView *view,
          double          x,
          double          y)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));
  gboolean clicked = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller))
        {
          g_signal_emit_by_name (controller, "released", 1, x, y);
          clicked = TRUE;
        }
    }
  g_assert_true (clicked);
}

static guint64
selected_task (LsTimelineView *view)
{
  const LsRecord *r = ls_timeline_view_get_selected (view);

  return r != NULL ? r->id : 0;
}

/* A stream's tree as the engine records it (children before their
 * parents, each when it ends): a click selects the connection, arrow keys
 * walk its reads, up and down the tree, the pane shows the parent chain up to
 * the stream and the children; Escape clears. */
static void
test_select (Fixture       *f,
             gconstpointer  data)
{
  gint64 t0 = g_get_monotonic_time () - 60 * 1000;
  guint64 stream = ls_recorder_next_span_id (f->recorder);
  guint64 conn = ls_recorder_next_span_id (f->recorder);
  guint64 reads[3];
  GtkWidget *revealer = ls_gui_test_find_type (f->page, GTK_TYPE_REVEALER);

  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    reads[i] = ls_recorder_add_span (f->recorder, &(LsSpan) {
                                       .parent = conn, .name = "stream.read", .category = "stream",
                                       .loop = LS_LOOP_WORKER, .start_us = t0 + 20000 + i * 10000,
                                       .end_us = t0 + 25000 + i * 10000,
                                     });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = conn, .parent = stream, .name = "stream.connection", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = t0 + 10000, .end_us = t0 + 50000,
                        });
  ls_recorder_add_span (f->recorder, &(LsSpan) {
                          .task = stream, .name = "stream", .category = "stream",
                          .loop = LS_LOOP_WORKER, .start_us = t0, .end_us = t0 + 55000,
                        });
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (5));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
  ls_timeline_view_set_range (f->view, t0 - 5000, t0 + 60000);
  g_assert_nonnull (revealer);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));

  /* The connection alone, before its first read. */
  click_at (f->view, _ls_timeline_view_time_to_x (f->view, t0 + 15000),
            _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, TRUE) + 2);
  g_assert_cmpuint (selected_task (f->view), ==, conn);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "3 children"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "stream · 55.00 ms"));

  /* Right: the reads in turn; the pane follows, parent chain to the root. */
  press_key (f->view, GDK_KEY_Right);
  g_assert_cmpuint (selected_task (f->view), ==, reads[0]);
  press_key (f->view, GDK_KEY_Right);
  g_assert_cmpuint (selected_task (f->view), ==, reads[1]);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "stream.connection · 40.00 ms"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "stream · 55.00 ms"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "0 children"));
  press_key (f->view, GDK_KEY_Left);
  g_assert_cmpuint (selected_task (f->view), ==, reads[0]);

  /* Up: the connection, then the stream, a root. */
  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (selected_task (f->view), ==, conn);
  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (selected_task (f->view), ==, stream);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "None: a root task"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "1 child"));
  g_assert_null (find_label (GTK_WIDGET (f->page), "stream.read ·"));
  /* Down: the first child, twice: the connection, its first read. */
  press_key (f->view, GDK_KEY_Down);
  g_assert_cmpuint (selected_task (f->view), ==, conn);
  press_key (f->view, GDK_KEY_Down);
  g_assert_cmpuint (selected_task (f->view), ==, reads[0]);
  press_key (f->view, GDK_KEY_Up);
  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (selected_task (f->view), ==, stream);

  /* A child's row selects it. */
  {
    GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (find_label (GTK_WIDGET (f->page), "stream.connection ·")),
                                              GTK_TYPE_LIST_BOX_ROW);

    g_assert_nonnull (row);
    g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
    g_assert_cmpuint (selected_task (f->view), ==, conn);
  }

  /* Escape clears; the pane goes. A click on nothing clears too. */
  press_key (f->view, GDK_KEY_Escape);
  g_assert_cmpuint (selected_task (f->view), ==, 0);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  click_at (f->view, _ls_timeline_view_time_to_x (f->view, t0 + 15000),
            _ls_timeline_view_get_lane_y (f->view, LS_LOOP_WORKER, TRUE) + 2);
  g_assert_cmpuint (selected_task (f->view), ==, conn);
  click_at (f->view, _ls_timeline_view_time_to_x (f->view, t0 + 15000),
            _ls_timeline_view_get_lane_y (f->view, LS_LOOP_OTHER, TRUE) + 2);
  g_assert_cmpuint (selected_task (f->view), ==, 0);
}

static gboolean
has_records (gpointer data)
{
  return _ls_timeline_view_get_n_records (data) > 0;
}

/* A real stream's spans, from the demo server through the worker: a read
 * is a connection's child, the connection the stream's, the stream a
 * root; the pane shows that chain, and Up walks it. */
static void
test_demo_tree (Fixture       *f,
                gconstpointer  data)
{
  LsTestStreams s;
  LsDemoServer *demo = ls_test_demo_server_start ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/sse/ticks?rate=100",
                                          ls_demo_server_get_port (demo));
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) records = NULL;
  guint64 lost = 0;
  guint64 read_seq = G_MAXUINT64;
  guint64 read_parent = 0;

  /* Ends after its twentieth event, as asked. */
  options->max_events = 20;
  ls_test_streams_init (&s, 1 << 16);
  stream = ls_test_streams_start (&s, options);
  ls_test_wait_final (stream);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);

  records = ls_recorder_snapshot_since (s.recorder, 0, &lost);
  for (guint i = 0; i < records->len && read_seq == G_MAXUINT64; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);

      if (r->kind == LS_RECORD_SPAN && g_strcmp0 (r->name, "stream.read") == 0)
        {
          read_seq = r->seq;
          read_parent = r->parent_id;
        }
    }
  g_assert_cmpuint (read_seq, !=, G_MAXUINT64);
  g_assert_cmpuint (read_parent, !=, 0);

  ls_timeline_page_set_recorder (f->page, s.recorder);
  g_assert_true (ls_gui_test_wait_for (has_records, f->view));
  ls_timeline_view_set_live (f->view, FALSE);
  ls_timeline_view_select_seq (f->view, read_seq);
  g_assert_cmpuint (ls_timeline_view_get_selected (f->view)->seq, ==, read_seq);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "stream.connection ·"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "stream ·"));
  /* In the side pane: every ancestor recorded (the task list has "Tasks"). */
  g_assert_null (find_label (ls_gui_test_find_type (f->page, GTK_TYPE_REVEALER), "Task "));

  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (selected_task (f->view), ==, read_parent);
  g_assert_cmpstr (ls_timeline_view_get_selected (f->view)->name, ==, "stream.connection");
  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (selected_task (f->view), ==, ls_stream_get_task (stream));
  g_assert_cmpstr (ls_timeline_view_get_selected (f->view)->name, ==, "stream");
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "None: a root task"));

  ls_timeline_page_set_recorder (f->page, f->recorder);
  g_clear_object (&stream);
  ls_test_streams_clear (&s);
  ls_test_demo_server_stop (demo);
}

/* The task list's rows as shown (filtered, sorted), their tasks. */
static guint
n_shown (LsTaskList *list)
{
  return g_list_model_get_n_items (G_LIST_MODEL (ls_task_list_get_selection (list)));
}

static LsTaskRow *
shown_row (LsTaskList *list,
           guint       i)
{
  g_autoptr(LsTaskRow) row = g_list_model_get_item (G_LIST_MODEL (ls_task_list_get_selection (list)), i);

  return row;  /* the model keeps it */
}

static gboolean
filter_applied (gpointer data)
{
  Fixture *f = data;
  LsTaskList *list = ls_timeline_page_get_task_list (f->page);

  return n_shown (list) == GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->view), "want-shown"));
}

static gboolean
table_empty (gpointer data)
{
  return g_list_model_get_n_items (data) == 0;
}

/* A demo stream's tasks in the task list: one row per task id, its
 * dispatches the number of its spans in the recorder; busiest first, or
 * by any figure's order; the filter keeps matching names whatever their
 * case; a row selects its task's spans, a span its row. */
static void
test_task_list (Fixture       *f,
                gconstpointer  data)
{
  LsTestStreams s;
  LsDemoServer *demo = ls_test_demo_server_start ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/sse/ticks?rate=100",
                                          ls_demo_server_get_port (demo));
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) records = NULL;
  g_autoptr(GHashTable) spans = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  LsTaskList *list = ls_timeline_page_get_task_list (f->page);
  GtkSingleSelection *selection = ls_task_list_get_selection (list);
  GListModel *table = G_LIST_MODEL (ls_task_list_get_table (list));
  guint64 lost = 0;
  guint n_reads = 0;
  guint n_matching = 0;
  gint64 previous;
  gboolean distinct = FALSE;
  guint64 read_task = 0;
  guint64 read_seq = 0;
  guint n;

  options->max_events = 20;
  ls_test_streams_init (&s, 1 << 16);
  stream = ls_test_streams_start (&s, options);
  ls_test_wait_final (stream);

  ls_timeline_page_set_recorder (f->page, s.recorder);
  g_assert_true (ls_gui_test_wait_for (has_records, f->view));
  /* Paused: the view and the list keep what they have. */
  ls_timeline_view_set_live (f->view, FALSE);
  /* The stream is final, but the last of its work may still be recorded
   * (a slow run under a sanitizer): the view takes records in until it
   * holds all the recorder has. */
  for (guint tries = 0;; tries++)
    {
      _ls_timeline_view_refresh (f->view);
      records = ls_recorder_snapshot_since (s.recorder, 0, &lost);
      if (records->len == _ls_timeline_view_get_n_records (f->view))
        break;
      g_clear_pointer (&records, g_array_unref);
      g_assert_cmpuint (tries, <, 10000);
      g_usleep (1000);
    }
  ls_task_list_refresh (list);
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (records->len, ==, _ls_timeline_view_get_n_records (f->view));
  for (guint i = 0; i < records->len; i++)
    {
      const LsRecord *r = &g_array_index (records, LsRecord, i);
      guint64 *key;

      if (r->kind != LS_RECORD_SPAN || r->id == 0)
        continue;
      key = g_memdup2 (&r->id, sizeof r->id);
      g_hash_table_insert (spans, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (spans, key)) + 1));
      if (g_strcmp0 (r->name, "stream.read") == 0)
        {
          n_reads++;
          read_task = r->id;
          read_seq = r->seq;
        }
    }
  g_assert_cmpuint (n_reads, >, 0);

  /* Every task with spans is a row, its dispatches its spans; the rest
   * are parents not recorded (none: the stream ended). */
  n = g_list_model_get_n_items (table);
  g_assert_cmpuint (n, ==, g_hash_table_size (spans));
  g_assert_cmpuint (n_shown (list), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LsTaskRow) row = g_list_model_get_item (table, i);
      guint64 task = ls_task_row_get_task (row);

      g_assert_cmpuint (ls_task_row_get_figures (row)->dispatches, ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (spans, &task)));
      if (g_strstr_len (ls_task_row_get_label (row), -1, "stream.read") != NULL)
        n_matching++;
    }
  /* The stream's own task: its name and its closing message. */
  g_assert_true (g_str_has_prefix (ls_task_row_get_label (ls_task_table_lookup (ls_task_list_get_table (list),
                                                                                ls_stream_get_task (stream))),
                                   "stream · "));
  g_assert_cmpint (ls_task_row_get_figures (ls_task_table_lookup (ls_task_list_get_table (list),
                                                                  ls_stream_get_task (stream)))->state, ==, LS_TASK_DONE);

  /* Busiest first, by the figure (not its text). */
  previous = G_MAXINT64;
  for (guint i = 0; i < n_shown (list); i++)
    {
      gint64 busy = ls_task_row_get_figures (shown_row (list, i))->busy_us;

      g_assert_cmpint (busy, <=, previous);
      distinct |= busy != previous && previous != G_MAXINT64;
      previous = busy;
    }
  g_assert_true (distinct);
  /* Dispatches, fewest first, as a click on its header would sort. */
  {
    GListModel *columns = gtk_column_view_get_columns (ls_task_list_get_column_view (list));
    GtkColumnViewColumn *dispatches = NULL;
    guint last = 0;

    for (guint i = 0; i < g_list_model_get_n_items (columns) && dispatches == NULL; i++)
      {
        g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

        if (g_strcmp0 (gtk_column_view_column_get_title (column), "Dispatches") == 0)
          dispatches = column;
      }
    g_assert_nonnull (dispatches);
    gtk_column_view_sort_by_column (ls_task_list_get_column_view (list), dispatches, GTK_SORT_ASCENDING);
    for (guint i = 0; i < n_shown (list); i++)
      {
        g_assert_cmpuint (ls_task_row_get_figures (shown_row (list, i))->dispatches, >=, last);
        last = ls_task_row_get_figures (shown_row (list, i))->dispatches;
      }
  }

  /* Typed in any case, the filter keeps the reads. */
  g_assert_cmpuint (n_matching, >=, n_reads);
  g_assert_cmpuint (n_matching, <, n);
  g_object_set_data (G_OBJECT (f->view), "want-shown", GUINT_TO_POINTER (n_matching));
  gtk_editable_set_text (ls_task_list_get_filter_entry (list), "STREAM.Read");
  g_assert_true (ls_gui_test_wait_for (filter_applied, f));
  for (guint i = 0; i < n_shown (list); i++)
    g_assert_nonnull (g_strstr_len (ls_task_row_get_label (shown_row (list, i)), -1, "stream.read"));

  /* A row selects its task's spans on the timeline... */
  gtk_single_selection_set_selected (selection, 0);
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, ls_task_row_get_task (shown_row (list, 0)));
  g_assert_cmpuint (selected_task (f->view), ==, ls_task_row_get_task (shown_row (list, 0)));
  g_assert_cmpuint (ls_timeline_view_get_selected (f->view)->seq, ==,
                    ls_task_row_get_figures (shown_row (list, 0))->last_seq);

  /* ...and a span selects its task's row. */
  gtk_editable_set_text (ls_task_list_get_filter_entry (list), "");
  g_object_set_data (G_OBJECT (f->view), "want-shown", GUINT_TO_POINTER (n));
  g_assert_true (ls_gui_test_wait_for (filter_applied, f));
  ls_timeline_view_select_seq (f->view, read_seq);
  g_assert_nonnull (gtk_single_selection_get_selected_item (selection));
  g_assert_cmpuint (ls_task_row_get_task (gtk_single_selection_get_selected_item (selection)), ==, read_task);
  ls_timeline_view_select_seq (f->view, G_MAXUINT64);
  g_assert_null (gtk_single_selection_get_selected_item (selection));

  /* Another recorder, empty: the list follows, by itself. */
  ls_timeline_page_set_recorder (f->page, f->recorder);
  g_assert_true (ls_gui_test_wait_for (table_empty, table));
  g_clear_object (&stream);
  ls_test_streams_clear (&s);
  ls_test_demo_server_stop (demo);
}

/* Whether the list shows @task, with the filters as they are. */
static gboolean
task_shown (LsTaskList *list,
            guint64     task)
{
  for (guint i = 0; i < n_shown (list); i++)
    if (ls_task_row_get_task (shown_row (list, i)) == task)
      return TRUE;
  return FALSE;
}

/* Following one of several streams, the list keeps that stream's tasks
 * and the loops' own (a parent not recorded yet goes with its child's
 * stream), as the timeline does; "All Streams" lists them all again. */
static void
test_task_list_streams (Fixture       *f,
                        gconstpointer  data)
{
  LsTaskList *list = ls_timeline_page_get_task_list (f->page);
  GListModel *table = G_LIST_MODEL (ls_task_list_get_table (list));
  GtkCheckButton *all = ls_gui_test_find_type (GTK_WIDGET (f->page), GTK_TYPE_CHECK_BUTTON);
  gint64 t0 = g_get_monotonic_time ();
  guint64 parent = ls_recorder_next_span_id (f->recorder);
  guint64 frame, first, second, child;

  frame = ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "frame", .category = "test",
                                                         .start_us = t0, .end_us = t0 + 10 });
  first = ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "first.read", .category = "test",
                                                         .start_us = t0, .end_us = t0 + 20, .stream_id = 1 });
  second = ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "second.read", .category = "test",
                                                          .start_us = t0, .end_us = t0 + 30, .stream_id = 2 });
  child = ls_recorder_add_span (f->recorder, &(LsSpan) { .parent = parent, .name = "second.child", .category = "test",
                                                         .start_us = t0, .end_us = t0 + 40, .stream_id = 2 });
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (4));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
  ls_task_list_refresh (list);
  g_assert_cmpuint (g_list_model_get_n_items (table), ==, 5);
  g_assert_cmpuint (n_shown (list), ==, 5);
  g_assert_cmpuint (ls_task_row_get_figures (ls_task_table_lookup (ls_task_list_get_table (list), parent))->stream_id,
                    ==, 2);

  ls_timeline_page_follow_stream (f->page, 1, 2);
  g_assert_nonnull (all);
  g_assert_false (gtk_check_button_get_active (all));
  g_assert_cmpuint (n_shown (list), ==, 2);
  g_assert_true (task_shown (list, frame));
  g_assert_true (task_shown (list, first));
  g_assert_nonnull (find_label (GTK_WIDGET (list), "2 of 5 tasks"));

  ls_timeline_page_follow_stream (f->page, 2, 2);
  g_assert_cmpuint (n_shown (list), ==, 4);
  g_assert_false (task_shown (list, first));
  g_assert_true (task_shown (list, frame));
  g_assert_true (task_shown (list, second));
  g_assert_true (task_shown (list, child));
  g_assert_true (task_shown (list, parent));

  /* The name filter and the stream's both apply. */
  gtk_editable_set_text (ls_task_list_get_filter_entry (list), "child");
  g_object_set_data (G_OBJECT (f->view), "want-shown", GUINT_TO_POINTER (2));
  g_assert_true (ls_gui_test_wait_for (filter_applied, f));
  g_assert_true (task_shown (list, child));
  g_assert_true (task_shown (list, parent));   /* "a child's name", its label */
  gtk_editable_set_text (ls_task_list_get_filter_entry (list), "");
  g_object_set_data (G_OBJECT (f->view), "want-shown", GUINT_TO_POINTER (4));
  g_assert_true (ls_gui_test_wait_for (filter_applied, f));

  gtk_check_button_set_active (all, TRUE);
  g_assert_cmpuint (n_shown (list), ==, 5);
  g_assert_nonnull (find_label (GTK_WIDGET (list), "5 tasks"));
  gtk_check_button_set_active (all, FALSE);
  g_assert_cmpuint (n_shown (list), ==, 4);

  /* One stream left: nothing to choose, everything listed. */
  ls_timeline_page_follow_stream (f->page, 2, 1);
  g_assert_cmpuint (n_shown (list), ==, 5);
}

/* Paused, the list keeps its rows while spans are recorded; live again,
 * it takes them in. A parent not recorded yet is a row, and selecting it
 * selects its children. */
static void
test_task_list_paused (Fixture       *f,
                       gconstpointer  data)
{
  LsTaskList *list = ls_timeline_page_get_task_list (f->page);
  GListModel *table = G_LIST_MODEL (ls_task_list_get_table (list));
  gint64 t0 = g_get_monotonic_time ();
  guint64 parent = ls_recorder_next_span_id (f->recorder);
  guint64 child;
  gint64 until;

  child = ls_recorder_add_span (f->recorder, &(LsSpan) { .parent = parent, .name = "child", .category = "test",
                                                         .start_us = t0, .end_us = t0 + 100 });
  ls_recorder_add_span (f->recorder, &(LsSpan) { .name = "root", .category = "test",
                                                 .start_us = t0, .end_us = t0 + 50 });
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (2));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
  ls_task_list_refresh (list);
  g_assert_cmpuint (g_list_model_get_n_items (table), ==, 3);
  g_assert_false (ls_task_row_get_recorded (ls_task_table_lookup (ls_task_list_get_table (list), parent)));

  /* Up from the child reaches its parent not recorded yet: the task,
   * through its child, and its row in the list. */
  ls_timeline_view_select_task (f->view, child);
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, child);
  press_key (f->view, GDK_KEY_Up);
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, parent);
  g_assert_cmpuint (selected_task (f->view), ==, child);
  g_assert_cmpuint (ls_task_row_get_task (gtk_single_selection_get_selected_item (ls_task_list_get_selection (list))),
                    ==, parent);
  ls_timeline_view_select_seq (f->view, G_MAXUINT64);
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, 0);

  /* So does its row in the side pane's parent chain, activated. */
  ls_timeline_view_select_task (f->view, child);
  {
    GtkLabel *label = find_label (ls_gui_test_find_type (f->page, GTK_TYPE_REVEALER), "Task ");
    GtkWidget *row;

    g_assert_nonnull (label);
    row = gtk_widget_get_ancestor (GTK_WIDGET (label), GTK_TYPE_LIST_BOX_ROW);
    g_assert_nonnull (row);
    g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
  }
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, parent);
  ls_timeline_view_select_seq (f->view, G_MAXUINT64);

  /* The parent's row selects it through its child. */
  for (guint i = 0; i < n_shown (list); i++)
    if (ls_task_row_get_task (shown_row (list, i)) == parent)
      gtk_single_selection_set_selected (ls_task_list_get_selection (list), i);
  g_assert_cmpuint (ls_timeline_view_get_selected_task (f->view), ==, parent);
  g_assert_cmpuint (selected_task (f->view), ==, child);

  ls_timeline_view_set_live (f->view, FALSE);
  ls_recorder_add_span (f->recorder, &(LsSpan) { .task = parent, .name = "parent", .category = "test",
                                                 .start_us = t0 - 10, .end_us = t0 + 200 });
  until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  ls_gui_test_wait_for (frames_passed, &until);
  ls_task_list_refresh (list);
  g_assert_cmpuint (g_list_model_get_n_items (table), ==, 3);
  g_assert_false (ls_task_row_get_recorded (ls_task_table_lookup (ls_task_list_get_table (list), parent)));

  ls_timeline_view_set_live (f->view, TRUE);
  g_object_set_data (G_OBJECT (f->view), "want", GUINT_TO_POINTER (3));
  g_assert_true (ls_gui_test_wait_for (n_records_is, f));
  ls_task_list_refresh (list);
  g_assert_cmpuint (g_list_model_get_n_items (table), ==, 3);
  g_assert_true (ls_task_row_get_recorded (ls_task_table_lookup (ls_task_list_get_table (list), parent)));
  g_assert_cmpstr (ls_task_row_get_label (ls_task_table_lookup (ls_task_list_get_table (list), parent)), ==, "parent");
}

int
main (int   argc,
      char *argv[])
{
  if (!ls_gui_test_init (&argc, &argv, "/timeline-page/paused-keeps"))
    return g_test_run ();

  g_test_add ("/timeline-page/paused-keeps", Fixture, NULL, fixture_set_up, test_paused_keeps, fixture_tear_down);
  g_test_add ("/timeline-page/open-round-trip", Fixture, NULL, fixture_set_up, test_open_round_trip, fixture_tear_down);
  g_test_add ("/timeline-page/open-refused", Fixture, NULL, fixture_set_up, test_open_refused, fixture_tear_down);
  g_test_add ("/timeline-page/select", Fixture, NULL, fixture_set_up, test_select, fixture_tear_down);
  g_test_add ("/timeline-page/demo-tree", Fixture, NULL, fixture_set_up, test_demo_tree, fixture_tear_down);
  g_test_add ("/timeline-page/task-list", Fixture, NULL, fixture_set_up, test_task_list, fixture_tear_down);
  g_test_add ("/timeline-page/task-list-streams", Fixture, NULL, fixture_set_up, test_task_list_streams, fixture_tear_down);
  g_test_add ("/timeline-page/task-list-paused", Fixture, NULL, fixture_set_up, test_task_list_paused, fixture_tear_down);

  return g_test_run ();
}
