/* ls-preferences-dialog.c: the Preferences window: recorder, retention, new streams' defaults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control is bound to its GSettings key (g_settings_bind), so a
 * change is written at once; what reads the keys applies them live: the
 * application resizes the recorder, the window caps the store on screen,
 * and each new stream reads its defaults when it connects.
 */
#include "config.h"

#include "ls-preferences-dialog.h"
#include "ls-preferences-dialog-private.h"

struct _LsPreferencesDialog
{
  GtkWindow       parent_instance;

  /* Template widgets */
  GtkSpinButton  *recorder_capacity_spin;
  GtkSpinButton  *event_retention_spin;
  GtkSwitch      *reconnect_get_switch;
  GtkSpinButton  *reconnect_delay_spin;
  GtkSpinButton  *idle_timeout_spin;
  GtkSpinButton  *stall_timeout_spin;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (LsPreferencesDialog, ls_preferences_dialog, GTK_TYPE_WINDOW)

/* Key → (widget offset in the struct, property): one table for binding
 * and for the tests. */
static const struct
{
  const char *key;
  gsize       offset;
  const char *property;
} bindings[] = {
  { "recorder-capacity", G_STRUCT_OFFSET (LsPreferencesDialog, recorder_capacity_spin), "value" },
  { "event-retention", G_STRUCT_OFFSET (LsPreferencesDialog, event_retention_spin), "value" },
  { "reconnect-get", G_STRUCT_OFFSET (LsPreferencesDialog, reconnect_get_switch), "active" },
  { "reconnect-delay-ms", G_STRUCT_OFFSET (LsPreferencesDialog, reconnect_delay_spin), "value" },
  { "idle-timeout", G_STRUCT_OFFSET (LsPreferencesDialog, idle_timeout_spin), "value" },
  { "stall-timeout", G_STRUCT_OFFSET (LsPreferencesDialog, stall_timeout_spin), "value" },
};

static GtkWidget *
binding_widget (LsPreferencesDialog *self,
                guint                i)
{
  return G_STRUCT_MEMBER (GtkWidget *, self, bindings[i].offset);
}

static void
ls_preferences_dialog_dispose (GObject *object)
{
  LsPreferencesDialog *self = LS_PREFERENCES_DIALOG (object);

  if (self->settings != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
      if (binding_widget (self, i) != NULL)
        g_settings_unbind (binding_widget (self, i), bindings[i].property);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_PREFERENCES_DIALOG);

  G_OBJECT_CLASS (ls_preferences_dialog_parent_class)->dispose (object);
}

static void
ls_preferences_dialog_class_init (LsPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_preferences_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/loopscope/Loopscope/ls-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, recorder_capacity_spin);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, event_retention_spin);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, reconnect_get_switch);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, reconnect_delay_spin);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, idle_timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesDialog, stall_timeout_spin);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
ls_preferences_dialog_init (LsPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * ls_preferences_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @settings: the application's settings
 */
LsPreferencesDialog *
ls_preferences_dialog_new (GtkWindow *parent,
                           GSettings *settings)
{
  LsPreferencesDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LS_TYPE_PREFERENCES_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       "modal", TRUE,
                       NULL);
  self->settings = g_object_ref (settings);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_bind (settings, bindings[i].key, binding_widget (self, i), bindings[i].property,
                     G_SETTINGS_BIND_DEFAULT);

  return self;
}

GtkWidget *
_ls_preferences_dialog_get_widget (LsPreferencesDialog *self,
                                   const char          *key)
{
  g_return_val_if_fail (LS_IS_PREFERENCES_DIALOG (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    if (g_strcmp0 (bindings[i].key, key) == 0)
      return binding_widget (self, i);
  return NULL;
}
