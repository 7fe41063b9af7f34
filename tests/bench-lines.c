/* bench-lines.c: how soon a program piping `loopscope --headless` sees each line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server is written by hand on a blocking loopback socket in this
 * thread, so that the time of each server action is the moment its bytes
 * are written (no loop of its own to wait for). Each round:
 *
 *   headers                      → open
 *   ": heartbeat"                → comment
 *   one event                    → event
 *   a reset (odd rounds)         → error, reconnect
 *   SIGHUP to the child (even)   → reconnect ("asked for")
 *
 * and, after the last round, 204 → closed. Each line's latency is from the
 * action that causes it to the line being read from the child's standard
 * output, a pipe: the engine's reading, the bridge's hop and the write
 * together, an upper bound on "written → readable". Prints the median, p99
 * and maximum per kind; asserts that the lines come in the documented
 * order with the data sent, nothing about time.
 *
 *   bench-lines [ROUNDS]
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "ls-test-utils.h"

/* Not a time assertion: only how long a broken run may hang before it
 * says so. */
#define STUCK_MS 30000

typedef enum
{
  KIND_OPEN,
  KIND_COMMENT,
  KIND_EVENT,
  KIND_ERROR,
  KIND_RECONNECT,
  KIND_RESTART,
  KIND_CLOSED,
  N_KINDS
} Kind;

static const char *const kind_names[N_KINDS] = {
  "open", "comment", "event", "error", "reconnect", "reconnect", "closed",
};

static const char *const kind_causes[N_KINDS] = {
  "headers written", "comment written", "event written", "connection reset",
  "connection reset", "SIGHUP sent", "204 written",
};

typedef struct
{
  int      out_fd;    /* the child's standard output */
  GString *pending;   /* read, not yet a whole line */
  GArray  *latencies[N_KINDS];
} Reader;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void
write_all (int         fd,
           const char *text)
{
  gsize left = strlen (text);

  while (left > 0)
    {
      gssize n = write (fd, text, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("write to the client: %s", g_strerror (errno));
      text += n;
      left -= (gsize) n;
    }
}

static void
write_chunk (int         fd,
             const char *payload)
{
  g_autofree char *chunk = g_strdup_printf ("%zx\r\n%s\r\n", strlen (payload), payload);

  write_all (fd, chunk);
}

static void
wait_readable (int         fd,
               const char *what)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  int n;

  do
    n = poll (&pfd, 1, STUCK_MS);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    g_error ("no %s within %d s", what, STUCK_MS / 1000);
  if (n < 0)
    g_error ("poll: %s", g_strerror (errno));
}

/* Accepts the client's next connection and reads its request through the
 * blank line that ends the headers. */
static int
accept_request (int listen_fd)
{
  char buffer[4096];
  gsize used = 0;
  int fd;

  wait_readable (listen_fd, "connection");
  fd = accept (listen_fd, NULL, NULL);
  if (fd < 0)
    g_error ("accept: %s", g_strerror (errno));
  for (;;)
    {
      gssize n;

      wait_readable (fd, "request");
      n = read (fd, buffer + used, sizeof buffer - 1 - used);
      if (n <= 0)
        g_error ("the request ended early");
      used += (gsize) n;
      buffer[used] = '\0';
      if (strstr (buffer, "\r\n\r\n") != NULL)
        return fd;
      if (used == sizeof buffer - 1)
        g_error ("request headers over %zu bytes", sizeof buffer);
    }
}

/* The child's next line, asserted to be of @kind, its latency since
 * @since_us recorded; returned parsed. */
static JsonObject *
expect_line (Reader     *reader,
             Kind        kind,
             gint64      since_us)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *newline;
  JsonObject *object;
  gint64 latency;

  while ((newline = memchr (reader->pending->str, '\n', reader->pending->len)) == NULL)
    {
      char buffer[8192];
      gssize n;

      wait_readable (reader->out_fd, kind_names[kind]);
      n = read (reader->out_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("the child's output ended before its %s line", kind_names[kind]);
      g_string_append_len (reader->pending, buffer, n);
    }
  latency = now_us () - since_us;
  line = g_strndup (reader->pending->str, newline - reader->pending->str);
  g_string_erase (reader->pending, 0, newline - reader->pending->str + 1);

  if (!json_parser_load_from_data (parser, line, -1, &error))
    g_error ("not a JSON line: %s", line);
  object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "kind", ""), kind_names[kind]) != 0)
    g_error ("expected a %s line, read %s", kind_names[kind], line);
  g_array_append_val (reader->latencies[kind], latency);
  return object;
}

