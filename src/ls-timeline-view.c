/* ls-timeline-view.c: the recorder's spans, guards and lag, lane by loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One lane per loop (UI, worker, other). In a lane: top-level spans on
 * the first row, nested ones (with a parent) on a thinner second row,
 * each bar preceded by a lighter lead-in for the time it waited in a
 * queue; guard events as red markers; and the loop's lag counter as a
 * small bar graph underneath.
 *
 * The view keeps its own copy of recent records (the recorder's ring is
 * a moving window), pulled with ls_recorder_snapshot_since (next seq) so each
 * frame copies only what is new; after a second without any, it pulls
 * (and scrolls) once a second until records come again. Drawing is bounded by the width, not by
 * the number of records: spans narrower than a pixel that touch are
 * merged into one rectangle, guards and lag samples are bucketed per
 * pixel column. Geometry, drawing, hit-testing and input all share that
 * copy and the visible range: one widget, hence one file past 900 lines.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ls-enum.h"
#include "ls-event-path.h"
#include "ls-format.h"
#include "ls-timeline-arrows.h"
#include "ls-timeline-view.h"
#include "ls-timeline-view-private.h"
#include "ls-ui-util.h"

/* What the view remembers: enough to pan back a couple of minutes, small
 * enough that a frame's walk over it stays well under a millisecond. */
#define KEEP_US        (180 * G_USEC_PER_SEC)
#define MAX_RECORDS    150000

#define LABEL_WIDTH    112.0
#define RIGHT_MARGIN   12.0
#define AXIS_HEIGHT    28.0
#define MIN_LANE_HEIGHT 84.0
#define ROW0_OFFSET    10.0
#define ROW0_HEIGHT    18.0
#define ROW1_OFFSET    32.0
#define ROW1_HEIGHT    14.0
#define GRAPH_OFFSET   50.0
#define GRAPH_MARGIN   8.0
#define N_LANES        3
/* Lanes of their own for the streams with work in view (the newest),
 * under the loops': two span rows each, no lag graph. */
#define MAX_STREAM_LANES   6
#define STREAM_LANE_HEIGHT (ROW1_OFFSET + ROW1_HEIGHT + 8.0)
#define N_LANE_SLOTS       (N_LANES + MAX_STREAM_LANES)
/* Hit slop: a one-pixel span is still easy to point at. */
#define PICK_SLOP_PX   3.0
/* One scroll step pans this many pixels. */
#define SCROLL_STEP_PX 48.0
/* Crossings whose dispatches are closer than this are one arrow. */
#define ARROW_GAP_PX   8.0
#define ARROW_WIDTH    1.5
/* No new record for this long: pull and scroll once a second instead of
 * every frame, so an idle application draws (almost) nothing. */
#define QUIET_AFTER_US G_USEC_PER_SEC

struct _LsTimelineView
{
  GtkWidget   parent_instance;

  LsRecorder *recorder;
  GArray     *records;      /* of LsRecord, in seq order */
  guint64     next_seq;     /* the first seq not copied yet */
  gint64      origin_us;    /* time axis zero: when the view was made */
  gint64      origin_real_us; /* the wall-clock time at origin_us */
  gint        loop_threads[LS_LOOP_OTHER]; /* the UI and worker loops' threads, 0: unknown */

  gboolean    live;
  gint64      start_us;     /* visible range */
  gint64      end_us;

  guint       tick_id;      /* every frame, while records arrive */
  guint       slow_id;      /* once a second, after QUIET_AFTER_US without one */
  gint64      last_new_us;
  double      pointer_x;
  double      drag_start_x;
  gint64      drag_start_us;
  gint64      drag_end_us;
  guint       last_n_drawn;
  guint       last_n_arrows;
  guint       last_n_crossings;
  GHashTable *tid_loops;    /* thread id → the loop its spans ran on */
  GHashTable *name_layouts; /* interned span name → its PangoLayout, made once */
  guint       layouts_serial; /* the Pango context's serial they were made with */
  guint64     selected_seq; /* the selected span's seq, G_MAXUINT64: none */
  guint64     selected_task; /* its task (or the task a row chose), 0: none */
  guint32     stream_filter; /* only this stream's work among the streams', 0: all */
  guint32     known_streams[MAX_STREAM_LANES]; /* the newest streams with work here, ascending */
  guint       n_known_streams;
  guint32     stream_lanes[MAX_STREAM_LANES];  /* those with a lane now (the filter's only) */
  guint       n_stream_lanes;
  GHashTable *stream_names;  /* stream id → its lane's name (the recorder's copy) */
  guint64     generation;   /* bumped when records are dropped or replaced */
  GArray     *labels;       /* of SpanLabel: this frame's names, drawn over the bars */
  gint        last_tid;     /* the last one learnt, to skip the lookup */
  guint64     path_ids[3];  /* an event's read, parse, delivery (0: none) */
  gint64      path_shown_us; /* and when the events view showed it (0: none) */
};

G_DEFINE_FINAL_TYPE (LsTimelineView, ls_timeline_view, GTK_TYPE_WIDGET)

enum {
  SELECTION_CHANGED,
  RECORDS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_LIVE,
  PROP_RECORDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_STATIC_ASSERT (N_LANES == LS_ARROW_N_LANES);

/* ---- geometry ------------------------------------------------------------- */

static double
plot_width (LsTimelineView *self)
{
  return MAX (1.0, gtk_widget_get_width (GTK_WIDGET (self)) - LABEL_WIDTH - RIGHT_MARGIN);
}

/* The loops' lanes share the height the streams' leave: the lag graphs
 * grow, the span rows do not. */
static double
lane_height (LsTimelineView *self)
{
  return MAX (MIN_LANE_HEIGHT, (gtk_widget_get_height (GTK_WIDGET (self)) - AXIS_HEIGHT
                                - self->n_stream_lanes * STREAM_LANE_HEIGHT) / N_LANES);
}

static int
n_lanes (LsTimelineView *self)
{
  return N_LANES + (int) self->n_stream_lanes;
}

/* The loops' lanes first (@loop_h each), then the streams'. */
static double
lane_top (LsTimelineView *self,
          double          loop_h,
          int             lane)
{
  if (lane < N_LANES)
    return AXIS_HEIGHT + lane * loop_h;
  return AXIS_HEIGHT + N_LANES * loop_h + (lane - N_LANES) * STREAM_LANE_HEIGHT;
}

static double
lane_extent (double loop_h,
             int    lane)
{
  return lane < N_LANES ? loop_h : STREAM_LANE_HEIGHT;
}

static double
graph_height (LsTimelineView *self)
{
  return lane_height (self) - GRAPH_OFFSET - GRAPH_MARGIN;
}

static int
lane_index (LsLoopId loop)
{
  switch (loop)
    {
    case LS_LOOP_UI:
      return 0;
    case LS_LOOP_WORKER:
      return 1;
    case LS_LOOP_OTHER:
    default:
      return 2;
    }
}

/* A stream's work on the worker goes to the stream's lane, when it has one. */
static int
record_lane (const LsTimelineView *self,
             const LsRecord       *r)
{
  if (r->stream_id != 0 && r->loop == LS_LOOP_WORKER)
    for (guint k = 0; k < self->n_stream_lanes; k++)
      if (self->stream_lanes[k] == r->stream_id)
        return N_LANES + (int) k;
  return lane_index (r->loop);
}

/* Another stream's work, while the view follows one stream. */
static inline gboolean
record_hidden (const LsTimelineView *self,
               const LsRecord       *r)
{
  return !ls_timeline_stream_filter_keeps (self->stream_filter, r->stream_id);
}

double
_ls_timeline_view_time_to_x (LsTimelineView *self,
                             gint64          time_us)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0.0);

  return LABEL_WIDTH + (double) (time_us - self->start_us) * plot_width (self)
                       / (double) MAX (1, self->end_us - self->start_us);
}

double
_ls_timeline_view_get_lane_y (LsTimelineView *self,
                              LsLoopId        loop,
                              gboolean        nested)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0.0);

  return lane_top (self, lane_height (self), lane_index (loop)) + (nested ? ROW1_OFFSET : ROW0_OFFSET);
}

/* ---- colours -------------------------------------------------------------- */

/* Mid-tone colours that read on light and dark backgrounds alike; red is
 * for errors and guard events, amber for dispatches over the frame budget. */
static const GdkRGBA error_rgba = { 0.88f, 0.11f, 0.14f, 1.0f };
static const GdkRGBA slow_rgba = { 0.93f, 0.72f, 0.0f, 1.0f };

/* One colour per span category the engine records. */
static const struct
{
  const char *category;
  GdkRGBA     color;
} category_colors[] = {
  { "bridge", { 0.21f, 0.52f, 0.89f, 1.0f } },  /* blue: mailbox dispatches */
  { "stream", { 0.18f, 0.76f, 0.49f, 1.0f } },  /* green: HTTP and parsing */
  { "worker", { 0.57f, 0.25f, 0.67f, 1.0f } },  /* purple: worker start and stop */
  { "guard",  { 0.88f, 0.11f, 0.14f, 1.0f } },  /* red, as the guard marks */
  { "stress", { 0.90f, 0.57f, 0.17f, 1.0f } },  /* orange: a stress test run */
};

