/* test-task-table.c: the task list's figures from hand-made spans: busy, scheduled, idle, dispatches, state, rows kept in place, sort orders. No display needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case feeds LsTaskTable records with known times, as the timeline
 * hands them over (in seq order, appended, or dropped from the front with
 * a new generation), and checks every figure exactly. A shadow list
 * follows the model's items-changed announcements: it must always hold
 * the model's rows, in the model's order.
 */
#include "config.h"

#include <gtk/gtk.h>

#include "ls-task-table.h"

typedef struct
{
  GArray      *records;
  LsTaskTable *table;
  GPtrArray   *shadow;   /* what the announcements say the model holds */
  guint        n_announced;
} Fixture;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Fixture    *f)
{
  g_assert_cmpuint (position + removed, <=, f->shadow->len);
  g_ptr_array_remove_range (f->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (f->shadow, position + i, g_list_model_get_item (model, position + i));
  f->n_announced++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->records = g_array_new (FALSE, TRUE, sizeof (LsRecord));
  f->table = ls_task_table_new ();
  f->shadow = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (f->table, "items-changed", G_CALLBACK (on_items_changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_ptr_array_unref (f->shadow);
  g_assert_finalize_object (f->table);
  g_array_unref (f->records);
}

static void
add (Fixture    *f,
     guint64     task,
     guint64     parent,
     const char *name,
     gint64      queued_us,
     gint64      start_us,
     gint64      end_us,
     LsOutcome   outcome)
{
  LsRecord r = {
    .seq = f->records->len > 0 ? g_array_index (f->records, LsRecord, f->records->len - 1).seq + 1 : 0,
    .kind = LS_RECORD_SPAN, .loop = LS_LOOP_WORKER, .outcome = outcome, .thread_id = 4242,
    .id = task, .parent_id = parent, .name = g_intern_string (name), .category = g_intern_static_string ("test"),
    .queued_us = queued_us, .start_us = start_us, .end_us = end_us,
  };

  g_array_append_val (f->records, r);
}

static void
update (Fixture *f,
        guint64  generation)
{
  ls_task_table_update (f->table, (const LsRecord *) (gpointer) f->records->data, f->records->len, generation);
  /* The announcements add up to the model, row for row. */
  g_assert_cmpuint (f->shadow->len, ==, g_list_model_get_n_items (G_LIST_MODEL (f->table)));
  for (guint i = 0; i < f->shadow->len; i++)
    {
      g_autoptr(LsTaskRow) row = g_list_model_get_item (G_LIST_MODEL (f->table), i);

      g_assert_true (row == g_ptr_array_index (f->shadow, i));
    }
}

static const LsTaskFigures *
figures (Fixture *f,
         guint64  task)
{
  LsTaskRow *row = ls_task_table_lookup (f->table, task);

  g_assert_nonnull (row);
  return ls_task_row_get_figures (row);
}

/* Three dispatches of one task: busy, waits and the idle gaps between
 * them, exactly; outcomes give the state. */
static void
test_figures (Fixture       *f,
              gconstpointer  data)
{
  const LsTaskFigures *t;

  /* Task 10: queued 100, ran 150–200; queued 300, ran 320–400; ran 500–600. */
  add (f, 10, 0, "poll", 100, 150, 200, LS_OUTCOME_OK);
  add (f, 11, 0, "fails", 0, 210, 260, LS_OUTCOME_ERROR);
  add (f, 10, 0, "poll", 300, 320, 400, LS_OUTCOME_OK);
  add (f, 12, 0, "stopped", 0, 420, 430, LS_OUTCOME_CANCELLED);
  add (f, 10, 0, "poll", 0, 500, 600, LS_OUTCOME_OK);
  add (f, 14, 0, "frame", 0, 610, 640, LS_OUTCOME_SLOW);
  update (f, 1);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 4);
  t = figures (f, 10);
  g_assert_cmpuint (t->dispatches, ==, 3);
  g_assert_cmpint (t->busy_us, ==, 50 + 80 + 100);
  g_assert_cmpint (t->scheduled_us, ==, 50 + 20);
  /* Alive 150–600 (450): 230 busy, 20 waiting inside that life (the
   * first wait was before it began), 200 idle. */
  g_assert_cmpint (t->idle_us, ==, 450 - 230 - 20);
  g_assert_cmpint (t->state, ==, LS_TASK_DONE);
  g_assert_cmpint (t->thread_id, ==, 4242);
  g_assert_cmpint (t->loop, ==, LS_LOOP_WORKER);
  g_assert_cmpstr (ls_task_row_get_label (ls_task_table_lookup (f->table, 10)), ==, "poll");
  g_assert_cmpuint (t->last_seq, ==, 4);

  t = figures (f, 11);
  g_assert_cmpint (t->state, ==, LS_TASK_FAILED);
  g_assert_cmpuint (t->dispatches, ==, 1);
  g_assert_cmpint (t->busy_us, ==, 50);
  g_assert_cmpint (t->idle_us, ==, 0);
  g_assert_cmpint (figures (f, 12)->state, ==, LS_TASK_CANCELLED);
  /* Over the frame budget: done, and slow, not failed. */
  g_assert_cmpint (figures (f, 14)->state, ==, LS_TASK_SLOW);

  /* A span still open runs. */
  add (f, 13, 0, "open", 0, 700, 0, LS_OUTCOME_OK);
  update (f, 1);
  g_assert_cmpint (figures (f, 13)->state, ==, LS_TASK_RUNNING);
  g_assert_cmpint (figures (f, 13)->busy_us, ==, 0);
}

/* A parent known only through its children is a row, running while they
 * come, idle once they stop, and the same row once its span is recorded. */
static void
test_unrecorded_parent (Fixture       *f,
                        gconstpointer  data)
{
  LsTaskRow *row;
  const LsTaskFigures *t;

  add (f, 21, 20, "stream.read", 0, 1000, 1100, LS_OUTCOME_OK);
  add (f, 22, 20, "stream.read", 0, 2000, 2100, LS_OUTCOME_OK);
  update (f, 1);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 3);
  row = ls_task_table_lookup (f->table, 20);
  g_assert_nonnull (row);
  g_assert_false (ls_task_row_get_recorded (row));
  g_assert_cmpstr (ls_task_row_get_label (row), ==, "Task 20, not recorded yet · parent of stream.read");
  t = ls_task_row_get_figures (row);
  g_assert_cmpint (t->state, ==, LS_TASK_RUNNING);
  g_assert_cmpuint (t->dispatches, ==, 0);
  g_assert_cmpuint (t->n_children, ==, 2);
  g_assert_cmpint (t->busy_us, ==, 0);
  g_assert_cmpuint (t->last_seq, ==, 1);  /* its latest child's, to select */

  /* Another task's record, 1 s after the last child: idle. */
  add (f, 30, 0, "other", 0, 2100 + LS_TASK_IDLE_AFTER_US - 10, 2100 + LS_TASK_IDLE_AFTER_US, LS_OUTCOME_OK);
  update (f, 1);
  g_assert_cmpint (ls_task_row_get_figures (row)->state, ==, LS_TASK_IDLE);

  /* Its own span ends: recorded, named, done, the same row object. */
  add (f, 20, 0, "stream", 0, 900, 2200 + LS_TASK_IDLE_AFTER_US, LS_OUTCOME_OK);
  update (f, 1);
  g_assert_true (ls_task_table_lookup (f->table, 20) == row);
  g_assert_true (ls_task_row_get_recorded (row));
  g_assert_cmpstr (ls_task_row_get_label (row), ==, "stream");
  t = ls_task_row_get_figures (row);
  g_assert_cmpint (t->state, ==, LS_TASK_DONE);
  g_assert_cmpuint (t->dispatches, ==, 1);
  g_assert_cmpint (t->busy_us, ==, 1300 + LS_TASK_IDLE_AFTER_US);
  g_assert_cmpuint (t->n_children, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 4);
}

/* What an update takes in bit by bit equals what a table counting
 * everything at once finds; rows whose records the reader dropped go. */
static void
test_incremental_and_trim (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(LsTaskTable) whole = ls_task_table_new ();
  LsTaskRow *kept;
  guint announced;

  for (guint i = 0; i < 200; i++)
    {
      add (f, 100 + i % 17, i % 5 == 0 ? 7 : 0, i % 2 ? "a" : "b", i * 10, i * 10 + 3, i * 10 + 8,
           i % 23 == 0 ? LS_OUTCOME_ERROR : LS_OUTCOME_OK);
      if (i % 9 == 0)
        update (f, 1);
    }
  update (f, 1);
  ls_task_table_update (whole, (const LsRecord *) (gpointer) f->records->data, f->records->len, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (whole)), ==, 18);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 18);
  for (guint64 task = 100; task < 117; task++)
    {
      const LsTaskFigures *a = figures (f, task);
      const LsTaskFigures *b = ls_task_row_get_figures (ls_task_table_lookup (whole, task));

      g_assert_cmpuint (a->dispatches, ==, b->dispatches);
      g_assert_cmpint (a->busy_us, ==, b->busy_us);
      g_assert_cmpint (a->scheduled_us, ==, b->scheduled_us);
      g_assert_cmpint (a->idle_us, ==, b->idle_us);
      g_assert_cmpint (a->state, ==, b->state);
      g_assert_cmpuint (a->dispatches, ==, 200 / 17 + (task - 100 < 200 % 17 ? 1 : 0));
      g_assert_cmpint (a->busy_us, ==, 5 * (gint64) a->dispatches);
    }
  g_assert_cmpint (figures (f, 100)->state, ==, LS_TASK_FAILED);  /* i = 0 */
  g_assert_cmpuint (figures (f, 7)->n_children, ==, 40);

  /* Nothing new: nothing announced. */
  announced = f->n_announced;
  update (f, 1);
  g_assert_cmpuint (f->n_announced, ==, announced);

  /* The reader drops its first 190 records: only the last ten remain
   * (tasks 100 + 190 % 17 … 100 + 199 % 17, none a child of 7 but i = 190
   * and 195), with what those ten say. */
  kept = ls_task_table_lookup (f->table, 100 + 195 % 17);
  g_array_remove_range (f->records, 0, 190);
  update (f, 2);
  g_assert_true (ls_task_table_lookup (f->table, 100 + 195 % 17) == kept);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 11);
  g_assert_null (ls_task_table_lookup (f->table, 100 + 189 % 17));
  g_assert_cmpuint (figures (f, 7)->n_children, ==, 2);
  g_assert_cmpuint (figures (f, 100 + 195 % 17)->dispatches, ==, 1);
  g_assert_cmpint (figures (f, 100 + 195 % 17)->busy_us, ==, 5);
  g_assert_cmpint (figures (f, 100 + 195 % 17)->idle_us, ==, 0);

  /* Replaced altogether (another recorder): a table of the new ones. */
  g_array_set_size (f->records, 0);
  add (f, 1, 0, "x", 0, 5, 6, LS_OUTCOME_OK);
  update (f, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 1);
  g_assert_cmpuint (figures (f, 1)->dispatches, ==, 1);
}

