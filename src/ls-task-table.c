/* ls-task-table.c: the recorded spans as tasks, with their busy, scheduled and idle time (no display needed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A task is every span of one task id. Per task: busy is the sum of its
 * spans' run times, scheduled the sum of their waits (queued → start:
 * woken, not running), idle what is left of its life (first start to
 * last end) once busy and the waits inside that life are taken out;
 * dispatches count its spans. A task seen only as its children's parent
 * (a span is recorded when it ends: a stream's, while it runs) is a row
 * too, running while its children come, idle once they stopped coming
 * for LS_TASK_IDLE_AFTER_US of the records' time.
 *
 * Figures accumulate in a hash table keyed by task id; an update takes in
 * only the records after the last one it saw, unless the reader dropped
 * or replaced records (a new generation), when every task is counted
 * again into the same row objects. Rows are listed in the order their
 * tasks were first seen; new ones are appended, changed ones announced in
 * place, gone ones removed.
 */
#include "config.h"

#include <string.h>

#include "ls-task-table.h"

/* More changed rows than this in one update: one announcement for all. */
#define MAX_SINGLE_CHANGES 256
/* More runs of removed rows than this: one announcement from the first. */
#define MAX_REMOVED_RUNS   8

typedef struct
{
  LsTaskFigures acc;
  LsTaskRow    *row;
  guint         position;        /* in rows, once listed */
  gboolean      listed;
  gboolean      dirty;
  gboolean      unrecorded;      /* in the table's set of them */
  guint         open;            /* spans without an end */
  gboolean      failed;
  gboolean      slow;
  gboolean      cancelled;
  gint64        sched_inside;    /* waits inside [first start, last end] */
  gint64        first_child_us;
  gint64        last_child_us;
  guint64       last_child_seq;
  gint          child_tid;
  guint32       child_stream;
  LsLoopId      child_loop;
} TaskEntry;

struct _LsTaskTable
{
  GObject     parent_instance;

  GHashTable *entries;     /* &task → TaskEntry, owned */
  GPtrArray  *rows;        /* of TaskEntry, listed, in model order */
  GPtrArray  *pending;     /* of TaskEntry, new in this update */
  GPtrArray  *dirty;       /* of TaskEntry, touched in this update */
  GHashTable *unrecorded;  /* set of TaskEntry seen only as parents */
  guint64     generation;
  guint       n_consumed;  /* records taken in from the reader's array */
  guint64     last_seq;    /* the last of them */
  gint64      now_us;      /* the newest time in the records */
};

static void ls_task_table_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LsTaskTable, ls_task_table, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ls_task_table_list_model_init))

/* ---- GListModel ----------------------------------------------------------- */

static GType
ls_task_table_get_item_type (GListModel *model)
{
  return LS_TYPE_TASK_ROW;
}

static guint
ls_task_table_get_n_items (GListModel *model)
{
  return LS_TASK_TABLE (model)->rows->len;
}

static gpointer
ls_task_table_get_item (GListModel *model,
                        guint       position)
{
  LsTaskTable *self = LS_TASK_TABLE (model);

  if (position >= self->rows->len)
    return NULL;
  return g_object_ref (((TaskEntry *) g_ptr_array_index (self->rows, position))->row);
}

static void
ls_task_table_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ls_task_table_get_item_type;
  iface->get_n_items = ls_task_table_get_n_items;
  iface->get_item = ls_task_table_get_item;
}

/* ---- entries -------------------------------------------------------------- */

static void
task_entry_free (gpointer data)
{
  TaskEntry *e = data;

  g_clear_object (&e->row);
  g_free (e);
}

static void
entry_reset (TaskEntry *e)
{
  guint64 task = e->acc.task;

  memset (&e->acc, 0, sizeof e->acc);
  e->acc.task = task;
  e->open = 0;
  e->failed = FALSE;
  e->slow = FALSE;
  e->cancelled = FALSE;
  e->sched_inside = 0;
  e->first_child_us = 0;
  e->last_child_us = 0;
  e->last_child_seq = 0;
  e->child_tid = 0;
  e->child_stream = 0;
  e->child_loop = LS_LOOP_OTHER;
}