/* Any other category (an imported trace's): one of these, by its name. */
static const GdkRGBA other_colors[] = {
  { 0.15f, 0.64f, 0.67f, 1.0f },  /* teal */
  { 0.80f, 0.42f, 0.62f, 1.0f },  /* pink */
  { 0.60f, 0.52f, 0.30f, 1.0f },  /* brown */
};

static const GdkRGBA *
category_color (const char *category)
{
  if (category == NULL)
    return &other_colors[G_N_ELEMENTS (other_colors) - 1];

  for (guint i = 0; i < G_N_ELEMENTS (category_colors); i++)
    if (strcmp (category, category_colors[i].category) == 0)
      return &category_colors[i].color;

  return &other_colors[g_str_hash (category) % G_N_ELEMENTS (other_colors)];
}

/* ---- records -------------------------------------------------------------- */

static gboolean
is_lag_counter (const LsRecord *record)
{
  return record->kind == LS_RECORD_COUNTER && record->name != NULL
         && strstr (record->name, " lag") != NULL;
}

static gint64
record_time (const LsRecord *record)
{
  return record->end_us != 0 ? record->end_us : record->start_us;
}

static void clear_record (gpointer data);

static void
ls_timeline_view_trim (LsTimelineView *self)
{
  guint len = self->records->len;
  gint64 cutoff;
  guint k = 0;

  if (len == 0)
    return;

  /* Over the cap: samples go first (a stress run's round trips must not
   * push the history off the view), the oldest half of them at a time. */
  if (len > MAX_RECORDS + 4096)
    {
      guint excess = len - MAX_RECORDS + MAX_RECORDS / 8;
      guint kept = 0;

      for (guint i = 0; i < len; i++)
        {
          LsRecord *r = &g_array_index (self->records, LsRecord, i);

          if (excess > 0 && r->sample)
            {
              ls_record_clear (r);
              excess--;
              continue;
            }
          if (kept != i)
            g_array_index (self->records, LsRecord, kept) = *r;
          kept++;
        }
      /* The moved-from tail holds copies: drop them without clearing. */
      g_array_set_clear_func (self->records, NULL);
      g_array_set_size (self->records, kept);
      g_array_set_clear_func (self->records, clear_record);
      len = kept;
      self->generation++;
    }

  cutoff = record_time (&g_array_index (self->records, LsRecord, len - 1)) - KEEP_US;
  while (k < len
         && (len - k > MAX_RECORDS
             || record_time (&g_array_index (self->records, LsRecord, k)) < cutoff))
    k++;

  /* Removing from the front moves the rest: do it in chunks, not per frame. */
  if (k > 0 && (k >= 4096 || k * 4 >= len || len > MAX_RECORDS + 4096))
    {
      g_array_remove_range (self->records, 0, k);
      self->generation++;
    }
}

/* Which streams have a lane: the newest ones with work in view, or
 * only the one the view follows. */
static void
ls_timeline_view_update_stream_lanes (LsTimelineView *self)
{
  guint32 lanes[MAX_STREAM_LANES];
  guint n = 0;

  for (guint k = 0; k < self->n_known_streams; k++)
    if (self->stream_filter == 0 || self->known_streams[k] == self->stream_filter)
      lanes[n++] = self->known_streams[k];
  if (n == self->n_stream_lanes && memcmp (lanes, self->stream_lanes, n * sizeof lanes[0]) == 0)
    return;
  memcpy (self->stream_lanes, lanes, n * sizeof lanes[0]);
  if (n != self->n_stream_lanes)
    {
      self->n_stream_lanes = n;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* @id among the known streams, ascending; the oldest goes when full. */
static void
ls_timeline_view_know_stream (LsTimelineView *self,
                              guint32         id)
{
  guint k = 0;

  while (k < self->n_known_streams && self->known_streams[k] < id)
    k++;
  if (k < self->n_known_streams && self->known_streams[k] == id)
    return;
  if (self->n_known_streams == MAX_STREAM_LANES)
    {
      if (k == 0)
        return;   /* older than all of them */
      memmove (&self->known_streams[0], &self->known_streams[1], (k - 1) * sizeof id);
      self->known_streams[k - 1] = id;
      return;
    }
  memmove (&self->known_streams[k + 1], &self->known_streams[k], (self->n_known_streams - k) * sizeof id);
  self->known_streams[k] = id;
  self->n_known_streams++;
}

static void
ls_timeline_view_know_streams (LsTimelineView *self,
                               const LsRecord *records,
                               guint           n)
{
  for (guint i = 0; i < n; i++)
    if (records[i].stream_id != 0 && records[i].kind == LS_RECORD_SPAN)
      ls_timeline_view_know_stream (self, records[i].stream_id);
}

void
_ls_timeline_view_refresh (LsTimelineView *self)
{
  g_autoptr(GArray) fresh = NULL;
  guint64 lost = 0;
  guint64 generation = self->generation;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  if (self->recorder == NULL)
    return;

  /* Records the ring dropped before a frame came (a busy UI) are skipped:
   * the window's counter shows them. */
  fresh = ls_recorder_snapshot_since (self->recorder, self->next_seq, &lost);
  self->next_seq += lost + fresh->len;
  /* The lane is the thread the work ran on, where that thread is known;
   * and which loop each thread runs, for the crossings' posting ends. */
  for (guint i = 0; i < fresh->len; i++)
    {
      LsRecord *r = &g_array_index (fresh, LsRecord, i);

      for (int loop = 0; loop < LS_LOOP_OTHER; loop++)
        if (self->loop_threads[loop] != 0 && r->thread_id == self->loop_threads[loop])
          r->loop = (LsLoopId) loop;
      if (r->kind == LS_RECORD_SPAN && r->thread_id != self->last_tid)
        {
          self->last_tid = r->thread_id;
          g_hash_table_insert (self->tid_loops, GINT_TO_POINTER (r->thread_id), GINT_TO_POINTER (r->loop + 1));
        }
    }
  /* The copies move over, details and all. */
  g_array_append_vals (self->records, fresh->data, fresh->len);
  g_array_set_clear_func (fresh, NULL);

  ls_timeline_view_trim (self);
  /* The streams with work in view: from the new records, or all of them
   * again when old ones went. */
  if (generation != self->generation)
    {
      self->n_known_streams = 0;
      ls_timeline_view_know_streams (self, (const LsRecord *) (gpointer) self->records->data, self->records->len);
    }
  else
    ls_timeline_view_know_streams (self, (const LsRecord *) (gpointer) fresh->data, fresh->len);
  ls_timeline_view_update_stream_lanes (self);
  if (fresh->len > 0 || generation != self->generation)
    {
      /* The lanes' names travel with the records (a trace file has its
       * own): those of the few streams that may have a lane, not every
       * name under the lock the recorder's writers take. */
      g_hash_table_remove_all (self->stream_names);
      for (guint k = 0; k < self->n_known_streams; k++)
        {
          char *name = ls_recorder_dup_stream_name (self->recorder, self->known_streams[k]);

          if (name != NULL)
            g_hash_table_insert (self->stream_names, GUINT_TO_POINTER (self->known_streams[k]), name);
        }
      g_signal_emit (self, signals[RECORDS_CHANGED], 0);
    }
  /* The selected span trimmed away: nothing is selected any more. */
  if (self->selected_seq != G_MAXUINT64 && ls_timeline_view_get_selected (self) == NULL)
    {
      self->selected_seq = G_MAXUINT64;
      self->selected_task = 0;
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
}

guint
_ls_timeline_view_get_n_records (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0);

  return self->records->len;
}

/* First index whose time may be inside [t, ...): records are in seq
 * order, which is end-time order per thread and nearly so across threads,
 * so a binary search with a little slack skips everything older. */
static guint
first_index_after (LsTimelineView *self,
                   gint64          t)
{
  guint lo = 0;
  guint hi = self->records->len;

  t -= G_USEC_PER_SEC;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (record_time (&g_array_index (self->records, LsRecord, mid)) < t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* ---- drawing -------------------------------------------------------------- */

/* A span's name inside its bar, drawn once every bar is. */
typedef struct
{
  PangoLayout *layout;   /* borrowed from name_layouts */
  double       x0;
  double       x1;
  double       y;
  double       height;
} SpanLabel;

/* The name's layout, made on first use and kept: drawing a frame
 * allocates nothing per bar. Names are interned, so the pointer is the key. */
static PangoLayout *
name_layout (LsTimelineView *self,
             const char     *name)
{
  PangoLayout *layout;
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  /* Another font, scale or direction: made again. */
  if (serial != self->layouts_serial)
    {
      g_hash_table_remove_all (self->name_layouts);
      self->layouts_serial = serial;
    }
  layout = g_hash_table_lookup (self->name_layouts, name);
  if (layout == NULL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), name);
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.75));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
      g_hash_table_insert (self->name_layouts, (gpointer) name, layout);
    }

  return layout;
}

/* @last: the row's previous name's box [x0, x1]; a name over it is left
 * out (overlapping bars on one row: the first drawn keeps its name). */
