/* ls-stream-page.c: one request, its live state and what it received
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connect builds LsStreamOptions from the editor, validates them (a bad
 * request is one line under the URL, never a crash), gives the stream a
 * fresh LsEventStore (the table then shows only this connection) and
 * starts it on the worker. Everything the page shows comes from the
 * stream's "notify::state", "notify::next-attempt-time" and once-per-frame
 * "progress" signals, all on the UI loop. Going away cancels the stream.
 *
 * While the stream waits to reconnect the status says why (lost, or never
 * connected: from the stream's typed wait reason) and counts down to the
 * engine's next attempt time, refreshed by a timer that exists only while
 * a countdown is on screen; the figures that describe an open connection
 * (Rate) say "—" when none is.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ls-capture.h"
#include "ls-curl.h"
#include "ls-format.h"
#include "ls-llm-view.h"
#include "ls-loop-probe.h"
#include "ls-redact.h"
#include "ls-response-pane.h"
#include "ls-settings.h"
#include "ls-stream-page.h"
#include "ls-stream-page-private.h"
#include "ls-ui-util.h"

typedef enum
{
  FIGURE_EVENTS,
  FIGURE_BYTES,
  FIGURE_RATE,
  FIGURE_RECONNECTS,
  FIGURE_TTFB,
  FIGURE_LATENCY,
  N_FIGURES
} LsFigure;

struct _LsStreamPage
{
  GtkWidget        parent_instance;

  /* Template widgets */
  LsRequestEditor *editor;
  GtkLabel        *state_label;
  GtkLabel        *message_label;
  GtkBox          *tls_box;
  GtkLabel        *tls_label;
  GtkButton       *trust_button;
  GtkFlowBox      *figures_box;
  GtkBox          *wait_box;
  GtkButton       *reconnect_now_button;
  GtkButton       *pause_button;
  GtkButton       *replay_button;
  LsEventPanel    *event_panel;
  LsLlmView       *llm_view;
  LsResponsePane  *response_pane;

  GtkLabel        *figures[N_FIGURES];
  const char      *state_class;   /* static string: the CSS class on state_label */

  LsBridge        *bridge;
  GSettings       *settings;      /* the Preferences: new streams' defaults */
  LsRequestTiming  timing_defaults; /* the Preferences' timings last put into the editor */
  LsStream        *stream;
  guint32          response_shown_id; /* the stream whose failure brought the Response page up */
  gboolean         live;          /* the stream is connecting, open or waiting to reconnect */
  guint            countdown_id;  /* one-shot, re-armed at the next change of the shown wait; 0 when none is shown */
  guint            rate_id;       /* one-shot: an open stream's rate goes stale without "progress" */

  /* The user's explicit choice to accept one certificate: for the URL it
   * was made for, on this page only; editing the URL forgets it. */
  char            *pinned_fingerprint;
  char            *pinned_url;

  char            *capture_name;  /* the stream shown was read from this capture file */

  /* What a row of the streams sidebar shows of this page */
  char            *title;
  char            *location;      /* host and port; NULL before the first stream */
  guint32          titled_id;     /* the stream the title was made for; 0: none */
  char            *summary;
  const char      *summary_class; /* static: "running", "stopping", "closed" or NULL */
};

/* Stream ids are the window's, not the page's: the timeline tells
 * streams apart by them. The UI thread hands them out. */
static guint32 last_stream_id;

