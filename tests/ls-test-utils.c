/* ls-test-utils.c: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ls-bridge.h"
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
  return ls_worker_get_state (ls_bridge_get_worker (bridge)) == LS_WORKER_RUNNING;
}

gboolean
ls_test_bridge_is_closed (gpointer bridge)
{
  return ls_worker_get_state (ls_bridge_get_worker (bridge)) == LS_WORKER_CLOSED;
}
