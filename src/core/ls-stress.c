/* ls-stress.c: the bridge stress test: round trips UI → worker → UI, counted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on the bridge's owner ("UI") thread but the one
 * line that answers a request, which runs on the worker. The run talks to
 * the worker only through the bridge and hears back through a UI mailbox
 * of its own, closed whenever a run ends and on dispose: no reply can
 * reach a run that is over, or an object that is gone. At most
 * LS_STRESS_MAX_IN_FLIGHT requests are between the loops at any time, so
 * a run of any length costs both loops a bounded amount of work per frame.
 * A display polls ls_stress_get_progress() when it draws; "notify::state"
 * says when a run starts and how it ended. Each run is one "stress.run"
 * span (category "stress") in the bridge's recorder, parent of the reply
 * mailbox's dispatches.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ls-bridge-private.h"
#include "ls-mailbox-private.h"
#include "ls-stress.h"

struct _LsStress
{
  GObject        parent_instance;

  LsBridge      *bridge;
  LsStressState  state;
  char          *failure;
  guint64        task;         /* the run's span id */
  LsMailbox     *replies;      /* the worker answers into this UI mailbox */
  guint8        *seen;         /* one byte per sequence number */
  guint          total;
  guint          sent;
  guint          replies_in;   /* every reply, duplicates included */
  guint          back;         /* distinct sequence numbers back */
  guint          duplicated;
  gint64         start_us;
  gint64         end_us;
};

G_DEFINE_ENUM_TYPE (LsStressState, ls_stress_state,
                    G_DEFINE_ENUM_VALUE (LS_STRESS_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (LS_STRESS_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (LS_STRESS_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (LS_STRESS_CANCELLED, "cancelled"),
                    G_DEFINE_ENUM_VALUE (LS_STRESS_FAILED, "failed"))

G_DEFINE_FINAL_TYPE (LsStress, ls_stress, G_TYPE_OBJECT)

G_DEFINE_QUARK (ls-stress-error-quark, ls_stress_error)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  LsMailbox *replies;
  guint      seq;
} LsStressRequest;

static void ls_stress_pump (LsStress *self);

static void
ls_stress_request_free (gpointer data)
{
  LsStressRequest *request = data;

  ls_mailbox_unref (request->replies);
  g_free (request);
}

/* Runs on the worker loop: answer straight back across the bridge. The
 * sequence number travels in the pointer (+1, so it is never NULL), so the
 * reply allocates nothing. After a stop the mailbox is closed and the push
 * is refused: that is fine, nobody is waiting. */
static void
ls_stress_request_run (gpointer data)
{
  LsStressRequest *request = data;

  ls_mailbox_push_data (request->replies, GUINT_TO_POINTER (request->seq + 1), NULL);
}

static gboolean
ls_stress_worker_accepts_work (LsStress *self)
{
  return !ls_bridge_is_closed (self->bridge)
         && ls_bridge_get_worker_state (self->bridge) == LS_WORKER_RUNNING;
}

/* Closing drops replies still queued and refuses the ones still to come
 * from requests in flight; their data is freed either way. */
static void
ls_stress_close_replies (LsStress *self)
{
  if (self->replies != NULL)
    {
      ls_mailbox_close (self->replies);
      g_clear_pointer (&self->replies, ls_mailbox_unref);
    }
  g_clear_pointer (&self->seen, g_free);
}

static void
ls_stress_record_run (LsStress *self)
{
  LsRecorder *recorder = ls_bridge_get_recorder (self->bridge);
  g_autofree char *detail = NULL;

  if (recorder == NULL)
    return;

  /* TRANSLATORS: "998 of 1000 round trips back, 0 duplicated". */
  detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u round trip back, %u duplicated",
                                         "%u of %u round trips back, %u duplicated", self->total),
                            self->back, self->total, self->duplicated);
  ls_recorder_add_span (recorder, &(LsSpan) {
                          .task = self->task, .name = "stress.run", .category = "stress",
                          .loop = LS_LOOP_UI,
                          .outcome = self->state == LS_STRESS_DONE ? LS_OUTCOME_OK
                                     : self->state == LS_STRESS_CANCELLED ? LS_OUTCOME_CANCELLED
                                     : LS_OUTCOME_ERROR,
                          .queued_us = self->start_us, .start_us = self->start_us, .end_us = self->end_us,
                          .items = self->back, .detail = detail,
                        });
}