G_DEFINE_FINAL_TYPE (LsStreamPage, ls_stream_page, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_LIVE,
  PROP_TITLE,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- figures -------------------------------------------------------------- */

static void ls_stream_page_update_figures (LsStreamPage *self);

/* Past the engine's 2 s staleness of a rate, once. */
#define RATE_RECHECK_MS 2100

static gboolean
rate_recheck_cb (gpointer data)
{
  LsStreamPage *self = data;

  self->rate_id = 0;
  ls_stream_page_update_figures (self);
  return G_SOURCE_REMOVE;
}

/* Socket to screen, as the events view measures it. */
static void
ls_stream_page_update_latency (LsStreamPage *self)
{
  gint64 p50, p99;
  char a[32];
  char b[32];
  char buf[80];

  if (!ls_event_panel_get_latency (self->event_panel, &p50, &p99))
    {
      ls_label_set_text_if_changed (self->figures[FIGURE_LATENCY], "—");
      return;
    }
  /* TRANSLATORS: the latency figure: median · 99th percentile. */
  g_snprintf (buf, sizeof buf, C_("latency", "%s · %s"),
              ls_format_duration (a, sizeof a, p50), ls_format_duration (b, sizeof b, p99));
  ls_label_set_text_if_changed (self->figures[FIGURE_LATENCY], buf);
}

static void
ls_stream_page_update_figures (LsStreamPage *self)
{
  LsStreamStats stats;
  g_autofree char *bytes = NULL;
  char buf[64];

  if (self->stream == NULL)
    {
      g_clear_handle_id (&self->rate_id, g_source_remove);
      for (guint i = 0; i < N_FIGURES; i++)
        ls_label_set_text_if_changed (self->figures[i], "—");
      return;
    }

  ls_stream_get_stats (self->stream, &stats);

  ls_label_set_text_if_changed (self->figures[FIGURE_EVENTS], ls_format_count (buf, sizeof buf, stats.events));
  bytes = g_strdup (ls_format_size (buf, sizeof buf, stats.bytes));
  ls_label_set_text_if_changed (self->figures[FIGURE_BYTES], bytes);
  /* A rate is of an open connection: waiting, ended or failed, none is. */
  if (ls_stream_get_state (self->stream) == LS_STREAM_OPEN)
    {
      ls_format_rate (buf, sizeof buf, stats.events_per_s);
      ls_label_set_text_if_changed (self->figures[FIGURE_RATE], buf);
      /* Silence brings no "progress": look again when the rate would be stale. */
      if (stats.events_per_s > 0 && self->rate_id == 0)
        self->rate_id = ls_timeout_add_named (G_PRIORITY_DEFAULT, RATE_RECHECK_MS, "stream-page.rate", rate_recheck_cb, self, NULL);
    }
  else
    {
      g_clear_handle_id (&self->rate_id, g_source_remove);
      ls_label_set_text_if_changed (self->figures[FIGURE_RATE], "—");
    }
  ls_label_set_text_if_changed (self->figures[FIGURE_RECONNECTS], ls_format_count (buf, sizeof buf, stats.reconnects));
  if (stats.ttfb_us >= 0)
    ls_label_set_text_if_changed (self->figures[FIGURE_TTFB], ls_format_duration (buf, sizeof buf, stats.ttfb_us));
  else
    ls_label_set_text_if_changed (self->figures[FIGURE_TTFB], "—");
  ls_stream_page_update_latency (self);
}

/* ---- state ---------------------------------------------------------------- */

static void ls_stream_page_update_state (LsStreamPage *self);

static const char *
state_css_class (LsStreamState state)
{
  switch (state)
    {
    case LS_STREAM_OPEN:
      return "running";
    case LS_STREAM_CONNECTING:
    case LS_STREAM_WAITING:
      return "stopping";
    case LS_STREAM_FAILED:
      return "closed";
    case LS_STREAM_IDLE:
    case LS_STREAM_ENDED:
    case LS_STREAM_CANCELLED:
    default:
      return NULL;
    }
}

static const char *
state_label (LsStreamState state)
{
  switch (state)
    {
    case LS_STREAM_IDLE:
      return C_("stream state", "Idle");
    case LS_STREAM_CONNECTING:
      return C_("stream state", "Connecting");
    case LS_STREAM_OPEN:
      return C_("stream state", "Open");
    case LS_STREAM_WAITING:
      return C_("stream state", "Reconnecting");
    case LS_STREAM_ENDED:
      return C_("stream state", "Ended");
    case LS_STREAM_FAILED:
      return C_("stream state", "Failed");
    case LS_STREAM_CANCELLED:
      return C_("stream state", "Stopped");
    default:
      return "?";
    }
}

static void
ls_stream_page_set_live (LsStreamPage *self,
                         gboolean      live)
{
  if (self->live == live)
    return;
  self->live = live;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

/* ---- response ------------------------------------------------------------- */

/* The Response page follows the stream's latest response (a new stream
 * has none: the pane empties on connect). Its tab asks for attention on
 * a reply other than 2xx. When the stream fails on an HTTP status and the
 * server said why in a body, the Response page comes to the front, once
 * per stream: the request is over, the table holds one error record, and
 * the body ("invalid_api_key") is the answer the user is looking for.
 * A button next to the message would not fit the status line at 800×600
 * beside the figures; the user can go back to Events with one click. */
static void
ls_stream_page_update_response (LsStreamPage *self)
{
  LsStreamResponse *response = self->stream != NULL ? ls_stream_get_response (self->stream) : NULL;
  GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (self->response_pane));
  gboolean error_reply = response != NULL && (response->status < 200 || response->status >= 300);

  ls_response_pane_set_response (self->response_pane, response);
  if (GTK_IS_STACK (stack))
    gtk_stack_page_set_needs_attention (gtk_stack_get_page (GTK_STACK (stack), GTK_WIDGET (self->response_pane)),
                                        error_reply);

  if (error_reply && response->error_body != NULL && g_bytes_get_size (response->error_body) > 0
      && ls_stream_get_state (self->stream) == LS_STREAM_FAILED
      && ls_stream_get_end (self->stream) == LS_STREAM_END_HTTP_STATUS
      && self->response_shown_id != ls_stream_get_id (self->stream))
    {
      self->response_shown_id = ls_stream_get_id (self->stream);
      ls_stream_page_show_response (self);
    }
}

/* The cause of a failed connect in a few words, from its typed error. */
static const char *
connect_cause (const GError *error)
{
  if (error == NULL)
    return _("no response");
  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_CONNECTION_REFUSED:
        return _("connection refused");
      case G_IO_ERROR_HOST_NOT_FOUND:
        return _("host not found");
      case G_IO_ERROR_HOST_UNREACHABLE:
        return _("host unreachable");
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        return _("network unreachable");
      case G_IO_ERROR_TIMED_OUT:
        return _("timed out");
      default:
        break;
      }
  if (error->domain == G_RESOLVER_ERROR && error->code == G_RESOLVER_ERROR_NOT_FOUND)
    return _("host not found");
  return error->message;
}

static gboolean countdown_cb (gpointer data);

/* Re-arms the countdown for @next_change_us (monotonic), or removes it
 * (-1): no countdown on screen, no timer. */
