/* ls-test-utils.c: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ls-bridge.h"
#include "ls-stream.h"
#include "ls-test-utils.h"

static gboolean
deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Deadlines are safety nets, not timing assertions: sanitizers and
 * valgrind run everything several times slower, so the dev script scales
 * them with LS_TEST_TIMEOUT_SCALE. */
static guint
scaled (guint timeout_ms)
{
  const char *env = g_getenv ("LS_TEST_TIMEOUT_SCALE");
  double scale = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  return (guint) (timeout_ms * CLAMP (scale, 1.0, 100.0));
}

gboolean
ls_test_wait_until (LsTestCondition condition,
                    gpointer        user_data,
                    guint           timeout_ms)
{
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (scaled (timeout_ms));
  gboolean result;

  g_source_set_callback (deadline, deadline_cb, &expired, NULL);
  g_source_attach (deadline, g_main_context_default ());

  while (!(result = condition (user_data)) && !expired)
    g_main_context_iteration (g_main_context_default (), TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);
  return result;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
ls_test_run_for (guint ms)
{
  ls_test_wait_until (never, NULL, ms);
}

gboolean
ls_test_bridge_is_running (gpointer bridge)
{
  return ls_bridge_get_worker_state (bridge) == LS_WORKER_RUNNING;
}

gboolean
ls_test_bridge_is_closed (gpointer bridge)
{
  return ls_bridge_get_worker_state (bridge) == LS_WORKER_CLOSED;
}

void
ls_test_streams_init (LsTestStreams *s,
                      gsize          recorder_capacity)
{
  s->recorder = ls_recorder_new (recorder_capacity);
  s->bridge = ls_test_bridge_new_running (s->recorder);
  s->store = ls_event_store_new ();
  s->next_id = 1;
}

void
ls_test_streams_clear (LsTestStreams *s)
{
  ls_test_bridge_stop (s->bridge);
  g_assert_finalize_object (s->bridge);
  g_assert_finalize_object (s->recorder);
  ls_event_store_unref (s->store);
}

void
ls_test_streams_setup (LsTestStreams *s,
                       gconstpointer  data)
{
  ls_test_streams_init (s, 1 << 16);
}

void
ls_test_streams_teardown (LsTestStreams *s,
                          gconstpointer  data)
{
  ls_test_streams_clear (s);
}

LsStream *
ls_test_stream_start (LsBridge              *bridge,
                      const LsStreamOptions *options,
                      LsEventStore          *store,
                      guint32                id)
{
  g_autoptr(GError) error = NULL;
  LsStream *stream = ls_stream_new (bridge, options, store, id);

  g_assert_true (ls_stream_start (stream, &error));
  g_assert_no_error (error);
  return stream;
}

LsStream *
ls_test_streams_start (LsTestStreams         *s,
                       const LsStreamOptions *options)
{
  return ls_test_stream_start (s->bridge, options, s->store, s->next_id++);
}

gboolean
ls_test_group_has_events (gpointer group)
{
  LsTestGroup *g = group;

  for (guint i = 0; i < g->n; i++)
    {
      LsStreamStats stats;

      ls_stream_get_stats (g->streams[i], &stats);
      if (stats.events < g->min_events)
        return FALSE;
    }
  return TRUE;
}

/* Whether every stream of @g is in its state, or (@final) in a final one. */
static gboolean
group_all_in (LsTestGroup *g,
              gboolean     final)
{
  for (guint i = 0; i < g->n; i++)
    {
      LsStreamState state = ls_stream_get_state (g->streams[i]);

      if (final ? !LS_STREAM_STATE_IS_FINAL (state) : state != g->state)
        return FALSE;
    }
  return TRUE;
}

gboolean
ls_test_group_in_state (gpointer group)
{
  return group_all_in (group, FALSE);
}

gboolean
ls_test_group_is_final (gpointer group)
{
  return group_all_in (group, TRUE);
}

typedef struct
{
  guint32      stream_id;
  LsEventFunc  func;
  gpointer     data;
} OneStream;

static gboolean
one_stream_cb (const LsEventView *view,
               gpointer           data)
{
  OneStream *one = data;

  return view->stream_id != one->stream_id || one->func (view, one->data);
}

void
ls_test_foreach_of_stream (LsEventStore *store,
                           guint32       stream_id,
                           LsEventFunc   func,
                           gpointer      data)
{
  OneStream one = { stream_id, func, data };

  ls_event_store_foreach_range (store, 0, ls_event_store_get_end_seq (store), one_stream_cb, &one);
}

void
ls_test_wait_final (LsStream *stream)
{
  g_assert_true (ls_test_wait_until (ls_test_stream_is_final, stream, 20000));
}

guint
ls_test_soup_listen (SoupServer              *server,
                     SoupServerListenOptions  options)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint port;

  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | options, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

static void
soup_server_setup (gpointer data)
{
  LsTestSoupServer *s = data;

  s->server = s->certificate != NULL ? soup_server_new ("tls-certificate", s->certificate, NULL)
                                     : soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, s->handler, s->data, NULL);
  s->port = ls_test_soup_listen (s->server, s->certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0);
}

