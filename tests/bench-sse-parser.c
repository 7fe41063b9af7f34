/* bench-sse-parser.c: LsSseParser throughput, single core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without arguments: generated corpora of 100-byte and 4 KiB events, fed
 * as one buffer and in 16 KiB chunks (as they come from the network).
 * With a path: parses that file and prints exactly
 *   parse: N events, X MB/s, Y events/s
 * so that other parsers can be compared on the same bytes.
 * MB are 10^6 bytes. Figures only: nothing here asserts on time.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ls-sse-parser.h"

#define NETWORK_CHUNK (16 * 1024)
#define MIN_BENCH_BYTES ((gsize) 200 * 1000 * 1000)
#define MIN_BENCH_USEC (G_USEC_PER_SEC / 2)

typedef struct
{
  guint64 n_events;
  guint64 data_bytes;
} Counts;

static void
count_cb (const LsSseEvent *event,
          gpointer          user_data)
{
  Counts *counts = user_data;

  counts->n_events++;
  counts->data_bytes += event->data_len + event->id_len;
}

/* Events of exactly @event_size bytes on the wire:
 * "id: <n>\ndata: <payload>\n\n". */
static GByteArray *
make_corpus (gsize  event_size,
             gsize  total,
             guint *n_events)
{
  GByteArray *corpus = g_byte_array_sized_new (total + event_size);
  guint n = 0;

  while (corpus->len + event_size <= total)
    {
      char head[64];
      int head_len = g_snprintf (head, sizeof head, "id: %u\ndata: ", n);
      gsize payload = event_size - head_len - 2;
      gsize start;

      g_assert (event_size > (gsize) head_len + 2);
      g_byte_array_append (corpus, (const guint8 *) head, head_len);
      start = corpus->len;
      g_byte_array_set_size (corpus, start + payload);
      for (gsize i = 0; i < payload; i++)
        corpus->data[start + i] = 'a' + (n + i) % 26;
      g_byte_array_append (corpus, (const guint8 *) "\n\n", 2);
      n++;
    }

  *n_events = n;
  return corpus;
}

/* Parses @bytes repeatedly (a new connection each time) until enough work
 * was done for a stable figure. Returns elapsed microseconds. */
static gint64
run (const guint8 *bytes,
     gsize         len,
     gsize         chunk,
     Counts       *counts,
     guint64      *bytes_done)
{
  g_autoptr(LsSseParser) parser = ls_sse_parser_new (count_cb, counts);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  *bytes_done = 0;
  do
    {
      for (gsize off = 0; off < len; off += chunk)
        {
          if (!ls_sse_parser_feed (parser, bytes + off, MIN (chunk, len - off), NULL))
            g_error ("parse error");
        }
      ls_sse_parser_end_stream (parser);
      *bytes_done += len;
      elapsed = g_get_monotonic_time () - start;
    }
  while (*bytes_done < MIN_BENCH_BYTES || elapsed < MIN_BENCH_USEC);

  return MAX (elapsed, 1);
}

static void
bench_corpus (gsize event_size)
{
  g_autoptr(GByteArray) corpus = NULL;
  guint n_events;
  gsize chunks[] = { G_MAXSIZE, NETWORK_CHUNK };

  corpus = make_corpus (event_size, 64 * 1000 * 1000, &n_events);

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      Counts counts = { 0, };
      guint64 bytes_done;
      gint64 usec = run (corpus->data, corpus->len, MIN (chunks[i], corpus->len),
                         &counts, &bytes_done);
      double seconds = usec / (double) G_USEC_PER_SEC;

      g_assert (counts.n_events == (bytes_done / corpus->len) * n_events);
      printf ("%5" G_GSIZE_FORMAT "-byte events, %-15s %8.0f MB/s %8.2f M events/s  (%.0f MB in %.2f s)\n",
              event_size,
              chunks[i] == G_MAXSIZE ? "one buffer:" : "16 KiB chunks:",
              bytes_done / seconds / 1e6,
              counts.n_events / seconds / 1e6,
              bytes_done / 1e6, seconds);
    }
}

static int
parse_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSseParser) parser = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  Counts counts = { 0, };
  guint64 bytes_done;
  guint64 events_per_pass;
  gint64 usec;
  double seconds;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "bench-sse-parser: %s\n", error->message);
      return 1;
    }

  /* One pass to count, and to fail loudly rather than time an error. */
  parser = ls_sse_parser_new (count_cb, &counts);
  if (!ls_sse_parser_feed (parser, (const guint8 *) contents, len, &error))
    {
      fprintf (stderr, "bench-sse-parser: %s: %s\n", path, error->message);
      return 1;
    }
  ls_sse_parser_end_stream (parser);
  events_per_pass = counts.n_events;
  if (len == 0)
    {
      printf ("parse: 0 events, 0 MB/s, 0 events/s\n");
      return 0;
    }

  counts.n_events = 0;
  usec = run ((const guint8 *) contents, len, NETWORK_CHUNK, &counts, &bytes_done);
  seconds = usec / (double) G_USEC_PER_SEC;

  printf ("parse: %" G_GUINT64_FORMAT " events, %.0f MB/s, %.0f events/s\n",
          events_per_pass, bytes_done / seconds / 1e6, counts.n_events / seconds);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 2)
    {
      fprintf (stderr, "usage: bench-sse-parser [FILE]\n");
      return 2;
    }
  if (argc == 2)
    return parse_file (argv[1]);

  printf ("# LsSseParser, single core, %s build\n",
#ifdef __OPTIMIZE__
          "optimized"
#else
          "UNOPTIMIZED"
#endif
         );
  bench_corpus (100);
  bench_corpus (4096);
  return 0;
}
