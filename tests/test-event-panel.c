/* test-event-panel.c: the events view of the Stream page, driven as a user
 * would, in the real window on the demo server. Runs under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo server's tick stream is known by construction: events
 * "tick" numbered 1, 2, 3… with data {"n":N,"t":MS,"pad":""}. The test
 * sets the filters through the panel's own widgets and checks the table
 * and the count it shows against the store, read independently here.
 * Screenshots go to $LS_BUILD_DIR/tests/screenshots.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ls-application.h"
#include "ls-event-panel-private.h"
#include "ls-format.h"
#include "ls-gui-test-utils.h"
#include "ls-window.h"

#define N_TICKS 3000

typedef struct
{
  LsApplication *app;
  LsWindow      *window;      /* weak */
  LsEventPanel  *panel;
  LsStream      *stream;      /* the known stream's, to tell it from the next */
  guint          expected;    /* what the current filter must keep */
  guint64        followed_seq;
  char          *clipboard_text;
  gboolean       clipboard_read;
  char          *expected_clipboard;
  guint          frames;
} TestRun;

/* ---- helpers -------------------------------------------------------------- */

static LsEventList *
run_list (TestRun *run)
{
  return ls_event_panel_get_list (run->panel);
}

static LsEventStore *
run_store (TestRun *run)
{
  return ls_event_list_get_store (run_list (run));
}

static GtkWidget *
panel_child (TestRun    *run,
             const char *id)
{
  GtkWidget *child = _ls_event_panel_get_child (run->panel, id);

  g_assert_nonnull (child);
  return child;
}

typedef struct
{
  const char *text;        /* substring of data, or NULL */
  GRegex     *regex;       /* or this on data */
  const char *type;        /* or NULL */
  gboolean    no_lifecycle;
  gboolean    no_comments;
  gboolean    comments_only;
  guint       n;
} Expect;

static gboolean
count_expected_cb (const LsEventView *view,
                   gpointer           user_data)
{
  Expect *expect = user_data;
  gboolean lifecycle = view->kind == LS_EVENT_KIND_OPEN || view->kind == LS_EVENT_KIND_ERROR
                       || view->kind == LS_EVENT_KIND_RECONNECT || view->kind == LS_EVENT_KIND_CLOSED;

  if (expect->no_lifecycle && lifecycle)
    return TRUE;
  if (expect->no_comments && view->kind == LS_EVENT_KIND_COMMENT)
    return TRUE;
  if (expect->comments_only && view->kind != LS_EVENT_KIND_COMMENT)
    return TRUE;
  if (expect->type != NULL && strcmp (view->type, expect->type) != 0)
    return TRUE;
  if (expect->text != NULL && strstr (view->data, expect->text) == NULL)
    return TRUE;
  if (expect->regex != NULL && !g_regex_match (expect->regex, view->data, 0, NULL))
    return TRUE;
  expect->n++;

  return TRUE;
}

/* The events of the store a filter must keep, counted here by another
 * road than the list's (the data are plain ASCII, no case games). */
static guint
count_expected (TestRun *run,
                Expect   expect)
{
  guint64 first, end;

  ls_event_store_get_range (run_store (run), &first, &end);
  ls_event_store_foreach_range (run_store (run), first, end, count_expected_cb, &expect);

  return expect.n;
}

/* The list has caught up with the filter, holds @run->expected items,
 * and the count label says so, "N of TOTAL". */
static gboolean
filter_settled (TestRun *run)
{
  LsEventList *list = run_list (run);
  GtkLabel *count_label = GTK_LABEL (panel_child (run, "count_label"));
  g_autofree char *expected_label = NULL;
  char n_buf[32];
  char total_buf[32];

  if (ls_event_list_get_searching (list)
      || g_list_model_get_n_items (G_LIST_MODEL (list)) != run->expected)
    return FALSE;

  ls_format_count (n_buf, sizeof n_buf, run->expected);
  ls_format_count (total_buf, sizeof total_buf, ls_event_list_get_n_total (list));
  expected_label = g_strdup_printf ("%s of %s", n_buf, total_buf);
  if (g_strcmp0 (gtk_label_get_text (count_label), expected_label) != 0)
    return FALSE;   /* the label follows at the next frame */

  return TRUE;
}

