/* ls-headless-args.c: the headless command line, parsed and validated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything the run needs is checked here, before anything is opened,
 * started or sent: bad input is exit status 2 and no request. The options
 * are a contract: docs/headless.md.
 */
#define G_LOG_DOMAIN "ls-headless"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ls-headless-private.h"

static gboolean
parse_uint (const char  *str,
            const char  *option,
            guint64      min,
            guint64      max,
            guint64     *out,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (str == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (str, 10, min, max, out, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s: %s", option, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Seconds (decimals allowed) to milliseconds. */
static gboolean
parse_seconds (const char  *str,
               const char  *option,
               guint64      max_ms,
               guint64     *out_ms,
               GError     **error)
{
  char *end = NULL;
  double value;

  if (str == NULL)
    return TRUE;
  errno = 0;
  value = g_ascii_strtod (str, &end);
  if (*str == '\0' || end == NULL || *end != '\0' || errno != 0 || !(value >= 0) ||
      value * 1000 > (double) max_ms)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: "--duration: 'x' is not…"; the bound fits in 32 bits. */
                   _("%s: '%s' is not a number of seconds between 0 and %u"),
                   option, str, (guint) (max_ms / 1000));
      return FALSE;
    }
  *out_ms = (guint64) (value * 1000 + 0.5);
  if (value > 0 && *out_ms == 0)
    *out_ms = 1;
  return TRUE;
}

/* --data @FILE, read with a cap: a huge file, a directory or a device
 * such as /dev/zero is one line at the input, not an endless read. */
static GBytes *
read_body_file (const char  *path,
                GError     **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 buf[64 * 1024];
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--data: cannot open '%s': %s"), path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--data: '%s' is a directory, not a file"), path);
      return NULL;
    }
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--data: cannot read '%s': %s"), path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      if (body->len + (gsize) n > LS_STREAM_MAX_BODY_SIZE)
        {
          close (fd);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--data: '%s' is larger than the %u MiB limit for a request body"),
                       path, (guint) (LS_STREAM_MAX_BODY_SIZE / (1024 * 1024)));
          return NULL;
        }
      g_byte_array_append (body, buf, (guint) n);
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

