/* ls-stream-run.c: one stream's run on the worker, from start to release
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An LsStreamRun is created on the UI thread (ls-stream.c) and posted to
 * the worker; everything in its "worker only" part is created, used and
 * dropped on the worker thread. The worker copies state and statistics
 * into the run's shared part under a pthread mutex (visible to
 * ThreadSanitizer) and pushes one message into the stream's UI mailbox
 * only when none is queued. Events themselves go straight into the store.
 * One connection's request, response and reads are ls-stream-connection.c;
 * this file is the run around them: its phases, its end, its reconnect
 * waits, its timers and the worker's entry points.
 *
 * The run's phase, and every legal transition (ls_stream_run_enter()
 * asserts them; the phase changes nowhere else):
 *
 *   POSTED ──start on the worker──▶ DECIDING
 *   DECIDING ──send──▶ SENDING         ──reply or error──▶ DECIDING
 *   DECIDING ──read──▶ READING         ──bytes, end or error──▶ DECIDING
 *            (a body, or a refusal's body kept for the response)
 *   DECIDING ──reconnect later──▶ WAITING ──timer, or "reconnect now"──▶ DECIDING
 *   SENDING, READING ──final (cancel, duration, timeout of the stream)──▶ FINISHING
 *   FINISHING ──the pending operation reports back──▶ RELEASED
 *   DECIDING, WAITING ──final──▶ RELEASED
 *
 * So at most one libsoup/GIO operation is pending (SENDING or READING, or
 * FINISHING after them), the reconnect timer exists exactly while WAITING,
 * and the run is final from FINISHING on. RELEASED drops every source,
 * the message, the body, the own session, untracks the task (the
 * worker's stop waits for that) and drops the worker's reference: the
 * operations' callbacks need none of their own, since the run is never
 * released while one is pending. A run whose start is discarded by a
 * stopping worker stays POSTED and publishes CANCELLED when freed.
 *
 * A stop of the worker cancels the tracked cancellable; a
 * GCancellableSource turns that into the CANCELLED state.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "ls-enum.h"
#include "ls-redact.h"
#include "ls-stream-private.h"

#define MAX_BACKOFF_SHIFT 16
/* Why a connection was dropped by ls_stream_reconnect_now(). */
#define RESTART_REASON _("Reconnect asked for")

/* Span names, interned once (the recorder copies records without allocating). */
static const char *span_category;
static const char *span_wait;
static const char *span_closed;
static const char *span_connection;

/* Spreads streams over the worker's sessions (see ls_worker_get_session_for). */
static guint next_session_key;

static const char *
phase_name (LsRunPhase phase)
{
  static const char *const names[] = {
    "POSTED", "DECIDING", "SENDING", "READING", "WAITING", "FINISHING", "RELEASED",
  };

  return phase < G_N_ELEMENTS (names) ? names[phase] : "?";
}

static gboolean
phase_may_enter (LsRunPhase from,
                 LsRunPhase to)
{
  switch (from)
    {
    case LS_RUN_POSTED:
      return to == LS_RUN_DECIDING;
    case LS_RUN_DECIDING:
      return to == LS_RUN_SENDING || to == LS_RUN_READING || to == LS_RUN_WAITING ||
             to == LS_RUN_RELEASED;
    case LS_RUN_SENDING:
    case LS_RUN_READING:
      return to == LS_RUN_DECIDING || to == LS_RUN_FINISHING;
    case LS_RUN_WAITING:
      return to == LS_RUN_DECIDING || to == LS_RUN_RELEASED;
    case LS_RUN_FINISHING:
      return to == LS_RUN_RELEASED;
    case LS_RUN_RELEASED:
    default:
      return FALSE;
    }
}

static void run_release (LsStreamRun *run);

/* The one place the phase changes. Entering RELEASED may free the run. */
void
ls_stream_run_enter (LsStreamRun *run,
                     LsRunPhase   to)
{
  g_assert (ls_worker_is_worker_thread (run->worker));
  if (!phase_may_enter (run->phase, to))
    g_error ("stream %u: illegal run transition %s → %s", run->stream_id,
             phase_name (run->phase), phase_name (to));
  run->phase = to;
  if (to == LS_RUN_RELEASED)
    run_release (run);
}

