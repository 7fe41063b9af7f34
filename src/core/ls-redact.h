/* ls-redact.h: keep credentials out of exports, logs and the timeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure string functions, any thread. A value is replaced by LS_REDACTED;
 * what helps to read a trace and gives nothing away stays (the scheme of
 * an Authorization header, cookie names, query parameter names).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_REDACTED "[redacted]"

/* Authorization, Proxy-Authorization, Cookie, Set-Cookie, and names that
 * look like a credential (case-insensitive): *api-key*, *api_key*,
 * *apikey*, *token*, *secret*, *password*, *passwd*, x-auth*. */
gboolean  ls_is_secret_header        (const char *name);
/* Query (or fragment) parameter names that carry credentials: api_key,
 * token, access_token, client_secret, password, signature, ... */
gboolean  ls_is_secret_query_param   (const char *name);

/* A copy of @value, redacted when @name is a secret header:
 * "Bearer [redacted]", "sid=[redacted]; theme=[redacted]", "[redacted]". */
char     *ls_redact_header_value     (const char *name,
                                      const char *value);
/* A copy of @url with userinfo ("user:pass@") and the values of secret
 * query and fragment parameters redacted; everything else byte for byte. */
char     *ls_redact_url              (const char *url);
/* A copy of free text (a span detail, a lifecycle message) with every
 * URL ("scheme://…") in it redacted, and every line of the form "Name: value"
 * whose name is a secret header. */
char     *ls_redact_text             (const char *text);

G_END_DECLS
