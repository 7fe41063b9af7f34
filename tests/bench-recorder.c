/* bench-recorder.c: what readers of the recorder cost its writers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; asserts correctness only, never timing.
 *  - the wait inside ls_recorder_add_span on a writer thread while the
 *    main thread exports a 1 M-record ring (and, as the baseline, with no
 *    export running: what the machine's scheduler costs alone);
 *  - an incremental snapshot of 1,000 new records from a 16 M-record ring;
 *  - a full export of 1 M records.
 * Usage: bench-recorder [BIG_RING]   (default 16777216)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ls-recorder-private.h"
#include "ls-test-utils.h"
#include "ls-trace.h"

#define EXPORT_RECORDS (1 << 20)
#define HISTOGRAM_NS   (1000 * 1000)  /* waits past 1 ms share the last bucket */
#define BUCKET_NS      50

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *const details[] = {
  NULL, NULL, NULL, "GET http://127.0.0.1:8080/sse?topic=bench", "12 events",
};
static gboolean with_details = TRUE;

static void
add_span (LsRecorder *recorder,
          guint64     i)
{
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = i + 1, .parent = i / 16, .name = "bench.span",
                          .category = "bench", .loop = LS_LOOP_WORKER,
                          .queued_us = (gint64) i, .start_us = (gint64) i + 1,
                          .end_us = (gint64) i + 3, .items = (gint64) (i % 7),
                          .detail = with_details ? details[i % G_N_ELEMENTS (details)] : NULL,
                        });
}

typedef struct
{
  LsRecorder *recorder;
  gint        measuring;  /* atomic: 1 measure, 2 stop */
  guint64    *histogram;  /* HISTOGRAM_NS / BUCKET_NS buckets */
  guint64     samples;
  guint64     over_50us;
  gint64      worst_ns;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  guint64 i = 0;
  int state;

  gint64 due = now_ns ();

  while ((state = __atomic_load_n (&writer->measuring, __ATOMIC_ACQUIRE)) != 2)
    {
      gint64 t0, wait;

      /* One span a microsecond: busier than any real loop, and slower
       * than the export reads. */
      while ((t0 = now_ns ()) < due)
        ;
      due += 1000;

      add_span (writer->recorder, i++);
      wait = now_ns () - t0;
      if (state != 1)
        continue;
      writer->histogram[MIN (wait, HISTOGRAM_NS - 1) / BUCKET_NS]++;
      writer->samples++;
      writer->worst_ns = MAX (writer->worst_ns, wait);
      if (wait > 50000)
        writer->over_50us++;
    }
  return NULL;
}

static double
percentile_us (const Writer *writer,
               double        fraction)
{
  guint64 want = (guint64) (fraction * (double) writer->samples), seen = 0;

  for (guint b = 0; b < HISTOGRAM_NS / BUCKET_NS; b++)
    {
      seen += writer->histogram[b];
      if (seen > want)
        return (b + 1) * BUCKET_NS / 1000.0;
    }
  return HISTOGRAM_NS / 1000.0;
}

static GOutputStream *
open_null (void)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/dev/null");
  g_autoptr(GError) error = NULL;
  GFileOutputStream *out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, &error);

  g_assert_no_error (error);
  return G_OUTPUT_STREAM (out);
}

static LsRecorder *
filled_recorder (guint   capacity,
                 guint64 n)
{
  LsRecorder *recorder = ls_recorder_new (capacity);

  for (guint64 i = 0; i < n; i++)
    add_span (recorder, i);
  return recorder;
}

/* One export of @recorder while a writer records (or not, @during_export
 * FALSE: the writer measured for as long on its own). */
static void
bench_writer_wait (gboolean during_export)
{
  /* A full ring, as in steady state (a fresh ring's first pass takes page
   * faults: those are the kernel's, not the readers'). The paced writer
   * overwrites the oldest records behind the export, which stays ahead. */
  g_autoptr(LsRecorder) recorder = filled_recorder (EXPORT_RECORDS, EXPORT_RECORDS);
  g_autoptr(GOutputStream) out = open_null ();
  g_autoptr(GError) error = NULL;
  Writer writer = { recorder, 0, g_new0 (guint64, HISTOGRAM_NS / BUCKET_NS), 0, 0, 0 };
  GThread *thread;
  gint64 t0;

  thread = g_thread_new ("writer", writer_thread, &writer);
  g_usleep (20000);
  __atomic_store_n (&writer.measuring, 1, __ATOMIC_RELEASE);
  t0 = g_get_monotonic_time ();
  if (during_export)
    g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, &error));
  else
    g_usleep (600 * 1000);
  g_assert_no_error (error);
  __atomic_store_n (&writer.measuring, 2, __ATOMIC_RELEASE);
  g_thread_join (thread);

  printf ("add_span wait %s: %" G_GUINT64_FORMAT " calls in %.0f ms, p50 %.2f µs, p99 %.2f µs, "
          "p99.9 %.2f µs, worst %.1f µs (%" G_GUINT64_FORMAT " calls over 50 µs)\n",
          during_export ? "during a 1 M-record export" : "with no reader (baseline)",
          writer.samples, (g_get_monotonic_time () - t0) / 1000.0,
          percentile_us (&writer, 0.5), percentile_us (&writer, 0.99),
          percentile_us (&writer, 0.999), writer.worst_ns / 1000.0, writer.over_50us);
  g_free (writer.histogram);
}

