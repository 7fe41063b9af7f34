/* ls-compare.c: one stream's figures for the Compare page, and their CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A series reads its stream's store incrementally (from the last sequence
 * number it saw), keeping each event's arrival time since the first
 * request and the gaps between them (LsGapStats, as the LLM assembler
 * keeps its tokens'), and feeds an LLM assembler for the time to first
 * token. UI thread; no display needed, so the arithmetic is tested on
 * its own.
 */
#include "config.h"

#include <string.h>

#include "ls-compare.h"
#include "ls-gap-stats.h"
#include "ls-llm.h"

struct _LsCompareSeries
{
  guint64         next_seq;
  gint64          started_us;
  GArray         *times;        /* gint64: µs since the first request */
  LsGapStats     *gaps;         /* at most LS_COMPARE_MAX_GAPS kept */
  gint64          last_event_us;
  guint64         errors;
  LsLlmAssembler *llm;
};

LsCompareSeries *
ls_compare_series_new (void)
{
  LsCompareSeries *self = g_new0 (LsCompareSeries, 1);

  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->gaps = ls_gap_stats_new (LS_COMPARE_MAX_GAPS);
  self->llm = ls_llm_assembler_new ();
  return self;
}

void
ls_compare_series_free (LsCompareSeries *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->times);
  ls_gap_stats_free (self->gaps);
  g_object_unref (self->llm);
  g_free (self);
}

static gboolean
is_data (LsEventKind kind)
{
  return kind == LS_EVENT_KIND_EVENT || kind == LS_EVENT_KIND_INVALID || kind == LS_EVENT_KIND_CHUNK;
}

static gboolean
series_read_cb (const LsEventView *view,
                gpointer           user_data)
{
  LsCompareSeries *self = user_data;

  if (view->kind == LS_EVENT_KIND_ERROR)
    self->errors++;
  if (!is_data (view->kind))
    return TRUE;

  g_array_append_val (self->times, (gint64) { view->time_us - self->started_us });
  if (self->last_event_us != 0)
    ls_gap_stats_add (self->gaps, MAX (view->time_us - self->last_event_us, 0));
  self->last_event_us = view->time_us;
  ls_llm_assembler_feed (self->llm, view->type, view->data, (gssize) view->data_len, view->time_us);
  return TRUE;
}

void
ls_compare_series_update (LsCompareSeries *self,
                          LsEventStore    *store,
                          gint64           started_us)
{
  guint64 first, end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (store != NULL);

  /* The store is written on the worker, the stream's figures reach the
   * UI a frame later: until the request time is known, wait. */
  if (self->started_us == 0 && started_us == 0)
    return;
  if (self->started_us == 0)
    {
      self->started_us = started_us;
      ls_llm_assembler_set_request_time (self->llm, started_us);
    }
  ls_event_store_get_range (store, &first, &end);
  self->next_seq = MAX (self->next_seq, first);
  if (self->next_seq >= end)
    return;
  ls_event_store_foreach_range (store, self->next_seq, end, series_read_cb, self);
  self->next_seq = end;
}

void
ls_compare_series_get_figures (LsCompareSeries        *self,
                               const LsStreamStats    *stats,
                               const LsStreamResponse *response,
                               LsCompareFigures       *figures)
{
  LsLlmFigures llm;
  guint n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (figures != NULL);

  memset (figures, 0, sizeof *figures);
  n = self->times->len;
  figures->headers_us = response != NULL && response->headers_us >= 0 ? response->headers_us : -1;
  figures->first_event_us = n > 0 ? g_array_index (self->times, gint64, 0) : -1;
  figures->gap_p50_us = ls_gap_stats_get_percentile (self->gaps, 50);
  figures->gap_p99_us = ls_gap_stats_get_percentile (self->gaps, 99);
  figures->gap_max_us = ls_gap_stats_get_max (self->gaps);
  if (n >= 2)
    {
      gint64 span = g_array_index (self->times, gint64, n - 1) - g_array_index (self->times, gint64, 0);

      figures->events_per_s = span > 0 ? (double) (n - 1) * G_USEC_PER_SEC / (double) span : 0.0;
    }
  figures->events = n;
  ls_llm_assembler_get_figures (self->llm, &llm);
  figures->tokens = llm.tokens;
  figures->first_token_us = llm.tokens > 0 ? llm.ttft_us : -1;
  figures->errors = self->errors;
  if (stats != NULL)
    {
      figures->bytes = stats->bytes;
      figures->reconnects = stats->reconnects;
    }
}

const gint64 *
ls_compare_series_get_times (LsCompareSeries *self,
                             guint           *n_times)
{
  g_return_val_if_fail (self != NULL, NULL);

  *n_times = self->times->len;
  return (const gint64 *) (gpointer) self->times->data;
}

/* ---- CSV -------------------------------------------------------------------- */

static void
csv_text (GString    *out,
          const char *text)
{
  if (text == NULL)
    text = "";
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* Milliseconds with three decimals, or nothing when unknown. */
static void
csv_ms (GString *out,
        gint64   us)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ',');
  if (us >= 0)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", (double) us / 1000.0));
}

char *
ls_compare_to_csv (const char * const     *names,
                   const char * const     *urls,
                   const LsCompareFigures *figures,
                   guint                   n)
{
  GString *out = g_string_new ("stream,url,time_to_headers_ms,time_to_first_event_ms,time_to_first_token_ms,"
                               "gap_p50_ms,gap_p99_ms,gap_max_ms,events_per_s,events,tokens,bytes,"
                               "reconnects,errors\r\n");

  for (guint i = 0; i < n; i++)
    {
      const LsCompareFigures *f = &figures[i];
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      csv_text (out, names[i]);
      g_string_append_c (out, ',');
      csv_text (out, urls[i]);
      csv_ms (out, f->headers_us);
      csv_ms (out, f->first_event_us);
      csv_ms (out, f->first_token_us);
      csv_ms (out, f->gap_p50_us);
      csv_ms (out, f->gap_p99_us);
      csv_ms (out, f->gap_max_us);
      g_string_append_c (out, ',');
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", f->events_per_s));
      g_string_append_printf (out, ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                              ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "\r\n",
                              f->events, f->tokens, f->bytes, f->reconnects, f->errors);
    }
  return g_string_free (out, FALSE);
}
