/* ls-test-utils.c: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <pthread.h>

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
