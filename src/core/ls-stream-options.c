/* ls-stream-options.c: what one streaming request asks for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include <libsoup/soup.h>

#include "ls-stream-options.h"

G_DEFINE_QUARK (ls-stream-error-quark, ls_stream_error)

G_DEFINE_BOXED_TYPE (LsStreamOptions, ls_stream_options,
                     ls_stream_options_copy, ls_stream_options_free)

void
ls_stream_header_free (gpointer data)
{
  LsStreamHeader *header = data;

  g_free (header->name);
  g_free (header->value);
  g_free (header);
}

LsStreamOptions *
ls_stream_options_new (const char *url)
{
  LsStreamOptions *self = g_new0 (LsStreamOptions, 1);

  self->url = g_strdup (url);
  self->headers = g_ptr_array_new_with_free_func (ls_stream_header_free);
  self->format = LS_STREAM_FORMAT_AUTO;
  self->reconnect = LS_STREAM_RECONNECT_AUTO;
  self->reconnect_ms = LS_STREAM_DEFAULT_RECONNECT_MS;
  self->max_event_size = LS_STREAM_DEFAULT_MAX_EVENT_SIZE;
  self->backoff_max_ms = LS_STREAM_DEFAULT_BACKOFF_MAX_MS;
  self->max_expansion = LS_STREAM_DEFAULT_MAX_EXPANSION;
  return self;
}

G_DEFINE_ENUM_TYPE (LsStreamReconnect, ls_stream_reconnect,
                    G_DEFINE_ENUM_VALUE (LS_STREAM_RECONNECT_OFF, "off"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_RECONNECT_ON, "on"),
                    G_DEFINE_ENUM_VALUE (LS_STREAM_RECONNECT_AUTO, "auto"))

static gboolean
method_is_get_or_head (const LsStreamOptions *self)
{
  return self->method == NULL || g_ascii_strcasecmp (self->method, "GET") == 0 ||
         g_ascii_strcasecmp (self->method, "HEAD") == 0;
}

gboolean
ls_stream_options_sends_body (const LsStreamOptions *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->body != NULL && !method_is_get_or_head (self);
}

gboolean
ls_stream_options_get_reconnect (const LsStreamOptions *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  switch (self->reconnect)
    {
    case LS_STREAM_RECONNECT_OFF:
      return FALSE;
    case LS_STREAM_RECONNECT_AUTO:
      if (method_is_get_or_head (self))
        return TRUE;
      return !ls_stream_options_sends_body (self) && g_ascii_strcasecmp (self->method, "POST") != 0;
    case LS_STREAM_RECONNECT_ON:
    default:
      return TRUE;
    }
}

LsStreamOptions *
ls_stream_options_copy (const LsStreamOptions *self)
{
  LsStreamOptions *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new (LsStreamOptions, 1);
  *copy = *self;
  copy->url = g_strdup (self->url);
  copy->method = g_strdup (self->method);
  copy->last_event_id = g_strdup (self->last_event_id);
  copy->ca_file = g_strdup (self->ca_file);
  copy->accept_certificate_sha256 = g_strdup (self->accept_certificate_sha256);
  copy->body = self->body != NULL ? g_bytes_ref (self->body) : NULL;
  copy->headers = g_ptr_array_new_with_free_func (ls_stream_header_free);
  if (self->headers != NULL)
    for (guint i = 0; i < self->headers->len; i++)
      {
        const LsStreamHeader *header = g_ptr_array_index (self->headers, i);

        ls_stream_options_add_header (copy, header->name, header->value);
      }
  return copy;
}

void
ls_stream_options_free (LsStreamOptions *self)
{
  if (self == NULL)
    return;

  g_free (self->url);
  g_free (self->method);
  g_free (self->last_event_id);
  g_free (self->ca_file);
  g_free (self->accept_certificate_sha256);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_free (self);
}

void
ls_stream_options_add_header (LsStreamOptions *self,
                              const char      *name,
                              const char      *value)
{
  LsStreamHeader *header;

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  if (self->headers == NULL)
    self->headers = g_ptr_array_new_with_free_func (ls_stream_header_free);
  header = g_new (LsStreamHeader, 1);
  header->name = g_strdup (name);
  header->value = g_strdup (value != NULL ? value : "");
  g_ptr_array_add (self->headers, header);
}

const char *
ls_stream_options_get_header (const LsStreamOptions *self,
                              const char            *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (self->headers == NULL)
    return NULL;
  for (guint i = 0; i < self->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (self->headers, i);

      if (g_ascii_strcasecmp (header->name, name) == 0)
        return header->value;
    }
  return NULL;
}

/* RFC 9110 token: 1*tchar */
static gboolean
is_token (const char *str)
{
  static const char extra[] = "!#$%&'*+-.^_`|~";

  if (str == NULL || *str == '\0')
    return FALSE;
  for (const char *p = str; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* CR, LF, NUL can't be in a C string: any other control character but
 * HTAB (RFC 9110 field-value) or DEL. */
static gboolean
has_control (const char *str,
             gboolean    allow_tab)
{
  for (const char *p = str; *p != '\0'; p++)
    if (((guchar) *p < 0x20 && !(allow_tab && *p == '\t')) || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* A short, printable rendering of user input for an error message. */
static char *
quote_input (const char *str)
{
  g_autofree char *shown = NULL;
  gsize len = strlen (str);

  shown = g_strndup (str, MIN (len, 60));
  for (char *p = shown; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return g_strdup_printf ("'%s%s'", shown, len > 60 ? "…" : "");
}

gboolean
ls_stream_options_add_header_line (LsStreamOptions  *self,
                                   const char       *line,
                                   GError          **error)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  g_autofree char *shown = NULL;
  const char *colon;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (line != NULL, FALSE);

  colon = strchr (line, ':');
  if (colon == NULL)
    {
      shown = quote_input (line);
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER,
                   _("Malformed header %s: expected 'Name: value'"), shown);
      return FALSE;
    }
  name = g_strndup (line, colon - line);
  if (!is_token (name))
    {
      shown = quote_input (line);
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER,
                   _("Malformed header %s: the name must be a non-empty HTTP token (letters, digits, !#$%%&'*+-.^_`|~)"),
                   shown);
      return FALSE;
    }
  value = g_strstrip (g_strdup (colon + 1));
  if (has_control (value, TRUE))
    {
      shown = quote_input (line);
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER,
                   _("Malformed header %s: the value must not contain CR, LF or other control characters"),
                   shown);
      return FALSE;
    }
  ls_stream_options_add_header (self, name, value);
  return TRUE;
}

static gboolean
validate_url (const char  *url,
              GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *shown = NULL;
  const char *scheme, *host;

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                           _("No URL given"));
      return FALSE;
    }
  shown = quote_input (url);
  if (strpbrk (url, " \t\r\n") != NULL)
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Invalid URL %s: it contains blanks or line breaks"), shown);
      return FALSE;
    }
  if (has_control (url, FALSE))
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Invalid URL %s: it contains control characters"), shown);
      return FALSE;
    }
  if (g_uri_peek_scheme (url) == NULL)
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Invalid URL %s: it has no scheme (write http:// or https:// before the host)"), shown);
      return FALSE;
    }
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Invalid URL %s: %s"), shown, local_error->message);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Unsupported URL scheme '%s' in %s: only http and https are supported"),
                   scheme, shown);
      return FALSE;
    }
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_URL,
                   _("Invalid URL %s: it has no host"), shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
