/* test-faults.c: faults without loss
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - A server process killed (SIGKILL) mid-event and started again on the
 *   same port, 50 times: the client resumes from Last-Event-ID and ends
 *   with every event id exactly once, in order, each with its own data.
 * - The worker stopped under 100 live streams: every stream ends
 *   CANCELLED, nothing reaches the UI or the store afterwards, everything
 *   is finalized (this file runs under valgrind in CI).
 * - The app's quit (bridge stop, wait for CLOSED) with 100 streams in
 *   every state, including waiting for headers that never come and
 *   waiting to reconnect: CLOSED without the worker's grace timer firing.
 *
 * The test thread is the UI thread: it owns the global default context.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "ls-demo-server.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

static char *sse_server_path;

/* The padding ls-test-sse-server --size=64 puts in every event. */
#define SERVER_PAD "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* ---- fixture ---------------------------------------------------------- */

typedef LsTestStreams Fixture;

/* ---- a server process, killed for real -------------------------------- */

typedef struct
{
  char     *line;
  gboolean  done;
} LineRead;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  LineRead *read = data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);
  read->done = TRUE;
}

static gboolean
line_is_read (gpointer data)
{
  return ((LineRead *) data)->done;
}

/* Starts ls-test-sse-server; returns it with the port it listens on. */
static GSubprocess *
spawn_server (guint16  port,
              guint64  last,
              guint    rate,
              guint16 *out_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
  g_autofree char *last_arg = g_strdup_printf ("--last=%" G_GUINT64_FORMAT, last);
  g_autofree char *rate_arg = g_strdup_printf ("--rate=%u", rate);
  GSubprocess *process;
  LineRead read = { NULL, FALSE };
  guint64 listening_port;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, sse_server_path,
                              port_arg, last_arg, rate_arg, "--size=64", NULL);
  g_assert_cmpuint (strlen (SERVER_PAD), ==, 64);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, &read);
  g_assert_true (ls_test_wait_until (line_is_read, &read, 10000));
  if (read.line == NULL)
    g_error ("ls-test-sse-server did not start (port %u)", port);
  g_assert_true (g_ascii_string_to_unsigned (read.line, 10, 1, 65535, &listening_port, NULL));
  g_free (read.line);
  *out_port = (guint16) listening_port;
  return process;
}

typedef struct
{
  gboolean done;
} Wait;

static void
process_exited_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Wait *wait = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  wait->done = TRUE;
}

static gboolean
wait_is_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
kill_server (GSubprocess *process)
{
  Wait wait = { FALSE };

  g_subprocess_force_exit (process);
  g_subprocess_wait_async (process, NULL, process_exited_cb, &wait);
  g_assert_true (ls_test_wait_until (wait_is_done, &wait, 10000));
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
}

/* What the client stored so far, checked event by event as it comes. */
typedef struct
{
  LsEventStore *store;
  guint32       stream_id;
  guint64       cursor;          /* next store seq to look at */
  guint64       next_id;         /* the event id expected next */
  guint         opens;
  guint         errors;
  guint         reconnects;
  guint64       since_open;      /* events since the latest "open" */
  guint         want_opens;
  guint64       want_events;
} Resume;