static gboolean
run_is_final (LsStreamRun *run)
{
  return run->phase >= LS_RUN_FINISHING;
}

/* An operation reported back: TRUE when its callback should go on (the
 * run is DECIDING), FALSE when the run was finishing and is now released
 * (do not touch it any more). */
gboolean
ls_stream_run_op_reported (LsStreamRun *run)
{
  if (run->phase == LS_RUN_FINISHING)
    {
      ls_stream_run_enter (run, LS_RUN_RELEASED);
      return FALSE;
    }
  ls_stream_run_enter (run, LS_RUN_DECIDING);
  return TRUE;
}

LsStreamRun *
ls_stream_run_ref (LsStreamRun *run)
{
  __atomic_fetch_add (&run->ref_count, 1, __ATOMIC_RELAXED);
  return run;
}

void
ls_stream_run_unref (gpointer data)
{
  LsStreamRun *run = data;

  if (__atomic_sub_fetch (&run->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;

  /* Everything the worker owns was dropped on the worker in release. */
  g_assert (run->msg == NULL && run->body == NULL);
  g_assert (run->cancel_source == NULL && run->wait_timer == NULL);
  g_assert (run->idle_timer == NULL && run->duration_timer == NULL);
  g_assert (run->stall_timer == NULL && run->refusal_timer == NULL);

  g_clear_pointer (&run->framer, ls_framer_free);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->conn_cancellable);
  g_free (run->buffer);
  g_free (run->message);
  g_free (run->conn_abort_reason);
  g_free (run->shared_message);
  g_free (run->request_summary);
  g_free (run->pin);
  g_clear_object (&run->ca_database);
  g_free (run->tls_problem);
  g_free (run->tls_fingerprint);
  g_free (run->tls_note);
  g_free (run->shared_tls_fingerprint);
  g_clear_error (&run->conn_error);
  g_clear_error (&run->shared_wait_error);
  g_clear_pointer (&run->response, ls_stream_response_unref);
  g_clear_pointer (&run->shared_response, ls_stream_response_unref);
  g_clear_pointer (&run->error_body, g_byte_array_unref);
  pthread_mutex_destroy (&run->lock);
  ls_mailbox_unref (run->ui_box);
  g_clear_object (&run->worker);
  g_clear_object (&run->recorder);
  ls_event_store_unref (run->store);
  g_clear_pointer (&run->read_log, ls_read_log_unref);
  ls_stream_options_free (run->options);
  g_free (run);
}

LsStreamRun *
ls_stream_run_new (const LsStreamOptions *options,
                   LsEventStore          *store,
                   guint32                stream_id,
                   LsMailbox             *ui_box,
                   LsWorker              *worker)
{
  static gsize names_interned;
  LsStreamRun *run = g_new0 (LsStreamRun, 1);
  LsRecorder *recorder = ls_worker_get_recorder (worker);

  /* On the UI thread, before any post: the worker reads them after. */
  if (g_once_init_enter (&names_interned))
    {
      span_category = g_intern_static_string ("stream");
      span_wait = g_intern_static_string ("stream.reconnect-wait");
      span_closed = g_intern_static_string ("stream.closed");
      ls_stream_connection_init ();
      span_connection = g_intern_static_string ("stream.connection");
      g_once_init_leave (&names_interned, 1);
    }

  run->ref_count = 1;
  run->phase = LS_RUN_POSTED;
  run->options = ls_stream_options_copy (options);
  run->store = ls_event_store_ref (store);
  if (options->record_reads)
    run->read_log = ls_read_log_new (LS_READ_LOG_DEFAULT_MAX_BYTES);
  run->stream_id = stream_id;
  run->session_key = __atomic_fetch_add (&next_session_key, 1, __ATOMIC_RELAXED);
  run->ui_box = ls_mailbox_ref (ui_box);
  run->worker = g_object_ref (worker);
  run->recorder = recorder != NULL ? g_object_ref (recorder) : NULL;
  run->task = recorder != NULL ? ls_recorder_next_span_id (recorder) : 0;
  pthread_mutex_init (&run->lock, NULL);
  run->shared_state = LS_STREAM_CONNECTING;
  run->state = LS_STREAM_CONNECTING;
  run->stats.ttfb_us = -1;
  run->stats.retry_ms = options->reconnect_ms;
  run->shared_stats = run->stats;
  return run;
}

/* Any thread: hands the latest state to the UI, at most one queued message. */
static void
stream_run_publish_shared (LsStreamRun         *run,
                           LsStreamState        state,
                           LsStreamEnd          end,
                           const char          *message,
                           const LsStreamStats *stats)
{
  gboolean push;

  pthread_mutex_lock (&run->lock);
  if (stats != NULL)
    run->shared_stats = *stats;
  run->shared_state = state;
  if (message != NULL && run->shared_message == NULL)
    {
      run->shared_message = g_strdup (message);
      run->shared_end = end;
    }
  push = !run->notify_queued;
  run->notify_queued = TRUE;
  pthread_mutex_unlock (&run->lock);

  if (push)
    ls_mailbox_push_data (run->ui_box, ls_stream_run_ref (run), ls_stream_run_unref);
}

void
ls_stream_run_publish (LsStreamRun *run)
{
  g_assert (ls_worker_is_worker_thread (run->worker));

  stream_run_publish_shared (run, run->state, run->end, run->message, &run->stats);
}

/* One span under @parent (a task of this stream); returns its task id. */
guint64
ls_stream_run_span (LsStreamRun *run,
                    guint64      parent,
                    const char  *name,
                    gint64       queued_us,
                    gint64       start_us,
                    gint64       end_us,
                    LsOutcome    outcome,
                    gint64       count,
                    const char  *detail)
{
  if (run->recorder == NULL)
    return 0;
  return ls_recorder_add_span (run->recorder, &(LsSpan) {
                                 .parent = parent, .stream_id = run->stream_id,
                                 .name = name, .category = span_category, .loop = LS_LOOP_WORKER,
                                 .queued_us = queued_us, .start_us = start_us, .end_us = end_us,
                                 .outcome = outcome, .items = count, .detail = detail,
                               });
}

/* The current connection attempt's own span, once it is over: the parent
 * of its send, response headers and reads, child of the stream's task. */
static void
run_end_connection_span (LsStreamRun *run,
                         LsOutcome    outcome,
                         const char  *detail)
{
  if (run->conn_task == 0 || run->recorder == NULL)
    return;
  ls_recorder_add_span (run->recorder, &(LsSpan) {
                          .task = run->conn_task, .parent = run->task, .stream_id = run->stream_id,
                          .name = span_connection, .category = span_category,
                          .loop = LS_LOOP_WORKER, .start_us = run->send_us,
                          .end_us = g_get_monotonic_time (), .outcome = outcome,
                          .items = (gint64) run->conn_events, .detail = detail,
                        });
  run->conn_task = 0;
}

void
ls_stream_run_record (LsStreamRun *run,
                      LsEventKind  kind,
                      const char  *message)
{
  /* Lifecycle messages reach every output and the window: no credentials. */
  g_autofree char *safe = ls_redact_text (message);

  ls_event_store_append (run->store, run->stream_id, kind, g_get_monotonic_time (),
                         NULL, 0, NULL, 0, safe, strlen (safe), 0);
  run->stats.records++;
}

/* The "closed" record carries the end's nick as its type. */
static void
run_record_closed (LsStreamRun *run,
                   LsStreamEnd  end,
                   const char  *message)
{
  const char *nick = ls_enum_to_nick (LS_TYPE_STREAM_END, end);

  ls_event_store_append (run->store, run->stream_id, LS_EVENT_KIND_CLOSED, g_get_monotonic_time (),
                         nick, strlen (nick), NULL, 0, message, strlen (message), 0);
  run->stats.records++;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Drops the current connection (worker only). */
static void
run_close_connection (LsStreamRun *run)
{
  if (run->conn_cancellable != NULL)
    g_cancellable_cancel (run->conn_cancellable);
  if (run->idle_timer != NULL)
    g_source_set_ready_time (run->idle_timer, -1);
  if (run->stall_timer != NULL)
    g_source_set_ready_time (run->stall_timer, -1);
}

/* Entering RELEASED: the run lets go of everything (nothing is pending
 * any more); then the worker may stop. May free the run. */
static void
run_release (LsStreamRun *run)
{
  destroy_source (&run->cancel_source);
  destroy_source (&run->wait_timer);
  destroy_source (&run->idle_timer);
  destroy_source (&run->stall_timer);
  destroy_source (&run->duration_timer);
  destroy_source (&run->refusal_timer);
  g_clear_object (&run->body);
  g_clear_object (&run->msg);
  ls_stream_tls_clear (run);
  ls_worker_untrack_task (run->worker, run->cancellable);
  /* The reference the worker held since the start. */
  ls_stream_run_unref (run);
}

/* The first final state wins. From SENDING or READING the run waits in
 * FINISHING for the cancelled operation; otherwise it is released at
 * once, and may be freed: callers do not touch it afterwards. */
void
ls_stream_run_finish (LsStreamRun *run,
                      LsStreamEnd  end,
                      const char  *detail)
{
  g_autofree char *message = NULL;
  LsStreamState state;
  LsOutcome outcome;
  gboolean op_pending;

  g_assert (end != LS_STREAM_END_NONE);

  if (run_is_final (run))
    return;

  run->stats.next_attempt_us = 0;
  op_pending = run->phase == LS_RUN_SENDING || run->phase == LS_RUN_READING;
  message = ls_stream_end_describe (end, detail);
  state = end == LS_STREAM_END_CANCELLED ? LS_STREAM_CANCELLED :
          LS_STREAM_END_IS_FAILURE (end) ? LS_STREAM_FAILED : LS_STREAM_ENDED;
  run->end = end;
  run->state = state;
  g_free (run->message);
  run->message = g_strdup (message);
  run_close_connection (run);
  destroy_source (&run->wait_timer);
  destroy_source (&run->duration_timer);

  if (state == LS_STREAM_FAILED)
    ls_stream_run_record (run, LS_EVENT_KIND_ERROR, message);
  run_record_closed (run, end, message);
  run->stats.ended_us = g_get_monotonic_time ();
  outcome = state == LS_STREAM_CANCELLED ? LS_OUTCOME_CANCELLED :
            state == LS_STREAM_FAILED ? LS_OUTCOME_ERROR : LS_OUTCOME_OK;
  run_end_connection_span (run, outcome, message);
  ls_stream_run_span (run, run->task, span_closed, 0, run->stats.ended_us,
            run->stats.ended_us, outcome, 0, message);
  /* The root of the stream's tree, recorded when it is final. */
  if (run->recorder != NULL)
    ls_recorder_add_span (run->recorder, &(LsSpan) {
                            .task = run->task, .stream_id = run->stream_id,
                            .name = span_category, .category = span_category,
                            .loop = LS_LOOP_WORKER, .start_us = run->started_us,
                            .end_us = run->stats.ended_us, .outcome = outcome,
                            .items = (gint64) run->stats.events, .detail = message,
                          });
  ls_stream_run_publish (run);
  if (op_pending)
    run->finishing_after = run->phase;
  ls_stream_run_enter (run, op_pending ? LS_RUN_FINISHING : LS_RUN_RELEASED);
}


/* A source that fires at its ready time (monotonic µs), once per setting. */
static gboolean
ready_time_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  gint64 begin = ls_loop_probe_dispatch_begin ();
  gboolean again;

  g_source_set_ready_time (source, -1);
  again = callback (user_data);
  ls_loop_probe_dispatch_end (begin);
  return again;
}

static GSourceFuncs ready_time_source_funcs = {
  .dispatch = ready_time_dispatch,
};

/* WAITING: arms the reconnect timer for due_us, unless paused, and says
 * when the attempt will be (0 while paused). */
static void
run_schedule_attempt (LsStreamRun *run)
{
  g_assert (run->phase == LS_RUN_WAITING);
  if (run->reconnect_paused)
    {
      g_source_set_ready_time (run->wait_timer, -1);
      run->stats.next_attempt_us = 0;
    }
  else
    {
      g_source_set_ready_time (run->wait_timer, run->due_us);
      run->stats.next_attempt_us = run->due_us;
    }
}

/* An explicit cancel says no more; the worker's stop says why. */
const char *
ls_stream_run_cancel_detail (LsStreamRun *run)
{
  return run->cancel_asked ? NULL : _("the worker is stopping");
}

static gboolean
wait_timer_cb (gpointer data)
{
  LsStreamRun *run = data;
  gint64 now = g_get_monotonic_time ();

  destroy_source (&run->wait_timer);
  /* The span ends when the attempt was due: the time announced to the UI
   * (or the moment of a "reconnect now"); the attempt starts at or after it. */
  ls_stream_run_span (run, run->task, span_wait, run->wait_start_us,
            run->wait_start_us, MIN (run->due_us, now), LS_OUTCOME_OK, 0, NULL);
  run->stats.next_attempt_us = 0;
  ls_stream_run_enter (run, LS_RUN_DECIDING);
  ls_stream_connection_start (run);
  return G_SOURCE_REMOVE;
}

static guint64
run_reconnect_delay (LsStreamRun *run)
{
  gint64 server_retry = -1;
  guint64 base, delay;

  if (run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE)
    server_retry = ls_sse_parser_get_retry_ms (ls_framer_get_sse_parser (run->framer));
  base = server_retry >= 0 ? (guint64) server_retry : run->options->reconnect_ms;
  base = CLAMP (base, LS_STREAM_MIN_RECONNECT_MS, LS_STREAM_MAX_RECONNECT_MS);
  run->stats.retry_ms = base;
  delay = base;

  /* Repeated failures back off exponentially, with jitter so that many
   * clients of one server do not come back in lockstep. */
  if (run->failures > 1)
    {
      guint shift = MIN (run->failures - 1, MAX_BACKOFF_SHIFT);
      guint64 backoff = MIN (base << shift, (guint64) run->options->backoff_max_ms);

      backoff -= (guint64) g_random_double_range (0, (double) backoff / 4);
      delay = MAX (base, backoff);
    }
  return delay;
}

/* Why this wait: the connection's end, whether it had opened, and its
 * cause as GIO or libsoup gave it (else the end itself as the error; none
 * for a clean end of body). Messages redacted: they reach the window. */
static void
run_share_wait_reason (LsStreamRun *run,
                       LsStreamEnd  end,
                       const char  *reason)
{
  GError *error = NULL;

  if (run->conn_error != NULL)
    {
      g_autofree char *safe = ls_redact_text (run->conn_error->message);

      error = g_error_new_literal (run->conn_error->domain, run->conn_error->code, safe);
    }
  else if (end != LS_STREAM_END_COMPLETED)
    error = g_error_new_literal (LS_STREAM_END_ERROR, (int) end, reason);
  g_clear_error (&run->conn_error);

  pthread_mutex_lock (&run->lock);
  g_clear_error (&run->shared_wait_error);
  run->shared_wait_error = error;
  run->shared_wait_end = end;
  run->shared_wait_opened = run->conn_opened;
  run->shared_wait_serial++;
  pthread_mutex_unlock (&run->lock);
}

/* WAITING, for @delay_ms: a timer on the monotonic clock, due at exactly
 * the time the UI is told. The caller arms it. */
static void
run_wait (LsStreamRun *run,
          guint64      delay_ms)
{
  run->state = LS_STREAM_WAITING;
  run->wait_start_us = g_get_monotonic_time ();
  run->due_us = run->wait_start_us + (gint64) delay_ms * 1000;
  run->wait_timer = g_source_new (&ready_time_source_funcs, sizeof (GSource));
  g_source_set_callback (run->wait_timer, wait_timer_cb, run, NULL);
  g_source_set_static_name (run->wait_timer, "stream.reconnect-timer");
  g_source_attach (run->wait_timer, ls_worker_get_context (run->worker));
  ls_stream_run_enter (run, LS_RUN_WAITING);
}

/* The connection a reconnect-now dropped: connect again at once, whatever
 * the reconnect policy or a pause (the user asked), with Last-Event-ID as
 * on any reconnect. Not a failure: no "error" record, no backoff. */
static void
run_restart (LsStreamRun *run)
{
  run->restart_asked = FALSE;
  g_clear_error (&run->conn_error);
  run_end_connection_span (run, LS_OUTCOME_CANCELLED, RESTART_REASON);
  run->stats.reconnects++;
  ls_stream_run_record (run, LS_EVENT_KIND_RECONNECT, _("Reconnect asked for; reconnecting now"));
  run_wait (run, 0);
  g_source_set_ready_time (run->wait_timer, run->due_us);
  run->stats.next_attempt_us = run->due_us;
  ls_stream_run_publish (run);
}

/* The connection ended (error or clean end of body): reconnect or stop. */
void
ls_stream_run_connection_ended (LsStreamRun *run,
                                LsStreamEnd  end,
                                const char  *detail)
{
  g_autofree char *note = NULL;
  g_autofree char *reason = ls_stream_end_describe (end, detail);
  gboolean is_error = end != LS_STREAM_END_COMPLETED;
  guint64 delay;
  gboolean sse;

  run_close_connection (run);
  g_clear_object (&run->body);
  g_clear_object (&run->msg);
  if (run->framer != NULL)
    ls_framer_end_stream (run->framer);

  if (run->restart_asked)
    {
      run_restart (run);
      return;
    }
  run_end_connection_span (run, is_error ? LS_OUTCOME_ERROR : LS_OUTCOME_OK, reason);

  sse = run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_SSE;
  if (!ls_stream_options_get_reconnect (run->options) || (!is_error && !sse))
    {
      /* Its "error" record is the failure's, written there: one per failure. */
      ls_stream_run_finish (run, end, detail);
      return;
    }
  if (is_error)
    ls_stream_run_record (run, LS_EVENT_KIND_ERROR, reason);

  if (run->conn_events > 0)
    run->failures = 0;
  run->failures++;
  delay = run_reconnect_delay (run);
  run->stats.reconnects++;
  /* TRANSLATORS: "REASON; reconnecting in 3000 ms". */
  note = g_strdup_printf (_("%s; reconnecting in %u ms"), reason, (guint) MIN (delay, G_MAXUINT));
  ls_stream_run_record (run, LS_EVENT_KIND_RECONNECT, note);

  run_share_wait_reason (run, end, reason);

  run_wait (run, delay);
  run_schedule_attempt (run);
  ls_stream_run_publish (run);
}


/* ---- timers and cancellation ---------------------------------------- */

static char *
format_ms (guint64 ms)
{
  char number[32];

  g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, ms % 1000 == 0 ? ms / 1000 : ms);
  /* TRANSLATORS: whole seconds and milliseconds; keep the unit symbols
   * (a no-break space before them where your language wants one). */
  if (ms % 1000 == 0)
    return g_strdup_printf (C_("duration", "%s s"), number);
  return g_strdup_printf (C_("duration", "%s ms"), number);
}

