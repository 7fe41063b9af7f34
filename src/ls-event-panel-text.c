/* ls-event-panel-text.c: how the events view puts an event into words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text of cells, the detail pane and the clipboard, apart from the
 * widgets so the tests can check it without a display.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "ls-event-panel-private.h"
#include "ls-format.h"
#include "ls-llm.h"

/* Pretty-printing parses the whole value: beyond this, show it as is. */
#define PRETTY_JSON_MAX_BYTES (4 * 1024 * 1024)
/* json-glib's parser and generator recurse once per level: a hostile
 * "[[[[…" of a few hundred thousand levels overflows the stack. */
#define PRETTY_JSON_MAX_DEPTH 256
/* The detail pane shows this much of a huge event (a text view with
 * hundreds of megabytes would freeze the UI thread). */
#define DETAIL_MAX_BYTES (8 * 1024 * 1024)

char *
_ls_event_panel_format_time (char   *buf,
                             gsize   len,
                             gint64  real_time_us)
{
  return ls_format_clock (buf, len, real_time_us, 3);
}

char *
_ls_event_panel_first_line (const char *data,
                            gsize       data_len,
                            gsize       max_bytes)
{
  const char *eol;
  gsize n;

  if (data == NULL || data_len == 0)
    return g_strdup ("");

  n = MIN (data_len, max_bytes);
  eol = memchr (data, '\n', n);
  if (eol != NULL)
    n = eol - data;
  if (n > 0 && data[n - 1] == '\r')
    n--;

  /* Raw chunks may hold anything: make_valid also replaces NULs' effect
   * (it stops at none) and a multi-byte character cut by the cap. */
  return g_utf8_make_valid (data, n);
}

/* Shared with the Response page, which shows error bodies the same way. */
char *
_ls_event_panel_pretty_json (const char *data,
                             gsize       data_len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  JsonNode *root;
  gsize i = 0;

  if (data == NULL || data_len == 0 || data_len > PRETTY_JSON_MAX_BYTES)
    return NULL;

  /* Only objects and arrays gain anything from indentation; checking the
   * first character first avoids parsing every plain-text event. */
  while (i < data_len && g_ascii_isspace (data[i]))
    i++;
  if (i == data_len || (data[i] != '{' && data[i] != '['))
    return NULL;
  if (!g_utf8_validate (data, data_len, NULL))
    return NULL;
  if (!ls_json_one_value_ok (data, data_len, PRETTY_JSON_MAX_DEPTH))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, data_len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return NULL;

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/* The one human name of each kind; machine names are the nicks of
 * LS_TYPE_EVENT_KIND. */
const char *
_ls_event_panel_kind_label (LsEventKind kind)
{
  switch (kind)
    {
    case LS_EVENT_KIND_EVENT:
      return C_("event kind", "event");
    case LS_EVENT_KIND_INVALID:
      return C_("event kind", "invalid");
    case LS_EVENT_KIND_CHUNK:
      return C_("event kind", "chunk");
    case LS_EVENT_KIND_OPEN:
      return C_("event kind", "open");
    case LS_EVENT_KIND_ERROR:
      return C_("event kind", "error");
    case LS_EVENT_KIND_RECONNECT:
      return C_("event kind", "reconnect");
    case LS_EVENT_KIND_CLOSED:
      return C_("event kind", "closed");
    case LS_EVENT_KIND_COMMENT:
      return C_("event kind", "comment");
    default:
      return "?";
    }
}

char *
_ls_event_panel_dup_event_json (LsEventItem *item)
{
  const LsEventView *view = ls_event_item_get_view (item);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) whole = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *time_text = NULL;
  g_autofree char *type = g_utf8_make_valid (view->type, (gssize) view->type_len);
  g_autofree char *id = g_utf8_make_valid (view->id, (gssize) view->id_len);
  g_autofree char *data = g_utf8_make_valid (view->data, (gssize) view->data_len);
  GEnumClass *kinds = g_type_class_ref (LS_TYPE_EVENT_KIND);
  GEnumValue *kind = g_enum_get_value (kinds, view->kind);

  whole = g_date_time_new_from_unix_utc (ls_event_item_get_real_time (item) / G_USEC_PER_SEC);
  if (whole != NULL)
    time = g_date_time_add (whole, ls_event_item_get_real_time (item) % G_USEC_PER_SEC);
  if (time != NULL)
    time_text = g_date_time_format_iso8601 (time);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, (gint64) view->seq + 1);
  json_builder_set_member_name (builder, "stream");
  json_builder_add_int_value (builder, view->stream_id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind != NULL ? kind->value_nick : "");
  if (time_text != NULL)
    {
      json_builder_set_member_name (builder, "time");
      json_builder_add_string_value (builder, time_text);
    }
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "data");
  json_builder_add_string_value (builder, data);
  json_builder_set_member_name (builder, "wire_size");
  json_builder_add_int_value (builder, view->wire_size);
  json_builder_end_object (builder);
  g_type_class_unref (kinds);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

void
_ls_event_panel_describe (LsEventItem  *item,
                          char        **title,
                          char        **subtitle,
                          char        **body)
{
  const LsEventView *view = ls_event_item_get_view (item);
  g_autofree char *pretty = NULL;
  char time_buf[32];
  char size_buf[32];
  char seq_buf[32];

  ls_format_count (seq_buf, sizeof seq_buf, view->seq + 1);
  if (view->type[0] != '\0')
    /* Translators: detail pane title: event number, kind and type, e.g. "#12 · event · tick" */
    *title = g_strdup_printf (_("#%s · %s · %s"), seq_buf, _ls_event_panel_kind_label (view->kind), view->type);
  else
    *title = g_strdup_printf (_("#%s · %s"), seq_buf, _ls_event_panel_kind_label (view->kind));

  _ls_event_panel_format_time (time_buf, sizeof time_buf, ls_event_item_get_real_time (item));
  ls_format_size (size_buf, sizeof size_buf, view->data_len);
  if (view->id[0] != '\0')
    *subtitle = g_strdup_printf (_("%s · %s · id %s"), time_buf, size_buf, view->id);
  else
    *subtitle = g_strdup_printf (_("%s · %s"), time_buf, size_buf);

  if (ls_event_item_is_dropped (item))
    *body = g_strdup (_("This event was dropped by the retention limit."));
  else if ((pretty = _ls_event_panel_pretty_json (view->data, view->data_len)) != NULL)
    *body = g_steal_pointer (&pretty);
  else
    *body = g_utf8_make_valid (view->data, (gssize) MIN (view->data_len, DETAIL_MAX_BYTES));
}

char *
_ls_event_panel_count_text (guint64  n_items,
                            guint64  n_total,
                            gboolean filtered,
                            gboolean searching)
{
  char items_buf[32];
  char total_buf[32];

  ls_format_count (items_buf, sizeof items_buf, n_items);
  ls_format_count (total_buf, sizeof total_buf, n_total);
  if (!filtered)
    /* Translators: the count of events shown, e.g. "50,000 events" */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s event", "%s events",
                                         (gulong) MIN (n_total, G_MAXULONG)),
                            total_buf);
  if (searching)
    /* Translators: matches so far while the filter is still looking, e.g. "1,234 of 50,000…" */
    return g_strdup_printf (_("%s of %s…"), items_buf, total_buf);

  /* Translators: events the filter keeps of all events, e.g. "1,234 of 50,000" */
  return g_strdup_printf (_("%s of %s"), items_buf, total_buf);
}
