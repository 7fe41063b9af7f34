/* ls-mailbox.c: one direction of a crossing between two threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bounded twice: a queue has a capacity (what a full one does is the
 * mailbox's policy, set where it is created), and a dispatch has a time
 * budget on the monotonic clock, checked between messages, after which it
 * yields to the rest of the loop and comes back for the remainder.
 *
 * "No message starts after close returns", even when closing from another
 * thread: before each message the consumer announces "deciding", then
 * reads the closed flag; the closer sets the flag, then waits out a
 * "deciding" consumer (a few instructions, never a running message). Both
 * sides use sequentially consistent atomics, so one of them sees the other.
 */
#define G_LOG_DOMAIN "ls-mailbox"

#include "config.h"

#include <pthread.h>

#include "ls-loop-probe.h"
#include "ls-mailbox-private.h"

enum
{
  CONSUMER_IDLE,
  CONSUMER_DECIDING,
  CONSUMER_RUNNING,
};

typedef struct
{
  GSource    parent;
  LsMailbox *mailbox; /* strong; dropped when the source is finalized */
} LsMailboxSource;

struct _LsMailbox
{
  gint              ref_count;
  char             *name;
  const char       *span_name;   /* interned */
  guint64           parent_task;  /* the task its dispatch spans belong to, 0: roots */
  gboolean          samples;      /* its dispatch spans are samples (set before use) */
  GMainContext     *target;
  LsLoopId          target_loop;
  LsRecorder       *recorder;
  GSource          *source;
  GSource          *urgent;       /* optional: drains once a message waited too long */

  /* Producer side, under @lock (a pthread mutex so TSan sees the hand-off). */
  pthread_mutex_t   lock;
  GArray           *pending;
  gboolean          armed;
  gboolean          closed;
  gint64            last_dispatch_us;

  /* Consumer side: touched only on the target context's thread. */
  GArray           *draining;
  guint             drain_pos;
  gboolean          dispatching;
  gboolean          catching_up;  /* a bounded batch left work behind */

  gint64            min_interval_us;
  gint64            max_wait_us;    /* atomic; 0: no urgent source */
  gint64            armed_since_us; /* atomic */
  guint             max_batch;
  LsMailboxHandler  handler;
  gpointer          handler_data;
  GDestroyNotify    handler_data_destroy;

  gint64            budget_us;    /* 0: no time budget per dispatch */
  guint             capacity;     /* under @lock */
  LsMailboxFullPolicy full_policy; /* under @lock */
  gint              consumer;     /* atomic, seq_cst: CONSUMER_* */

  guint             depth;       /* atomic: queued and not yet handled */
  guint64           dropped;     /* atomic: refused or dropped because full */
  guint64           delivered;   /* atomic */
  guint64           dispatches;  /* atomic */
};

G_DEFINE_BOXED_TYPE (LsMailbox, ls_mailbox, ls_mailbox_ref, ls_mailbox_unref)

static void
discard_messages (LsMailbox *self,
                  LsMessage *messages,
                  guint      n_messages)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < n_messages; i++)
    {
      LsMessage *msg = &messages[i];

      if (self->recorder != NULL && msg->func != NULL)
        ls_recorder_add_span (self->recorder, &(LsSpan) {
                                .parent = self->parent_task,
                            .name = self->span_name, .category = "bridge",
                                .loop = self->target_loop, .queued_us = msg->queued_us,
                                .queued_tid = msg->queued_tid,
                                .sample = msg->sample || self->samples,
                                .start_us = now, .end_us = now,
                                .outcome = LS_OUTCOME_CANCELLED,
                                .detail = "discarded: mailbox closed",
                              });
      if (msg->destroy != NULL && msg->data != NULL)
        msg->destroy (msg->data);
    }
  __atomic_fetch_sub (&self->depth, n_messages, __ATOMIC_RELAXED);
}

