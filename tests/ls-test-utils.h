/* ls-test-utils.h: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ls-bridge.h"
#include "ls-demo-server.h"
#include "ls-stream.h"

G_BEGIN_DECLS

typedef gboolean (*LsTestCondition) (gpointer user_data);

/* Iterates the global default context (which the test thread owns) until
 * @condition holds or @timeout_ms passes (times LS_TEST_TIMEOUT_SCALE);
 * never sleeps. Returns whether the condition held. */
gboolean ls_test_wait_until (LsTestCondition condition,
                             gpointer        user_data,
                             guint           timeout_ms);

/* A bridge whose worker runs (asserted), and its orderly stop: CLOSED
 * within a deadline, asserted. */
LsBridge *ls_test_bridge_new_running (LsRecorder *recorder);
void      ls_test_bridge_stop        (LsBridge   *bridge);

/* Whether an LsStream reached a final state, for ls_test_wait_until(). */
gboolean  ls_test_stream_is_final    (gpointer    stream);

/* What a stream test needs: a recorder, a running bridge (asserted) and an
 * event store; streams get ids from 1 on. A g_test fixture whose type
 * starts with it can use the setup/teardown below (recorder of 1 << 16). */
typedef struct
{
  LsRecorder   *recorder;
  LsBridge     *bridge;
  LsEventStore *store;
  guint32       next_id;
} LsTestStreams;

void      ls_test_streams_init      (LsTestStreams         *s,
                                     gsize                  recorder_capacity);
/* Stops the bridge (asserted CLOSED) and finalizes what init made. */
void      ls_test_streams_clear     (LsTestStreams         *s);
void      ls_test_streams_setup     (LsTestStreams         *s,
                                     gconstpointer          data);
void      ls_test_streams_teardown  (LsTestStreams         *s,
                                     gconstpointer          data);
/* A stream of @options on @bridge into @store, started (asserted). */
LsStream *ls_test_stream_start      (LsBridge              *bridge,
                                     const LsStreamOptions *options,
                                     LsEventStore          *store,
                                     guint32                id);
/* The same on @s's bridge and store, with the next id. */
LsStream *ls_test_streams_start     (LsTestStreams         *s,
                                     const LsStreamOptions *options);
/* Streams taken together, for ls_test_wait_until(): each has at least
 * @min_events events, each is in @state, each is final. */
typedef struct
{
  LsStream      **streams;
  guint           n;
  guint64         min_events;
  LsStreamState   state;
} LsTestGroup;

gboolean  ls_test_group_has_events  (gpointer               group);
gboolean  ls_test_group_in_state    (gpointer               group);
gboolean  ls_test_group_is_final    (gpointer               group);

/* Calls @func for each record of stream @stream_id in @store, oldest
 * first, until it returns FALSE. */
void      ls_test_foreach_of_stream (LsEventStore          *store,
                                     guint32                stream_id,
                                     LsEventFunc            func,
                                     gpointer               data);

/* Waits (20 s deadline, asserted) until @stream is final. */
void      ls_test_wait_final        (LsStream              *stream);

/* Makes @server listen on an ephemeral port of 127.0.0.1 (IPv4 only, and
 * @options), asserted; returns the port. */
guint         ls_test_soup_listen       (SoupServer              *server,
                                         SoupServerListenOptions  options);
/* Sets @msg's status and, with a @content_type, its body (copied). */
void          ls_test_soup_respond      (SoupServerMessage       *msg,
                                         guint                    status,
                                         const char              *content_type,
                                         const char              *body,
                                         gsize                    len);

/* @options must not validate: the error has @code, mentions @fragment
 * and is one line (asserted). Returns its message, for more checks. */
char         *ls_test_assert_invalid    (const LsStreamOptions   *options,
                                         LsStreamError            code,
                                         const char              *fragment);

/* For g_array_sort() and qsort() over gint64. */
int           ls_test_compare_gint64    (gconstpointer            a,
                                         gconstpointer            b);
/* The value at @fraction of @sorted (gint64, ascending): the one at
 * floor (fraction × n), the last at most; 0 when empty. */
gint64        ls_test_percentile        (GArray                  *sorted,
                                         double                   fraction);

/* A demo server on an ephemeral port of 127.0.0.1 (asserted), and its stop
 * (finalized, asserted). */
LsDemoServer *ls_test_demo_server_start (void);
void          ls_test_demo_server_stop  (LsDemoServer *demo);

/* Conditions on an LsBridge's worker, for ls_test_wait_until(). */
gboolean ls_test_bridge_is_running (gpointer bridge);
gboolean ls_test_bridge_is_closed  (gpointer bridge);

/* A thread running its own GMainContext (pushed thread-default) and one
 * GMainLoop, for test servers: @setup runs on the thread before the loop
 * (start returns once it has), @teardown after the loop quit; then what is
 * still pending is dispatched. Stop quits the loop from inside and joins. */
typedef void (*LsTestThreadFunc) (gpointer user_data);
typedef struct _LsTestLoopThread LsTestLoopThread;