static void
soup_server_teardown (gpointer data)
{
  LsTestSoupServer *s = data;
  GMainContext *context = g_main_context_get_thread_default ();

  if (s->before_stop != NULL)
    s->before_stop (s->data);
  soup_server_disconnect (s->server);
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
  g_clear_object (&s->server);
}

void
ls_test_soup_server_start (LsTestSoupServer *s,
                           const char       *name)
{
  s->thread = ls_test_loop_thread_start (name, soup_server_setup, soup_server_teardown, s);
}

void
ls_test_soup_server_stop (LsTestSoupServer *s)
{
  ls_test_loop_thread_stop (s->thread);
  s->thread = NULL;
}

void
ls_test_soup_respond (SoupServerMessage *msg,
                      guint              status,
                      const char        *content_type,
                      const char        *body,
                      gsize              len)
{
  soup_server_message_set_status (msg, status, NULL);
  if (content_type != NULL)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, len);
}

char *
ls_test_assert_invalid (const LsStreamOptions *options,
                        LsStreamError          code,
                        const char            *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ls_stream_options_validate (options, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, LS_STREAM_ERROR, (int) code);
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
  return g_strdup (error->message);
}

int
ls_test_compare_gint64 (gconstpointer a,
                        gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

gint64
ls_test_percentile (GArray *sorted,
                    double  fraction)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = (guint) MIN ((double) sorted->len - 1, fraction * (double) sorted->len);
  return g_array_index (sorted, gint64, index);
}

LsDemoServer *
ls_test_demo_server_start (void)
{
  g_autoptr(GError) error = NULL;
  LsDemoServer *demo = ls_demo_server_new ();

  g_assert_true (ls_demo_server_start_sync (demo, 0, &error));
  g_assert_no_error (error);
  return demo;
}

void
ls_test_demo_server_stop (LsDemoServer *demo)
{
  ls_demo_server_stop (demo);
  g_assert_finalize_object (demo);
}

struct _LsTestLoopThread
{
  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  LsTestThreadFunc  setup;
  LsTestThreadFunc  teardown;
  gpointer          user_data;
  pthread_mutex_t   lock;   /* ours, so ThreadSanitizer sees the hand-off */
  pthread_cond_t    cond;
  gboolean          ready;
};

static gpointer
loop_thread_main (gpointer data)
{
  LsTestLoopThread *t = data;

  g_main_context_push_thread_default (t->context);
  if (t->setup != NULL)
    t->setup (t->user_data);
  pthread_mutex_lock (&t->lock);
  t->ready = TRUE;
  pthread_cond_signal (&t->cond);
  pthread_mutex_unlock (&t->lock);

  g_main_loop_run (t->loop);

  if (t->teardown != NULL)
    t->teardown (t->user_data);
  while (g_main_context_pending (t->context))
    g_main_context_iteration (t->context, FALSE);
  g_main_context_pop_thread_default (t->context);
  return NULL;
}

LsTestLoopThread *
ls_test_loop_thread_start (const char       *name,
                           LsTestThreadFunc  setup,
                           LsTestThreadFunc  teardown,
                           gpointer          user_data)
{
  LsTestLoopThread *t = g_new0 (LsTestLoopThread, 1);

  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->cond, NULL);
  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);
  t->setup = setup;
  t->teardown = teardown;
  t->user_data = user_data;
  t->thread = g_thread_new (name, loop_thread_main, t);
  pthread_mutex_lock (&t->lock);
  while (!t->ready)
    pthread_cond_wait (&t->cond, &t->lock);
  pthread_mutex_unlock (&t->lock);
  return t;
}

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
ls_test_loop_thread_stop (LsTestLoopThread *t)
{
  GSource *source = g_idle_source_new ();

  /* A quit before run is lost; a source on the loop's own context quits it
   * from inside, whether or not run has started yet. */
  g_source_set_callback (source, quit_loop_cb, t->loop, NULL);
  g_source_attach (source, t->context);
  g_source_unref (source);
  g_thread_join (t->thread);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  pthread_mutex_destroy (&t->lock);
  pthread_cond_destroy (&t->cond);
  g_free (t);
}

