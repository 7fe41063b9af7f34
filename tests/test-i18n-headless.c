/* test-i18n-headless.c: `loopscope --headless` in German and French
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real headless entry point (tests/ls-headless-runner) with
 * LANGUAGE and LC_ALL set, the catalogs from the build directory
 * (LOOPSCOPE_LOCALEDIR, set by tests/meson.build): the sentences people
 * read are translated, while what programs read stays as documented: the
 * JSON keys and the "kind" and "end" values, numbers with a dot in the
 * JSON lines, --stats and the trace, whatever the locale's decimal
 * separator. Skipped, saying so, where the locale is not installed
 * (build-aux/dev generates de_DE.UTF-8 and fr_FR.UTF-8).
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ls-demo-server.h"
#include "ls-test-utils.h"

typedef struct
{
  const char *language;
  const char *locale;
  const char *connect_failed;   /* "Connection failed: " */
  const char *completed;        /* "The server closed the stream" */
} Language;

static const Language german = {
  "de", "de_DE.UTF-8", "Verbindung fehlgeschlagen: ", "Der Server hat den Stream geschlossen",
};
/* With the no-break space French puts before a colon. */
static const Language french = {
  "fr", "fr_FR.UTF-8", "Échec de la connexion\u00a0: ", "Le serveur a fermé le flux",
};

static LsDemoServer *demo;

static gboolean
locale_missing (const Language *lang)
{
  locale_t l = newlocale (LC_ALL_MASK, lang->locale, (locale_t) 0);

  if (l == (locale_t) 0)
    {
      g_autofree char *why = g_strdup_printf ("locale %s is not installed (build-aux/dev deps generates it)",
                                              lang->locale);

      g_test_skip (why);
      return TRUE;
    }
  freelocale (l);
  return FALSE;
}

static const char *
member (JsonObject *object,
        const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  return json_object_get_string_member (object, name);
}

/* A refused connection: the closing sentence on stderr and in the JSON
 * "message" is translated, "kind" and "end" are not. */
static void
test_refused (gconstpointer data)
{
  const Language *lang = data;
  g_autofree char *url = NULL;
  g_autofree char *expected_err = NULL;
  LsHeadlessRun run = { .language = lang->language, .locale = lang->locale };
  JsonObject *closed;

  if (locale_missing (lang))
    return;

  url = ls_test_refused_url ("/events");
  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--no-reconnect", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpuint (run.lines->len, >=, 1);
  closed = g_ptr_array_index (run.lines, run.lines->len - 1);
  g_assert_cmpstr (member (closed, "kind"), ==, "closed");
  g_assert_cmpstr (member (closed, "end"), ==, "connect-failed");
  g_assert_true (g_str_has_prefix (member (closed, "message"), lang->connect_failed));

  expected_err = g_strconcat ("loopscope: ", lang->connect_failed, NULL);
  g_assert_true (g_str_has_prefix (run.err, expected_err));
  /* One line, the English words nowhere. */
  g_assert_null (strstr (run.err, "Connection failed"));
  g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, (int) strlen (run.err) - 1);
  ls_headless_run_clear (&run);
}

/* Bad arguments: the reason and the hint in the user's language. */
static void
test_usage (gconstpointer data)
{
  const Language *lang = data;
  LsHeadlessRun run = { .language = lang->language, .locale = lang->locale };

  if (locale_missing (lang))
    return;

  ls_test_run_headlessv (&run, LS_HEADLESS_RUN_DEFAULT, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_null (strstr (run.err, "No URL given"));
  g_assert_null (strstr (run.err, "(see loopscope"));
  g_assert_nonnull (strstr (run.err, "loopscope --headless --help"));
  ls_headless_run_clear (&run);
}

static gboolean
has_dot_number (const char *text,
                const char *key,
                guint       decimals)
{
  g_autofree char *pattern = g_strdup_printf ("%s[0-9]+\\.[0-9]{%u}(?![0-9])", key, decimals);

  return g_regex_match_simple (pattern, text, 0, 0);
}

/* The machine formats keep their dots under a locale that writes "6,386":
 * every JSON line parses (asserted by the runner's JSON_LINES), "t" is
 * written with a dot, the --stats figures too, and the trace parses. */
static void
test_numbers (gconstpointer data)
{
  const Language *lang = data;
  g_autofree char *url = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *trace = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  LsHeadlessRun run = { .language = lang->language, .locale = lang->locale };
  JsonObject *closed;
  const char *stats;

  if (locale_missing (lang))
    return;

  url = g_strconcat (ls_demo_server_get_base_uri (demo), "/sse/ticks?count=5&rate=0", NULL);
  dir = g_dir_make_tmp ("ls-i18n-XXXXXX", &error);
  g_assert_no_error (error);
  trace = g_build_filename (dir, "trace.json", NULL);

  ls_test_run_headless (&run, LS_HEADLESS_RUN_JSON_LINES, url, "--no-reconnect", "--stats",
                        "--trace", trace, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (run.lines->len, >=, 7);   /* open, 5 events, closed */

  /* Each line's "t" as written: digits, a dot, three digits. */
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_assert_true (has_dot_number (lines[i], "\"t\":", 3));
  closed = g_ptr_array_index (run.lines, run.lines->len - 1);
  g_assert_cmpstr (member (closed, "kind"), ==, "closed");
  g_assert_cmpstr (member (closed, "end"), ==, "completed");
  g_assert_cmpstr (member (closed, "message"), ==, lang->completed);

  stats = strstr (run.err, "loopscope: stats: ");
  g_assert_nonnull (stats);
  g_assert_true (has_dot_number (stats, "seconds=", 3));
  g_assert_true (has_dot_number (stats, "mb_per_s=", 2));
  g_assert_true (has_dot_number (stats, "ttfb_ms=", 2));
  g_assert_true (has_dot_number (stats, "max_gap_ms=", 2));
  g_assert_nonnull (strstr (stats, " state=ended events=5 "));

  g_assert_true (json_parser_load_from_file (parser, trace, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  g_assert_cmpint (g_unlink (trace), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  ls_headless_run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  demo = ls_test_demo_server_start ();

  g_test_add_data_func ("/i18n/headless/refused/de", &german, test_refused);
  g_test_add_data_func ("/i18n/headless/refused/fr", &french, test_refused);
  g_test_add_data_func ("/i18n/headless/usage/de", &german, test_usage);
  g_test_add_data_func ("/i18n/headless/usage/fr", &french, test_usage);
  g_test_add_data_func ("/i18n/headless/numbers/de", &german, test_numbers);
  g_test_add_data_func ("/i18n/headless/numbers/fr", &french, test_numbers);

  status = g_test_run ();
  ls_test_demo_server_stop (demo);
  return status;
}
