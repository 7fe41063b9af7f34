/* ls-capture.c: a stream saved to a file, and read back (docs/capture.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The records and the read log are written by LsEventWriter in capture
 * mode (fast, by hand); the header and figures lines, once each, with
 * json-glib. Reading parses one line at a time with json-glib after the
 * checks its parser does not make for us: the line's length, UTF-8, how
 * deep it nests (json-glib recurses).
 */
#define G_LOG_DOMAIN "ls-capture"

#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ls-capture.h"
#include "ls-enum.h"
#include "ls-llm.h"
#include "ls-redact.h"
#include "ls-stream-private.h"

#define READ_CHUNK (64 * 1024)

G_DEFINE_QUARK (ls-capture-error-quark, ls_capture_error)

void
ls_capture_free (LsCapture *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->request, ls_stream_options_free);
  g_clear_pointer (&self->store, ls_event_store_unref);
  g_clear_pointer (&self->read_log, ls_read_log_unref);
  g_clear_pointer (&self->response, ls_stream_response_unref);
  g_free (self->message);
  g_free (self->warning);
  g_free (self);
}

/* ================================================================ writing */

GOutputStream *
ls_capture_create_file (const char  *path,
                        GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local_error);
  if (out == NULL)
    {
      g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_IO,
                   _("Cannot create “%s”: %s"), path, local_error->message);
      return NULL;
    }
  if (g_str_has_suffix (path, ".gz"))
    {
      g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);

      return g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (gzip));
    }
  return G_OUTPUT_STREAM (g_steal_pointer (&out));
}

static char *
valid_utf8 (const char *text)
{
  return g_utf8_make_valid (text != NULL ? text : "", -1);
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *value)
{
  g_autofree char *valid = valid_utf8 (value);

  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, valid);
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

