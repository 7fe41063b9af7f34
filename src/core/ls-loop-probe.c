/* ls-loop-probe.c: health of one GMainContext, measured from inside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three instruments, all running on the context's own thread:
 *  - a poll-function wrapper: time inside poll() with a non-zero timeout is
 *    idle, everything between two polls is busy (prepare, check, dispatch);
 *    the longest stretch between two polls is the longest dispatch;
 *  - a re-arming timer: how late it fires is the loop's lag;
 *  - the mailboxes drained on this loop, for the queue depth;
 *  - timed dispatches of our own sources, by GSource name.
 * Figures are published under a mutex of ours for readers on other threads.
 *
 * GLib 2.74 has no hook around a source's dispatch (only SystemTap probes
 * and, when built with sysprof, trace marks), so no foreign source can be
 * timed from outside. The code's own sources time themselves
 * (ls_loop_probe_dispatch_begin/end(), ls_source_set_timed_callback()), the
 * window times GTK's frame clock dispatch, and of a batch of dispatches that
 * went over the frame budget (the time between two polls), what none of
 * those measured is filed under LS_LOOP_OTHER_SOURCES: honest, not named.
 *
 * A probe is active (the interval given to attach, every sample recorded)
 * or idle (one sample a second, and a counter recorded only when it says
 * something: a queue depth that changed, a lag past a stall, and the
 * sample after it). An idle application then writes no record at all.
 */
#define G_LOG_DOMAIN "ls-loop-probe"

#include "config.h"

#include <glib-unix.h>
#include <pthread.h>
#include <string.h>

#include "ls-loop-probe.h"

#define LAG_BUCKETS 160 /* 40 octaves of µs, four buckets each */
/* Idle: a lag below three frames is not worth a record. */
#define IDLE_LAG_RECORD_US (50 * 1000)
/* An idle source dispatched in this many consecutive iterations, each
 * dispatch shorter than SPIN_DISPATCH_US on average, spins. */
#define SPIN_ITERATIONS 200
#define SPIN_DISPATCH_US 200
/* A timer later at this many dispatches in a row, and late by more than a
 * frame, falls behind. */
#define LATE_GROWTH 4

enum { N_LINT_KINDS = LS_LOOP_LINT_OVER_BUDGET + 1 };

/* One source name's dispatches, owner thread only. */
typedef struct
{
  const char *name;            /* interned */
  guint64     task;            /* its slow dispatches' task: one row per source, 0 until one */
  guint64     count;
  guint64     over_budget;
  gint64      worst_us;
  gint64      last_noted_us;   /* last dispatch of at least LS_LOOP_NOTE_US */
  guint64     last_iteration;
  guint       spin_run;
  gint64      spin_run_us;
  gint64      late_last_us;
  guint       late_growth;
  gint64      lint_value[N_LINT_KINDS];
  gint64      lint_time[N_LINT_KINDS];  /* 0: no such lint */
} DispatchEntry;

struct _LsLoopProbe
{
  GObject        parent_instance;

  char          *name;
  const char    *lag_counter_name;
  const char    *depth_counter_name;
  LsLoopId       loop;
  LsRecorder    *recorder;

  /* Owner thread only. */
  GMainContext  *context;
  GSource       *timer;
  GPollFunc      chained_poll;
  gint64         interval_us;
  gint64         expected_us;
  gint64         poll_return_us;   /* 0 before the first poll */
  gint64         window_start_us;
  gint64         window_idle_us;
  guint64        window_iterations;
  gint64         window_longest_us;
  gint64         window_lag_max_us;
  gint64         prev_window_longest_us;
  gint64         prev_window_lag_max_us;
  guint64        total_iterations;
  gint64         total_longest_us;
  gboolean       ticking_active;   /* the mode of the current interval */
  gint64         recorded_lag_us;  /* last values written to the recorder; -1: none */
  gint64         recorded_depth;
  GHashTable    *dispatches;       /* source name → DispatchEntry */
  guint          dispatch_depth;   /* timed dispatches in progress */
  gint64         batch_own_us;     /* timed, in this batch (since the last poll) */

  pthread_mutex_t lock;            /* guards @stats, @lag_histogram, @mailboxes, @active, @first_queue */
  char           *first_queue;     /* the mailbox listed first in the stats, or NULL */
  gboolean       active;           /* requested mode; any thread */
  LsLoopStats    stats;
  guint64        lag_histogram[LAG_BUCKETS];
  guint64        lag_samples;
  GPtrArray     *mailboxes;
};