static void
resize_window (TestRun *run,
               int      width,
               int      height)
{
  g_assert_true (ls_gui_test_resize_window (run->window, width, height));
}

/* The Stream page connected to @path on the app's demo server, as typed
 * into the URL entry; returns the new stream. */
static LsStream *
connect_demo (TestRun    *run,
              const char *path)
{
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  LsDemoServer *server = ls_application_get_demo_server (run->app);
  g_autofree char *url = g_strconcat (ls_demo_server_get_base_uri (server), path, NULL);

  ls_request_editor_set_url (ls_stream_page_get_editor (page), url);
  g_assert_true (ls_stream_page_connect (page));
  return ls_stream_page_get_stream (page);
}

static gboolean
window_has_size (TestRun *run,
                 int      width,
                 int      height)
{
  return ls_gui_test_window_has_size (run->window, width, height);
}

static gboolean
newest_rows_visible (TestRun *run)
{
  LsEventList *list = run_list (run);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  return n >= 2
         && (_ls_event_panel_row_is_visible (run->panel, ls_event_list_get_seq (list, n - 1))
             || _ls_event_panel_row_is_visible (run->panel, ls_event_list_get_seq (list, n - 2)));
}

/* ---- steps ---------------------------------------------------------------- */

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  if (!ls_gui_test_demo_window_shown (run->app, (gpointer *) &run->window))
    return FALSE;
  run->panel = ls_stream_page_get_event_panel (ls_window_get_stream_page (run->window));
  ls_window_show_page (run->window, "stream");
  resize_window (run, 1280, 800);

  return TRUE;
}

/* A finite tick stream as fast as the server can, whose reconnection
 * waits an hour: once it is in, the store holds still. (A minute was
 * once over in a slow AddressSanitizer run: the reconnect went out while
 * the test went on.) */
static gboolean
step_connect_known_stream (gpointer data)
{
  TestRun *run = data;
  LsStreamPage *page = ls_window_get_stream_page (run->window);
  g_autofree char *path = NULL;

  if (ls_stream_page_get_stream (page) == NULL)
    return FALSE;   /* the demo's own stream first: this one replaces it */

  path = g_strdup_printf ("/sse/ticks?rate=0&count=%d&retry=3600000", N_TICKS);
  run->stream = connect_demo (run, path);

  return TRUE;
}

static gboolean
step_known_stream_in (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);
  Expect ticks = { .type = "tick" };
  guint64 first, end;

  if (ls_stream_get_state (run->stream) != LS_STREAM_WAITING || !window_has_size (run, 1280, 800))
    return FALSE;
  if (count_expected (run, ticks) != N_TICKS)
    return FALSE;

  ls_event_store_get_range (run_store (run), &first, &end);
  run->expected = (guint) (end - first);
  if (g_list_model_get_n_items (G_LIST_MODEL (list)) != run->expected)
    return FALSE;

  g_assert_false (ls_event_list_get_filtered (list));
  /* The type drop-down offers what came: all types, then "tick". */
  g_assert_cmpuint (ls_event_list_get_n_types (list), ==, 1);
  g_assert_cmpstr (ls_event_list_get_type_name (list, 0), ==, "tick");

  return TRUE;
}

