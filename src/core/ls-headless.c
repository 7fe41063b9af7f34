/* ls-headless.c: `loopscope --headless URL [options]`, without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same engine as the window: an LsBridge whose UI side is the global
 * default context, run here by a GMainLoop on the main thread; one
 * LsStream on the worker; events written from the event store in batches,
 * when the stream's "progress" arrives (once per frame at most), by an
 * LsEventWriter. This file is the run: the arguments come parsed from
 * ls-headless-args.c; here the outputs are opened, the demo server, the
 * bridge and the stream started, signals turned into a clean stop, and the
 * exit status decided.
 */
#define G_LOG_DOMAIN "ls-headless"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "ls-capture.h"
#include "ls-demo-server.h"
#include "ls-event-writer.h"
#include "ls-headless.h"
#include "ls-headless-private.h"
#include "ls-loop-probe.h"
#include "ls-i18n.h"
#include "ls-redact.h"
#include "ls-stream.h"
#include "ls-trace.h"

/* How often the stream's results are taken from the worker and written. */
#define HEADLESS_INTERVAL_US 1000
/* Freed memory the process keeps for reuse (see mallopt below). */
#define HEADLESS_MALLOC_KEEP (32 * 1024 * 1024)

typedef struct
{
  LsHeadlessArgs     args;

  /* Running. */
  GMainLoop         *loop;
  LsRecorder        *recorder;
  LsBridge          *bridge;
  LsEventStore      *store;
  LsStream          *stream;
  LsDemoServer      *demo_server;
  GFileOutputStream *trace_out;
  LsEventWriter     *writer;
  GOutputStream     *capture_out;     /* --capture, until its writer takes it */
  LsEventWriter     *capture;
  gint64             t0_us;
  gboolean           interrupted;
  gboolean           stopping;

  int                exit_code;
  char              *exit_reason;
} Headless;

/* ---- messages --------------------------------------------------------- */

/* One line on standard error, "loopscope: " and a translated sentence. */
G_GNUC_PRINTF (1, 2)
static void
headless_say (const char *format,
              ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("loopscope: %s\n", text);
}

/* ---- running --------------------------------------------------------- */

static void
write_new_events (Headless *h)
{
  gboolean ok;

  if (ls_event_writer_has_failed (h->writer) ||
      (h->capture != NULL && ls_event_writer_has_failed (h->capture)))
    return;
  /* The capture first: the events writer releases what it wrote. */
  ok = h->capture == NULL || ls_event_writer_write_new (h->capture, h->store);
  ok = ls_event_writer_write_new (h->writer, h->store) && ok;
  /* Events that cannot be written end the stream: nobody would see them. */
  if (!ok && h->stream != NULL)
    ls_stream_cancel (h->stream);
}

static void
set_exit (Headless   *h,
          int         code,
          const char *reason)
{
  if (h->exit_reason != NULL || h->exit_code != 0)
    return;
  h->exit_code = code;
  h->exit_reason = g_strdup (reason);
}

static void
on_worker_state (LsBridge   *bridge,
                 GParamSpec *pspec,
                 Headless   *h)
{
  if (ls_bridge_get_worker_state (bridge) == LS_WORKER_CLOSED)
    g_main_loop_quit (h->loop);
}

static void
headless_stop (Headless *h)
{
  if (h->stopping)
    return;
  h->stopping = TRUE;
  g_signal_connect (h->bridge, "notify::worker-state", G_CALLBACK (on_worker_state), h);
  ls_bridge_stop (h->bridge, NULL);
  if (ls_bridge_get_worker_state (h->bridge) == LS_WORKER_CLOSED)
    g_main_loop_quit (h->loop);
}

static void
on_progress (LsStream *stream,
             Headless *h)
{
  write_new_events (h);
}