G_DEFINE_FINAL_TYPE (LsLoopProbe, ls_loop_probe, G_TYPE_OBJECT)

/* The poll function has no user data; a context is only ever polled by the
 * thread that owns it, so the owner's probe is found through a thread-local. */
static __thread LsLoopProbe *thread_probe;

static guint
lag_bucket (gint64 lag_us)
{
  /* Four buckets per power of two from 1 µs: fine enough for a p99. */
  guint bucket = 0;

  if (lag_us <= 1)
    return 0;
  bucket = (guint) (4 * (63 - __builtin_clzll ((guint64) lag_us)));
  bucket += (guint) ((lag_us >> MAX (0, 61 - __builtin_clzll ((guint64) lag_us))) & 3);
  return MIN (bucket, LAG_BUCKETS - 1);
}

static gint64
lag_bucket_upper (guint bucket)
{
  guint octave = bucket / 4, quarter = bucket % 4;
  gint64 base = (gint64) 1 << octave;

  return base + (base * (gint64) (quarter + 1)) / 4;
}

static DispatchEntry *
ls_loop_probe_entry (LsLoopProbe *self,
                     const char  *name)
{
  DispatchEntry *entry = g_hash_table_lookup (self->dispatches, name);

  if (entry == NULL)
    {
      entry = g_new0 (DispatchEntry, 1);
      entry->name = g_intern_string (name);
      g_hash_table_insert (self->dispatches, (gpointer) entry->name, entry);
    }
  return entry;
}

static void
ls_loop_probe_lint (DispatchEntry  *entry,
                    LsLoopLintKind  kind,
                    gint64          value,
                    gint64          now)
{
  entry->lint_value[kind] = value;
  entry->lint_time[kind] = now;
}

/* One dispatch of @name (of @source, NULL for the rest of a batch), from
 * @begin_us to @end_us. Owner thread. */
static void
ls_loop_probe_note (LsLoopProbe *self,
                    const char  *name,
                    GSource     *source,
                    gint64       begin_us,
                    gint64       end_us)
{
  DispatchEntry *entry = ls_loop_probe_entry (self, name);
  gint64 duration = end_us - begin_us;

  if (source != NULL && g_source_get_name (source) == NULL)
    ls_loop_probe_lint (entry, LS_LOOP_LINT_UNNAMED, g_source_get_id (source), end_us);

  if (duration >= LS_LOOP_NOTE_US)
    {
      /* Recent only: a source quiet for a minute starts over. */
      if (entry->last_noted_us != 0 && end_us - entry->last_noted_us > LS_LOOP_RECENT_US)
        {
          entry->count = 0;
          entry->over_budget = 0;
          entry->worst_us = 0;
        }
      entry->count++;
      entry->worst_us = MAX (entry->worst_us, duration);
      entry->last_noted_us = end_us;
      if (duration > LS_LOOP_FRAME_BUDGET_US)
        {
          entry->over_budget++;
          ls_loop_probe_lint (entry, LS_LOOP_LINT_OVER_BUDGET, duration, end_us);
          if (self->recorder != NULL && entry->task == 0)
            entry->task = ls_recorder_next_span_id (self->recorder);
          if (self->recorder != NULL)
            ls_recorder_add_span (self->recorder, &(LsSpan) {
                                    .task = entry->task, .name = entry->name, .category = "dispatch",
                                    .loop = self->loop, .outcome = LS_OUTCOME_SLOW,
                                    .start_us = begin_us, .end_us = end_us,
                                    .detail = "over the frame budget",
                                  });
        }
    }

  if (source == NULL)
    return;

  /* An idle source that runs in every iteration and does nothing spins. */
  if (g_source_get_priority (source) >= G_PRIORITY_HIGH_IDLE)
    {
      if (entry->last_iteration + 1 == self->total_iterations)
        {
          entry->spin_run++;
          entry->spin_run_us += duration;
        }
      else if (entry->last_iteration != self->total_iterations)
        {
          entry->spin_run = 1;
          entry->spin_run_us = duration;
        }
      entry->last_iteration = self->total_iterations;
      if (entry->spin_run >= SPIN_ITERATIONS && entry->spin_run_us / entry->spin_run < SPIN_DISPATCH_US)
        ls_loop_probe_lint (entry, LS_LOOP_LINT_IDLE_SPINS, entry->spin_run, end_us);
    }

  /* A timer due at its ready time: how late it ran, and whether that grows. */
  {
    gint64 ready = g_source_get_ready_time (source);

    if (ready > 0 && ready <= begin_us)
      {
        gint64 late = begin_us - ready;

        if (late > entry->late_last_us + 100)
          entry->late_growth++;
        else
          entry->late_growth = 0;
        entry->late_last_us = late;
        if (entry->late_growth >= LATE_GROWTH && late > LS_LOOP_FRAME_BUDGET_US)
          ls_loop_probe_lint (entry, LS_LOOP_LINT_TIMER_LATE, late, end_us);
      }
  }
}