static gboolean
resume_check_cb (const LsEventView *view,
                 gpointer           data)
{
  Resume *r = data;
  g_autofree char *id = NULL;
  g_autofree char *expected_data = NULL;

  if (view->stream_id != r->stream_id)
    return TRUE;
  switch (view->kind)
    {
    case LS_EVENT_KIND_EVENT:
      /* Exactly the next id, with the data the server made for it: no id
       * skipped (committed from an incomplete event), none repeated, no
       * half event glued to the next connection's bytes. */
      id = g_strdup_printf ("%" G_GUINT64_FORMAT, r->next_id);
      expected_data = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT ",\"pad\":\"%s\"}",
                                       r->next_id, SERVER_PAD);
      g_assert_cmpstr (view->id, ==, id);
      g_assert_cmpstr (view->type, ==, "message");
      g_assert_cmpstr (view->data, ==, expected_data);
      r->next_id++;
      r->since_open++;
      break;

    case LS_EVENT_KIND_OPEN:
      r->opens++;
      r->since_open = 0;
      break;

    case LS_EVENT_KIND_ERROR:
      r->errors++;
      break;

    case LS_EVENT_KIND_RECONNECT:
      r->reconnects++;
      if (g_test_verbose ())
        g_test_message ("reconnect: %s", view->data);
      break;

    case LS_EVENT_KIND_CLOSED:
      break;

    case LS_EVENT_KIND_INVALID:
    case LS_EVENT_KIND_CHUNK:
    case LS_EVENT_KIND_COMMENT:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static void
resume_scan (Resume *r)
{
  guint64 end = ls_event_store_get_end_seq (r->store);

  /* Nothing may be dropped: the default cap is far above this test. */
  g_assert_cmpuint (ls_event_store_get_first_seq (r->store), <=, r->cursor);
  ls_event_store_foreach_range (r->store, r->cursor, end, resume_check_cb, r);
  r->cursor = end;
}

/* The new server process has served this connection for a while. */
static gboolean
served_by_new_server (gpointer data)
{
  Resume *r = data;

  resume_scan (r);
  return r->opens >= r->want_opens && r->since_open >= r->want_events;
}

#define N_KILLS       50
#define LAST_ID       20000
#define KILL_RATE     1000     /* events/s while the server is being killed */
#define FINAL_RATE    200000   /* then the rest, quickly */
#define EVENTS_PER_RUN 20      /* events a server process serves before its kill, at least */

static void
test_server_killed (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autoptr(LsStreamOptions) options = NULL;
  g_autoptr(GSubprocess) process = NULL;
  LsStream *stream;
  LsStreamStats stats;
  Resume r = { 0 };
  guint16 port;
  gint64 start_us = g_get_monotonic_time ();

  process = spawn_server (0, LAST_ID, KILL_RATE, &port);
  url = g_strdup_printf ("http://127.0.0.1:%u/events", port);
  options = ls_stream_options_new (url);
  options->reconnect_ms = 100;
  options->backoff_max_ms = 400;
  options->max_events = LAST_ID;
  stream = ls_test_streams_start (f, options);

  r.store = f->store;
  r.stream_id = 1;
  r.next_id = 1;
  r.want_events = EVENTS_PER_RUN;
  for (guint kill = 1; kill <= N_KILLS; kill++)
    {
      guint16 again;

      /* Killed only once this process has served its own events: every
       * kill cuts a live stream, mid-event (the server always is). */
      r.want_opens = kill;
      g_assert_true (ls_test_wait_until (served_by_new_server, &r, 20000));
      kill_server (process);
      g_clear_object (&process);
      process = spawn_server (port, LAST_ID, kill < N_KILLS ? KILL_RATE : FINAL_RATE, &again);
      g_assert_cmpuint (again, ==, port);
    }

  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 30000));
  kill_server (process);
  resume_scan (&r);

  ls_stream_get_stats (stream, &stats);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpstr (ls_stream_get_message (stream), ==, "Received 20000 events (max events)");
  /* Every id from 1 to the server's last, once each, in order. */
  g_assert_cmpuint (r.next_id, ==, LAST_ID + 1);
  g_assert_cmpuint (stats.events, ==, LAST_ID);
  g_assert_cmpuint (r.opens, >=, N_KILLS + 1);
  g_assert_cmpuint (r.reconnects, >=, N_KILLS);
  g_assert_cmpuint (stats.reconnects, ==, r.reconnects);
  g_test_message ("%u kills: %u events once each, %u connections served, %u reconnects "
                  "(%u connection errors), %.1f s",
                  N_KILLS, LAST_ID, r.opens, r.reconnects, r.errors,
                  (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC);
  g_assert_finalize_object (stream);
}

/* ---- many live streams, then stop -------------------------------------- */

/* UI-side callbacks of one stream, counted. */
typedef struct
{
  LsStream *stream;
  guint     callbacks;
  guint     after_final;   /* callbacks once the stream was already final */
  gboolean  final;
} Watch;

static void
watch_callback (Watch *watch)
{
  watch->callbacks++;
  if (watch->final)
    watch->after_final++;
}

static void
progress_cb (LsStream *stream,
             Watch    *watch)
{
  /* The final progress and its notify::state come in the same delivery. */
  watch_callback (watch);
}

static void
state_cb (LsStream   *stream,
          GParamSpec *pspec,
          Watch      *watch)
{
  watch_callback (watch);
  watch->final = LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream));
}

static void
watch_init (Watch     *watch,
            LsStream **streams,
            LsStream  *stream)
{
  *streams = stream;
  watch->stream = stream;
  g_signal_connect (stream, "progress", G_CALLBACK (progress_cb), watch);
  g_signal_connect (stream, "notify::state", G_CALLBACK (state_cb), watch);
}

