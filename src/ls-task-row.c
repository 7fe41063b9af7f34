/* ls-task-row.c: one task of the task list: its figures, as a GObject for the list's columns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LsTaskTable computes the figures; a row only holds them, says which
 * changed (notify, so a cell on screen redraws and a sorter can compare
 * numbers through its properties) and keeps its own copy of the detail
 * (the records it came from are trimmed away in time).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-task-row.h"

struct _LsTaskRow
{
  GObject        parent_instance;

  LsTaskFigures  figures;
  char          *detail;
  char          *label;
};

G_DEFINE_FINAL_TYPE (LsTaskRow, ls_task_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TASK,
  PROP_LABEL,
  PROP_STATE,
  PROP_BUSY,
  PROP_SCHEDULED,
  PROP_IDLE,
  PROP_DISPATCHES,
  PROP_THREAD_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ls_task_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  LsTaskRow *self = LS_TASK_ROW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      g_value_set_uint64 (value, self->figures.task);
      break;
    case PROP_LABEL:
      g_value_set_string (value, ls_task_row_get_label (self));
      break;
    case PROP_STATE:
      g_value_set_int (value, self->figures.state);
      break;
    case PROP_BUSY:
      g_value_set_int64 (value, self->figures.busy_us);
      break;
    case PROP_SCHEDULED:
      g_value_set_int64 (value, self->figures.scheduled_us);
      break;
    case PROP_IDLE:
      g_value_set_int64 (value, self->figures.idle_us);
      break;
    case PROP_DISPATCHES:
      g_value_set_uint (value, self->figures.dispatches);
      break;
    case PROP_THREAD_ID:
      g_value_set_int (value, self->figures.thread_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_task_row_finalize (GObject *object)
{
  LsTaskRow *self = LS_TASK_ROW (object);

  g_free (self->detail);
  g_free (self->label);

  G_OBJECT_CLASS (ls_task_row_parent_class)->finalize (object);
}

static void
ls_task_row_class_init (LsTaskRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = ls_task_row_get_property;
  object_class->finalize = ls_task_row_finalize;

  properties[PROP_TASK] = g_param_spec_uint64 ("task", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, LS_TASK_DONE, 0, flags);
  properties[PROP_BUSY] = g_param_spec_int64 ("busy", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SCHEDULED] = g_param_spec_int64 ("scheduled", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_IDLE] = g_param_spec_int64 ("idle", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DISPATCHES] = g_param_spec_uint ("dispatches", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_THREAD_ID] = g_param_spec_int ("thread-id", NULL, NULL, 0, G_MAXINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_task_row_init (LsTaskRow *self)
{
}

LsTaskRow *
ls_task_row_new (guint64 task)
{
  LsTaskRow *self = g_object_new (LS_TYPE_TASK_ROW, NULL);

  self->figures.task = task;
  return self;
}

guint64
ls_task_row_get_task (LsTaskRow *self)
{
  g_return_val_if_fail (LS_IS_TASK_ROW (self), 0);

  return self->figures.task;
}

const LsTaskFigures *
ls_task_row_get_figures (LsTaskRow *self)
{
  g_return_val_if_fail (LS_IS_TASK_ROW (self), NULL);

  return &self->figures;
}

gboolean
ls_task_row_get_recorded (LsTaskRow *self)
{
  g_return_val_if_fail (LS_IS_TASK_ROW (self), FALSE);

  return self->figures.name != NULL;
}

/**
 * ls_task_row_get_label:
 *
 * The task's name and detail ("stream.read · 1,024 bytes"); a task not
 * recorded yet (a span is recorded when it ends) is named by its id and
 * a child's name.
 */
const char *
ls_task_row_get_label (LsTaskRow *self)
{
  g_return_val_if_fail (LS_IS_TASK_ROW (self), NULL);

  if (self->label != NULL)
    return self->label;

  if (self->figures.name == NULL)
    {
      g_autofree char *unnamed = NULL;
      char id[32];

      g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, self->figures.task);
      unnamed = g_strdup_printf (_("Task %s, not recorded yet"), id);
      if (self->figures.child_name != NULL)
        /* TRANSLATORS: a task known only by its children: "Task 12, not recorded yet · parent of stream.read". */
        self->label = g_strdup_printf (_("%s · parent of %s"), unnamed, self->figures.child_name);
      else
        self->label = g_steal_pointer (&unnamed);
    }
  else if (self->detail != NULL && self->detail[0] != '\0')
    self->label = g_strdup_printf ("%s · %s", self->figures.name, self->detail);
  else
    self->label = g_strdup (self->figures.name);

  return self->label;
}

/**
 * ls_task_row_set_figures:
 *
 * Takes @figures, copying the detail. Returns TRUE when something the
 * list shows or sorts by changed (notified); what it does not show (the
 * latest span, the children's count) changes silently, so that a task
 * not recorded yet, whose children keep coming, does not move in the
 * list at every refresh.
 */
gboolean
ls_task_row_set_figures (LsTaskRow           *self,
                         const LsTaskFigures *figures)
{
  const LsTaskFigures *old = &self->figures;
  gboolean label_changed;
  gboolean changed = FALSE;

  g_return_val_if_fail (LS_IS_TASK_ROW (self), FALSE);
  g_return_val_if_fail (figures != NULL && figures->task == self->figures.task, FALSE);

  label_changed = figures->name != old->name
                  || (figures->name == NULL && figures->child_name != old->child_name)
                  || g_strcmp0 (figures->detail, self->detail) != 0;
  /* Most rows of an update are unchanged: nothing to notify. */
  if (!label_changed
      && figures->state == old->state && figures->busy_us == old->busy_us
      && figures->scheduled_us == old->scheduled_us && figures->idle_us == old->idle_us
      && figures->dispatches == old->dispatches && figures->thread_id == old->thread_id
      && figures->loop == old->loop && figures->stream_id == old->stream_id)
    {
      self->figures = *figures;
      self->figures.detail = self->detail;
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
#define CHANGED(field, prop) \
  if (figures->field != old->field) \
    { \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      changed = TRUE; \
    }
  CHANGED (state, PROP_STATE);
  CHANGED (busy_us, PROP_BUSY);
  CHANGED (scheduled_us, PROP_SCHEDULED);
  CHANGED (idle_us, PROP_IDLE);
  CHANGED (dispatches, PROP_DISPATCHES);
  CHANGED (thread_id, PROP_THREAD_ID);
#undef CHANGED
  /* Not shown, but the list's stream filter looks at it. */
  changed |= figures->stream_id != old->stream_id;
  if (figures->loop != old->loop)
    {
      /* Shown with the thread, in the same column. */
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_ID]);
      changed = TRUE;
    }

  if (label_changed)
    {
      if (g_strcmp0 (figures->detail, self->detail) != 0)
        {
          g_free (self->detail);
          self->detail = g_strdup (figures->detail);
        }
      g_clear_pointer (&self->label, g_free);
    }
  self->figures = *figures;
  self->figures.detail = self->detail;
  if (label_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}
