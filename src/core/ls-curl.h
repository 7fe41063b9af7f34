/* ls-curl.h: a request as the curl command line that sends it again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ls-stream-options.h"

G_BEGIN_DECLS

/* A POSIX shell command (one line; quoted arguments may hold newlines)
 * that sends what the engine sends for @options: `curl -N`, the method,
 * each header in order (with the engine's own Accept, Cache-Control and
 * Last-Event-ID), the body only when one is sent, and the URL. Unless
 * @include_secrets, credentials are masked as ls-redact masks them:
 * secret header values, URL userinfo and secret query parameters. */
char *ls_curl_command (const LsStreamOptions *options,
                       gboolean               include_secrets);

/* @text quoted for a POSIX shell (single quotes; `'` as '\''), appended
 * to @out. Any byte but NUL survives, newlines included. */
void  ls_curl_append_quoted (GString    *out,
                             const char *text,
                             gssize      len);

G_END_DECLS