range_ok (guint64 value,
          guint64 lo,
          guint64 hi)
{
  return value >= lo && value <= hi;
}

char *
ls_stream_normalize_fingerprint (const char  *text,
                                 GError     **error)
{
  GString *out;
  guint digits = 0;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (96);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p) || digits == 64)
        {
          digits = 0;
          break;
        }
      if (digits > 0 && digits % 2 == 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (*p));
      digits++;
    }
  if (digits != 64)
    {
      g_autofree char *shown = quote_input (text);

      g_string_free (out, TRUE);
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
                   _("Invalid certificate fingerprint %s: expected a SHA-256 fingerprint, "
                     "64 hex digits with or without colons"), shown);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* "Idle timeout out of range: 90000000 ms (allowed 0 to 86400000)". */
static void
range_error (GError     **error,
             const char  *what,
             guint64      value,
             guint64      lo,
             guint64      hi,
             const char  *unit)
{
  char v[32], l[32], h[32];
  g_autofree char *shown = NULL;

  g_snprintf (v, sizeof v, "%" G_GUINT64_FORMAT, value);
  g_snprintf (l, sizeof l, "%" G_GUINT64_FORMAT, lo);
  g_snprintf (h, sizeof h, "%" G_GUINT64_FORMAT, hi);
  shown = unit[0] != '\0' ? g_strdup_printf ("%s %s", v, unit) : g_strdup (v);
  /* TRANSLATORS: "Idle timeout out of range: 90000000 ms (allowed 0 to 86400000)". */
  g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
               _("%s out of range: %s (allowed %s to %s)"), what, shown, l, h);
}

