/* test-i18n.c: the window in German or French
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/meson.build runs this twice, with LANGUAGE=de LC_ALL=de_DE.UTF-8
 * and with LANGUAGE=fr LC_ALL=fr_FR.UTF-8, the catalogs from the build
 * directory (LOOPSCOPE_LOCALEDIR). The process sets its locale as the
 * loopscope binary does (ls_i18n_init()), then runs the real window:
 * the page titles in the header bar, the empty state, the status line
 * and a loop's state are in that language; numbers take the locale's
 * decimal separator and units; no two mapped labels of a page share a
 * mnemonic; and every page still fits 800×600 with the longer words.
 * A screenshot of each page goes to tests/screenshots/ for a person to
 * look at. Skipped, saying so, where the locale is not installed.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <gtk/gtk.h>

#include "ls-application.h"
#include "ls-format.h"
#include "ls-gui-test-utils.h"
#include "ls-i18n.h"
#include "ls-window.h"
#include "ls-window-private.h"

typedef struct
{
  const char *language;
  const char *pages[4];       /* the stack's page titles, mnemonics included */
  const char *empty_title;    /* "No Stream Yet" */
  const char *status;         /* the status line starts so: "Guards: " */
  const char *running;        /* a loop card's state: "Running" */
  const char *size;           /* ls_format_size (1536): "1.5 KiB" */
  const char *duration;       /* ls_format_duration (1500000): "1.50 s" */
} Expected;

static const Expected expected_all[] = {
  { "de", { "_Stream", "_Zeitleiste", "S_chleifen", "Vergleiche_n" }, "Noch kein Stream", "Wächter: ", "Läuft",
    "1,5 KiB", "1,50 s" },
  { "fr", { "_Flux", "_Chronologie", "_Boucles", "Co_mparer" }, "Aucun flux pour l’instant", "Gardes\u00a0: ", "En cours",
    "1,5 Kio", "1,50 s" },
};

typedef struct
{
  const Expected *expected;
  LsApplication  *app;
  LsWindow       *window;
  LsWorker       *worker;
  guint           page;       /* the next page to check */
} TestRun;

static gboolean
text_has (LsWindow   *window,
          const char *needle)
{
  g_autoptr(GString) text = g_string_new (NULL);

  ls_gui_test_collect_text (window, TRUE, text);
  return strstr (text->str, needle) != NULL;
}

static gboolean
step_window_shown (gpointer data)
{
  TestRun *run = data;

  return ls_gui_test_window_shown (run->app, (gpointer *) &run->window, &run->worker);
}

/* Before any stream: the header bar's page titles, the empty state. */
static gboolean
step_empty_window (gpointer data)
{
  TestRun *run = data;
  GtkStack *stack = ls_gui_test_find_type (run->window, GTK_TYPE_STACK);
  g_autoptr(GtkSelectionModel) pages = NULL;

  g_assert_nonnull (stack);
  pages = gtk_stack_get_pages (stack);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (run->expected->pages));
  for (guint i = 0; i < G_N_ELEMENTS (run->expected->pages); i++)
    {
      g_autoptr(GObject) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      g_assert_cmpstr (gtk_stack_page_get_title (GTK_STACK_PAGE (page)), ==, run->expected->pages[i]);
    }
  /* The window's name is the product's, in every language. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (run->window)), ==, "Loopscope");

  g_assert_true (_ls_window_get_empty_state_visible (run->window));
  g_assert_true (text_has (run->window, run->expected->empty_title));
  g_assert_false (text_has (run->window, "No Stream Yet"));
  return TRUE;
}

static gboolean
step_status_line (gpointer data)
{
  TestRun *run = data;

  /* Refreshed from a timer: wait for its first text. */
  if (!text_has (run->window, run->expected->status))
    return FALSE;
  g_assert_false (text_has (run->window, "Guards: "));
  return TRUE;
}

static gboolean
step_try_demo (gpointer data)
{
  TestRun *run = data;

  gtk_widget_activate_action (GTK_WIDGET (run->window), "win.try-demo", NULL);
  g_assert_false (_ls_window_get_empty_state_visible (run->window));
  return TRUE;
}