static void
queue_label (LsTimelineView *self,
             const LsRecord *r,
             double          x0,
             double          x1,
             double          right,
             double          y,
             double          height,
             double          last[2])
{
  SpanLabel label;

  if (r->name == NULL
      || !ls_span_label_box (x0, x1, LABEL_WIDTH, right, &label.x0, &label.x1)
      || (label.x0 < last[1] && label.x1 > last[0]))
    return;
  last[0] = label.x0;
  last[1] = label.x1;
  label.layout = name_layout (self, r->name);
  label.y = y;
  label.height = height;
  g_array_append_val (self->labels, label);
}

static void
draw_labels (LsTimelineView *self,
             GtkSnapshot    *snapshot)
{
  /* Dark on the mid-tone bars, in either theme. */
  static const GdkRGBA ink = { 0.08f, 0.08f, 0.08f, 0.9f };

  for (guint i = 0; i < self->labels->len; i++)
    {
      const SpanLabel *label = &g_array_index (self->labels, SpanLabel, i);
      int h = 0;

      pango_layout_get_pixel_size (label->layout, NULL, &h);
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (label->x0, label->y,
                                                             label->x1 - label->x0, label->height));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) label->x0,
                                                              (float) (label->y + (label->height - h) / 2)));
      gtk_snapshot_append_layout (snapshot, label->layout, &ink);
      gtk_snapshot_restore (snapshot);
      gtk_snapshot_pop (snapshot);
    }
  g_array_set_size (self->labels, 0);
}

/* One span's outline, over everything in its row: @width 2 for the
 * selected span, thinner for the rest of its task. */
static void
draw_outline (LsTimelineView *self,
              GtkSnapshot    *snapshot,
              const GdkRGBA  *fg,
              const LsRecord *r,
              float           width)
{
  GdkRGBA colors[4];
  float widths[4] = { width, width, width, width };
  double x0, x1, y, h;

  x0 = _ls_timeline_view_time_to_x (self, r->start_us);
  x1 = MAX (_ls_timeline_view_time_to_x (self, r->end_us), x0 + 1.0);
  /* Off screen, or reaching far past it: only what the plot shows. */
  if (x1 < LABEL_WIDTH || x0 > gtk_widget_get_width (GTK_WIDGET (self)))
    return;
  x0 = MAX (x0, LABEL_WIDTH - 4);
  x1 = MIN (x1, gtk_widget_get_width (GTK_WIDGET (self)) + 4);
  y = lane_top (self, lane_height (self), record_lane (self, r)) + (r->parent_id != 0 ? ROW1_OFFSET : ROW0_OFFSET);
  h = r->parent_id != 0 ? ROW1_HEIGHT : ROW0_HEIGHT;
  for (int i = 0; i < 4; i++)
    colors[i] = *fg;
  gtk_snapshot_append_border (snapshot,
                              &GSK_ROUNDED_RECT_INIT ((float) (x0 - width), (float) (y - width),
                                                      (float) (x1 - x0 + 2 * width), (float) (h + 2 * width)),
                              widths, colors);
}

/* The selected span outlined; the other spans of its task (the task list
 * selects a task), or its children when the task has no span yet,
 * outlined thinner. */
static void
draw_selection (LsTimelineView *self,
                GtkSnapshot    *snapshot,
                const GdkRGBA  *fg)
{
  const LsRecord *sel = ls_timeline_view_get_selected (self);
  gboolean by_parent;

  if (sel == NULL)
    return;
  by_parent = self->selected_task != 0 && sel->id != self->selected_task;
  if (self->selected_task != 0)
    for (guint i = first_index_after (self, self->start_us); i < self->records->len; i++)
      {
        const LsRecord *r = &g_array_index (self->records, LsRecord, i);

        if (record_time (r) > self->end_us + G_USEC_PER_SEC)
          break;
        if (r != sel && r->kind == LS_RECORD_SPAN
            && (by_parent ? r->parent_id : r->id) == self->selected_task)
          draw_outline (self, snapshot, fg, r, 1);
      }
  draw_outline (self, snapshot, fg, sel, 2);
}

typedef struct
{
  gboolean       active;
  double         x0;
  double         x1;
  const GdkRGBA *color;
} PendingBar;

static void
flush_bar (GtkSnapshot *snapshot,
           PendingBar  *bar,
           double       y,
           double       height,
           guint       *n_drawn)
{
  if (!bar->active)
    return;

  gtk_snapshot_append_color (snapshot, bar->color,
                             &GRAPHENE_RECT_INIT (bar->x0, y, MAX (1.0, bar->x1 - bar->x0), height));
  bar->active = FALSE;
  (*n_drawn)++;
}

/* A bar narrower than a pixel joins the pending one when they touch; a
 * wider one is drawn at once. */
static void
add_bar (GtkSnapshot   *snapshot,
         PendingBar    *bar,
         double         x0,
         double         x1,
         const GdkRGBA *color,
         double         y,
         double         height,
         guint         *n_drawn)
{
  if (x1 - x0 < 1.0)
    {
      if (bar->active && x0 <= bar->x1 + 1.0)
        {
          bar->x1 = MAX (bar->x1, x1);
          return;
        }
      flush_bar (snapshot, bar, y, height, n_drawn);
      bar->active = TRUE;
      bar->x0 = x0;
      bar->x1 = MAX (x1, x0 + 1.0);
      bar->color = color;
      return;
    }

  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x0, y, x1 - x0, height));
  (*n_drawn)++;
}

static void
draw_text (LsTimelineView *self,
           GtkSnapshot    *snapshot,
           const char     *text,
           double          x,
           double          y,
           const GdkRGBA  *color,
           gboolean        small)
{
  ls_snapshot_text (GTK_WIDGET (self), snapshot, text, x, y, FALSE, FALSE, small ? 0.83 : 1.0, color);
}

static gint64
nice_step (gint64 raw)
{
  gint64 magnitude = 1;

  while (magnitude * 10 <= raw)
    magnitude *= 10;
  if (raw <= magnitude)
    return magnitude;
  if (raw <= 2 * magnitude)
    return 2 * magnitude;
  if (raw <= 5 * magnitude)
    return 5 * magnitude;
  return 10 * magnitude;
}

/* A record's monotonic time as wall-clock time, through the recorder's
 * origin (the same mapping the events' store makes). */
static gint64
axis_real_time (LsTimelineView *self,
                gint64          t)
{
  return self->origin_real_us + (t - self->origin_us);
}

static void
draw_axis (LsTimelineView *self,
           GtkSnapshot    *snapshot,
           const GdkRGBA  *fg,
           double          width,
           double          height)
{
  GdkRGBA grid = *fg;
  GdkRGBA text = *fg;
  gint64 span = MAX (1, self->end_us - self->start_us);
  /* Room for "14:03:07.250"; more for "14:03:07.250125". */
  gint64 step = nice_step ((gint64) (span * 110.0 / plot_width (self)));
  gint64 t;

  if (step < 1000)
    step = nice_step ((gint64) (span * 140.0 / plot_width (self)));

  grid.alpha = 0.10f;
  text.alpha = 0.65f;

  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (0, AXIS_HEIGHT - 1, width, 1));

  /* Ticks at multiples of the step from the axis origin. */
  t = self->start_us - self->origin_us;
  t = (t >= 0 ? (t + step - 1) / step : t / step) * step + self->origin_us;
  for (; t <= self->end_us; t += step)
    {
      double x = _ls_timeline_view_time_to_x (self, t);
      char label[32];

      /* The time of day, as the events table shows it. */
      ls_format_clock (label, sizeof label, axis_real_time (self, t),
                       step >= G_USEC_PER_SEC ? 0
                       : step >= G_USEC_PER_SEC / 10 ? 1
                       : step >= 1000 ? 3 : 6);

      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (x, AXIS_HEIGHT - 6, 1, height - AXIS_HEIGHT + 6));
      draw_text (self, snapshot, label, x + 3, 6, &text, TRUE);
    }
}

static void
draw_lane_frame (LsTimelineView *self,
                 GtkSnapshot    *snapshot,
                 int             lane,
                 const GdkRGBA  *fg,
                 double          width)
{
  static const char *names[N_LANES] = { N_("UI loop"), N_("Worker loop"), N_("Other threads") };
  double loop_h = lane_height (self);
  double y = lane_top (self, loop_h, lane);
  double extent = lane_extent (loop_h, lane);
  GdkRGBA band = *fg;
  GdkRGBA line = *fg;
  GdkRGBA dim = *fg;

  band.alpha = lane % 2 == 0 ? 0.035f : 0.0f;
  line.alpha = 0.10f;
  dim.alpha = 0.55f;

  if (band.alpha > 0)
    gtk_snapshot_append_color (snapshot, &band, &GRAPHENE_RECT_INIT (0, y, width, extent));
  gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (0, y + extent - 1, width, 1));
  gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (LABEL_WIDTH - 1, y, 1, extent));

  if (lane < N_LANES)
    {
      draw_text (self, snapshot, _(names[lane]), 12, y + ROW0_OFFSET, fg, FALSE);
      /* A short lane (streams' lanes below) has room for the graph's
       * scale only, not its name as well. */
      if (loop_h >= MIN_LANE_HEIGHT + 12)
        draw_text (self, snapshot, _("lag"), 12, y + GRAPH_OFFSET + 4, &dim, TRUE);
    }
  else
    {
      g_autofree char *name = _ls_timeline_view_dup_stream_lane_name (self, self->stream_lanes[lane - N_LANES]);

      draw_text (self, snapshot, name, 12, y + ROW0_OFFSET, fg, FALSE);
      draw_text (self, snapshot, _("on the worker"), 12, y + ROW1_OFFSET, &dim, TRUE);
    }
}

