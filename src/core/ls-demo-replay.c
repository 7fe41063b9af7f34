/* ls-demo-replay.c: the demo server's replay endpoint, a capture served again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ls_demo_server_add_replay() registers an LsReplay (ls-replay.c) under
 * /replay/N. Each request for it is answered with one connection of the
 * capture: the first request the first connection, the next the second…
 * (a request with a Last-Event-ID the capture knows: from right after that
 * event), with that connection's status, reason and headers (less the
 * hop-by-hop and framing ones: the reads are the decoded body), then its
 * reads, each as one chunk, each when its offset from the response, divided
 * by the speed, has passed: a GSource with a ready time on the server's
 * context, never a sleep. Once the capture's connections are used up: 204
 * No Content, EventSource's "stop". A response ends cleanly after its
 * connection's last read, however the original ended.
 *
 * The registry is guarded by the server's mutex (any thread adds, the
 * server thread serves, tests read the chunk log); the responses are the
 * server thread's only.
 */

#define G_LOG_DOMAIN "ls-demo-server"

#include "config.h"

#include <string.h>

#include "ls-demo-server-private.h"

/* Chunks waiting in libsoup's queue at most; more are appended as the
 * earlier ones are written (a slow reader slows a replay down). */
#define MAX_QUEUED 16

struct _LsDemoReplay
{
  LsReplay *replay;          /* immutable */
  double    speed;
  /* Guarded by the server's mutex. */
  guint     responses;       /* responses served (204s aside) */
  guint     next_connection; /* index of the connection the next request gets */
  GArray   *chunks;          /* of LsDemoReplayChunk */
};

struct _LsDemoReplayStream
{
  GList                     link;   /* in LsDemoServer.replay_streams */
  LsDemoServer             *self;   /* not a reference: the server thread joins first */
  LsDemoReplay             *entry;  /* lives as long as the server */
  LsReplay                 *replay;
  SoupServerMessage        *msg;
  const LsReplayConnection *connection;
  GSource                  *timer;
  guint                     next_read;
  gsize                     first_offset; /* bytes of next_read already sent (resumed) */
  gint64                    start_us;     /* monotonic time of the response */
  gint64                    base_offset_us; /* the capture's offset served at start_us */
  gint64                    base_log_us;    /* the same, divided by the speed: for the log */
  double                    speed;
  GQueue                    pending;      /* chunk log indexes (+1) not yet written */
  guint                     queued;
  gboolean                  in_handler;
  gboolean                  completing;
};

/* Headers that describe a hop or the framing, not the content: the reads
 * are the decoded body, sent chunked here. */
static const char * const dropped_headers[] = {
  "Connection", "Content-Encoding", "Content-Length", "Keep-Alive", "Proxy-Connection",
  "TE", "Trailer", "Transfer-Encoding", "Upgrade",
};

void
ls_demo_replay_free (LsDemoReplay *replay)
{
  ls_replay_unref (replay->replay);
  g_array_unref (replay->chunks);
  g_free (replay);
}

char *
ls_demo_server_add_replay (LsDemoServer *self,
                           LsReplay     *replay,
                           double        speed)
{
  LsDemoReplay *entry;
  guint n;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), NULL);
  g_return_val_if_fail (replay != NULL, NULL);
  g_return_val_if_fail (speed == LS_REPLAY_SPEED_MAX ||
                        (speed >= LS_REPLAY_MIN_SPEED && speed <= LS_REPLAY_MAX_SPEED), NULL);

  entry = g_new0 (LsDemoReplay, 1);
  entry->replay = ls_replay_ref (replay);
  entry->speed = speed;
  entry->chunks = g_array_new (FALSE, FALSE, sizeof (LsDemoReplayChunk));

  pthread_mutex_lock (&self->mutex);
  g_ptr_array_add (self->replays, entry);
  n = self->replays->len;
  pthread_mutex_unlock (&self->mutex);

  return g_strdup_printf ("/replay/%u", n);
}

