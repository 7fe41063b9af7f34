/* ls-stream-tls.c: one stream's own certificate trust
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker's sessions trust the system store and nothing else, for
 * every stream. A stream may add its own trust: a CA file, or the one
 * certificate the user accepted by its SHA-256 fingerprint. A stream with
 * its own trust gets its own SoupSession, so a connection it accepted is
 * never reused by another stream. Every refusal is explained in one line
 * naming the host, each problem and the fingerprint; every acceptance
 * beyond the system store is said in the "open" record. Worker only.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "ls-stream-private.h"

/* "AB:CD:…", SHA-256 of the DER encoding, as openssl prints it. */
static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out = g_string_sized_new (96);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_string_free (out, FALSE);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (out, FALSE);
}

/* The names a certificate was issued for: its subjectAltNames, else its subject. */
static char *
certificate_names (GTlsCertificate *certificate)
{
  g_autoptr(GPtrArray) dns = g_tls_certificate_get_dns_names (certificate);
  g_autoptr(GPtrArray) ips = g_tls_certificate_get_ip_addresses (certificate);
  GString *out = g_string_new (NULL);

  for (guint i = 0; dns != NULL && i < dns->len; i++)
    {
      GBytes *name = g_ptr_array_index (dns, i);

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_len (out, g_bytes_get_data (name, NULL), g_bytes_get_size (name));
    }
  for (guint i = 0; ips != NULL && i < ips->len; i++)
    {
      g_autofree char *ip = g_inet_address_to_string (g_ptr_array_index (ips, i));

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, ip);
    }
  if (out->len == 0)
    {
      g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);

      g_string_append (out, subject != NULL ? subject : _("an unnamed subject"));
    }
  return g_string_free (out, FALSE);
}

static gboolean
certificate_is_self_signed (GTlsCertificate *certificate)
{
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);

  return subject != NULL && issuer != NULL && g_str_equal (subject, issuer);
}

/* "TLS certificate for HOST is not trusted (unknown issuer); SHA-256 fingerprint …" */
static char *
describe_certificate_problem (GTlsCertificate      *certificate,
                              GTlsCertificateFlags  errors,
                              const char           *host,
                              const char           *fingerprint)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  g_autofree char *problems = NULL;

  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    {
      g_autofree char *names = certificate_names (certificate);

      /* TRANSLATORS: the certificate "was issued for NAMES, not HOST". */
      g_ptr_array_add (parts, g_strdup_printf (_("was issued for %s, not %s"), names, host));
    }
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (parts, g_strdup (certificate_is_self_signed (certificate)
                                        ? _("is not trusted (self-signed)")
                                        : _("is not trusted (unknown issuer)")));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    {
      g_autoptr(GDateTime) after = g_tls_certificate_get_not_valid_after (certificate);
      g_autofree char *date = after != NULL ? g_date_time_format (after, "%Y-%m-%d") : NULL;

      g_ptr_array_add (parts, date != NULL ? g_strdup_printf (_("expired on %s"), date)
                                           : g_strdup (_("has expired")));
    }
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    {
      g_autoptr(GDateTime) before = g_tls_certificate_get_not_valid_before (certificate);
      g_autofree char *date = before != NULL ? g_date_time_format (before, "%Y-%m-%d") : NULL;

      g_ptr_array_add (parts, date != NULL ? g_strdup_printf (_("is not valid before %s"), date)
                                           : g_strdup (_("is not valid yet")));
    }
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (parts, g_strdup (_("has been revoked")));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (parts, g_strdup (_("uses an insecure algorithm")));
  if (parts->len == 0)
    g_ptr_array_add (parts, g_strdup (_("could not be verified")));

  for (guint i = 0; i < parts->len; i++)
    {
      if (i > 0 && i + 1 == parts->len)
        {
          g_autofree char *head = g_string_free (g_steal_pointer (&out), FALSE);

          out = g_string_new (NULL);
          /* TRANSLATORS: the last two of a list of certificate problems. */
          g_string_printf (out, _("%s and %s"), head, (const char *) g_ptr_array_index (parts, i));
          continue;
        }
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, g_ptr_array_index (parts, i));
    }
  problems = g_string_free (out, FALSE);
  /* TRANSLATORS: "TLS certificate for HOST PROBLEMS; SHA-256 fingerprint
   * AB:CD:…", PROBLEMS being one or more of "is not trusted (self-signed)",
   * "expired on 2020-02-01"… joined by ", " and "%s and %s". */
  return g_strdup_printf (_("TLS certificate for %s %s; SHA-256 fingerprint %s"), host, problems, fingerprint);
}

/* Emitted on the worker when the system trust store refused the peer's
 * certificate. The stream's own trust (its CA file, its one pinned
 * certificate) may still accept it; nothing else does. */