static void
entry_touch (LsTaskTable *self,
             TaskEntry   *e)
{
  if (!e->dirty)
    {
      e->dirty = TRUE;
      g_ptr_array_add (self->dirty, e);
    }
}

static void
entry_set_unrecorded (LsTaskTable *self,
                      TaskEntry   *e,
                      gboolean     unrecorded)
{
  if (e->unrecorded == unrecorded)
    return;
  e->unrecorded = unrecorded;
  if (unrecorded)
    g_hash_table_add (self->unrecorded, e);
  else
    g_hash_table_remove (self->unrecorded, e);
}

/* @task's entry, made (and pending) if new: as a parent, not recorded. */
static TaskEntry *
entry_get (LsTaskTable *self,
           guint64      task,
           gboolean     as_parent)
{
  TaskEntry *e = g_hash_table_lookup (self->entries, &task);

  if (e != NULL)
    return e;

  e = g_new0 (TaskEntry, 1);
  e->acc.task = task;
  entry_reset (e);
  e->row = ls_task_row_new (task);
  g_hash_table_insert (self->entries, &e->acc.task, e);
  g_ptr_array_add (self->pending, e);
  entry_set_unrecorded (self, e, as_parent);
  return e;
}

static void
take_span (LsTaskTable    *self,
           const LsRecord *r)
{
  TaskEntry *e = entry_get (self, r->id, FALSE);
  LsTaskFigures *a = &e->acc;

  entry_touch (self, e);
  if (a->dispatches == 0)
    {
      entry_set_unrecorded (self, e, FALSE);
      a->first_us = r->start_us;
    }
  else
    a->first_us = MIN (a->first_us, r->start_us);
  a->dispatches++;

  if (r->end_us == 0)
    e->open++;
  else
    {
      a->busy_us += MAX (r->end_us - r->start_us, 0);
      a->last_us = MAX (a->last_us, r->end_us);
    }
  if (r->queued_us != 0 && r->queued_us < r->start_us)
    {
      a->scheduled_us += r->start_us - r->queued_us;
      e->sched_inside += MAX (r->start_us - MAX (r->queued_us, a->first_us), 0);
    }
  if (r->outcome == LS_OUTCOME_ERROR)
    e->failed = TRUE;
  else if (r->outcome == LS_OUTCOME_SLOW)
    e->slow = TRUE;
  else if (r->outcome == LS_OUTCOME_CANCELLED)
    e->cancelled = TRUE;

  a->parent = r->parent_id;
  a->name = r->name != NULL ? r->name : g_intern_static_string ("?");
  a->category = r->category;
  a->detail = r->detail;
  a->thread_id = r->thread_id;
  a->stream_id = r->stream_id;
  a->loop = r->loop;
  a->last_seq = r->seq;

  if (r->parent_id != 0 && r->parent_id != r->id)
    {
      TaskEntry *p = entry_get (self, r->parent_id, TRUE);

      entry_touch (self, p);
      p->acc.n_children++;
      if (p->first_child_us == 0 || r->start_us < p->first_child_us)
        p->first_child_us = r->start_us;
      p->last_child_us = MAX (p->last_child_us, MAX (r->end_us, r->start_us));
      p->last_child_seq = r->seq;
      p->child_tid = r->thread_id;
      p->child_stream = r->stream_id;
      p->child_loop = r->loop;
      if (p->acc.child_name == NULL)
        p->acc.child_name = r->name;
    }
}