gboolean
ls_headless_args_parse (LsHeadlessArgs  *args,
                        int              argc,
                        char           **argv,
                        GError         **error)
{
  gboolean headless = FALSE, no_reconnect = FALSE;
  g_autofree char *method = NULL;
  g_auto(GStrv) headers = NULL;
  g_autofree char *data = NULL;
  g_autofree char *format = NULL;
  g_autofree char *max_events = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *reconnect_ms = NULL;
  g_autofree char *last_event_id = NULL;
  g_autofree char *idle_timeout = NULL;
  g_autofree char *max_event_size = NULL;
  g_autofree char *stall_timeout = NULL;
  g_autofree char *max_expansion = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *accept_certificate = NULL;
  g_autofree char *replay_path = NULL;
  g_autofree char *speed = NULL;
  gboolean comments = FALSE;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char **argv_copy = NULL;
  LsStreamOptions *options;
  const char *url;
  guint64 value;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run without a window (this mode)"), NULL },
    { "method", 'X', 0, G_OPTION_ARG_STRING, &method, N_("HTTP method (default GET)"), N_("METHOD") },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &headers, N_("Request header, repeatable"), N_("'NAME: VALUE'") },
    { "data", 'd', 0, G_OPTION_ARG_STRING, &data, N_("Request body, or @FILE to read it from a file"), N_("BODY") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("auto (by Content-Type), sse, ndjson or raw"), N_("FORMAT") },
    { "max-events", 'n', 0, G_OPTION_ARG_STRING, &max_events, N_("End after N events (0: no limit)"), N_("N") },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &duration, N_("End after S seconds (0: no limit)"), N_("S") },
    { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &no_reconnect, N_("End instead of reconnecting"), NULL },
    { "reconnect-ms", 0, 0, G_OPTION_ARG_STRING, &reconnect_ms, N_("Reconnection time until the server sends retry: (default 3000)"), N_("N") },
    { "last-event-id", 0, 0, G_OPTION_ARG_STRING, &last_event_id, N_("Send Last-Event-ID: ID on the first request"), N_("ID") },
    { "idle-timeout", 0, 0, G_OPTION_ARG_STRING, &idle_timeout, N_("No data for S seconds is a network error (0: off)"), N_("S") },
    { "max-event-size", 0, 0, G_OPTION_ARG_STRING, &max_event_size, N_("Cap on one event or line in bytes (default 64 MiB)"), N_("BYTES") },
    { "stall-timeout", 0, 0, G_OPTION_ARG_STRING, &stall_timeout, N_("No complete line for S seconds is a network error (0: off); a trickle of bytes does not count, comments do"), N_("S") },
    { "max-expansion", 0, 0, G_OPTION_ARG_STRING, &max_expansion, N_("Cap on how many times a compressed body may expand (default 100, 0: off)"), N_("N") },
    { "comments", 0, 0, G_OPTION_ARG_NONE, &comments, N_("Also print each SSE comment line (\": heartbeat\") as a \"comment\" line"), NULL },
    { "events-out", 'o', 0, G_OPTION_ARG_FILENAME, &args->events_out, N_("Write events to FILE (default: standard output)"), N_("FILE") },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &args->trace_path, N_("Write a Chrome trace (Perfetto) to FILE at exit"), N_("FILE") },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &args->print_stats, N_("Print a summary to standard error at exit"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Also trust certificates issued by the CAs in this PEM file (this stream only)"), N_("FILE") },
    { "accept-certificate", 0, 0, G_OPTION_ARG_STRING, &accept_certificate, N_("Accept this one server certificate though untrusted, by its SHA-256 fingerprint"), N_("SHA256") },
    { "capture", 0, 0, G_OPTION_ARG_FILENAME, &args->capture_path, N_("Save the stream as a capture to FILE while it runs (gzip when FILE ends in .gz)"), N_("FILE") },
    { "include-secrets", 0, 0, G_OPTION_ARG_NONE, &args->include_secrets, N_("Keep credentials (Authorization, cookies, API keys, URL passwords) in this run's trace and capture instead of [redacted]"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &args->demo, N_("Start the embedded demo server; URL may be a path like /sse/ticks"), NULL },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, &replay_path, N_("Serve the capture FILE again from the demo server and stream it back (implies --demo, no URL)"), N_("FILE") },
    { "speed", 0, 0, G_OPTION_ARG_STRING, &speed, N_("With --replay: 0.1 to 100 times the capture's pace, or max (default 1)"), N_("X") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL }
  };

  /* GOption translates these (and the entries) through the domain. */
  context = g_option_context_new (N_("URL — stream from URL and print one JSON object per line"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    N_("Exit status: 0 when the stream ended as asked (max events, duration, end of stream with\n"
       "--no-reconnect, HTTP 204, SIGINT/SIGTERM), 1 when it failed, 2 for bad arguments.\n"
       "SIGHUP drops the connection and reconnects at once (with Last-Event-ID).\n"
       "Output format: docs/headless.md."));

  /* GOption rearranges the array it is given: parse a shallow copy. */
  argv_copy = g_new0 (char *, argc + 1);
  memcpy (argv_copy, argv, sizeof (char *) * argc);
  if (!g_option_context_parse (context, &argc, &argv_copy, error))
    return FALSE;

  if (rest != NULL && rest[0] != NULL && rest[1] != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Unexpected argument '%s': give one URL"), rest[1]);
      return FALSE;
    }
  url = rest != NULL ? rest[0] : NULL;
  if (speed != NULL && replay_path == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("--speed needs --replay"));
      return FALSE;
    }
  args->speed = 1.0;
  if (replay_path != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (url != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       _("Unexpected argument '%s': --replay streams from the demo server, give no URL"), url);
          return FALSE;
        }
      if (speed != NULL && !ls_replay_parse_speed (speed, &args->speed, &local_error))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--speed: %s", local_error->message);
          return FALSE;
        }
      /* The path the demo server gives it replaces this stand-in. */
      args->demo = TRUE;
      url = "/replay/1";
    }
  if (url == NULL && args->demo)
    url = "/sse/ticks";
  if (url == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("No URL given"));
      return FALSE;
    }

  options = args->options = ls_stream_options_new (url);
  /* With --demo a path is resolved against the server once it listens;
   * validate it against a stand-in now, so bad input starts nothing. */
  if (args->demo && url[0] == '/')
    {
      g_free (options->url);
      options->url = g_strconcat ("http://127.0.0.1", url, NULL);
    }
  options->method = g_strdup (method);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (!ls_stream_options_add_header_line (options, headers[i], error))
      return FALSE;
  if (data != NULL)
    {
      if (data[0] == '@')
        {
          options->body = read_body_file (data + 1, error);
          if (options->body == NULL)
            return FALSE;
        }
      else
        {
          options->body = g_bytes_new (data, strlen (data));
        }
      if (method == NULL)
        options->method = g_strdup ("POST");
    }
  if (format != NULL && !ls_stream_format_from_string (format, &options->format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--format: '%s' is not one of auto, sse, ndjson, raw"), format);
      return FALSE;
    }
  if (!parse_uint (max_events, "--max-events", 0, G_MAXUINT64, &options->max_events, error) ||
      !parse_seconds (duration, "--duration", LS_STREAM_MAX_DURATION_MS, &options->duration_ms, error))
    return FALSE;
  options->reconnect = no_reconnect ? LS_STREAM_RECONNECT_OFF : LS_STREAM_RECONNECT_AUTO;
  options->comments = comments;
  value = options->reconnect_ms;
  if (!parse_uint (reconnect_ms, "--reconnect-ms", 0, LS_STREAM_MAX_RECONNECT_MS, &value, error))
    return FALSE;
  options->reconnect_ms = (guint) value;
  options->last_event_id = g_strdup (last_event_id);
  value = 0;
  if (!parse_seconds (idle_timeout, "--idle-timeout", LS_STREAM_MAX_IDLE_TIMEOUT_MS, &value, error))
    return FALSE;
  options->idle_timeout_ms = (guint) value;
  value = options->max_event_size;
  if (!parse_uint (max_event_size, "--max-event-size", LS_STREAM_MIN_MAX_EVENT_SIZE,
                   LS_STREAM_MAX_MAX_EVENT_SIZE, &value, error))
    return FALSE;
  options->max_event_size = (gsize) value;
  value = 0;
  if (!parse_seconds (stall_timeout, "--stall-timeout", LS_STREAM_MAX_IDLE_TIMEOUT_MS, &value, error))
    return FALSE;
  options->stall_timeout_ms = (guint) value;
  value = options->max_expansion;
  if (!parse_uint (max_expansion, "--max-expansion", 0, LS_STREAM_MAX_MAX_EXPANSION, &value, error))
    return FALSE;
  options->max_expansion = (guint) value;
  options->ca_file = g_strdup (ca_file);
  if (accept_certificate != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      options->accept_certificate_sha256 = ls_stream_normalize_fingerprint (accept_certificate, &local_error);
      if (options->accept_certificate_sha256 == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--accept-certificate: %s", local_error->message);
          return FALSE;
        }
    }

  if (!ls_stream_options_validate (options, error))
    return FALSE;
  if (replay_path != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      /* Last: the file is read only when everything else is right. */
      args->replay = ls_replay_new_for_file (replay_path, &local_error);
      if (args->replay == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--replay: %s", local_error->message);
          return FALSE;
        }
      if (format == NULL)
        options->format = ls_replay_get_format (args->replay);
    }
  if (args->demo && url[0] == '/')
    {
      g_free (options->url);
      options->url = g_strdup (url);
    }
  return TRUE;
}

void
ls_headless_args_clear (LsHeadlessArgs *args)
{
  g_clear_pointer (&args->options, ls_stream_options_free);
  g_clear_pointer (&args->events_out, g_free);
  g_clear_pointer (&args->trace_path, g_free);
  g_clear_pointer (&args->capture_path, g_free);
  g_clear_pointer (&args->replay, ls_replay_unref);
}