static gboolean
step_screenshot_wide (gpointer data)
{
  TestRun *run = data;
  GtkPaned *paned = GTK_PANED (panel_child (run, "paned"));
  g_autofree char *path = NULL;

  /* Wide: the detail pane beside the list, and Follow at the bottom. */
  if (gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)) != GTK_ORIENTATION_HORIZONTAL)
    return FALSE;
  if (run->frames++ < 10)
    return FALSE;   /* let the layout and the scroll settle */
  run->frames = 0;

  path = ls_gui_test_save_screenshot (run->window, "event-panel-1280x800");
  if (path == NULL)
    return FALSE;
  g_test_message ("screenshot: %s", path);
  g_assert_true (ls_event_panel_get_follow (run->panel));
  g_assert_true (_ls_event_panel_row_is_visible (run->panel,
                                                 ls_event_list_get_seq (run_list (run), run->expected - 1)));

  return TRUE;
}

static gboolean
step_filter_type (gpointer data)
{
  TestRun *run = data;
  GtkDropDown *dropdown = GTK_DROP_DOWN (panel_child (run, "type_dropdown"));
  GListModel *types = gtk_drop_down_get_model (dropdown);
  Expect ticks = { .type = "tick" };

  g_assert_cmpuint (g_list_model_get_n_items (types), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (types), 1), ==, "tick");
  gtk_drop_down_set_selected (dropdown, 1);
  run->expected = count_expected (run, ticks);
  g_assert_cmpuint (run->expected, ==, N_TICKS);

  return TRUE;
}

static gboolean
step_filter_type_settled (gpointer data)
{
  return filter_settled (data);
}

/* Plain text: "n":12 is in ticks 12, 120-129 and 1200-1299. */
static gboolean
step_filter_text (gpointer data)
{
  TestRun *run = data;
  Expect expect = { .type = "tick", .text = "\"n\":12" };

  gtk_editable_set_text (GTK_EDITABLE (panel_child (run, "search_entry")), "\"N\":12");
  run->expected = count_expected (run, expect);
  g_assert_cmpuint (run->expected, ==, 1 + 10 + 100);

  return TRUE;
}

static gboolean
step_filter_text_settled (gpointer data)
{
  TestRun *run = data;
  g_autoptr(LsEventItem) item = NULL;

  if (!filter_settled (run))
    return FALSE;

  item = g_list_model_get_item (G_LIST_MODEL (run_list (run)), 0);
  g_assert_true (g_str_has_prefix (ls_event_item_get_view (item)->data, "{\"n\":12,"));

  return TRUE;
}

/* Regex: the ticks whose number ends in 7, one in ten. */
static gboolean
step_filter_regex (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GRegex) regex = g_regex_new ("\"n\":\\d*7,", 0, 0, NULL);
  Expect expect = { .type = "tick", .regex = regex };

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (panel_child (run, "regex_button")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (panel_child (run, "search_entry")), "\"n\":\\d*7,");
  run->expected = count_expected (run, expect);
  g_assert_cmpuint (run->expected, ==, N_TICKS / 10);

  return TRUE;
}

static gboolean
step_filter_regex_settled (gpointer data)
{
  return filter_settled (data);
}

/* An invalid regex: said under the entry, the entry marked, the last
 * valid filter still in force. */
static gboolean
step_filter_bad_regex (gpointer data)
{
  TestRun *run = data;

  gtk_editable_set_text (GTK_EDITABLE (panel_child (run, "search_entry")), "\"n\":(7");

  return TRUE;
}

static gboolean
step_filter_bad_regex_shown (gpointer data)
{
  TestRun *run = data;
  GtkWidget *error_label = panel_child (run, "filter_error_label");
  g_autofree char *path = NULL;

  if (!gtk_widget_get_visible (error_label))
    return FALSE;

  g_assert_true (gtk_widget_has_css_class (panel_child (run, "search_entry"), "error"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), !=, "");
  g_assert_true (filter_settled (run));
  path = ls_gui_test_save_screenshot (run->window, "event-panel-bad-regex");
  if (path == NULL)
    return FALSE;
  g_test_message ("screenshot: %s", path);

  return TRUE;
}