/* Cancels the connection; the pending operation reports back cancelled
 * and reads this reason. */
static void
run_abort_connection (LsStreamRun *run,
                      gboolean     lines,
                      guint        ms,
                      LsStreamEnd  end)
{
  g_autofree char *duration = format_ms (ms);

  g_free (run->conn_abort_reason);
  run->conn_abort_end = end;
  /* Before on_sent the server has not answered at all. */
  if (run->body == NULL)
    run->conn_abort_reason = g_strdup_printf (_("No response for %s"), duration);
  else if (lines)
    run->conn_abort_reason = g_strdup_printf (_("No complete line for %s"), duration);
  else
    run->conn_abort_reason = g_strdup_printf (_("No data for %s"), duration);
  g_cancellable_cancel (run->conn_cancellable);
}

static gboolean
idle_timeout_cb (gpointer data)
{
  LsStreamRun *run = data;

  if (run->phase != LS_RUN_SENDING && run->phase != LS_RUN_READING)
    return G_SOURCE_CONTINUE;
  run_abort_connection (run, FALSE, run->options->idle_timeout_ms, LS_STREAM_END_IDLE_TIMEOUT);
  return G_SOURCE_CONTINUE;
}

static gboolean
stall_timeout_cb (gpointer data)
{
  LsStreamRun *run = data;
  gboolean raw;

  if (run->phase != LS_RUN_SENDING && run->phase != LS_RUN_READING)
    return G_SOURCE_CONTINUE;
  raw = run->framer != NULL && ls_framer_get_format (run->framer) == LS_STREAM_FORMAT_RAW;
  run_abort_connection (run, !raw,
                        run->options->stall_timeout_ms, LS_STREAM_END_STALL);
  return G_SOURCE_CONTINUE;
}

