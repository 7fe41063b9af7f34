/* bench-capture.c: saving and opening a capture of a million events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stream as the engine leaves it: one million SSE events of about 113
 * bytes in an LsEventStore, and the read log of the body they came in
 * (reads of 64 KiB, their bytes kept). The capture is written to a file,
 * plain and gzip, and read back; the figures are the wall time of each
 * and the memory the read took at its peak (in a process of its own),
 * against the store's own size for those events. Asserts nothing about
 * time.
 *
 *   bench-capture [EVENTS]
 *   bench-capture --open FILE
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "ls-capture.h"

#define READ_SIZE (64 * 1024)

static gint64
status_kib (const char *key)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) || (p = strstr (text, key)) == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

/* The peak resident size counts again from now (Linux: clear_refs 5). */
static gboolean
reset_peak (void)
{
  return g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

/* This process's CPU time (user and system), µs: on a busy machine the
 * wall time includes waiting for a core. */
static gint64
cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static LsCapture *
make_capture (guint64 n_events)
{
  LsCapture *capture = g_new0 (LsCapture, 1);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) pending = g_string_new (NULL);
  char data[96];
  gint64 t0 = g_get_monotonic_time ();
  guint64 first_seq_of_read = 0;

  memset (data, 'x', 94);
  data[94] = '\0';
  capture->request = ls_stream_options_new ("http://127.0.0.1:8080/sse/bulk");
  capture->store = ls_event_store_new ();
  capture->read_log = ls_read_log_new (LS_READ_LOG_DEFAULT_MAX_BYTES);
  capture->t0_us = t0;
  capture->started_unix_us = g_get_real_time ();
  capture->state = LS_STREAM_ENDED;
  capture->end = LS_STREAM_END_COMPLETED;
  capture->message = g_strdup ("The server closed the stream");
  capture->stats.started_us = t0;
  ls_read_log_add_connect (capture->read_log, 1, t0, 0);

  for (guint64 i = 1; i <= n_events; i++)
    {
      char id[24];
      gint64 t = t0 + (gint64) i;
      gsize before = pending->len;

      g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, i);
      g_string_append_printf (pending, "id: %s\ndata: %s\n\n", id, data);
      /* A read carries whole events here, and comes before them. */
      if (pending->len >= READ_SIZE || i == n_events)
        {
          ls_read_log_add_read (capture->read_log, 1, t, first_seq_of_read, (const guint8 *) pending->str,
                                pending->len);
          g_string_truncate (pending, 0);
          first_seq_of_read = ls_event_store_get_end_seq (capture->store) + 1;
        }
      ls_event_store_append (capture->store, 1, LS_EVENT_KIND_EVENT, t, "message", 7, id, -1, data, 94,
                             (guint32) (pending->len - before));
      capture->stats.events++;
      capture->stats.records++;
    }
  capture->stats.bytes = capture->stats.events * 113;
  return capture;
}

/* Opens @path in this process (a fresh one: memory freed before would
 * otherwise be reused and hide the peak) and prints the figures. */
static int
open_capture (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCapture) back = NULL;
  gint64 t, c, read_us, read_cpu, rss0, peak;

  rss0 = status_kib ("VmRSS:");
  reset_peak ();
  t = g_get_monotonic_time ();
  c = cpu_us ();
  back = ls_capture_read_file (path, &error);
  read_us = g_get_monotonic_time () - t;
  read_cpu = cpu_us () - c;
  g_assert_no_error (error);
  peak = status_kib ("VmHWM:");
  g_print ("capture %s: %" G_GUINT64_FORMAT " events opened in %.2f s (CPU %.2f s); peak memory %.1f MB "
           "over the %.1f MB before, the store it made holds %.1f MB: %.2fx (target <= 2x)\n",
           g_str_has_suffix (path, ".gz") ? "gzip" : "plain",
           ls_event_store_get_end_seq (back->store) - ls_event_store_get_first_seq (back->store),
           read_us / 1e6, read_cpu / 1e6, (peak - rss0) / 1024.0, rss0 / 1024.0,
           ls_event_store_get_memory_bytes (back->store) / 1e6,
           (peak - rss0) * 1024.0 / MAX (ls_event_store_get_memory_bytes (back->store), 1));
  return 0;
}

static void
run (LsCapture  *capture,
     const char *self_path,
     const char *path)
{
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *child_out = NULL;
  const char *argv[] = { self_path, "--open", path, NULL };
  gint64 t, c, write_us, write_cpu;
  int status = 0;
  GStatBuf st;

  t = g_get_monotonic_time ();
  c = cpu_us ();
  out = ls_capture_create_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (ls_capture_write (capture, out, path, FALSE, &error));
  g_assert_no_error (error);
  write_us = g_get_monotonic_time () - t;
  write_cpu = cpu_us () - c;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_print ("capture %s: %" G_GUINT64_FORMAT " events saved in %.2f s (CPU %.2f s), file %.1f MB\n",
           g_str_has_suffix (path, ".gz") ? "gzip" : "plain", capture->stats.events,
           write_us / 1e6, write_cpu / 1e6, st.st_size / 1e6);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &child_out, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_print ("%s", child_out);
  g_remove (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LsCapture) capture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *gz = NULL;
  guint64 n;

  if (argc == 3 && g_str_equal (argv[1], "--open"))
    return open_capture (argv[2]);
  n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1000000;
  dir = g_dir_make_tmp ("ls-bench-capture-XXXXXX", NULL);
  g_assert_nonnull (dir);
  plain = g_build_filename (dir, "capture.jsonl", NULL);
  gz = g_build_filename (dir, "capture.jsonl.gz", NULL);
  capture = make_capture (n);
  g_print ("capture: a store of %" G_GUINT64_FORMAT " events, %.1f MB, and a read log of their %.1f MB body\n",
           n, ls_event_store_get_memory_bytes (capture->store) / 1e6, capture->stats.bytes / 1e6);
  g_print ("capture: targets (figures, not assertions): save <= 2 s, open <= 2 s, open's peak memory <= 2x the store\n");
  run (capture, argv[0], plain);
  run (capture, argv[0], gz);
  g_rmdir (dir);
  return 0;
}
