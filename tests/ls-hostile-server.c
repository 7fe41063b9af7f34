/* ls-hostile-server.c: a loopback HTTP server that misbehaves on purpose
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Paths (the query string is ignored):
 *   /endless       SSE: two events, then "data: " and 'x' forever (1 GiB at most)
 *   /utf8          SSE with invalid UTF-8 and NUL bytes in data, ids and field names
 *   /gzip-events   Content-Encoding: gzip, 64 MiB of small events from ~100 KB
 *   /gzip-line     Content-Encoding: gzip, one event then 64 MiB without a newline
 *   /hang          reads the request, never answers
 *   /trickle       SSE: one event, then "data: " and one byte every 250 ms
 *   /heartbeat     SSE: a comment line every 150 ms (8 of them), then one event
 *   /reset         chunked SSE: two events, half a chunk, then a TCP reset
 *   /badhex        chunked: one good chunk, then the size "zz", then close
 *   /badsize       chunked: one good chunk, then 200 bytes of a size line, then close
 *   /nocrlf        chunked: one good chunk without its closing CRLF, then close
 *   /manyheaders   200 with 1 MB of header lines
 *   /bigheader     200 with one 200 KB header
 *   /loop-a, /loop-b, /self   redirect loops
 *   /retry0        `retry: 0`, one event, close at once
 *   /html          200 text/html
 *   /close-early   reads the request, closes before any header
 *   /short         Content-Length 1000, 18 bytes of events, close
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "ls-hostile-server.h"

#define ENDLESS_MAX   ((guint64) 1 << 30)
#define GZIP_INFLATED ((gsize) 64 * 1024 * 1024)

struct _LsHostileServer
{
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GSocketService  *service;
  GCancellable    *shutdown;
  char            *base;

  pthread_mutex_t  lock;
  pthread_cond_t   cond;
  gboolean         ready;
  GHashTable      *counts;          /* under lock: path → count */
  guint            active;          /* under lock: handlers running */
  guint64          endless_bytes;   /* under lock */
  GBytes          *gzip_events;     /* under lock, built on first use */
  GBytes          *gzip_line;
};

static const char sse_head[] =
  "HTTP/1.1 200 OK\r\n"
  "Content-Type: text/event-stream\r\n"
  "Cache-Control: no-cache\r\n"
  "Connection: close\r\n"
  "\r\n";

static const char chunked_head[] =
  "HTTP/1.1 200 OK\r\n"
  "Content-Type: text/event-stream\r\n"
  "Transfer-Encoding: chunked\r\n"
  "Connection: close\r\n"
  "\r\n";

/* ---- blocking helpers, on the connection's pool thread ---------------- */

static gboolean
send_bytes (LsHostileServer   *self,
            GSocketConnection *connection,
            const void        *data,
            gsize              len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  return g_output_stream_write_all (out, data, len, NULL, self->shutdown, NULL);
}

static gboolean
send_str (LsHostileServer   *self,
          GSocketConnection *connection,
          const char        *str)
{
  return send_bytes (self, connection, str, strlen (str));
}

/* Sleeps @ms unless the server stops first (then FALSE). */
static gboolean
nap (LsHostileServer *self,
     guint            ms)
{
  GPollFD pollfd;
  gboolean stopped;

  if (!g_cancellable_make_pollfd (self->shutdown, &pollfd))
    g_error ("no pollfd for the shutdown cancellable");
  g_poll (&pollfd, 1, (gint) ms);
  stopped = g_cancellable_is_cancelled (self->shutdown);
  g_cancellable_release_fd (self->shutdown);
  return !stopped;
}

/* Blocks until the client closes (or the server stops). */
static void
wait_client_gone (LsHostileServer   *self,
                  GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  char buf[1024];

  while (g_input_stream_read (in, buf, sizeof buf, self->shutdown, NULL) > 0)
    ;
}

/* Reads the request head; returns the path (without the query) or NULL. */
static char *
read_request_path (LsHostileServer   *self,
                   GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GString) head = g_string_new (NULL);
  const char *start, *end;
  char buf[4096];

  while (strstr (head->str, "\r\n\r\n") == NULL)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, self->shutdown, NULL);

      if (n <= 0 || head->len > 65536)
        return NULL;
      g_string_append_len (head, buf, n);
    }
  start = strchr (head->str, ' ');
  if (start == NULL)
    return NULL;
  start++;
  end = start + strcspn (start, " ?\r\n");
  return g_strndup (start, end - start);
}