/* Lag samples come every probe interval (100 ms): each is held until the
 * next one, as a step area, bucketed per pixel column (the worst sample
 * of a column wins), so the cost is bounded by the width. */
static void
draw_lag_graphs (LsTimelineView *self,
                 GtkSnapshot    *snapshot,
                 guint           first,
                 const GdkRGBA  *fg,
                 gint64          max_lag[N_LANES])
{
  guint n_cols = (guint) ceil (plot_width (self)) + 1;
  g_autofree gint64 *buckets = g_new (gint64, (gsize) n_cols * N_LANES);
  double gh = graph_height (self);
  GdkRGBA area = *fg;
  GdkRGBA line = *fg;

  area.alpha = 0.22f;
  line.alpha = 0.6f;

  for (gsize k = 0; k < (gsize) n_cols * N_LANES; k++)
    buckets[k] = -1;

  for (guint i = first; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      gint64 t = record_time (r);
      int lane;
      double x;
      guint col;

      if (!is_lag_counter (r) || t < self->start_us || t > self->end_us)
        continue;

      lane = lane_index (r->loop);
      x = _ls_timeline_view_time_to_x (self, t) - LABEL_WIDTH;
      col = (guint) CLAMP (x, 0, n_cols - 1);
      buckets[lane * n_cols + col] = MAX (buckets[lane * n_cols + col], MAX (r->value, 0));
      max_lag[lane] = MAX (max_lag[lane], r->value);
    }

  for (int lane = 0; lane < N_LANES; lane++)
    {
      double base = lane_top (self, lane_height (self), lane) + GRAPH_OFFSET + gh;
      /* At least 1 ms full scale, so a quiet loop's noise stays flat. */
      gint64 scale = MAX (max_lag[lane], 1000);
      gint64 cur = -1;
      guint run_start = 0;

      for (guint col = 0; col <= n_cols; col++)
        {
          gint64 v = col < n_cols ? buckets[lane * n_cols + col] : -2;

          if (v == -1 || (v == cur && col < n_cols))
            continue;
          if (cur >= 0)
            {
              double h = MAX (1.0, gh * (double) cur / (double) scale);
              double w = (double) (MIN (col, n_cols - 1) - run_start) + 1.0;

              gtk_snapshot_append_color (snapshot, &area,
                                         &GRAPHENE_RECT_INIT (LABEL_WIDTH + run_start, base - h, w, h));
              gtk_snapshot_append_color (snapshot, &line,
                                         &GRAPHENE_RECT_INIT (LABEL_WIDTH + run_start, base - h, w, 1));
            }
          cur = v;
          run_start = col;
        }
    }
}

static void
draw_lag_labels (LsTimelineView *self,
                 GtkSnapshot    *snapshot,
                 const GdkRGBA  *fg,
                 const gint64    max_lag[N_LANES])
{
  GdkRGBA dim = *fg;

  dim.alpha = 0.55f;

  for (int lane = 0; lane < N_LANES; lane++)
    {
      double base = lane_top (self, lane_height (self), lane) + GRAPH_OFFSET + graph_height (self);
      g_autofree char *label = NULL;
      char a[32];

      if (max_lag[lane] <= 0)
        continue;

      /* Translators: the lag graph's full scale, e.g. "max 1.20 ms" */
      label = g_strdup_printf (_("max %s"), ls_format_duration (a, sizeof a, max_lag[lane]));
      draw_text (self, snapshot, label, 12, base - 16, &dim, TRUE);
    }
}

/* The loop a thread runs (learnt from its spans), or "other". */
static LsLoopId
thread_loop (LsTimelineView *self,
             gint            tid)
{
  gpointer loop = g_hash_table_lookup (self->tid_loops, GINT_TO_POINTER (tid));

  return loop != NULL ? (LsLoopId) (GPOINTER_TO_INT (loop) - 1) : LS_LOOP_OTHER;
}

/* A line from (x0, y0) to (x1, y1) with a head at (x1, y1), as rotated
 * rectangles (GTK 4.8 has no paths). */
static void
draw_arrow_shape (GtkSnapshot   *snapshot,
                  const GdkRGBA *color,
                  double         x0,
                  double         y0,
                  double         x1,
                  double         y1,
                  double         width)
{
  double length = hypot (x1 - x0, y1 - y0);
  float angle = (float) (atan2 (y1 - y0, x1 - x0) * 180.0 / G_PI);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x0, (float) y0));
  gtk_snapshot_rotate (snapshot, angle);
  gtk_snapshot_append_color (snapshot, color,
                             &GRAPHENE_RECT_INIT (0, (float) (-width / 2), (float) length, (float) width));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) length, 0));
  gtk_snapshot_rotate (snapshot, 155);
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (0, (float) (-width / 2), 7, (float) width));
  gtk_snapshot_rotate (snapshot, 50);
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (0, (float) (-width / 2), 7, (float) width));
  gtk_snapshot_restore (snapshot);
}

static void
draw_arrow (LsTimelineView *self,
            GtkSnapshot    *snapshot,
            const LsArrow  *arrow,
            const GdkRGBA  *fg,
            double          last_label_end[N_LANES * N_LANES])
{
  double top_from = lane_top (self, lane_height (self), arrow->from) + ROW0_OFFSET;
  double top_to = lane_top (self, lane_height (self), arrow->to) + ROW0_OFFSET;
  /* From the post's row to the edge of the dispatch's bar that faces it. */
  double y0 = top_from + ROW0_HEIGHT / 2;
  double y1 = arrow->to > arrow->from ? top_to : top_to + ROW0_HEIGHT;
  guint pair = (guint) (arrow->from * N_LANES + arrow->to);
  GdkRGBA color = *fg;
  char label[64];

  color.alpha = arrow->count > 1 ? 0.75f : 0.55f;
  draw_arrow_shape (snapshot, &color, arrow->x_post, y0, arrow->x_dispatch, y1,
                    arrow->count > 1 ? ARROW_WIDTH * 2 : ARROW_WIDTH);
  self->last_n_arrows++;
  self->last_n_crossings += arrow->count;

  if (ls_arrow_label_fits (arrow, last_label_end[pair]))
    {
      g_autoptr(PangoLayout) layout = NULL;
      double x = ls_arrow_label_x (arrow);
      int w = 0;

      ls_arrow_label (arrow, label, sizeof label);
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), label);
      pango_layout_get_pixel_size (layout, &w, NULL);
      color.alpha = 0.8f;
      draw_text (self, snapshot, label, x, (y0 + y1) / 2 - 8, &color, TRUE);
      last_label_end[pair] = x + w;
    }
}

/* Each visible crossing between two lanes as an arrow, dense ones merged:
 * the arrows drawn are bounded by the width, whatever the crossings. */
static void
draw_crossings (LsTimelineView *self,
                GtkSnapshot    *snapshot,
                guint           first,
                const GdkRGBA  *fg)
{
  double last_label_end[N_LANES * N_LANES];
  LsArrowLayout layout;
  LsArrow arrow;

  for (guint i = 0; i < G_N_ELEMENTS (last_label_end); i++)
    last_label_end[i] = -G_MAXDOUBLE;
  self->last_n_arrows = self->last_n_crossings = 0;
  ls_arrow_layout_init (&layout, ARROW_GAP_PX);

  for (guint i = first; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      LsCrossingPoint point;

      if (r->kind != LS_RECORD_SPAN || r->queued_tid == 0 || r->queued_us == 0 || r->queued_us > r->start_us
          || r->start_us < self->start_us || r->queued_us > self->end_us)
        continue;
      point = (LsCrossingPoint) {
        .x_post = _ls_timeline_view_time_to_x (self, r->queued_us),
        .x_dispatch = _ls_timeline_view_time_to_x (self, r->start_us),
        .from = lane_index (thread_loop (self, r->queued_tid)),
        .to = lane_index (r->loop),
        .wait_us = r->start_us - r->queued_us,
      };
      if (ls_arrow_layout_add (&layout, &point, &arrow))
        draw_arrow (self, snapshot, &arrow, fg, last_label_end);
    }
  while (ls_arrow_layout_flush (&layout, &arrow))
    draw_arrow (self, snapshot, &arrow, fg, last_label_end);
}

/* An event's path (ls_timeline_view_show_event_path()): its spans framed,
 * the frame that showed it a line across the UI lane. */
