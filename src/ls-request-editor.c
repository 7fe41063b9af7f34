/* ls-request-editor.c: method, URL, format, headers, body and settings of a request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The editor only edits: it validates nothing itself and starts nothing.
 * Its button emits ::connect or ::stop; the window builds the request
 * from the getters, and reports a bad one back with set_error(), which
 * shows one line under the URL until the URL is edited. The "Headers &
 * Body" button says what is set, so that nothing is sent unseen; a body
 * typed for POST is kept but not sent (nor offered) with GET or HEAD.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ls-format.h"
#include "ls-request-editor.h"

struct _LsRequestEditor
{
  GtkWidget     parent_instance;

  /* Template widgets */
  GtkDropDown  *method_dropdown;
  GtkEntry     *url_entry;
  GtkDropDown  *format_dropdown;
  GtkMenuButton *extras_button;
  GtkListBox   *headers_list;
  GtkTextView  *body_view;
  GtkLabel     *body_note;
  GtkDropDown  *reconnect_dropdown;
  GtkSpinButton *reconnect_ms_spin;
  GtkSpinButton *idle_spin;
  GtkSpinButton *stall_spin;
  GtkButton    *connect_button;
  GtkRevealer  *error_revealer;
  GtkLabel     *error_label;

  gboolean      running;
  gboolean      can_connect;
  char         *cannot_connect_reason;
};

G_DEFINE_FINAL_TYPE (LsRequestEditor, ls_request_editor, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CONNECT,
  SIGNAL_STOP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* In the order of the "formats" string list. */
static const LsStreamFormat format_order[] = {
  LS_STREAM_FORMAT_AUTO,
  LS_STREAM_FORMAT_SSE,
  LS_STREAM_FORMAT_NDJSON,
  LS_STREAM_FORMAT_RAW,
};

/* In the order of reconnect_dropdown's items. */
static const LsStreamReconnect reconnect_order[] = {
  LS_STREAM_RECONNECT_AUTO,
  LS_STREAM_RECONNECT_ON,
  LS_STREAM_RECONNECT_OFF,
};

static void ls_request_editor_update_summary (LsRequestEditor *self);

static void
on_request_changed_cb (LsRequestEditor *self)
{
  ls_request_editor_update_summary (self);
}

/* ---- header rows ---------------------------------------------------------- */

/* A row is a box of [name entry][value entry][remove button]; the entries
 * are found again through object data so the row needs no type of its own. */
static GtkEntry *
header_row_get_entry (GtkWidget  *row,
                      const char *which)
{
  return g_object_get_data (G_OBJECT (row), which);
}

static void
on_remove_header_cb (GtkButton *button,
                     GtkWidget *row)
{
  GtkWidget *list = gtk_widget_get_ancestor (row, GTK_TYPE_LIST_BOX);
  GtkWidget *editor = gtk_widget_get_ancestor (row, LS_TYPE_REQUEST_EDITOR);

  if (list != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (list), row);
  if (editor != NULL)
    ls_request_editor_update_summary (LS_REQUEST_EDITOR (editor));
}

static GtkWidget *
ls_request_editor_append_header_row (LsRequestEditor *self,
                                     const char      *name,
                                     const char      *value)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name_entry = gtk_entry_new ();
  GtkWidget *value_entry = gtk_entry_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);

  gtk_entry_set_placeholder_text (GTK_ENTRY (name_entry), _("Name"));
  gtk_editable_set_width_chars (GTK_EDITABLE (name_entry), 14);
  gtk_editable_set_text (GTK_EDITABLE (name_entry), name != NULL ? name : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (name_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Header name"), -1);

  gtk_entry_set_placeholder_text (GTK_ENTRY (value_entry), _("Value"));
  gtk_widget_set_hexpand (value_entry, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (value_entry), value != NULL ? value : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (value_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Header value"), -1);

  gtk_widget_set_tooltip_text (remove, _("Remove Header"));
  gtk_widget_add_css_class (remove, "flat");
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_header_cb), row);

  gtk_box_append (GTK_BOX (box), name_entry);
  gtk_box_append (GTK_BOX (box), value_entry);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "name-entry", name_entry);
  g_object_set_data (G_OBJECT (row), "value-entry", value_entry);

  gtk_list_box_append (self->headers_list, row);
  /* A named header counts; an empty row does not. */
  g_signal_connect_swapped (name_entry, "changed", G_CALLBACK (on_request_changed_cb), self);
  ls_request_editor_update_summary (self);

  return name_entry;
}