/* Compresses @len bytes into @out; @at_end for the last piece. */
static void
gzip_piece (GConverter *compressor,
            GByteArray *out,
            const char *in,
            gsize       len,
            gboolean    at_end)
{
  guint8 buf[64 * 1024];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (compressor, in, len, buf, sizeof buf,
                                    at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                    &read, &written, &error);
      g_assert_no_error (error);
      in += read;
      len -= read;
      g_byte_array_append (out, buf, written);
      if (result == G_CONVERTER_FINISHED || (!at_end && len == 0))
        break;
    }
}

/* Built a block at a time: the 64 MiB inside never exist in memory, so
 * the tests' RSS figures measure the client alone. */
static GBytes *
build_gzip_body (gboolean events)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  static const char first[] = "data: first\n\ndata: ";
  char block[64 * 1024];
  gsize done = 0;

  if (events)
    {
      /* "data: aaaa…\n\n", 1024 bytes each. */
      for (gsize i = 0; i < sizeof block; i += 1024)
        {
          memcpy (block + i, "data: ", 6);
          memset (block + i + 6, 'a', 1024 - 8);
          block[i + 1022] = '\n';
          block[i + 1023] = '\n';
        }
    }
  else
    {
      memset (block, 'a', sizeof block);
      gzip_piece (G_CONVERTER (compressor), out, first, sizeof first - 1, FALSE);
      done = sizeof first - 1;
    }
  while (done + sizeof block <= GZIP_INFLATED)
    {
      gzip_piece (G_CONVERTER (compressor), out, block, sizeof block, FALSE);
      done += sizeof block;
    }
  gzip_piece (G_CONVERTER (compressor), out, block, GZIP_INFLATED - done, TRUE);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
get_gzip_body (LsHostileServer *self,
               gboolean         events)
{
  GBytes **slot = events ? &self->gzip_events : &self->gzip_line;
  GBytes *body;

  pthread_mutex_lock (&self->lock);
  if (*slot == NULL)
    *slot = build_gzip_body (events);
  body = g_bytes_ref (*slot);
  pthread_mutex_unlock (&self->lock);
  return body;
}

static void
send_redirect (LsHostileServer   *self,
               GSocketConnection *connection,
               const char        *location)
{
  g_autofree char *response =
    g_strdup_printf ("HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n", location);

  send_str (self, connection, response);
}

/* ---- behaviours -------------------------------------------------------- */

static void
serve_endless (LsHostileServer   *self,
               GSocketConnection *connection)
{
  static char block[64 * 1024];
  guint64 sent = 0;

  memset (block, 'x', sizeof block);
  if (!send_str (self, connection, sse_head) ||
      !send_str (self, connection, "data: one\n\ndata: two\n\ndata: "))
    return;
  while (sent < ENDLESS_MAX && send_bytes (self, connection, block, sizeof block))
    {
      sent += sizeof block;
      pthread_mutex_lock (&self->lock);
      self->endless_bytes = sent;
      pthread_mutex_unlock (&self->lock);
    }
}

static void
serve_utf8 (LsHostileServer   *self,
            GSocketConnection *connection)
{
  /* 1: overlong, lone continuation, truncated sequence, surrogate;
   * 2: NUL kept in data; 3: an id with NUL is ignored (the previous id
   * stays); 4: a field name with a bad byte is unknown, ignored;
   * 5: an event type with a bad byte; 6: still streaming after all that. */
  static const char body[] =
    "id: 1\n"
    "data: a\xc0\xaf" "b\x80" "c\xe2\x82" "\n"
    "data: \xed\xa0\x80" "z\n\n"
    "data: nul\0inside\n\n"
    "id: bad\0id\n"
    "data: after-nul-id\n\n"
    "da\xfft" "a: ignored\n"
    "data: x\n\n"
    "event: t\xfe" "pe\n"
    "data: typed\n\n"
    "data: end\n\n";

  if (send_str (self, connection, sse_head))
    send_bytes (self, connection, body, sizeof body - 1);
}

static void
serve_gzip (LsHostileServer   *self,
            GSocketConnection *connection,
            gboolean           events)
{
  g_autoptr(GBytes) body = get_gzip_body (self, events);
  g_autofree char *head =
    g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Content-Encoding: gzip\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                     "Connection: close\r\n\r\n", g_bytes_get_size (body));

  if (send_str (self, connection, head))
    send_bytes (self, connection, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  wait_client_gone (self, connection);
}

static void
serve_trickle (LsHostileServer   *self,
               GSocketConnection *connection)
{
  if (!send_str (self, connection, sse_head) ||
      !send_str (self, connection, "data: first\n\ndata: "))
    return;
  while (nap (self, 250) && send_str (self, connection, "x"))
    ;
}