LsBridge *
ls_test_bridge_new_running (LsRecorder *recorder)
{
  g_autoptr(GError) error = NULL;
  LsBridge *bridge = ls_bridge_new (recorder);

  g_assert_true (ls_bridge_start (bridge, &error));
  g_assert_no_error (error);
  g_assert_true (ls_test_wait_until (ls_test_bridge_is_running, bridge, 5000));
  return bridge;
}

void
ls_test_bridge_stop (LsBridge *bridge)
{
  g_assert_true (ls_bridge_stop (bridge, NULL));
  g_assert_true (ls_test_wait_until (ls_test_bridge_is_closed, bridge, 15000));
}

gboolean
ls_test_stream_is_final (gpointer stream)
{
  return LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream));
}

/* ---- `loopscope --headless` as a child process ------------------------ */

#define HEADLESS_DEADLINE_MS 60000

/* The binary a user runs (src/loopscope) when this build has it, else the
 * runner: benchmarks time what users start. */
const char *
ls_test_headless_binary (void)
{
  static gsize path;

  if (g_once_init_enter (&path))
    {
      const char *build_dir = g_getenv ("LS_BUILD_DIR");
      char *real = build_dir != NULL ? g_build_filename (build_dir, "src", "loopscope", NULL) : NULL;

      if (real == NULL || !g_file_test (real, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_free (real);
          real = g_strdup (ls_test_headless_runner_path ());
        }
      g_once_init_leave (&path, (gsize) real);
    }
  return (const char *) path;
}

const char *
ls_test_headless_runner_path (void)
{
  static gsize path;

  if (g_once_init_enter (&path))
    {
      const char *build_dir = g_getenv ("LS_BUILD_DIR");
      char *found;

      if (build_dir != NULL)
        {
          found = g_build_filename (build_dir, "tests", "ls-headless-runner", NULL);
        }
      else
        {
          g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
          g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : g_strdup (".");

          found = g_build_filename (dir, "ls-headless-runner", NULL);
        }
      if (!g_file_test (found, G_FILE_TEST_IS_EXECUTABLE))
        g_error ("%s not found", found);
      g_once_init_leave (&path, (gsize) found);
    }
  return (const char *) path;
}

int
ls_test_subprocess_status (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    return -g_subprocess_get_term_sig (process);
  return g_subprocess_get_exit_status (process);
}

typedef struct
{
  gboolean  done;
  gboolean  timed_out;
  char     *out;
  char     *err;
  GError   *error;
} HeadlessWait;

static void
headless_communicated_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      data)
{
  HeadlessWait *wait = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &wait->out, &wait->err, &wait->error);
  wait->done = TRUE;
}

static gboolean
headless_deadline_cb (gpointer data)
{
  HeadlessWait *wait = data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

GPtrArray *
ls_test_json_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root;

      if (lines[i][0] == '\0')
        {
          /* Only the final newline leaves an empty piece. */
          g_assert_null (lines[i + 1]);
          continue;
        }
      if (!json_parser_load_from_data (parser, lines[i], -1, &error))
        g_error ("line %u is not JSON (%s): %s", i, error->message, lines[i]);
      root = json_parser_get_root (parser);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (root)));
    }
  return objects;
}

static void
parse_json_lines (LsHeadlessRun *run)
{
  run->lines = ls_test_json_lines (run->out);
}

