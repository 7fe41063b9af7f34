/* ls-test-sse-server.c: an SSE server in a process of its own, to be killed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-faults kills this process with SIGKILL mid-stream and starts it
 * again on the same port, many times: a real crash of the server, not a
 * polite close. It serves GET /events on 127.0.0.1:
 *
 *   retry: 100
 *
 *   id: K
 *   data: {"n":K,"pad":"xx…"}
 *
 * resuming after the request's Last-Event-ID, up to --last (then the body
 * ends cleanly), at --rate events per second. Every write stops in the
 * middle of an event, after its "id:" line: a kill at any moment leaves the
 * client holding an incomplete event whose ID it must not commit.
 *
 *   ls-test-sse-server [--port N] [--last N] [--rate N] [--size N]
 *
 * Prints the port it listens on, one line, once it listens.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <libsoup/soup.h>

#define TICK_MS         10
#define BIND_ATTEMPTS   250   /* the old process's port may take a moment to be free */
#define BIND_RETRY_US   (20 * G_TIME_SPAN_MILLISECOND)

static guint64 last_id = G_MAXUINT64;
static guint64 rate = 1000;
static guint64 pad_size = 0;
static char *pad;

typedef struct
{
  SoupServerMessage *msg;
  GSource           *timer;
  GString           *held;      /* the tail of the last event, sent next time */
  guint64            next_id;
  guint64            sent;      /* events generated since the start of this response */
  gint64             start_us;
  gboolean           done;
} Response;

static void
response_free (Response *response)
{
  if (response->timer != NULL)
    {
      g_source_destroy (response->timer);
      g_source_unref (response->timer);
    }
  g_signal_handlers_disconnect_by_data (response->msg, response);
  g_object_unref (response->msg);
  g_string_free (response->held, TRUE);
  g_free (response);
}

/* Every event's data is a function of its id: the test checks it. */
static void
append_event (GString *out,
              guint64  id)
{
  g_string_append_printf (out, "id: %" G_GUINT64_FORMAT "\ndata: {\"n\":%" G_GUINT64_FORMAT
                          ",\"pad\":\"%s\"}\n\n", id, id, pad);
}

static gboolean
response_tick (gpointer data)
{
  Response *response = data;
  SoupMessageBody *body = soup_server_message_get_response_body (response->msg);
  double elapsed_s = (double) (g_get_monotonic_time () - response->start_us) / G_USEC_PER_SEC;
  guint64 due = (guint64) (elapsed_s * (double) rate) + 1;
  GString *chunk = g_string_new (response->held->str);
  gsize cut = 0;

  g_string_truncate (response->held, 0);
  for (; response->sent < due && response->next_id <= last_id; response->sent++)
    {
      cut = chunk->len;
      append_event (chunk, response->next_id++);
      /* Hold back what follows this event's id line. */
      cut = (gsize) (strstr (chunk->str + cut, "\ndata:") - chunk->str) + strlen ("\ndata:");
    }

  if (response->next_id > last_id)
    {
      /* The end: everything, then the terminating chunk. */
      if (chunk->len > 0)
        soup_message_body_append (body, SOUP_MEMORY_COPY, chunk->str, chunk->len);
      soup_message_body_complete (body);
      response->done = TRUE;
    }
  else if (cut > 0)
    {
      g_string_append (response->held, chunk->str + cut);
      soup_message_body_append (body, SOUP_MEMORY_COPY, chunk->str, cut);
    }
  else
    {
      /* Nothing due yet: keep it all for the next tick. */
      g_string_assign (response->held, chunk->str);
      g_string_free (chunk, TRUE);
      return G_SOURCE_CONTINUE;
    }
  g_string_free (chunk, TRUE);
  soup_server_message_unpause (response->msg);

  if (response->done)
    {
      g_clear_pointer (&response->timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
finished_cb (SoupServerMessage *msg,
             Response          *response)
{
  response_free (response);
}

static void
events_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *last = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Last-Event-ID");
  guint64 resume = 0;
  Response *response;

  if (last != NULL && !g_ascii_string_to_unsigned (last, 10, 0, G_MAXUINT64 - 1, &resume, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  response = g_new0 (Response, 1);
  response->msg = g_object_ref (msg);
  response->held = g_string_new ("retry: 100\n\n");
  response->next_id = resume + 1;
  response->start_us = g_get_monotonic_time ();

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), response);

  response->timer = g_timeout_source_new (TICK_MS);
  g_source_set_callback (response->timer, response_tick, response, NULL);
  g_source_attach (response->timer, NULL);
  soup_server_message_pause (msg);
}

int
main (int   argc,
      char *argv[])
{
  gint64 port = 0;
  gint64 last = -1;
  gint64 rate_arg = 1000;
  gint64 size = 0;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT64, &port, "Port (0: any)", "N" },
    { "last", 0, 0, G_OPTION_ARG_INT64, &last, "Last event id (default: unlimited)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT64, &rate_arg, "Events per second", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Padding bytes per event", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GSList *uris;
  gboolean listening = FALSE;

#ifdef __linux__
  /* A test that fails half-way must not leave its server behind. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      port < 0 || port > 65535 || rate_arg <= 0 || size < 0 || size > 1024 * 1024)
    {
      g_printerr ("ls-test-sse-server: %s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  if (last >= 0)
    last_id = (guint64) last;
  rate = (guint64) rate_arg;
  pad_size = (guint64) size;
  pad = g_malloc (pad_size + 1);
  memset (pad, 'x', pad_size);
  pad[pad_size] = '\0';

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/events", events_handler, NULL, NULL);
  for (guint attempt = 0; attempt < BIND_ATTEMPTS && !listening; attempt++)
    {
      g_clear_error (&error);
      listening = soup_server_listen_local (server, (guint) port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
      if (!listening)
        g_usleep (BIND_RETRY_US);
    }
  if (!listening)
    {
      g_printerr ("ls-test-sse-server: cannot listen on port %" G_GINT64_FORMAT ": %s\n",
                  port, error->message);
      return 1;
    }

  uris = soup_server_get_uris (server);
  printf ("%d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Runs until killed: that is the point. */
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  g_free (pad);
  return 0;
}