static void
serve_heartbeat (LsHostileServer   *self,
                 GSocketConnection *connection)
{
  if (!send_str (self, connection, sse_head))
    return;
  for (guint i = 0; i < 8; i++)
    if (!nap (self, 150) || !send_str (self, connection, ": heartbeat\n"))
      return;
  send_str (self, connection, "data: alive\n\n");
}

static void
serve_reset (LsHostileServer   *self,
             GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (!send_str (self, connection, chunked_head) ||
      !send_str (self, connection, "12\r\ndata: a\n\ndata: b\n\n\r\n") ||
      !send_str (self, connection, "100\r\ndata: cut-"))
    return;
  /* Let the client read what was sent before the reset discards it. */
  nap (self, 100);
  /* SO_LINGER 0: close() sends RST instead of FIN. */
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  g_socket_close (socket, NULL);
}

typedef enum
{
  BAD_CHUNK_HEX,
  BAD_CHUNK_SIZE_LINE,
  BAD_CHUNK_CRLF,
} BadChunk;

static void
serve_bad_chunk (LsHostileServer   *self,
                 GSocketConnection *connection,
                 BadChunk           mode)
{
  if (!send_str (self, connection, chunked_head))
    return;
  /* Then the server closes, as a broken server that thinks it is done. */
  if (mode == BAD_CHUNK_HEX)
    send_str (self, connection, "e\r\ndata: before\n\n\r\nzz\r\ndata: x\n\n\r\n");
  else if (mode == BAD_CHUNK_SIZE_LINE)
    {
      char garbage[200];

      memset (garbage, 'z', sizeof garbage);
      if (send_str (self, connection, "e\r\ndata: before\n\n\r\n"))
        send_bytes (self, connection, garbage, sizeof garbage);
    }
  else
    send_str (self, connection, "e\r\ndata: before\n\nXf\r\ndata: after\n\n\r\n0\r\n\r\n");
  /* Let the client read it all before the close. */
  nap (self, 100);
}

static void
serve_big_headers (LsHostileServer   *self,
                   GSocketConnection *connection,
                   gboolean           one)
{
  g_autoptr(GString) head = g_string_new ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n");

  if (one)
    {
      g_string_append (head, "X-Huge: ");
      for (guint i = 0; i < 200 * 1024; i++)
        g_string_append_c (head, 'h');
      g_string_append (head, "\r\n");
    }
  else
    {
      for (guint i = 0; head->len < 1024 * 1024; i++)
        g_string_append_printf (head, "X-Filler-%u: %0100u\r\n", i, i);
    }
  g_string_append (head, "Connection: close\r\n\r\ndata: behind-the-headers\n\n");
  send_bytes (self, connection, head->str, head->len);
  wait_client_gone (self, connection);
}

static void serve (LsHostileServer   *self,
                   GSocketConnection *connection);

/* The pool's jobs outlive the service (each holds a reference): stop
 * waits for this count to reach zero instead. */