static void
on_stream_state (LsStream   *stream,
                 GParamSpec *pspec,
                 Headless   *h)
{
  LsStreamState state = ls_stream_get_state (stream);

  if (!LS_STREAM_STATE_IS_FINAL (state))
    return;

  write_new_events (h);
  if (ls_event_writer_has_failed (h->writer))
    set_exit (h, LS_HEADLESS_EXIT_FAILED, ls_event_writer_get_error (h->writer));
  else if (h->capture != NULL && ls_event_writer_has_failed (h->capture))
    set_exit (h, LS_HEADLESS_EXIT_FAILED, ls_event_writer_get_error (h->capture));
  else if (state == LS_STREAM_FAILED)
    set_exit (h, LS_HEADLESS_EXIT_FAILED, ls_stream_get_message (stream));
  else if (state == LS_STREAM_CANCELLED && !h->interrupted)
    set_exit (h, LS_HEADLESS_EXIT_FAILED, ls_stream_get_message (stream));
  headless_stop (h);
}

static gboolean
on_signal (gpointer data)
{
  Headless *h = data;

  h->interrupted = TRUE;
  if (h->stream != NULL)
    ls_stream_cancel (h->stream);
  else
    headless_stop (h);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: the way SSE client libraries "restart" a stream. */
static gboolean
on_sighup (gpointer data)
{
  Headless *h = data;

  if (h->stream != NULL)
    ls_stream_reconnect_now (h->stream);
  return G_SOURCE_CONTINUE;
}

/* ---- outputs --------------------------------------------------------- */

static gboolean
open_outputs (Headless  *h,
              GError   **error)
{
  const char *events_out = h->args.events_out;

  if (events_out == NULL || g_str_equal (events_out, "-"))
    {
      /* "-" is named as given in error messages. */
      h->writer = ls_event_writer_new (STDOUT_FILENO, FALSE,
                                       events_out != NULL ? events_out : _("standard output"),
                                       h->t0_us);
    }
  else
    {
      int fd = open (events_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

      if (fd < 0)
        {
          int saved = errno;

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--events-out: cannot open '%s': %s"), events_out, g_strerror (saved));
          return FALSE;
        }
      h->writer = ls_event_writer_new (fd, TRUE, events_out, h->t0_us);
    }

  if (h->args.capture_path != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      h->capture_out = ls_capture_create_file (h->args.capture_path, &local_error);
      if (h->capture_out == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--capture: %s"), local_error->message);
          return FALSE;
        }
    }

  if (h->args.trace_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (h->args.trace_path);
      g_autoptr(GError) local_error = NULL;

      h->trace_out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local_error);
      if (h->trace_out == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--trace: %s"), local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static void
print_stats (Headless *h)
{
  LsStreamStats stats = { 0 };
  guint64 dropped = ls_event_writer_get_dropped (h->writer);
  double seconds;
  /* A machine format: the figures keep their dot in every locale. */
  char s_seconds[G_ASCII_DTOSTR_BUF_SIZE], s_rate[G_ASCII_DTOSTR_BUF_SIZE];
  char s_mb[G_ASCII_DTOSTR_BUF_SIZE], s_ttfb[G_ASCII_DTOSTR_BUF_SIZE], s_gap[G_ASCII_DTOSTR_BUF_SIZE];

  if (h->stream != NULL)
    ls_stream_get_stats (h->stream, &stats);
  seconds = stats.started_us != 0 && stats.ended_us > stats.started_us
              ? (double) (stats.ended_us - stats.started_us) / G_USEC_PER_SEC : 0;
  g_ascii_formatd (s_seconds, sizeof s_seconds, "%.3f", seconds);
  g_ascii_formatd (s_rate, sizeof s_rate, "%.0f", seconds > 0 ? stats.events / seconds : 0);
  g_ascii_formatd (s_mb, sizeof s_mb, "%.2f", seconds > 0 ? stats.bytes / seconds / 1e6 : 0);
  g_ascii_formatd (s_ttfb, sizeof s_ttfb, "%.2f", stats.ttfb_us >= 0 ? stats.ttfb_us / 1000.0 : 0);
  g_ascii_formatd (s_gap, sizeof s_gap, "%.2f", stats.max_gap_us / 1000.0);
  g_printerr ("loopscope: stats: state=%s events=%" G_GUINT64_FORMAT " invalid=%" G_GUINT64_FORMAT
              " bytes=%" G_GUINT64_FORMAT " seconds=%s events_per_s=%s mb_per_s=%s"
              " connects=%" G_GUINT64_FORMAT " reconnects=%" G_GUINT64_FORMAT
              " dropped=%" G_GUINT64_FORMAT " status=%u content_type=%s ttfb_ms=%s"
              " max_gap_ms=%s\n",
              h->stream != NULL ? ls_stream_state_to_string (ls_stream_get_state (h->stream)) : "idle",
              stats.events, stats.invalid, stats.bytes, s_seconds, s_rate, s_mb,
              stats.connects, stats.reconnects, dropped, stats.http_status,
              stats.content_type[0] != '\0' ? stats.content_type : "-",
              s_ttfb, s_gap);
}

static void
headless_clear (Headless *h)
{
  g_clear_object (&h->stream);
  g_clear_object (&h->bridge);
  if (h->demo_server != NULL)
    ls_demo_server_stop (h->demo_server);
  g_clear_object (&h->demo_server);
  g_clear_object (&h->recorder);
  g_clear_pointer (&h->store, ls_event_store_unref);
  g_clear_object (&h->trace_out);
  g_clear_pointer (&h->loop, g_main_loop_unref);
  g_clear_pointer (&h->writer, ls_event_writer_free);
  g_clear_pointer (&h->capture, ls_event_writer_free);
  g_clear_object (&h->capture_out);
  ls_headless_args_clear (&h->args);
  g_free (h->exit_reason);
}

int
ls_headless_main (int    argc,
                  char **argv)
{
  Headless h = { 0 };
  g_autoptr(GError) error = NULL;
  guint sigint_id, sigterm_id, sighup_id;
  int code;

  h.t0_us = g_get_monotonic_time ();
  /* Messages in the user's language (also when a runner other than the
   * loopscope binary calls this); the machine formats (JSON lines, --stats,
   * the trace) write their numbers with a dot whatever the locale says. */
  ls_i18n_init ();

  if (!ls_headless_args_parse (&h.args, argc, argv, &error) || !open_outputs (&h, &error))
    {
      /* The message may quote the URL or a header as given. */
      g_autofree char *safe = ls_redact_text (error->message);

      /* TRANSLATORS: %s is what was wrong with the command line. */
      headless_say (_("%s (see loopscope --headless --help)"), safe);
      headless_clear (&h);
      return LS_HEADLESS_EXIT_USAGE;
    }

  /* A closed pipe is an error to report, not a signal that kills us
   * before the outputs are flushed. */
  signal (SIGPIPE, SIG_IGN);

  h.loop = g_main_loop_new (NULL, FALSE);
  /* Its rings (megabytes) are mapped pages, zero until a record lands
   * there; from the heap, after the mallopt() below, they would be
   * cleared and faulted in whole at start. */
  h.recorder = ls_recorder_new (1 << 16);
  /* The event store frees each segment once written and opens the next at
   * once: keep that memory in the heap for reuse, instead of handing it
   * back to the kernel and faulting it in again (zeroed) a moment later. */
  mallopt (M_MMAP_THRESHOLD, HEADLESS_MALLOC_KEEP / 4);
  mallopt (M_TRIM_THRESHOLD, HEADLESS_MALLOC_KEEP);

  if (h.args.demo)
    {
      h.demo_server = ls_demo_server_new ();
      if (!ls_demo_server_start_sync (h.demo_server, 0, &error))
        {
          headless_say (_("cannot start the demo server: %s"), error->message);
          headless_clear (&h);
          return LS_HEADLESS_EXIT_FAILED;
        }
      /* Not translated: scripts read the address from this line (docs/headless.md). */
      g_printerr ("loopscope: demo server at %s\n", ls_demo_server_get_base_uri (h.demo_server));
      if (h.args.replay != NULL)
        {
          g_free (h.args.options->url);
          h.args.options->url = ls_demo_server_add_replay (h.demo_server, h.args.replay, h.args.speed);
          if (ls_replay_get_warning (h.args.replay) != NULL)
            headless_say ("%s", ls_replay_get_warning (h.args.replay));
        }
      if (h.args.options->url[0] == '/')
        {
          char *url = g_strconcat (ls_demo_server_get_base_uri (h.demo_server), h.args.options->url, NULL);

          g_free (h.args.options->url);
          h.args.options->url = url;
        }
    }

  h.bridge = ls_bridge_new (h.recorder);
  /* No frames here: each line follows what it says by about a millisecond. */
  ls_bridge_set_ui_interval (h.bridge, HEADLESS_INTERVAL_US);
  h.store = ls_event_store_new ();
  if (!ls_bridge_start (h.bridge, &error))
    {
      headless_say (_("cannot start the worker: %s"), error->message);
      headless_clear (&h);
      return LS_HEADLESS_EXIT_FAILED;
    }

  if (h.capture_out != NULL)
    {
      g_autofree char *header = NULL;

      /* Every connection, response and read, with its bytes. */
      h.args.options->record_reads = TRUE;
      header = ls_capture_header_line (h.args.options, ls_event_store_to_real_time (h.store, h.t0_us),
                                       h.args.include_secrets);
      h.stream = ls_stream_new (h.bridge, h.args.options, h.store, 1);
      if (!ls_stream_start (h.stream, &error))
        set_exit (&h, LS_HEADLESS_EXIT_FAILED, error->message);
      h.capture = ls_capture_writer_new (h.capture_out, h.args.capture_path, h.t0_us,
                                         ls_stream_get_read_log (h.stream), h.args.include_secrets);
      g_clear_object (&h.capture_out);
      ls_event_writer_write_line (h.capture, header, -1);
    }
  else
    h.stream = ls_stream_new (h.bridge, h.args.options, h.store, 1);
  /* The trace names the stream's work after its URL, secrets masked. */
  {
    g_autofree char *name = ls_redact_url (h.args.options->url);

    ls_recorder_set_stream_name (h.recorder, ls_stream_get_id (h.stream), name);
  }
  g_signal_connect (h.stream, "progress", G_CALLBACK (on_progress), &h);
  g_signal_connect (h.stream, "notify::state", G_CALLBACK (on_stream_state), &h);
  sigint_id = ls_unix_signal_add_named (SIGINT, "headless.sigint", on_signal, &h);
  sigterm_id = ls_unix_signal_add_named (SIGTERM, "headless.sigterm", on_signal, &h);
  sighup_id = ls_unix_signal_add_named (SIGHUP, "headless.sighup", on_sighup, &h);

  if (h.exit_code != 0 || (h.capture == NULL && !ls_stream_start (h.stream, &error)))
    {
      set_exit (&h, LS_HEADLESS_EXIT_FAILED, error->message);
      headless_stop (&h);
    }

  g_main_loop_run (h.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_source_remove (sighup_id);

  write_new_events (&h);
  if (!ls_event_writer_close (h.writer))
    set_exit (&h, LS_HEADLESS_EXIT_FAILED, ls_event_writer_get_error (h.writer));
  if (h.capture != NULL)
    {
      LsStreamStats stats;
      g_autofree char *figures = NULL;

      ls_stream_get_stats (h.stream, &stats);
      figures = ls_capture_figures_line (ls_stream_get_state (h.stream), ls_stream_get_end (h.stream),
                                         ls_stream_get_message (h.stream), &stats,
                                         ls_event_writer_get_dropped (h.capture), h.t0_us);
      ls_event_writer_write_line (h.capture, figures, -1);
      if (!ls_event_writer_close (h.capture))
        set_exit (&h, LS_HEADLESS_EXIT_FAILED, ls_event_writer_get_error (h.capture));
    }

  if (h.trace_out != NULL)
    {
      g_autoptr(GError) trace_error = NULL;

      if (!ls_trace_export (h.recorder, G_OUTPUT_STREAM (h.trace_out),
                            h.args.include_secrets ? LS_TRACE_EXPORT_INCLUDE_SECRETS
                                                   : LS_TRACE_EXPORT_DEFAULT,
                            NULL, &trace_error) ||
          !g_output_stream_close (G_OUTPUT_STREAM (h.trace_out), NULL, &trace_error))
        set_exit (&h, LS_HEADLESS_EXIT_FAILED, trace_error->message);
    }

  if (h.args.print_stats)
    print_stats (&h);
  if (h.exit_code != 0)
    {
      g_autofree char *safe = ls_redact_text (h.exit_reason != NULL ? h.exit_reason : _("failed"));

      g_printerr ("loopscope: %s\n", safe);
    }

  code = h.exit_code;
  headless_clear (&h);
  return code;
}