void
ls_test_run_headlessv (LsHeadlessRun      *run,
                       LsHeadlessRunFlags  flags,
                       const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  HeadlessWait wait = { 0 };
  GSource *deadline = NULL;
  gboolean killed = FALSE;
  gint64 start_us;

  g_assert_nonnull (run);
  g_assert_null (run->out);
  g_assert_null (run->err);
  g_assert_null (run->lines);
  g_assert_true (!(flags & LS_HEADLESS_RUN_JSON_LINES) || !(flags & LS_HEADLESS_RUN_DISCARD_OUT));

  launcher = g_subprocess_launcher_new (((flags & LS_HEADLESS_RUN_DISCARD_OUT)
                                           ? G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                           : G_SUBPROCESS_FLAGS_STDOUT_PIPE) |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (flags & LS_HEADLESS_RUN_DEBUG_LOG)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  if (run->language != NULL)
    g_subprocess_launcher_setenv (launcher, "LANGUAGE", run->language, TRUE);
  if (run->locale != NULL)
    g_subprocess_launcher_setenv (launcher, "LC_ALL", run->locale, TRUE);
  g_ptr_array_add (argv, (char *) ls_test_headless_runner_path ());
  g_ptr_array_add (argv, (char *) "--headless");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* Communicate on a context of our own, so that a deadline can end a
   * run that hangs instead of the whole test binary hanging with it. */
  g_main_context_push_thread_default (context);
  start_us = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, headless_communicated_cb, &wait);
  if (!(flags & LS_HEADLESS_RUN_NO_DEADLINE))
    {
      deadline = g_timeout_source_new (scaled (HEADLESS_DEADLINE_MS));
      g_source_set_callback (deadline, headless_deadline_cb, &wait, NULL);
      g_source_attach (deadline, context);
    }
  while (!wait.done)
    {
      g_main_context_iteration (context, TRUE);
      if (wait.timed_out && !killed)
        {
          /* Its pipes close as it dies: communicate then returns. */
          g_subprocess_force_exit (process);
          killed = TRUE;
        }
    }
  run->seconds = (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
  if (deadline != NULL)
    {
      g_source_destroy (deadline);
      g_source_unref (deadline);
    }
  g_main_context_pop_thread_default (context);

  run->out = g_steal_pointer (&wait.out);
  run->err = g_steal_pointer (&wait.err);
  if (killed)
    g_error ("loopscope --headless did not end within %u ms and was killed; stderr: %s",
             scaled (HEADLESS_DEADLINE_MS), run->err != NULL ? run->err : "");
  g_assert_no_error (wait.error);
  run->status = ls_test_subprocess_status (process);
  if (g_test_initialized ())
    g_test_message ("headless: exit %d after %.0f ms, stderr: %s",
                    run->status, run->seconds * 1000, run->err);
  if (flags & LS_HEADLESS_RUN_JSON_LINES)
    parse_json_lines (run);
}

void
ls_test_run_headless (LsHeadlessRun      *run,
                      LsHeadlessRunFlags  flags,
                      const char         *first_arg,
                      ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  ls_test_run_headlessv (run, flags, (const char * const *) args->pdata);
}

void
ls_headless_run_clear (LsHeadlessRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
  g_clear_pointer (&run->lines, g_ptr_array_unref);
  run->status = 0;
  run->seconds = 0;
}

typedef struct
{
  int            refs;
  GDestroyNotify clear;
  /* keeps the block that follows aligned for any type */
  max_align_t    block[];
} LsTestShared;

#define LS_TEST_SHARED(block) ((LsTestShared *) ((char *) (block) - G_STRUCT_OFFSET (LsTestShared, block)))

gpointer
ls_test_shared_new0 (gsize          size,
                     GDestroyNotify clear)
{
  LsTestShared *shared = g_malloc0 (sizeof (LsTestShared) + size);

  shared->refs = 1;
  shared->clear = clear;
  return shared->block;
}

gpointer
ls_test_shared_ref (gpointer block)
{
  __atomic_fetch_add (&LS_TEST_SHARED (block)->refs, 1, __ATOMIC_RELAXED);
  return block;
}

void
ls_test_shared_unref (gpointer block)
{
  LsTestShared *shared = LS_TEST_SHARED (block);

  if (__atomic_fetch_sub (&shared->refs, 1, __ATOMIC_ACQ_REL) != 1)
    return;
  if (shared->clear != NULL)
    shared->clear (block);
  g_free (shared);
}


char *
ls_test_refused_url (const char *path)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  char *url;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u%s",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), path);
  g_assert_true (g_socket_close (socket, NULL));
  return url;
}

gboolean
ls_test_append_openai_delta (JsonObject *root,
                             GString    *text)
{
  JsonObject *choice = json_array_get_object_element (json_object_get_array_member (root, "choices"), 0);
  JsonObject *delta = json_object_get_object_member (choice, "delta");

  if (!json_object_has_member (delta, "content"))
    return FALSE;
  g_string_append (text, json_object_get_string_member (delta, "content"));
  return TRUE;
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char *
ls_test_sorted_trace_events (const char *trace_text)
{
  g_auto(GStrv) lines = g_strsplit (trace_text, "\n", -1);
  g_autoptr(GPtrArray) events = g_ptr_array_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];

      if (line[0] != '{' || strstr (line, "traceEvents") != NULL)
        continue;
      if (g_str_has_suffix (line, ","))
        line[strlen (line) - 1] = '\0';
      g_ptr_array_add (events, line);
    }
  g_ptr_array_sort (events, compare_lines);
  g_ptr_array_add (events, NULL);
  return g_strjoinv ("\n", (char **) events->pdata);
}