static void
finish_data_messages (LsMailbox *self,
                      LsMessage *messages,
                      guint      n_messages)
{
  gint64 start = g_get_monotonic_time ();

  if (self->handler != NULL)
    self->handler (self, messages, n_messages, self->handler_data);

  for (guint i = 0; i < n_messages; i++)
    if (messages[i].destroy != NULL && messages[i].data != NULL)
      messages[i].destroy (messages[i].data);

  /* One span per batch: a batch crosses the bridge once. */
  if (self->recorder != NULL)
    ls_recorder_add_span (self->recorder, &(LsSpan) {
                            .parent = self->parent_task,
                            .name = self->span_name, .category = "bridge",
                            .loop = self->target_loop, .queued_us = messages[0].queued_us,
                            .queued_tid = messages[0].queued_tid,
                            .sample = messages[0].sample || self->samples,
                            .start_us = start, .end_us = g_get_monotonic_time (),
                            .items = n_messages,
                          });
}

static void
run_closure (LsMailbox *self,
             LsMessage *msg)
{
  gint64 start = g_get_monotonic_time ();

  msg->func (msg->data);
  if (msg->destroy != NULL && msg->data != NULL)
    msg->destroy (msg->data);

  if (self->recorder != NULL)
    ls_recorder_add_span (self->recorder, &(LsSpan) {
                            .parent = self->parent_task,
                            .name = self->span_name, .category = "bridge",
                            .loop = self->target_loop, .queued_us = msg->queued_us,
                            .queued_tid = msg->queued_tid, .sample = msg->sample || self->samples,
                            .start_us = start, .end_us = g_get_monotonic_time (),
                          });
}

/* Consumer side, once closed: drops the rest of the batch being drained
 * and whatever is still pending. */
static void
ls_mailbox_discard_all (LsMailbox *self)
{
  g_autoptr(GArray) stolen = NULL;

  discard_messages (self,
                    &g_array_index (self->draining, LsMessage, self->drain_pos),
                    self->draining->len - self->drain_pos);
  g_array_set_size (self->draining, 0);
  self->drain_pos = 0;

  pthread_mutex_lock (&self->lock);
  if (self->pending->len > 0)
    {
      stolen = self->pending;
      self->pending = g_array_new (FALSE, FALSE, sizeof (LsMessage));
    }
  pthread_mutex_unlock (&self->lock);
  if (stolen != NULL)
    discard_messages (self, (LsMessage *) (gpointer) stolen->data, stolen->len);
}

/* Consumer side, before each message: announce, then look. A closer on
 * another thread that set the flag before our look makes us stop; one
 * that sets it after sees us "deciding" and waits until we have started. */
static gboolean
ls_mailbox_begin_message (LsMailbox *self)
{
  __atomic_store_n (&self->consumer, CONSUMER_DECIDING, __ATOMIC_SEQ_CST);
  if (__atomic_load_n (&self->closed, __ATOMIC_SEQ_CST))
    {
      __atomic_store_n (&self->consumer, CONSUMER_IDLE, __ATOMIC_RELEASE);
      return FALSE;
    }
  __atomic_store_n (&self->consumer, CONSUMER_RUNNING, __ATOMIC_RELEASE);
  return TRUE;
}

/* Breaks the mailbox ⇄ source reference cycle once the source is done. */
static void
ls_mailbox_drop_source (LsMailbox *self)
{
  GSource *source, *urgent;

  pthread_mutex_lock (&self->lock);
  source = g_steal_pointer (&self->source);
  urgent = g_steal_pointer (&self->urgent);
  pthread_mutex_unlock (&self->lock);
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  if (urgent != NULL)
    {
      g_source_destroy (urgent);
      g_source_unref (urgent);
    }
}

static gboolean ls_mailbox_source_dispatch_timed (GSource     *source,
                                                   GSourceFunc  callback,
                                                   gpointer     user_data);

/* Every dispatch is timed for the loop's probe, under the mailbox's name. */
static gboolean
ls_mailbox_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  gint64 begin = ls_loop_probe_dispatch_begin ();
  gboolean again = ls_mailbox_source_dispatch_timed (source, callback, user_data);

  ls_loop_probe_dispatch_end (begin);
  return again;
}

