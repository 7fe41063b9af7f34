/* ls-framer.c: bytes of a streaming body to frames (SSE, NDJSON or raw)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include <json-glib/json-glib.h>

#include "ls-enum.h"
#include "ls-framer.h"

#define NDJSON_TYPE "ndjson"
#define RAW_TYPE "chunk"
#define RECORD_SEPARATOR 0x1E  /* RFC 7464 json-seq record prefix */

struct _LsFramer
{
  LsStreamFormat format;
  LsFrameFunc    func;
  gpointer       user_data;
  gsize          max_size;
  guint64        n_frames;

  /* SSE */
  LsSseParser   *sse;

  /* NDJSON */
  GString       *line;          /* a line cut by a chunk boundary */
  GString       *text;          /* the line handed out, NUL-terminated */
  JsonParser    *json;
  gsize          skipped_wire;  /* blank lines, counted into the next frame */
  gboolean       failed;
};

G_DEFINE_ENUM_TYPE (LsStreamFormat, ls_stream_format,
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FORMAT_AUTO, "auto"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FORMAT_SSE, "sse"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FORMAT_NDJSON, "ndjson"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_FORMAT_RAW, "raw"))

static const char * const ndjson_mime_types[] = {
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonl",
  "application/jsonlines",
  "application/x-jsonlines",
  "application/json-seq",
};

gboolean
ls_stream_format_from_string (const char     *str,
                              LsStreamFormat *format)
{
  g_autofree char *nick = NULL;
  int value;

  g_return_val_if_fail (format != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  /* Nicks are lowercase; "SSE" is accepted too. */
  nick = g_ascii_strdown (str, -1);
  if (!ls_enum_from_nick (LS_TYPE_STREAM_FORMAT, nick, &value))
    return FALSE;
  *format = (LsStreamFormat) value;
  return TRUE;
}

const char *
ls_stream_format_to_string (LsStreamFormat format)
{
  return ls_enum_to_nick (LS_TYPE_STREAM_FORMAT, format);
}

LsStreamFormat
ls_stream_format_from_content_type (const char *content_type)
{
  const char *start;
  const char *end;
  gsize len;

  if (content_type == NULL)
    return LS_STREAM_FORMAT_RAW;

  /* The MIME essence: up to ';', without surrounding whitespace. */
  start = content_type;
  while (g_ascii_isspace (*start))
    start++;
  end = strchr (start, ';');
  if (end == NULL)
    end = start + strlen (start);
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  len = end - start;

  if (len == strlen ("text/event-stream") &&
      g_ascii_strncasecmp (start, "text/event-stream", len) == 0)
    return LS_STREAM_FORMAT_SSE;

  for (guint i = 0; i < G_N_ELEMENTS (ndjson_mime_types); i++)
    {
      if (len == strlen (ndjson_mime_types[i]) &&
          g_ascii_strncasecmp (start, ndjson_mime_types[i], len) == 0)
        return LS_STREAM_FORMAT_NDJSON;
    }

  return LS_STREAM_FORMAT_RAW;
}

/* ------------------------------------------------------------------- SSE */

static void
on_sse_event_cb (const LsSseEvent *event,
                 gpointer          user_data)
{
  LsFramer *self = user_data;
  LsFrame frame = {
    .format = LS_STREAM_FORMAT_SSE,
    .type = event->type,
    .type_len = event->type_len,
    .data = event->data,
    .data_len = event->data_len,
    .id = event->id,
    .id_len = event->id_len,
    .valid = TRUE,
    .wire_size = event->wire_size,
  };

  self->n_frames++;
  self->func (&frame, self->user_data);
}

static void
on_sse_comment_cb (const char *text,
                   gsize       len,
                   gpointer    user_data)
{
  LsFramer *self = user_data;
  LsFrame frame = {
    .format = LS_STREAM_FORMAT_SSE,
    .type = "",
    .data = text,
    .data_len = len,
    .id = "",
    .valid = TRUE,
    .comment = TRUE,
  };

  self->func (&frame, self->user_data);
}

/* ---------------------------------------------------------------- NDJSON */

static gboolean
is_blank (const char *s,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
        return FALSE;
    }
  return TRUE;
}

