/* ls-headless.c: `loopscope --headless URL [options]`, without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same engine as the window: an LsBridge whose UI side is the global
 * default context, run here by a GMainLoop on the main thread; one
 * LsStream on the worker; events written from the event store in batches,
 * when the stream's "progress" arrives (once per frame at most). JSON is
 * written by hand into a large buffer: json-glib per event would cost
 * more than everything else together.
 */
#define G_LOG_DOMAIN "ls-headless"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "ls-demo-server.h"
#include "ls-headless.h"
#include "ls-redact.h"
#include "ls-stream.h"

#define OUT_BUFFER_SIZE (256 * 1024)
#define HINT " (see loopscope --headless --help)"

typedef struct
{
  /* Arguments. */
  LsStreamOptions *options;
  char            *events_out;
  char            *trace_path;
  gboolean         print_stats;
  gboolean         demo;
  gboolean         include_secrets;

  /* Running. */
  GMainLoop       *loop;
  LsRecorder      *recorder;
  LsBridge        *bridge;
  LsEventStore    *store;
  LsStream        *stream;
  LsDemoServer    *demo_server;
  GFileOutputStream *trace_out;
  gint64           t0_us;
  guint64          next_seq;
  guint64          dropped;
  gboolean         interrupted;
  gboolean         stopping;

  /* Output. */
  int              out_fd;
  gboolean         close_out;
  char            *buf;
  gsize            len;
  gsize            cap;
  gboolean         write_failed;
  char            *write_error;
  GString         *scratch;

  int              exit_code;
  char            *exit_reason;
} Headless;

/* ---- output ---------------------------------------------------------- */