/* All types, no text, lifecycle rows hidden: the ticks only. */
static gboolean
step_hide_lifecycle (gpointer data)
{
  TestRun *run = data;
  Expect expect = { .no_lifecycle = TRUE };
  Expect lifecycle_rows = { 0, };

  gtk_editable_set_text (GTK_EDITABLE (panel_child (run, "search_entry")), "");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (panel_child (run, "regex_button")), FALSE);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (panel_child (run, "type_dropdown")), 0);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (panel_child (run, "lifecycle_check")), FALSE);
  run->expected = count_expected (run, expect);
  g_assert_cmpuint (run->expected, ==, N_TICKS);
  /* There were some to hide: open, and reconnect after the end. */
  g_assert_cmpuint (count_expected (run, lifecycle_rows), >=, N_TICKS + 2);

  return TRUE;
}

static gboolean
step_hide_lifecycle_settled (gpointer data)
{
  TestRun *run = data;

  if (!filter_settled (run))
    return FALSE;

  g_assert_false (gtk_widget_get_visible (panel_child (run, "filter_error_label")));
  g_assert_false (gtk_widget_has_css_class (panel_child (run, "search_entry"), "error"));

  return TRUE;
}

/* ---- context menu --------------------------------------------------------- */

static void
on_clipboard_read_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TestRun *run = user_data;
  g_autoptr(GError) error = NULL;

  run->clipboard_text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  run->clipboard_read = TRUE;
}

/* The menu is a surface of its own: only the X server's picture of the
 * screen shows it. */
static void
save_screen (const char *name)
{
  g_autofree char *import = g_find_program_in_path ("import");
  g_autofree char *command = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (import == NULL)
    return;
  path = g_build_filename (g_getenv ("LS_BUILD_DIR") != NULL ? g_getenv ("LS_BUILD_DIR") : ".",
                           "tests", "screenshots", name, NULL);
  command = g_strdup_printf ("%s -window root %s", import, path);
  if (g_spawn_command_line_sync (command, NULL, NULL, &status, &error))
    g_test_message ("screenshot: %s", path);
}

static void
copy_from_context_menu (TestRun    *run,
                        guint       position,
                        const char *action)
{
  GtkWidget *menu = _ls_event_panel_open_context_menu (run->panel, position);

  g_assert_true (GTK_IS_POPOVER_MENU (menu));
  g_clear_pointer (&run->clipboard_text, g_free);
  run->clipboard_read = FALSE;
  /* What clicking the menu item does: the action, from the menu. */
  g_assert_true (gtk_widget_activate_action (menu, action, NULL));
  gtk_popover_popdown (GTK_POPOVER (menu));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (run->panel)), NULL,
                                 on_clipboard_read_cb, run);
}

static gboolean
step_copy_data (gpointer data)
{
  TestRun *run = data;
  g_autoptr(LsEventItem) item = g_list_model_get_item (G_LIST_MODEL (run_list (run)), 41);

  g_assert_nonnull (item);
  g_free (run->expected_clipboard);
  run->expected_clipboard = g_strdup (ls_event_item_get_view (item)->data);
  g_assert_true (g_str_has_prefix (run->expected_clipboard, "{\"n\":42,"));
  _ls_event_panel_open_context_menu (run->panel, 41);

  return TRUE;
}

static gboolean
step_context_menu_shown (gpointer data)
{
  TestRun *run = data;
  GtkWidget *menu = _ls_event_panel_open_context_menu (run->panel, 41);

  if (!gtk_widget_get_mapped (menu))
    return FALSE;
  if (run->frames++ < 10)
    return FALSE;
  run->frames = 0;

  save_screen ("event-panel-context-menu.png");
  copy_from_context_menu (run, 41, "event.copy-data");

  return TRUE;
}

static gboolean
step_copy_data_done (gpointer data)
{
  TestRun *run = data;

  if (!run->clipboard_read)
    return FALSE;

  g_assert_cmpstr (run->clipboard_text, ==, run->expected_clipboard);
  /* Selecting a row, here through its menu, stops Follow. */
  g_assert_false (ls_event_panel_get_follow (run->panel));

  return TRUE;
}