static void
on_add_header_cb (LsRequestEditor *self,
                  GtkButton       *button)
{
  GtkWidget *entry = ls_request_editor_append_header_row (self, NULL, NULL);

  gtk_widget_grab_focus (entry);
}

/* Rows with an empty name, in order; @index counts only named rows. */
static GtkWidget *
ls_request_editor_nth_named_row (LsRequestEditor *self,
                                 guint            index,
                                 guint           *n_named)
{
  GtkWidget *child;
  guint n = 0;

  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->headers_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEntry *name;

      if (!GTK_IS_LIST_BOX_ROW (child))
        continue;
      name = header_row_get_entry (child, "name-entry");
      if (name == NULL || *gtk_editable_get_text (GTK_EDITABLE (name)) == '\0')
        continue;
      if (n == index)
        return child;
      n++;
    }

  if (n_named != NULL)
    *n_named = n;
  return NULL;
}

/* ---- what is set --------------------------------------------------------- */

static gboolean
method_has_no_body (const char *method)
{
  return g_ascii_strcasecmp (method, "GET") == 0 || g_ascii_strcasecmp (method, "HEAD") == 0;
}

/* The body's size as sent: its UTF-8 bytes. */
static gsize
ls_request_editor_get_body_size (LsRequestEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (gtk_text_buffer_get_char_count (buffer) == 0)
    return 0;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return strlen (text);
}

/* The button says what the request carries beyond its URL: "Headers (2)
 * · Body 55 B"; the body field says when the method sends none. */
static void
ls_request_editor_update_summary (LsRequestEditor *self)
{
  guint n_headers = ls_request_editor_get_n_headers (self);
  gsize body_size = ls_request_editor_get_body_size (self);
  gboolean no_body = method_has_no_body (ls_request_editor_get_method (self));
  g_autofree char *label = NULL;
  char size[32];

  /* Alt+H in every form. */
  if (n_headers > 0 && body_size > 0)
    label = g_strdup_printf (_("_Headers (%u) · Body %s"), n_headers,
                             ls_format_size (size, sizeof size, body_size));
  else if (n_headers > 0)
    label = g_strdup_printf (_("_Headers (%u) & Body"), n_headers);
  else if (body_size > 0)
    label = g_strdup_printf (_("_Headers & Body %s"), ls_format_size (size, sizeof size, body_size));
  else
    label = g_strdup (_("_Headers & Body"));

  if (g_strcmp0 (gtk_menu_button_get_label (self->extras_button), label) != 0)
    gtk_menu_button_set_label (self->extras_button, label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->extras_button),
                               no_body && body_size > 0
                               ? _("Request headers and body (the body is not sent with GET or HEAD)")
                               : _("Request headers and body"));

  gtk_widget_set_sensitive (GTK_WIDGET (self->body_view), !no_body);
  gtk_widget_set_visible (GTK_WIDGET (self->body_note), no_body);
}

/* ---- the button ----------------------------------------------------------- */

static void
ls_request_editor_update_button (LsRequestEditor *self)
{
  GtkWidget *button = GTK_WIDGET (self->connect_button);

  if (self->running)
    {
      /* Alt+P: Alt+S is the Stream tab, Alt+T the Timeline, Alt+O the Loops. */
      gtk_button_set_label (self->connect_button, _("Sto_p"));
      gtk_widget_remove_css_class (button, "suggested-action");
      gtk_widget_set_sensitive (button, TRUE);
      gtk_widget_set_tooltip_text (button, _("Stop the stream"));
    }
  else
    {
      gtk_button_set_label (self->connect_button, _("_Connect"));
      gtk_widget_add_css_class (button, "suggested-action");
      gtk_widget_set_sensitive (button, self->can_connect);
      gtk_widget_set_tooltip_text (button, self->can_connect ? _("Start streaming from this URL")
                                                             : self->cannot_connect_reason);
    }
}