static char *
builder_to_line (JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

char *
ls_capture_header_line (const LsStreamOptions *request,
                        gint64                 started_unix_us,
                        gboolean               include_secrets)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_utc (started_unix_us / G_USEC_PER_SEC);
  g_autofree char *started_text = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (started != NULL)
    {
      g_autoptr(GDateTime) precise = g_date_time_add (started, started_unix_us % G_USEC_PER_SEC);

      started_text = g_date_time_format_iso8601 (precise);
    }
  url = include_secrets ? g_strdup (request->url) : ls_redact_url (request->url);

  json_builder_begin_object (b);
  add_string (b, "format", LS_CAPTURE_FORMAT);
  add_int (b, "version", LS_CAPTURE_VERSION);
  add_string (b, "generator", "loopscope " PACKAGE_VERSION);
  if (started_text != NULL)
    add_string (b, "started", started_text);
  add_int (b, "started_unix_us", started_unix_us);
  add_string (b, "secrets", include_secrets ? "included" : "redacted");
  json_builder_set_member_name (b, "request");
  json_builder_begin_object (b);
  add_string (b, "method", request->method != NULL ? request->method : "GET");
  add_string (b, "url", url);
  add_string (b, "format", ls_stream_format_to_string (request->format));
  json_builder_set_member_name (b, "headers");
  json_builder_begin_array (b);
  for (guint i = 0; request->headers != NULL && i < request->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (request->headers, i);
      g_autofree char *value = include_secrets ? g_strdup (header->value)
                                               : ls_redact_header_value (header->name, header->value);

      json_builder_begin_object (b);
      add_string (b, "name", header->name);
      add_string (b, "value", value);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (request->last_event_id != NULL && request->last_event_id[0] != '\0')
    add_string (b, "last_event_id", request->last_event_id);
  if (request->body != NULL)
    {
      gsize size;
      const char *data = g_bytes_get_data (request->body, &size);

      /* Text as text (a JSON prompt stays readable), anything else as base64. */
      if (g_utf8_validate_len (data, size, NULL) && memchr (data, '\0', size) == NULL)
        {
          g_autofree char *text = g_strndup (data, size);

          add_string (b, "body", text);
        }
      else
        {
          g_autofree char *b64 = g_base64_encode ((const guchar *) data, size);

          add_string (b, "body_b64", b64);
        }
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  return builder_to_line (b);
}

char *
ls_capture_figures_line (LsStreamState        state,
                         LsStreamEnd          end,
                         const char          *message,
                         const LsStreamStats *stats,
                         guint64              dropped,
                         gint64               t0_us)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (stats != NULL, NULL);

  json_builder_begin_object (b);
  add_string (b, "kind", "figures");
  add_string (b, "state", ls_enum_to_nick (LS_TYPE_STREAM_STATE, state));
  add_string (b, "end", ls_enum_to_nick (LS_TYPE_STREAM_END, end));
  add_string (b, "message", message != NULL ? message : "");
  add_string (b, "format", ls_stream_format_to_string (stats->format));
  add_int (b, "http_status", stats->http_status);
  add_string (b, "content_type", stats->content_type);
  add_int (b, "events", (gint64) stats->events);
  add_int (b, "invalid", (gint64) stats->invalid);
  add_int (b, "comments", (gint64) stats->comments);
  add_int (b, "records", (gint64) stats->records);
  add_int (b, "bytes", (gint64) stats->bytes);
  add_int (b, "connects", (gint64) stats->connects);
  add_int (b, "opens", (gint64) stats->opens);
  add_int (b, "reconnects", (gint64) stats->reconnects);
  add_int (b, "dropped", (gint64) dropped);
  /* Times from t = 0, in microseconds; durations in microseconds. */
  if (stats->started_us != 0)
    add_int (b, "started_us", stats->started_us - t0_us);
  if (stats->ended_us != 0)
    add_int (b, "ended_us", stats->ended_us - t0_us);
  if (stats->last_event_us != 0)
    add_int (b, "last_event_us", stats->last_event_us - t0_us);
  add_int (b, "ttfb_us", stats->ttfb_us);
  add_int (b, "last_gap_us", stats->last_gap_us);
  add_int (b, "max_gap_us", stats->max_gap_us);
  add_int (b, "retry_ms", stats->retry_ms);
  json_builder_end_object (b);
  return builder_to_line (b);
}

LsEventWriter *
ls_capture_writer_new (GOutputStream *out,
                       const char    *destination,
                       gint64         t0_us,
                       LsReadLog     *read_log,
                       gboolean       include_secrets)
{
  LsEventWriter *w = ls_event_writer_new_for_stream (out, destination, t0_us);

  /* Without a log (a stream that did not record its reads) the records
   * still say their connection: 0, unknown. */
  if (read_log == NULL)
    {
      g_autoptr(LsReadLog) empty = ls_read_log_new (0);

      ls_event_writer_set_read_log (w, empty, include_secrets);
    }
  else
    ls_event_writer_set_read_log (w, read_log, include_secrets);
  return w;
}

gboolean
ls_capture_write (const LsCapture *capture,
                  GOutputStream   *out,
                  const char      *destination,
                  gboolean         include_secrets,
                  GError         **error)
{
  g_autoptr(LsEventWriter) w = NULL;
  g_autofree char *header = NULL;
  g_autofree char *figures = NULL;

  g_return_val_if_fail (capture != NULL, FALSE);
  g_return_val_if_fail (capture->store != NULL, FALSE);

  w = ls_capture_writer_new (out, destination, capture->t0_us, capture->read_log, include_secrets);
  ls_event_writer_set_release (w, FALSE);
  header = ls_capture_header_line (capture->request, capture->started_unix_us, include_secrets);
  ls_event_writer_write_line (w, header, -1);
  ls_event_writer_write_new (w, capture->store);
  figures = ls_capture_figures_line (capture->state, capture->end, capture->message, &capture->stats,
                                     capture->dropped + ls_event_writer_get_dropped (w), capture->t0_us);
  ls_event_writer_write_line (w, figures, -1);
  if (!ls_event_writer_close (w))
    {
      g_set_error_literal (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_IO, ls_event_writer_get_error (w));
      return FALSE;
    }
  return TRUE;
}

LsCapture *
ls_capture_new_from_stream (LsStream *stream)
{
  LsCapture *self;
  const GError *end_error;

  g_return_val_if_fail (LS_IS_STREAM (stream), NULL);

  self = g_new0 (LsCapture, 1);
  self->request = ls_stream_options_copy (ls_stream_get_options (stream));
  self->store = ls_event_store_ref (ls_stream_get_store (stream));
  if (ls_stream_get_read_log (stream) != NULL)
    self->read_log = ls_read_log_ref (ls_stream_get_read_log (stream));
  if (ls_stream_get_response (stream) != NULL)
    self->response = ls_stream_response_ref (ls_stream_get_response (stream));
  ls_stream_get_stats (stream, &self->stats);
  self->state = ls_stream_get_state (stream);
  self->end = ls_stream_get_end (stream);
  end_error = ls_stream_get_end_error (stream);
  self->message = g_strdup (ls_stream_get_message (stream) != NULL ? ls_stream_get_message (stream)
                            : end_error != NULL ? end_error->message : "");
  /* t = 0 is the first request (the first record otherwise). */
  self->t0_us = self->stats.started_us;
  if (self->t0_us == 0)
    {
      LsEventView view;
      g_autoptr(LsEventPin) pin = NULL;

      self->t0_us = ls_event_store_get (self->store, ls_event_store_get_first_seq (self->store), &view, &pin)
                    ? view.time_us : g_get_monotonic_time ();
    }
  self->started_unix_us = ls_event_store_to_real_time (self->store, self->t0_us);
  return self;
}

/* ================================================================ reading */

typedef struct
{
  GInputStream *in;
  GByteArray   *buf;
  gsize         pos;      /* start of the next line in @buf */
  gboolean      eof;
  guint64       line_no;  /* of the line returned last, from 1 */
} LineReader;

/* 1: a line (without its end) in @line and @len, @complete FALSE when the
 * input ended before its newline; 0: the end; -1: an error. */
static int
line_reader_next (LineReader  *r,
                  const char **line,
                  gsize       *len,
                  gboolean    *complete,
                  GError     **error)
{
  gsize scan = r->pos;

  for (;;)
    {
      const guint8 *start = r->buf->data + r->pos;
      gsize avail = r->buf->len - r->pos;
      const guint8 *nl = memchr (r->buf->data + scan, '\n', r->buf->len - scan);

      if (nl != NULL)
        {
          *line = (const char *) start;
          *len = (gsize) (nl - start);
          *complete = TRUE;
          r->pos += *len + 1;
          r->line_no++;
          if (*len > 0 && (*line)[*len - 1] == '\r')
            (*len)--;
          if (*len > LS_CAPTURE_MAX_LINE)
            goto too_long;
          return 1;
        }
      if (avail > LS_CAPTURE_MAX_LINE)
        {
          r->line_no++;
          goto too_long;
        }
      if (r->eof)
        {
          if (avail == 0)
            return 0;
          *line = (const char *) start;
          *len = avail;
          *complete = FALSE;
          r->pos += avail;
          r->line_no++;
          return 1;
        }
      /* Keep the partial line, read more after it. */
      if (r->pos > 0)
        {
          g_byte_array_remove_range (r->buf, 0, (guint) r->pos);
          r->pos = 0;
        }
      scan = r->buf->len;
      {
        guint old = r->buf->len;
        gssize n;
        g_autoptr(GError) local_error = NULL;

        g_byte_array_set_size (r->buf, old + READ_CHUNK);
        n = g_input_stream_read (r->in, r->buf->data + old, READ_CHUNK, NULL, &local_error);
        if (n < 0)
          {
            g_byte_array_set_size (r->buf, old);
            g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_IO,
                         _("Cannot read the capture: %s"), local_error->message);
            return -1;
          }
        g_byte_array_set_size (r->buf, old + (guint) n);
        if (n == 0)
          r->eof = TRUE;
      }
    }

too_long:
  {
    g_autofree char *no = g_strdup_printf ("%" G_GUINT64_FORMAT, r->line_no);
    g_autofree char *cap = g_format_size_full (LS_CAPTURE_MAX_LINE, G_FORMAT_SIZE_IEC_UNITS);

    g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_TOO_LARGE,
                 /* TRANSLATORS: the first %s is a line number, the second a size ("64.0 MiB"). */
                 _("Line %s of the capture is longer than %s"), no, cap);
    return -1;
  }
}

typedef struct
{
  LsCapture      *capture;
  guint64         line_no;
  gint64          offset_us;   /* store monotonic = offset + capture µs */
  guint32         connection;
  guint64         log_entries;
  gboolean        log_full;
  gboolean        have_figures;
  gboolean        have_closed;
  LsStreamStats   counted;     /* from the records, when there is no figures line */
} Reader;