static void
draw_event_path (LsTimelineView *self,
                 GtkSnapshot    *snapshot)
{
  static const GdkRGBA mark = { 0.90f, 0.38f, 0.0f, 1.0f };
  const GdkRGBA colors[4] = { mark, mark, mark, mark };
  const float widths[4] = { 2, 2, 2, 2 };

  if (self->path_ids[0] == 0)
    return;

  for (guint i = 0; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      gint64 begin;
      double x0, x1, y, h;

      if (r->kind != LS_RECORD_SPAN || r->id == 0
          || (r->id != self->path_ids[0] && r->id != self->path_ids[1] && r->id != self->path_ids[2]))
        continue;
      begin = r->queued_us != 0 && r->queued_us < r->start_us ? r->queued_us : r->start_us;
      /* Within the plot, as the bars are. */
      x0 = MAX (_ls_timeline_view_time_to_x (self, begin), LABEL_WIDTH - 2);
      x1 = MAX (_ls_timeline_view_time_to_x (self, r->end_us), x0 + 2);
      if (_ls_timeline_view_time_to_x (self, r->end_us) < LABEL_WIDTH - 2)
        continue;
      y = lane_top (self, lane_height (self), record_lane (self, r))
          + (r->parent_id != 0 ? ROW1_OFFSET : ROW0_OFFSET);
      h = r->parent_id != 0 ? ROW1_HEIGHT : ROW0_HEIGHT;
      gtk_snapshot_append_border (snapshot,
                                  &GSK_ROUNDED_RECT_INIT (x0 - 3, y - 3, x1 - x0 + 6, h + 6),
                                  widths, colors);
    }
  if (self->path_shown_us != 0)
    {
      double x = _ls_timeline_view_time_to_x (self, self->path_shown_us);

      gtk_snapshot_append_color (snapshot, &mark,
                                 &GRAPHENE_RECT_INIT (x - 1, lane_top (self, lane_height (self), lane_index (LS_LOOP_UI)),
                                                      2, lane_height (self)));
    }
}

static void
ls_timeline_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  PendingBar bars[N_LANE_SLOTS][2] = { { { 0, }, }, };
  PendingBar waits[N_LANE_SLOTS][2] = { { { 0, }, }, };
  double last_guard_x[N_LANE_SLOTS];
  double label_box[N_LANE_SLOTS][2][2] = { { { 0, }, }, };
  gint64 max_lag[N_LANES] = { 0, };
  GdkRGBA fg;
  GdkRGBA cancelled;
  guint n_drawn = 0;
  guint first;
  const char *last_category = NULL;
  const GdkRGBA *last_color = category_color (NULL);
  double lane_h, scale, label_right;

  if (width <= LABEL_WIDTH || height <= AXIS_HEIGHT)
    return;

  ls_widget_get_fg_color (widget, &fg);
  cancelled = fg;
  cancelled.alpha = 0.35f;

  for (int lane = 0; lane < n_lanes (self); lane++)
    {
      draw_lane_frame (self, snapshot, lane, &fg, width);
      last_guard_x[lane] = -10;
    }
  draw_axis (self, snapshot, &fg, width, height);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (LABEL_WIDTH, 0, width - LABEL_WIDTH, height));

  first = first_index_after (self, self->start_us);
  draw_lag_graphs (self, snapshot, first, &fg, max_lag);

  /* Per frame, not per record: what a widget getter costs (a type check)
   * is most of the time spent on 100,000 spans otherwise. */
  lane_h = lane_height (self);
  scale = plot_width (self) / (double) MAX (1, self->end_us - self->start_us);
  label_right = width - RIGHT_MARGIN;
  for (guint i = first; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      int lane;
      double lane_y;

      if (record_hidden (self, r))
        continue;
      lane = record_lane (self, r);
      lane_y = lane_top (self, lane_h, lane);

      if (r->kind == LS_RECORD_SPAN)
        {
          gint64 begin = r->queued_us != 0 && r->queued_us < r->start_us ? r->queued_us : r->start_us;
          gboolean nested = r->parent_id != 0;
          double y = lane_y + (nested ? ROW1_OFFSET : ROW0_OFFSET);
          double h = nested ? ROW1_HEIGHT : ROW0_HEIGHT;
          const GdkRGBA *color;
          double x0, x1;

          if (r->end_us < self->start_us || begin > self->end_us)
            continue;

          color = r->outcome == LS_OUTCOME_ERROR ? &error_rgba
                  : r->outcome == LS_OUTCOME_SLOW ? &slow_rgba
                  : r->outcome == LS_OUTCOME_CANCELLED ? &cancelled
                  : r->category == last_category ? last_color
                  : (last_color = category_color (last_category = r->category));

          if (begin < r->start_us)
            {
              double w0 = LABEL_WIDTH + (double) (begin - self->start_us) * scale;
              double w1 = LABEL_WIDTH + (double) (r->start_us - self->start_us) * scale;

              /* Only a wait wide enough to see gets its own lead-in. */
              if (w1 - w0 >= 1.0)
                {
                  GdkRGBA light = *color;

                  light.alpha = 0.3f;
                  flush_bar (snapshot, &waits[lane][nested], y, h, &n_drawn);
                  gtk_snapshot_append_color (snapshot, &light,
                                             &GRAPHENE_RECT_INIT (w0, y + h * 0.25, w1 - w0, h * 0.5));
                  n_drawn++;
                }
            }

          x0 = LABEL_WIDTH + (double) (r->start_us - self->start_us) * scale;
          x1 = LABEL_WIDTH + (double) (r->end_us - self->start_us) * scale;
          add_bar (snapshot, &bars[lane][nested], MAX (x0, LABEL_WIDTH - 2), MIN (x1, width + 2),
                   color, y, h, &n_drawn);
          queue_label (self, r, x0, x1, label_right, y, h, label_box[lane][nested]);
        }
      else if (r->kind == LS_RECORD_GUARD)
        {
          double x;

          if (r->start_us < self->start_us || r->start_us > self->end_us)
            continue;
          x = LABEL_WIDTH + (double) (r->start_us - self->start_us) * scale;
          if (x - last_guard_x[lane] < 2.0)
            continue;
          last_guard_x[lane] = x;
          gtk_snapshot_append_color (snapshot, &error_rgba,
                                     &GRAPHENE_RECT_INIT (x - 1, lane_y + 4, 2, lane_extent (lane_h, lane) - 8));
          gtk_snapshot_append_color (snapshot, &error_rgba,
                                     &GRAPHENE_RECT_INIT (x - 4, lane_y + 4, 8, 6));
          n_drawn++;
        }
    }

  for (int lane = 0; lane < n_lanes (self); lane++)
    for (int row = 0; row < 2; row++)
      {
        double y = lane_top (self, lane_h, lane) + (row ? ROW1_OFFSET : ROW0_OFFSET);
        double h = row ? ROW1_HEIGHT : ROW0_HEIGHT;

        flush_bar (snapshot, &bars[lane][row], y, h, &n_drawn);
        flush_bar (snapshot, &waits[lane][row], y, h, &n_drawn);
      }

  draw_labels (self, snapshot);
  draw_selection (self, snapshot, &fg);
  draw_crossings (self, snapshot, first, &fg);

  gtk_snapshot_pop (snapshot);

  draw_lag_labels (self, snapshot, &fg, max_lag);
  draw_event_path (self, snapshot);

  self->last_n_drawn = n_drawn;
}

static void
ls_timeline_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) LABEL_WIDTH + 200;
      *natural = (int) LABEL_WIDTH + 800;
    }
  else
    {
      LsTimelineView *self = LS_TIMELINE_VIEW (widget);

      *minimum = *natural = (int) (AXIS_HEIGHT + N_LANES * MIN_LANE_HEIGHT
                                   + self->n_stream_lanes * STREAM_LANE_HEIGHT);
    }
}

/* ---- picking and tooltips ------------------------------------------------- */

static gint64
span_begin (const LsRecord *r)
{
  return r->queued_us != 0 && r->queued_us < r->start_us ? r->queued_us : r->start_us;
}

const LsRecord *
_ls_timeline_view_pick (LsTimelineView *self,
                        double          x,
                        double          y)
{
  int lane = -1;
  double lane_y = 0;
  double loop_h;
  gboolean nested;

  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);

  loop_h = lane_height (self);
  for (int k = 0; k < n_lanes (self); k++)
    if (y >= lane_top (self, loop_h, k) && y < lane_top (self, loop_h, k) + lane_extent (loop_h, k))
      {
        lane = k;
        lane_y = lane_top (self, loop_h, k);
      }
  if (x < LABEL_WIDTH || lane < 0)
    return NULL;

  /* Guards first: they are drawn on top and span the whole lane. */
  for (guint i = self->records->len; i > 0; i--)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i - 1);

      if (r->kind == LS_RECORD_GUARD && record_lane (self, r) == lane
          && fabs (_ls_timeline_view_time_to_x (self, r->start_us) - x) <= PICK_SLOP_PX)
        return r;
    }

  if (y >= lane_y + ROW0_OFFSET && y < lane_y + ROW0_OFFSET + ROW0_HEIGHT)
    nested = FALSE;
  else if (y >= lane_y + ROW1_OFFSET && y < lane_y + ROW1_OFFSET + ROW1_HEIGHT)
    nested = TRUE;
  else
    return NULL;

  /* Newest first, as drawn last (on top); an exact hit beats a near one. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = self->records->len; i > 0; i--)
      {
        const LsRecord *r = &g_array_index (self->records, LsRecord, i - 1);
        gint64 begin;
        double x0, x1, slop;

        if (r->kind != LS_RECORD_SPAN || record_lane (self, r) != lane
            || (r->parent_id != 0) != nested || record_hidden (self, r))
          continue;

        begin = r->queued_us != 0 && r->queued_us < r->start_us ? r->queued_us : r->start_us;
        x0 = _ls_timeline_view_time_to_x (self, begin);
        x1 = _ls_timeline_view_time_to_x (self, r->end_us);
        slop = pass == 0 ? 0.0 : PICK_SLOP_PX;
        if (ls_span_hit_distance (x, x0, x1) <= slop)
          return r;
      }

  return NULL;
}

/* The tooltip's words for a record's outcome (the trace keeps the nicks;
 * a loop's are ls_loop_display_name()'s). */