/* The timeline drops samples wherever they are (over its cap): rows gone
 * in many places at once are announced in one change, the rest kept. */
static void
test_scattered_removal (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GArray) kept = g_array_new (FALSE, TRUE, sizeof (LsRecord));
  LsTaskRow *odd;

  for (guint i = 0; i < 40; i++)
    add (f, 1000 + i, 0, "sample", 0, i * 10, i * 10 + 4, LS_OUTCOME_OK);
  update (f, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 40);
  odd = ls_task_table_lookup (f->table, 1001);

  for (guint i = 1; i < 40; i += 2)
    g_array_append_val (kept, g_array_index (f->records, LsRecord, i));
  g_array_set_size (f->records, 0);
  g_array_append_vals (f->records, kept->data, kept->len);
  update (f, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->table)), ==, 20);
  g_assert_true (ls_task_table_lookup (f->table, 1001) == odd);
  for (guint i = 0; i < 40; i++)
    if (i % 2 == 0)
      g_assert_null (ls_task_table_lookup (f->table, 1000 + i));
    else
      {
        g_assert_cmpuint (ls_task_table_get_position (f->table, 1000 + i), ==, i / 2);
        g_assert_cmpuint (figures (f, 1000 + i)->dispatches, ==, 1);
      }

  /* And it takes in new records after that as before. */
  add (f, 1001, 0, "sample", 0, 500, 510, LS_OUTCOME_OK);
  update (f, 2);
  g_assert_cmpuint (figures (f, 1001)->dispatches, ==, 2);
  g_assert_cmpint (figures (f, 1001)->busy_us, ==, 14);
  /* Alive 10–510, running 14 of it. */
  g_assert_cmpint (figures (f, 1001)->idle_us, ==, 500 - 14);
}