static void
ls_stream_page_arm_countdown (LsStreamPage *self,
                              gint64        next_change_us)
{
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  if (next_change_us < 0)
    return;
  self->countdown_id = ls_timeout_add_named (G_PRIORITY_DEFAULT,
                                             (guint) MAX (1, (next_change_us - g_get_monotonic_time () + 999) / 1000),
                                             "stream-page.countdown", countdown_cb, self, NULL);
}

/* "Reconnecting in 12 s", "in 2.4 s": the wait left, rounded up (it never
 * reads 0 while waiting), whole seconds from 10 s. Sets @next_change_us to
 * when the text should change next: every second, then every 0.1 s but at
 * about 4 Hz (every 0.3 s), and when the attempt is due. */
static char *
format_countdown (gint64  remaining_us,
                  gint64  now,
                  gint64 *next_change_us)
{
  gint64 tenths = (remaining_us + 99999) / 100000;
  gint64 step, min_delay, target;

  if (tenths >= 100)
    {
      guint seconds = (guint) ((remaining_us + 999999) / 1000000);

      step = G_USEC_PER_SEC;
      min_delay = 1000;
      target = ((remaining_us - min_delay) / step) * step;
      *next_change_us = now + remaining_us - target;
      /* TRANSLATORS: %u is a whole number of seconds, 10 or more */
      return g_strdup_printf (ngettext ("Reconnecting in %u s", "Reconnecting in %u s", seconds), seconds);
    }

  step = 100000;
  min_delay = 250000;
  target = remaining_us > min_delay ? ((remaining_us - min_delay) / step) * step : 0;
  *next_change_us = now + remaining_us - target;
  /* TRANSLATORS: %.1f is a number of seconds under 10, e.g. 2.4 */
  return g_strdup_printf (_("Reconnecting in %.1f s"), (double) tenths / 10);
}

/* While WAITING: why, then when. Sets @next_change_us as above, -1 when
 * nothing on it will change by itself (paused). */
static char *
ls_stream_page_wait_message (LsStreamPage *self,
                             gint64       *next_change_us,
                             char        **when_out)
{
  const GError *error = NULL;
  gboolean opened = FALSE;
  LsStreamEnd end = ls_stream_get_wait_reason (self->stream, &opened, &error);
  gint64 due = ls_stream_get_next_attempt_time (self->stream);
  gint64 now = g_get_monotonic_time ();
  g_autofree char *why = NULL;
  g_autofree char *when = NULL;

  *next_change_us = -1;
  if (end == LS_STREAM_END_NONE)
    why = NULL;
  else if (!opened)
    why = g_strdup_printf (_("Could not connect: %s"), connect_cause (error));
  else if (end == LS_STREAM_END_COMPLETED || error == NULL)
    why = g_strdup (_("Connection lost: the server closed the stream"));
  else
    why = g_strdup_printf (_("Connection lost: %s"), error->message);

  if (ls_stream_get_reconnect_paused (self->stream))
    when = g_strdup (_("Reconnecting paused"));
  else if (due == 0 || due <= now)
    when = g_strdup (_("Reconnecting now…"));
  else
    when = format_countdown (due - now, now, next_change_us);

  *when_out = g_strdup (when);
  if (why == NULL)
    return g_steal_pointer (&when);
  /* TRANSLATORS: why the stream waits, then when it reconnects */
  return g_strdup_printf (C_("reconnect wait", "%s. %s"), why, when);
}

/* "/sse/ticks?rate=20" (or the capture's file name) and "127.0.0.1:8080":
 * the URL without its scheme or credentials, in two parts. */
static char *
ls_stream_page_make_title (LsStreamPage  *self,
                           char         **location)
{
  g_autofree char *url = NULL;
  const char *rest, *path;

  *location = NULL;
  if (self->stream == NULL)
    return g_strdup (_("New Stream"));
  url = ls_redact_url (ls_stream_get_options (self->stream)->url);
  rest = strstr (url, "://");
  rest = rest != NULL ? rest + 3 : url;
  path = strchr (rest, '/');
  if (path == NULL)
    path = rest + strlen (rest);
  *location = g_strndup (rest, path - rest);
  if (self->capture_name != NULL)
    return g_strdup (self->capture_name);
  return g_strdup (path[0] != '\0' ? path : "/");
}

/* The sidebar row's line: the state, with the countdown while waiting
 * and the reason when failed. */
static void
ls_stream_page_update_summary (LsStreamPage  *self,
                               LsStreamState  state,
                               const char    *when)
{
  guint32 id = self->stream != NULL ? ls_stream_get_id (self->stream) : 0;
  g_autofree char *summary = NULL;
  const char *css = state_css_class (state);

  if (self->stream == NULL)
    summary = g_strdup (_("Not connected"));
  else if (state == LS_STREAM_WAITING && ls_stream_get_reconnect_paused (self->stream))
    summary = g_strdup (C_("stream state", "Paused"));
  else if (state == LS_STREAM_WAITING && when != NULL)
    summary = g_strdup (when);
  else if (state == LS_STREAM_FAILED && ls_stream_get_message (self->stream) != NULL)
    /* TRANSLATORS: a stream's state ("Failed"), then why, in the streams sidebar. */
    summary = g_strdup_printf (C_("stream row", "%s: %s"), state_label (state), ls_stream_get_message (self->stream));
  else
    summary = g_strdup (state_label (state));

  self->summary_class = css;
  /* The title is the stream's: made once per stream, not at each update. */
  if (id != self->titled_id || self->location == NULL)
    {
      g_autofree char *location = NULL;
      g_autofree char *title = ls_stream_page_make_title (self, &location);

      self->titled_id = id;
      if (g_strcmp0 (title, self->title) != 0 || g_strcmp0 (location, self->location) != 0)
        {
          g_free (self->title);
          self->title = g_steal_pointer (&title);
          g_free (self->location);
          self->location = g_steal_pointer (&location);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
        }
    }
  if (g_strcmp0 (summary, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&summary);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
    }
}