static const char *
outcome_name (LsOutcome outcome)
{
  switch (outcome)
    {
    case LS_OUTCOME_OK:
      return C_("outcome", "ok");
    case LS_OUTCOME_ERROR:
      return C_("outcome", "error");
    case LS_OUTCOME_CANCELLED:
      return C_("outcome", "cancelled");
    case LS_OUTCOME_SLOW:
      /* Translators: a dispatch that took longer than the frame budget (16 ms) */
      return C_("outcome", "slow");
    default:
      return "?";
    }
}

char *
_ls_timeline_view_describe (LsTimelineView *self,
                            const LsRecord *r)
{
  GString *text;
  char a[32];
  char b[32];

  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);
  g_return_val_if_fail (r != NULL, NULL);

  text = g_string_new (NULL);

  if (r->kind == LS_RECORD_GUARD)
    {
      g_string_append_printf (text, "<b>%s</b>\n", _("Guard"));
      /* TRANSLATORS: "GUARD-NAME on the UI loop, thread 1234". */
      g_string_append_printf (text, _("%s on the %s loop, thread %d"),
                              r->name, ls_loop_display_name (r->loop), r->thread_id);
      if (r->detail != NULL)
        {
          g_autofree char *escaped = g_markup_escape_text (r->detail, -1);

          g_string_append_printf (text, "\n%s", escaped);
        }
      return g_string_free (text, FALSE);
    }

  {
    g_autofree char *name = g_markup_escape_text (r->name != NULL ? r->name : "?", -1);

    g_string_append_printf (text, "<b>%s</b>", name);
  }
  if (r->category != NULL)
    g_string_append_printf (text, "  <small>%s</small>", r->category);
  g_string_append_c (text, '\n');
  /* TRANSLATORS: when a span started, as a time of day ("14:03:07.250125"). */
  g_string_append_printf (text, _("Started at %s"),
                          ls_format_clock (a, sizeof a, axis_real_time (self, r->start_us), 6));
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("Loop: %s · thread %d"), ls_loop_display_name (r->loop), r->thread_id);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("Waited %s · ran %s"),
                          ls_format_duration (a, sizeof a,
                                              r->queued_us != 0 && r->queued_us < r->start_us
                                                ? r->start_us - r->queued_us : 0),
                          ls_format_duration (b, sizeof b, r->end_us - r->start_us));
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("Outcome: %s"), outcome_name (r->outcome));
  if (r->value > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, " · %s item", " · %s items",
                                               (gulong) MIN (r->value, G_MAXULONG)),
                            ls_format_count (a, sizeof a, r->value));
  if (r->detail != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (r->detail, -1);

      g_string_append_printf (text, "\n%s", escaped);
    }

  return g_string_free (text, FALSE);
}

static gboolean
on_query_tooltip_cb (GtkWidget  *widget,
                     int         x,
                     int         y,
                     gboolean    keyboard_mode,
                     GtkTooltip *tooltip,
                     gpointer    user_data)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (widget);
  const LsRecord *record;
  g_autofree char *markup = NULL;

  if (keyboard_mode)
    return FALSE;

  record = _ls_timeline_view_pick (self, x, y);
  if (record == NULL)
    return FALSE;

  markup = _ls_timeline_view_describe (self, record);
  gtk_tooltip_set_markup (tooltip, markup);

  return TRUE;
}

/* ---- interaction ---------------------------------------------------------- */

static void
ls_timeline_view_set_range_internal (LsTimelineView *self,
                                     gint64          start_us,
                                     gint64          end_us)
{
  gint64 span = CLAMP (end_us - start_us, LS_TIMELINE_MIN_SPAN_US, LS_TIMELINE_MAX_SPAN_US);

  self->end_us = end_us;
  self->start_us = end_us - span;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ls_timeline_view_zoom (LsTimelineView *self,
                       double          factor,
                       double          x)
{
  gint64 anchor, span, new_span;
  double frac;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (factor > 0);

  span = self->end_us - self->start_us;
  new_span = CLAMP ((gint64) (span * factor), LS_TIMELINE_MIN_SPAN_US, LS_TIMELINE_MAX_SPAN_US);

  if (self->live)
    {
      /* Live: the right edge stays "now". */
      ls_timeline_view_set_range_internal (self, self->end_us - new_span, self->end_us);
      return;
    }

  frac = CLAMP ((x - LABEL_WIDTH) / plot_width (self), 0.0, 1.0);
  anchor = self->start_us + (gint64) (span * frac);
  ls_timeline_view_set_range_internal (self, anchor - (gint64) (new_span * frac),
                                       anchor - (gint64) (new_span * frac) + new_span);
}

static gboolean
on_scroll_cb (GtkEventControllerScroll *controller,
              double                    dx,
              double                    dy,
              LsTimelineView           *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gint64 span = self->end_us - self->start_us;
  gint64 shift;

  if (state & GDK_CONTROL_MASK)
    {
      ls_timeline_view_zoom (self, pow (1.2, dy), self->pointer_x);
      return TRUE;
    }

  if (self->live)
    return FALSE;

  shift = (gint64) ((dx + dy) * SCROLL_STEP_PX * span / plot_width (self));
  ls_timeline_view_set_range_internal (self, self->start_us + shift, self->end_us + shift);

  return TRUE;
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              LsTimelineView           *self)
{
  self->pointer_x = x;
}

static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  LsTimelineView *self)
{
  if (self->live)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_start_us = self->start_us;
  self->drag_end_us = self->end_us;
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          offset_x,
                   double          offset_y,
                   LsTimelineView *self)
{
  gint64 shift = (gint64) (-offset_x * (self->drag_end_us - self->drag_start_us) / plot_width (self));

  if (self->live)
    return;
  ls_timeline_view_set_range_internal (self, self->drag_start_us + shift, self->drag_end_us + shift);
}

/* On release, so that a drag (a pan) selects nothing: it moves the
 * pointer too far for a click. */
static void
on_click_released_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     LsTimelineView  *self)
{
  const LsRecord *r = _ls_timeline_view_pick (self, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  ls_timeline_view_select_seq (self, r != NULL && r->kind == LS_RECORD_SPAN ? r->seq : G_MAXUINT64);
}

/* The span before (@dir < 0) or after the selected one on its lane and
 * row, by start time (then seq), or NULL. */
static const LsRecord *
neighbour_span (LsTimelineView *self,
                const LsRecord *sel,
                int             dir)
{
  const LsRecord *best = NULL;

  for (guint i = 0; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      gboolean after;

      if (r->kind != LS_RECORD_SPAN || r == sel || record_lane (self, r) != record_lane (self, sel)
          || (r->parent_id != 0) != (sel->parent_id != 0) || record_hidden (self, r))
        continue;
      after = r->start_us > sel->start_us || (r->start_us == sel->start_us && r->seq > sel->seq);
      if (dir > 0 ? !after : after)
        continue;
      if (best == NULL
          || (dir > 0 ? (r->start_us < best->start_us || (r->start_us == best->start_us && r->seq < best->seq))
                      : (r->start_us > best->start_us || (r->start_us == best->start_us && r->seq > best->seq))))
        best = r;
    }

  return best;
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   LsTimelineView        *self)
{
  const LsRecord *sel = ls_timeline_view_get_selected (self);
  const LsRecord *next = NULL;

  if (keyval == GDK_KEY_Escape && sel != NULL)
    {
      ls_timeline_view_select_seq (self, G_MAXUINT64);
      return TRUE;
    }
  if (sel == NULL)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      next = neighbour_span (self, sel, -1);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      next = neighbour_span (self, sel, 1);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      next = sel->parent_id != 0 ? ls_timeline_view_find_task (self, sel->parent_id) : NULL;
      /* A parent not recorded yet (it ends after its children): the
       * task, through its children. */
      if (next == NULL && sel->parent_id != 0 && sel->parent_id != self->selected_task)
        ls_timeline_view_select_task (self, sel->parent_id);
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      {
        g_autoptr(GPtrArray) first = g_ptr_array_new ();

        if (ls_timeline_view_get_children (self, sel->id, first, 1) > 0)
          next = g_ptr_array_index (first, 0);
      }
      break;
    default:
      return FALSE;
    }
  if (next != NULL)
    ls_timeline_view_select_seq (self, next->seq);
  return TRUE;
}

/* Pulls new records; TRUE if there were any. */
static gboolean
ls_timeline_view_pull (LsTimelineView *self)
{
  guint64 before = self->next_seq;

  /* Paused, the view keeps what it shows: nothing new comes in, nothing
   * old is trimmed, whatever the ring does meanwhile. Live again, it
   * catches up (what the ring dropped in between is the window's count). */
  if (!self->live)
    return FALSE;

  _ls_timeline_view_refresh (self);
  return self->next_seq != before;
}