static gboolean
step_copy_json (gpointer data)
{
  TestRun *run = data;

  copy_from_context_menu (run, 99, "event.copy-json");

  return TRUE;
}

static gboolean
step_copy_json_done (gpointer data)
{
  TestRun *run = data;
  g_autoptr(LsEventItem) item = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (!run->clipboard_read)
    return FALSE;

  item = g_list_model_get_item (G_LIST_MODEL (run_list (run)), 99);
  g_assert_true (json_parser_load_from_data (parser, run->clipboard_text, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, ls_event_item_get_seq (item) + 1);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "event");
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "tick");
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "100");
  g_assert_cmpstr (json_object_get_string_member (object, "data"), ==, ls_event_item_get_view (item)->data);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "data"), "{\"n\":100,"));
  g_assert_nonnull (json_object_get_string_member (object, "time"));

  return TRUE;
}

/* ---- comments ------------------------------------------------------------- */

/* Two slow events with heartbeats between them, then an hour's wait:
 * the store holds still once they are in. */
static gboolean
step_connect_heartbeats (gpointer data)
{
  TestRun *run = data;

  gtk_check_button_set_active (GTK_CHECK_BUTTON (panel_child (run, "lifecycle_check")), TRUE);
  run->stream = connect_demo (run, "/slow?interval_ms=300&count=2&heartbeat_ms=40&retry=3600000");

  return TRUE;
}

/* Shown by default, in the table, as "comment" rows. */
static gboolean
step_heartbeats_in (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);
  Expect all = { 0, };
  Expect comments = { .comments_only = TRUE };
  LsStreamStats stats;
  guint shown = 0;

  if (ls_stream_get_state (run->stream) != LS_STREAM_WAITING)
    return FALSE;
  ls_stream_get_stats (run->stream, &stats);
  g_assert_cmpuint (stats.events, ==, 2);
  g_assert_cmpuint (stats.comments, >=, 1);
  g_assert_cmpuint (count_expected (run, comments), ==, stats.comments);
  run->expected = count_expected (run, all);
  if (ls_event_list_get_searching (list) || g_list_model_get_n_items (G_LIST_MODEL (list)) != run->expected)
    return FALSE;

  g_assert_false (ls_event_list_get_filtered (list));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(LsEventItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (ls_event_item_get_kind (item) == LS_EVENT_KIND_COMMENT)
        {
          g_assert_cmpstr (ls_event_item_get_view (item)->data, ==, "heartbeat");
          shown++;
        }
    }
  g_assert_cmpuint (shown, ==, stats.comments);
  return TRUE;
}

/* Show ▸ Comments unchecked: the rest stays. */
static gboolean
step_hide_comments (gpointer data)
{
  TestRun *run = data;
  Expect expect = { .no_comments = TRUE };

  gtk_check_button_set_active (GTK_CHECK_BUTTON (panel_child (run, "comments_check")), FALSE);
  run->expected = count_expected (run, expect);
  g_assert_true (ls_event_list_get_filtered (run_list (run)));

  return TRUE;
}

static gboolean
step_hide_comments_settled (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);

  if (!filter_settled (run))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(LsEventItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_cmpint (ls_event_item_get_kind (item), !=, LS_EVENT_KIND_COMMENT);
    }
  gtk_check_button_set_active (GTK_CHECK_BUTTON (panel_child (run, "comments_check")), TRUE);
  g_assert_false (ls_event_list_get_filtered (list));

  return TRUE;
}

/* ---- follow --------------------------------------------------------------- */

/* A live stream: Follow on keeps the newest row in view. */
static gboolean
step_connect_live_stream (gpointer data)
{
  TestRun *run = data;

  gtk_check_button_set_active (GTK_CHECK_BUTTON (panel_child (run, "lifecycle_check")), TRUE);
  connect_demo (run, "/sse/ticks?rate=200");
  g_assert_true (ls_event_panel_get_follow (run->panel));

  return TRUE;
}

