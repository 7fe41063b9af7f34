/* test-stream-state.c: the Stream page's state tells the truth while it waits to reconnect
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window against a closed port and the demo server's flaky
 * endpoint (its own LsDemoServer, over 127.0.0.1): a wait after attempts
 * that never connected says "Could not connect", one after a lost
 * connection "Connection lost"; the countdown is the engine's own wait
 * (never less than what is left, never more than the server's retry, and
 * the next response comes no earlier than its end: no wall-clock ratio);
 * Reconnect Now, Ctrl+R, Pause and Resume do what they say, checked
 * against the engine's own next attempt time; Rate
 * is "—" with no open connection, and falls to zero when an open one goes
 * silent (a SoupServer of its own, on this thread); Reconnects counts the
 * reconnect rows.
 * Screenshots of the waiting and paused states go to
 * $LS_BUILD_DIR/tests/screenshots. Runs under Xvfb.
 */
#include "config.h"

#include <string.h>

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ls-application.h"
#include "ls-bridge-private.h"
#include "ls-demo-server.h"
#include "ls-gui-test-utils.h"
#include "ls-stream-page-private.h"
#include "ls-test-utils.h"
#include "ls-window.h"
#include "ls-window-private.h"

typedef struct
{
  LsApplication *app;
  LsWindow      *window;     /* weak */
  LsWorker      *worker;     /* strong, to check it after the app is gone */
  LsDemoServer  *demo;
  SoupServer    *server;     /* on this thread's context: /burst */
  char          *burst_url;
  char          *refused_url;
  guint32        stream_id;  /* the stream a step started */
  guint          n_demo_connects; /* demo_paths connected to so far */
  guint64        connects;   /* its connections when the step began waiting */
  gint64         wait_start_us;
  double         shown_s;    /* the countdown read when the wait began */
  gint64         due_us;     /* the engine's next attempt time then */
  gint64         paused_due_us;
  gboolean       clicked;
  gboolean       shot;
} TestRun;

/* ---- helpers -------------------------------------------------------------- */

static LsStreamPage *
page_of (TestRun *run)
{
  return ls_window_get_stream_page (run->window);
}

static LsStream *
stream_of (TestRun *run)
{
  return ls_stream_page_get_stream (page_of (run));
}

static void
connect_to (TestRun    *run,
            const char *url)
{
  LsStreamPage *page = page_of (run);

  guint32 before = stream_of (run) != NULL ? ls_stream_get_id (stream_of (run)) : 0;

  /* As Enter or the Connect button: the window hears of it too. */
  ls_request_editor_set_url (ls_stream_page_get_editor (page), url);
  g_signal_emit_by_name (ls_stream_page_get_editor (page), "connect");
  g_assert_nonnull (stream_of (run));
  g_assert_cmpuint (ls_stream_get_id (stream_of (run)), >, before);
  g_assert_false (_ls_window_get_empty_state_visible (run->window));
  run->stream_id = ls_stream_get_id (stream_of (run));
  run->wait_start_us = 0;
  run->clicked = FALSE;
  run->shot = FALSE;
}

static char *
demo_url (TestRun    *run,
          const char *path)
{
  return g_strconcat (ls_demo_server_get_base_uri (run->demo), path, NULL);
}

/* The demo streams the "connect, ..." steps open, in the order of the steps. */
/* The server's retry: for (b) */
#define COUNTDOWN_RETRY_S 3.0

static const char * const demo_paths[] = {
  "/sse/flaky?every=3&retry=3000",
  "/sse/flaky?every=3&retry=60000",
  "/sse/flaky?every=3&retry=3000",
  "/ndjson?count=20&rate=200",
};

/* A step: connect to the next of demo_paths. */
static gboolean
step_connect_demo (gpointer data)
{
  TestRun *run = data;
  g_autofree char *url = NULL;

  g_assert_cmpuint (run->n_demo_connects, <, G_N_ELEMENTS (demo_paths));
  url = demo_url (run, demo_paths[run->n_demo_connects++]);
  connect_to (run, url);
  return TRUE;
}

static LsStreamStats
stats_of (TestRun *run)
{
  LsStreamStats stats;

  ls_stream_get_stats (stream_of (run), &stats);
  return stats;
}