static void
ls_timeline_view_follow_now (LsTimelineView *self,
                             gint64          now)
{
  gint64 span = self->end_us - self->start_us;

  self->end_us = now;
  self->start_us = now - span;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean ls_timeline_view_tick_cb (GtkWidget     *widget,
                                          GdkFrameClock *frame_clock,
                                          gpointer       user_data);
static gboolean ls_timeline_view_slow_cb (gpointer       user_data);

/* Frame-paced (@fast) or once a second; nothing while unmapped. */
static void
ls_timeline_view_set_pace (LsTimelineView *self,
                           gboolean        fast)
{
  ls_widget_set_pace (GTK_WIDGET (self), fast, &self->tick_id, ls_timeline_view_tick_cb,
                      &self->slow_id, ls_timeline_view_slow_cb);
  if (fast && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->last_new_us = g_get_monotonic_time ();
}

static gboolean
ls_timeline_view_tick_cb (GtkWidget     *widget,
                          GdkFrameClock *frame_clock,
                          gpointer       user_data)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  if (ls_timeline_view_pull (self))
    self->last_new_us = now;
  if (self->live)
    ls_timeline_view_follow_now (self, now);

  if (now - self->last_new_us >= QUIET_AFTER_US)
    {
      /* Removes this very callback: say so to the frame clock. */
      self->tick_id = 0;
      ls_timeline_view_set_pace (self, FALSE);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
ls_timeline_view_slow_cb (gpointer user_data)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (user_data);
  gboolean fresh = ls_timeline_view_pull (self);

  if (self->live)
    ls_timeline_view_follow_now (self, g_get_monotonic_time ());
  if (!fresh)
    return G_SOURCE_CONTINUE;

  /* Records again: back to every frame. */
  self->slow_id = 0;
  ls_timeline_view_set_pace (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
ls_timeline_view_map (GtkWidget *widget)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (widget);

  GTK_WIDGET_CLASS (ls_timeline_view_parent_class)->map (widget);

  /* Only while visible: a hidden page costs nothing per frame. */
  ls_timeline_view_set_pace (self, TRUE);
}

static void
ls_timeline_view_unmap (GtkWidget *widget)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (widget);

  GTK_WIDGET_CLASS (ls_timeline_view_parent_class)->unmap (widget);

  /* Unmapped: neither pace. */
  ls_timeline_view_set_pace (self, FALSE);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_timeline_view_dispose (GObject *object)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (object);

  g_clear_handle_id (&self->slow_id, g_source_remove);
  g_clear_object (&self->recorder);

  G_OBJECT_CLASS (ls_timeline_view_parent_class)->dispose (object);
}

static void
ls_timeline_view_finalize (GObject *object)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (object);

  g_clear_pointer (&self->records, g_array_unref);
  g_clear_pointer (&self->tid_loops, g_hash_table_unref);
  g_clear_pointer (&self->stream_names, g_hash_table_unref);
  g_clear_pointer (&self->name_layouts, g_hash_table_unref);
  g_clear_pointer (&self->labels, g_array_unref);

  G_OBJECT_CLASS (ls_timeline_view_parent_class)->finalize (object);
}

static void
ls_timeline_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;

    case PROP_RECORDER:
      g_value_set_object (value, self->recorder);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_timeline_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  LsTimelineView *self = LS_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_LIVE:
      ls_timeline_view_set_live (self, g_value_get_boolean (value));
      break;

    case PROP_RECORDER:
      ls_timeline_view_set_recorder (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
clear_record (gpointer data)
{
  ls_record_clear (data);
}

static void
ls_timeline_view_class_init (LsTimelineViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_timeline_view_dispose;
  object_class->finalize = ls_timeline_view_finalize;
  object_class->get_property = ls_timeline_view_get_property;
  object_class->set_property = ls_timeline_view_set_property;

  widget_class->snapshot = ls_timeline_view_snapshot;
  widget_class->measure = ls_timeline_view_measure;
  widget_class->map = ls_timeline_view_map;
  widget_class->unmap = ls_timeline_view_unmap;

  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORDER] =
    g_param_spec_object ("recorder", NULL, NULL, LS_TYPE_RECORDER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LsTimelineView::selection-changed:
   *
   * Another span is selected, or none.
   */
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * LsTimelineView::records-changed:
   *
   * A refresh brought records in or dropped some
   * (ls_timeline_view_get_records()). Paused, none come.
   */
  signals[RECORDS_CHANGED] =
    g_signal_new ("records-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "lstimeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ls_timeline_view_init (LsTimelineView *self)
{
  GtkEventController *scroll;
  GtkEventController *motion;
  GtkGesture *drag;
  GtkGesture *click;
  GtkEventController *keys;

  self->selected_seq = G_MAXUINT64;
  self->records = g_array_new (FALSE, FALSE, sizeof (LsRecord));
  g_array_set_clear_func (self->records, clear_record);
  self->tid_loops = g_hash_table_new (NULL, NULL);
  self->stream_names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->name_layouts = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->labels = g_array_new (FALSE, FALSE, sizeof (SpanLabel));
  self->live = TRUE;
  self->origin_us = g_get_monotonic_time ();
  self->origin_real_us = g_get_real_time ();
  self->end_us = self->origin_us;
  self->start_us = self->end_us - LS_TIMELINE_DEFAULT_SPAN_US;

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), NULL);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}

GtkWidget *
ls_timeline_view_new (void)
{
  return g_object_new (LS_TYPE_TIMELINE_VIEW, NULL);
}

/**
 * ls_timeline_view_get_recorder:
 *
 * Returns: (transfer none) (nullable): the recorder shown
 */
LsRecorder *
ls_timeline_view_get_recorder (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);

  return self->recorder;
}

void
ls_timeline_view_set_recorder (LsTimelineView *self,
                               LsRecorder     *recorder)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (recorder == NULL || LS_IS_RECORDER (recorder));

  if (!g_set_object (&self->recorder, recorder))
    return;

  g_array_set_size (self->records, 0);
  self->generation++;
  if (self->selected_seq != G_MAXUINT64)
    {
      self->selected_seq = G_MAXUINT64;
      self->selected_task = 0;
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
  memset (self->path_ids, 0, sizeof self->path_ids);
  g_hash_table_remove_all (self->tid_loops);
  self->last_tid = 0;
  self->next_seq = 0;
  self->n_known_streams = 0;
  g_hash_table_remove_all (self->stream_names);
  /* Time zero is the recorder's: the trace's timestamps count from it. */
  if (recorder != NULL)
    {
      self->origin_us = ls_recorder_get_origin_us (recorder);
      self->origin_real_us = ls_recorder_get_origin_real_us (recorder);
    }
  _ls_timeline_view_refresh (self);
  /* Other records, even none: readers of them count again. */
  g_signal_emit (self, signals[RECORDS_CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDER]);
}

gboolean
ls_timeline_view_get_live (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), FALSE);

  return self->live;
}

void
ls_timeline_view_set_live (LsTimelineView *self,
                           gboolean        live)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  live = !!live;
  if (self->live == live)
    return;

  self->live = live;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (live)
    memset (self->path_ids, 0, sizeof self->path_ids);
  if (live)
    ls_timeline_view_set_pace (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

void
ls_timeline_view_get_range (LsTimelineView *self,
                            gint64         *start_us,
                            gint64         *end_us)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  if (start_us != NULL)
    *start_us = self->start_us;
  if (end_us != NULL)
    *end_us = self->end_us;
}

void
ls_timeline_view_set_loop_thread (LsTimelineView *self,
                                  LsLoopId        loop,
                                  gint            thread_id)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (loop < LS_LOOP_OTHER);

  self->loop_threads[loop] = thread_id;
}

void
ls_timeline_view_set_range (LsTimelineView *self,
                            gint64          start_us,
                            gint64          end_us)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (end_us > start_us);

  ls_timeline_view_set_live (self, FALSE);
  ls_timeline_view_set_range_internal (self, start_us, end_us);
}

/**
 * ls_timeline_view_show_all:
 *
 * Pauses, and shows the time every record the view holds covers (at most
 * the longest range, then its end).
 */
void
ls_timeline_view_show_all (LsTimelineView *self)
{
  gint64 first = G_MAXINT64, last = G_MININT64, margin;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  for (guint i = 0; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);
      gint64 begin = r->queued_us != 0 && r->queued_us < r->start_us ? r->queued_us : r->start_us;

      first = MIN (first, begin);
      last = MAX (last, MAX (r->end_us, r->start_us));
    }
  if (first > last)
    return;
  margin = MAX ((last - first) / 50, LS_TIMELINE_MIN_SPAN_US / 2);
  ls_timeline_view_set_range (self, first - margin, last + margin);
}

guint
_ls_timeline_view_get_last_n_drawn (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0);

  return self->last_n_drawn;
}

void
_ls_timeline_view_get_last_arrows (LsTimelineView *self,
                                   guint          *n_arrows,
                                   guint          *n_crossings)
{
  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  *n_arrows = self->last_n_arrows;
  *n_crossings = self->last_n_crossings;
}

/* The record of sequence number @seq, by bisection (records are in seq
 * order), or NULL. */
static const LsRecord *
find_seq (LsTimelineView *self,
          guint64         seq)
{
  guint lo = 0;
  guint hi = self->records->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const LsRecord *r = &g_array_index (self->records, LsRecord, mid);

      if (r->seq == seq)
        return r;
      if (r->seq < seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return NULL;
}

const LsRecord *
ls_timeline_view_get_selected (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);

  if (self->selected_seq == G_MAXUINT64)
    return NULL;
  return find_seq (self, self->selected_seq);
}