gint64
ls_loop_probe_dispatch_begin (void)
{
  LsLoopProbe *self = thread_probe;

  if (self == NULL || self->context == NULL)
    return 0;
  self->dispatch_depth++;
  return g_get_monotonic_time ();
}

void
ls_loop_probe_dispatch_end (gint64 begin_us)
{
  LsLoopProbe *self = thread_probe;
  GSource *source;
  gint64 end_us;
  const char *name;

  if (self == NULL || begin_us == 0 || self->dispatch_depth == 0)
    return;

  end_us = g_get_monotonic_time ();
  self->dispatch_depth--;
  if (self->dispatch_depth == 0)
    self->batch_own_us += end_us - begin_us;

  source = g_main_current_source ();
  if (source == NULL || g_source_get_context (source) != self->context)
    return;
  name = g_source_get_name (source);
  ls_loop_probe_note (self, name != NULL ? name : LS_LOOP_UNNAMED_SOURCE, source, begin_us, end_us);
}

typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify destroy;
} TimedCallback;

static gboolean
timed_callback_cb (gpointer user_data)
{
  TimedCallback *timed = user_data;
  gint64 begin = ls_loop_probe_dispatch_begin ();
  gboolean again = timed->func (timed->data);

  ls_loop_probe_dispatch_end (begin);
  return again;
}

static void
timed_callback_free (gpointer user_data)
{
  TimedCallback *timed = user_data;

  if (timed->destroy != NULL)
    timed->destroy (timed->data);
  g_free (timed);
}

void
ls_source_set_timed_callback (GSource       *source,
                              GSourceFunc    func,
                              gpointer       data,
                              GDestroyNotify destroy)
{
  TimedCallback *timed;

  g_return_if_fail (source != NULL);
  g_return_if_fail (func != NULL);

  timed = g_new (TimedCallback, 1);
  timed->func = func;
  timed->data = data;
  timed->destroy = destroy;
  g_source_set_callback (source, timed_callback_cb, timed, timed_callback_free);
}