static guint64
task_at (GListModel *model,
         guint       i)
{
  g_autoptr(LsTaskRow) row = g_list_model_get_item (model, i);

  return ls_task_row_get_task (row);
}

/* The list's sorters compare numbers, not strings: 1,000 µs of busy time
 * sorts above 900 µs (a string sort puts "900" first). */
static void
test_sort (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GtkSortListModel) sorted = NULL;
  GtkSorter *sorter;

  add (f, 1, 0, "one", 0, 0, 900, LS_OUTCOME_OK);
  add (f, 2, 0, "two", 0, 0, 1000, LS_OUTCOME_OK);
  add (f, 3, 0, "three", 0, 0, 50, LS_OUTCOME_OK);
  add (f, 3, 0, "three", 0, 60, 80, LS_OUTCOME_OK);
  add (f, 3, 0, "three", 0, 90, 100, LS_OUTCOME_OK);
  update (f, 1);

  sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (LS_TYPE_TASK_ROW, NULL, "busy")));
  gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (f->table)), sorter);
  g_assert_cmpuint (task_at (G_LIST_MODEL (sorted), 0), ==, 2);
  g_assert_cmpuint (task_at (G_LIST_MODEL (sorted), 1), ==, 1);
  g_assert_cmpuint (task_at (G_LIST_MODEL (sorted), 2), ==, 3);

  /* A row that changes moves to its new place. */
  add (f, 3, 0, "three", 0, 200, 2200, LS_OUTCOME_OK);
  update (f, 1);
  g_assert_cmpuint (task_at (G_LIST_MODEL (sorted), 0), ==, 3);

  sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (LS_TYPE_TASK_ROW, NULL, "dispatches")));
  gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
  gtk_sort_list_model_set_sorter (sorted, sorter);
  g_object_unref (sorter);
  g_assert_cmpuint (task_at (G_LIST_MODEL (sorted), 0), ==, 3);
  g_assert_cmpuint (figures (f, 3)->dispatches, ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/task-table/figures", Fixture, NULL, fixture_set_up, test_figures, fixture_tear_down);
  g_test_add ("/task-table/unrecorded-parent", Fixture, NULL, fixture_set_up, test_unrecorded_parent, fixture_tear_down);
  g_test_add ("/task-table/incremental-and-trim", Fixture, NULL, fixture_set_up, test_incremental_and_trim, fixture_tear_down);
  g_test_add ("/task-table/scattered-removal", Fixture, NULL, fixture_set_up, test_scattered_removal, fixture_tear_down);
  g_test_add ("/task-table/sort", Fixture, NULL, fixture_set_up, test_sort, fixture_tear_down);

  return g_test_run ();
}