static gboolean
ls_mailbox_source_dispatch_timed (GSource     *source,
                                  GSourceFunc  callback,
                                  gpointer     user_data)
{
  LsMailbox *self = ((LsMailboxSource *) source)->mailbox;
  guint n, i, handled = 0;
  LsMessage *batch;
  GArray *swap;
  gint64 start_us;

  g_assert (g_main_context_is_owner (self->target));

  if G_UNLIKELY (__atomic_load_n (&self->closed, __ATOMIC_ACQUIRE))
    {
      /* Closed from another thread: what is queued is ours to drop, here
       * on the consumer's thread (the closer does not pay for it). */
      ls_mailbox_discard_all (self);
      ls_mailbox_drop_source (self);
      return G_SOURCE_REMOVE;
    }

  pthread_mutex_lock (&self->lock);
  if (self->drain_pos >= self->draining->len)
    {
      g_array_set_size (self->draining, 0);
      swap = self->draining;
      self->draining = self->pending;
      self->pending = swap;
      self->drain_pos = 0;
    }
  __atomic_store_n (&self->armed, FALSE, __ATOMIC_RELEASE);
  __atomic_store_n (&self->last_dispatch_us, g_source_get_time (source), __ATOMIC_RELAXED);
  pthread_mutex_unlock (&self->lock);

  n = MIN (self->max_batch, self->draining->len - self->drain_pos);
  batch = &g_array_index (self->draining, LsMessage, self->drain_pos);

  start_us = g_get_monotonic_time ();
  self->dispatching = TRUE;
  for (i = 0; i < n;)
    {
      if (!ls_mailbox_begin_message (self))
        break;
      if (batch[i].func != NULL)
        {
          run_closure (self, &batch[i]);
          i++;
        }
      else
        {
          guint j = i;

          while (j < n && batch[j].func == NULL)
            j++;
          finish_data_messages (self, &batch[i], j - i);
          i = j;
        }
      __atomic_store_n (&self->consumer, CONSUMER_IDLE, __ATOMIC_RELEASE);
      __atomic_fetch_sub (&self->depth, i - handled, __ATOMIC_RELAXED);
      handled = i;
      /* The budget is checked between messages: one long message is that
       * message's fault, many short ones are ours to cut. */
      if (self->budget_us > 0 && i < n
          && g_get_monotonic_time () - start_us >= self->budget_us)
        break;
    }
  self->dispatching = FALSE;
  self->drain_pos += handled;
  __atomic_fetch_add (&self->delivered, handled, __ATOMIC_RELAXED);
  __atomic_fetch_add (&self->dispatches, 1, __ATOMIC_RELAXED);

  if (__atomic_load_n (&self->closed, __ATOMIC_ACQUIRE))
    {
      /* Closed by a closure of this batch, or from another thread meanwhile:
       * the rest is discarded, not run. */
      ls_mailbox_discard_all (self);
      ls_mailbox_drop_source (self);
      return G_SOURCE_REMOVE;
    }
  else
    {
      /* Bounded work per dispatch: come back for the rest after the other
       * sources (higher priorities first) had their turn. Pushes that came
       * while we were still draining an older batch found us armed and did
       * not re-arm: that is ours to do too. */
      self->catching_up = self->drain_pos < self->draining->len;
      pthread_mutex_lock (&self->lock);
      if (self->catching_up || self->pending->len > 0)
        {
          __atomic_store_n (&self->armed_since_us, g_get_monotonic_time (), __ATOMIC_RELAXED);
          __atomic_store_n (&self->armed, TRUE, __ATOMIC_RELEASE);
        }
      pthread_mutex_unlock (&self->lock);
    }

  return G_SOURCE_CONTINUE;
}

static void
ls_mailbox_source_finalize (GSource *source)
{
  g_clear_pointer (&((LsMailboxSource *) source)->mailbox, ls_mailbox_unref);
}

/* Armed and, for a paced mailbox, a full interval since the last drain.
 * Both are atomics of ours: the producer never takes the context's lock. */
static gboolean
ls_mailbox_due (LsMailbox *self,
                GSource   *source,
                gint      *timeout)
{
  gint64 interval, due, now;

  if (!__atomic_load_n (&self->armed, __ATOMIC_ACQUIRE))
    return FALSE;
  interval = __atomic_load_n (&self->min_interval_us, __ATOMIC_RELAXED);
  /* Pacing limits wake-ups for new arrivals; a backlog is worked off at our
   * (low) priority without waiting a frame per batch. */
  if (interval == 0 || self->catching_up)
    return TRUE;
  due = __atomic_load_n (&self->last_dispatch_us, __ATOMIC_RELAXED) + interval;
  now = g_source_get_time (source);
  if (now >= due)
    return TRUE;
  if (timeout != NULL)
    *timeout = (gint) ((due - now + 999) / 1000);
  return FALSE;
}