G_GNUC_PRINTF (3, 4)
static void
reader_error (Reader      *r,
              GError     **error,
              const char  *format,
              ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *no = g_strdup_printf ("%" G_GUINT64_FORMAT, r->line_no);
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_MALFORMED,
               /* TRANSLATORS: %s is a line number, then what is wrong with that line. */
               _("Line %s of the capture: %s"), no, reason);
}

/* ---- one line's object --------------------------------------------------------
 *
 * Most lines are flat objects the writer made (an event: "seq", "t",
 * "kind", "type", "id", "data", …): they are read by a small parser of
 * our own, without json-glib's nodes and hash tables, which cost four
 * times as much. A line holding an object or an array as a value (the
 * header, a response's headers), or anything this parser does not take
 * exactly as JSON says (a number out of range, a bad escape), goes to
 * json-glib, which then gives its own answer or error. Either way the
 * members are read through Value, so the checks below are the same. */

#define FLAT_MAX_MEMBERS 32

typedef enum
{
  VALUE_STRING,
  VALUE_INT,
  VALUE_DOUBLE,
  VALUE_BOOL,
  VALUE_NULL,
  VALUE_CONTAINER,
} ValueType;

typedef struct
{
  ValueType   type;
  const char *s;       /* VALUE_STRING: NUL-terminated */
  gint64      i;
  double      d;
  gboolean    b;
} Value;

typedef struct
{
  gsize     key;       /* offsets into Record.text until the parse ends */
  gsize     str;
  Value     value;
  const char *key_str;
} FlatMember;

typedef struct
{
  JsonObject *json;    /* a line json-glib read, or NULL for a flat one */
  FlatMember  members[FLAT_MAX_MEMBERS];
  guint       n;
  GString    *text;    /* the flat line's keys and strings, unescaped */
} Record;

static const char *
skip_ws (const char *p,
         const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const char *p,
           const char *end,
           gunichar   *out)
{
  gunichar v = 0;

  if (end - p < 4)
    return FALSE;
  for (int k = 0; k < 4; k++)
    {
      int h = hex_value (p[k]);

      if (h < 0)
        return FALSE;
      v = v * 16 + (gunichar) h;
    }
  *out = v;
  return TRUE;
}

/* A JSON string at @p (its opening quote) into @text, NUL-terminated;
 * returns what follows its closing quote, or NULL for anything unusual. */
static const char *
flat_string (const char *p,
             const char *end,
             GString    *text,
             gsize      *offset)
{
  p++;
  *offset = text->len;
  while (p < end)
    {
      const char *run = p;

      while (p < end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      g_string_append_len (text, run, p - run);
      if (p == end || (guchar) *p < 0x20)
        return NULL;
      if (*p == '"')
        {
          g_string_append_c (text, '\0');
          return p + 1;
        }
      /* An escape. */
      if (++p == end)
        return NULL;
      switch (*p)
        {
        case '"': g_string_append_c (text, '"'); break;
        case '\\': g_string_append_c (text, '\\'); break;
        case '/': g_string_append_c (text, '/'); break;
        case 'b': g_string_append_c (text, '\b'); break;
        case 'f': g_string_append_c (text, '\f'); break;
        case 'n': g_string_append_c (text, '\n'); break;
        case 'r': g_string_append_c (text, '\r'); break;
        case 't': g_string_append_c (text, '\t'); break;
        case 'u':
          {
            gunichar c, low;

            if (!read_hex4 (p + 1, end, &c))
              return NULL;
            p += 4;
            if (c >= 0xD800 && c <= 0xDBFF)
              {
                if (end - p < 7 || p[1] != '\\' || p[2] != 'u' || !read_hex4 (p + 3, end, &low) ||
                    low < 0xDC00 || low > 0xDFFF)
                  return NULL;
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
              }
            else if ((c >= 0xDC00 && c <= 0xDFFF) || c == 0)
              return NULL;   /* a lone low surrogate; U+0000: json-glib's way */
            g_string_append_unichar (text, c);
          }
          break;
        default:
          return NULL;
        }
      p++;
    }
  return NULL;
}

/* A JSON number at @p, exactly as the grammar says, as an int64 when it
 * is a whole number that fits, else a double. NULL when not a number. */
static const char *
flat_number (const char *p,
             const char *end,
             Value      *value)
{
  const char *start = p;
  gboolean whole = TRUE;
  char buf[64];

  if (p < end && *p == '-')
    p++;
  if (p == end || !g_ascii_isdigit (*p))
    return NULL;
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p < end && *p == '.')
    {
      whole = FALSE;
      if (++p == end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      whole = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if ((gsize) (p - start) >= sizeof buf)
    return NULL;
  memcpy (buf, start, p - start);
  buf[p - start] = '\0';
  if (whole)
    {
      char *stop = NULL;
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (buf, &stop, 10);
      if (errno != 0 || stop == buf || *stop != '\0')
        return NULL;   /* out of range: json-glib's answer */
      value->type = VALUE_INT;
      value->i = v;
    }
  else
    {
      value->type = VALUE_DOUBLE;
      value->d = g_ascii_strtod (buf, NULL);
      if (!isfinite (value->d))
        return NULL;
    }
  return p;
}

/* @line as a flat object into @rec; FALSE when json-glib must read it. */
static gboolean
flat_parse (Record     *rec,
            const char *line,
            gsize       len)
{
  const char *p = line, *end = line + len;

  rec->json = NULL;
  rec->n = 0;
  g_string_truncate (rec->text, 0);
  p = skip_ws (p, end);
  if (p == end || *p != '{')
    return FALSE;
  p = skip_ws (p + 1, end);
  if (p < end && *p == '}')
    p++;
  else
    for (;;)
      {
        FlatMember *m;

        if (rec->n == FLAT_MAX_MEMBERS || p == end || *p != '"')
          return FALSE;
        m = &rec->members[rec->n++];
        memset (m, 0, sizeof *m);
        if ((p = flat_string (p, end, rec->text, &m->key)) == NULL)
          return FALSE;
        p = skip_ws (p, end);
        if (p == end || *p != ':')
          return FALSE;
        p = skip_ws (p + 1, end);
        if (p == end)
          return FALSE;
        if (*p == '"')
          {
            m->value.type = VALUE_STRING;
            if ((p = flat_string (p, end, rec->text, &m->str)) == NULL)
              return FALSE;
          }
        else if (*p == '{' || *p == '[')
          return FALSE;
        else if (end - p >= 4 && memcmp (p, "true", 4) == 0)
          {
            m->value.type = VALUE_BOOL;
            m->value.b = TRUE;
            p += 4;
          }
        else if (end - p >= 5 && memcmp (p, "false", 5) == 0)
          {
            m->value.type = VALUE_BOOL;
            p += 5;
          }
        else if (end - p >= 4 && memcmp (p, "null", 4) == 0)
          {
            m->value.type = VALUE_NULL;
            p += 4;
          }
        else if ((p = flat_number (p, end, &m->value)) == NULL)
          return FALSE;
        p = skip_ws (p, end);
        if (p < end && *p == ',')
          {
            p = skip_ws (p + 1, end);
            continue;
          }
        if (p < end && *p == '}')
          {
            p++;
            break;
          }
        return FALSE;
      }
  if (skip_ws (p, end) != end)
    return FALSE;
  /* The text is complete: offsets become pointers. */
  for (guint k = 0; k < rec->n; k++)
    {
      rec->members[k].key_str = rec->text->str + rec->members[k].key;
      if (rec->members[k].value.type == VALUE_STRING)
        rec->members[k].value.s = rec->text->str + rec->members[k].str;
    }
  return TRUE;
}

/* @key's value (the last one when repeated, as json-glib does); FALSE
 * when the line has no such member. */
static gboolean
record_get (const Record *rec,
            const char   *key,
            Value        *value)
{
  if (rec->json != NULL)
    {
      JsonNode *node = json_object_get_member (rec->json, key);

      if (node == NULL)
        return FALSE;
      memset (value, 0, sizeof *value);
      if (JSON_NODE_HOLDS_NULL (node))
        value->type = VALUE_NULL;
      else if (!JSON_NODE_HOLDS_VALUE (node))
        value->type = VALUE_CONTAINER;
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          value->type = VALUE_STRING;
          value->s = json_node_get_string (node);
        }
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        {
          value->type = VALUE_INT;
          value->i = json_node_get_int (node);
        }
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          value->type = VALUE_DOUBLE;
          value->d = json_node_get_double (node);
        }
      else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        {
          value->type = VALUE_BOOL;
          value->b = json_node_get_boolean (node);
        }
      else
        value->type = VALUE_CONTAINER;
      return TRUE;
    }
  for (guint k = rec->n; k > 0; k--)
    if (strcmp (rec->members[k - 1].key_str, key) == 0)
      {
        *value = rec->members[k - 1].value;
        return TRUE;
      }
  return FALSE;
}