static gboolean
countdown_cb (gpointer data)
{
  LsStreamPage *self = data;

  self->countdown_id = 0;
  ls_stream_page_update_state (self);
  return G_SOURCE_REMOVE;
}

static void
ls_stream_page_update_state (LsStreamPage *self)
{
  LsStreamState state = self->stream != NULL ? ls_stream_get_state (self->stream) : LS_STREAM_IDLE;
  const char *css = state_css_class (state);
  const char *message = NULL;
  g_autofree char *owned = NULL;
  g_autofree char *when = NULL;
  LsStreamStats stats;
  gint64 next_change_us = -1;

  /* Held by the user, the wait is not "Reconnecting". */
  if (state == LS_STREAM_WAITING && ls_stream_get_reconnect_paused (self->stream))
    ls_label_set_text_if_changed (self->state_label, C_("stream state", "Paused"));
  else
    ls_label_set_text_if_changed (self->state_label, state_label (state));
  ls_widget_swap_css_class (GTK_WIDGET (self->state_label), &self->state_class, css);

  if (self->stream != NULL)
    {
      ls_stream_get_stats (self->stream, &stats);
      switch (state)
        {
        case LS_STREAM_CONNECTING:
          {
            /* On screen (and in screenshots): no credentials. */
            g_autofree char *url = ls_redact_url (ls_stream_get_options (self->stream)->url);

            owned = g_strdup_printf (_("Connecting to %s…"), url);
            message = owned;
          }
          break;

        case LS_STREAM_OPEN:
          owned = g_strdup_printf (_("HTTP %u · %s · %s"), stats.http_status,
                                   stats.content_type[0] != '\0' ? stats.content_type : _("no content type"),
                                   ls_stream_format_to_string (stats.format));
          message = owned;
          break;

        case LS_STREAM_WAITING:
          owned = ls_stream_page_wait_message (self, &next_change_us, &when);
          message = owned;
          break;

        case LS_STREAM_FAILED:
          /* The row below says it all, fingerprint included. */
          if (ls_stream_get_rejected_certificate (self->stream) != NULL)
            message = _("The server's TLS certificate was refused");
          else
            message = ls_stream_get_message (self->stream);
          break;

        case LS_STREAM_IDLE:
        case LS_STREAM_ENDED:
        case LS_STREAM_CANCELLED:
        default:
          message = ls_stream_get_message (self->stream);
          break;
        }
    }

  if (message == NULL)
    message = _("Enter a streaming URL and connect.");
  if (self->stream != NULL && ls_stream_get_from_capture (self->stream) && self->capture_name != NULL)
    {
      /* TRANSLATORS: a capture file's name, then how its stream ended. */
      char *from = g_strdup_printf (_("From the capture “%s”: %s"), self->capture_name, message);

      g_free (owned);
      owned = from;
      message = owned;
    }

  ls_stream_page_arm_countdown (self, next_change_us);
  gtk_widget_set_visible (GTK_WIDGET (self->wait_box), state == LS_STREAM_WAITING);
  gtk_widget_set_visible (GTK_WIDGET (self->replay_button),
                          self->stream != NULL && ls_stream_get_from_capture (self->stream));
  if (state == LS_STREAM_WAITING)
    {
      gboolean paused = ls_stream_get_reconnect_paused (self->stream);

      gtk_button_set_label (self->pause_button, paused ? _("Res_ume Reconnecting") : _("Pa_use Reconnecting"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                                   paused ? _("Reconnect when the wait is over")
                                          : _("Hold the reconnect until you resume it"));
    }

  ls_label_set_text_if_changed (self->message_label, message);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->message_label), message);
  if (state == LS_STREAM_FAILED)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "dim-label");
    }

  /* A refused certificate: offer to accept exactly that one, for this stream. */
  if (state == LS_STREAM_FAILED && ls_stream_get_rejected_certificate (self->stream) != NULL)
    {
      g_autofree char *tooltip =
        g_strdup_printf (_("Reconnect, accepting only the certificate with SHA-256 fingerprint %s, "
                           "for this stream only"), ls_stream_get_rejected_certificate (self->stream));

      ls_label_set_text_if_changed (self->tls_label, ls_stream_get_message (self->stream));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->trust_button), tooltip);
      gtk_widget_set_visible (GTK_WIDGET (self->tls_box), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->tls_box), FALSE);

  ls_request_editor_set_running (self->editor, self->stream != NULL && !LS_STREAM_STATE_IS_FINAL (state)
                                               && state != LS_STREAM_IDLE);
  /* An ended stream's table stops ticking: an idle window draws nothing. */
  ls_event_panel_set_finished (self->event_panel, self->stream != NULL && LS_STREAM_STATE_IS_FINAL (state));
  ls_stream_page_set_live (self, self->stream != NULL && !LS_STREAM_STATE_IS_FINAL (state)
                                 && state != LS_STREAM_IDLE);
  ls_stream_page_update_figures (self);
  ls_stream_page_update_response (self);
  ls_stream_page_update_summary (self, state, when);
}