static gboolean
write_all (Headless   *h,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (h->out_fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (!h->write_failed)
            {
              h->write_failed = TRUE;
              h->write_error = g_strdup_printf ("Cannot write events to %s: %s",
                                                h->events_out != NULL ? h->events_out : "standard output",
                                                g_strerror (errno));
            }
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
out_flush (Headless *h)
{
  if (h->len > 0 && !h->write_failed)
    write_all (h, h->buf, h->len);
  h->len = 0;
}

/* Room for @n more bytes. */
static inline char *
out_reserve (Headless *h,
             gsize     n)
{
  if G_UNLIKELY (h->len + n > h->cap)
    {
      out_flush (h);
      if (n > h->cap)
        {
          h->cap = n;
          h->buf = g_realloc (h->buf, h->cap);
        }
    }
  return h->buf + h->len;
}

static inline void
out_append (Headless   *h,
            const char *str,
            gsize       n)
{
  memcpy (out_reserve (h, n), str, n);
  h->len += n;
}

#define OUT_LITERAL(h, lit) out_append ((h), "" lit, sizeof (lit) - 1)

static void
out_uint (Headless *h,
          guint64   value)
{
  static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  char digits[24];
  int i = sizeof digits;

  while (value >= 100)
    {
      guint r = (guint) (value % 100);

      value /= 100;
      i -= 2;
      memcpy (digits + i, pairs + 2 * r, 2);
    }
  if (value >= 10)
    {
      i -= 2;
      memcpy (digits + i, pairs + 2 * value, 2);
    }
  else
    digits[--i] = (char) ('0' + value);
  out_append (h, digits + i, sizeof digits - i);
}

/* 1 for the bytes JSON wants escaped. */
static const guint8 json_escape[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* '\\' */
};

/* A JSON string from valid UTF-8 (which the parser and framers guarantee;
 * U+0000 included). */
static void
out_json_string (Headless   *h,
                 const char *str,
                 gsize       len)
{
  static const char hex[] = "0123456789abcdef";
  const guint8 *p = (const guint8 *) str;
  const guint8 *end = p + len;
  char *o;

  /* Worst case: every byte as \u00XX, plus the quotes. */
  o = out_reserve (h, len * 6 + 2);
  *o++ = '"';
  while (p < end)
    {
      const guint8 *run = p;

      /* Eight bytes at a time while none needs escaping (SWAR: a byte
       * below 0x20, or equal to '"' or '\\'); the output has room. */
      while (end - p >= 8)
        {
          guint64 x, quote, backslash;

          memcpy (&x, p, 8);
          quote = x ^ G_GUINT64_CONSTANT (0x2222222222222222);
          backslash = x ^ G_GUINT64_CONSTANT (0x5c5c5c5c5c5c5c5c);
          if ((((x - G_GUINT64_CONSTANT (0x2020202020202020)) & ~x) |
               ((quote - G_GUINT64_CONSTANT (0x0101010101010101)) & ~quote) |
               ((backslash - G_GUINT64_CONSTANT (0x0101010101010101)) & ~backslash)) &
              G_GUINT64_CONSTANT (0x8080808080808080))
            break;
          p += 8;
        }
      while (p < end && !json_escape[*p])
        p++;
      memcpy (o, run, p - run);
      o += p - run;
      if (p == end)
        break;
      *o++ = '\\';
      switch (*p)
        {
        case '"':  *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
          *o++ = 'u';
          *o++ = '0';
          *o++ = '0';
          *o++ = hex[*p >> 4];
          *o++ = hex[*p & 0xf];
          break;
        }
      p++;
    }
  *o++ = '"';
  h->len = o - h->buf;
}

static const char *
kind_name (LsEventKind kind)
{
  switch (kind)
    {
    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
      return "event";
    case LS_EVENT_KIND_CHUNK:
      return "chunk";
    case LS_EVENT_KIND_OPEN:
      return "open";
    case LS_EVENT_KIND_ERROR:
      return "error";
    case LS_EVENT_KIND_RECONNECT:
      return "reconnect";
    case LS_EVENT_KIND_CLOSED:
      return "closed";
    default:
      return "unknown";
    }
}

static gboolean
write_event_cb (const LsEventView *view,
                gpointer           user_data)
{
  Headless *h = user_data;
  gint64 t = view->time_us - h->t0_us;
  const char *kind = kind_name (view->kind);

  if (t < 0)
    t = 0;

  OUT_LITERAL (h, "{\"seq\":");
  out_uint (h, view->seq);
  OUT_LITERAL (h, ",\"t\":");
  out_uint (h, (guint64) t / 1000);
  {
    char *o = out_reserve (h, 4);
    guint frac = (guint) ((guint64) t % 1000);

    o[0] = '.';
    o[1] = (char) ('0' + frac / 100);
    o[2] = (char) ('0' + frac / 10 % 10);
    o[3] = (char) ('0' + frac % 10);
    h->len += 4;
  }
  OUT_LITERAL (h, ",\"kind\":\"");
  out_append (h, kind, strlen (kind));
  OUT_LITERAL (h, "\"");

  switch (view->kind)
    {
    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
      OUT_LITERAL (h, ",\"type\":");
      out_json_string (h, view->type, view->type_len);
      if (view->kind == LS_EVENT_KIND_INVALID)
        OUT_LITERAL (h, ",\"valid\":false");
      else if (view->type_len == 6 && memcmp (view->type, "ndjson", 6) == 0)
        OUT_LITERAL (h, ",\"valid\":true");
      OUT_LITERAL (h, ",\"id\":");
      out_json_string (h, view->id, view->id_len);
      OUT_LITERAL (h, ",\"data\":");
      out_json_string (h, view->data, view->data_len);
      break;

    case LS_EVENT_KIND_CHUNK:
      OUT_LITERAL (h, ",\"size\":");
      out_uint (h, view->data_len);
      OUT_LITERAL (h, ",\"data\":");
      /* Raw bytes may be anything: invalid UTF-8 becomes U+FFFD. */
      g_string_truncate (h->scratch, 0);
      if (ls_utf8_decode_lossy (view->data, view->data_len, h->scratch))
        out_json_string (h, view->data, view->data_len);
      else
        out_json_string (h, h->scratch->str, h->scratch->len);
      break;

    case LS_EVENT_KIND_OPEN:
    case LS_EVENT_KIND_ERROR:
    case LS_EVENT_KIND_RECONNECT:
    case LS_EVENT_KIND_CLOSED:
    default:
      OUT_LITERAL (h, ",\"message\":");
      out_json_string (h, view->data, view->data_len);
      break;
    }
  OUT_LITERAL (h, "}\n");
  return TRUE;
}

static void
write_new_events (Headless *h)
{
  guint64 first, end;

  if (h->write_failed)
    return;

  ls_event_store_get_range (h->store, &first, &end);
  if (first > h->next_seq)
    {
      /* The retention cap dropped events before we wrote them: say so. */
      guint64 lost = first - h->next_seq;

      h->dropped += lost;
      OUT_LITERAL (h, "{\"kind\":\"dropped\",\"count\":");
      out_uint (h, lost);
      OUT_LITERAL (h, ",\"message\":\"the event store dropped events before they were written\"}\n");
      h->next_seq = first;
    }
  if (end > h->next_seq)
    ls_event_store_foreach_range (h->store, h->next_seq, end, write_event_cb, h);
  h->next_seq = end;
  /* Written is done with: the worker reuses that memory for what follows. */
  ls_event_store_release_before (h->store, end);
  /* Flush per batch: a reader sees events within a frame of their arrival. */
  out_flush (h);
  if (h->write_failed && h->stream != NULL)
    ls_stream_cancel (h->stream);
}

/* ---- running --------------------------------------------------------- */

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
  if (h->write_failed)
    set_exit (h, LS_HEADLESS_EXIT_FAILED, h->write_error);
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

/* ---- arguments ------------------------------------------------------- */

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
                   "%s: '%s' is not a number of seconds between 0 and %" G_GUINT64_FORMAT,
                   option, str, max_ms / 1000);
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
                   "--data: cannot open '%s': %s", path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--data: '%s' is a directory, not a file", path);
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
                       "--data: cannot read '%s': %s", path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      if (body->len + (gsize) n > LS_STREAM_MAX_BODY_SIZE)
        {
          close (fd);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--data: '%s' is larger than the %" G_GSIZE_FORMAT " MiB limit for a request body",
                       path, LS_STREAM_MAX_BODY_SIZE / (1024 * 1024));
          return NULL;
        }
      g_byte_array_append (body, buf, (guint) n);
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