static gboolean
on_run (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source_object,
        gpointer                user_data)
{
  LsHostileServer *self = user_data;

  pthread_mutex_lock (&self->lock);
  self->active++;
  pthread_mutex_unlock (&self->lock);

  serve (self, connection);
  /* Close here, not when the job drops the connection later. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  pthread_mutex_lock (&self->lock);
  self->active--;
  pthread_cond_broadcast (&self->cond);
  pthread_mutex_unlock (&self->lock);
  return TRUE;
}

static void
serve (LsHostileServer   *self,
       GSocketConnection *connection)
{
  g_autofree char *path = read_request_path (self, connection);
  guint *count;

  if (path == NULL)
    return;

  pthread_mutex_lock (&self->lock);
  count = g_hash_table_lookup (self->counts, path);
  if (count == NULL)
    {
      count = g_new0 (guint, 1);
      g_hash_table_insert (self->counts, g_strdup (path), count);
    }
  (*count)++;
  pthread_mutex_unlock (&self->lock);

  if (g_str_equal (path, "/endless"))
    serve_endless (self, connection);
  else if (g_str_equal (path, "/utf8"))
    serve_utf8 (self, connection);
  else if (g_str_equal (path, "/gzip-events"))
    serve_gzip (self, connection, TRUE);
  else if (g_str_equal (path, "/gzip-line"))
    serve_gzip (self, connection, FALSE);
  else if (g_str_equal (path, "/hang"))
    wait_client_gone (self, connection);
  else if (g_str_equal (path, "/trickle"))
    serve_trickle (self, connection);
  else if (g_str_equal (path, "/heartbeat"))
    serve_heartbeat (self, connection);
  else if (g_str_equal (path, "/reset"))
    serve_reset (self, connection);
  else if (g_str_equal (path, "/badhex"))
    serve_bad_chunk (self, connection, BAD_CHUNK_HEX);
  else if (g_str_equal (path, "/badsize"))
    serve_bad_chunk (self, connection, BAD_CHUNK_SIZE_LINE);
  else if (g_str_equal (path, "/nocrlf"))
    serve_bad_chunk (self, connection, BAD_CHUNK_CRLF);
  else if (g_str_equal (path, "/manyheaders"))
    serve_big_headers (self, connection, FALSE);
  else if (g_str_equal (path, "/bigheader"))
    serve_big_headers (self, connection, TRUE);
  else if (g_str_equal (path, "/loop-a"))
    send_redirect (self, connection, "/loop-b");
  else if (g_str_equal (path, "/loop-b"))
    send_redirect (self, connection, "/loop-a");
  else if (g_str_equal (path, "/self"))
    send_redirect (self, connection, "/self");
  else if (g_str_equal (path, "/retry0"))
    {
      if (send_str (self, connection, sse_head))
        send_str (self, connection, "retry: 0\ndata: x\n\n");
    }
  else if (g_str_equal (path, "/html"))
    send_str (self, connection,
              "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10\r\n"
              "Connection: close\r\n\r\n<p>hi</p>\n");
  else if (g_str_equal (path, "/close-early"))
    ; /* returning closes the connection */
  else if (g_str_equal (path, "/short"))
    send_str (self, connection,
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 1000\r\n"
              "Connection: close\r\n\r\ndata: a\n\ndata: b\n\n");
  else
    send_str (self, connection,
              "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

/* ---- the accepting thread ----------------------------------------------- */

static gpointer
server_thread (gpointer data)
{
  LsHostileServer *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (self->context);
  self->service = g_threaded_socket_service_new (64);
  g_signal_connect (self->service, "run", G_CALLBACK (on_run), self);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    g_error ("hostile server: %s", error->message);
  self->base = g_strdup_printf ("http://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_service_start (self->service);

  pthread_mutex_lock (&self->lock);
  self->ready = TRUE;
  pthread_cond_signal (&self->cond);
  pthread_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  /* The last reference waits for the pool's handlers, which the
   * cancelled shutdown has ended or is ending. */
  g_clear_object (&self->service);
  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

LsHostileServer *
ls_hostile_server_start (void)
{
  LsHostileServer *self = g_new0 (LsHostileServer, 1);

  pthread_mutex_init (&self->lock, NULL);
  pthread_cond_init (&self->cond, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->shutdown = g_cancellable_new ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("hostile-server", server_thread, self);
  pthread_mutex_lock (&self->lock);
  while (!self->ready)
    pthread_cond_wait (&self->cond, &self->lock);
  pthread_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
ls_hostile_server_stop (LsHostileServer *self)
{
  GSource *source = g_idle_source_new ();

  g_cancellable_cancel (self->shutdown);
  g_source_set_callback (source, quit_cb, self->loop, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
  g_thread_join (self->thread);
  /* Every wait of a handler is cancellable: they end soon. */
  pthread_mutex_lock (&self->lock);
  while (self->active > 0)
    pthread_cond_wait (&self->cond, &self->lock);
  pthread_mutex_unlock (&self->lock);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_object_unref (self->shutdown);
  g_hash_table_unref (self->counts);
  g_clear_pointer (&self->gzip_events, g_bytes_unref);
  g_clear_pointer (&self->gzip_line, g_bytes_unref);
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);
  g_free (self->base);
  g_free (self);
}

char *
ls_hostile_server_url (LsHostileServer *self,
                       const char      *path)
{
  return g_strconcat (self->base, path, NULL);
}

guint
ls_hostile_server_count (LsHostileServer *self,
                         const char      *prefix)
{
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  pthread_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, prefix))
      n += *(guint *) value;
  pthread_mutex_unlock (&self->lock);
  return n;
}

guint64
ls_hostile_server_endless_bytes (LsHostileServer *self)
{
  guint64 n;

  pthread_mutex_lock (&self->lock);
  n = self->endless_bytes;
  pthread_mutex_unlock (&self->lock);
  return n;
}

gsize
ls_hostile_server_gzip_size (LsHostileServer *self,
                             gboolean         events,
                             gsize           *inflated)
{
  GBytes *body;
  gsize size;

  if (inflated != NULL)
    *inflated = GZIP_INFLATED;
  pthread_mutex_lock (&self->lock);
  body = events ? self->gzip_events : self->gzip_line;
  size = body != NULL ? g_bytes_get_size (body) : 0;
  pthread_mutex_unlock (&self->lock);
  return size;
}
