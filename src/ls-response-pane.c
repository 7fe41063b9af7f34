/* ls-response-pane.c: the status line, headers, timings and error body of a response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the server said, whole: a 401 whose JSON body names the problem
 * ("invalid_api_key") is useless as "HTTP 401 Unauthorized" alone. The
 * response is immutable and arrives at most once per connection, so the
 * pane rebuilds its few widgets when it changes and never per frame.
 * Header values that carry credentials (Set-Cookie, …) are masked by
 * ls-redact's rules, as everywhere on screen: secrets leave the window
 * only by the user's explicit choice (an export, Copy as curl with
 * Secrets). A JSON body is pretty-printed; anything else is shown as
 * text, with invalid UTF-8 replaced. The pretty-printer is the events
 * view's: a body and an event look the same.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ls-event-panel-private.h"
#include "ls-format.h"
#include "ls-redact.h"
#include "ls-response-pane.h"
#include "ls-stream-options.h"

struct _LsResponsePane
{
  GtkWidget         parent_instance;

  /* Template widgets */
  GtkStack         *stack;
  GtkLabel         *status_label;
  GtkLabel         *timing_label;
  GtkGrid          *headers_grid;
  GtkLabel         *headers_note;
  GtkBox           *body_box;
  GtkLabel         *body_note;
  GtkTextView      *body_view;

  LsStreamResponse *response;
  char             *status_line;
};

G_DEFINE_FINAL_TYPE (LsResponsePane, ls_response_pane, GTK_TYPE_WIDGET)

/* ---- body ----------------------------------------------------------------- */

static void
ls_response_pane_show_body (LsResponsePane   *self,
                            LsStreamResponse *response)
{
  g_autofree char *valid = NULL;
  g_autofree char *pretty = NULL;
  g_autoptr(GString) note = g_string_new (NULL);
  const char *data;
  gsize len;
  char size[32];

  if (response->error_body == NULL)
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), "", 0);
      gtk_widget_set_visible (GTK_WIDGET (self->body_box), FALSE);
      return;
    }

  data = g_bytes_get_data (response->error_body, &len);
  valid = g_utf8_make_valid (data != NULL ? data : "", (gssize) len);
  /* A cut body is not valid JSON: shown as it came. */
  if (!response->error_body_truncated)
    pretty = _ls_event_panel_pretty_json (valid, strlen (valid));

  ls_format_size (size, sizeof size, len);
  if (len == 0)
    g_string_append (note, _("empty"));
  else if (response->error_body_truncated)
    g_string_append_printf (note, _("truncated: the first %s"), size);
  else if (pretty != NULL)
    g_string_append_printf (note, _("%s of JSON, pretty-printed"), size);
  else
    g_string_append (note, size);

  gtk_label_set_text (self->body_note, note->str);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), pretty != NULL ? pretty : valid, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->body_view), len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->body_box), TRUE);
}

/* ---- headers -------------------------------------------------------------- */

static GtkWidget *
header_label (const char *text,
              gboolean    is_name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (is_name)
    {
      gtk_widget_add_css_class (label, "dim-label");
      /* Long names wrap rather than push the values off screen. */
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
    }
  else
    gtk_widget_set_hexpand (label, TRUE);
  /* Not in the focus chain: a long list would take a Tab per label. */
  gtk_widget_set_focusable (label, FALSE);
  return label;
}

static void
ls_response_pane_show_headers (LsResponsePane   *self,
                               LsStreamResponse *response)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->headers_grid))) != NULL)
    gtk_grid_remove (self->headers_grid, child);

  for (guint i = 0; i < response->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (response->headers, i);
      g_autofree char *value = ls_redact_header_value (header->name, header->value);

      gtk_grid_attach (self->headers_grid, header_label (header->name, TRUE), 0, (int) i, 1, 1);
      gtk_grid_attach (self->headers_grid, header_label (value, FALSE), 1, (int) i, 1, 1);
    }

  if (response->headers->len == 0)
    gtk_label_set_text (self->headers_note, _("No headers."));
  else if (response->headers_truncated)
    gtk_label_set_text (self->headers_note,
                        _("Not all headers are shown: the first 128, each value cut at 8 KiB."));
  gtk_widget_set_visible (GTK_WIDGET (self->headers_note),
                          response->headers->len == 0 || response->headers_truncated);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ls_response_pane_dispose (GObject *object)
{
  LsResponsePane *self = LS_RESPONSE_PANE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_RESPONSE_PANE);
  g_clear_pointer (&self->response, ls_stream_response_unref);
  g_clear_pointer (&self->status_line, g_free);

  G_OBJECT_CLASS (ls_response_pane_parent_class)->dispose (object);
}

static void
ls_response_pane_class_init (LsResponsePaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_response_pane_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-response-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, stack);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, status_label);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, timing_label);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, headers_grid);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, headers_note);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, body_box);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, body_note);
  gtk_widget_class_bind_template_child (widget_class, LsResponsePane, body_view);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsresponsepane");
}

static void
ls_response_pane_init (LsResponsePane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ls_response_pane_new (void)
{
  return g_object_new (LS_TYPE_RESPONSE_PANE, NULL);
}

void
ls_response_pane_set_response (LsResponsePane   *self,
                               LsStreamResponse *response)
{
  g_autoptr(GString) timing = NULL;
  char buf[32];

  g_return_if_fail (LS_IS_RESPONSE_PANE (self));

  if (response == self->response)
    return;

  g_clear_pointer (&self->response, ls_stream_response_unref);
  g_clear_pointer (&self->status_line, g_free);
  if (response == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  self->response = ls_stream_response_ref (response);
  self->status_line = g_strdup_printf ("%s %u %s", response->http_version, response->status, response->reason);
  gtk_label_set_text (self->status_label, self->status_line);
  if (response->status >= 200 && response->status < 300)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");

  timing = g_string_new (NULL);
  g_string_append_printf (timing, _("Headers after %s"),
                          ls_format_duration (buf, sizeof buf, response->headers_us));
  if (response->first_byte_us >= 0)
    g_string_append_printf (timing, _(" · first body byte after %s"),
                            ls_format_duration (buf, sizeof buf, response->first_byte_us));
  else
    g_string_append (timing, _(" · no body byte"));
  gtk_label_set_text (self->timing_label, timing->str);

  ls_response_pane_show_headers (self, response);
  ls_response_pane_show_body (self, response);
  gtk_stack_set_visible_child_name (self->stack, "response");
}

/**
 * ls_response_pane_get_response:
 *
 * Returns: (transfer none) (nullable): the response shown
 */
LsStreamResponse *
ls_response_pane_get_response (LsResponsePane *self)
{
  g_return_val_if_fail (LS_IS_RESPONSE_PANE (self), NULL);

  return self->response;
}

const char *
ls_response_pane_get_status_line (LsResponsePane *self)
{
  g_return_val_if_fail (LS_IS_RESPONSE_PANE (self), NULL);

  return self->status_line;
}

char *
ls_response_pane_dup_body_text (LsResponsePane *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LS_IS_RESPONSE_PANE (self), NULL);

  if (self->response == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->body_box)))
    return NULL;

  buffer = gtk_text_view_get_buffer (self->body_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
