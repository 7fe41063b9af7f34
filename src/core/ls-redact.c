/* ls-redact.c: keep credentials out of exports, logs and the timeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hand-written scanning rather than GUri: a redacted URL must stay the
 * URL the user typed, byte for byte, except for the secret parts (GUri
 * would normalise, re-encode, or refuse a half-valid URL in a message).
 */
#define G_LOG_DOMAIN "ls-redact"

#include "config.h"

#include <string.h>

#include "ls-redact.h"

/* Case-insensitive substring test without allocating. */
static gboolean
contains_ci (const char *haystack,
             gsize       len,
             const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (g_ascii_strncasecmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
ends_with_ci (const char *str,
              gsize       len,
              const char *suffix)
{
  gsize n = strlen (suffix);

  return len >= n && g_ascii_strncasecmp (str + len - n, suffix, n) == 0;
}

static gboolean
equals_ci (const char *str,
           gsize       len,
           const char *word)
{
  return strlen (word) == len && g_ascii_strncasecmp (str, word, len) == 0;
}

/* "token" anywhere in @name, except as the plural word "tokens": LLM
 * endpoints take counts such as tokens=200 or max_tokens=64, and a count
 * shown as [redacted] hides what the request asked for. */
static gboolean
contains_token_ci (const char *name,
                   gsize       len)
{
  static const gsize n = sizeof "token" - 1;

  for (gsize i = 0; i + n <= len; i++)
    {
      gsize after = i + n;

      if (g_ascii_strncasecmp (name + i, "token", n) != 0)
        continue;
      if (after < len && g_ascii_tolower (name[after]) == 's' &&
          (after + 1 == len || !g_ascii_isalnum (name[after + 1])))
        continue;
      return TRUE;
    }
  return FALSE;
}

/* Whether @name (@len bytes) is one of @exact, contains one of @parts or
 * a "token" (see above), ignoring case. */
static gboolean
matches_names (const char         *name,
               gsize               len,
               const char * const *exact,
               gsize               n_exact,
               const char * const *parts,
               gsize               n_parts)
{
  for (gsize i = 0; i < n_exact; i++)
    if (equals_ci (name, len, exact[i]))
      return TRUE;
  for (gsize i = 0; i < n_parts; i++)
    if (contains_ci (name, len, parts[i]))
      return TRUE;
  return contains_token_ci (name, len);
}

static gboolean
is_secret_header_n (const char *name,
                    gsize       len)
{
  static const char * const exact[] = {
    "authorization", "proxy-authorization", "cookie", "set-cookie", "cookie2", "set-cookie2",
  };
  static const char * const parts[] = {
    "api-key", "api_key", "apikey", "secret", "password", "passwd", "credential",
  };

  return matches_names (name, len, exact, G_N_ELEMENTS (exact), parts, G_N_ELEMENTS (parts)) ||
         (len >= 6 && g_ascii_strncasecmp (name, "x-auth", 6) == 0);
}

gboolean
ls_is_secret_header (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return is_secret_header_n (name, strlen (name));
}

static gboolean
is_secret_param_n (const char *name,
                   gsize       len)
{
  static const char * const exact[] = {
    "key", "pwd", "pass", "sig", "auth", "authorization", "session", "sessionid", "sid", "jwt",
  };
  static const char * const parts[] = {
    "apikey", "api_key", "api-key", "secret", "password", "passwd", "signature", "credential",
  };

  return matches_names (name, len, exact, G_N_ELEMENTS (exact), parts, G_N_ELEMENTS (parts)) ||
         ends_with_ci (name, len, "_key") || ends_with_ci (name, len, "-key");
}

gboolean
ls_is_secret_query_param (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return is_secret_param_n (name, strlen (name));
}

/* "a=1; b=2" → "a=[redacted]; b=[redacted]" (cookie names stay: they
 * say which session it was, not how to take it over). */
static void
append_redacted_cookies (GString    *out,
                         const char *value,
                         gboolean    first_only)
{
  const char *p = value;
  gboolean first = TRUE;

  while (*p != '\0')
    {
      const char *end = strchr (p, ';');
      const char *eq;
      gsize len;

      if (end == NULL)
        end = p + strlen (p);
      while (p < end && *p == ' ')
        p++;
      len = end - p;
      if (!first)
        g_string_append (out, "; ");
      if (!first && first_only)
        {
          /* Set-Cookie attributes (Path, Expires, HttpOnly) are not secret. */
          g_string_append_len (out, p, len);
        }
      else
        {
          eq = memchr (p, '=', len);
          if (eq != NULL)
            {
              g_string_append_len (out, p, eq + 1 - p);
              g_string_append (out, LS_REDACTED);
            }
          else if (len > 0)
            g_string_append (out, LS_REDACTED);
        }
      first = FALSE;
      p = *end == ';' ? end + 1 : end;
    }
}

static void
append_redacted_header_value (GString    *out,
                              const char *name,
                              gsize       name_len,
                              const char *value)
{
  if (*value == '\0')
    return;

  if (equals_ci (name, name_len, "authorization") || equals_ci (name, name_len, "proxy-authorization"))
    {
      const char *p = value;

      /* "Bearer abc", "Basic dXNlcjpwdw==": the scheme helps, the rest is the secret. */
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
      if (*p != '\0' && p > value)
        {
          g_string_append_len (out, value, p - value);
          g_string_append (out, " " LS_REDACTED);
        }
      else
        g_string_append (out, LS_REDACTED);
    }
  else if (equals_ci (name, name_len, "cookie") || equals_ci (name, name_len, "cookie2"))
    append_redacted_cookies (out, value, FALSE);
  else if (equals_ci (name, name_len, "set-cookie") || equals_ci (name, name_len, "set-cookie2"))
    append_redacted_cookies (out, value, TRUE);
  else
    g_string_append (out, LS_REDACTED);
}

char *
ls_redact_header_value (const char *name,
                        const char *value)
{
  GString *out;

  g_return_val_if_fail (name != NULL, NULL);

  if (value == NULL)
    return NULL;
  if (!ls_is_secret_header (name))
    return g_strdup (value);
  out = g_string_new (NULL);
  append_redacted_header_value (out, name, strlen (name), value);
  return g_string_free (out, FALSE);
}

/* "a=1&api_key=2" with the secret values replaced; @len bytes of @params. */
static void
append_redacted_params (GString    *out,
                        const char *params,
                        gsize       len)
{
  const char *p = params;
  const char *end = params + len;

  while (p <= end)
    {
      const char *amp = memchr (p, '&', end - p);
      const char *stop = amp != NULL ? amp : end;
      const char *eq = memchr (p, '=', stop - p);
      g_autofree char *name = NULL;

      if (eq != NULL)
        {
          /* Names are compared decoded: "api%5Fkey" is api_key. */
          name = g_uri_unescape_segment (p, eq, NULL);
          if (name == NULL)
            name = g_strndup (p, eq - p);
        }
      if (eq != NULL && eq + 1 < stop && is_secret_param_n (name, strlen (name)))
        {
          g_string_append_len (out, p, eq + 1 - p);
          g_string_append (out, LS_REDACTED);
        }
      else
        g_string_append_len (out, p, stop - p);
      if (amp == NULL)
        break;
      g_string_append_c (out, '&');
      p = amp + 1;
    }
}

static void
append_redacted_url (GString    *out,
                     const char *url,
                     gsize       len)
{
  const char *end = url + len;
  const char *p = url;
  const char *scheme_end = NULL;
  const char *query, *fragment, *path_end;

  for (const char *s = url; s + 3 <= end; s++)
    {
      if (memcmp (s, "://", 3) == 0)
        {
          scheme_end = s;
          break;
        }
      if (*s == '/' || *s == '?' || *s == '#')
        break;
    }

  if (scheme_end != NULL)
    {
      const char *authority = scheme_end + 3;
      const char *authority_end = authority;
      const char *at = NULL;

      while (authority_end < end && *authority_end != '/' && *authority_end != '?' &&
             *authority_end != '#')
        {
          if (*authority_end == '@')
            at = authority_end;
          authority_end++;
        }
      g_string_append_len (out, url, authority - url);
      if (at != NULL)
        {
          /* The whole userinfo: "user:pass@", but also a bare "TOKEN@". */
          g_string_append (out, LS_REDACTED);
          g_string_append_len (out, at, authority_end - at);
        }
      else
        g_string_append_len (out, authority, authority_end - authority);
      p = authority_end;
    }

  fragment = memchr (p, '#', end - p);
  query = memchr (p, '?', (fragment != NULL ? fragment : end) - p);
  path_end = query != NULL ? query : fragment != NULL ? fragment : end;
  g_string_append_len (out, p, path_end - p);
  if (query != NULL)
    {
      const char *query_end = fragment != NULL ? fragment : end;

      g_string_append_c (out, '?');
      append_redacted_params (out, query + 1, query_end - query - 1);
    }
  if (fragment != NULL)
    {
      /* OAuth's implicit flow puts access_token=... in the fragment. */
      g_string_append_c (out, '#');
      append_redacted_params (out, fragment + 1, end - fragment - 1);
    }
}

char *
ls_redact_url (const char *url)
{
  GString *out;

  if (url == NULL)
    return NULL;
  out = g_string_sized_new (strlen (url) + 16);
  append_redacted_url (out, url, strlen (url));
  return g_string_free (out, FALSE);
}

static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
ends_url (char c)
{
  return g_ascii_isspace (c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

/* One line of free text, without its line break. */
static void
append_redacted_line (GString    *out,
                      const char *line,
                      gsize       len)
{
  const char *end = line + len;
  const char *p = line;
  const char *name_end;

  /* "Authorization: Bearer x" as a whole line. */
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  name_end = p;
  while (name_end < end && is_tchar (*name_end))
    name_end++;
  if (name_end > p && name_end < end && *name_end == ':' && is_secret_header_n (p, name_end - p))
    {
      g_autofree char *value = NULL;
      const char *v = name_end + 1;

      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      value = g_strndup (v, end - v);
      g_string_append_len (out, line, v - line);
      append_redacted_header_value (out, p, name_end - p, value);
      return;
    }

  /* Every URL ("scheme://…", whatever the scheme: a refused ftp:// one
   * is echoed in an error message too), up to a blank or a quote. */
  p = line;
  while (p < end)
    {
      const char *hit = NULL;
      const char *url_end;

      for (const char *s = p; s + 3 <= end; s++)
        if (memcmp (s, "://", 3) == 0)
          {
            const char *start = s;

            while (start > p && (g_ascii_isalnum (start[-1]) || start[-1] == '+' ||
                                 start[-1] == '-' || start[-1] == '.'))
              start--;
            if (start < s && g_ascii_isalpha (*start))
              {
                hit = start;
                break;
              }
          }
      if (hit == NULL)
        {
          g_string_append_len (out, p, end - p);
          return;
        }
      g_string_append_len (out, p, hit - p);
      url_end = hit;
      while (url_end < end && !ends_url (*url_end))
        url_end++;
      append_redacted_url (out, hit, url_end - hit);
      p = url_end;
    }
}

char *
ls_redact_text (const char *text)
{
  GString *out;
  const char *p;

  if (text == NULL)
    return NULL;
  out = g_string_sized_new (strlen (text) + 16);
  p = text;
  for (;;)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) : strlen (p);

      append_redacted_line (out, p, len);
      if (nl == NULL)
        break;
      g_string_append_c (out, '\n');
      p = nl + 1;
    }
  return g_string_free (out, FALSE);
}