static guint
attach_named (GSource       *source,
              gint           priority,
              const char    *static_name,
              GSourceFunc    func,
              gpointer       data,
              GDestroyNotify destroy)
{
  guint id;

  g_source_set_priority (source, priority);
  g_source_set_static_name (source, static_name);
  ls_source_set_timed_callback (source, func, data, destroy);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

guint
ls_timeout_add_named (gint           priority,
                      guint          interval_ms,
                      const char    *static_name,
                      GSourceFunc    func,
                      gpointer       data,
                      GDestroyNotify destroy)
{
  g_return_val_if_fail (static_name != NULL, 0);

  return attach_named (g_timeout_source_new (interval_ms), priority, static_name, func, data, destroy);
}

guint
ls_idle_add_named (gint           priority,
                   const char    *static_name,
                   GSourceFunc    func,
                   gpointer       data,
                   GDestroyNotify destroy)
{
  g_return_val_if_fail (static_name != NULL, 0);

  return attach_named (g_idle_source_new (), priority, static_name, func, data, destroy);
}

guint
ls_unix_signal_add_named (int          signum,
                          const char  *static_name,
                          GSourceFunc  func,
                          gpointer     data)
{
  g_return_val_if_fail (static_name != NULL, 0);

  return attach_named (g_unix_signal_source_new (signum), G_PRIORITY_DEFAULT, static_name, func, data, NULL);
}

static gint
ls_loop_probe_poll (GPollFD *fds,
                    guint    nfds,
                    gint     timeout)
{
  LsLoopProbe *self = thread_probe;
  gint64 before, after;
  gint ret;

  if (self == NULL || self->chained_poll == NULL)
    return g_poll (fds, nfds, timeout);

  before = g_get_monotonic_time ();
  if (self->poll_return_us != 0)
    {
      gint64 busy = before - self->poll_return_us;

      self->window_longest_us = MAX (self->window_longest_us, busy);
      self->total_longest_us = MAX (self->total_longest_us, busy);
      /* A slow batch: what our own timed sources do not account for. */
      if (busy > LS_LOOP_FRAME_BUDGET_US && self->dispatch_depth == 0
          && busy - self->batch_own_us >= LS_LOOP_NOTE_US)
        ls_loop_probe_note (self, LS_LOOP_OTHER_SOURCES, NULL, self->poll_return_us + self->batch_own_us,
                            before);
    }
  if (self->dispatch_depth == 0)
    self->batch_own_us = 0;

  ret = self->chained_poll (fds, nfds, timeout);

  after = g_get_monotonic_time ();
  if (timeout != 0)
    self->window_idle_us += after - before;
  self->window_iterations++;
  self->total_iterations++;
  self->poll_return_us = after;

  return ret;
}

/* Returns whether the probe is to be active until the next tick. */
static gboolean
ls_loop_probe_publish_window (LsLoopProbe *self,
                              gint64       now,
                              gint64       lag)
{
  gint64 span = now - self->window_start_us;
  gboolean window_done = span >= G_USEC_PER_SEC;
  gboolean active;
  guint depth = 0;

  g_autoptr(GPtrArray) closed = NULL;
  LsDispatchStat slowest[LS_LOOP_MAX_SLOWEST];
  LsLoopLint lints[LS_LOOP_MAX_LINTS];
  gint64 lint_times[LS_LOOP_MAX_LINTS] = { 0, };
  guint n_slowest = 0, n_lints = 0;
  GHashTableIter iter;
  DispatchEntry *entry;

  /* The slowest recent dispatches, worst first, and the latest lints:
   * a few dozen names at most, sorted by insertion. */
  g_hash_table_iter_init (&iter, self->dispatches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (entry->count > 0 && now - entry->last_noted_us <= LS_LOOP_RECENT_US)
        {
          guint k = MIN (n_slowest, LS_LOOP_MAX_SLOWEST - 1);

          if (n_slowest < LS_LOOP_MAX_SLOWEST || entry->worst_us > slowest[k].worst_us)
            {
              while (k > 0 && slowest[k - 1].worst_us < entry->worst_us)
                {
                  slowest[k] = slowest[k - 1];
                  k--;
                }
              slowest[k] = (LsDispatchStat) {
                .name = entry->name, .count = entry->count,
                .over_budget = entry->over_budget, .worst_us = entry->worst_us,
              };
              n_slowest = MIN (n_slowest + 1, LS_LOOP_MAX_SLOWEST);
            }
        }
      for (guint kind = 0; kind < N_LINT_KINDS; kind++)
        {
          guint k = MIN (n_lints, LS_LOOP_MAX_LINTS - 1);
          gint64 t = entry->lint_time[kind];

          if (t == 0 || now - t > LS_LOOP_RECENT_US)
            continue;
          if (n_lints == LS_LOOP_MAX_LINTS && t <= lint_times[k])
            continue;
          while (k > 0 && lint_times[k - 1] < t)
            {
              lints[k] = lints[k - 1];
              lint_times[k] = lint_times[k - 1];
              k--;
            }
          lints[k] = (LsLoopLint) { .kind = kind, .name = entry->name, .value = entry->lint_value[kind] };
          lint_times[k] = t;
          n_lints = MIN (n_lints + 1, LS_LOOP_MAX_LINTS);
        }
    }

  pthread_mutex_lock (&self->lock);
  active = self->active;
  self->stats.n_queues = 0;
  for (guint i = 0; i < self->mailboxes->len;)
    {
      LsMailbox *mailbox = g_ptr_array_index (self->mailboxes, i);

      /* A closed mailbox is gone for good: its last reference is dropped
       * here, outside the lock. */
      if (ls_mailbox_is_closed (mailbox))
        {
          if (closed == NULL)
            closed = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_mailbox_unref);
          g_ptr_array_add (closed, g_ptr_array_steal_index (self->mailboxes, i));
          continue;
        }
      if (self->stats.n_queues < LS_LOOP_MAX_QUEUES)
        {
          LsQueueStat *queue = &self->stats.queues[self->stats.n_queues];

          g_strlcpy (queue->name, ls_mailbox_get_name (mailbox), sizeof queue->name);
          queue->depth = ls_mailbox_get_depth (mailbox);
          depth += queue->depth;
        }
      else
        {
          depth += ls_mailbox_get_depth (mailbox);
        }
      self->stats.n_queues++;
      i++;
    }
  /* The mailbox a user follows (the selected stream's) is listed first,
   * however many there are. */
  for (guint i = 0; self->first_queue != NULL && i < self->mailboxes->len; i++)
    {
      LsMailbox *mailbox = g_ptr_array_index (self->mailboxes, i);
      guint shown = MIN (self->stats.n_queues, LS_LOOP_MAX_QUEUES);
      LsQueueStat first;
      guint k;

      if (strcmp (ls_mailbox_get_name (mailbox), self->first_queue) != 0)
        continue;
      g_strlcpy (first.name, self->first_queue, sizeof first.name);
      first.depth = ls_mailbox_get_depth (mailbox);
      for (k = 0; k < shown && strcmp (self->stats.queues[k].name, first.name) != 0; k++)
        ;
      /* Not among the ones shown: it takes the last one's place. */
      if (k == shown)
        k = shown - 1;
      memmove (&self->stats.queues[1], &self->stats.queues[0], k * sizeof first);
      self->stats.queues[0] = first;
      break;
    }
  self->stats.n_slowest = n_slowest;
  memcpy (self->stats.slowest, slowest, n_slowest * sizeof slowest[0]);
  self->stats.n_lints = n_lints;
  memcpy (self->stats.lints, lints, n_lints * sizeof lints[0]);
  self->stats.lag_us = lag;
  self->stats.queue_depth = depth;
  self->stats.ticks++;
  self->stats.iterations = self->total_iterations;
  self->stats.longest_dispatch_us = self->total_longest_us;
  self->lag_histogram[lag_bucket (lag)]++;
  self->lag_samples++;
  if (window_done)
    {
      self->stats.busy_fraction = CLAMP (1.0 - (double) self->window_idle_us / span, 0.0, 1.0);
      self->stats.iterations_per_s = self->window_iterations * (double) G_USEC_PER_SEC / span;
    }
  /* "Recent" means this window so far and the whole previous one, so a
   * spike stays visible for at least a second. */
  self->stats.recent_longest_dispatch_us = MAX (self->prev_window_longest_us, self->window_longest_us);
  self->stats.lag_max_us = MAX (self->prev_window_lag_max_us, self->window_lag_max_us);
  pthread_mutex_unlock (&self->lock);

  if (window_done)
    {
      self->window_start_us = now;
      self->prev_window_longest_us = self->window_longest_us;
      self->prev_window_lag_max_us = self->window_lag_max_us;
      self->window_idle_us = 0;
      self->window_longest_us = 0;
      self->window_lag_max_us = 0;
      self->window_iterations = 0;
    }

  if (self->recorder != NULL)
    {
      /* Idle: a lag worth seeing, or the first normal one after it. */
      if (self->ticking_active || lag >= IDLE_LAG_RECORD_US || self->recorded_lag_us >= IDLE_LAG_RECORD_US)
        {
          ls_recorder_add_counter (self->recorder, self->lag_counter_name, self->loop, lag);
          self->recorded_lag_us = lag;
        }
      if (self->ticking_active || (gint64) depth != self->recorded_depth)
        {
          ls_recorder_add_counter (self->recorder, self->depth_counter_name, self->loop, depth);
          self->recorded_depth = depth;
        }
    }

  return active;
}