static guint
watches_callbacks (Watch *watches,
                   guint  n)
{
  guint callbacks = 0;

  for (guint i = 0; i < n; i++)
    callbacks += watches[i].callbacks;
  return callbacks;
}

/* Per stream: the store holds nothing after its "closed" record. */
typedef struct
{
  guint64 *records;
  gboolean *closed;
  guint     n;
} Tail;

static gboolean
tail_cb (const LsEventView *view,
         gpointer           data)
{
  Tail *t = data;
  guint i = view->stream_id - 1;

  if (i >= t->n)
    return TRUE;
  /* Nothing was appended for a stream after its closed record. */
  g_assert_false (t->closed[i]);
  t->records[i]++;
  if (view->kind == LS_EVENT_KIND_CLOSED)
    t->closed[i] = TRUE;
  return TRUE;
}

static void
check_closed_last (LsEventStore *store,
                   guint         n)
{
  g_autofree guint64 *records = g_new0 (guint64, n);
  g_autofree gboolean *closed = g_new0 (gboolean, n);
  Tail t = { records, closed, n };

  ls_event_store_foreach_range (store, ls_event_store_get_first_seq (store),
                                ls_event_store_get_end_seq (store), tail_cb, &t);
  for (guint i = 0; i < n; i++)
    g_assert_true (closed[i]);
}

#define N_LIVE 100

/* Stops the worker under the streams of @all, as the app's quit does, and
 * waits until every one has heard it (one more frame after CLOSED): each
 * CANCELLED, no callback after its final one. Returns how long the stop
 * took to CLOSED, in µs. */
static gint64
stop_worker_under (Fixture     *f,
                   LsTestGroup *all,
                   Watch       *watches)
{
  gint64 stop_us = g_get_monotonic_time ();

  ls_test_bridge_stop (f->bridge);
  stop_us = g_get_monotonic_time () - stop_us;
  g_assert_true (ls_test_wait_until (ls_test_group_is_final, all, 5000));
  for (guint i = 0; i < all->n; i++)
    {
      g_assert_cmpint (ls_stream_get_state (watches[i].stream), ==, LS_STREAM_CANCELLED);
      g_assert_cmpuint (watches[i].after_final, ==, 0);
    }
  return stop_us;
}

static void
test_worker_stop_live (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(LsDemoServer) demo = ls_test_demo_server_start ();
  g_autofree char *url = NULL;
  g_autoptr(LsStreamOptions) options = NULL;
  Watch watches[N_LIVE] = { { 0 } };
  LsStream *streams[N_LIVE] = { NULL };
  LsTestGroup all = { streams, N_LIVE, 5, LS_STREAM_OPEN };
  guint callbacks, callbacks_at_stop;
  guint64 end_seq;
  gint64 stop_us;

  url = g_strconcat (ls_demo_server_get_base_uri (demo), "/sse/ticks?rate=100", NULL);
  options = ls_stream_options_new (url);

  for (guint i = 0; i < N_LIVE; i++)
    watch_init (&watches[i], &streams[i], ls_test_streams_start (f, options));
  g_assert_true (ls_test_wait_until (ls_test_group_has_events, &all, 30000));
  g_assert_true (ls_test_group_in_state (&all));

  callbacks_at_stop = watches_callbacks (watches, N_LIVE);
  stop_us = stop_worker_under (f, &all, watches);
  for (guint i = 0; i < N_LIVE; i++)
    g_assert_cmpstr (ls_stream_get_message (watches[i].stream), ==,
                     "Cancelled: the worker is stopping");

  /* And then nothing: no callback, no record, for as long as we look. */
  callbacks = watches_callbacks (watches, N_LIVE);
  end_seq = ls_event_store_get_end_seq (f->store);
  ls_test_run_for (300);
  g_assert_cmpuint (watches_callbacks (watches, N_LIVE), ==, callbacks);
  g_assert_cmpuint (ls_event_store_get_end_seq (f->store), ==, end_seq);
  check_closed_last (f->store, N_LIVE);
  g_test_message ("%u live streams: stop to CLOSED in %.1f ms; %u UI callbacks between stop and the end",
                  N_LIVE, (double) stop_us / 1000, callbacks - callbacks_at_stop);

  for (guint i = 0; i < N_LIVE; i++)
    {
      ls_stream_cancel (watches[i].stream);
      g_assert_finalize_object (watches[i].stream);
    }
  ls_demo_server_stop (demo);
  g_assert_finalize_object (g_steal_pointer (&demo));
}

/* ---- quit with streams in every state ---------------------------------- */

/* A TCP listener that never accepts: the kernel completes the handshake
 * and takes the request, and no answer ever comes. */