static gboolean
duration_cb (gpointer data)
{
  LsStreamRun *run = data;
  g_autofree char *message = NULL;
  guint64 ms = run->options->duration_ms;

  destroy_source (&run->duration_timer);
  message = format_ms (ms);
  ls_stream_run_finish (run, LS_STREAM_END_DURATION, message);
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  LsStreamRun *run = data;

  ls_stream_run_finish (run, LS_STREAM_END_CANCELLED, ls_stream_run_cancel_detail (run));
  return G_SOURCE_REMOVE;
}

static const char *
run_phase_name (LsRunPhase phase)
{
  switch (phase)
    {
    case LS_RUN_POSTED:
      return "posted";
    case LS_RUN_DECIDING:
      return "deciding";
    case LS_RUN_SENDING:
      return "sending";
    case LS_RUN_READING:
      return "reading";
    case LS_RUN_WAITING:
      return "waiting";
    case LS_RUN_FINISHING:
      return "finishing";
    case LS_RUN_RELEASED:
    default:
      return "released";
    }
}

/* For the worker's warning about a stop that does not finish (a log
 * line, for developers: not translated, the URL redacted). */
static char *
run_describe_task (gpointer data)
{
  LsStreamRun *run = data;
  g_autofree char *url = ls_redact_url (run->options->url);

  if (run->phase == LS_RUN_FINISHING)
    return g_strdup_printf ("stream %u %s, finishing: its %s has not reported back", run->stream_id, url,
                            run->finishing_after == LS_RUN_SENDING ? "send" : "read");
  return g_strdup_printf ("stream %u %s, %s", run->stream_id, url, run_phase_name (run->phase));
}