LsTestLoopThread *ls_test_loop_thread_start (const char       *name,
                                             LsTestThreadFunc  setup,
                                             LsTestThreadFunc  teardown,
                                             gpointer          user_data);
void              ls_test_loop_thread_stop  (LsTestLoopThread *thread);

/* A SoupServer on a thread of its own (an LsTestLoopThread), serving every
 * path with @handler (@data) on 127.0.0.1: HTTPS with @certificate (may
 * be NULL). @before_stop (may be NULL) runs on the server's thread with
 * @data before the server disconnects. Start returns once it listens. */
typedef struct
{
  LsTestLoopThread   *thread;
  SoupServer         *server;       /* the server thread's */
  guint               port;
  GTlsCertificate    *certificate;
  SoupServerCallback  handler;
  gpointer            data;
  LsTestThreadFunc    before_stop;
} LsTestSoupServer;

void          ls_test_soup_server_start (LsTestSoupServer        *s,
                                         const char              *name);
void          ls_test_soup_server_stop  (LsTestSoupServer        *s);

/* A reference-counted block handed between threads. Like
 * g_atomic_rc_box_new0() but counted with compiler atomics in this file, so
 * ThreadSanitizer sees the last release order every earlier access (GLib's
 * own atomics are in an uninstrumented library). @clear runs before the
 * block is freed by whoever lets go last. */
gpointer ls_test_shared_new0  (gsize          size,
                               GDestroyNotify clear);
gpointer ls_test_shared_ref   (gpointer       block);
void     ls_test_shared_unref (gpointer       block);
#define ls_test_shared_new(Type, clear) ((Type *) ls_test_shared_new0 (sizeof (Type), (clear)))

/* http://127.0.0.1:PORT@path on a port nobody listens on (bound, noted,
 * closed): a connection there is refused. Newly allocated. */
char         *ls_test_refused_url       (const char              *path);

/* Appends choices[0].delta.content of an OpenAI-style chunk (@root, as
 * parsed) to @text: what an assembler should add, found without one.
 * FALSE, and nothing appended, when the delta carries no content. */
gboolean      ls_test_append_openai_delta (JsonObject            *root,
                                           GString               *text);

/* A Chrome trace's events (our export: one per line), sorted, one per
 * line: thread names may come in another order. The line opening the
 * array and otherData's are left out. Newly allocated. */
char    *ls_test_sorted_trace_events (const char *trace_text);

/* Runs the default context for @ms milliseconds. */
void     ls_test_run_for    (guint           ms);

/* `loopscope --headless` as a child process: LS_BUILD_DIR/tests/
 * ls-headless-runner (next to the running test without LS_BUILD_DIR), run
 * with "--headless" and the given arguments until it exits, its standard
 * output and error collected. A run that has not ended within a minute
 * (times LS_TEST_TIMEOUT_SCALE) is killed and fails the test. */
typedef enum
{
  LS_HEADLESS_RUN_DEFAULT     = 0,
  LS_HEADLESS_RUN_DISCARD_OUT = 1 << 0,  /* standard output to /dev/null (events in a file) */
  LS_HEADLESS_RUN_DEBUG_LOG   = 1 << 1,  /* G_MESSAGES_DEBUG=all: every log line on stderr */
  LS_HEADLESS_RUN_JSON_LINES  = 1 << 2,  /* parse each output line into lines (asserted) */
  LS_HEADLESS_RUN_NO_DEADLINE = 1 << 3,  /* benchmarks: as long as it takes */
} LsHeadlessRunFlags;

typedef struct
{
  int        status;   /* exit status, or -N when killed by signal N */
  char      *out;      /* standard output; NULL with LS_HEADLESS_RUN_DISCARD_OUT */
  char      *err;      /* standard error */
  GPtrArray *lines;    /* of JsonObject * (owned), with LS_HEADLESS_RUN_JSON_LINES */
  double     seconds;  /* from spawn to exit */
  /* In, optional (static strings, kept by clear): the child's LANGUAGE
   * and LC_ALL, e.g. "de" and "de_DE.UTF-8". */
  const char *language;
  const char *locale;
} LsHeadlessRun;

/* Each line of @text (JSON objects, one per line, the last one ended by
 * a newline) as a JsonObject (owned by the array); asserted. */
GPtrArray  *ls_test_json_lines           (const char          *text);

const char *ls_test_headless_runner_path (void);
/* src/loopscope when built, else the runner. */
const char *ls_test_headless_binary      (void);
/* The exit status of @process, or -N when killed by signal N. */
int         ls_test_subprocess_status    (GSubprocess         *process);
/* @run must be zeroed (or cleared); the arguments follow "--headless". */
void        ls_test_run_headless         (LsHeadlessRun       *run,
                                          LsHeadlessRunFlags   flags,
                                          const char          *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
void        ls_test_run_headlessv        (LsHeadlessRun       *run,
                                          LsHeadlessRunFlags   flags,
                                          const char * const  *args);
void        ls_headless_run_clear        (LsHeadlessRun       *run);

G_END_DECLS
