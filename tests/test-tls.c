/* test-tls.c: HTTPS streams, certificates made at test time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * openssl (the command) makes a test CA, a leaf for 127.0.0.1 signed by
 * it, a leaf for the wrong name, an expired leaf and a self-signed
 * certificate in a temporary directory; nothing is committed. Each has
 * its own HTTPS SoupServer on 127.0.0.1, all on one server thread. The
 * expected fingerprints come from `openssl x509 -fingerprint`, not from
 * our own code.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ls-stream.h"
#include "ls-test-tls.h"
#include "ls-test-utils.h"

typedef enum
{
  CERT_LEAF,      /* signed by the test CA, for IP:127.0.0.1 and DNS:localhost */
  CERT_WRONG,     /* signed by the test CA, for wrong.example */
  CERT_EXPIRED,   /* signed by the test CA, for 127.0.0.1, expired in 2020 */
  CERT_SELF,      /* self-signed, for 127.0.0.1 */
  N_CERTS
} CertId;

static const char * const cert_names[N_CERTS] = { "leaf", "wrong", "expired", "self" };

typedef struct
{
  LsTestLoopThread *thread;
  SoupServer      *servers[N_CERTS];
  GSocketService  *plain;               /* an HTTP server: answers 400 to anything */
  char            *https_base[N_CERTS];
  char            *plain_as_https;      /* https:// URL of the plain HTTP server */
  pthread_mutex_t  lock;
  guint            requests;            /* under lock */
} Servers;

static char *tmp_dir;
static char *ca_file;
static char *fingerprints[N_CERTS];     /* "AB:CD:…", from openssl */
static Servers *servers;

/* ---- certificates ----------------------------------------------------- */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
run_openssl (const char * const *argv)
{
  /* Only whether it ran matters (ls_test_openssl asserts it); not what it printed. */
  g_free (ls_test_openssl (tmp_dir, argv));
}