/* The entry for /replay/N, or NULL. Its address never changes. */
static LsDemoReplay *
lookup (LsDemoServer *self,
        const char   *path)
{
  LsDemoReplay *entry = NULL;
  guint64 n;

  if (!g_str_has_prefix (path, "/replay/") ||
      !g_ascii_string_to_unsigned (path + strlen ("/replay/"), 10, 1, G_MAXUINT, &n, NULL))
    return NULL;

  pthread_mutex_lock (&self->mutex);
  if (n <= self->replays->len)
    entry = g_ptr_array_index (self->replays, n - 1);
  pthread_mutex_unlock (&self->mutex);

  return entry;
}

GArray *
ls_demo_server_get_replay_chunks (LsDemoServer *self,
                                  const char   *path)
{
  LsDemoReplay *entry;
  GArray *copy;

  g_return_val_if_fail (LS_IS_DEMO_SERVER (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  entry = lookup (self, path);
  if (entry == NULL)
    return NULL;

  copy = g_array_new (FALSE, FALSE, sizeof (LsDemoReplayChunk));
  pthread_mutex_lock (&self->mutex);
  g_array_append_vals (copy, entry->chunks->data, entry->chunks->len);
  pthread_mutex_unlock (&self->mutex);

  return copy;
}

/* ---- one response: server thread only ---- */

static void
clear_timer (LsDemoReplayStream *stream)
{
  if (stream->timer != NULL)
    {
      g_source_destroy (stream->timer);
      g_clear_pointer (&stream->timer, g_source_unref);
    }
}

static void
replay_stream_free (LsDemoReplayStream *stream)
{
  LsDemoServer *self = stream->self;

  g_assert (g_main_context_is_owner (self->context));

  clear_timer (stream);
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  g_queue_unlink (&self->replay_streams, &stream->link);
  g_queue_clear (&stream->pending);
  g_clear_object (&stream->msg);
  ls_replay_unref (stream->replay);
  g_free (stream);

  g_atomic_int_add (&self->n_connections, -1);
}

static void
replay_finished_cb (SoupServerMessage  *msg,
                    LsDemoReplayStream *stream)
{
  replay_stream_free (stream);
}

static void pump (LsDemoReplayStream *stream);

static void
replay_wrote_chunk_cb (SoupServerMessage  *msg,
                       LsDemoReplayStream *stream)
{
  gpointer index = g_queue_pop_head (&stream->pending);

  if (stream->queued > 0)
    stream->queued--;
  if (index != NULL)
    {
      LsDemoServer *self = stream->self;
      guint i = GPOINTER_TO_UINT (index) - 1;
      gint64 now = g_get_monotonic_time ();

      pthread_mutex_lock (&self->mutex);
      g_array_index (stream->entry->chunks, LsDemoReplayChunk, i).written_us =
        now - stream->start_us + stream->base_log_us;
      pthread_mutex_unlock (&self->mutex);
    }
  pump (stream);
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

static gboolean
timer_cb (gpointer data)
{
  pump (data);
  return G_SOURCE_CONTINUE;
}

/* When the read at @index is due, in monotonic µs. */
static gint64
due_time (LsDemoReplayStream *stream,
          const LsReplayRead *read)
{
  gint64 offset = MAX (read->offset_us - stream->base_offset_us, 0);

  if (stream->speed == LS_REPLAY_SPEED_MAX)
    return stream->start_us;
  return stream->start_us + (gint64) ((double) offset / stream->speed);
}

static void
append_read (LsDemoReplayStream *stream,
             const LsReplayRead *read,
             gint64              due,
             gint64              now)
{
  LsDemoServer *self = stream->self;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize len = g_bytes_get_size (read->data);
  gsize offset = stream->first_offset;
  LsDemoReplayChunk chunk = {
    .connection = stream->connection->number,
    .read = stream->next_read,
    .offset = offset,
    .size = len - offset,
    .due_us = due - stream->start_us + stream->base_log_us,
    .queued_us = now - stream->start_us + stream->base_log_us,
    .written_us = -1,
  };

  if (offset == 0)
    soup_message_body_append_bytes (body, read->data);
  else
    {
      g_autoptr(GBytes) rest = g_bytes_new_from_bytes (read->data, offset, len - offset);

      soup_message_body_append_bytes (body, rest);
    }
  stream->first_offset = 0;
  stream->queued++;

  pthread_mutex_lock (&self->mutex);
  if (stream->entry->chunks->len < LS_DEMO_REPLAY_MAX_LOGGED)
    {
      g_array_append_val (stream->entry->chunks, chunk);
      g_queue_push_tail (&stream->pending, GUINT_TO_POINTER (stream->entry->chunks->len));
    }
  else
    g_queue_push_tail (&stream->pending, NULL);
  pthread_mutex_unlock (&self->mutex);
}

/* Appends every read that is due (as many as the queue takes), arms the
 * timer for the next one, completes the body after the last. */
static void
pump (LsDemoReplayStream *stream)
{
  GArray *reads = stream->connection->reads;
  gboolean appended = FALSE;
  gint64 now = g_get_monotonic_time ();

  g_assert (g_main_context_is_owner (stream->self->context));

  if (stream->completing)
    return;

  while (stream->next_read < reads->len && stream->queued < MAX_QUEUED)
    {
      const LsReplayRead *read = &g_array_index (reads, LsReplayRead, stream->next_read);
      gint64 due = due_time (stream, read);

      if (due > now)
        {
          /* Checked again when it fires: never early. */
          now = g_get_monotonic_time ();
          if (due > now)
            {
              g_source_set_ready_time (stream->timer, due);
              break;
            }
        }
      append_read (stream, read, due, now);
      stream->next_read++;
      appended = TRUE;
    }

  if (stream->next_read >= reads->len)
    {
      soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
      stream->completing = TRUE;
      clear_timer (stream);
      appended = TRUE;
    }

  if (appended && !stream->in_handler)
    soup_server_message_unpause (stream->msg);
}

void
ls_demo_replay_end_all_for_stop (LsDemoServer *self)
{
  for (GList *l = self->replay_streams.head; l != NULL; l = l->next)
    {
      LsDemoReplayStream *stream = l->data;

      clear_timer (stream);
      if (!stream->completing)
        {
          soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
          stream->completing = TRUE;
          soup_server_message_unpause (stream->msg);
        }
    }
}

void
ls_demo_replay_free_all (LsDemoServer *self)
{
  GList *l, *next;

  for (l = self->replay_streams.head; l != NULL; l = next)
    {
      next = l->next;
      replay_stream_free (l->data);
    }
}

static void
copy_headers (const LsStreamResponse *response,
              SoupMessageHeaders     *headers)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < response->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (response->headers, i);
      g_autofree char *folded = g_ascii_strdown (header->name, -1);
      gboolean dropped = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (dropped_headers) && !dropped; j++)
        dropped = g_ascii_strcasecmp (header->name, dropped_headers[j]) == 0;
      if (dropped)
        continue;
      /* The first of a name replaces what libsoup set (Date, Server);
       * repeats are kept. */
      if (g_hash_table_contains (seen, folded))
        soup_message_headers_append (headers, header->name, header->value);
      else
        {
          soup_message_headers_replace (headers, header->name, header->value);
          g_hash_table_add (seen, (gpointer) g_intern_string (folded));
        }
    }
}