static gboolean
count_reconnect_cb (const LsEventView *view,
                    gpointer           data)
{
  if (view->kind == LS_EVENT_KIND_RECONNECT)
    (*(guint64 *) data)++;
  return TRUE;
}

/* The lifecycle "reconnect" rows in the stream's store (the table's). */
static guint64
reconnect_rows (TestRun *run)
{
  LsEventStore *store = ls_stream_get_store (stream_of (run));
  guint64 n = 0;

  ls_event_store_foreach_range (store, 0, ls_event_store_get_end_seq (store), count_reconnect_cb, &n);
  return n;
}

static gboolean
latest_open_cb (const LsEventView *view,
                gpointer           data)
{
  if (view->kind == LS_EVENT_KIND_OPEN)
    *(gint64 *) data = view->time_us;
  return TRUE;
}

/* When the latest connection's response started (its "open" row), 0 for none. */
static gint64
latest_open_time (TestRun *run)
{
  LsEventStore *store = ls_stream_get_store (stream_of (run));
  gint64 time_us = 0;

  ls_event_store_foreach_range (store, 0, ls_event_store_get_end_seq (store), latest_open_cb, &time_us);
  return time_us;
}

/* The figures agree with the table: one reconnect per reconnect row. */
static void
assert_reconnects_match_rows (TestRun *run)
{
  char expected[32];

  g_snprintf (expected, sizeof expected, "%" G_GUINT64_FORMAT, reconnect_rows (run));
  g_assert_cmpuint (stats_of (run).reconnects, ==, reconnect_rows (run));
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "reconnects"), ==, expected);
}

/* The seconds of "Reconnecting in N s" in the message, -1 without. */
static double
shown_countdown (TestRun *run)
{
  const char *message = _ls_stream_page_get_message (page_of (run));
  const char *at = strstr (message, "Reconnecting in ");

  if (at == NULL)
    return -1;
  return g_ascii_strtod (at + strlen ("Reconnecting in "), NULL);
}

static gboolean
is_waiting (TestRun *run)
{
  return ls_stream_get_state (stream_of (run)) == LS_STREAM_WAITING;
}

/* ---- /burst: events for a while, then silence on an open connection ---- */

#define BURST_EVENTS      30
#define BURST_INTERVAL_MS 40

typedef struct
{
  SoupServerMessage *msg;     /* owns the Burst */
  guint              sent;
  guint              tick_id;
} Burst;

static void
burst_free (gpointer data)
{
  Burst *burst = data;

  /* A client that goes away ends the ticks. */
  g_clear_handle_id (&burst->tick_id, g_source_remove);
  g_free (burst);
}

static gboolean
burst_tick_cb (gpointer data)
{
  Burst *burst = data;
  char line[64];
  int len = g_snprintf (line, sizeof line, "id: %u\ndata: %u\n\n", burst->sent, burst->sent);

  soup_message_body_append (soup_server_message_get_response_body (burst->msg), SOUP_MEMORY_COPY, line, len);
  soup_server_message_unpause (burst->msg);
  if (++burst->sent < BURST_EVENTS)
    return G_SOURCE_CONTINUE;
  /* Then the connection stays open, silent, until the client goes. */
  burst->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
burst_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Burst *burst = g_new0 (Burst, 1);

  burst->msg = msg;
  g_object_set_data_full (G_OBJECT (msg), "burst", burst, burst_free);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  burst->tick_id = g_timeout_add (BURST_INTERVAL_MS, burst_tick_cb, burst);
  soup_server_message_pause (msg);
}

static void
burst_server_start (TestRun *run)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  run->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (run->server, "/burst", burst_handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (run->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (run->server);
  run->burst_url = g_strdup_printf ("http://127.0.0.1:%d/burst", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

/* The wait's buttons have their own keys while they are shown. */
static void
assert_wait_mnemonics (TestRun *run)
{
  GtkWidget *now = _ls_stream_page_get_reconnect_now_button (page_of (run));
  GtkWidget *pause = _ls_stream_page_get_pause_button (page_of (run));

  g_assert_true (gtk_widget_get_mapped (now));
  g_assert_true (gtk_widget_get_mapped (pause));
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (now)));
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (pause)));
  ls_gui_test_assert_mnemonics_unique (run->window);
}

