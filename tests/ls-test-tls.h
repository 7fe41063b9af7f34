/* ls-test-tls.h: what the TLS tests share: openssl, the skip without TLS, the sanitizer setting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NULL when the TLS tests can run; else why not (no `openssl` command to
 * make certificates, or no TLS backend). */
const char *ls_test_tls_unavailable     (void);
/* Registers @path as a test that skips with @reason, so the skip and its
 * reason show in the TAP output. */
void        ls_test_add_skipped         (const char         *path,
                                         const char         *reason);
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
