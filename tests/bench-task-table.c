/* bench-task-table.c: what the task list's counting costs at 100,000 spans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures, asserts none about time. 100,000 spans shaped like a
 * busy session's (most tasks one span, some polled many times, reads
 * under connections not recorded yet), as the timeline holds them:
 * counting them all (what a new generation costs: the view dropped or
 * replaced records), then taking in 1,000 new ones (what a refresh costs
 * while records come), each alone and with the task list's sorted and
 * filtered models on top. No display needed.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <locale.h>
#include <stdio.h>

#include "ls-task-table.h"

#define N_SPANS  100000
#define N_FRESH  1000
#define N_ROUNDS 5

static void
add_spans (GArray *records,
           guint   n)
{
  static const char *names[] = { "stream.read", "stream.parse", "ui.deliver", "frame", "frame.paint" };

  for (guint i = 0; i < n; i++)
    {
      guint64 seq = records->len;
      gint64 t = (gint64) seq * 20;
      LsRecord r = {
        .seq = seq, .kind = LS_RECORD_SPAN, .loop = seq % 3 == 0 ? LS_LOOP_UI : LS_LOOP_WORKER,
        .thread_id = 1000 + (gint) (seq % 3),
        /* One task in ten is polled again and again (one of 50 ids);
         * reads belong to one of 20 connections not recorded yet. */
        .id = seq % 10 == 0 ? 1000000 + seq % 50 : 2000000 + seq,
        .parent_id = seq % 5 == 1 ? 3000000 + seq % 20 : 0,
        .name = g_intern_static_string (names[seq % G_N_ELEMENTS (names)]),
        .category = g_intern_static_string ("bench"),
        .queued_us = seq % 2 ? t - 7 : 0, .start_us = t, .end_us = t + 5 + (gint64) (seq % 11),
      };

      g_array_append_val (records, r);
    }
}

static double
median (double *v,
        guint   n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];

        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  return v[n / 2];
}

static void
run (gboolean with_models)
{
  double full[N_ROUNDS];
  double again[N_ROUNDS];
  double fresh[N_ROUNDS];
  guint n_rows = 0;

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (LsRecord));
      g_autoptr(LsTaskTable) table = ls_task_table_new ();
      g_autoptr(GtkSortListModel) sorted = NULL;
      gint64 t0;

      if (with_models)
        {
          GtkFilter *filter = GTK_FILTER (gtk_string_filter_new (gtk_property_expression_new (LS_TYPE_TASK_ROW, NULL, "label")));
          GtkSorter *sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (LS_TYPE_TASK_ROW, NULL, "busy")));
          GtkFilterListModel *filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (table)), filter);

          gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
          sorted = gtk_sort_list_model_new (G_LIST_MODEL (filtered), sorter);
        }

      add_spans (records, N_SPANS);
      t0 = g_get_monotonic_time ();
      ls_task_table_update (table, (const LsRecord *) (gpointer) records->data, records->len, 1);
      full[round] = (double) (g_get_monotonic_time () - t0);

      /* The same records, a new generation: every row counted again. */
      t0 = g_get_monotonic_time ();
      ls_task_table_update (table, (const LsRecord *) (gpointer) records->data, records->len, 2);
      again[round] = (double) (g_get_monotonic_time () - t0);

      add_spans (records, N_FRESH);
      t0 = g_get_monotonic_time ();
      ls_task_table_update (table, (const LsRecord *) (gpointer) records->data, records->len, 2);
      fresh[round] = (double) (g_get_monotonic_time () - t0);
      n_rows = g_list_model_get_n_items (G_LIST_MODEL (table));
      if (sorted != NULL)
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sorted)), ==, n_rows);
    }

  printf ("%s (%'u spans, %'u tasks, medians of %u)\n"
          "  first count (every row new):      %9.0f µs\n"
          "  count again (a new generation):   %9.0f µs\n"
          "  %'u new spans taken in:         %9.0f µs\n",
          with_models ? "Table, filtered and sorted by busy" : "Table alone", N_SPANS, n_rows, N_ROUNDS,
          median (full, N_ROUNDS), median (again, N_ROUNDS), N_FRESH, median (fresh, N_ROUNDS));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  printf ("The task list's counting (per refresh, not asserted)\n");
  run (FALSE);
  run (TRUE);
  return 0;
}