static gboolean
record_has (const Record *rec,
            const char   *key)
{
  Value value;

  return record_get (rec, key, &value);
}

/**
 * _ls_capture_check_flat_line:
 *
 * For tests and the fuzz target: FALSE when the flat reader takes @line
 * and json-glib reads it otherwise (refuses it, or gives any member
 * another type or value). TRUE when they agree, or the flat reader
 * leaves the line to json-glib.
 */
gboolean
_ls_capture_check_flat_line (const char *line,
                             gsize       len)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree Record *flat = g_new0 (Record, 1);
  Record json = { 0 };
  JsonNode *root;

  flat->text = text;
  if (!g_utf8_validate_len (line, len, NULL) || !ls_json_one_value_ok (line, len, LS_CAPTURE_MAX_DEPTH) ||
      !flat_parse (flat, line, len))
    return TRUE;
  if (!json_parser_load_from_data (parser, line, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  json.json = json_node_get_object (root);
  for (guint k = 0; k < flat->n; k++)
    {
      const char *key = flat->members[k].key_str;
      Value a, b;

      if (!record_get (flat, key, &a) || !record_get (&json, key, &b) || a.type != b.type)
        return FALSE;
      if ((a.type == VALUE_STRING && strcmp (a.s, b.s) != 0) ||
          (a.type == VALUE_INT && a.i != b.i) ||
          (a.type == VALUE_DOUBLE && a.d != b.d) ||
          (a.type == VALUE_BOOL && a.b != b.b))
        return FALSE;
    }
  /* No member json-glib sees that the flat reader does not. */
  return json_object_get_size (json.json) <= flat->n;
}

/* A member of the wrong type is an error; a missing one only when @required. */
static gboolean
get_string (Reader       *r,
            const Record *o,
            const char   *key,
            gboolean      required,
            const char  **out,
            GError      **error)
{
  Value value;

  *out = NULL;
  if (!record_get (o, key, &value))
    {
      if (!required)
        return TRUE;
      reader_error (r, error, _("“%s” is missing"), key);
      return FALSE;
    }
  if (value.type != VALUE_STRING)
    {
      reader_error (r, error, _("“%s” must be a string"), key);
      return FALSE;
    }
  *out = value.s;
  return TRUE;
}

static gboolean
get_int (Reader       *r,
         const Record *o,
         const char   *key,
         gboolean      required,
         gint64        min,
         gint64        max,
         gint64       *out,
         GError      **error)
{
  Value value;

  if (!record_get (o, key, &value))
    {
      if (!required)
        return TRUE;
      reader_error (r, error, _("“%s” is missing"), key);
      return FALSE;
    }
  if (value.type != VALUE_INT || value.i < min || value.i > max)
    {
      reader_error (r, error, _("“%s” must be a whole number in range"), key);
      return FALSE;
    }
  *out = value.i;
  return TRUE;
}

/* "t": milliseconds, a number >= 0, to microseconds. */
static gboolean
get_time (Reader       *r,
          const Record *o,
          gint64       *t_us,
          GError      **error)
{
  Value value;
  double t;

  if (!record_get (o, "t", &value))
    {
      reader_error (r, error, _("“%s” is missing"), "t");
      return FALSE;
    }
  if (value.type != VALUE_INT && value.type != VALUE_DOUBLE)
    {
      reader_error (r, error, _("“%s” must be a number"), "t");
      return FALSE;
    }
  t = value.type == VALUE_INT ? (double) value.i : value.d;
  /* Up to about 300 years: the arithmetic below cannot overflow. */
  if (!isfinite (t) || t < 0 || t > 1e13)
    {
      reader_error (r, error, _("“%s” must be a whole number in range"), "t");
      return FALSE;
    }
  *t_us = (gint64) (t * 1000 + 0.5);
  return TRUE;
}

static gboolean
get_bool (Reader       *r,
          const Record *o,
          const char   *key,
          gboolean     *out,
          GError      **error)
{
  Value value;

  if (!record_get (o, key, &value))
    return TRUE;
  if (value.type != VALUE_BOOL)
    {
      reader_error (r, error, _("“%s” must be true or false"), key);
      return FALSE;
    }
  *out = value.b;
  return TRUE;
}

/* A list of {"name": …, "value": …} into @headers. */
static gboolean
get_headers (Reader       *r,
             const Record *o,
             GPtrArray    *headers,
             guint         max,
             gboolean     *truncated,
             GError      **error)
{
  JsonNode *node = o->json != NULL ? json_object_get_member (o->json, "headers") : NULL;
  JsonArray *array;

  /* A flat line holds no list: "headers" there is of the wrong type. */
  if (node == NULL && !record_has (o, "headers"))
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      reader_error (r, error, _("“%s” must be a list"), "headers");
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *name, *value;
      LsStreamHeader *header;
      Record pair = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          reader_error (r, error, _("“%s” must be a list of objects with a name and a value"), "headers");
          return FALSE;
        }
      pair.json = json_node_get_object (item);
      if (!get_string (r, &pair, "name", TRUE, &name, error) ||
          !get_string (r, &pair, "value", TRUE, &value, error))
        return FALSE;
      if (headers->len >= max)
        {
          if (truncated != NULL)
            *truncated = TRUE;
          continue;
        }
      header = g_new (LsStreamHeader, 1);
      header->name = g_strdup (name);
      header->value = g_strdup (value);
      g_ptr_array_add (headers, header);
    }
  return TRUE;
}