static void
expect_and_drop (Reader *reader,
                 Kind    kind,
                 gint64  since_us)
{
  json_object_unref (expect_line (reader, kind, since_us));
}

static void
print_kind (Reader *reader,
            Kind    kind)
{
  GArray *values = reader->latencies[kind];

  g_array_sort (values, ls_test_compare_gint64);
  g_print ("%-10s %-17s %5u lines   p50 %6.3f ms   p99 %6.3f ms   max %6.3f ms\n",
           kind_names[kind], kind_causes[kind], values->len,
           ls_test_percentile (values, 0.50) / 1000.0,
           ls_test_percentile (values, 0.99) / 1000.0,
           values->len > 0 ? g_array_index (values, gint64, values->len - 1) / 1000.0 : 0.0);
}

int
main (int   argc,
      char *argv[])
{
  guint rounds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 400;
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t address_len = sizeof address;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Reader reader = { 0 };
  GPid pid;
  int listen_fd;
  int status;

  /* The client's end may be reset while it is read; a write to a closed
   * socket must be an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);

  listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0
      || bind (listen_fd, (struct sockaddr *) &address, sizeof address) < 0
      || listen (listen_fd, 8) < 0
      || getsockname (listen_fd, (struct sockaddr *) &address, &address_len) < 0)
    g_error ("listen on 127.0.0.1: %s", g_strerror (errno));
  url = g_strdup_printf ("http://127.0.0.1:%u/lines", ntohs (address.sin_port));

  {
    const char *child_argv[] = { ls_test_headless_binary (), "--headless", url, "--comments",
                                 "--reconnect-ms", "1", NULL };

    if (!g_spawn_async_with_pipes (NULL, (char **) child_argv, NULL,
                                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                   NULL, NULL, &pid, NULL, &reader.out_fd, NULL, &error))
      g_error ("%s: %s", child_argv[0], error->message);
  }
  reader.pending = g_string_new (NULL);
  for (guint k = 0; k < N_KINDS; k++)
    reader.latencies[k] = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_print ("%u rounds against %s, %s reading its standard output through a pipe\n",
           rounds, url, ls_test_headless_binary ());

  for (guint round = 1; round <= rounds; round++)
    {
      g_autofree char *event = g_strdup_printf ("id: %u\ndata: round %u\n\n", round, round);
      g_autofree char *expected_data = g_strdup_printf ("round %u", round);
      g_autoptr(JsonObject) event_line = NULL;
      int fd = accept_request (listen_fd);
      gint64 since;

      since = now_us ();
      write_all (fd, "HTTP/1.1 200 OK\r\n"
                     "Content-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\n"
                     "\r\n");
      expect_and_drop (&reader, KIND_OPEN, since);

      since = now_us ();
      write_chunk (fd, ": heartbeat\n");
      expect_and_drop (&reader, KIND_COMMENT, since);

      since = now_us ();
      write_chunk (fd, event);
      event_line = expect_line (&reader, KIND_EVENT, since);
      if (g_strcmp0 (json_object_get_string_member_with_default (event_line, "data", ""), expected_data) != 0)
        g_error ("round %u: the event's data is not what was sent", round);

      since = now_us ();
      if (round % 2 == 1)
        {
          struct linger reset = { .l_onoff = 1, .l_linger = 0 };

          /* SO_LINGER 0: close() sends a reset, a connection lost. */
          setsockopt (fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
          close (fd);
          expect_and_drop (&reader, KIND_ERROR, since);
          expect_and_drop (&reader, KIND_RECONNECT, since);
        }
      else
        {
          kill (pid, SIGHUP);
          expect_and_drop (&reader, KIND_RESTART, since);
          close (fd);
        }
    }

  {
    int fd = accept_request (listen_fd);
    gint64 since = now_us ();

    write_all (fd, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    expect_and_drop (&reader, KIND_CLOSED, since);
    close (fd);
  }

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      g_error ("waitpid: %s", g_strerror (errno));
  g_spawn_close_pid (pid);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("the child did not exit 0 after its closed line");

  g_print ("each line's latency, from its cause to a whole line read from the pipe:\n");
  for (guint k = 0; k < N_KINDS; k++)
    print_kind (&reader, k);

  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (reader.latencies[k]);
  g_string_free (reader.pending, TRUE);
  close (reader.out_fd);
  close (listen_fd);
  return 0;
}
