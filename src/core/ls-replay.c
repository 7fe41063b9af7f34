/* ls-replay.c: a capture's connections and body reads, ready to be served again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built once from a capture's read log (docs/capture.md: the connect,
 * response and read lines): one LsReplayConnection per response, with its
 * reads' bytes (references, not copies) and their offsets from it. The
 * event store comes along for Last-Event-ID: the first event with that id
 * is found there, the read that dispatched it by the reads' sequence
 * numbers, and the byte after it by running the connection's bytes up to
 * that read through an SSE parser again, one line at a time.
 */
#define G_LOG_DOMAIN "ls-replay"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ls-replay.h"
#include "ls-sse-parser.h"

struct _LsReplay
{
  gint            ref_count;    /* __atomic */
  LsEventStore   *store;
  GPtrArray      *connections;  /* of LsReplayConnection * */
  LsStreamFormat  format;
  guint64         n_reads;
  guint64         n_bytes;
  char           *warning;
};

G_DEFINE_QUARK (ls-replay-error-quark, ls_replay_error)

static void
read_clear (gpointer data)
{
  LsReplayRead *read = data;

  g_clear_pointer (&read->data, g_bytes_unref);
}

static void
connection_free (gpointer data)
{
  LsReplayConnection *connection = data;

  g_clear_pointer (&connection->response, ls_stream_response_unref);
  g_array_unref (connection->reads);
  g_free (connection);
}

LsReplay *
ls_replay_new (LsEventStore    *store,
               LsReadLog       *read_log,
               LsStreamFormat   format,
               GError         **error)
{
  g_autoptr(GArray) entries = ls_read_log_entries_new ();
  g_autoptr(LsReplay) self = NULL;
  LsReplayConnection *current = NULL;
  gint64 response_us = 0;
  guint64 all_reads = 0;
  gboolean cut = FALSE;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (read_log != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (LsReplay, 1);
  self->ref_count = 1;
  self->store = ls_event_store_ref (store);
  self->connections = g_ptr_array_new_with_free_func (connection_free);
  self->format = format;

  ls_read_log_copy_since (read_log, 0, entries);
  for (guint i = 0; i < entries->len; i++)
    {
      const LsReadLogEntry *entry = &g_array_index (entries, LsReadLogEntry, i);

      switch (entry->kind)
        {
        case LS_READ_LOG_CONNECT:
          current = NULL;
          break;

        case LS_READ_LOG_RESPONSE:
          current = NULL;
          if (cut || entry->response == NULL)
            break;
          current = g_new0 (LsReplayConnection, 1);
          current->number = entry->connection;
          current->seq = entry->seq;
          current->response = ls_stream_response_ref (entry->response);
          current->reads = g_array_new (FALSE, TRUE, sizeof (LsReplayRead));
          g_array_set_clear_func (current->reads, read_clear);
          g_ptr_array_add (self->connections, current);
          response_us = entry->time_us;
          break;

        case LS_READ_LOG_READ:
          all_reads++;
          if (cut || current == NULL || current->number != entry->connection)
            break;
          if (entry->data == NULL)
            {
              /* Past the capture's byte budget: what follows cannot be
               * served, so the replay ends here. */
              cut = TRUE;
              current = NULL;
              break;
            }
          {
            LsReplayRead read = {
              .offset_us = MAX (entry->time_us - response_us, 0),
              .seq = entry->seq,
              .data = g_bytes_ref (entry->data),
            };

            g_array_append_val (current->reads, read);
            self->n_reads++;
            self->n_bytes += g_bytes_get_size (entry->data);
          }
          break;

        default:
          break;
        }
    }

  if (all_reads == 0)
    {
      g_set_error_literal (error, LS_REPLAY_ERROR, LS_REPLAY_ERROR_NO_READS,
                           _("This capture has no body reads to replay"));
      return NULL;
    }
  if (self->n_reads == 0)
    {
      g_set_error_literal (error, LS_REPLAY_ERROR, LS_REPLAY_ERROR_NO_BYTES,
                           _("This capture kept no bytes of its body reads to replay"));
      return NULL;
    }
  if (cut)
    {
      g_autofree char *served = g_strdup_printf ("%" G_GUINT64_FORMAT, self->n_reads);
      g_autofree char *all = g_strdup_printf ("%" G_GUINT64_FORMAT, all_reads);

      /* TRANSLATORS: "Replaying 10 of 12 body reads: …" */
      self->warning = g_strdup_printf (_("Replaying %s of %s body reads: the capture kept no bytes of the others"),
                                       served, all);
    }

  return g_steal_pointer (&self);
}

LsReplay *
ls_replay_new_from_capture (const LsCapture  *capture,
                            GError          **error)
{
  g_return_val_if_fail (capture != NULL, NULL);

  return ls_replay_new (capture->store, capture->read_log,
                        capture->request != NULL ? capture->request->format : LS_STREAM_FORMAT_AUTO,
                        error);
}

LsReplay *
ls_replay_new_for_file (const char  *path,
                        GError     **error)
{
  g_autoptr(LsCapture) capture = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  capture = ls_capture_read_file (path, error);
  if (capture == NULL)
    return NULL;
  return ls_replay_new_from_capture (capture, error);
}

LsReplay *
ls_replay_ref (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);
  return self;
}

void
ls_replay_unref (LsReplay *self)
{
  g_return_if_fail (self != NULL);

  if (__atomic_sub_fetch (&self->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  g_ptr_array_unref (self->connections);
  ls_event_store_unref (self->store);
  g_free (self->warning);
  g_free (self);
}

guint
ls_replay_get_n_connections (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->connections->len;
}

const LsReplayConnection *
ls_replay_get_connection (LsReplay *self,
                          guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->connections->len, NULL);

  return g_ptr_array_index (self->connections, index);
}

LsStreamFormat
ls_replay_get_format (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, LS_STREAM_FORMAT_AUTO);

  return self->format;
}

