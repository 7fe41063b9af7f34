/* ls-curl.c: a request as the curl command line that sends it again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain functions over LsStreamOptions, no GObject: a command line is a
 * string computed once when the user copies it, with no state or
 * signals. It mirrors ls-stream-connection.c's request (the body only
 * when the method sends one, the EventSource defaults a user header
 * overrides, Last-Event-ID), so that what is pasted in a terminal is
 * what Loopscope sent. Masking reuses ls-redact's rules: the two must
 * never disagree on what a secret is.
 */
#include "config.h"

#include <string.h>

#include "ls-curl.h"
#include "ls-redact.h"

void
ls_curl_append_quoted (GString    *out,
                       const char *text,
                       gssize      len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL || len == 0);

  if (len < 0)
    len = strlen (text);

  g_string_append_c (out, '\'');
  for (gssize i = 0; i < len; i++)
    {
      /* Nothing is special inside single quotes but the quote itself:
       * close, an escaped quote, reopen. */
      if (text[i] == '\'')
        g_string_append (out, "'\\''");
      else
        g_string_append_c (out, text[i]);
    }
  g_string_append_c (out, '\'');
}

/* Methods are HTTP tokens, which may hold shell characters ('&', '|', …). */
static void
append_word (GString    *out,
             const char *word)
{
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      {
        ls_curl_append_quoted (out, word, -1);
        return;
      }
  g_string_append (out, word);
}

static void
append_header (GString    *out,
               const char *name,
               const char *value,
               gboolean    include_secrets)
{
  g_autofree char *shown = include_secrets ? g_strdup (value) : ls_redact_header_value (name, value);
  g_autofree char *line = g_strdup_printf ("%s: %s", name, shown);

  g_string_append (out, " -H ");
  ls_curl_append_quoted (out, line, -1);
}

/* A shell argument cannot hold NUL, and the clipboard takes UTF-8 text:
 * such a body (and one starting with '@', which curl would take for a
 * file name) goes through printf(1), whose format understands octal
 * escapes in any POSIX shell. */
static gboolean
body_is_text (const char *data,
              gsize       len)
{
  return memchr (data, '\0', len) == NULL && g_utf8_validate (data, len, NULL);
}

static void
append_printf_format (GString    *out,
                      const char *data,
                      gsize       len)
{
  g_autoptr(GString) format = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = data[i];

      if (c == '\\')
        g_string_append (format, "\\\\");
      else if (c == '%')
        g_string_append (format, "%%");
      else if (c == '\n' || (c >= 0x20 && c < 0x7f))
        g_string_append_c (format, c);
      else
        g_string_append_printf (format, "\\%03o", c);
    }
  ls_curl_append_quoted (out, format->str, format->len);
}

char *
ls_curl_command (const LsStreamOptions *options,
                 gboolean               include_secrets)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *url = NULL;
  const char *method;
  const char *body = NULL;
  gsize body_len = 0;
  gboolean sends_body, body_piped = FALSE;
  gboolean has_last_id;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->url != NULL, NULL);

  method = options->method != NULL ? options->method : "GET";
  sends_body = ls_stream_options_sends_body (options);
  if (sends_body)
    {
      body = g_bytes_get_data (options->body, &body_len);
      /* --data-binary @name would read the file "name". */
      body_piped = body_len > 0 && (body[0] == '@' || !body_is_text (body, body_len));
    }
  has_last_id = options->last_event_id != NULL && options->last_event_id[0] != '\0';

  if (body_piped)
    {
      g_string_append (out, "printf ");
      append_printf_format (out, body, body_len);
      g_string_append (out, " | ");
    }

  /* -N: print the stream as it comes, not in buffer-sized lumps. */
  g_string_append (out, "curl -N");
  if (g_ascii_strcasecmp (method, "HEAD") == 0)
    /* curl -X HEAD would wait for a body that never comes. */
    g_string_append (out, " -I");
  else if (strcmp (method, "GET") != 0)
    {
      g_string_append (out, " -X ");
      append_word (out, method);
    }

  for (guint i = 0; options->headers != NULL && i < options->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (options->headers, i);

      /* The engine replaces it with the stream's own. */
      if (has_last_id && g_ascii_strcasecmp (header->name, "Last-Event-ID") == 0)
        continue;
      append_header (out, header->name, header->value, include_secrets);
    }
  /* EventSource's defaults, as the engine adds them. */
  if (options->format == LS_STREAM_FORMAT_AUTO || options->format == LS_STREAM_FORMAT_SSE)
    {
      if (ls_stream_options_get_header (options, "Accept") == NULL)
        append_header (out, "Accept", "text/event-stream", include_secrets);
      if (ls_stream_options_get_header (options, "Cache-Control") == NULL)
        append_header (out, "Cache-Control", "no-cache", include_secrets);
    }
  if (has_last_id)
    append_header (out, "Last-Event-ID", options->last_event_id, include_secrets);

  if (sends_body)
    {
      /* curl would add "Content-Type: application/x-www-form-urlencoded"
       * to a body; the engine sends none unless the user set one. An empty
       * value makes curl send no such header. */
      if (ls_stream_options_get_header (options, "Content-Type") == NULL)
        g_string_append (out, " -H 'Content-Type:'");
      g_string_append (out, " --data-binary ");
      if (body_piped)
        g_string_append (out, "@-");
      else
        ls_curl_append_quoted (out, body, body_len);
    }

  url = include_secrets ? g_strdup (options->url) : ls_redact_url (options->url);
  g_string_append_c (out, ' ');
  ls_curl_append_quoted (out, url, -1);

  return g_string_free (g_steal_pointer (&out), FALSE);
}