static void
on_connect_clicked_cb (LsRequestEditor *self,
                       GtkButton       *button)
{
  ls_request_editor_activate (self);
}

/* Enter connects to what the entry says, even over a running stream:
 * typing a new URL and pressing Enter must not stop instead. */
static void
on_url_activate_cb (LsRequestEditor *self,
                    GtkEntry        *entry)
{
  if (self->can_connect)
    g_signal_emit (self, signals[SIGNAL_CONNECT], 0);
}

static void
on_url_changed_cb (LsRequestEditor *self,
                   GtkEditable     *editable)
{
  /* The reason was about the old text. */
  ls_request_editor_set_error (self, NULL);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_request_editor_dispose (GObject *object)
{
  LsRequestEditor *self = LS_REQUEST_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_REQUEST_EDITOR);

  G_OBJECT_CLASS (ls_request_editor_parent_class)->dispose (object);
}

static void
ls_request_editor_finalize (GObject *object)
{
  LsRequestEditor *self = LS_REQUEST_EDITOR (object);

  g_clear_pointer (&self->cannot_connect_reason, g_free);

  G_OBJECT_CLASS (ls_request_editor_parent_class)->finalize (object);
}

static void
ls_request_editor_class_init (LsRequestEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_request_editor_dispose;
  object_class->finalize = ls_request_editor_finalize;

  /**
   * LsRequestEditor::connect:
   *
   * The user asked to connect with what the editor holds.
   */
  signals[SIGNAL_CONNECT] =
    g_signal_new ("connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * LsRequestEditor::stop:
   *
   * The user asked to stop the running stream.
   */
  signals[SIGNAL_STOP] =
    g_signal_new ("stop", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-request-editor.ui");
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, url_entry);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, format_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, extras_button);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, headers_list);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, body_view);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, body_note);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, reconnect_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, reconnect_ms_spin);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, idle_spin);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, stall_spin);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, connect_button);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsRequestEditor, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_url_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_add_header_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_request_changed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsrequesteditor");
}

static void
ls_request_editor_init (LsRequestEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->can_connect = TRUE;
  ls_request_editor_update_button (self);
  ls_request_editor_update_summary (self);
}

GtkWidget *
ls_request_editor_new (void)
{
  return g_object_new (LS_TYPE_REQUEST_EDITOR, NULL);
}

const char *
ls_request_editor_get_method (LsRequestEditor *self)
{
  GObject *item;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), NULL);

  item = gtk_drop_down_get_selected_item (self->method_dropdown);
  if (item == NULL)
    return "GET";

  return gtk_string_object_get_string (GTK_STRING_OBJECT (item));
}

void
ls_request_editor_set_method (LsRequestEditor *self,
                              const char      *method)
{
  GListModel *model;
  guint n;

  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));
  g_return_if_fail (method != NULL);

  model = gtk_drop_down_get_model (self->method_dropdown);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_ascii_strcasecmp (gtk_string_object_get_string (item), method) == 0)
        {
          gtk_drop_down_set_selected (self->method_dropdown, i);
          return;
        }
    }

  /* Anything else the user typed elsewhere (tests, --method) is kept. */
  gtk_string_list_append (GTK_STRING_LIST (model), method);
  gtk_drop_down_set_selected (self->method_dropdown, n);
}

const char *
ls_request_editor_get_url (LsRequestEditor *self)
{
  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->url_entry));
}

void
ls_request_editor_set_url (LsRequestEditor *self,
                           const char      *url)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url != NULL ? url : "");
}

LsStreamFormat
ls_request_editor_get_format (LsRequestEditor *self)
{
  guint selected;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), LS_STREAM_FORMAT_AUTO);

  selected = gtk_drop_down_get_selected (self->format_dropdown);
  if (selected >= G_N_ELEMENTS (format_order))
    return LS_STREAM_FORMAT_AUTO;

  return format_order[selected];
}