static void
on_stream_state_cb (LsStreamPage *self,
                    GParamSpec   *pspec,
                    LsStream     *stream)
{
  if (stream == self->stream)
    ls_stream_page_update_state (self);
}

static void
on_stream_next_attempt_cb (LsStreamPage *self,
                           GParamSpec   *pspec,
                           LsStream     *stream)
{
  if (stream == self->stream)
    ls_stream_page_update_state (self);
}

static void
on_stream_progress_cb (LsStreamPage *self,
                       LsStream     *stream)
{
  if (stream != self->stream)
    return;

  ls_stream_page_update_figures (self);
  /* WAITING/OPEN messages carry figures (status, retry) that change. */
  if (ls_stream_get_state (stream) != LS_STREAM_CONNECTING)
    ls_stream_page_update_state (self);
}

/* ---- connect and stop ----------------------------------------------------- */

static void
ls_stream_page_drop_stream (LsStreamPage *self)
{
  if (self->stream == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->stream, self);
  ls_llm_view_set_stream (self->llm_view, NULL);
  /* Cancel is idempotent and never blocks; the stream's own dispose would
   * post it too, but say it out loud. */
  ls_stream_cancel (self->stream);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->capture_name, g_free);
}

static LsStreamOptions *
ls_stream_page_build_options (LsStreamPage  *self,
                              GError       **error)
{
  g_autoptr(LsStreamOptions) options = NULL;
  g_autofree char *url = g_strstrip (g_strdup (ls_request_editor_get_url (self->editor)));
  LsRequestTiming timing;
  guint n_headers;

  if (url[0] == '\0')
    {
      g_set_error_literal (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                           _("Enter a URL to connect to, e.g. http://127.0.0.1:8080/events"));
      return NULL;
    }

  options = ls_stream_options_new (url);
  g_free (options->method);
  options->method = g_strdup (ls_request_editor_get_method (self->editor));
  options->format = ls_request_editor_get_format (self->editor);
  options->body = ls_request_editor_dup_body (self->editor);
  /* Heartbeats are what a user looks for in a quiet stream: kept, and
   * shown unless the events view hides them. */
  options->comments = TRUE;
  /* Save Capture… may be asked for at any time: keep every read. */
  options->record_reads = TRUE;
  /* The Preferences' reconnect default (for GET) applies to Automatic;
   * the editor's timings start as the Preferences' and may differ. */
  ls_settings_apply_stream_defaults (self->settings, options);
  if (ls_request_editor_get_reconnect (self->editor) != LS_STREAM_RECONNECT_AUTO)
    options->reconnect = ls_request_editor_get_reconnect (self->editor);
  ls_request_editor_get_timing (self->editor, &timing);
  options->reconnect_ms = timing.reconnect_ms;
  options->idle_timeout_ms = timing.idle_timeout_s * 1000;
  options->stall_timeout_ms = timing.stall_timeout_s * 1000;

  n_headers = ls_request_editor_get_n_headers (self->editor);
  for (guint i = 0; i < n_headers; i++)
    {
      const char *name, *value;

      if (ls_request_editor_get_header (self->editor, i, &name, &value))
        ls_stream_options_add_header (options, name, value);
    }

  if (self->pinned_fingerprint != NULL && g_strcmp0 (self->pinned_url, url) == 0)
    options->accept_certificate_sha256 = g_strdup (self->pinned_fingerprint);

  if (!ls_stream_options_validate (options, error))
    return NULL;

  return g_steal_pointer (&options);
}

gboolean
ls_stream_page_connect (LsStreamPage *self)
{
  g_autoptr(LsStreamOptions) options = NULL;
  g_autoptr(LsEventStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), FALSE);

  if (self->bridge == NULL)
    {
      ls_request_editor_set_error (self->editor, _("The streaming engine is not running."));
      return FALSE;
    }

  options = ls_stream_page_build_options (self, &error);
  if (options == NULL)
    {
      ls_request_editor_set_error (self->editor, error->message);
      return FALSE;
    }

  ls_stream_page_drop_stream (self);

  /* One store per connection: what the table shows is this request's. */
  store = ls_event_store_new ();
  ls_settings_apply_store_limits (self->settings, store);
  ls_event_panel_set_store (self->event_panel, store);

  self->stream = ls_stream_new (self->bridge, options, store, ++last_stream_id);
  g_signal_connect_swapped (self->stream, "notify::state", G_CALLBACK (on_stream_state_cb), self);
  g_signal_connect_swapped (self->stream, "progress", G_CALLBACK (on_stream_progress_cb), self);
  ls_llm_view_set_stream (self->llm_view, self->stream);
  g_signal_connect_swapped (self->stream, "notify::next-attempt-time", G_CALLBACK (on_stream_next_attempt_cb), self);

  if (!ls_stream_start (self->stream, &error))
    {
      ls_request_editor_set_error (self->editor, error->message);
      ls_stream_page_drop_stream (self);
      ls_stream_page_update_state (self);
      return FALSE;
    }

  ls_request_editor_set_error (self->editor, NULL);
  ls_stream_page_update_state (self);

  return TRUE;
}