static void
respond_plain (SoupServerMessage *msg,
               guint              status,
               const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

void
ls_demo_replay_handle (LsDemoServer      *self,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query)
{
  LsDemoReplay *entry = lookup (self, path);
  const char *speed_text = query != NULL ? g_hash_table_lookup (query, "speed") : NULL;
  const char *last_event_id;
  const LsReplayConnection *connection;
  const LsStreamResponse *response;
  SoupMessageHeaders *headers;
  LsReplayPosition position = { 0 };
  LsDemoReplayStream *stream;
  gboolean resumed = FALSE, at_end = FALSE, done = FALSE;
  guint n_connections;
  double speed;

  g_assert (g_main_context_is_owner (self->context));

  if (entry == NULL)
    {
      respond_plain (msg, SOUP_STATUS_NOT_FOUND, "no such replay\n");
      return;
    }
  speed = entry->speed;
  if (speed_text != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!ls_replay_parse_speed (speed_text, &speed, &error))
        {
          g_autofree char *line = g_strdup_printf ("bad parameter speed: %s\n", error->message);

          respond_plain (msg, SOUP_STATUS_BAD_REQUEST, line);
          return;
        }
    }

  /* Where to start: after the client's last event when the capture has
   * it, else the next connection (immutable data: no lock needed). */
  last_event_id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Last-Event-ID");
  if (last_event_id != NULL)
    resumed = ls_replay_find_resume (entry->replay, last_event_id, &position, &at_end);

  n_connections = ls_replay_get_n_connections (entry->replay);
  pthread_mutex_lock (&self->mutex);
  /* As many responses as the capture had connections: a client that
   * keeps resuming at the same place cannot loop for ever. */
  if (entry->responses >= n_connections || at_end)
    done = TRUE;
  else if (resumed)
    entry->next_connection = position.connection + 1;
  else if (entry->next_connection >= n_connections)
    done = TRUE;
  else
    position.connection = entry->next_connection++;
  if (!done)
    entry->responses++;
  pthread_mutex_unlock (&self->mutex);

  if (done)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  connection = ls_replay_get_connection (entry->replay, position.connection);
  response = connection->response;
  headers = soup_server_message_get_response_headers (msg);
  soup_server_message_set_status (msg, response->status, response->reason);
  copy_headers (response, headers);

  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status) || response->status == SOUP_STATUS_NO_CONTENT ||
      response->status == SOUP_STATUS_RESET_CONTENT)
    {
      /* Not a stream: its body as captured (an error's), if any. */
      if (response->error_body != NULL)
        soup_message_body_append_bytes (soup_server_message_get_response_body (msg), response->error_body);
      return;
    }

  stream = g_new0 (LsDemoReplayStream, 1);
  stream->link.data = stream;
  stream->self = self;
  stream->entry = entry;
  stream->replay = ls_replay_ref (entry->replay);
  stream->msg = g_object_ref (msg);
  stream->connection = connection;
  stream->speed = speed;
  stream->next_read = resumed ? position.read : 0;
  stream->first_offset = resumed ? position.offset : 0;
  stream->start_us = g_get_monotonic_time ();
  /* A response resumed within a connection starts with its first read at
   * once, the others at their gaps from it. */
  if (stream->next_read < connection->reads->len && (stream->next_read > 0 || stream->first_offset > 0))
    stream->base_offset_us = g_array_index (connection->reads, LsReplayRead, stream->next_read).offset_us;
  if (speed != LS_REPLAY_SPEED_MAX)
    stream->base_log_us = (gint64) ((double) stream->base_offset_us / speed);
  g_queue_init (&stream->pending);
  /* As in ls-demo-stream.c: look the addresses up while the client is there. */
  soup_server_message_get_remote_address (msg);
  soup_server_message_get_local_address (msg);
  g_queue_push_tail_link (&self->replay_streams, &stream->link);
  g_atomic_int_add (&self->n_connections, 1);
  __atomic_fetch_add (&self->n_streams, 1, __ATOMIC_RELAXED);

  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "finished", G_CALLBACK (replay_finished_cb), stream);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (replay_wrote_chunk_cb), stream);

  stream->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (stream->timer, timer_cb, stream, NULL);
  g_source_set_static_name (stream->timer, "[loopscope] demo replay pacing");
  g_source_attach (stream->timer, self->context);

  stream->in_handler = TRUE;
  pump (stream);
  stream->in_handler = FALSE;
}
