/* ls-test-tls.c: what the TLS tests share: openssl, the skip without TLS, the sanitizer setting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's TLS test and the window's security test make their
 * certificates the same way and skip for the same reasons; linked into
 * those two only, because of the sanitizer setting below.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ls-test-tls.h"

/* glib-networking's GnuTLS module has dynamic TLS that LeakSanitizer's
 * tracer (clang 14, gcc 12) reads out of range when it stops the world
 * ("Tracer caught signal 11" at exit): don't intercept __tls_get_addr.
 * Read by the sanitizer runtime only; the environment may add to it. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "intercept_tls_get_addr=0";
}

static const char *
unavailable (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    return "openssl (the command) is not installed: no test certificates";
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return "no TLS backend (glib-networking) is installed";
  return NULL;
}

static void
skipped (gconstpointer reason)
{
  g_test_skip (reason);
}

char *
ls_test_tls_begin (const char *skip_path,
                   const char *tmpl)
{
  const char *reason = unavailable ();
  g_autoptr(GError) error = NULL;
  char *dir;

  if (reason != NULL)
    {
      g_test_add_data_func (skip_path, reason, skipped);
      return NULL;
    }
  dir = g_dir_make_tmp (tmpl, &error);
  g_assert_no_error (error);
  return dir;
}

char *
ls_test_openssl (const char         *dir,
                 const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("openssl %s failed: %s", argv[1], err);
  return out;
}

char *
ls_test_openssl_fingerprint (const char *dir,
                             const char *pem)
{
  const char *argv[] = { "openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256", NULL };
  g_autofree char *out = ls_test_openssl (dir, argv);
  const char *eq = strchr (out, '=');

  /* "sha256 Fingerprint=AB:CD:…" */
  g_assert_nonnull (eq);
  return g_strstrip (g_strdup (eq + 1));
}

void
ls_test_remove_tree (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      g_remove (child);
    }
  g_rmdir (dir);
}