/* ---- worker entry points -------------------------------------------- */

/* "GET URL" and one "Name: value" line per request header, for the send
 * span. Raw: the recorder redacts what it shows and what it exports. */
static char *
run_describe_request (const LsStreamOptions *options)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s %s", options->method != NULL ? options->method : "GET", options->url);
  for (guint i = 0; options->headers != NULL && i < options->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (options->headers, i);

      g_string_append_printf (out, "\n%s: %s", header->name, header->value);
    }
  return g_string_free (out, FALSE);
}

/* What the UI thread posts to the worker about a run: a reference to it,
 * and for a start whether it ran, for a pause the setting. */
typedef struct
{
  LsStreamRun *run;
  gboolean     ran;
  gboolean     paused;
} RunRequest;

static RunRequest *
run_request_new (LsStreamRun *run)
{
  RunRequest *request = g_new0 (RunRequest, 1);

  request->run = ls_stream_run_ref (run);
  return request;
}

static void
run_request_free (gpointer data)
{
  RunRequest *request = data;

  ls_stream_run_unref (request->run);
  g_free (request);
}

static void
start_on_worker (gpointer data)
{
  RunRequest *request = data;
  LsStreamRun *run = request->run;
  GMainContext *context = ls_worker_get_context (run->worker);

  g_assert (ls_worker_is_worker_thread (run->worker));

  request->ran = TRUE;
  ls_stream_run_enter (run, LS_RUN_DECIDING);
  run->started_us = g_get_monotonic_time ();
  /* This reference is the worker's until RELEASED. */
  ls_stream_run_ref (run);
  run->buffer_size = LS_STREAM_READ_SIZE;
  run->buffer = g_malloc (run->buffer_size);
  ls_stream_tls_setup (run);
  run->request_summary = run_describe_request (run->options);
  run->cancellable = g_cancellable_new ();
  run->cancel_source = g_cancellable_source_new (run->cancellable);
  g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (cancelled_cb), run, NULL);
  g_source_set_static_name (run->cancel_source, "stream.cancel");
  g_source_attach (run->cancel_source, context);
  /* Cancels at once when the worker is already stopping. */
  ls_worker_track_task (run->worker, run->cancellable, run_describe_task, run);

  if (run->options->idle_timeout_ms > 0)
    {
      run->idle_timer = g_source_new (&ready_time_source_funcs, sizeof (GSource));
      g_source_set_callback (run->idle_timer, idle_timeout_cb, run, NULL);
      g_source_set_static_name (run->idle_timer, "stream.idle-timer");
      g_source_attach (run->idle_timer, context);
    }
  if (run->options->stall_timeout_ms > 0)
    {
      run->stall_timer = g_source_new (&ready_time_source_funcs, sizeof (GSource));
      g_source_set_callback (run->stall_timer, stall_timeout_cb, run, NULL);
      g_source_set_static_name (run->stall_timer, "stream.stall-timer");
      g_source_attach (run->stall_timer, context);
    }
  if (run->options->duration_ms > 0)
    {
      run->duration_timer = g_timeout_source_new ((guint) MIN (run->options->duration_ms, G_MAXUINT));
      ls_source_set_timed_callback (run->duration_timer, duration_cb, run, NULL);
      g_source_set_static_name (run->duration_timer, "stream.duration-timer");
      g_source_attach (run->duration_timer, context);
    }

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      ls_stream_run_finish (run, LS_STREAM_END_CANCELLED, ls_stream_run_cancel_detail (run));
      return;
    }
  ls_stream_connection_start (run);
}

