/* bench-replay.c: a 10,000-event capture replayed at its original pace: how late each chunk is
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A capture written here: one connection, N SSE events, one read each,
 * with gaps of 0.5 to 1.5 ms (fixed seed, about 1 ms on average). The demo
 * server replays it at speed 1 to a real LsStream on 127.0.0.1. Printed:
 * the server's lateness per chunk (handed to libsoup, and written to the
 * socket, minus when it was due) and, when the client read the chunks one
 * by one, the error of each gap between two reads against the original
 * gap; p50, p99, max. The targets (gaps within 5 ms, gap error p99 at most
 * 2 ms) are for a quiet machine: figures, not assertions. Correctness is
 * asserted: every event arrives, in order.
 *
 * Usage: bench-replay [N_EVENTS]   (default 10,000)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ls-demo-server-private.h"
#include "ls-replay.h"
#include "ls-test-utils.h"

static void
print_figures (const char *what,
               GArray     *values)
{
  g_array_sort (values, ls_test_compare_gint64);
  printf ("%-34s n=%u p50=%.3f ms p99=%.3f ms max=%.3f ms\n", what, values->len,
          ls_test_percentile (values, 0.50) / 1000.0,
          ls_test_percentile (values, 0.99) / 1000.0,
          ls_test_percentile (values, 1.0) / 1000.0);
}

static gboolean
count_events_cb (const LsEventView *view,
                 gpointer           user_data)
{
  guint64 *n = user_data;

  if (view->kind == LS_EVENT_KIND_EVENT)
    {
      g_autofree char *expected = g_strdup_printf ("%" G_GUINT64_FORMAT, *n + 1);

      g_assert_cmpstr (view->id, ==, expected);
      (*n)++;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  guint n_events = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 10000;
  g_autofree char *dir = g_dir_make_tmp ("bench-replay-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "capture.jsonl", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) original_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsReplay) replay = NULL;
  g_autoptr(LsStreamOptions) options = NULL;
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GArray) queued_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) written_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) gap_error = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) entries = ls_read_log_entries_new ();
  g_autoptr(GArray) client_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *path_on_server = NULL;
  g_autofree char *url = NULL;
  LsTestStreams s;
  LsDemoServer *server;
  gint64 t_us = 1000;
  guint64 received = 0;

  g_assert_nonnull (dir);
  g_assert_cmpuint (n_events, >, 1);

  /* The capture: header, connection, response, one read per event. */
  g_string_append (text, "{\"format\":\"loopscope-capture\",\"version\":1,\"request\":{\"method\":\"GET\","
                         "\"url\":\"http://127.0.0.1:9/sse\",\"format\":\"auto\",\"headers\":[]}}\n"
                         "{\"kind\":\"connect\",\"t\":0,\"connection\":1}\n"
                         "{\"kind\":\"response\",\"t\":1,\"connection\":1,\"http_version\":\"HTTP/1.1\","
                         "\"status\":200,\"reason\":\"OK\",\"headers_ms\":1,"
                         "\"headers\":[{\"name\":\"Content-Type\",\"value\":\"text/event-stream\"}]}\n");
  for (guint i = 1; i <= n_events; i++)
    {
      g_autofree char *event = g_strdup_printf ("id: %u\ndata: {\"n\":%u}\n\n", i, i);
      g_autofree char *b64 = g_base64_encode ((const guchar *) event, strlen (event));

      t_us += g_rand_int_range (rand, 500, 1501);
      g_array_append_val (original_us, t_us);
      g_string_append_printf (text, "{\"kind\":\"read\",\"t\":%" G_GINT64_FORMAT ".%03d,\"connection\":1,"
                              "\"size\":%zu,\"data_b64\":\"%s\"}\n",
                              t_us / 1000, (int) (t_us % 1000), strlen (event), b64);
    }
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
  replay = ls_replay_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_replay_get_n_reads (replay), ==, n_events);

  ls_test_streams_init (&s, 1 << 16);
  server = ls_test_demo_server_start ();
  path_on_server = ls_demo_server_add_replay (server, replay, 1.0);
  url = g_strconcat (ls_demo_server_get_base_uri (server), path_on_server, NULL);
  options = ls_stream_options_new (url);
  options->record_reads = TRUE;
  options->reconnect_ms = 100;
  stream = ls_test_streams_start (&s, options);
  /* About a second per thousand events: a deadline far above it. */
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 60000 + n_events * 20));
  g_assert_cmpint (ls_stream_get_end (stream), ==, LS_STREAM_END_NO_CONTENT);
  ls_test_foreach_of_stream (s.store, ls_stream_get_id (stream), count_events_cb, &received);
  g_assert_cmpuint (received, ==, n_events);

  chunks = ls_demo_server_get_replay_chunks (server, path_on_server);
  g_assert_cmpuint (chunks->len, ==, n_events);
  for (guint i = 0; i < chunks->len; i++)
    {
      const LsDemoReplayChunk *chunk = &g_array_index (chunks, LsDemoReplayChunk, i);
      gint64 q = chunk->queued_us - chunk->due_us;
      gint64 w = chunk->written_us - chunk->due_us;

      g_array_append_val (queued_late, q);
      g_array_append_val (written_late, w);
    }

  /* When each chunk was whole at the client: the read that brought its
   * last byte (reads may merge chunks or split one). */
  ls_read_log_copy_since (ls_stream_get_read_log (stream), 0, entries);
  {
    guint64 read_end = 0, chunk_end = 0;
    guint c = 0;

    for (guint i = 0; i < entries->len && c < chunks->len; i++)
      {
        const LsReadLogEntry *entry = &g_array_index (entries, LsReadLogEntry, i);

        if (entry->kind != LS_READ_LOG_READ || entry->connection != 1)
          continue;
        read_end += entry->size;
        while (c < chunks->len && chunk_end + g_array_index (chunks, LsDemoReplayChunk, c).size <= read_end)
          {
            chunk_end += g_array_index (chunks, LsDemoReplayChunk, c).size;
            g_array_append_val (client_us, entry->time_us);
            c++;
          }
      }
  }
  g_assert_cmpuint (client_us->len, ==, n_events);
  for (guint i = 1; i < n_events; i++)
    {
      gint64 gap = g_array_index (client_us, gint64, i) - g_array_index (client_us, gint64, i - 1);
      gint64 original = g_array_index (original_us, gint64, i) - g_array_index (original_us, gint64, i - 1);
      gint64 err = ABS (gap - original);

      g_array_append_val (gap_error, err);
    }

  printf ("replay of %u events at speed 1 (original gaps 0.5-1.5 ms)\n", n_events);
  print_figures ("server: queued after due", queued_late);
  print_figures ("server: written after due", written_late);
  print_figures ("client: gap error (|gap - original|)", gap_error);

  g_clear_object (&stream);
  ls_test_demo_server_stop (server);
  ls_test_streams_clear (&s);
  g_remove (path);
  g_rmdir (dir);
  return 0;
}