static gboolean
fail_ndjson_too_large (LsFramer *self,
                       GError  **error)
{
  g_autofree char *limit = NULL;

  self->failed = TRUE;
  /* MiB when whole, else bytes (never KiB), as since NDJSON came. */
  if (self->max_size % (1024 * 1024) == 0)
    limit = ls_sse_format_limit (self->max_size);
  else
    {
      char number[32];

      g_snprintf (number, sizeof number, "%" G_GSIZE_FORMAT, self->max_size);
      limit = g_strdup_printf (C_("size limit", "%s bytes"), number);
    }
  g_set_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE,
               _("NDJSON line exceeds the %s limit"), limit);
  return FALSE;
}

/* json-glib 1.6 accepts several top-level values in one text ("{}{}",
 * "[1] [2]"), keeps the last and leaks the others ("1{}" leaks too). One
 * NDJSON line holds one value, so find where the first value ends and
 * refuse anything after it before json-glib sees the line. This is a
 * boundary scan, not validation: json-glib still judges the value. */
static gboolean
has_trailing_value (const char *s,
                    gsize       len)
{
  gsize i = 0;

  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
    i++;
  if (i == len)
    return FALSE;

  if (s[i] == '{' || s[i] == '[' || s[i] == '"')
    {
      guint depth = 0;
      gboolean in_string = FALSE;

      for (; i < len; i++)
        {
          char c = s[i];

          if (in_string)
            {
              if (c == '\\')
                {
                  i++;
                }
              else if (c == '"')
                {
                  in_string = FALSE;
                  if (depth == 0)
                    {
                      i++;
                      break;
                    }
                }
              continue;
            }
          if (c == '"')
            {
              in_string = TRUE;
            }
          else if (c == '{' || c == '[')
            {
              depth++;
            }
          else if ((c == '}' || c == ']') && depth > 0)
            {
              if (--depth == 0)
                {
                  i++;
                  break;
                }
            }
        }
    }
  else
    {
      /* A number or a literal: up to a delimiter. */
      while (i < len && strchr (" \t\r{}[],:\"", s[i]) == NULL)
        i++;
    }

  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
    i++;
  return i < len;
}

/* One line without its LF; @wire_size includes the LF when there was one. */
static gboolean
emit_ndjson_line (LsFramer   *self,
                  const char *line,
                  gsize       len,
                  gsize       wire_size,
                  GError    **error)
{
  LsFrame frame = { 0, };
  gboolean valid;

  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (len > self->max_size)
    return fail_ndjson_too_large (self, error);
  if (len > 0 && (guchar) line[0] == RECORD_SEPARATOR)
    {
      line++;
      len--;
    }

  if (is_blank (line, len))
    {
      self->skipped_wire += wire_size;
      return TRUE;
    }

  g_string_truncate (self->text, 0);
  valid = ls_utf8_decode_lossy (line, len, self->text);
  if (valid)
    g_string_append_len (self->text, line, len);
  /* JSON text never holds a raw U+0000; json-glib may stop reading at it. */
  if (valid)
    valid = memchr (line, '\0', len) == NULL &&
            !has_trailing_value (line, len) &&
            json_parser_load_from_data (self->json, self->text->str, self->text->len, NULL);

  frame.format = LS_STREAM_FORMAT_NDJSON;
  frame.type = NDJSON_TYPE;
  frame.type_len = strlen (NDJSON_TYPE);
  frame.data = self->text->str;
  frame.data_len = self->text->len;
  frame.id = "";
  frame.id_len = 0;
  frame.valid = valid;
  frame.wire_size = wire_size + self->skipped_wire;
  self->skipped_wire = 0;

  self->n_frames++;
  self->func (&frame, self->user_data);

  if (self->text->allocated_len > 1024 * 1024)
    {
      g_string_free (self->text, TRUE);
      self->text = g_string_new (NULL);
    }
  return TRUE;
}

static gboolean
feed_ndjson (LsFramer     *self,
             const guint8 *bytes,
             gsize         len,
             GError      **error)
{
  const char *p = (const char *) bytes;
  const char *end = p + len;

  if (self->failed)
    {
      g_set_error_literal (error, LS_SSE_ERROR, LS_SSE_ERROR_FAILED,
                           _("The stream was already stopped by an earlier error"));
      return FALSE;
    }

  while (p < end)
    {
      const char *lf = memchr (p, '\n', end - p);
      gsize n = (lf != NULL ? lf : end) - p;

      if (lf == NULL)
        {
          /* Early bound only (a CR may still be stripped); the exact
           * check is on the complete line. */
          if (self->line->len + n > self->max_size + 1)
            return fail_ndjson_too_large (self, error);
          g_string_append_len (self->line, p, n);
          break;
        }

      if (self->line->len > 0)
        {
          gboolean ok;

          if (self->line->len + n > self->max_size + 1)
            return fail_ndjson_too_large (self, error);
          g_string_append_len (self->line, p, n);
          ok = emit_ndjson_line (self, self->line->str, self->line->len,
                                 self->line->len + 1, error);
          g_string_truncate (self->line, 0);
          if (!ok)
            return FALSE;
        }
      else if (!emit_ndjson_line (self, p, n, n + 1, error))
        {
          return FALSE;
        }
      p = lf + 1;
    }

  return TRUE;
}