static void
start_request_free (gpointer data)
{
  RunRequest *request = data;

  /* Discarded by a stopping worker before it ran: the stream never
   * started, and must still end. Any thread. */
  if (!request->ran)
    {
      g_autofree char *message =
        ls_stream_end_describe (LS_STREAM_END_CANCELLED, _("the worker stopped before the stream started"));

      stream_run_publish_shared (request->run, LS_STREAM_CANCELLED, LS_STREAM_END_CANCELLED,
                                 message, NULL);
    }
  run_request_free (request);
}

static void
cancel_on_worker (gpointer data)
{
  LsStreamRun *run = data;

  if (run->phase == LS_RUN_POSTED || run_is_final (run))
    return;
  run->cancel_asked = TRUE;
  g_cancellable_cancel (run->cancellable);
}

static void
reconnect_now_on_worker (gpointer data)
{
  LsStreamRun *run = data;

  /* Connecting or open: drop the connection; its pending operation
   * reports back cancelled, and the run connects again (run_restart).
   * Not while it reads a refusal's body: that stream is failing. */
  if ((run->phase == LS_RUN_SENDING || run->phase == LS_RUN_READING) &&
      run->error_body == NULL && !run->restart_asked)
    {
      run->restart_asked = TRUE;
      g_free (run->conn_abort_reason);
      run->conn_abort_end = LS_STREAM_END_NETWORK;
      run->conn_abort_reason = g_strdup (RESTART_REASON);
      g_cancellable_cancel (run->conn_cancellable);
      return;
    }
  if (run->phase != LS_RUN_WAITING)
    return;
  run->due_us = g_get_monotonic_time ();
  g_source_set_ready_time (run->wait_timer, run->due_us);
  run->stats.next_attempt_us = run->due_us;
  ls_stream_run_publish (run);
}

