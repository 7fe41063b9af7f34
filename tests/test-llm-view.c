/* test-llm-view.c: the Assembled view on a POST /llm, in the real window under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The request editor gets POST /llm with a JSON body, as typed; the view
 * must end with exactly the text the server sent, which this file reads
 * from the stored events on its own (json-glib), on one connection, with
 * its figures filled in. Screenshots go to $LS_BUILD_DIR/tests/screenshots.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ls-application.h"
#include "ls-gui-test-utils.h"
#include "ls-llm-view-private.h"
#include "ls-test-utils.h"
#include "ls-window.h"

#define N_TOKENS 60

typedef struct
{
  LsApplication *app;
  LsWindow      *window;      /* weak */
  LsStream      *stream;      /* the /llm stream, once connected */
  LsLlmView     *view;
  char          *expected;
  guint          frames;
} TestRun;

/* ---- helpers -------------------------------------------------------------- */

/* The stack whose pages are the stream's views. */
static gboolean
is_view_stack (gpointer widget,
               gpointer data)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (widget, "assembled") != NULL;
}

typedef struct
{
  GString *text;
  guint    chunks;
} Expected;

/* Independently of the view: choices[0].delta.content of every chunk. */
static gboolean
expected_cb (const LsEventView *view,
             gpointer           user_data)
{
  Expected *expected = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (view->kind != LS_EVENT_KIND_EVENT || g_str_equal (view->data, "[DONE]"))
    return TRUE;

  g_assert_true (json_parser_load_from_data (parser, view->data, (gssize) view->data_len, NULL));
  if (ls_test_append_openai_delta (json_node_get_object (json_parser_get_root (parser)), expected->text))
    expected->chunks++;
  return TRUE;
}

static gboolean
settle (TestRun *run)
{
  if (run->frames++ < 10)
    return FALSE;
  run->frames = 0;
  return TRUE;
}

/* ---- steps ---------------------------------------------------------------- */

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  ls_window_show_page (run->window, "stream");
  g_assert_true (ls_gui_test_resize_window (run->window, 1280, 800));

  return TRUE;
}

static gboolean
step_connect (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsRequestEditor *editor = ls_stream_page_get_editor (page);
  GtkStack *stack;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  if (ls_stream_page_get_stream (page) == NULL || !ls_gui_test_window_has_size (run->window, 1280, 800))
    return FALSE;   /* the demo's own stream first: this one replaces it */

  /* Slow enough to be seen growing. (No first_token_ms: a first byte of
   * 100 ms or more widens the status line's figures past 800 pixels.) */
  url = g_strdup_printf ("%s/llm?interval_ms=40",
                         ls_demo_server_get_base_uri (ls_application_get_demo_server (run->app)));
  body = g_strdup_printf ("{\"prompt\":\"Show me the assembled text\",\"max_tokens\":%d}", N_TOKENS);
  ls_request_editor_set_method (editor, "POST");
  ls_request_editor_set_url (editor, url);
  ls_request_editor_clear_headers (editor);
  ls_request_editor_add_header (editor, "Content-Type", "application/json");
  ls_request_editor_set_body (editor, body);
  g_assert_true (ls_stream_page_connect (page));
  run->stream = g_object_ref (ls_stream_page_get_stream (page));

  stack = ls_gui_test_find (page, is_view_stack, NULL);
  g_assert_nonnull (stack);
  gtk_stack_set_visible_child_name (stack, "assembled");
  run->view = LS_LLM_VIEW (ls_gui_test_find_type (gtk_stack_get_child_by_name (stack, "assembled"), LS_TYPE_LLM_VIEW));
  g_assert_nonnull (run->view);

  return TRUE;
}

/* Part of the text is in while the stream still runs. */
static gboolean
step_growing (gpointer data)
{
  TestRun *run = data;
  LsLlmFigures figures;

  ls_llm_assembler_get_figures (_ls_llm_view_get_assembler (run->view), &figures);
  if (figures.tokens < 15 && !LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (run->stream)))
    return FALSE;
  if (!gtk_widget_get_mapped (GTK_WIDGET (run->view)))
    return FALSE;

  g_assert_cmpstr (_ls_llm_view_get_dialect_text (run->view), ==, "OpenAI-style stream");
  if (!ls_gui_test_screenshot (run->window, "llm-view-1280x800-live"))
    return FALSE;

  return TRUE;
}