static gboolean
parse_args (Headless   *h,
            int         argc,
            char      **argv,
            GError    **error)
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
  g_auto(GStrv) rest = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char **args = NULL;
  LsStreamOptions *options;
  const char *url;
  guint64 value;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, "Run without a window (this mode)", NULL },
    { "method", 'X', 0, G_OPTION_ARG_STRING, &method, "HTTP method (default GET)", "METHOD" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &headers, "Request header, repeatable", "'NAME: VALUE'" },
    { "data", 'd', 0, G_OPTION_ARG_STRING, &data, "Request body, or @FILE to read it from a file", "BODY" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "auto (by Content-Type), sse, ndjson or raw", "FORMAT" },
    { "max-events", 'n', 0, G_OPTION_ARG_STRING, &max_events, "End after N events (0: no limit)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &duration, "End after S seconds (0: no limit)", "S" },
    { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &no_reconnect, "End instead of reconnecting", NULL },
    { "reconnect-ms", 0, 0, G_OPTION_ARG_STRING, &reconnect_ms, "Reconnection time until the server sends retry: (default 3000)", "N" },
    { "last-event-id", 0, 0, G_OPTION_ARG_STRING, &last_event_id, "Send Last-Event-ID: ID on the first request", "ID" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_STRING, &idle_timeout, "No data for S seconds is a network error (0: off)", "S" },
    { "max-event-size", 0, 0, G_OPTION_ARG_STRING, &max_event_size, "Cap on one event or line in bytes (default 64 MiB)", "BYTES" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_STRING, &stall_timeout, "No complete line for S seconds is a network error (0: off); a trickle of bytes does not count, comments do", "S" },
    { "max-expansion", 0, 0, G_OPTION_ARG_STRING, &max_expansion, "Cap on how many times a compressed body may expand (default 100, 0: off)", "N" },
    { "events-out", 'o', 0, G_OPTION_ARG_FILENAME, &h->events_out, "Write events to FILE (default: standard output)", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &h->trace_path, "Write a Chrome trace (Perfetto) to FILE at exit", "FILE" },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &h->print_stats, "Print a summary to standard error at exit", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust certificates issued by the CAs in this PEM file (this stream only)", "FILE" },
    { "accept-certificate", 0, 0, G_OPTION_ARG_STRING, &accept_certificate, "Accept this one server certificate though untrusted, by its SHA-256 fingerprint", "SHA256" },
    { "include-secrets", 0, 0, G_OPTION_ARG_NONE, &h->include_secrets, "Keep credentials (Authorization, cookies, API keys, URL passwords) in this run's trace instead of [redacted]", NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &h->demo, "Start the embedded demo server; URL may be a path like /sse/ticks", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, "URL" },
    { NULL }
  };

  context = g_option_context_new ("URL — stream from URL and print one JSON object per line");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Exit status: 0 when the stream ended as asked (max events, duration, end of stream with\n"
    "--no-reconnect, HTTP 204, SIGINT/SIGTERM), 1 when it failed, 2 for bad arguments.\n"
    "Output format: docs/headless.md.");

  /* GOption rearranges the array it is given: parse a shallow copy. */
  args = g_new0 (char *, argc + 1);
  memcpy (args, argv, sizeof (char *) * argc);
  if (!g_option_context_parse (context, &argc, &args, error))
    return FALSE;

  if (rest != NULL && rest[0] != NULL && rest[1] != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "Unexpected argument '%s': give one URL", rest[1]);
      return FALSE;
    }
  url = rest != NULL ? rest[0] : NULL;
  if (url == NULL && h->demo)
    url = "/sse/ticks";
  if (url == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "No URL given");
      return FALSE;
    }

  options = h->options = ls_stream_options_new (url);
  /* With --demo a path is resolved against the server once it listens;
   * validate it against a stand-in now, so bad input starts nothing. */
  if (h->demo && url[0] == '/')
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
                   "--format: '%s' is not one of auto, sse, ndjson, raw", format);
      return FALSE;
    }
  if (!parse_uint (max_events, "--max-events", 0, G_MAXUINT64, &options->max_events, error) ||
      !parse_seconds (duration, "--duration", LS_STREAM_MAX_DURATION_MS, &options->duration_ms, error))
    return FALSE;
  options->reconnect = !no_reconnect;
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
  if (h->demo && url[0] == '/')
    {
      g_free (options->url);
      options->url = g_strdup (url);
    }
  return TRUE;
}