void
ls_timeline_view_select_seq (LsTimelineView *self,
                             guint64         seq)
{
  const LsRecord *r;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  r = seq != G_MAXUINT64 ? find_seq (self, seq) : NULL;
  if (r == NULL || r->kind != LS_RECORD_SPAN)
    seq = G_MAXUINT64;
  if (seq == self->selected_seq && (r == NULL || r->id == self->selected_task))
    return;
  /* Another stream's span chosen (by a caller that knows its seq): every
   * stream shows. */
  if (r != NULL && record_hidden (self, r))
    self->stream_filter = 0;
  self->selected_seq = seq;
  self->selected_task = r != NULL && r->kind == LS_RECORD_SPAN ? r->id : 0;

  /* Paused, a selection off screen brings the view to it. */
  if (r != NULL && r->kind == LS_RECORD_SPAN && !self->live
      && (r->end_us < self->start_us || span_begin (r) > self->end_us))
    {
      gint64 span = self->end_us - self->start_us;
      gint64 middle = span_begin (r) + (r->end_us - span_begin (r)) / 2;

      ls_timeline_view_set_range_internal (self, middle - span / 2, middle - span / 2 + span);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/**
 * ls_timeline_view_select_task:
 *
 * Selects every span of @task (0: none): its latest is the selected span
 * (ls_timeline_view_get_selected()), the others are outlined with it. A
 * task with no span yet (a span is recorded when it ends) has its
 * children outlined instead, the latest selected. A selection off screen
 * pauses the view and centres it.
 */
void
ls_timeline_view_select_task (LsTimelineView *self,
                              guint64         task)
{
  const LsRecord *r = NULL;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  if (task != 0)
    r = ls_timeline_view_find_task (self, task);
  for (guint i = self->records->len; task != 0 && r == NULL && i > 0; i--)
    {
      const LsRecord *c = &g_array_index (self->records, LsRecord, i - 1);

      if (c->kind == LS_RECORD_SPAN && c->parent_id == task)
        r = c;
    }
  if (r == NULL)
    {
      ls_timeline_view_select_seq (self, G_MAXUINT64);
      return;
    }
  if (r->seq == self->selected_seq && task == self->selected_task)
    return;
  if (record_hidden (self, r))
    self->stream_filter = 0;

  if (r->end_us < self->start_us || span_begin (r) > self->end_us)
    {
      gint64 span = self->end_us - self->start_us;
      gint64 middle = span_begin (r) + (r->end_us - span_begin (r)) / 2;

      ls_timeline_view_set_live (self, FALSE);
      ls_timeline_view_set_range_internal (self, middle - span / 2, middle - span / 2 + span);
    }
  self->selected_seq = r->seq;
  self->selected_task = task;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* The task selected: the selected span's, or the one
 * ls_timeline_view_select_task() chose; 0: none. */
guint64
ls_timeline_view_get_selected_task (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0);

  return self->selected_seq != G_MAXUINT64 ? self->selected_task : 0;
}

/**
 * ls_timeline_view_get_records:
 * @n_records: (out): how many
 * @generation: (out) (optional): changes whenever records are dropped or
 *   replaced; while it stays, new records are only appended
 *
 * The records the view holds, in seq order: valid until the next
 * refresh ("records-changed" says when one brought anything).
 */
const LsRecord *
ls_timeline_view_get_records (LsTimelineView *self,
                              guint          *n_records,
                              guint64        *generation)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);
  g_return_val_if_fail (n_records != NULL, NULL);

  *n_records = self->records->len;
  if (generation != NULL)
    *generation = self->generation;
  return (const LsRecord *) (gpointer) self->records->data;
}

const LsRecord *
ls_timeline_view_find_task (LsTimelineView *self,
                            guint64         task)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);

  if (task == 0)
    return NULL;
  for (guint i = self->records->len; i > 0; i--)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i - 1);

      if (r->kind == LS_RECORD_SPAN && r->id == task)
        return r;
    }

  return NULL;
}

guint
ls_timeline_view_get_children (LsTimelineView *self,
                               guint64         task,
                               GPtrArray      *out,
                               guint           max)
{
  guint n = 0;

  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0);

  if (task == 0)
    return 0;
  for (guint i = 0; i < self->records->len; i++)
    {
      const LsRecord *r = &g_array_index (self->records, LsRecord, i);

      if (r->kind != LS_RECORD_SPAN || r->parent_id != task)
        continue;
      if (n < max && out != NULL)
        g_ptr_array_add (out, (gpointer) r);
      n++;
    }

  return n;
}

/**
 * ls_timeline_view_show_event_path:
 * @stream_id: the event's stream
 * @event_us: the event's time (when its read completed)
 * @shown_us: when the events view showed it, 0 if not known
 *
 * Pauses the view on an event's way from the socket to the screen: its
 * read, parse and UI delivery framed (ls_event_path_find() on the records
 * held), the range from the read to the frame that showed it.
 *
 * Returns: (transfer full) (nullable): the hops in words, or %NULL when
 *   the records hold no read of the event (no longer, or not recorded)
 */
char *
ls_timeline_view_show_event_path (LsTimelineView *self,
                                  guint32         stream_id,
                                  gint64          event_us,
                                  gint64          shown_us)
{
  LsEventPath path;
  gint64 first, last, margin;

  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), NULL);

  _ls_timeline_view_refresh (self);
  ls_timeline_view_set_live (self, FALSE);
  memset (self->path_ids, 0, sizeof self->path_ids);
  self->path_shown_us = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (!ls_event_path_find ((const LsRecord *) (gpointer) self->records->data, self->records->len,
                           stream_id, event_us, &path))
    return NULL;

  self->path_ids[0] = path.read->id;
  self->path_ids[1] = path.parse != NULL ? path.parse->id : 0;
  self->path_ids[2] = path.deliver != NULL ? path.deliver->id : 0;
  self->path_shown_us = shown_us;

  /* From the read to the last hop, centred, with room around. */
  first = event_us;
  last = MAX (shown_us, path.deliver != NULL ? path.deliver->end_us
                        : path.parse != NULL ? path.parse->end_us : event_us);
  margin = MAX ((last - first) / 2, 1000);
  ls_timeline_view_set_range (self, first - margin, last + margin);

  return ls_event_path_describe (&path, event_us, shown_us);
}

void
_ls_timeline_view_get_event_path (LsTimelineView *self,
                                  guint64         ids[3])
{
  memcpy (ids, self->path_ids, sizeof self->path_ids);
}

/**
 * ls_timeline_view_set_stream_filter:
 * @stream_id: the stream (ls_stream_get_id()) whose work is shown among
 *   the streams', or 0 for every stream's
 *
 * The loops' own work (frames, the bridge, probes, deliveries to the UI)
 * is always shown; the streams' spans only for @stream_id.
 */
void
ls_timeline_view_set_stream_filter (LsTimelineView *self,
                                    guint32         stream_id)
{
  const LsRecord *sel;

  g_return_if_fail (LS_IS_TIMELINE_VIEW (self));

  if (self->stream_filter == stream_id)
    return;
  self->stream_filter = stream_id;
  ls_timeline_view_update_stream_lanes (self);
  /* A selection that is no longer shown is no selection. */
  sel = ls_timeline_view_get_selected (self);
  if (sel != NULL && record_hidden (self, sel))
    ls_timeline_view_select_seq (self, G_MAXUINT64);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint32
ls_timeline_view_get_stream_filter (LsTimelineView *self)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), 0);

  return self->stream_filter;
}

/* Whether @record is drawn (FALSE: another stream's, while filtering). */
gboolean
ls_timeline_view_get_record_shown (LsTimelineView *self,
                                   const LsRecord *record)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  return !record_hidden (self, record);
}

/* What stream @stream_id's lane is called: the recorder's name for it,
 * its end when long, or "Stream N". */
char *
_ls_timeline_view_dup_stream_lane_name (LsTimelineView *self,
                                        guint32         stream_id)
{
  const char *name = g_hash_table_lookup (self->stream_names, GUINT_TO_POINTER (stream_id));

  if (name == NULL)
    /* TRANSLATORS: a stream's lane on the timeline; %u is its number. */
    return g_strdup_printf (_("Stream %u"), stream_id);
  if (g_utf8_strlen (name, -1) > 14)
    /* The end of a path says most ("…ticks?rate=20"). */
    return g_strconcat ("…", g_utf8_offset_to_pointer (name, g_utf8_strlen (name, -1) - 13), NULL);
  return g_strdup (name);
}

/* The y of stream @stream_id's span row, or -1 when it has no lane. */
double
_ls_timeline_view_get_stream_lane_y (LsTimelineView *self,
                                     guint32         stream_id,
                                     gboolean        nested)
{
  g_return_val_if_fail (LS_IS_TIMELINE_VIEW (self), -1);

  for (guint k = 0; k < self->n_stream_lanes; k++)
    if (self->stream_lanes[k] == stream_id)
      return lane_top (self, lane_height (self), N_LANES + (int) k) + (nested ? ROW1_OFFSET : ROW0_OFFSET);
  return -1;
}