/**
 * ls_stream_page_show_capture:
 * @capture: a capture read back (ls_capture_read_file())
 * @name: the file's name, for the status line
 *
 * Shows @capture as the page's stream, read-only: the events table, the
 * Assembled and Response views and the figures are the capture's; the
 * editor holds its request. Connecting starts a live stream in its place.
 *
 * Returns: FALSE (and the reason under the URL) without an engine
 */
gboolean
ls_stream_page_show_capture (LsStreamPage *self,
                             LsCapture    *capture,
                             const char   *name)
{
  LsRequestEditor *editor;

  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (capture != NULL, FALSE);

  if (self->bridge == NULL)
    {
      ls_request_editor_set_error (self->editor, _("The streaming engine is not running."));
      return FALSE;
    }

  ls_stream_page_drop_stream (self);
  editor = self->editor;
  ls_request_editor_set_method (editor, capture->request->method != NULL ? capture->request->method : "GET");
  ls_request_editor_set_url (editor, capture->request->url);
  ls_request_editor_set_format (editor, capture->request->format);
  ls_request_editor_clear_headers (editor);
  for (guint i = 0; i < capture->request->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (capture->request->headers, i);

      ls_request_editor_add_header (editor, header->name, header->value);
    }
  if (capture->request->body != NULL)
    {
      g_autofree char *body = g_utf8_make_valid (g_bytes_get_data (capture->request->body, NULL),
                                                 (gssize) g_bytes_get_size (capture->request->body));

      ls_request_editor_set_body (editor, body);
    }
  else
    ls_request_editor_set_body (editor, NULL);
  ls_request_editor_set_error (editor, NULL);

  ls_event_panel_set_store (self->event_panel, capture->store);
  self->stream = ls_stream_new_from_capture (self->bridge, capture->request, capture->store,
                                             ++last_stream_id, capture->state, capture->end,
                                             capture->message, &capture->stats, capture->response,
                                             capture->read_log);
  self->capture_name = g_strdup (name);
  g_signal_connect_swapped (self->stream, "notify::state", G_CALLBACK (on_stream_state_cb), self);
  g_signal_connect_swapped (self->stream, "progress", G_CALLBACK (on_stream_progress_cb), self);
  ls_llm_view_set_stream (self->llm_view, self->stream);
  ls_stream_page_update_state (self);
  ls_stream_page_update_figures (self);
  ls_stream_page_update_response (self);
  return TRUE;
}

/**
 * ls_stream_page_new_capture_replay:
 *
 * The capture the page shows (ls_stream_page_show_capture()), ready to be
 * served again by the demo server.
 *
 * Returns: (transfer full) (nullable): the replay, or %NULL with the
 *   reason (no capture shown, or one that cannot be replayed)
 */
LsReplay *
ls_stream_page_new_capture_replay (LsStreamPage  *self,
                                   GError       **error)
{
  LsReadLog *read_log;

  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  read_log = self->stream != NULL && ls_stream_get_from_capture (self->stream)
               ? ls_stream_get_read_log (self->stream) : NULL;
  if (read_log == NULL)
    {
      g_set_error_literal (error, LS_REPLAY_ERROR, LS_REPLAY_ERROR_NO_READS,
                           _("Open a capture to replay it"));
      return NULL;
    }
  return ls_replay_new (ls_stream_get_store (self->stream), read_log,
                        ls_stream_get_options (self->stream)->format, error);
}

void
ls_stream_page_stop (LsStreamPage *self)
{
  g_return_if_fail (LS_IS_STREAM_PAGE (self));

  /* The stream stays (its figures and final state are still shown);
   * the state becomes CANCELLED once the worker has let go. */
  if (self->stream != NULL)
    ls_stream_cancel (self->stream);
}

/* Ctrl+R: while the stream waits, the wait is cut short (the stream, its
 * events and figures go on); otherwise the request is connected anew. */
gboolean
ls_stream_page_reconnect (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), FALSE);

  if (self->stream != NULL && ls_stream_get_state (self->stream) == LS_STREAM_WAITING)
    {
      ls_stream_reconnect_now (self->stream);
      return TRUE;
    }
  return ls_stream_page_connect (self);
}

static void
on_reconnect_now_clicked_cb (LsStreamPage *self,
                             GtkButton    *button)
{
  if (self->stream != NULL)
    ls_stream_reconnect_now (self->stream);
}

static void
on_pause_clicked_cb (LsStreamPage *self,
                     GtkButton    *button)
{
  if (self->stream == NULL)
    return;
  ls_stream_set_reconnect_paused (self->stream, !ls_stream_get_reconnect_paused (self->stream));
  /* The label and the message at once; the engine's new time follows. */
  ls_stream_page_update_state (self);
}

/* The user's explicit choice, never made for them. */
gboolean
ls_stream_page_trust_rejected_certificate (LsStreamPage *self)
{
  const char *fingerprint;

  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), FALSE);

  if (self->stream == NULL || (fingerprint = ls_stream_get_rejected_certificate (self->stream)) == NULL)
    return FALSE;

  g_free (self->pinned_fingerprint);
  self->pinned_fingerprint = g_strdup (fingerprint);
  g_free (self->pinned_url);
  self->pinned_url = g_strdup (ls_stream_get_options (self->stream)->url);
  return ls_stream_page_connect (self);
}