static gboolean
step_ended (gpointer data)
{
  TestRun *run = data;
  LsEventStore *store = ls_stream_get_store (run->stream);
  Expected expected = { NULL, 0 };
  g_autofree char *shown = NULL;
  LsStreamStats stats;
  const char *ttft;

  if (!LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (run->stream)))
    return FALSE;

  /* Ended once: completed, one connection, no reconnect. */
  g_assert_cmpint (ls_stream_get_state (run->stream), ==, LS_STREAM_ENDED);
  g_assert_cmpint (ls_stream_get_end (run->stream), ==, LS_STREAM_END_COMPLETED);
  ls_stream_get_stats (run->stream, &stats);
  g_assert_cmpuint (stats.connects, ==, 1);
  g_assert_cmpuint (stats.opens, ==, 1);
  g_assert_cmpuint (stats.reconnects, ==, 0);

  /* Only now: a poll that returns early above owns nothing. */
  expected.text = g_string_new (NULL);
  ls_event_store_foreach_range (store, ls_event_store_get_first_seq (store), ls_event_store_get_end_seq (store),
                                expected_cb, &expected);
  g_assert_cmpuint (expected.chunks, ==, N_TOKENS);
  g_assert_true (g_str_has_prefix (expected.text->str, "You said: Show me the assembled text."));
  run->expected = g_string_free (expected.text, FALSE);

  g_assert_cmpstr (ls_llm_view_get_text (run->view), ==, run->expected);
  shown = _ls_llm_view_dup_buffer_text (run->view);
  g_assert_cmpstr (shown, ==, run->expected);

  g_assert_cmpstr (_ls_llm_view_get_dialect_text (run->view), ==, "OpenAI-style stream");
  g_assert_cmpstr (_ls_llm_view_get_finish_text (run->view), ==, "Finished: stop");
  ttft = _ls_llm_view_get_figure_text (run->view, LS_LLM_FIGURE_TTFT);
  g_assert_cmpstr (ttft, !=, "");
  g_assert_cmpstr (ttft, !=, "—");
  for (guint i = 0; i < LS_LLM_N_FIGURES; i++)
    g_assert_cmpstr (_ls_llm_view_get_figure_text (run->view, i), !=, "—");
  g_assert_cmpstr (_ls_llm_view_get_figure_text (run->view, LS_LLM_FIGURE_TOKENS), ==, "60");
  /* Idle stays idle. */
  g_assert_false (_ls_llm_view_is_ticking (run->view));

  return TRUE;
}

static gboolean
step_screenshot_ended (gpointer data)
{
  TestRun *run = data;

  if (!settle (run))
    return FALSE;
  if (!ls_gui_test_screenshot (run->window, "llm-view-1280x800"))
    return FALSE;
  g_assert_true (ls_gui_test_resize_window (run->window, 800, 600));

  return TRUE;
}

static gboolean
step_small_window (gpointer data)
{
  TestRun *run = data;
  GtkWidget *view = GTK_WIDGET (run->view);
  GtkWidget *text_view = ls_gui_test_find_type (view, GTK_TYPE_TEXT_VIEW);

  if (!ls_gui_test_window_has_size (run->window, 800, 600) || !settle (run))
    return FALSE;

  /* Everything fits: the view no wider than the window, the text keeps room. */
  g_assert_cmpint (gtk_widget_get_width (view), <=, 800);
  g_assert_cmpint (gtk_widget_get_height (text_view), >=, 100);
  if (!ls_gui_test_screenshot (run->window, "llm-view-800x600"))
    return FALSE;

  return TRUE;
}

/* A JSON pointer re-reads the store: the same text, said to come from it;
 * a pointer to nothing gives no text and the hint. */
static gboolean
step_pointer (gpointer data)
{
  TestRun *run = data;

  ls_llm_view_set_pointer (run->view, "/choices/0/delta/content");
  g_assert_cmpstr (ls_llm_view_get_text (run->view), ==, run->expected);
  g_assert_cmpstr (_ls_llm_view_get_dialect_text (run->view), ==, "Text at the JSON pointer");

  ls_llm_view_set_pointer (run->view, "/nothing/here");
  g_assert_cmpstr (ls_llm_view_get_text (run->view), ==, "");
  g_assert_cmpstr (_ls_llm_view_get_dialect_text (run->view), ==, "Nothing at this JSON pointer yet");
  g_assert_cmpstr (_ls_llm_view_get_figure_text (run->view, LS_LLM_FIGURE_TTFT), ==, "—");

  ls_llm_view_set_pointer (run->view, NULL);
  g_assert_cmpstr (ls_llm_view_get_text (run->view), ==, run->expected);
  g_assert_cmpstr (_ls_llm_view_get_dialect_text (run->view), ==, "OpenAI-style stream");

  return TRUE;
}

static gboolean
step_pointer_shown (gpointer data)
{
  TestRun *run = data;
  g_autofree char *shown = NULL;

  if (!settle (run))
    return FALSE;
  shown = _ls_llm_view_dup_buffer_text (run->view);
  g_assert_cmpstr (shown, ==, run->expected);
  g_assert_false (_ls_llm_view_is_ticking (run->view));

  return TRUE;
}

static gboolean
step_quit (gpointer data)
{
  TestRun *run = data;

  g_clear_object (&run->stream);
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);

  return TRUE;
}

static void
test_llm_view (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "connect POST /llm", step_connect },
    { "text growing", step_growing },
    { "stream ended", step_ended },
    { "screenshot at 1280x800", step_screenshot_ended },
    { "800x600", step_small_window },
    { "JSON pointer", step_pointer },
    { "JSON pointer shown", step_pointer_shown },
    { "quit", step_quit },
  };
  TestRun run = { NULL, };

  ls_gui_test_run_new_app (TRUE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           NULL);
  g_free (run.expected);
}

int
main (int   argc,
      char *argv[])
{
  return ls_gui_test_main (&argc, &argv, "/llm-view/post-assembled", test_llm_view);
}