static void
pause_on_worker (gpointer data)
{
  RunRequest *request = data;
  LsStreamRun *run = request->run;

  if (run->phase == LS_RUN_POSTED || run_is_final (run) || run->reconnect_paused == request->paused)
    return;
  run->reconnect_paused = request->paused;
  if (run->phase != LS_RUN_WAITING)
    return;
  /* Resumed after the due time: the attempt is now, not in the past. */
  if (!run->reconnect_paused)
    run->due_us = MAX (run->due_us, g_get_monotonic_time ());
  run_schedule_attempt (run);
  ls_stream_run_publish (run);
}

void
ls_stream_run_post_reconnect_now (LsStreamRun *run,
                                  LsBridge    *bridge)
{
  ls_bridge_post (bridge, reconnect_now_on_worker, ls_stream_run_ref (run), ls_stream_run_unref, NULL);
}

void
ls_stream_run_post_reconnect_paused (LsStreamRun *run,
                                     LsBridge    *bridge,
                                     gboolean     paused)
{
  RunRequest *request = run_request_new (run);

  request->paused = paused;
  ls_bridge_post (bridge, pause_on_worker, request, run_request_free, NULL);
}

gboolean
ls_stream_run_post_start (LsStreamRun  *run,
                          LsBridge     *bridge,
                          GError      **error)
{
  return ls_bridge_post (bridge, start_on_worker, run_request_new (run), start_request_free, error);
}

void
ls_stream_run_post_cancel (LsStreamRun *run,
                           LsBridge    *bridge)
{
  ls_bridge_post (bridge, cancel_on_worker, ls_stream_run_ref (run), ls_stream_run_unref, NULL);
}