void
ls_request_editor_set_format (LsRequestEditor *self,
                              LsStreamFormat   format)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  for (guint i = 0; i < G_N_ELEMENTS (format_order); i++)
    if (format_order[i] == format)
      gtk_drop_down_set_selected (self->format_dropdown, i);
}

guint
ls_request_editor_get_n_headers (LsRequestEditor *self)
{
  guint n = 0;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), 0);

  ls_request_editor_nth_named_row (self, G_MAXUINT, &n);

  return n;
}

gboolean
ls_request_editor_get_header (LsRequestEditor  *self,
                              guint             index,
                              const char      **name,
                              const char      **value)
{
  GtkWidget *row;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), FALSE);

  row = ls_request_editor_nth_named_row (self, index, NULL);
  if (row == NULL)
    return FALSE;

  if (name != NULL)
    *name = gtk_editable_get_text (GTK_EDITABLE (header_row_get_entry (row, "name-entry")));
  if (value != NULL)
    *value = gtk_editable_get_text (GTK_EDITABLE (header_row_get_entry (row, "value-entry")));

  return TRUE;
}

void
ls_request_editor_add_header (LsRequestEditor *self,
                              const char      *name,
                              const char      *value)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  ls_request_editor_append_header_row (self, name, value);
}

void
ls_request_editor_clear_headers (LsRequestEditor *self)
{
  GtkWidget *child;

  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->headers_list))) != NULL)
    gtk_list_box_remove (self->headers_list, child);
  ls_request_editor_update_summary (self);
}

GBytes *
ls_request_editor_dup_body (LsRequestEditor *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  char *text;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), NULL);

  /* Kept in the field, never sent: the engine would drop it too, but
   * nothing downstream (Copy as curl, the timeline) should see it. */
  if (method_has_no_body (ls_request_editor_get_method (self)))
    return NULL;

  buffer = gtk_text_view_get_buffer (self->body_view);
  if (gtk_text_buffer_get_char_count (buffer) == 0)
    return NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  return g_bytes_new_take (text, strlen (text));
}

void
ls_request_editor_set_body (LsRequestEditor *self,
                            const char      *body)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body != NULL ? body : "", -1);
}

void
ls_request_editor_set_error (LsRequestEditor *self,
                             const char      *message)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  if (message != NULL)
    {
      gtk_label_set_text (self->error_label, message);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->error_label), message);
      gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");
    }
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

/**
 * ls_request_editor_get_error:
 *
 * Returns: (nullable): the reason shown under the URL, if any
 */
const char *
ls_request_editor_get_error (LsRequestEditor *self)
{
  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->error_revealer))
    return NULL;

  return gtk_label_get_text (self->error_label);
}

void
ls_request_editor_set_running (LsRequestEditor *self,
                               gboolean         running)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  running = !!running;
  if (self->running == running)
    return;

  self->running = running;
  ls_request_editor_update_button (self);
}

gboolean
ls_request_editor_get_running (LsRequestEditor *self)
{
  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), FALSE);

  return self->running;
}

void
ls_request_editor_set_can_connect (LsRequestEditor *self,
                                   gboolean         can_connect,
                                   const char      *reason)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  self->can_connect = !!can_connect;
  g_free (self->cannot_connect_reason);
  self->cannot_connect_reason = g_strdup (reason);
  ls_request_editor_update_button (self);
}

void
ls_request_editor_activate (LsRequestEditor *self)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  if (self->running)
    g_signal_emit (self, signals[SIGNAL_STOP], 0);
  else if (self->can_connect)
    g_signal_emit (self, signals[SIGNAL_CONNECT], 0);
}

/* Ctrl+L: the URL, all of it selected, ready to be typed over. */
void
ls_request_editor_focus_url (LsRequestEditor *self)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->url_entry), 0, -1);
}

/* ---- per-request settings ------------------------------------------------- */