static void
write_file (const char *name,
            const char *contents)
{
  g_autofree char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static void
make_certificates (void)
{
#define EC "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"
  const char *ca[] = { "openssl", "req", "-x509", EC, "-keyout", "ca.key", "-out", "ca.pem",
                       "-subj", "/CN=Loopscope Test CA", "-days", "2",
                       "-addext", "basicConstraints=critical,CA:TRUE",
                       "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };
  const char *leaf_csr[] = { "openssl", "req", EC, "-keyout", "leaf.key", "-out", "leaf.csr",
                             "-subj", "/CN=127.0.0.1", NULL };
  const char *leaf[] = { "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem",
                         "-CAkey", "ca.key", "-set_serial", "2", "-days", "2",
                         "-extfile", "leaf.ext", "-out", "leaf.pem", NULL };
  const char *wrong_csr[] = { "openssl", "req", EC, "-keyout", "wrong.key", "-out", "wrong.csr",
                              "-subj", "/CN=wrong.example", NULL };
  const char *wrong[] = { "openssl", "x509", "-req", "-in", "wrong.csr", "-CA", "ca.pem",
                          "-CAkey", "ca.key", "-set_serial", "3", "-days", "2",
                          "-extfile", "wrong.ext", "-out", "wrong.pem", NULL };
  /* `openssl x509` cannot backdate before OpenSSL 3.4; `openssl ca` can. */
  const char *expired[] = { "openssl", "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem",
                            "-keyfile", "ca.key", "-in", "leaf.csr", "-out", "expired.pem",
                            "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                            "-extfile", "leaf.ext", "-notext", NULL };
  const char *self[] = { "openssl", "req", "-x509", EC, "-keyout", "self.key", "-out", "self.pem",
                         "-subj", "/CN=127.0.0.1", "-days", "2",
                         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", NULL };
#undef EC

  write_file ("leaf.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                          "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  write_file ("wrong.ext", "subjectAltName=DNS:wrong.example\n"
                           "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  write_file ("ca.cnf", "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = index.txt\n"
                        "new_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = any\n"
                        "unique_subject = no\n[any]\ncommonName = supplied\n");
  write_file ("index.txt", "");
  write_file ("serial", "04\n");
  run_openssl (ca);
  run_openssl (leaf_csr);
  run_openssl (leaf);
  run_openssl (wrong_csr);
  run_openssl (wrong);
  run_openssl (expired);
  run_openssl (self);

  ca_file = tmp_path ("ca.pem");
  for (guint i = 0; i < N_CERTS; i++)
    {
      g_autofree char *name = g_strconcat (cert_names[i], ".pem", NULL);

      fingerprints[i] = ls_test_openssl_fingerprint (tmp_dir, name);
      g_assert_cmpuint (strlen (fingerprints[i]), ==, 95);
    }
  /* The expired leaf has the leaf's key but is another certificate. */
  g_assert_cmpstr (fingerprints[CERT_LEAF], !=, fingerprints[CERT_EXPIRED]);
}

/* ---- servers ---------------------------------------------------------- */

static void
sse_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  static const char body[] = "id: 1\ndata: hello\n\nid: 2\ndata: world\n\n";
  Servers *s = user_data;

  pthread_mutex_lock (&s->lock);
  s->requests++;
  pthread_mutex_unlock (&s->lock);
  ls_test_soup_respond (msg, SOUP_STATUS_OK, "text/event-stream", body, strlen (body));
}

static char *
listen_on (SoupServer             *server,
           SoupServerListenOptions options,
           const char             *scheme)
{
  soup_server_add_handler (server, NULL, sse_handler, servers, NULL);
  return g_strdup_printf ("%s://127.0.0.1:%u", scheme, ls_test_soup_listen (server, options));
}

/* What an HTTP server says to a TLS ClientHello (nginx does this), then
 * closes. Synchronous: a few bytes into an empty socket buffer. */
static gboolean
on_plain_incoming (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source,
                   gpointer           data)
{
  static const char answer[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
    "Connection: close\r\n\r\nbad request\n";
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
servers_setup (gpointer data)
{
  Servers *s = data;

  for (guint i = 0; i < N_CERTS; i++)
    {
      g_autofree char *name = g_strconcat (cert_names[i], ".pem", NULL);
      g_autofree char *key_name = g_strconcat (i == CERT_EXPIRED ? "leaf" : cert_names[i], ".key", NULL);
      g_autofree char *pem = tmp_path (name);
      g_autofree char *key = tmp_path (key_name);
      g_autoptr(GTlsCertificate) certificate = NULL;
      g_autoptr(GError) error = NULL;

      certificate = g_tls_certificate_new_from_files (pem, key, &error);
      g_assert_no_error (error);
      s->servers[i] = soup_server_new ("tls-certificate", certificate, NULL);
      s->https_base[i] = listen_on (s->servers[i], SOUP_SERVER_LISTEN_HTTPS, "https");
    }
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) effective = NULL;
    g_autoptr(GError) error = NULL;

    s->plain = g_socket_service_new ();
    g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (s->plain), address,
                                                  G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                  NULL, &effective, &error));
    g_assert_no_error (error);
    g_signal_connect (s->plain, "incoming", G_CALLBACK (on_plain_incoming), NULL);
    g_socket_service_start (s->plain);
    s->plain_as_https = g_strdup_printf ("https://127.0.0.1:%u",
                                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  }

}

static void
servers_teardown (gpointer data)
{
  Servers *s = data;

  for (guint i = 0; i < N_CERTS; i++)
    {
      soup_server_disconnect (s->servers[i]);
      g_clear_object (&s->servers[i]);
    }
  g_socket_service_stop (s->plain);
  g_socket_listener_close (G_SOCKET_LISTENER (s->plain));
  g_clear_object (&s->plain);
}

static void
servers_start (void)
{
  servers = g_new0 (Servers, 1);
  pthread_mutex_init (&servers->lock, NULL);
  servers->thread = ls_test_loop_thread_start ("tls-servers", servers_setup, servers_teardown, servers);
}

static void
servers_stop (void)
{
  ls_test_loop_thread_stop (servers->thread);
  pthread_mutex_destroy (&servers->lock);
  for (guint i = 0; i < N_CERTS; i++)
    g_free (servers->https_base[i]);
  g_free (servers->plain_as_https);
  g_clear_pointer (&servers, g_free);
}

static char *
url_for (CertId cert)
{
  return g_strconcat (servers->https_base[cert], "/sse", NULL);
}

/* ---- fixture ---------------------------------------------------------- */

typedef LsTestStreams Fixture;

/* A smaller recorder than the default: these streams are short. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ls_test_streams_init (f, 1 << 14);
}

/* Runs one stream to its end (no reconnect: an SSE body that ends would
 * otherwise reconnect; TLS failures must end it by themselves). */
static LsStream *
run_stream (Fixture         *f,
            LsStreamOptions *options)
{
  LsStream *stream = ls_test_streams_start (f, options);

  ls_test_wait_final (stream);
  g_test_message ("stream %u: %s: %s", ls_stream_get_id (stream),
                  ls_stream_state_to_string (ls_stream_get_state (stream)),
                  ls_stream_get_message (stream));
  return stream;
}

typedef struct
{
  guint32  stream_id;
  guint    events;
  GString *open_notes;
} Seen;

static gboolean
seen_cb (const LsEventView *view,
         gpointer           data)
{
  Seen *seen = data;

  if (view->kind == LS_EVENT_KIND_EVENT)
    seen->events++;
  if (view->kind == LS_EVENT_KIND_OPEN)
    g_string_append_printf (seen->open_notes, "%.*s\n", (int) view->data_len, view->data);
  return TRUE;
}

static guint
count_events (Fixture  *f,
              LsStream *stream,
              char    **open_notes)
{
  Seen seen = { ls_stream_get_id (stream), 0, g_string_new (NULL) };

  ls_test_foreach_of_stream (f->store, seen.stream_id, seen_cb, &seen);
  if (open_notes != NULL)
    *open_notes = g_string_free (seen.open_notes, FALSE);
  else
    g_string_free (seen.open_notes, TRUE);
  return seen.events;
}

static LsStreamOptions *
options_for (CertId cert)
{
  g_autofree char *url = url_for (cert);
  LsStreamOptions *options = ls_stream_options_new (url);

  /* A failure must end the stream by itself: reconnection stays on with
   * the floor delay, and a TLS refusal must not use it. */
  options->reconnect = TRUE;
  options->reconnect_ms = LS_STREAM_MIN_RECONNECT_MS;
  options->max_events = 2;
  return options;
}

static void
assert_failed_once (LsStream   *stream,
                    const char *fingerprint)
{
  LsStreamStats stats;

  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_FAILED);
  ls_stream_get_stats (stream, &stats);
  /* A permanent failure: one attempt, no reconnect loop. */
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.reconnects, ==, 0);
  g_assert_null (strchr (ls_stream_get_message (stream), '\n'));
  if (fingerprint != NULL)
    {
      g_autofree char *expected = g_strdup_printf ("; SHA-256 fingerprint %s", fingerprint);

      g_assert_true (g_str_has_suffix (ls_stream_get_message (stream), expected));
      g_assert_cmpstr (ls_stream_get_rejected_certificate (stream), ==, fingerprint);
      g_assert_error ((GError *) ls_stream_get_end_error (stream), LS_STREAM_END_ERROR,
                      LS_STREAM_END_CERTIFICATE);
    }
}

/* ---- cases ------------------------------------------------------------ */

static void
test_trusted_by_ca_file (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_LEAF);
  g_autoptr(LsStream) stream = NULL;
  g_autofree char *notes = NULL;

  options->ca_file = g_strdup (ca_file);
  stream = run_stream (f, options);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpuint (count_events (f, stream, &notes), ==, 2);
  g_assert_null (ls_stream_get_rejected_certificate (stream));
  /* Not silent: the open record says why the certificate was trusted. */
  g_assert_nonnull (strstr (notes, "certificate verified by the stream's CA file"));
}