static GSocket *
silent_listener (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_socket_set_listen_backlog (socket, 256);
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* A port nothing listens on (bound, then closed). */
static guint16
refused_port (void)
{
  guint16 port;
  GSocket *socket = silent_listener (&port);

  g_socket_close (socket, NULL);
  g_object_unref (socket);
  return port;
}

static void
test_quit_mixed (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(LsDemoServer) demo = ls_test_demo_server_start ();
  g_autoptr(GSocket) silent = NULL;
  g_autofree char *ticks = NULL;
  g_autofree char *flaky = NULL;
  g_autofree char *hang = NULL;
  g_autofree char *refused = NULL;
  Watch watches[N_LIVE] = { { 0 } };
  LsStream *streams[N_LIVE] = { NULL };
  /* Reading, waiting for headers, waiting to reconnect after a refusal,
   * reconnecting after drops, and started just before the quit. */
  LsTestGroup reading = { streams, 40, 3, LS_STREAM_OPEN };
  LsTestGroup hanging = { streams + 40, 20, 0, LS_STREAM_CONNECTING };
  LsTestGroup waiting = { streams + 60, 20, 0, LS_STREAM_WAITING };
  LsTestGroup flapping = { streams + 80, 10, 2, 0 };
  LsTestGroup all = { streams, N_LIVE, 0, 0 };
  guint16 silent_port;
  gint64 stop_us;

  silent = silent_listener (&silent_port);
  ticks = g_strconcat (ls_demo_server_get_base_uri (demo), "/sse/ticks?rate=50", NULL);
  flaky = g_strconcat (ls_demo_server_get_base_uri (demo), "/sse/flaky?every=1&rate=100&retry=100", NULL);
  hang = g_strdup_printf ("http://127.0.0.1:%u/never", silent_port);
  refused = g_strdup_printf ("http://127.0.0.1:%u/", refused_port ());

  for (guint i = 0; i < 90; i++)
    {
      const char *url = i < 40 ? ticks : i < 60 ? hang : i < 80 ? refused : flaky;
      g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);

      /* Long waits: a quit must not sit them out. */
      options->reconnect_ms = i < 80 ? 60000 : 100;
      watch_init (&watches[i], &streams[i], ls_test_streams_start (f, options));
    }
  g_assert_true (ls_test_wait_until (ls_test_group_has_events, &reading, 30000));
  g_assert_true (ls_test_wait_until (ls_test_group_in_state, &waiting, 30000));
  g_assert_true (ls_test_wait_until (ls_test_group_has_events, &flapping, 30000));
  g_assert_true (ls_test_group_in_state (&reading));
  /* No answer is coming: they are still waiting for headers. */
  g_assert_true (ls_test_group_in_state (&hanging));

  for (guint i = 90; i < N_LIVE; i++)
    {
      g_autoptr(LsStreamOptions) options = ls_stream_options_new (ticks);

      watch_init (&watches[i], &streams[i], ls_test_streams_start (f, options));
    }

  /* The app's quit: stop, then wait on the UI loop for CLOSED. A task
   * that ignored its cancellation would hold the worker until the grace
   * timer's warning, which is fatal here. */
  stop_us = stop_worker_under (f, &all, watches);
  check_closed_last (f->store, 90);
  g_test_message ("quit with %u streams (40 reading, 20 waiting for headers, 20 waiting to "
                  "reconnect, 10 flapping, 10 just started): CLOSED in %.1f ms, %u cancelled",
                  N_LIVE, (double) stop_us / 1000, all.n);

  for (guint i = 0; i < N_LIVE; i++)
    g_assert_finalize_object (watches[i].stream);
  ls_demo_server_stop (demo);
  g_assert_finalize_object (g_steal_pointer (&demo));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);
  /* The worker warns when a task outlives its stop grace: a hang, here. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  dir = g_path_get_dirname (argv[0]);
  sse_server_path = g_build_filename (dir, "ls-test-sse-server", NULL);
  if (!g_file_test (sse_server_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("%s not found\n", sse_server_path);
      return 1;
    }

#define ADD(path, func) \
  g_test_add ("/faults/" path, Fixture, NULL, ls_test_streams_setup, func, ls_test_streams_teardown)
  ADD ("server-killed/50-restarts", test_server_killed);
  ADD ("worker-stop/100-live", test_worker_stop_live);
  ADD ("quit/100-mixed", test_quit_mixed);
#undef ADD

  result = g_test_run ();
  g_free (sse_server_path);
  return result;
}