static gboolean
open_outputs (Headless  *h,
              GError   **error)
{
  if (h->events_out == NULL || g_str_equal (h->events_out, "-"))
    {
      h->out_fd = STDOUT_FILENO;
    }
  else
    {
      h->out_fd = open (h->events_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (h->out_fd < 0)
        {
          int saved = errno;

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--events-out: cannot open '%s': %s", h->events_out, g_strerror (saved));
          return FALSE;
        }
      h->close_out = TRUE;
    }

  if (h->trace_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (h->trace_path);
      g_autoptr(GError) local_error = NULL;

      h->trace_out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local_error);
      if (h->trace_out == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--trace: %s", local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static void
print_stats (Headless *h)
{
  LsStreamStats stats = { 0 };
  double seconds;

  if (h->stream != NULL)
    ls_stream_get_stats (h->stream, &stats);
  seconds = stats.started_us != 0 && stats.ended_us > stats.started_us
              ? (double) (stats.ended_us - stats.started_us) / G_USEC_PER_SEC : 0;
  g_printerr ("loopscope: stats: state=%s events=%" G_GUINT64_FORMAT " invalid=%" G_GUINT64_FORMAT
              " bytes=%" G_GUINT64_FORMAT " seconds=%.3f events_per_s=%.0f mb_per_s=%.2f"
              " connects=%" G_GUINT64_FORMAT " reconnects=%" G_GUINT64_FORMAT
              " dropped=%" G_GUINT64_FORMAT " status=%u content_type=%s ttfb_ms=%.2f"
              " max_gap_ms=%.2f\n",
              h->stream != NULL ? ls_stream_state_to_string (ls_stream_get_state (h->stream)) : "idle",
              stats.events, stats.invalid, stats.bytes, seconds,
              seconds > 0 ? stats.events / seconds : 0,
              seconds > 0 ? stats.bytes / seconds / 1e6 : 0,
              stats.connects, stats.reconnects, h->dropped, stats.http_status,
              stats.content_type[0] != '\0' ? stats.content_type : "-",
              stats.ttfb_us >= 0 ? stats.ttfb_us / 1000.0 : 0,
              stats.max_gap_us / 1000.0);
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
  g_clear_pointer (&h->options, ls_stream_options_free);
  if (h->close_out && h->out_fd >= 0)
    close (h->out_fd);
  if (h->scratch != NULL)
    g_string_free (h->scratch, TRUE);
  g_free (h->buf);
  g_free (h->events_out);
  g_free (h->trace_path);
  g_free (h->write_error);
  g_free (h->exit_reason);
}

int
ls_headless_main (int    argc,
                  char **argv)
{
  Headless h = { 0 };
  g_autoptr(GError) error = NULL;
  guint sigint_id, sigterm_id;
  int code;

  h.out_fd = -1;
  h.t0_us = g_get_monotonic_time ();
  /* Messages in the user's charset; numbers (stats) always with a dot. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  if (!parse_args (&h, argc, argv, &error) || !open_outputs (&h, &error))
    {
      /* The message may quote the URL or a header as given. */
      g_autofree char *safe = ls_redact_text (error->message);

      g_printerr ("loopscope: %s" HINT "\n", safe);
      headless_clear (&h);
      return LS_HEADLESS_EXIT_USAGE;
    }

  /* A closed pipe is an error to report, not a signal that kills us
   * before the outputs are flushed. */
  signal (SIGPIPE, SIG_IGN);

  h.cap = OUT_BUFFER_SIZE;
  h.buf = g_malloc (h.cap);
  h.scratch = g_string_new (NULL);
  h.loop = g_main_loop_new (NULL, FALSE);
  h.recorder = ls_recorder_new (1 << 16);

  if (h.demo)
    {
      h.demo_server = ls_demo_server_new ();
      if (!ls_demo_server_start_sync (h.demo_server, 0, &error))
        {
          g_printerr ("loopscope: cannot start the demo server: %s\n", error->message);
          headless_clear (&h);
          return LS_HEADLESS_EXIT_FAILED;
        }
      g_printerr ("loopscope: demo server at %s\n", ls_demo_server_get_base_uri (h.demo_server));
      if (h.options->url[0] == '/')
        {
          char *url = g_strconcat (ls_demo_server_get_base_uri (h.demo_server), h.options->url, NULL);

          g_free (h.options->url);
          h.options->url = url;
        }
    }

  h.bridge = ls_bridge_new (h.recorder);
  h.store = ls_event_store_new ();
  if (!ls_bridge_start (h.bridge, &error))
    {
      g_printerr ("loopscope: cannot start the worker: %s\n", error->message);
      headless_clear (&h);
      return LS_HEADLESS_EXIT_FAILED;
    }

  h.stream = ls_stream_new (h.bridge, h.options, h.store, 1);
  g_signal_connect (h.stream, "progress", G_CALLBACK (on_progress), &h);
  g_signal_connect (h.stream, "notify::state", G_CALLBACK (on_stream_state), &h);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &h);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &h);

  if (!ls_stream_start (h.stream, &error))
    {
      set_exit (&h, LS_HEADLESS_EXIT_FAILED, error->message);
      headless_stop (&h);
    }

  g_main_loop_run (h.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  write_new_events (&h);
  out_flush (&h);
  if (h.close_out && h.out_fd >= 0 && close (h.out_fd) != 0 && !h.write_failed)
    {
      int saved = errno;

      h.write_failed = TRUE;
      h.write_error = g_strdup_printf ("Cannot write events to %s: %s", h.events_out, g_strerror (saved));
    }
  h.close_out = FALSE;
  if (h.write_failed)
    set_exit (&h, LS_HEADLESS_EXIT_FAILED, h.write_error);

  if (h.trace_out != NULL)
    {
      g_autoptr(GError) trace_error = NULL;

      if (!ls_recorder_export_trace_full (h.recorder, G_OUTPUT_STREAM (h.trace_out),
                                          h.include_secrets ? LS_TRACE_EXPORT_INCLUDE_SECRETS
                                                            : LS_TRACE_EXPORT_DEFAULT,
                                          NULL, &trace_error) ||
          !g_output_stream_close (G_OUTPUT_STREAM (h.trace_out), NULL, &trace_error))
        set_exit (&h, LS_HEADLESS_EXIT_FAILED, trace_error->message);
    }

  if (h.print_stats)
    print_stats (&h);
  if (h.exit_code != 0)
    {
      g_autofree char *safe = ls_redact_text (h.exit_reason != NULL ? h.exit_reason : "failed");

      g_printerr ("loopscope: %s\n", safe);
    }

  code = h.exit_code;
  headless_clear (&h);
  return code;
}