static gboolean
step_following (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  if (n < 300)
    return FALSE;

  /* The newest rows on screen, a few polls in a row (they keep coming;
   * the very last may be a frame behind its own scroll). */
  if (!newest_rows_visible (run))
    {
      run->frames = 0;
      return FALSE;
    }
  if (run->frames++ < 3)
    return FALSE;
  run->frames = 0;

  g_assert_true (ls_event_panel_get_follow (run->panel));
  /* The user selects a row near the bottom: Follow stops. */
  _ls_event_panel_select (run->panel, n - 3);
  run->followed_seq = ls_event_list_get_seq (list, n - 3);
  g_assert_false (ls_event_panel_get_follow (run->panel));

  return TRUE;
}

/* Many rows later, the selected row is still where it was. */
static gboolean
step_selected_row_stays (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  if (ls_event_list_find_seq (list, run->followed_seq) + 200 > n)
    return FALSE;

  g_assert_false (ls_event_panel_get_follow (run->panel));
  g_assert_true (_ls_event_panel_row_is_visible (run->panel, run->followed_seq));
  g_assert_false (_ls_event_panel_row_is_visible (run->panel, ls_event_list_get_seq (list, n - 1)));

  /* The Follow button brings it back (a click, which ends a moment
   * later: the next step waits for it). */
  gtk_widget_activate (panel_child (run, "follow_button"));

  return TRUE;
}

static gboolean
step_following_again (gpointer data)
{
  TestRun *run = data;

  if (!ls_event_panel_get_follow (run->panel) || !newest_rows_visible (run))
    return FALSE;

  /* The user scrolls up, to the first row. */
  _ls_event_panel_select (run->panel, GTK_INVALID_LIST_POSITION);
  g_assert_true (ls_event_panel_get_follow (run->panel));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (panel_child (run, "scrolled"))), 0);

  return TRUE;
}

/* Scrolling up stops Follow: the top stays on screen as rows come. The
 * first row opens the connection, drawn as a divider. */
static gboolean
step_scrolled_up (gpointer data)
{
  TestRun *run = data;
  LsEventList *list = run_list (run);
  g_autoptr(LsEventItem) first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_autofree char *path = NULL;

  if (ls_event_panel_get_follow (run->panel)
      || !_ls_event_panel_row_is_visible (run->panel, ls_event_list_get_seq (list, 0)))
    return FALSE;
  if (run->frames++ < 20)
    return FALSE;
  run->frames = 0;

  g_assert_false (ls_event_panel_get_follow (run->panel));
  g_assert_true (_ls_event_panel_row_is_visible (run->panel, ls_event_list_get_seq (list, 0)));
  g_assert_cmpint (ls_event_item_get_kind (first), ==, LS_EVENT_KIND_OPEN);
  path = ls_gui_test_save_screenshot (run->window, "event-panel-scrolled-up");
  if (path == NULL)
    return FALSE;
  g_test_message ("screenshot: %s", path);

  ls_event_panel_set_follow (run->panel, TRUE);
  resize_window (run, 800, 600);

  return TRUE;
}

/* ---- 800×600 -------------------------------------------------------------- */

static gboolean
step_small_window (gpointer data)
{
  TestRun *run = data;
  GtkPaned *paned = GTK_PANED (panel_child (run, "paned"));
  GtkWidget *scrolled = panel_child (run, "scrolled");
  GtkAdjustment *hadjustment;
  g_autofree char *path = NULL;

  if (!window_has_size (run, 800, 600)
      || gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)) != GTK_ORIENTATION_VERTICAL)
    return FALSE;
  if (run->frames++ < 10)
    return FALSE;
  run->frames = 0;

  /* Every column fits: the data column is on screen, no sideways scroll. */
  hadjustment = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scrolled));
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadjustment), <=,
                     gtk_adjustment_get_page_size (hadjustment) + 1);
  /* Nothing selected: the detail pane gives its room to the list. */
  g_assert_false (gtk_widget_get_visible (panel_child (run, "detail_box")));
  g_assert_cmpint (gtk_widget_get_height (scrolled), >=, 150);
  path = ls_gui_test_save_screenshot (run->window, "event-panel-800x600");
  if (path == NULL)
    return FALSE;
  g_test_message ("screenshot: %s", path);

  _ls_event_panel_select (run->panel, 5);

  return TRUE;
}