LsStreamReconnect
ls_request_editor_get_reconnect (LsRequestEditor *self)
{
  guint selected;

  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), LS_STREAM_RECONNECT_AUTO);

  selected = gtk_drop_down_get_selected (self->reconnect_dropdown);
  if (selected >= G_N_ELEMENTS (reconnect_order))
    return LS_STREAM_RECONNECT_AUTO;
  return reconnect_order[selected];
}

void
ls_request_editor_set_reconnect (LsRequestEditor   *self,
                                 LsStreamReconnect  reconnect)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  for (guint i = 0; i < G_N_ELEMENTS (reconnect_order); i++)
    if (reconnect_order[i] == reconnect)
      gtk_drop_down_set_selected (self->reconnect_dropdown, i);
}

void
ls_request_editor_get_timing (LsRequestEditor *self,
                              LsRequestTiming *timing)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));
  g_return_if_fail (timing != NULL);

  /* What is typed and not yet committed (no Enter, focus still in) counts. */
  gtk_spin_button_update (self->reconnect_ms_spin);
  gtk_spin_button_update (self->idle_spin);
  gtk_spin_button_update (self->stall_spin);
  timing->reconnect_ms = (guint) gtk_spin_button_get_value_as_int (self->reconnect_ms_spin);
  timing->idle_timeout_s = (guint) gtk_spin_button_get_value_as_int (self->idle_spin);
  timing->stall_timeout_s = (guint) gtk_spin_button_get_value_as_int (self->stall_spin);
}

void
ls_request_editor_set_timing (LsRequestEditor       *self,
                              const LsRequestTiming *timing)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));
  g_return_if_fail (timing != NULL);

  gtk_spin_button_set_value (self->reconnect_ms_spin, timing->reconnect_ms);
  gtk_spin_button_set_value (self->idle_spin, timing->idle_timeout_s);
  gtk_spin_button_set_value (self->stall_spin, timing->stall_timeout_s);
}

/* The menu button's text, underline included: what a test reads. */
const char *
ls_request_editor_get_summary (LsRequestEditor *self)
{
  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), NULL);

  return gtk_menu_button_get_label (self->extras_button);
}

/* Whether the body field takes text: FALSE for GET and HEAD. */
gboolean
ls_request_editor_get_body_editable (LsRequestEditor *self)
{
  g_return_val_if_fail (LS_IS_REQUEST_EDITOR (self), FALSE);

  return gtk_widget_get_sensitive (GTK_WIDGET (self->body_view));
}

/* Opens the Headers & Body popover (screenshots, keyboard users). */
void
ls_request_editor_popup_extras (LsRequestEditor *self)
{
  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));

  gtk_menu_button_popup (self->extras_button);
}

/**
 * ls_request_editor_copy_from:
 * @source: another editor
 *
 * Makes this editor's request @source's: method, URL, format, headers,
 * body (kept even while the method sends none), reconnect and timings.
 * What the streams sidebar's Duplicate does.
 */
void
ls_request_editor_copy_from (LsRequestEditor *self,
                             LsRequestEditor *source)
{
  g_autofree char *body = NULL;
  LsRequestTiming timing;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_if_fail (LS_IS_REQUEST_EDITOR (self));
  g_return_if_fail (LS_IS_REQUEST_EDITOR (source));

  ls_request_editor_set_method (self, ls_request_editor_get_method (source));
  ls_request_editor_set_url (self, ls_request_editor_get_url (source));
  ls_request_editor_set_format (self, ls_request_editor_get_format (source));
  ls_request_editor_clear_headers (self);
  for (guint i = 0; i < ls_request_editor_get_n_headers (source); i++)
    {
      const char *name, *value;

      if (ls_request_editor_get_header (source, i, &name, &value))
        ls_request_editor_add_header (self, name, value);
    }
  buffer = gtk_text_view_get_buffer (source->body_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  ls_request_editor_set_body (self, body[0] != '\0' ? body : NULL);
  ls_request_editor_set_reconnect (self, ls_request_editor_get_reconnect (source));
  ls_request_editor_get_timing (source, &timing);
  ls_request_editor_set_timing (self, &timing);
}