static gboolean
ls_loop_probe_tick_cb (gpointer user_data)
{
  LsLoopProbe *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 lag = MAX (0, now - self->expected_us);

  if (lag > self->window_lag_max_us)
    self->window_lag_max_us = lag;
  self->ticking_active = ls_loop_probe_publish_window (self, now, lag);

  /* Re-arm from now: lateness must not accumulate into the next sample. */
  self->expected_us = now + (self->ticking_active ? self->interval_us : LS_LOOP_PROBE_IDLE_INTERVAL_US);
  g_source_set_ready_time (self->timer, self->expected_us);

  return G_SOURCE_CONTINUE;
}

static gboolean
ls_loop_probe_timer_dispatch (GSource     *source,
                              GSourceFunc  callback,
                              gpointer     user_data)
{
  gint64 begin = ls_loop_probe_dispatch_begin ();
  gboolean again = callback (user_data);

  ls_loop_probe_dispatch_end (begin);
  return again;
}

static GSourceFuncs ls_loop_probe_timer_funcs = {
  .dispatch = ls_loop_probe_timer_dispatch,
};

static void
ls_loop_probe_dispose (GObject *object)
{
  LsLoopProbe *self = LS_LOOP_PROBE (object);

  if (self->context != NULL)
    ls_loop_probe_detach (self);

  G_OBJECT_CLASS (ls_loop_probe_parent_class)->dispose (object);
}