/* ---- steps ---------------------------------------------------------------- */

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_window_shown (run->app, (gpointer *) &run->window, &run->worker))
    return FALSE;
  /* Room for the whole status row, as on a laptop. */
  g_assert_true (ls_gui_test_resize_window (run->window, 1280, 800));
  return TRUE;
}

static gboolean
step_connect_refused (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_window_has_size (run->window, 1280, 800))
    return FALSE;
  /* GET reconnects by default (the Preferences' default). */
  connect_to (run, run->refused_url);
  g_assert_true (ls_stream_get_options (stream_of (run))->reconnect);
  return TRUE;
}

/* (a) Never connected: "Could not connect", never "lost"; and it stays so
 * over several failed attempts. */
static gboolean
step_refused_waits (gpointer data)
{
  TestRun *run = data;
  const char *message = _ls_stream_page_get_message (page_of (run));

  g_assert_cmpint (ls_stream_get_state (stream_of (run)), !=, LS_STREAM_OPEN);
  g_assert_null (strstr (message, "lost"));
  if (!is_waiting (run) || stats_of (run).reconnects < 2)
    return FALSE;

  g_test_message ("refused: %s", message);
  g_assert_nonnull (strstr (message, "Could not connect: connection refused"));
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "rate"), ==, "—");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (_ls_stream_page_get_reconnect_now_button (page_of (run)))));
  return TRUE;
}

/* (b) The countdown the user reads when the wait begins... */
static gboolean
step_wait_begins (gpointer data)
{
  TestRun *run = data;
  const char *message;

  if (!is_waiting (run))
    return FALSE;

  run->due_us = ls_stream_get_next_attempt_time (stream_of (run));
  run->shown_s = shown_countdown (run);
  run->wait_start_us = g_get_monotonic_time ();
  run->connects = stats_of (run).connects;
  message = _ls_stream_page_get_message (page_of (run));
  g_test_message ("waiting: %s", message);
  g_assert_cmpfloat (run->shown_s, >, 0);
  /* The countdown is the engine's own wait, whenever it is read: rounded
   * up when it was last drawn, so never less than what is left now, and
   * never more than the server's retry, the whole wait. Exact, unlike a
   * ratio to a measured wait, which a busy machine stretches. */
  g_assert_cmpint (run->due_us, >, 0);
  g_assert_cmpfloat (run->shown_s, >=, (run->due_us - run->wait_start_us) / (double) G_USEC_PER_SEC);
  g_assert_cmpfloat (run->shown_s, <=, COUNTDOWN_RETRY_S);
  g_assert_nonnull (strstr (message, "Connection lost"));
  g_assert_null (strstr (message, "Could not connect"));
  g_assert_true (_ls_stream_page_get_countdown_active (page_of (run)));
  assert_wait_mnemonics (run);
  /* No connection open, no rate. */
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "rate"), ==, "—");
  assert_reconnects_match_rows (run);
  return TRUE;
}

static gboolean
step_screenshot_waiting (gpointer data)
{
  TestRun *run = data;

  g_assert_true (is_waiting (run));
  return ls_gui_test_screenshot (run->window, "stream-state-waiting");
}

/* ...is when the stream reconnects: not before the countdown's end. */
static gboolean
step_wait_ends (gpointer data)
{
  TestRun *run = data;
  double measured_s;

  if (is_waiting (run) && stats_of (run).connects == run->connects)
    {
      /* The countdown goes down, never up. */
      double now_shown = shown_countdown (run);

      g_assert_cmpfloat (now_shown, <=, run->shown_s);
      return FALSE;
    }

  /* The new connection's response: it was asked for no earlier than the
   * time the countdown ran to. How late after that it came is the
   * machine's business: printed, not asserted. */
  if (latest_open_time (run) <= run->wait_start_us)
    return FALSE;
  measured_s = (latest_open_time (run) - run->wait_start_us) / (double) G_USEC_PER_SEC;
  g_test_message ("countdown shown %.1f s, next response after %.3f s", run->shown_s, measured_s);
  g_assert_cmpint (latest_open_time (run), >=, run->due_us);
  /* The same stream goes on. */
  g_assert_cmpuint (ls_stream_get_id (stream_of (run)), ==, run->stream_id);
  return TRUE;
}

/* Cuts the wait short, by the Reconnect Now button or by Ctrl+R: one
 * more connection of the same stream, not a new stream. */