static void
on_trust_clicked_cb (LsStreamPage *self,
                     GtkButton    *button)
{
  ls_stream_page_trust_rejected_certificate (self);
}

static void
on_editor_connect_cb (LsStreamPage    *self,
                      LsRequestEditor *editor)
{
  ls_stream_page_connect (self);
}

static void
on_editor_stop_cb (LsStreamPage    *self,
                   LsRequestEditor *editor)
{
  ls_stream_page_stop (self);
}

/* ---- Copy as curl --------------------------------------------------------- */

/* The request as Connect would send it now, so the options are built the
 * same way (a bad one is reported under the URL, as Connect does). */
static void
ls_stream_page_copy_curl (LsStreamPage *self,
                          gboolean      include_secrets)
{
  g_autoptr(LsStreamOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;

  options = ls_stream_page_build_options (self, &error);
  if (options == NULL)
    {
      ls_request_editor_set_error (self->editor, error->message);
      return;
    }
  command = ls_curl_command (options, include_secrets);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), command);
}

static void
ls_stream_page_copy_curl_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  ls_stream_page_copy_curl (LS_STREAM_PAGE (widget), g_str_equal (action_name, "stream.copy-curl-secrets"));
}

/* ---- Preferences into the editor ------------------------------------------- */

static void
read_timing_defaults (GSettings       *settings,
                      LsRequestTiming *timing)
{
  g_autoptr(LsStreamOptions) options = ls_stream_options_new ("");

  ls_settings_apply_stream_defaults (settings, options);
  timing->reconnect_ms = options->reconnect_ms;
  timing->idle_timeout_s = options->idle_timeout_ms / 1000;
  timing->stall_timeout_s = options->stall_timeout_ms / 1000;
}

/* A changed Preference reaches the editor's field unless the user has
 * set that field for this request (it differs from the old default). */
static void
ls_stream_page_apply_timing_defaults (LsStreamPage *self)
{
  LsRequestTiming defaults, current;

  read_timing_defaults (self->settings, &defaults);
  ls_request_editor_get_timing (self->editor, &current);
  if (current.reconnect_ms == self->timing_defaults.reconnect_ms)
    current.reconnect_ms = defaults.reconnect_ms;
  if (current.idle_timeout_s == self->timing_defaults.idle_timeout_s)
    current.idle_timeout_s = defaults.idle_timeout_s;
  if (current.stall_timeout_s == self->timing_defaults.stall_timeout_s)
    current.stall_timeout_s = defaults.stall_timeout_s;
  ls_request_editor_set_timing (self->editor, &current);
  self->timing_defaults = defaults;
}

static void
on_settings_changed_cb (LsStreamPage *self,
                        const char   *key,
                        GSettings    *settings)
{
  ls_stream_page_apply_timing_defaults (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_stream_page_dispose (GObject *object)
{
  LsStreamPage *self = LS_STREAM_PAGE (object);

  /* Closing the window ends its stream. */
  ls_stream_page_drop_stream (self);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  g_clear_handle_id (&self->rate_id, g_source_remove);
  g_clear_object (&self->bridge);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pinned_fingerprint, g_free);
  g_clear_pointer (&self->pinned_url, g_free);
  g_clear_pointer (&self->capture_name, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->summary, g_free);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_STREAM_PAGE);

  G_OBJECT_CLASS (ls_stream_page_parent_class)->dispose (object);
}

static void
ls_stream_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LsStreamPage *self = LS_STREAM_PAGE (object);

  switch (prop_id)
    {
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_stream_page_class_init (LsStreamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_stream_page_dispose;
  object_class->get_property = ls_stream_page_get_property;

  /* The window paces its refresh (and the loop probes) by it. */
  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What the streams sidebar shows of the page: its name and state line. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LS_TYPE_REQUEST_EDITOR);
  g_type_ensure (LS_TYPE_EVENT_PANEL);
  g_type_ensure (LS_TYPE_LLM_VIEW);
  g_type_ensure (LS_TYPE_RESPONSE_PANE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-stream-page.ui");
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, editor);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, tls_box);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, tls_label);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, trust_button);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, figures_box);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, wait_box);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, reconnect_now_button);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, replay_button);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, event_panel);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, llm_view);
  gtk_widget_class_bind_template_child (widget_class, LsStreamPage, response_pane);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_connect_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_trust_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_reconnect_now_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_clicked_cb);

  /* The editor's Headers & Body popover offers them. */
  gtk_widget_class_install_action (widget_class, "stream.copy-curl", NULL, ls_stream_page_copy_curl_action);
  gtk_widget_class_install_action (widget_class, "stream.copy-curl-secrets", NULL, ls_stream_page_copy_curl_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsstreampage");
}

static void
ls_stream_page_init (LsStreamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->title = g_strdup (_("New Stream"));
  self->summary = g_strdup (_("Not connected"));
  /* What the editor's fields hold before any Preferences are read. */
  read_timing_defaults (NULL, &self->timing_defaults);
  ls_request_editor_set_timing (self->editor, &self->timing_defaults);

  self->figures[FIGURE_EVENTS] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Events"),
                      _("Events received, all connections (SSE events, NDJSON lines, raw chunks)"), 1.0, 6);
  self->figures[FIGURE_BYTES] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Bytes"),
                      _("Body bytes received, all connections"), 1.0, 6);
  self->figures[FIGURE_RATE] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Rate"),
                      _("Events per second, over the last half second; — when no connection is open"), 1.0, 6);
  self->figures[FIGURE_RECONNECTS] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Reconnects"),
                      _("Reconnections scheduled: one reconnect row each among the events"), 1.0, 6);
  self->figures[FIGURE_TTFB] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("First byte"),
                      _("Request sent → first body byte, on the latest connection that received any"), 1.0, 6);
  self->figures[FIGURE_LATENCY] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Latency"),
                      _("Socket to screen, median · 99th percentile: from the read that received an event to the frame that put it in the events table, over the newest events"), 1.0, 17);

  ls_stream_page_update_state (self);
}