/* Strict base64 (the alphabet, padding, a multiple of 4) of @size bytes. */
static GBytes *
decode_base64 (const char *text,
               gsize       size)
{
  gsize len = strlen (text);
  gsize out_len = 0;
  guchar *data;

  if (len % 4 != 0)
    return NULL;
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (!(g_ascii_isalnum (c) || c == '+' || c == '/' || (c == '=' && i >= len - 2)))
        return NULL;
      if (c == '=' && i == len - 2 && text[len - 1] != '=')
        return NULL;
    }
  if (len / 4 * 3 < size || len / 4 * 3 > size + 2)
    return NULL;
  data = g_base64_decode (text, &out_len);
  if (out_len != size)
    {
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, out_len);
}

static gboolean
parse_header (Reader       *r,
              const Record *o,
              GError      **error)
{
  LsCapture *c = r->capture;
  const char *format = NULL, *secrets = NULL, *started = NULL;
  const char *method = NULL, *url = NULL, *req_format = NULL, *body = NULL, *body_b64 = NULL;
  const char *last_id = NULL;
  JsonNode *request_node;
  Record request = { 0 };
  Value version_value;
  gint64 version, started_us = 0;

  if (!get_string (r, o, "format", FALSE, &format, NULL) || g_strcmp0 (format, LS_CAPTURE_FORMAT) != 0)
    {
      g_set_error_literal (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_NOT_CAPTURE,
                           _("Not a Loopscope capture: its first line is not a capture header"));
      return FALSE;
    }
  if (!record_get (o, "version", &version_value) || version_value.type != VALUE_INT)
    {
      g_set_error_literal (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_VERSION,
                           _("The capture does not say its version"));
      return FALSE;
    }
  version = version_value.i;
  if (version != LS_CAPTURE_VERSION)
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, version);

      if (version > LS_CAPTURE_VERSION)
        g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_VERSION,
                     /* TRANSLATORS: capture format versions: the file's, then the one this program reads. */
                     _("Capture version %s is newer than this Loopscope reads (%d)"), v, LS_CAPTURE_VERSION);
      else
        g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_VERSION,
                     _("Capture version %s is not one this Loopscope reads (%d)"), v, LS_CAPTURE_VERSION);
      return FALSE;
    }

  if (!get_string (r, o, "secrets", FALSE, &secrets, error) ||
      !get_string (r, o, "started", FALSE, &started, error) ||
      !get_int (r, o, "started_unix_us", FALSE, -(G_GINT64_CONSTANT (1) << 60), G_GINT64_CONSTANT (1) << 60,
                &started_us, error))
    return FALSE;
  if (!record_has (o, "started_unix_us") && started != NULL)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (started, NULL);

      if (when != NULL)
        started_us = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
    }
  c->started_unix_us = started_us;
  c->secrets_included = g_strcmp0 (secrets, "included") == 0;

  /* The header is always read by json-glib: its request is an object. */
  request_node = o->json != NULL ? json_object_get_member (o->json, "request") : NULL;
  if (request_node == NULL || !JSON_NODE_HOLDS_OBJECT (request_node))
    {
      reader_error (r, error, _("“%s” must be an object"), "request");
      return FALSE;
    }
  request.json = json_node_get_object (request_node);
  if (!get_string (r, &request, "url", TRUE, &url, error) ||
      !get_string (r, &request, "method", FALSE, &method, error) ||
      !get_string (r, &request, "format", FALSE, &req_format, error) ||
      !get_string (r, &request, "last_event_id", FALSE, &last_id, error) ||
      !get_string (r, &request, "body", FALSE, &body, error) ||
      !get_string (r, &request, "body_b64", FALSE, &body_b64, error))
    return FALSE;
  c->request = ls_stream_options_new (url);
  g_free (c->request->method);
  c->request->method = g_strdup (method != NULL ? method : "GET");
  if (req_format != NULL && !ls_stream_format_from_string (req_format, &c->request->format))
    c->request->format = LS_STREAM_FORMAT_AUTO;
  c->request->last_event_id = g_strdup (last_id);
  if (!get_headers (r, &request, c->request->headers, G_MAXUINT, NULL, error))
    return FALSE;
  if (body != NULL)
    c->request->body = g_bytes_new (body, strlen (body));
  else if (body_b64 != NULL)
    {
      gsize len = 0;
      guchar *data = g_base64_decode (body_b64, &len);

      c->request->body = g_bytes_new_take (data, len);
    }
  return TRUE;
}