static gboolean
reconnects_now (TestRun  *run,
                gboolean  by_button)
{
  if (!run->clicked)
    {
      if (!is_waiting (run))
        return FALSE;
      run->connects = stats_of (run).connects;
      if (by_button)
        {
          g_assert_cmpfloat (shown_countdown (run), >=, 50);
          g_assert_true (gtk_widget_get_mapped (_ls_stream_page_get_reconnect_now_button (page_of (run))));
          g_assert_true (gtk_widget_activate (_ls_stream_page_get_reconnect_now_button (page_of (run))));
        }
      else
        gtk_widget_activate_action (GTK_WIDGET (run->window), "win.reconnect", NULL);
      run->clicked = TRUE;
      return FALSE;
    }
  /* Within the step's timeout, far less than the minute. */
  if (stats_of (run).connects == run->connects)
    return FALSE;
  g_assert_cmpuint (stats_of (run).connects, ==, run->connects + 1);
  g_assert_cmpuint (ls_stream_get_id (stream_of (run)), ==, run->stream_id);
  run->clicked = FALSE;
  return TRUE;
}

/* (c) A minute's wait, cut short by the button. */
static gboolean
step_reconnect_now (gpointer data)
{
  return reconnects_now (data, TRUE);
}

/* Ctrl+R while waiting: the same. */
static gboolean
step_ctrl_r_reconnects_now (gpointer data)
{
  return reconnects_now (data, FALSE);
}

/* (d) Paused: no countdown (nor its timer), and no attempt past the time
 * the engine had it due. */
static gboolean
step_pause (gpointer data)
{
  TestRun *run = data;
  const char *message;

  if (!run->clicked)
    {
      if (!is_waiting (run) || ls_stream_get_next_attempt_time (stream_of (run)) == 0)
        return FALSE;
      /* The click lands a moment after the activation (longer on a slow
       * machine): with less than that left of the 3 s wait, the attempt
       * could come first, so wait for the next one, which the flaky
       * endpoint brings. Half the wait leaves a starved UI thread time
       * both to see a wait begin and to click. This picks when to act;
       * nothing is timed. */
      if (ls_stream_get_next_attempt_time (stream_of (run)) - g_get_monotonic_time () < 1500 * 1000)
        return FALSE;
      run->paused_due_us = ls_stream_get_next_attempt_time (stream_of (run));
      run->connects = stats_of (run).connects;
      g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (_ls_stream_page_get_pause_button (page_of (run)))), ==,
                       "Pa_use Reconnecting");
      g_assert_true (gtk_widget_activate (_ls_stream_page_get_pause_button (page_of (run))));
      run->clicked = TRUE;
    }
  /* A button's activation clicks it a moment later, as a key press would. */
  if (!ls_stream_get_reconnect_paused (stream_of (run)))
    return FALSE;

  message = _ls_stream_page_get_message (page_of (run));
  g_assert_nonnull (strstr (message, "Reconnecting paused"));
  g_assert_null (strstr (message, "Reconnecting in"));
  g_assert_false (_ls_stream_page_get_countdown_active (page_of (run)));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (_ls_stream_page_get_pause_button (page_of (run)))), ==,
                   "Res_ume Reconnecting");
  g_assert_true (is_waiting (run));
  g_assert_cmpuint (stats_of (run).connects, ==, run->connects);
  /* Wait for the engine to say nothing is due, and for its former due
   * time to be well past. */
  if (ls_stream_get_next_attempt_time (stream_of (run)) != 0 ||
      g_get_monotonic_time () < run->paused_due_us + G_USEC_PER_SEC)
    return FALSE;
  return ls_gui_test_screenshot (run->window, "stream-state-paused");
}

static gboolean
step_paused_holds (gpointer data)
{
  TestRun *run = data;

  g_assert_true (is_waiting (run));
  g_assert_cmpuint (stats_of (run).connects, ==, run->connects);
  g_assert_cmpint (ls_stream_get_next_attempt_time (stream_of (run)), ==, 0);
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "rate"), ==, "—");
  assert_reconnects_match_rows (run);
  /* "Resume" keeps the key "Pause" had. */
  assert_wait_mnemonics (run);
  return TRUE;
}