guint64
ls_replay_get_n_reads (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_reads;
}

guint64
ls_replay_get_n_bytes (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_bytes;
}

const char *
ls_replay_get_warning (LsReplay *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->warning;
}

/* ---- Last-Event-ID ---- */

typedef struct
{
  const char *id;
  gsize       id_len;
  guint64     seq;
  gboolean    found;
} FindId;

static gboolean
find_id_cb (const LsEventView *view,
            gpointer           user_data)
{
  FindId *find = user_data;

  if (view->kind == LS_EVENT_KIND_EVENT && view->id_len == find->id_len &&
      memcmp (view->id, find->id, find->id_len) == 0)
    {
      find->seq = view->seq;
      find->found = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
count_events_cb (const LsEventView *view,
                 gpointer           user_data)
{
  guint64 *n = user_data;

  if (view->kind == LS_EVENT_KIND_EVENT)
    (*n)++;
  return TRUE;
}

static void
count_dispatch_cb (const LsSseEvent *event,
                   gpointer          user_data)
{
  guint64 *n = user_data;

  (*n)++;
}

/* Feeds @bytes to @parser one line at a time (a piece ends after each CR
 * or LF) until the parser has dispatched @until events in all; returns
 * the bytes fed, all of them if it never does. */
static gsize
feed_until (LsSseParser  *parser,
            const guint8 *bytes,
            gsize         len,
            guint64      *n_events,
            guint64       until)
{
  gsize done = 0;

  while (done < len && *n_events < until)
    {
      gsize end = done;

      while (end < len && bytes[end] != '\n' && bytes[end] != '\r')
        end++;
      if (end < len)
        end++;
      if (!ls_sse_parser_feed (parser, bytes + done, end - done, NULL))
        return len;
      done = end;
    }
  return done;
}

gboolean
ls_replay_find_resume (LsReplay         *self,
                       const char       *id,
                       LsReplayPosition *position,
                       gboolean         *at_end)
{
  FindId find = { 0 };
  const LsReplayConnection *connection = NULL;
  const LsReplayRead *read = NULL;
  guint c_index = 0, r_index = 0;
  guint64 first, end, before = 0, n_events = 0;
  LsSseParser *parser;
  gsize offset;
  gboolean more;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (position != NULL, FALSE);
  g_return_val_if_fail (at_end != NULL, FALSE);

  *at_end = FALSE;
  if (id == NULL || id[0] == '\0')
    return FALSE;

  find.id = id;
  find.id_len = strlen (id);
  ls_event_store_get_range (self->store, &first, &end);
  ls_event_store_foreach_range (self->store, first, end, find_id_cb, &find);
  if (!find.found)
    return FALSE;

  /* The read that dispatched it: the last one made before it. */
  for (guint c = 0; c < self->connections->len; c++)
    {
      const LsReplayConnection *conn = g_ptr_array_index (self->connections, c);

      for (guint r = 0; r < conn->reads->len; r++)
        {
          const LsReplayRead *candidate = &g_array_index (conn->reads, LsReplayRead, r);

          if (candidate->seq > find.seq)
            break;
          connection = conn;
          read = candidate;
          c_index = c;
          r_index = r;
        }
    }
  if (read == NULL)
    return FALSE;

  /* Events that read dispatched before this one. */
  ls_event_store_foreach_range (self->store, read->seq, find.seq, count_events_cb, &before);

  parser = ls_sse_parser_new (count_dispatch_cb, &n_events);
  for (guint r = 0; r < r_index; r++)
    {
      GBytes *data = g_array_index (connection->reads, LsReplayRead, r).data;

      ls_sse_parser_feed (parser, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL);
    }
  {
    gsize len;
    const guint8 *bytes = g_bytes_get_data (read->data, &len);
    guint64 target = n_events + before + 1;

    offset = feed_until (parser, bytes, len, &n_events, target);
    /* Does anything of this connection after it dispatch an event? */
    ls_sse_parser_feed (parser, bytes + offset, len - offset, NULL);
    for (guint r = r_index + 1; r < connection->reads->len; r++)
      {
        GBytes *data = g_array_index (connection->reads, LsReplayRead, r).data;

        ls_sse_parser_feed (parser, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL);
      }
    more = n_events > target;
    if (offset >= len)
      {
        r_index++;
        offset = 0;
      }
  }
  ls_sse_parser_free (parser);

  if (!more)
    {
      /* Nothing after it on its connection (a comment at most, or an
       * event cut short): the next connection, from its start. */
      c_index++;
      r_index = 0;
      offset = 0;
      if (c_index >= self->connections->len)
        *at_end = TRUE;
    }

  position->connection = c_index;
  position->read = r_index;
  position->offset = offset;
  return TRUE;
}

gboolean
ls_replay_parse_speed (const char  *text,
                       double      *speed,
                       GError     **error)
{
  char *end = NULL;
  double value;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (speed != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "max") == 0)
    {
      *speed = LS_REPLAY_SPEED_MAX;
      return TRUE;
    }
  errno = 0;
  value = g_ascii_strtod (text, &end);
  if (text[0] != '\0' && end != NULL && *end == '\0' && errno == 0 &&
      (value == 0 || (value >= LS_REPLAY_MIN_SPEED && value <= LS_REPLAY_MAX_SPEED)))
    {
      *speed = value;
      return TRUE;
    }
  g_set_error (error, LS_REPLAY_ERROR, LS_REPLAY_ERROR_SPEED,
               /* TRANSLATORS: the speed as given; "max" is a keyword, not translated. */
               _("Speed “%s” is not a number from 0.1 to 100, or max"), text);
  return FALSE;
}