static void
bench_incremental (guint big_ring)
{
  g_autoptr(LsRecorder) recorder = NULL;
  gint64 times_ns[200];
  guint64 cursor, lost = 0, n;
  gint64 t0;

  t0 = g_get_monotonic_time ();
  recorder = filled_recorder (big_ring, big_ring);
  n = big_ring;
  cursor = n;
  printf ("filled a %u-record ring in %.1f s\n", big_ring, (g_get_monotonic_time () - t0) / 1e6);

  for (guint round = 0; round < G_N_ELEMENTS (times_ns); round++)
    {
      g_autoptr(GArray) fresh = NULL;
      gint64 start;

      /* Half the rounds without details: the copy alone, then with the
       * duplication and redaction of details. */
      with_details = round >= G_N_ELEMENTS (times_ns) / 2;

      for (guint i = 0; i < 1000; i++)
        add_span (recorder, n++);
      start = now_ns ();
      fresh = ls_recorder_snapshot_since (recorder, cursor, &lost);
      times_ns[round] = now_ns () - start;
      g_assert_cmpuint (fresh->len, ==, 1000);
      g_assert_cmpuint (lost, ==, 0);
      g_assert_cmpuint (g_array_index (fresh, LsRecord, 0).seq, ==, cursor);
      cursor += fresh->len;
    }
  for (guint half = 0; half < 2; half++)
    {
      gint64 *t = times_ns + half * G_N_ELEMENTS (times_ns) / 2;
      gsize n_times = G_N_ELEMENTS (times_ns) / 2;

      qsort (t, n_times, sizeof t[0], ls_test_compare_gint64);
      printf ("incremental snapshot, 1,000 new records from a %u-record ring (%s): "
              "median %.1f µs, max %.1f µs\n", big_ring,
              half == 0 ? "no details" : "2 in 5 with a detail, redacted",
              t[n_times / 2] / 1000.0, t[n_times - 1] / 1000.0);
    }
  with_details = TRUE;
}

/* A reader's unit of work; writers do not wait for it. */
static void
bench_chunk_copy (void)
{
  g_autoptr(LsRecorder) recorder = filled_recorder (EXPORT_RECORDS, EXPORT_RECORDS);
  g_autofree LsRecord *chunk = g_new (LsRecord, LS_RECORDER_CHUNK);
  g_autofree gint64 *times_ns = g_new (gint64, EXPORT_RECORDS / LS_RECORDER_CHUNK + 1);
  LsRecorderReader reader;
  guint n_chunks = 0;

  ls_recorder_reader_begin (&reader, recorder, 0);
  for (;;)
    {
      gint64 start = now_ns ();
      guint n = ls_recorder_reader_read (&reader, chunk, LS_RECORDER_CHUNK);

      if (n == 0)
        break;
      times_ns[n_chunks++] = now_ns () - start;
    }
  ls_recorder_reader_end (&reader);
  qsort (times_ns, n_chunks, sizeof times_ns[0], ls_test_compare_gint64);
  printf ("one chunk of %d records copied (no lock held): median %.1f µs, max %.1f µs (%u chunks)\n",
          LS_RECORDER_CHUNK, times_ns[n_chunks / 2] / 1000.0, times_ns[n_chunks - 1] / 1000.0, n_chunks);
}

static void
bench_full_export (void)
{
  g_autoptr(LsRecorder) recorder = filled_recorder (EXPORT_RECORDS, EXPORT_RECORDS);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  double seconds;

  g_assert_true (ls_trace_export (recorder, out, LS_TRACE_EXPORT_DEFAULT, NULL, &error));
  g_assert_no_error (error);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  printf ("full export of 1 M records: %.0f ms, %.0f MB of JSON (%.0f MB/s)\n",
          seconds * 1000, g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) / 1e6,
          g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) / 1e6 / seconds);
}

int
main (int   argc,
      char *argv[])
{
  guint big_ring = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1u << 24;

  setvbuf (stdout, NULL, _IONBF, 0);
  bench_full_export ();
  bench_chunk_copy ();
  bench_writer_wait (FALSE);
  bench_writer_wait (TRUE);
  bench_incremental (big_ring);
  return 0;
}