/* Resumed past its due time: it reconnects at once. */
static gboolean
step_resume (gpointer data)
{
  TestRun *run = data;

  if (run->clicked)
    {
      g_assert_true (gtk_widget_activate (_ls_stream_page_get_pause_button (page_of (run))));
      run->clicked = FALSE;
    }
  if (ls_stream_get_reconnect_paused (stream_of (run)))
    return FALSE;
  if (stats_of (run).connects == run->connects)
    return FALSE;
  g_assert_cmpuint (stats_of (run).connects, ==, run->connects + 1);
  return TRUE;
}

/* (e) Ended: Rate is "—", not its last value; no wait buttons, no timer. */
static gboolean
step_ended (gpointer data)
{
  TestRun *run = data;
  LsStreamStats stats;

  if (ls_stream_get_state (stream_of (run)) != LS_STREAM_ENDED)
    return FALSE;

  stats = stats_of (run);
  g_assert_cmpuint (stats.events, ==, 20);
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "events"), ==, "20");
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "rate"), ==, "—");
  g_assert_cmpstr (_ls_stream_page_get_figure (page_of (run), "reconnects"), ==, "0");
  assert_reconnects_match_rows (run);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (_ls_stream_page_get_reconnect_now_button (page_of (run)))));
  g_assert_false (_ls_stream_page_get_countdown_active (page_of (run)));
  return TRUE;
}

static gboolean
step_connect_burst (gpointer data)
{
  TestRun *run = data;

  connect_to (run, run->burst_url);
  return TRUE;
}

/* An open stream that goes silent: its rate drops to zero on screen,
 * though no event (hence no "progress") comes to say so. */
static gboolean
step_burst_rate_shown (gpointer data)
{
  TestRun *run = data;
  const char *rate = _ls_stream_page_get_figure (page_of (run), "rate");

  if (ls_stream_get_state (stream_of (run)) != LS_STREAM_OPEN)
    {
      g_assert_cmpstr (rate, ==, "—");
      return FALSE;
    }
  return stats_of (run).events_per_s > 0 && g_strcmp0 (rate, "0.0/s") != 0;
}

static gboolean
step_silence_rate_zero (gpointer data)
{
  TestRun *run = data;

  g_assert_cmpint (ls_stream_get_state (stream_of (run)), ==, LS_STREAM_OPEN);
  if (stats_of (run).events < BURST_EVENTS ||
      g_strcmp0 (_ls_stream_page_get_figure (page_of (run), "rate"), "0.0/s") != 0)
    return FALSE;
  g_assert_cmpuint (stats_of (run).events, ==, BURST_EVENTS);
  return TRUE;
}

/* ---- test ----------------------------------------------------------------- */

static void
test_stream_state (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "connect to a closed port", step_connect_refused },
    { "it waits: could not connect", step_refused_waits },
    { "connect, 3 s retry", step_connect_demo },
    { "the wait begins: countdown read", step_wait_begins },
    { "screenshot: waiting", step_screenshot_waiting },
    { "the wait ends as counted", step_wait_ends },
    { "connect, one minute retry", step_connect_demo },
    { "Reconnect Now", step_reconnect_now },
    { "Ctrl+R reconnects now", step_ctrl_r_reconnects_now },
    { "connect, 3 s retry, to pause", step_connect_demo },
    { "pause", step_pause },
    { "paused holds past its due time", step_paused_holds },
    { "resume", step_resume },
    { "connect to a stream that ends", step_connect_demo },
    { "ended", step_ended },
    { "connect to a stream that goes silent", step_connect_burst },
    { "its rate shown", step_burst_rate_shown },
    { "silent: rate zero", step_silence_rate_zero },
    { "quit", ls_gui_test_step_quit },
  };
  g_autoptr(GError) error = NULL;
  TestRun run = { NULL, };

  run.demo = ls_demo_server_new ();
  g_assert_true (ls_demo_server_start_sync (run.demo, 0, &error));
  g_assert_no_error (error);
  run.refused_url = ls_test_refused_url ("/events");
  burst_server_start (&run);
  ls_gui_test_run_new_app (FALSE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           &run.worker);
  ls_demo_server_stop (run.demo);
  g_assert_finalize_object (run.demo);
  g_free (run.refused_url);
  soup_server_disconnect (run.server);
  g_assert_finalize_object (run.server);
  g_free (run.burst_url);
}

int
main (int   argc,
      char *argv[])
{
  return ls_gui_test_main (&argc, &argv, "/stream-state/waiting", test_stream_state);
}