static void
test_untrusted (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_LEAF);
  g_autoptr(LsStream) stream = run_stream (f, options);
  g_autofree char *expected = g_strdup_printf ("TLS certificate for 127.0.0.1 is not trusted (unknown issuer); "
                                               "SHA-256 fingerprint %s", fingerprints[CERT_LEAF]);

  assert_failed_once (stream, fingerprints[CERT_LEAF]);
  g_assert_cmpstr (ls_stream_get_message (stream), ==, expected);
  g_assert_cmpuint (count_events (f, stream, NULL), ==, 0);
}

static void
test_self_signed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_SELF);
  g_autoptr(LsStream) stream = NULL;

  /* A CA file does not make an unrelated certificate trusted. */
  options->ca_file = g_strdup (ca_file);
  stream = run_stream (f, options);
  assert_failed_once (stream, fingerprints[CERT_SELF]);
  g_assert_nonnull (strstr (ls_stream_get_message (stream),
                            "TLS certificate for 127.0.0.1 is not trusted (self-signed)"));
}

static void
test_mismatched (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_WRONG);
  g_autoptr(LsStreamOptions) without_ca = options_for (CERT_WRONG);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(LsStream) stream2 = NULL;
  g_autofree char *expected = g_strdup_printf ("TLS certificate for 127.0.0.1 was issued for wrong.example, "
                                               "not 127.0.0.1; SHA-256 fingerprint %s",
                                               fingerprints[CERT_WRONG]);

  /* Trusted issuer, wrong name: exactly the name problem. */
  options->ca_file = g_strdup (ca_file);
  stream = run_stream (f, options);
  assert_failed_once (stream, fingerprints[CERT_WRONG]);
  g_assert_cmpstr (ls_stream_get_message (stream), ==, expected);

  /* Unknown issuer and wrong name: both named. */
  stream2 = run_stream (f, without_ca);
  assert_failed_once (stream2, fingerprints[CERT_WRONG]);
  g_assert_nonnull (strstr (ls_stream_get_message (stream2), "was issued for wrong.example, not 127.0.0.1"));
  g_assert_nonnull (strstr (ls_stream_get_message (stream2), "not trusted (unknown issuer)"));
}