static gboolean
ls_mailbox_source_prepare (GSource *source,
                           gint    *timeout)
{
  *timeout = -1;
  return ls_mailbox_due (((LsMailboxSource *) source)->mailbox, source, timeout);
}

static gboolean
ls_mailbox_source_check (GSource *source)
{
  return ls_mailbox_due (((LsMailboxSource *) source)->mailbox, source, NULL);
}

static GSourceFuncs ls_mailbox_source_funcs = {
  .prepare = ls_mailbox_source_prepare,
  .check = ls_mailbox_source_check,
  .dispatch = ls_mailbox_source_dispatch,
  .finalize = ls_mailbox_source_finalize,
};

/* A message has waited longer than max_wait: the loop is so busy with
 * higher priorities (a slow renderer, say) that the normal source starves. */
static gboolean
ls_mailbox_overdue (LsMailbox *self,
                    GSource   *source,
                    gint      *timeout)
{
  gint64 max_wait = __atomic_load_n (&self->max_wait_us, __ATOMIC_RELAXED);
  gint64 waited;

  if (max_wait == 0 || !__atomic_load_n (&self->armed, __ATOMIC_ACQUIRE))
    return FALSE;
  waited = g_source_get_time (source) - __atomic_load_n (&self->armed_since_us, __ATOMIC_RELAXED);
  if (waited >= max_wait)
    return TRUE;
  if (timeout != NULL)
    *timeout = (gint) ((max_wait - waited + 999) / 1000);
  return FALSE;
}

static gboolean
ls_mailbox_urgent_prepare (GSource *source,
                           gint    *timeout)
{
  *timeout = -1;
  return ls_mailbox_overdue (((LsMailboxSource *) source)->mailbox, source, timeout);
}

static gboolean
ls_mailbox_urgent_check (GSource *source)
{
  return ls_mailbox_overdue (((LsMailboxSource *) source)->mailbox, source, NULL);
}

static GSourceFuncs ls_mailbox_urgent_funcs = {
  .prepare = ls_mailbox_urgent_prepare,
  .check = ls_mailbox_urgent_check,
  .dispatch = ls_mailbox_source_dispatch,
  .finalize = ls_mailbox_source_finalize,
};

/**
 * ls_mailbox_new:
 * @name: names the spans this mailbox records
 * @target: the context whose thread handles the messages
 * @priority: the priority of the draining source
 * @target_loop: which loop @target is, for the records
 * @recorder: (nullable): where crossings are recorded
 *
 * The mailbox lives until it is closed and its last reference dropped.
 */
LsMailbox *
ls_mailbox_new (const char   *name,
                GMainContext *target,
                int           priority,
                LsLoopId      target_loop,
                LsRecorder   *recorder)
{
  LsMailbox *self;
  GSource *source;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target != NULL, NULL);

  self = g_new0 (LsMailbox, 1);
  self->ref_count = 1;
  self->name = g_strdup (name);
  self->span_name = g_intern_string (name);
  self->target = g_main_context_ref (target);
  self->target_loop = target_loop;
  self->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  pthread_mutex_init (&self->lock, NULL);
  self->pending = g_array_sized_new (FALSE, FALSE, sizeof (LsMessage), 256);
  self->draining = g_array_sized_new (FALSE, FALSE, sizeof (LsMessage), 256);
  self->max_batch = 65536;
  self->capacity = LS_MAILBOX_DEFAULT_CAPACITY;
  self->full_policy = LS_MAILBOX_FULL_REFUSE;

  source = g_source_new (&ls_mailbox_source_funcs, sizeof (LsMailboxSource));
  ((LsMailboxSource *) source)->mailbox = ls_mailbox_ref (self);
  g_source_set_name (source, self->name);
  g_source_set_priority (source, priority);
  g_source_attach (source, target);
  self->source = source;

  return self;
}