static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  LsStreamRun *run = data;
  GUri *uri = soup_message_get_uri (msg);
  const char *host = g_uri_get_host (uri);
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autofree char *fingerprint = certificate_fingerprint (certificate);
  GTlsCertificateFlags own;

  g_assert (ls_worker_is_worker_thread (run->worker));

  identity = g_network_address_new (host, (guint16) MAX (g_uri_get_port (uri), 0));

  if (run->options->ca_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (run->ca_database == NULL)
        run->ca_database = g_tls_file_database_new (run->options->ca_file, &error);
      if (run->ca_database != NULL)
        {
          GTlsCertificateFlags ca_errors =
            g_tls_database_verify_chain (run->ca_database, certificate,
                                         G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                         NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);

          if (ca_errors == 0 && error == NULL)
            {
              g_free (run->tls_note);
              run->tls_note = g_strdup_printf (_("certificate verified by the stream's CA file '%s'"),
                                               run->options->ca_file);
              return TRUE;
            }
          /* The CA file's verdict is the precise one (a name mismatch
           * under a CA the system does not know). */
          if (error == NULL)
            errors = ca_errors;
        }
    }

  if (run->pin != NULL && g_str_equal (run->pin, fingerprint))
    {
      g_free (run->tls_note);
      run->tls_note = g_strdup_printf (_("Accepted certificate SHA-256 %s by explicit choice"), fingerprint);
      return TRUE;
    }

  /* The backend need not report every problem once it has found one:
   * ask for the rest, so the message names them all. */
  own = g_tls_certificate_verify (certificate, identity, NULL);
  errors |= own & (G_TLS_CERTIFICATE_BAD_IDENTITY | G_TLS_CERTIFICATE_EXPIRED |
                   G_TLS_CERTIFICATE_NOT_ACTIVATED | G_TLS_CERTIFICATE_INSECURE);
  g_free (run->tls_problem);
  run->tls_problem = describe_certificate_problem (certificate, errors, host, fingerprint);
  g_free (run->tls_fingerprint);
  run->tls_fingerprint = g_steal_pointer (&fingerprint);
  return FALSE;
}

/* TRUE (and the run finished) for a TLS failure: a permanent one, no
 * reconnect (the same certificate would be refused again). */
gboolean
ls_stream_tls_check_failure (LsStreamRun  *run,
                             const GError *error)
{
  g_autofree char *message = NULL;
  g_autofree char *detail = NULL;
  const char *host;

  if (error == NULL || error->domain != G_TLS_ERROR || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
    return FALSE;

  if (run->tls_problem != NULL)
    {
      pthread_mutex_lock (&run->lock);
      if (run->shared_tls_fingerprint == NULL)
        run->shared_tls_fingerprint = g_strdup (run->tls_fingerprint);
      pthread_mutex_unlock (&run->lock);
      ls_stream_run_finish (run, LS_STREAM_END_CERTIFICATE, run->tls_problem);
      return TRUE;
    }

  host = g_uri_get_host (soup_message_get_uri (run->msg));
  detail = g_strdup (error->message);
  if (g_str_has_suffix (detail, "."))
    detail[strlen (detail) - 1] = '\0';
  /* What GnuTLS says to an HTTP answer ("An unexpected TLS packet was
   * received") does not say what happened: an http:// server behind an
   * https:// URL is the usual cause. */
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_MISC))
    message = g_strdup_printf (_("TLS handshake with %s failed: %s (is the server speaking HTTPS on this port?)"),
                               host, detail);
  else
    message = g_strdup_printf (_("TLS handshake with %s failed: %s"), host, detail);
  ls_stream_run_finish (run, LS_STREAM_END_TLS, message);
  return TRUE;
}

/* At the start: the pin, and an own session when the stream has its own trust. */
void
ls_stream_tls_setup (LsStreamRun *run)
{
  if (run->options->accept_certificate_sha256 != NULL)
    run->pin = ls_stream_normalize_fingerprint (run->options->accept_certificate_sha256, NULL);
  if (run->pin != NULL || run->options->ca_file != NULL)
    run->session = ls_worker_new_stream_session ();
}

/* Each connection's message: only this message, only this stream (the
 * session's trust is shared). */
void
ls_stream_tls_watch (LsStreamRun *run,
                     SoupMessage *msg)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), run);
}

/* Before each connection: the previous one's verdicts are forgotten. */
void
ls_stream_tls_reset (LsStreamRun *run)
{
  g_clear_pointer (&run->tls_problem, g_free);
  g_clear_pointer (&run->tls_fingerprint, g_free);
  g_clear_pointer (&run->tls_note, g_free);
}

/* At release, on the worker: the own session's connections go with it. */
void
ls_stream_tls_clear (LsStreamRun *run)
{
  if (run->session != NULL)
    soup_session_abort (run->session);
  g_clear_object (&run->session);
}