static void
test_expired (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_EXPIRED);
  g_autoptr(LsStream) stream = NULL;

  options->ca_file = g_strdup (ca_file);
  stream = run_stream (f, options);
  assert_failed_once (stream, fingerprints[CERT_EXPIRED]);
  g_assert_nonnull (strstr (ls_stream_get_message (stream), "TLS certificate for 127.0.0.1 expired on 2020-02-01"));
}

static void
test_pin_accepts_that_certificate (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_SELF);
  g_autoptr(LsStreamOptions) unpinned = options_for (CERT_SELF);
  g_autoptr(LsStream) stream = NULL;
  g_autoptr(LsStream) stream2 = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *expected = NULL;
  GString *pasted = g_string_new (NULL);

  /* As a user may paste it: lower case, no colons. */
  for (const char *p = fingerprints[CERT_SELF]; *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (pasted, g_ascii_tolower (*p));
  options->accept_certificate_sha256 = g_string_free (pasted, FALSE);
  stream = run_stream (f, options);
  g_assert_cmpint (ls_stream_get_state (stream), ==, LS_STREAM_ENDED);
  g_assert_cmpuint (count_events (f, stream, &notes), ==, 2);
  expected = g_strdup_printf ("Accepted certificate SHA-256 %s by explicit choice", fingerprints[CERT_SELF]);
  g_assert_nonnull (strstr (notes, expected));

  /* Per stream, never global: the next stream without the pin, to the
   * same server, is refused (no pooled connection carries the choice over). */
  stream2 = run_stream (f, unpinned);
  assert_failed_once (stream2, fingerprints[CERT_SELF]);
}

static void
test_wrong_pin_refuses (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(LsStreamOptions) options = options_for (CERT_SELF);
  g_autoptr(LsStream) stream = NULL;

  /* The pin of another certificate accepts nothing here. */
  options->accept_certificate_sha256 = g_strdup (fingerprints[CERT_LEAF]);
  stream = run_stream (f, options);
  assert_failed_once (stream, fingerprints[CERT_SELF]);
  g_assert_nonnull (strstr (ls_stream_get_message (stream), "is not trusted (self-signed)"));
  g_assert_cmpuint (count_events (f, stream, NULL), ==, 0);
}

static void
test_plain_http_server (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = g_strconcat (servers->plain_as_https, "/sse", NULL);
  g_autoptr(LsStreamOptions) options = ls_stream_options_new (url);
  g_autoptr(LsStream) stream = NULL;

  options->reconnect_ms = LS_STREAM_MIN_RECONNECT_MS;
  stream = run_stream (f, options);
  assert_failed_once (stream, NULL);
  g_assert_error ((GError *) ls_stream_get_end_error (stream), LS_STREAM_END_ERROR, LS_STREAM_END_TLS);
  g_assert_true (g_str_has_suffix (ls_stream_get_message (stream),
                                   " (is the server speaking HTTPS on this port?)"));
  g_assert_null (ls_stream_get_rejected_certificate (stream));
}