LsMailbox *
ls_mailbox_ref (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);
  return self;
}

void
ls_mailbox_unref (LsMailbox *self)
{
  g_return_if_fail (self != NULL);

  if (__atomic_sub_fetch (&self->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;

  /* The source holds a reference until it is destroyed, so we only get here
   * after ls_mailbox_close(): nothing is queued any more. */
  g_assert (self->closed);
  /* Closed from another thread and never dispatched since: the last owner
   * drops what was left. */
  if (self->pending->len > 0 || self->drain_pos < self->draining->len)
    ls_mailbox_discard_all (self);
  g_array_unref (self->pending);
  g_array_unref (self->draining);
  if (self->handler_data_destroy != NULL)
    self->handler_data_destroy (self->handler_data);
  g_assert (self->source == NULL && self->urgent == NULL);
  g_clear_object (&self->recorder);
  g_main_context_unref (self->target);
  pthread_mutex_destroy (&self->lock);
  g_free (self->name);
  g_free (self);
}

/**
 * ls_mailbox_set_handler:
 *
 * Sets the batch handler for data messages. Call before the first push.
 */
void
ls_mailbox_set_handler (LsMailbox        *self,
                        LsMailboxHandler  handler,
                        gpointer          user_data,
                        GDestroyNotify    user_data_destroy)
{
  g_return_if_fail (self != NULL);

  if (self->handler_data_destroy != NULL)
    self->handler_data_destroy (self->handler_data);
  self->handler = handler;
  self->handler_data = user_data;
  self->handler_data_destroy = user_data_destroy;
}

/**
 * ls_mailbox_set_min_interval:
 *
 * Coalesces wake-ups: after a dispatch, the next one waits at least
 * @interval_us. A UI mailbox uses one frame, so a flood of results wakes
 * the UI at most once per frame.
 */
void
ls_mailbox_set_min_interval (LsMailbox *self,
                             gint64     interval_us)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (interval_us >= 0);

  __atomic_store_n (&self->min_interval_us, interval_us, __ATOMIC_RELAXED);
}

/**
 * ls_mailbox_set_max_wait:
 * @max_wait_us: how long a message may wait before the mailbox is drained
 *   at @urgent_priority instead of its own
 * @urgent_priority: a priority above whatever may keep the loop busy
 *
 * A low-priority mailbox yields to everything above it, which is what a UI
 * mailbox wants (painting first) until the loop never runs out of
 * higher-priority work. This bounds how long results can wait. Call once,
 * before the first push.
 */
void
ls_mailbox_set_max_wait (LsMailbox *self,
                         gint64     max_wait_us,
                         int        urgent_priority)
{
  GSource *urgent;

  g_return_if_fail (self != NULL);
  g_return_if_fail (max_wait_us > 0);
  g_return_if_fail (self->urgent == NULL);

  __atomic_store_n (&self->max_wait_us, max_wait_us, __ATOMIC_RELAXED);
  urgent = g_source_new (&ls_mailbox_urgent_funcs, sizeof (LsMailboxSource));
  ((LsMailboxSource *) urgent)->mailbox = ls_mailbox_ref (self);
  g_source_set_name (urgent, self->name);
  g_source_set_priority (urgent, urgent_priority);
  pthread_mutex_lock (&self->lock);
  self->urgent = urgent;
  pthread_mutex_unlock (&self->lock);
  g_source_attach (urgent, self->target);
}

void
ls_mailbox_set_max_batch (LsMailbox *self,
                          guint      max_batch)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_batch > 0);

  self->max_batch = max_batch;
}

/* Owner thread, before the first push: the spans of this mailbox's
 * dispatches become children of @parent_task (a stream's deliveries
 * belong to that stream). */
void
ls_mailbox_set_parent_task (LsMailbox *self,
                            guint64    parent_task)
{
  g_return_if_fail (self != NULL);

  self->parent_task = parent_task;
}

