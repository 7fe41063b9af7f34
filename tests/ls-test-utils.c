/* ls-test-utils.c: helpers shared by the engine tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ls-test-utils.h"

static gboolean
deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ls_test_wait_until (LsTestCondition condition,
                    gpointer        user_data,
                    guint           timeout_ms)
{
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);
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