GtkWidget *
ls_stream_page_new (void)
{
  return g_object_new (LS_TYPE_STREAM_PAGE, NULL);
}

void
ls_stream_page_set_bridge (LsStreamPage *self,
                           LsBridge     *bridge)
{
  g_return_if_fail (LS_IS_STREAM_PAGE (self));

  g_set_object (&self->bridge, bridge);
  ls_request_editor_set_can_connect (self->editor, bridge != NULL,
                                     bridge == NULL ? _("The streaming engine is not running") : NULL);
}

/**
 * ls_stream_page_get_editor:
 *
 * Returns: (transfer none): the request editor
 */
LsRequestEditor *
ls_stream_page_get_editor (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  return self->editor;
}

/**
 * ls_stream_page_get_event_panel:
 *
 * Returns: (transfer none): the event table
 */
LsEventPanel *
ls_stream_page_get_event_panel (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  return self->event_panel;
}

/**
 * ls_stream_page_get_stream:
 *
 * Returns: (transfer none) (nullable): the current or last stream
 */
LsStream *
ls_stream_page_get_stream (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  return self->stream;
}

/* TRUE while the stream is connecting, open or waiting to reconnect. */
gboolean
ls_stream_page_get_live (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), FALSE);

  return self->live;
}

/* ---- preferences ---------------------------------------------------------- */

/* @settings: (nullable): read at each connect for the new stream's
 * defaults and its store's retention cap. */
void
ls_stream_page_set_settings (LsStreamPage *self,
                             GSettings    *settings)
{
  g_return_if_fail (LS_IS_STREAM_PAGE (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_swapped (settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
  ls_stream_page_apply_timing_defaults (self);
}

/* ---- keyboard focus: the window's Ctrl+L and Ctrl+F ----------------------- */

void
ls_stream_page_focus_url (LsStreamPage *self)
{
  g_return_if_fail (LS_IS_STREAM_PAGE (self));

  ls_request_editor_focus_url (self->editor);
}

void
ls_stream_page_focus_filter (LsStreamPage *self)
{
  g_return_if_fail (LS_IS_STREAM_PAGE (self));

  ls_event_panel_focus_filter (self->event_panel);
}

/**
 * ls_stream_page_get_response_pane:
 *
 * Returns: (transfer none): the Response page's pane
 */
LsResponsePane *
ls_stream_page_get_response_pane (LsStreamPage *self)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  return self->response_pane;
}

/* The Response page in front. */
void
ls_stream_page_show_response (LsStreamPage *self)
{
  GtkWidget *stack;

  g_return_if_fail (LS_IS_STREAM_PAGE (self));

  stack = gtk_widget_get_parent (GTK_WIDGET (self->response_pane));
  if (GTK_IS_STACK (stack))
    gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (self->response_pane));
}

/* ---- test hooks (ls-stream-page-private.h) -------------------------------- */

const char *
_ls_stream_page_get_message (LsStreamPage *self)
{
  return gtk_label_get_text (self->message_label);
}

const char *
_ls_stream_page_get_figure (LsStreamPage *self,
                            const char   *name)
{
  static const char *const names[N_FIGURES] = { "events", "bytes", "rate", "reconnects", "first-byte", "latency" };

  for (guint i = 0; i < N_FIGURES; i++)
    if (g_str_equal (names[i], name))
      return gtk_label_get_text (self->figures[i]);
  g_return_val_if_reached (NULL);
}

GtkWidget *
_ls_stream_page_get_reconnect_now_button (LsStreamPage *self)
{
  return GTK_WIDGET (self->reconnect_now_button);
}

GtkWidget *
_ls_stream_page_get_pause_button (LsStreamPage *self)
{
  return GTK_WIDGET (self->pause_button);
}

GtkWidget *
_ls_stream_page_get_replay_button (LsStreamPage *self)
{
  return GTK_WIDGET (self->replay_button);
}

gboolean
_ls_stream_page_get_countdown_active (LsStreamPage *self)
{
  return self->countdown_id != 0;
}

/* The sidebar row's name for the page: the URL's path and query, the
 * capture's file name, or "New Stream"; @location gets the host and port
 * (NULL before the first stream). Both change with "notify::title". */
const char *
ls_stream_page_get_title (LsStreamPage  *self,
                          const char   **location)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  if (location != NULL)
    *location = self->location;
  return self->title;
}

/* The sidebar row's state line ("Open", "Reconnecting in 3 s", "Failed:
 * …"), and the CSS class of its colour (NULL for none). */
const char *
ls_stream_page_get_summary (LsStreamPage  *self,
                            const char   **css_class)
{
  g_return_val_if_fail (LS_IS_STREAM_PAGE (self), NULL);

  if (css_class != NULL)
    *css_class = self->summary_class;
  return self->summary;
}