static gboolean
ls_mailbox_push_message (LsMailbox      *self,
                         LsMessageFunc   func,
                         gpointer        data,
                         GDestroyNotify  destroy,
                         gboolean        sample)
{
  LsMessage msg = { func, data, destroy, g_get_monotonic_time (), ls_current_thread_id (), sample };
  gboolean wake = FALSE;

  pthread_mutex_lock (&self->lock);
  if G_UNLIKELY (self->closed)
    {
      pthread_mutex_unlock (&self->lock);
      if (destroy != NULL && data != NULL)
        destroy (data);
      return FALSE;
    }
  if G_UNLIKELY (__atomic_load_n (&self->depth, __ATOMIC_RELAXED) >= self->capacity)
    {
      /* Full: both policies keep the queue bounded and count the loss; the
       * return value tells a REFUSE producer to back off. */
      LsMailboxFullPolicy policy = self->full_policy;

      pthread_mutex_unlock (&self->lock);
      __atomic_fetch_add (&self->dropped, 1, __ATOMIC_RELAXED);
      if (destroy != NULL && data != NULL)
        destroy (data);
      return policy == LS_MAILBOX_FULL_DROP;
    }
  g_array_append_val (self->pending, msg);
  __atomic_fetch_add (&self->depth, 1, __ATOMIC_RELAXED);
  if (!self->armed)
    {
      __atomic_store_n (&self->armed_since_us, msg.queued_us, __ATOMIC_RELAXED);
      __atomic_store_n (&self->armed, TRUE, __ATOMIC_RELEASE);
      wake = TRUE;
    }
  pthread_mutex_unlock (&self->lock);

  /* Lock-free in GLib too (an eventfd write); we hold a reference to the
   * context, so it is alive even if its thread has just finished. */
  if (wake)
    g_main_context_wakeup (self->target);

  return TRUE;
}

/**
 * ls_mailbox_push:
 * @func: runs on the target thread with @data
 * @destroy: (nullable): frees @data, exactly once, on whichever thread
 *   handles or discards the message
 *
 * Never blocks on the consumer and never runs @func inline.
 *
 * Returns: %FALSE when the mailbox is closed, or full with the REFUSE
 *   policy (then @destroy already ran)
 */
gboolean
ls_mailbox_push (LsMailbox      *self,
                 LsMessageFunc   func,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return ls_mailbox_push_message (self, func, data, destroy, FALSE);
}

/* ls_mailbox_push() of a message whose dispatch is a sample (a stress
 * test's round trip): recorded apart from the history. */
gboolean
ls_mailbox_push_sample (LsMailbox      *self,
                        LsMessageFunc   func,
                        gpointer        data,
                        GDestroyNotify  destroy)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return ls_mailbox_push_message (self, func, data, destroy, TRUE);
}

/* Every dispatch span of this mailbox is a sample. Before the first push. */
void
ls_mailbox_set_samples (LsMailbox *self,
                        gboolean   samples)
{
  g_return_if_fail (self != NULL);

  self->samples = samples;
}

gboolean
ls_mailbox_push_data (LsMailbox      *self,
                      gpointer        data,
                      GDestroyNotify  destroy)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return ls_mailbox_push_message (self, NULL, data, destroy, FALSE);
}

/* Whether the calling thread may touch the consumer side right now: it owns
 * the target context, or the target is its own thread-default context and
 * nobody iterates it at the moment (then we take it for the duration). */
static gboolean
ls_mailbox_claim_target (LsMailbox *self,
                         gboolean  *acquired)
{
  GMainContext *home = g_main_context_get_thread_default ();

  *acquired = FALSE;
  if (g_main_context_is_owner (self->target))
    return TRUE;
  if ((home != NULL ? home : g_main_context_default ()) != self->target)
    return FALSE;
  *acquired = g_main_context_acquire (self->target);
  return *acquired;
}

/**
 * ls_mailbox_close:
 *
 * Refuses further pushes and discards what is queued, without running it
 * (destroy notifies run). Idempotent.
 *
 * On the target's own thread (or with the target context acquired) the
 * mailbox is shut at once. From another thread, the target thread drops
 * the queue at its next dispatch (after the message it is running, if
 * any): no message starts after this call returns, and the messages are
 * freed on the consumer's thread. Either way, never waits for a message.
 *
 * Returns: how many queued messages were discarded here (0 from another
 *   thread)
 */