static void
reader_append (Reader      *r,
               LsEventKind  kind,
               gint64       t_us,
               const char  *type,
               const char  *id,
               const char  *data,
               gsize        data_len,
               guint32      wire_size)
{
  ls_event_store_append (r->capture->store, 1, kind, r->offset_us + t_us,
                         type, -1, id, -1, data != NULL ? data : "", data_len, wire_size);
  r->counted.records++;
}

static gboolean
parse_figures (Reader       *r,
               const Record *o,
               GError      **error)
{
  LsCapture *c = r->capture;
  LsStreamStats *s = &c->stats;
  const char *state = NULL, *end = NULL, *message = NULL, *format = NULL, *content_type = NULL;
  gint64 v[11] = { 0 };
  gint64 started = 0, ended = 0, last_event = 0, ttfb = -1, last_gap = 0, max_gap = 0, retry = 0;
  static const char *const counts[] = { "http_status", "events", "invalid", "comments", "records", "bytes",
                                        "connects", "opens", "reconnects", "dropped" };
  const gint64 big = G_GINT64_CONSTANT (1) << 60;
  int value;

  if (!get_string (r, o, "state", FALSE, &state, error) ||
      !get_string (r, o, "end", FALSE, &end, error) ||
      !get_string (r, o, "message", FALSE, &message, error) ||
      !get_string (r, o, "format", FALSE, &format, error) ||
      !get_string (r, o, "content_type", FALSE, &content_type, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if (!get_int (r, o, counts[i], FALSE, 0, i == 0 ? 999 : big, &v[i], error))
      return FALSE;
  if (!get_int (r, o, "started_us", FALSE, -big, big, &started, error) ||
      !get_int (r, o, "ended_us", FALSE, -big, big, &ended, error) ||
      !get_int (r, o, "last_event_us", FALSE, -big, big, &last_event, error) ||
      !get_int (r, o, "ttfb_us", FALSE, -1, big, &ttfb, error) ||
      !get_int (r, o, "last_gap_us", FALSE, 0, big, &last_gap, error) ||
      !get_int (r, o, "max_gap_us", FALSE, 0, big, &max_gap, error) ||
      !get_int (r, o, "retry_ms", FALSE, 0, big, &retry, error))
    return FALSE;

  if (state != NULL && ls_enum_from_nick (LS_TYPE_STREAM_STATE, state, &value) &&
      LS_STREAM_STATE_IS_FINAL (value))
    c->state = value;
  if (end != NULL && ls_enum_from_nick (LS_TYPE_STREAM_END, end, &value))
    c->end = value;
  if (message != NULL)
    {
      g_free (c->message);
      c->message = g_strdup (message);
    }
  if (format == NULL || !ls_stream_format_from_string (format, &s->format))
    s->format = LS_STREAM_FORMAT_AUTO;
  g_strlcpy (s->content_type, content_type != NULL ? content_type : "", sizeof s->content_type);
  s->http_status = (guint) v[0];
  s->events = (guint64) v[1];
  s->invalid = (guint64) v[2];
  s->comments = (guint64) v[3];
  s->records = (guint64) v[4];
  s->bytes = (guint64) v[5];
  s->connects = (guint64) v[6];
  s->opens = (guint64) v[7];
  s->reconnects = (guint64) v[8];
  c->dropped = (guint64) v[9];
  s->started_us = record_has (o, "started_us") ? r->offset_us + started : 0;
  s->ended_us = record_has (o, "ended_us") ? r->offset_us + ended : 0;
  s->last_event_us = record_has (o, "last_event_us") ? r->offset_us + last_event : 0;
  s->ttfb_us = ttfb;
  s->last_gap_us = last_gap;
  s->max_gap_us = max_gap;
  s->retry_ms = retry;
  r->have_figures = TRUE;
  return TRUE;
}

static gboolean
parse_record (Reader       *r,
              const Record *o,
              GError      **error)
{
  LsCapture *c = r->capture;
  const char *kind = NULL;
  gint64 t_us = 0, connection = r->connection;

  if (!get_string (r, o, "kind", TRUE, &kind, error))
    return FALSE;
  if (g_str_equal (kind, "figures"))
    return parse_figures (r, o, error);
  if (g_str_equal (kind, "dropped"))
    {
      gint64 count = 0;

      if (!get_int (r, o, "count", TRUE, 0, G_MAXINT64, &count, error))
        return FALSE;
      c->dropped += (guint64) count;
      return TRUE;
    }
  if (!get_time (r, o, &t_us, error) ||
      !get_int (r, o, "connection", FALSE, 0, G_MAXUINT32, &connection, error))
    return FALSE;
  r->connection = (guint32) connection;

  if (g_str_equal (kind, "event"))
    {
      const char *type, *id, *data;
      gboolean valid = TRUE;
      gint64 wire = 0;

      if (!get_string (r, o, "type", TRUE, &type, error) ||
          !get_string (r, o, "id", FALSE, &id, error) ||
          !get_string (r, o, "data", TRUE, &data, error) ||
          !get_bool (r, o, "valid", &valid, error) ||
          !get_int (r, o, "wire_size", FALSE, 0, G_MAXUINT32, &wire, error))
        return FALSE;
      reader_append (r, valid ? LS_EVENT_KIND_EVENT : LS_EVENT_KIND_INVALID, t_us, type, id,
                     data, strlen (data), (guint32) wire);
      r->counted.events++;
      if (!valid)
        r->counted.invalid++;
      r->counted.last_event_us = r->offset_us + t_us;
    }
  else if (g_str_equal (kind, "chunk"))
    {
      const char *data;
      gint64 size = 0;

      if (!get_string (r, o, "data", TRUE, &data, error) ||
          !get_int (r, o, "size", FALSE, 0, G_MAXUINT32, &size, error))
        return FALSE;
      reader_append (r, LS_EVENT_KIND_CHUNK, t_us, NULL, NULL, data, strlen (data), (guint32) size);
      r->counted.events++;
      r->counted.last_event_us = r->offset_us + t_us;
    }
  else if (g_str_equal (kind, "comment"))
    {
      const char *text;

      if (!get_string (r, o, "comment", TRUE, &text, error))
        return FALSE;
      reader_append (r, LS_EVENT_KIND_COMMENT, t_us, NULL, NULL, text, strlen (text), 0);
      r->counted.comments++;
    }
  else if (g_str_equal (kind, "open") || g_str_equal (kind, "error") ||
           g_str_equal (kind, "reconnect") || g_str_equal (kind, "closed"))
    {
      const char *message, *end = NULL;
      LsEventKind event_kind = g_str_equal (kind, "open") ? LS_EVENT_KIND_OPEN
                               : g_str_equal (kind, "error") ? LS_EVENT_KIND_ERROR
                               : g_str_equal (kind, "reconnect") ? LS_EVENT_KIND_RECONNECT
                               : LS_EVENT_KIND_CLOSED;

      if (!get_string (r, o, "message", TRUE, &message, error) ||
          !get_string (r, o, "end", FALSE, &end, error))
        return FALSE;
      reader_append (r, event_kind, t_us, event_kind == LS_EVENT_KIND_CLOSED ? end : NULL, NULL,
                     message, strlen (message), 0);
      if (event_kind == LS_EVENT_KIND_RECONNECT)
        r->counted.reconnects++;
      if (event_kind == LS_EVENT_KIND_CLOSED)
        {
          int value;

          r->have_closed = TRUE;
          if (end != NULL && ls_enum_from_nick (LS_TYPE_STREAM_END, end, &value))
            c->end = value;
          g_free (c->message);
          c->message = g_strdup (message);
          r->counted.ended_us = r->offset_us + t_us;
        }
    }
  else if (g_str_equal (kind, "connect") || g_str_equal (kind, "response") || g_str_equal (kind, "read"))
    {
      guint64 seq = ls_event_store_get_end_seq (c->store);

      if (r->log_entries >= LS_CAPTURE_MAX_LOG_ENTRIES)
        {
          r->log_full = TRUE;
          return TRUE;
        }
      r->log_entries++;
      if (g_str_equal (kind, "connect"))
        {
          ls_read_log_add_connect (c->read_log, (guint32) connection, r->offset_us + t_us, seq);
          r->counted.connects++;
          if (r->counted.started_us == 0)
            r->counted.started_us = r->offset_us + t_us;
        }
      else if (g_str_equal (kind, "response"))
        {
          g_autoptr(LsStreamResponse) response = ls_stream_response_new ();
          const char *version = NULL, *reason = NULL;
          gint64 status = 0, headers_ms = 0;

          if (!get_int (r, o, "status", TRUE, 0, 999, &status, error) ||
              !get_string (r, o, "reason", FALSE, &reason, error) ||
              !get_string (r, o, "http_version", FALSE, &version, error) ||
              !get_int (r, o, "headers_ms", FALSE, 0, G_MAXINT32, &headers_ms, error) ||
              !get_bool (r, o, "headers_truncated", &response->headers_truncated, error) ||
              !get_headers (r, o, response->headers, LS_STREAM_RESPONSE_MAX_HEADERS,
                            &response->headers_truncated, error))
            return FALSE;
          response->status = (guint) status;
          g_free (response->reason);
          response->reason = g_strdup (reason != NULL ? reason : "");
          response->http_version = g_strcmp0 (version, "HTTP/1.0") == 0 ? "HTTP/1.0"
                                   : g_strcmp0 (version, "HTTP/2") == 0 ? "HTTP/2" : "HTTP/1.1";
          response->headers_us = headers_ms * 1000;
          ls_read_log_add_response (c->read_log, (guint32) connection, r->offset_us + t_us, seq, response);
          g_clear_pointer (&c->response, ls_stream_response_unref);
          c->response = ls_stream_response_ref (response);
          r->counted.opens++;
          r->counted.http_status = response->status;
          g_strlcpy (r->counted.content_type,
                     ls_stream_response_get_header (response, "Content-Type") != NULL
                       ? ls_stream_response_get_header (response, "Content-Type") : "",
                     sizeof r->counted.content_type);
        }
      else
        {
          const char *b64 = NULL;
          gint64 size = 0;
          g_autoptr(GBytes) bytes = NULL;

          if (!get_int (r, o, "size", TRUE, 0, (gint64) LS_CAPTURE_MAX_LINE, &size, error) ||
              !get_string (r, o, "data_b64", FALSE, &b64, error))
            return FALSE;
          if (b64 != NULL && (bytes = decode_base64 (b64, (gsize) size)) == NULL)
            {
              reader_error (r, error, _("“%s” is not the base64 of “%s” bytes"), "data_b64", "size");
              return FALSE;
            }
          ls_read_log_add_read (c->read_log, (guint32) connection, r->offset_us + t_us, seq,
                                bytes != NULL ? g_bytes_get_data (bytes, NULL) : NULL, (gsize) size);
          r->counted.bytes += (guint64) size;
        }
    }
  /* Any other kind is from a later minor addition: skipped (docs/capture.md). */
  return TRUE;
}

/* The line's object into @rec, or FALSE with the reason. @use_json:
 * json-glib reads it whatever it holds (the header). */
static gboolean
parse_line (Reader      *r,
            JsonParser  *parser,
            const char  *line,
            gsize        len,
            gboolean     use_json,
            Record      *rec,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!g_utf8_validate_len (line, len, NULL))
    {
      reader_error (r, error, _("not valid UTF-8"));
      return FALSE;
    }
  /* A flat line read by our own parser is one object, one level deep:
   * the scan below is for what goes to json-glib. */
  if (!use_json && flat_parse (rec, line, len))
    return TRUE;
  /* One scan for both; which one failed is looked at only then. */
  if (!ls_json_one_value_ok (line, len, LS_CAPTURE_MAX_DEPTH))
    {
      if (!ls_json_depth_ok (line, len, LS_CAPTURE_MAX_DEPTH))
        {
          g_autofree char *no = g_strdup_printf ("%" G_GUINT64_FORMAT, r->line_no);

          g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_TOO_LARGE,
                       _("Line %s of the capture nests deeper than %d levels"), no, LS_CAPTURE_MAX_DEPTH);
        }
      else
        reader_error (r, error, _("not a JSON object"));
      return FALSE;
    }
  rec->json = NULL;
  if (!json_parser_load_from_data (parser, line, (gssize) len, &local_error))
    {
      g_autofree char *reason = ls_json_error_line (local_error->message);

      reader_error (r, error, _("not JSON: %s"), reason);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      reader_error (r, error, _("not a JSON object"));
      return FALSE;
    }
  rec->json = json_node_get_object (root);
  return TRUE;
}