static void
ls_stress_finish (LsStress      *self,
                  LsStressState  state,
                  const char    *failure)
{
  g_assert (self->state == LS_STRESS_RUNNING);
  g_assert (state != LS_STRESS_RUNNING && state != LS_STRESS_IDLE);

  self->state = state;
  self->end_us = g_get_monotonic_time ();
  g_free (self->failure);
  self->failure = g_strdup (failure);
  ls_stress_close_replies (self);
  ls_stress_record_run (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
on_replies_cb (LsMailbox *mailbox,
               LsMessage *messages,
               guint      n_messages,
               gpointer   user_data)
{
  LsStress *self = user_data;
  guint i;

  g_assert (LS_IS_STRESS (self));

  /* A batch already swapped out when a run ended belongs to no one. */
  if (mailbox != self->replies || self->state != LS_STRESS_RUNNING)
    return;

  for (i = 0; i < n_messages; i++)
    {
      guint seq = GPOINTER_TO_UINT (messages[i].data);

      self->replies_in++;
      if (seq == 0 || seq > self->total || self->seen[seq - 1])
        {
          self->duplicated++;
          continue;
        }
      self->seen[seq - 1] = 1;
      self->back++;
    }

  /* Every request answers once: when as many replies as requests came
   * back, the run is over, and the bitmap says whether each sequence
   * number was among them. */
  if (self->replies_in >= self->total)
    ls_stress_finish (self, LS_STRESS_DONE, NULL);
  else
    ls_stress_pump (self);
}

static void
ls_stress_pump (LsStress *self)
{
  g_assert (self->state == LS_STRESS_RUNNING);

  while (self->sent < self->total
         && self->sent - self->replies_in < LS_STRESS_MAX_IN_FLIGHT)
    {
      g_autoptr(GError) error = NULL;
      LsStressRequest *request = g_new (LsStressRequest, 1);

      request->replies = ls_mailbox_ref (self->replies);
      request->seq = self->sent;

      /* On failure the bridge has already freed the request. */
      /* Samples: a run's round trips must not push the history out. */
      if (!ls_bridge_post_sample (self->bridge, ls_stress_request_run, request,
                                  ls_stress_request_free, &error))
        {
          ls_stress_finish (self, LS_STRESS_FAILED, error->message);
          return;
        }
      self->sent++;
    }
}

/* Requests still queued on a stopping worker will never answer: end the
 * run now rather than wait for replies that cannot come. */
static void
on_worker_state_cb (LsStress   *self,
                    GParamSpec *pspec,
                    LsBridge   *bridge)
{
  LsWorkerState state = ls_bridge_get_worker_state (bridge);

  if ((state == LS_WORKER_STOPPING || state == LS_WORKER_CLOSED)
      && self->state == LS_STRESS_RUNNING)
    ls_stress_finish (self, LS_STRESS_FAILED, NULL);
}

static void
ls_stress_dispose (GObject *object)
{
  LsStress *self = LS_STRESS (object);

  /* Close the mailbox first: after this no reply can reach us. */
  ls_stress_close_replies (self);
  g_clear_object (&self->bridge);

  G_OBJECT_CLASS (ls_stress_parent_class)->dispose (object);
}

static void
ls_stress_finalize (GObject *object)
{
  LsStress *self = LS_STRESS (object);

  g_free (self->failure);

  G_OBJECT_CLASS (ls_stress_parent_class)->finalize (object);
}

static void
ls_stress_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LsStress *self = LS_STRESS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_stress_class_init (LsStressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_stress_dispose;
  object_class->finalize = ls_stress_finalize;
  object_class->get_property = ls_stress_get_property;

  /* Notified when a run starts and when it ends, never in between. */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       LS_TYPE_STRESS_STATE, LS_STRESS_IDLE,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_stress_init (LsStress *self)
{
  self->state = LS_STRESS_IDLE;
}

/**
 * ls_stress_new:
 * @bridge: a started bridge; its owner thread is the caller's
 *
 * Returns: (transfer full): an idle stress test over @bridge
 */
LsStress *
ls_stress_new (LsBridge *bridge)
{
  LsStress *self;

  g_return_val_if_fail (LS_IS_BRIDGE (bridge), NULL);

  self = g_object_new (LS_TYPE_STRESS, NULL);
  self->bridge = g_object_ref (bridge);
  g_signal_connect_object (bridge, "notify::worker-state",
                           G_CALLBACK (on_worker_state_cb), self, G_CONNECT_SWAPPED);

  return self;
}

/**
 * ls_stress_start:
 * @n_round_trips: how many requests to send UI → worker → UI
 *
 * Starts a run unless one is running or the worker takes no work.
 *
 * Returns: %TRUE if a run started; it may have ended at once as
 *   %LS_STRESS_FAILED, when the bridge refused the first requests
 */
gboolean
ls_stress_start (LsStress  *self,
                 guint      n_round_trips,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (LS_IS_STRESS (self), FALSE);
  g_return_val_if_fail (n_round_trips > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state == LS_STRESS_RUNNING)
    {
      g_set_error_literal (error, LS_STRESS_ERROR, LS_STRESS_ERROR_BUSY,
                           _("A stress run is already going"));
      return FALSE;
    }

  if (!ls_stress_worker_accepts_work (self))
    {
      g_set_error_literal (error, LS_STRESS_ERROR, LS_STRESS_ERROR_WORKER_STOPPED,
                           _("The worker loop is not running"));
      return FALSE;
    }

  self->replies = ls_bridge_new_ui_mailbox (self->bridge, "stress-replies",
                                            on_replies_cb, self, NULL, &local_error);
  if (self->replies == NULL)
    {
      g_set_error (error, LS_STRESS_ERROR, LS_STRESS_ERROR_BRIDGE_CLOSED,
                   _("The bridge refused a new mailbox: %s"), local_error->message);
      return FALSE;
    }
  if (ls_bridge_get_recorder (self->bridge) != NULL)
    {
      self->task = ls_recorder_next_span_id (ls_bridge_get_recorder (self->bridge));
      ls_mailbox_set_parent_task (self->replies, self->task);
      ls_mailbox_set_samples (self->replies, TRUE);
    }

  g_clear_pointer (&self->seen, g_free);
  g_clear_pointer (&self->failure, g_free);
  self->seen = g_new0 (guint8, n_round_trips);
  self->total = n_round_trips;
  self->sent = 0;
  self->replies_in = 0;
  self->back = 0;
  self->duplicated = 0;
  self->start_us = g_get_monotonic_time ();
  self->end_us = 0;
  self->state = LS_STRESS_RUNNING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  ls_stress_pump (self);

  return TRUE;
}

/* Ends a running run as %LS_STRESS_CANCELLED; otherwise does nothing. */
void
ls_stress_stop (LsStress *self)
{
  g_return_if_fail (LS_IS_STRESS (self));

  if (self->state == LS_STRESS_RUNNING)
    ls_stress_finish (self, LS_STRESS_CANCELLED, NULL);
}

LsStressState
ls_stress_get_state (LsStress *self)
{
  g_return_val_if_fail (LS_IS_STRESS (self), LS_STRESS_IDLE);

  return self->state;
}

/**
 * ls_stress_get_failure:
 *
 * Returns: (nullable): why the bridge refused a request, when the last
 *   run is %LS_STRESS_FAILED for that reason (a stopping worker has none)
 */
const char *
ls_stress_get_failure (LsStress *self)
{
  g_return_val_if_fail (LS_IS_STRESS (self), NULL);

  return self->failure;
}

/**
 * ls_stress_get_progress:
 * @progress: (out caller-allocates): the figures of the current or last run
 *
 * Cheap: meant to be called once per frame.
 */
void
ls_stress_get_progress (LsStress         *self,
                        LsStressProgress *progress)
{
  g_return_if_fail (LS_IS_STRESS (self));
  g_return_if_fail (progress != NULL);

  progress->total = self->total;
  progress->back = self->back;
  progress->lost = self->total - self->back;
  progress->duplicated = self->duplicated;
  progress->in_flight = self->state == LS_STRESS_RUNNING ? self->sent - self->replies_in : 0;
  if (self->state == LS_STRESS_IDLE)
    progress->elapsed_us = 0;
  else
    progress->elapsed_us = (self->state == LS_STRESS_RUNNING ? g_get_monotonic_time () : self->end_us)
                           - self->start_us;
}

/* Replies waiting to be counted on the UI loop: part of its queue. */
guint
ls_stress_get_queued_replies (LsStress *self)
{
  g_return_val_if_fail (LS_IS_STRESS (self), 0);

  return self->replies != NULL ? ls_mailbox_get_depth (self->replies) : 0;
}