guint
ls_mailbox_close (LsMailbox *self)
{
  g_autoptr(GArray) stolen = NULL;
  guint discarded = 0;
  gboolean on_target, acquired, wake = FALSE;

  g_return_val_if_fail (self != NULL, 0);

  on_target = ls_mailbox_claim_target (self, &acquired);

  pthread_mutex_lock (&self->lock);
  /* What is queued is freed on the consumer's thread: here only if that is
   * us; otherwise at its next dispatch (or the last unref), so closing a
   * long queue from another thread costs that thread nothing. */
  if (on_target && self->pending->len > 0)
    {
      stolen = self->pending;
      self->pending = g_array_new (FALSE, FALSE, sizeof (LsMessage));
    }
  if (!self->closed && !on_target)
    {
      /* The owner drops its batch and the source at its next iteration. */
      __atomic_store_n (&self->armed, TRUE, __ATOMIC_RELEASE);
      wake = TRUE;
    }
  __atomic_store_n (&self->closed, TRUE, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock (&self->lock);

  /* A consumer between "deciding" and its look at the flag either saw it
   * or is about to start its message: wait out that instant, so that no
   * message starts after we return. Never waits for a running message. */
  if (!on_target)
    while (__atomic_load_n (&self->consumer, __ATOMIC_SEQ_CST) == CONSUMER_DECIDING)
      g_thread_yield ();

  if (wake)
    g_main_context_wakeup (self->target);

  if (stolen != NULL)
    {
      discard_messages (self, (LsMessage *) (gpointer) stolen->data, stolen->len);
      discarded += stolen->len;
    }

  if (on_target)
    {
      if (!self->dispatching)
        {
          guint rest = self->draining->len - self->drain_pos;

          discard_messages (self,
                            &g_array_index (self->draining, LsMessage, self->drain_pos),
                            rest);
          discarded += rest;
          g_array_set_size (self->draining, 0);
          self->drain_pos = 0;
        }
      ls_mailbox_drop_source (self);
    }
  if (acquired)
    g_main_context_release (self->target);

  return discarded;
}

gboolean
ls_mailbox_is_closed (LsMailbox *self)
{
  gboolean closed;

  g_return_val_if_fail (self != NULL, TRUE);

  pthread_mutex_lock (&self->lock);
  closed = self->closed;
  pthread_mutex_unlock (&self->lock);
  return closed;
}

guint
ls_mailbox_get_depth (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return __atomic_load_n (&self->depth, __ATOMIC_RELAXED);
}

guint64
ls_mailbox_get_delivered (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return __atomic_load_n (&self->delivered, __ATOMIC_RELAXED);
}

guint64
ls_mailbox_get_dispatches (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return __atomic_load_n (&self->dispatches, __ATOMIC_RELAXED);
}

const char *
ls_mailbox_get_name (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint64
ls_mailbox_get_dropped (LsMailbox *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return __atomic_load_n (&self->dropped, __ATOMIC_RELAXED);
}

/**
 * ls_mailbox_set_time_budget:
 * @budget_us: how long one dispatch may run messages, 0 for no limit
 *
 * Checked on the monotonic clock between messages: past it, the dispatch
 * yields and the rest waits for the next one, after the other sources of
 * the loop (painting, input) had their turn. Target thread, before use.
 */
void
ls_mailbox_set_time_budget (LsMailbox *self,
                            gint64     budget_us)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (budget_us >= 0);

  self->budget_us = budget_us;
}

/**
 * ls_mailbox_set_capacity:
 * @capacity: how many messages may wait (queued and not yet handled)
 * @policy: what a push into a full mailbox does
 *
 * Every mailbox is bounded (LS_MAILBOX_DEFAULT_CAPACITY, REFUSE, unless
 * set). Either policy runs the message's destroy and counts it in
 * ls_mailbox_get_dropped(); REFUSE makes the push return %FALSE
 * (backpressure), DROP returns %TRUE (the producer need not care).
 */
void
ls_mailbox_set_capacity (LsMailbox           *self,
                         guint                capacity,
                         LsMailboxFullPolicy  policy)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (capacity > 0);

  pthread_mutex_lock (&self->lock);
  self->capacity = capacity;
  self->full_policy = policy;
  pthread_mutex_unlock (&self->lock);
}