static void
ls_loop_probe_finalize (GObject *object)
{
  LsLoopProbe *self = LS_LOOP_PROBE (object);

  g_clear_pointer (&self->mailboxes, g_ptr_array_unref);
  g_clear_pointer (&self->dispatches, g_hash_table_unref);
  g_clear_object (&self->recorder);
  g_free (self->name);
  g_free (self->first_queue);
  pthread_mutex_destroy (&self->lock);

  G_OBJECT_CLASS (ls_loop_probe_parent_class)->finalize (object);
}

static void
ls_loop_probe_class_init (LsLoopProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_loop_probe_dispose;
  object_class->finalize = ls_loop_probe_finalize;
}

static void
ls_loop_probe_init (LsLoopProbe *self)
{
  pthread_mutex_init (&self->lock, NULL);
  self->mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_mailbox_unref);
  self->dispatches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  /* Active until told otherwise: tests and headless runs want every sample. */
  self->active = TRUE;
  self->recorded_lag_us = -1;
  self->recorded_depth = -1;
}

LsLoopProbe *
ls_loop_probe_new (const char *name,
                   LsLoopId    loop,
                   LsRecorder *recorder)
{
  LsLoopProbe *self;
  g_autofree char *lag_name = NULL;
  g_autofree char *depth_name = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (LS_TYPE_LOOP_PROBE, NULL);
  self->name = g_strdup (name);
  self->loop = loop;
  self->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  lag_name = g_strdup_printf ("%s lag (µs)", name);
  depth_name = g_strdup_printf ("%s queue depth", name);
  self->lag_counter_name = g_intern_string (lag_name);
  self->depth_counter_name = g_intern_string (depth_name);
  return self;
}

/**
 * ls_loop_probe_attach:
 * @context: the context to watch; the calling thread must own it (or be
 *   about to run it, for the global default context)
 * @interval_ms: how often the lag timer fires
 *
 * Must be called on the thread that iterates @context.
 */
void
ls_loop_probe_attach (LsLoopProbe  *self,
                      GMainContext *context,
                      guint         interval_ms)
{
  char thread_name[32] = "";

  g_return_if_fail (LS_IS_LOOP_PROBE (self));
  g_return_if_fail (context != NULL);
  g_return_if_fail (self->context == NULL);
  g_return_if_fail (interval_ms > 0);
  g_return_if_fail (thread_probe == NULL);

  self->context = g_main_context_ref (context);
  self->interval_us = (gint64) interval_ms * 1000;
  pthread_mutex_lock (&self->lock);
  self->ticking_active = self->active;
  pthread_mutex_unlock (&self->lock);
  self->window_start_us = g_get_monotonic_time ();

  thread_probe = g_object_ref (self);
  self->chained_poll = g_main_context_get_poll_func (context);
  g_main_context_set_poll_func (context, ls_loop_probe_poll);

  self->timer = g_source_new (&ls_loop_probe_timer_funcs, sizeof (GSource));
  g_source_set_static_name (self->timer, "ls-loop-probe");
  /* Same priority as ordinary work: lag measures what that work sees. */
  g_source_set_priority (self->timer, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->timer, ls_loop_probe_tick_cb, self, NULL);
  self->expected_us = g_get_monotonic_time ()
                      + (self->ticking_active ? self->interval_us : LS_LOOP_PROBE_IDLE_INTERVAL_US);
  g_source_set_ready_time (self->timer, self->expected_us);
  g_source_attach (self->timer, context);

  pthread_getname_np (pthread_self (), thread_name, sizeof thread_name);
  pthread_mutex_lock (&self->lock);
  self->stats.attached = TRUE;
  self->stats.thread_id = ls_current_thread_id ();
  g_strlcpy (self->stats.thread_name, thread_name, sizeof self->stats.thread_name);
  pthread_mutex_unlock (&self->lock);

  if (self->recorder != NULL)
    ls_recorder_set_thread_name (self->recorder, ls_current_thread_id (), self->name);
}

