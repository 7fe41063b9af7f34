/* ls-test-utils.h: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ls-bridge.h"

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

/* Runs the default context for @ms milliseconds. */
void     ls_test_run_for    (guint           ms);

G_END_DECLS