/* The figures a row shows, from what its entry accumulated. */
static void
entry_figures (LsTaskTable   *self,
               TaskEntry     *e,
               LsTaskFigures *f)
{
  *f = e->acc;
  if (f->dispatches > 0)
    {
      gint64 life = MAX (f->last_us - f->first_us, 0);

      f->state = e->open > 0 ? LS_TASK_RUNNING
                 : e->failed ? LS_TASK_FAILED
                 : e->slow ? LS_TASK_SLOW
                 : e->cancelled ? LS_TASK_CANCELLED
                 : LS_TASK_DONE;
      f->idle_us = MAX (life - f->busy_us - e->sched_inside, 0);
      f->child_name = NULL;
    }
  else
    {
      f->state = self->now_us - e->last_child_us < LS_TASK_IDLE_AFTER_US ? LS_TASK_RUNNING : LS_TASK_IDLE;
      f->busy_us = f->scheduled_us = f->idle_us = 0;
      f->name = f->category = f->detail = NULL;
      f->thread_id = e->child_tid;
      f->stream_id = e->child_stream;
      f->loop = e->child_loop;
      f->first_us = e->first_child_us;
      f->last_us = e->last_child_us;
      f->last_seq = e->last_child_seq;
    }
}

/* Removes the listed entries that no record names any more, announcing
 * each run of them (or, when scattered, everything from the first). */
static void
remove_gone (LsTaskTable *self)
{
  guint n = self->rows->len;
  guint runs = 0;
  guint first = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    {
      TaskEntry *e = g_ptr_array_index (self->rows, i);
      gboolean gone = e->acc.dispatches == 0 && e->acc.n_children == 0;

      if (gone && first == G_MAXUINT)
        first = i;
      if (gone && (i == 0 || !(((TaskEntry *) g_ptr_array_index (self->rows, i - 1))->acc.dispatches == 0
                               && ((TaskEntry *) g_ptr_array_index (self->rows, i - 1))->acc.n_children == 0)))
        runs++;
    }
  if (runs == 0)
    return;

  if (runs <= MAX_REMOVED_RUNS)
    {
      /* From the back, so each announcement's positions hold. */
      for (guint end = n; end > 0;)
        {
          TaskEntry *e = g_ptr_array_index (self->rows, end - 1);
          guint start;

          if (e->acc.dispatches != 0 || e->acc.n_children != 0)
            {
              end--;
              continue;
            }
          start = end - 1;
          while (start > 0)
            {
              TaskEntry *before = g_ptr_array_index (self->rows, start - 1);

              if (before->acc.dispatches != 0 || before->acc.n_children != 0)
                break;
              start--;
            }
          for (guint i = start; i < end; i++)
            {
              TaskEntry *gone = g_ptr_array_index (self->rows, i);

              entry_set_unrecorded (self, gone, FALSE);
              g_hash_table_remove (self->entries, &gone->acc.task);
            }
          g_ptr_array_remove_range (self->rows, start, end - start);
          g_list_model_items_changed (G_LIST_MODEL (self), start, end - start, 0);
          end = start;
        }
    }
  else
    {
      guint kept = first;

      for (guint i = first; i < n; i++)
        {
          TaskEntry *e = g_ptr_array_index (self->rows, i);

          if (e->acc.dispatches == 0 && e->acc.n_children == 0)
            {
              entry_set_unrecorded (self, e, FALSE);
              g_hash_table_remove (self->entries, &e->acc.task);
              continue;
            }
          self->rows->pdata[kept++] = e;
        }
      g_ptr_array_set_size (self->rows, kept);
      g_list_model_items_changed (G_LIST_MODEL (self), first, n - first, kept - first);
    }
  for (guint i = first; i < self->rows->len; i++)
    ((TaskEntry *) g_ptr_array_index (self->rows, i))->position = i;
}