gboolean
ls_stream_options_validate (const LsStreamOptions  *self,
                            GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!validate_url (self->url, error))
    return FALSE;

  if (self->method != NULL && !is_token (self->method))
    {
      g_autofree char *shown = quote_input (self->method);

      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_METHOD,
                   _("Invalid method %s: it must be an HTTP token such as GET or POST"), shown);
      return FALSE;
    }

  if (self->headers != NULL)
    for (guint i = 0; i < self->headers->len; i++)
      {
        const LsStreamHeader *header = g_ptr_array_index (self->headers, i);

        if (!is_token (header->name))
          {
            g_autofree char *shown = quote_input (header->name);

            g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER,
                         _("Invalid header name %s: it must be a non-empty HTTP token"), shown);
            return FALSE;
          }
        if (has_control (header->value, TRUE))
          {
            g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_HEADER,
                         _("Invalid value for header '%s': it must not contain CR, LF or other control characters"),
                         header->name);
            return FALSE;
          }
      }

  if (self->last_event_id != NULL && has_control (self->last_event_id, TRUE))
    {
      g_set_error_literal (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
                           _("Invalid last event ID: it must not contain CR, LF or other control characters"));
      return FALSE;
    }

  switch (self->format)
    {
    case LS_STREAM_FORMAT_AUTO:
    case LS_STREAM_FORMAT_SSE:
    case LS_STREAM_FORMAT_NDJSON:
    case LS_STREAM_FORMAT_RAW:
      break;
    default:
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
                   _("Invalid format %d: expected auto, sse, ndjson or raw"), (int) self->format);
      return FALSE;
    }

  if (self->accept_certificate_sha256 != NULL)
    {
      g_autofree char *normalized = ls_stream_normalize_fingerprint (self->accept_certificate_sha256, error);

      if (normalized == NULL)
        return FALSE;
    }

  if (self->ca_file != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      GList *certificates;

      /* Read now, so a bad file is an error at the input, not at connect. */
      certificates = g_tls_certificate_list_new_from_file (self->ca_file, &local_error);
      if (certificates == NULL)
        {
          g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
                       _("Invalid CA file '%s': %s"), self->ca_file,
                       local_error != NULL ? local_error->message : _("it holds no PEM certificate"));
          return FALSE;
        }
      g_list_free_full (certificates, g_object_unref);
    }

  /* @what and @unit are N_() strings, translated here. */
#define CHECK_RANGE(field, lo, hi, what, unit)                                          \
  if (!range_ok ((guint64) (field), (guint64) (lo), (guint64) (hi)))                    \
    {                                                                                   \
      range_error (error, _(what), (guint64) (field), (guint64) (lo), (guint64) (hi),   \
                   (unit)[0] != '\0' ? g_dpgettext2 (GETTEXT_PACKAGE, "unit", unit) : ""); \
      return FALSE;                                                                     \
    }

  CHECK_RANGE (self->reconnect, LS_STREAM_RECONNECT_OFF, LS_STREAM_RECONNECT_AUTO, N_("Reconnect policy"), "");
  CHECK_RANGE (self->reconnect_ms, 0, LS_STREAM_MAX_RECONNECT_MS, N_("Reconnect time"), NC_("unit", "ms"));
  CHECK_RANGE (self->duration_ms, 0, LS_STREAM_MAX_DURATION_MS, N_("Duration"), NC_("unit", "ms"));
  CHECK_RANGE (self->idle_timeout_ms, 0, LS_STREAM_MAX_IDLE_TIMEOUT_MS, N_("Idle timeout"), NC_("unit", "ms"));
  CHECK_RANGE (self->max_event_size, LS_STREAM_MIN_MAX_EVENT_SIZE, LS_STREAM_MAX_MAX_EVENT_SIZE,
               N_("Maximum event size"), NC_("unit", "bytes"));
  CHECK_RANGE (self->backoff_max_ms, LS_STREAM_MIN_RECONNECT_MS, LS_STREAM_MAX_RECONNECT_MS,
               N_("Backoff cap"), NC_("unit", "ms"));
  CHECK_RANGE (self->stall_timeout_ms, 0, LS_STREAM_MAX_IDLE_TIMEOUT_MS, N_("Stall timeout"), NC_("unit", "ms"));
  CHECK_RANGE (self->max_expansion, 0, LS_STREAM_MAX_MAX_EXPANSION, N_("Maximum expansion"), NC_("unit", "times"));
  if (self->body != NULL && g_bytes_get_size (self->body) > LS_STREAM_MAX_BODY_SIZE)
    {
      char size[32];

      g_snprintf (size, sizeof size, "%" G_GSIZE_FORMAT, g_bytes_get_size (self->body));
      g_set_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION,
                   _("Request body too large: %s bytes (the limit is %u MiB)"),
                   size, (guint) (LS_STREAM_MAX_BODY_SIZE / (1024 * 1024)));
      return FALSE;
    }
#undef CHECK_RANGE

  return TRUE;
}
