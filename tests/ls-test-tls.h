/* ls-test-tls.h: what the TLS tests share: openssl, the skip without TLS, the sanitizer setting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new temporary directory (from @tmpl) for the certificates when the
 * TLS tests can run. Else NULL, and @skip_path is registered as a test
 * that skips saying why (no `openssl` command to make certificates, or no
 * TLS backend), so that the skip shows in the TAP output. */
char       *ls_test_tls_begin           (const char         *skip_path,
                                         const char         *tmpl);
/* Runs `openssl` (@argv, NULL-terminated) in @dir; a failure fails the
 * test with openssl's stderr. Returns its standard output. */
char       *ls_test_openssl             (const char         *dir,
                                         const char * const *argv);
/* The SHA-256 fingerprint ("AB:CD:…") of the certificate @pem in @dir. */
char       *ls_test_openssl_fingerprint (const char         *dir,
                                         const char         *pem);
/* Removes the files in @dir, then @dir. */
void        ls_test_remove_tree         (const char         *dir);

G_END_DECLS