void
ls_task_table_update (LsTaskTable    *self,
                      const LsRecord *records,
                      guint           n_records,
                      guint64         generation)
{
  gboolean recount;
  guint from;
  guint n_changed = 0;
  guint old_len;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (LS_IS_TASK_TABLE (self));
  g_return_if_fail (records != NULL || n_records == 0);

  recount = generation != self->generation || n_records < self->n_consumed
            || (self->n_consumed > 0 && records[self->n_consumed - 1].seq != self->last_seq);
  if (!recount && n_records == self->n_consumed)
    return;

  if (recount)
    {
      TaskEntry *e;

      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
        {
          entry_reset (e);
          e->dirty = FALSE;
          e->unrecorded = FALSE;
        }
      g_hash_table_remove_all (self->unrecorded);
      g_ptr_array_set_size (self->dirty, 0);
      self->now_us = 0;
      self->generation = generation;
      from = 0;
    }
  else
    from = self->n_consumed;

  for (guint i = from; i < n_records; i++)
    {
      const LsRecord *r = &records[i];

      self->now_us = MAX (self->now_us, MAX (r->end_us, r->start_us));
      if (r->kind == LS_RECORD_SPAN && r->id != 0)
        take_span (self, r);
    }
  self->n_consumed = n_records;
  self->last_seq = n_records > 0 ? records[n_records - 1].seq : 0;

  if (recount)
    {
      /* The gone rows leave first (nothing touched them); then every
       * other row may have changed. */
      TaskEntry *e;

      remove_gone (self);
      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
        {
          entry_touch (self, e);
          entry_set_unrecorded (self, e, e->acc.dispatches == 0);
        }
    }
  else
    {
      /* Tasks not recorded yet turn idle as time goes by without children. */
      g_hash_table_iter_init (&iter, self->unrecorded);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        entry_touch (self, key);
    }

  /* Changed rows, announced in place; new ones are appended below. */
  for (guint i = 0; i < self->dirty->len; i++)
    {
      TaskEntry *e = g_ptr_array_index (self->dirty, i);
      LsTaskFigures f;

      e->dirty = FALSE;
      entry_figures (self, e, &f);
      if (ls_task_row_set_figures (e->row, &f) && e->listed)
        self->dirty->pdata[n_changed++] = e;
    }
  g_ptr_array_set_size (self->dirty, n_changed);
  if (n_changed > MAX_SINGLE_CHANGES)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, self->rows->len, self->rows->len);
  else
    for (guint i = 0; i < n_changed; i++)
      {
        TaskEntry *e = g_ptr_array_index (self->dirty, i);

        g_list_model_items_changed (G_LIST_MODEL (self), e->position, 1, 1);
      }
  g_ptr_array_set_size (self->dirty, 0);

  old_len = self->rows->len;
  for (guint i = 0; i < self->pending->len; i++)
    {
      TaskEntry *e = g_ptr_array_index (self->pending, i);

      e->listed = TRUE;
      e->position = self->rows->len;
      g_ptr_array_add (self->rows, e);
    }
  g_ptr_array_set_size (self->pending, 0);
  if (self->rows->len > old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->rows->len - old_len);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_task_table_finalize (GObject *object)
{
  LsTaskTable *self = LS_TASK_TABLE (object);

  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->pending);
  g_ptr_array_unref (self->dirty);
  g_hash_table_unref (self->unrecorded);
  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (ls_task_table_parent_class)->finalize (object);
}

static void
ls_task_table_class_init (LsTaskTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ls_task_table_finalize;
}

static void
ls_task_table_init (LsTaskTable *self)
{
  self->entries = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, task_entry_free);
  self->rows = g_ptr_array_new ();
  self->pending = g_ptr_array_new ();
  self->dirty = g_ptr_array_new ();
  self->unrecorded = g_hash_table_new (NULL, NULL);
  /* No generation yet: the first update counts everything. */
  self->generation = G_MAXUINT64;
}

LsTaskTable *
ls_task_table_new (void)
{
  return g_object_new (LS_TYPE_TASK_TABLE, NULL);
}

/**
 * ls_task_table_lookup:
 *
 * Returns: (transfer none) (nullable): the row of @task
 */
LsTaskRow *
ls_task_table_lookup (LsTaskTable *self,
                      guint64      task)
{
  TaskEntry *e;

  g_return_val_if_fail (LS_IS_TASK_TABLE (self), NULL);

  e = g_hash_table_lookup (self->entries, &task);
  return e != NULL && e->listed ? e->row : NULL;
}

guint
ls_task_table_get_position (LsTaskTable *self,
                            guint64      task)
{
  TaskEntry *e;

  g_return_val_if_fail (LS_IS_TASK_TABLE (self), G_MAXUINT);

  e = g_hash_table_lookup (self->entries, &task);
  return e != NULL && e->listed ? e->position : G_MAXUINT;
}