static gboolean
step_fits_800x600 (gpointer data)
{
  TestRun *run = data;

  return ls_gui_test_window_fits (run->window, 800, 600);
}

/* The Loops page: both cards say the loop runs, in the language. */
static gboolean
step_loops_running (gpointer data)
{
  TestRun *run = data;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *first;

  ls_window_show_page (run->window, "loops");
  ls_gui_test_collect_text (run->window, TRUE, text);
  first = strstr (text->str, run->expected->running);
  if (first == NULL || strstr (first + 1, run->expected->running) == NULL)
    return FALSE;
  g_assert_null (strstr (text->str, "Running"));
  return TRUE;
}

/* Each page in turn: mnemonics unique among what is on screen, and a
 * screenshot to look at. */
static gboolean
step_pages (gpointer data)
{
  TestRun *run = data;
  static const char *names[] = { "stream", "timeline", "loops" };
  g_autofree char *shot = NULL;
  GtkStack *stack = ls_gui_test_find_type (run->window, GTK_TYPE_STACK);

  if (run->page >= G_N_ELEMENTS (names))
    return TRUE;
  ls_window_show_page (run->window, names[run->page]);
  /* Until the crossfade ends, the page before is mapped too. */
  if (!gtk_widget_get_mapped (gtk_stack_get_visible_child (stack)) || gtk_stack_get_transition_running (stack))
    return FALSE;
  shot = g_strdup_printf ("i18n-%s-%s", run->expected->language, names[run->page]);
  if (!ls_gui_test_screenshot (run->window, shot))
    return FALSE;
  g_assert_cmpuint (ls_gui_test_assert_mnemonics_unique (run->window), >, 0);
  run->page++;
  return FALSE;
}

static void
test_window (gconstpointer data)
{
  const Expected *expected = data;
  static const LsGuiStep steps[] = {
    { "window shown", step_window_shown },
    { "page titles and empty state", step_empty_window },
    { "status line", step_status_line },
    { "try the demo server", step_try_demo },
    { "loop states", step_loops_running },
    { "every page fits 800x600", step_fits_800x600 },
    { "each page: mnemonics, screenshot", step_pages },
    { "quit", ls_gui_test_step_quit },
  };
  TestRun run = { .expected = expected };
  char buf[32];

  g_assert_cmpstr (ls_format_size (buf, sizeof buf, 1536), ==, expected->size);
  g_assert_cmpstr (ls_format_duration (buf, sizeof buf, 1500000), ==, expected->duration);

  run.app = ls_application_new (G_APPLICATION_NON_UNIQUE);
  ls_gui_test_run_app (run.app, steps, G_N_ELEMENTS (steps), &run, (gpointer *) &run.window, &run.worker);
}

static void
test_skip (gconstpointer data)
{
  g_test_skip (data);
}

int
main (int   argc,
      char *argv[])
{
  const char *language = g_getenv ("LANGUAGE");
  const char *lc_all = g_getenv ("LC_ALL");
  const Expected *expected = NULL;
  locale_t locale;

  if (!ls_gui_test_init (&argc, &argv, "/i18n/window"))
    return g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (expected_all); i++)
    if (g_strcmp0 (language, expected_all[i].language) == 0)
      expected = &expected_all[i];
  g_assert_nonnull (expected);   /* tests/meson.build gives LANGUAGE=de or fr */

  locale = lc_all != NULL ? newlocale (LC_ALL_MASK, lc_all, (locale_t) 0) : (locale_t) 0;
  if (locale == (locale_t) 0)
    {
      g_test_add_data_func ("/i18n/window", g_strdup_printf ("locale %s is not installed "
                                                             "(build-aux/dev deps generates it)",
                                                             lc_all != NULL ? lc_all : "(unset)"),
                            test_skip);
      return g_test_run ();
    }
  freelocale (locale);

  /* gtk_test_init() chose a fixed locale: take the environment's, as
   * the loopscope binary does, before any window exists. */
  ls_i18n_init ();

  g_test_add_data_func ("/i18n/window", expected, test_window);
  return g_test_run ();
}