static void
add_warning (LsCapture  *c,
             const char *text)
{
  char *joined = c->warning != NULL ? g_strconcat (c->warning, "; ", text, NULL) : g_strdup (text);

  g_free (c->warning);
  c->warning = joined;
}

LsCapture *
ls_capture_read (GInputStream  *in,
                 GError       **error)
{
  g_autoptr(LsCapture) c = g_new0 (LsCapture, 1);
  g_autoptr(GInputStream) source = NULL;
  /* Sized: its data is never NULL, so offsets into it are always defined. */
  g_autoptr(GByteArray) buf = g_byte_array_sized_new (64 * 1024);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GString) flat_text = g_string_sized_new (1024);
  Record rec = { .text = flat_text };
  Reader r = { 0 };
  LineReader lines = { 0 };
  const char *line;
  gsize len;
  gboolean complete = TRUE;
  gboolean header_done = FALSE;
  int got;

  g_return_val_if_fail (G_IS_INPUT_STREAM (in), NULL);

  /* gzip by its magic number, whatever the file is called. */
  {
    g_autoptr(GBufferedInputStream) buffered =
      G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new (in));
    g_autoptr(GError) local_error = NULL;
    gsize peeked;
    const guint8 *head;

    g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (buffered), FALSE);
    if (g_buffered_input_stream_fill (buffered, 2, NULL, &local_error) < 0)
      {
        g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_IO,
                     _("Cannot read the capture: %s"), local_error->message);
        return NULL;
      }
    head = g_buffered_input_stream_peek_buffer (buffered, &peeked);
    if (peeked >= 2 && head[0] == 0x1f && head[1] == 0x8b)
      {
        g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

        source = g_converter_input_stream_new (G_INPUT_STREAM (buffered), G_CONVERTER (gunzip));
      }
    else
      source = G_INPUT_STREAM (g_steal_pointer (&buffered));
  }

  c->store = ls_event_store_new ();
  c->read_log = ls_read_log_new (LS_READ_LOG_DEFAULT_MAX_BYTES);
  c->state = LS_STREAM_ENDED;
  c->end = LS_STREAM_END_NONE;
  c->message = g_strdup ("");
  c->stats.ttfb_us = -1;
  r.capture = c;
  r.counted.ttfb_us = -1;
  lines.in = source;
  lines.buf = buf;

  while ((got = line_reader_next (&lines, &line, &len, &complete, error)) > 0)
    {
      gboolean parsed;
      g_autoptr(GError) line_error = NULL;

      r.line_no = lines.line_no;
      if (len == 0)
        continue;
      if (!complete && header_done)
        {
          /* Cut short: what parses is kept, what does not is said. */
          parsed = parse_line (&r, parser, line, len, FALSE, &rec, &line_error);
          if (!parsed || !parse_record (&r, &rec, NULL))
            add_warning (c, _("The capture ends in the middle of a line (cut short?); the records before it are kept"));
          break;
        }
      parsed = parse_line (&r, parser, line, len, !header_done, &rec, &line_error);
      if (!header_done)
        {
          if (!parsed)
            {
              if (g_error_matches (line_error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_MALFORMED))
                g_set_error_literal (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_NOT_CAPTURE,
                                     _("Not a Loopscope capture: its first line is not a capture header"));
              else
                g_propagate_error (error, g_steal_pointer (&line_error));
              return NULL;
            }
          if (!parse_header (&r, &rec, error))
            return NULL;
          header_done = TRUE;
          /* Store time = capture time + offset, so the store's wall clock
           * reads the capture's. */
          r.offset_us = c->started_unix_us - ls_event_store_to_real_time (c->store, 0);
          c->t0_us = r.offset_us;
          continue;
        }
      if (!parsed)
        {
          g_propagate_error (error, g_steal_pointer (&line_error));
          return NULL;
        }
      if (!parse_record (&r, &rec, error))
        return NULL;
    }
  if (got < 0)
    return NULL;
  if (!header_done)
    {
      g_set_error_literal (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_NOT_CAPTURE,
                           _("Not a Loopscope capture: the file is empty"));
      return NULL;
    }

  if (!r.have_figures)
    {
      /* Counted from the records (a capture cut short, or still being written). */
      c->stats = r.counted;
      c->stats.format = c->request->format;
      if (c->stats.format == LS_STREAM_FORMAT_AUTO && c->stats.content_type[0] != '\0')
        c->stats.format = ls_stream_format_from_content_type (c->stats.content_type);
      c->state = c->end == LS_STREAM_END_NONE ? LS_STREAM_CANCELLED
                 : c->end == LS_STREAM_END_CANCELLED ? LS_STREAM_CANCELLED
                 : LS_STREAM_END_IS_FAILURE (c->end) ? LS_STREAM_FAILED : LS_STREAM_ENDED;
      if (c->end == LS_STREAM_END_NONE)
        c->end = LS_STREAM_END_CANCELLED;
      add_warning (c, _("The capture has no figures line (cut short?); its figures are counted from its records"));
    }
  else if (LS_STREAM_END_IS_FAILURE (c->end))
    c->state = LS_STREAM_FAILED;
  if (ls_event_store_get_n_dropped (c->store) > 0)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, ls_event_store_get_n_dropped (c->store));
      g_autofree char *text = g_strdup_printf (_("the event store kept the newest records only; %s older ones were dropped"), n);

      add_warning (c, text);
    }
  if (r.log_full)
    add_warning (c, _("the capture has more connections and reads than are kept; the rest were skipped"));
  return g_steal_pointer (&c);
}

LsCapture *
ls_capture_read_file (const char  *path,
                      GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  in = g_file_read (file, NULL, &local_error);
  if (in == NULL)
    {
      g_set_error (error, LS_CAPTURE_ERROR, LS_CAPTURE_ERROR_IO,
                   _("Cannot read the capture: %s"), local_error->message);
      return NULL;
    }
  return ls_capture_read (G_INPUT_STREAM (in), error);
}

LsCapture *
ls_capture_read_bytes (const void  *data,
                       gsize        len,
                       GError     **error)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, (gssize) len, NULL);

  return ls_capture_read (in, error);
}