/**
 * ls_loop_probe_detach:
 *
 * Removes the timer and the poll wrapper. Call on the owner thread.
 */
void
ls_loop_probe_detach (LsLoopProbe *self)
{
  g_return_if_fail (LS_IS_LOOP_PROBE (self));

  if (self->context == NULL)
    return;

  g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
  if (g_main_context_get_poll_func (self->context) == ls_loop_probe_poll)
    g_main_context_set_poll_func (self->context, self->chained_poll);
  self->chained_poll = NULL;
  g_clear_pointer (&self->context, g_main_context_unref);

  pthread_mutex_lock (&self->lock);
  self->stats.attached = FALSE;
  pthread_mutex_unlock (&self->lock);

  if (thread_probe == self)
    {
      thread_probe = NULL;
      g_object_unref (self);
    }
}

/**
 * ls_loop_probe_set_active:
 * @active: %TRUE: sample at the attach interval and record every sample;
 *   %FALSE: sample once a second, record only what changed
 *
 * Any thread. From the owner thread an idle probe switches at once;
 * from another one, at its next sample (within a second).
 */
void
ls_loop_probe_set_active (LsLoopProbe *self,
                          gboolean     active)
{
  g_return_if_fail (LS_IS_LOOP_PROBE (self));

  active = !!active;
  pthread_mutex_lock (&self->lock);
  self->active = active;
  pthread_mutex_unlock (&self->lock);

  /* On the owner thread the timer is ours to move. */
  if (active && thread_probe == self && self->timer != NULL && !self->ticking_active)
    {
      self->ticking_active = TRUE;
      self->expected_us = g_get_monotonic_time () + self->interval_us;
      g_source_set_ready_time (self->timer, self->expected_us);
    }
}

gboolean
ls_loop_probe_get_active (LsLoopProbe *self)
{
  gboolean active;

  g_return_val_if_fail (LS_IS_LOOP_PROBE (self), FALSE);

  pthread_mutex_lock (&self->lock);
  active = self->active;
  pthread_mutex_unlock (&self->lock);
  return active;
}

/**
 * ls_loop_probe_watch_mailbox:
 *
 * Adds @mailbox's depth to this loop's queue depth. Any thread.
 */
void
ls_loop_probe_watch_mailbox (LsLoopProbe *self,
                             LsMailbox   *mailbox)
{
  g_return_if_fail (LS_IS_LOOP_PROBE (self));
  g_return_if_fail (mailbox != NULL);

  pthread_mutex_lock (&self->lock);
  g_ptr_array_add (self->mailboxes, ls_mailbox_ref (mailbox));
  pthread_mutex_unlock (&self->lock);
}

/**
 * ls_loop_probe_get_stats:
 *
 * Copies the latest figures. Any thread.
 */
void
ls_loop_probe_get_stats (LsLoopProbe *self,
                         LsLoopStats *stats)
{
  guint64 target, seen = 0;

  g_return_if_fail (LS_IS_LOOP_PROBE (self));
  g_return_if_fail (stats != NULL);

  pthread_mutex_lock (&self->lock);
  *stats = self->stats;
  stats->lag_p99_us = 0;
  target = self->lag_samples - self->lag_samples / 100;
  for (guint i = 0; i < LAG_BUCKETS && self->lag_samples > 0; i++)
    {
      seen += self->lag_histogram[i];
      if (seen >= target)
        {
          stats->lag_p99_us = lag_bucket_upper (i);
          break;
        }
    }
  pthread_mutex_unlock (&self->lock);
}

const char *
ls_loop_probe_get_name (LsLoopProbe *self)
{
  g_return_val_if_fail (LS_IS_LOOP_PROBE (self), NULL);
  return self->name;
}

/**
 * ls_loop_probe_set_first_queue:
 * @name: (nullable): a mailbox's name ("stream 3"), or %NULL
 *
 * Any thread. From the next tick, the stats list that mailbox's depth
 * first among their queues when it is one of those watched.
 */
void
ls_loop_probe_set_first_queue (LsLoopProbe *self,
                               const char  *name)
{
  g_return_if_fail (LS_IS_LOOP_PROBE (self));

  pthread_mutex_lock (&self->lock);
  g_free (self->first_queue);
  self->first_queue = g_strdup (name);
  pthread_mutex_unlock (&self->lock);
}