static void
test_fingerprint_syntax (void)
{
  static const struct {
    const char *input;
    gboolean    valid;
  } cases[] = {
    { "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", TRUE },
    { "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", TRUE },
    { "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678", FALSE },   /* 63 */
    { "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890", FALSE }, /* 65 */
    { "zz", FALSE },
    { "", FALSE },
    { "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = ls_stream_normalize_fingerprint (cases[i].input, &error);

      if (cases[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (normalized, ==,
                           "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
        }
      else
        {
          g_assert_null (normalized);
          g_assert_error (error, LS_STREAM_ERROR, LS_STREAM_ERROR_INVALID_OPTION);
          g_assert_nonnull (strstr (error->message, "64 hex digits"));
        }
    }
}

/* ---- headless --------------------------------------------------------- */

static guint
count_substrings (const char *text,
                  const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_headless (void)
{
  g_autofree char *leaf_url = url_for (CERT_LEAF);
  g_autofree char *self_url = url_for (CERT_SELF);
  g_autofree char *expected = NULL;
  LsHeadlessRun run = { 0 };

  /* --ca-file: trusted for this run. */
  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT, leaf_url, "--no-reconnect", "--ca-file", ca_file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_substrings (run.out, "\"kind\":\"event\""), ==, 2);
  g_assert_nonnull (strstr (run.out, "certificate verified by the stream's CA file"));
  ls_headless_run_clear (&run);

  /* No trust given: exit 1, one line naming the problem. */
  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT, self_url, "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 1);
  expected = g_strdup_printf ("loopscope: TLS certificate for 127.0.0.1 is not trusted (self-signed); "
                              "SHA-256 fingerprint %s\n", fingerprints[CERT_SELF]);
  g_assert_cmpstr (run.err, ==, expected);
  g_assert_cmpuint (count_substrings (run.out, "\"kind\":\"event\""), ==, 0);
  ls_headless_run_clear (&run);

  /* --accept-certificate with that fingerprint: accepted, and said so. */
  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT,
                        self_url, "--no-reconnect", "--accept-certificate", fingerprints[CERT_SELF], NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_substrings (run.out, "\"kind\":\"event\""), ==, 2);
  g_assert_nonnull (strstr (run.out, "by explicit choice"));
  ls_headless_run_clear (&run);

  /* Another certificate's fingerprint: refused. */
  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT,
                        self_url, "--no-reconnect", "--accept-certificate", fingerprints[CERT_LEAF], NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not trusted (self-signed)"));
  ls_headless_run_clear (&run);

  /* Bad input: exit 2 with one line, nothing started. */
  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT, self_url, "--accept-certificate", "AB:CD:zz", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--accept-certificate: Invalid certificate fingerprint 'AB:CD:zz'"));
  g_assert_cmpuint (count_substrings (run.err, "\n"), ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  ls_headless_run_clear (&run);

  ls_test_run_headless (&run, LS_HEADLESS_RUN_DEFAULT, self_url, "--ca-file", "/nonexistent/ca.pem", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "Invalid CA file '/nonexistent/ca.pem'"));
  g_assert_cmpuint (count_substrings (run.err, "\n"), ==, 1);
  ls_headless_run_clear (&run);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The headless runner (a child) talks TLS too: same LeakSanitizer workaround. */
  {
    const char *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree char *options = g_strconcat (asan != NULL ? asan : "", asan != NULL ? ":" : "",
                                            "intercept_tls_get_addr=0", NULL);

    g_setenv ("ASAN_OPTIONS", options, TRUE);
  }

  g_test_add_func ("/tls/fingerprint-syntax", test_fingerprint_syntax);

  tmp_dir = ls_test_tls_begin ("/tls/https", "loopscope-tls-XXXXXX");
  if (tmp_dir == NULL)
    return g_test_run ();
  make_certificates ();
  servers_start ();

#define ADD(path, func) \
  g_test_add ("/tls/" path, Fixture, NULL, fixture_setup, func, ls_test_streams_teardown)
  ADD ("trusted-by-ca-file", test_trusted_by_ca_file);
  ADD ("untrusted", test_untrusted);
  ADD ("self-signed", test_self_signed);
  ADD ("mismatched", test_mismatched);
  ADD ("expired", test_expired);
  ADD ("pin-accepts-that-certificate", test_pin_accepts_that_certificate);
  ADD ("wrong-pin-refuses", test_wrong_pin_refuses);
  ADD ("plain-http-server", test_plain_http_server);
#undef ADD
  g_test_add_func ("/tls/headless", test_headless);

  status = g_test_run ();

  servers_stop ();
  ls_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (ca_file);
  for (guint i = 0; i < N_CERTS; i++)
    g_free (fingerprints[i]);
  return status;
}