/* ---------------------------------------------------------------- public */

LsFramer *
ls_framer_new (LsStreamFormat format,
               LsFrameFunc    func,
               gpointer       user_data)
{
  LsFramer *self;

  g_return_val_if_fail (format == LS_STREAM_FORMAT_SSE ||
                        format == LS_STREAM_FORMAT_NDJSON ||
                        format == LS_STREAM_FORMAT_RAW, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (LsFramer, 1);
  self->format = format;
  self->func = func;
  self->user_data = user_data;
  self->max_size = LS_SSE_DEFAULT_MAX_SIZE;

  switch (format)
    {
    case LS_STREAM_FORMAT_SSE:
      self->sse = ls_sse_parser_new (on_sse_event_cb, self);
      break;

    case LS_STREAM_FORMAT_NDJSON:
      self->line = g_string_new (NULL);
      self->text = g_string_new (NULL);
      self->json = json_parser_new_immutable ();
      break;

    case LS_STREAM_FORMAT_RAW:
    case LS_STREAM_FORMAT_AUTO:
    default:
      break;
    }

  return self;
}

void
ls_framer_free (LsFramer *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->sse, ls_sse_parser_free);
  if (self->line != NULL)
    g_string_free (self->line, TRUE);
  if (self->text != NULL)
    g_string_free (self->text, TRUE);
  g_clear_object (&self->json);
  g_free (self);
}

LsStreamFormat
ls_framer_get_format (LsFramer *self)
{
  g_return_val_if_fail (self != NULL, LS_STREAM_FORMAT_RAW);

  return self->format;
}

void
ls_framer_set_max_size (LsFramer *self,
                        gsize     max_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_bytes > 0);

  self->max_size = MIN (max_bytes, G_MAXSIZE / 4);
  if (self->sse != NULL)
    ls_sse_parser_set_max_size (self->sse, max_bytes);
}

void
ls_framer_set_comments (LsFramer *self,
                        gboolean  comments)
{
  g_return_if_fail (self != NULL);

  if (self->sse != NULL)
    ls_sse_parser_set_comment_func (self->sse, comments ? on_sse_comment_cb : NULL, self);
}

gboolean
ls_framer_feed (LsFramer     *self,
                const guint8 *bytes,
                gsize         len,
                GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (self->format)
    {
    case LS_STREAM_FORMAT_SSE:
      return ls_sse_parser_feed (self->sse, bytes, len, error);

    case LS_STREAM_FORMAT_NDJSON:
      return feed_ndjson (self, bytes, len, error);

    case LS_STREAM_FORMAT_RAW:
      if (len > 0)
        {
          LsFrame frame = {
            .format = LS_STREAM_FORMAT_RAW,
            .type = RAW_TYPE,
            .type_len = strlen (RAW_TYPE),
            .data = (const char *) bytes,
            .data_len = len,
            .id = "",
            .id_len = 0,
            .valid = TRUE,
            .wire_size = len,
          };

          self->n_frames++;
          self->func (&frame, self->user_data);
        }
      return TRUE;

    case LS_STREAM_FORMAT_AUTO:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

void
ls_framer_end_stream (LsFramer *self)
{
  g_return_if_fail (self != NULL);

  switch (self->format)
    {
    case LS_STREAM_FORMAT_SSE:
      ls_sse_parser_end_stream (self->sse);
      break;

    case LS_STREAM_FORMAT_NDJSON:
      /* A too large final line is dropped: there is no one to tell. */
      if (!self->failed && self->line->len > 0)
        emit_ndjson_line (self, self->line->str, self->line->len, self->line->len, NULL);
      g_string_truncate (self->line, 0);
      self->skipped_wire = 0;
      self->failed = FALSE;
      break;

    case LS_STREAM_FORMAT_RAW:
    case LS_STREAM_FORMAT_AUTO:
    default:
      break;
    }
}

LsSseParser *
ls_framer_get_sse_parser (LsFramer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->sse;
}

guint64
ls_framer_get_n_frames (LsFramer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_frames;
}
