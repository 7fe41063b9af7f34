/* ls-compare.h: one stream's figures for the Compare page, and their CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ls-event-store.h"
#include "ls-stream.h"
#include "ls-stream-response.h"

G_BEGIN_DECLS

/* Gaps kept for the percentiles (the max covers every gap). */
#define LS_COMPARE_MAX_GAPS (1u << 20)

/* Durations in µs, -1 when not known (yet); rates 0 below two events. */
typedef struct
{
  gint64  headers_us;      /* request sent → response headers (latest response) */
  gint64  first_event_us;  /* first request → first event */
  gint64  first_token_us;  /* first request → first LLM token (OpenAI, Anthropic, …) */
  gint64  gap_p50_us;      /* between consecutive events, nearest rank */
  gint64  gap_p99_us;
  gint64  gap_max_us;
  double  events_per_s;    /* (events - 1) / (last event - first event) */
  guint64 events;          /* events, NDJSON lines or raw chunks read so far */
  guint64 tokens;
  guint64 bytes;
  guint64 reconnects;
  guint64 errors;          /* error records */
} LsCompareFigures;

typedef struct _LsCompareSeries LsCompareSeries;

LsCompareSeries *ls_compare_series_new          (void);
void             ls_compare_series_free         (LsCompareSeries        *self);
/* Reads the records @store holds past what was read before (what the
 * store dropped is skipped). @started_us is the first request's time
 * (g_get_monotonic_time()) the times count from: nothing is read while
 * it is 0 (not known yet); the first one given stays. */
void             ls_compare_series_update       (LsCompareSeries        *self,
                                                 LsEventStore           *store,
                                                 gint64                  started_us);
/* The figures, with the stream's own counts from @stats and @response
 * (either may be NULL). */
void             ls_compare_series_get_figures  (LsCompareSeries        *self,
                                                 const LsStreamStats    *stats,
                                                 const LsStreamResponse *response,
                                                 LsCompareFigures       *figures);
/* The arrival times of the events read, µs since the first request, in
 * order: the plot's data. */
const gint64    *ls_compare_series_get_times    (LsCompareSeries        *self,
                                                 guint                  *n_times);

/* The comparison as CSV (RFC 4180, "." decimals whatever the locale):
 * a header line, then one line per stream: @names[i] and @urls[i] with
 * @figures[i]. Unknown figures are empty fields. */
char            *ls_compare_to_csv              (const char * const     *names,
                                                 const char * const     *urls,
                                                 const LsCompareFigures *figures,
                                                 guint                   n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsCompareSeries, ls_compare_series_free)

G_END_DECLS
