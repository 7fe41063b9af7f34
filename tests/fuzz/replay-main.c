/* replay-main.c: runs a libFuzzer target over its corpus, without libFuzzer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: replay-TARGET DIR|FILE...
 * Feeds every regular file of each DIR (sorted, so runs are reproducible)
 * and every FILE to LLVMFuzzerTestOneInput(). Fails when a directory is
 * missing or holds no input, so a broken corpus path cannot pass silently.
 * Built with any compiler: this is how fuzz findings run in every test run.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      return FALSE;
    }

  /* A private copy of the exact size, so ASan sees reads past the end. */
  {
    g_autofree guint8 *exact = g_memdup2 (contents, len);

    LLVMFuzzerTestOneInput (exact, len);
  }
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
run_dir (const char *path,
         guint      *n_run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint before = *n_run;

  if (dir == NULL)
    {
      fprintf (stderr, "replay: %s\n", error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);

      if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!run_file (file))
        return FALSE;
      (*n_run)++;
    }

  if (*n_run == before)
    {
      fprintf (stderr, "replay: no input in %s\n", path);
      return FALSE;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint n_run = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      gboolean ok;

      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          ok = run_dir (argv[i], &n_run);
        }
      else
        {
          ok = g_file_test (argv[i], G_FILE_TEST_IS_REGULAR) && run_file (argv[i]);
          if (!ok)
            fprintf (stderr, "replay: no such corpus: %s\n", argv[i]);
          n_run += ok;
        }
      if (!ok)
        return 1;
    }

  printf ("replayed %u inputs\n", n_run);
  return 0;
}