static gboolean
step_small_window_selected (gpointer data)
{
  TestRun *run = data;
  g_autofree char *path = NULL;

  /* The detail pane under the list, the list keeping a good part. */
  if (!gtk_widget_get_visible (panel_child (run, "detail_box"))
      || gtk_widget_get_height (panel_child (run, "scrolled")) * 5
         < gtk_widget_get_height (panel_child (run, "paned")) * 2)
    return FALSE;
  if (run->frames++ < 10)
    return FALSE;
  run->frames = 0;

  g_assert_cmpint (gtk_widget_get_height (panel_child (run, "detail_box")), >, 0);
  path = ls_gui_test_save_screenshot (run->window, "event-panel-800x600-selected");
  if (path == NULL)
    return FALSE;
  g_test_message ("screenshot: %s", path);

  /* The detail pane's close button (or Esc): the list gets the room back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->panel), "event.unselect", NULL));

  return TRUE;
}

static gboolean
step_small_window_closed (gpointer data)
{
  TestRun *run = data;

  if (gtk_widget_get_visible (panel_child (run, "detail_box")))
    return FALSE;

  g_assert_null (gtk_single_selection_get_selected_item (
    GTK_SINGLE_SELECTION (gtk_column_view_get_model (GTK_COLUMN_VIEW (panel_child (run, "column_view"))))));

  return TRUE;
}

static void
test_event_panel (void)
{
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "connect the known stream", step_connect_known_stream },
    { "known stream in", step_known_stream_in },
    { "screenshot at 1280x800", step_screenshot_wide },
    { "filter by type", step_filter_type },
    { "type filter settled", step_filter_type_settled },
    { "filter by text", step_filter_text },
    { "text filter settled", step_filter_text_settled },
    { "filter by regex", step_filter_regex },
    { "regex filter settled", step_filter_regex_settled },
    { "invalid regex", step_filter_bad_regex },
    { "invalid regex shown", step_filter_bad_regex_shown },
    { "hide lifecycle rows", step_hide_lifecycle },
    { "lifecycle rows hidden", step_hide_lifecycle_settled },
    { "copy data", step_copy_data },
    { "context menu shown", step_context_menu_shown },
    { "data copied", step_copy_data_done },
    { "copy JSON", step_copy_json },
    { "JSON copied", step_copy_json_done },
    { "connect a stream with heartbeats", step_connect_heartbeats },
    { "heartbeats shown", step_heartbeats_in },
    { "hide comments", step_hide_comments },
    { "comments hidden", step_hide_comments_settled },
    { "connect a live stream", step_connect_live_stream },
    { "following", step_following },
    { "selected row stays", step_selected_row_stays },
    { "following again", step_following_again },
    { "scrolled up", step_scrolled_up },
    { "800x600", step_small_window },
    { "800x600 with a row selected", step_small_window_selected },
    { "800x600, detail closed", step_small_window_closed },
    { "quit", ls_gui_test_step_quit },
  };
  TestRun run = { NULL, };

  ls_gui_test_run_new_app (TRUE, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.app, (gpointer *) &run.window,
                           NULL);
  g_free (run.clipboard_text);
  g_free (run.expected_clipboard);
}

int
main (int   argc,
      char *argv[])
{
  return ls_gui_test_main (&argc, &argv, "/event-panel/filters-follow-layout", test_event_panel);
}
