/* ls-event-path.c: one event's way from the socket to the screen, found among recorded spans (no display needed)
 *
 * An event is stamped with the time its read completed on the worker
 * (the read span's end). The parse span of that read starts then and
 * stores the event; the stream then tells the UI through its mailbox,
 * whose dispatches the recorder keeps as spans named after it. The
 * events view shows the event in the frame that takes it into its table
 * (ls_event_panel_get_shown_time()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-event-path.h"
#include "ls-format.h"

static gboolean
record_is (const LsRecord *r,
           LsLoopId        loop,
           const char     *name)
{
  return r->kind == LS_RECORD_SPAN && r->loop == loop && r->name != NULL && g_str_equal (r->name, name);
}

gboolean
ls_event_path_find (const LsRecord *records,
                    guint           n_records,
                    guint32         stream_id,
                    gint64          event_us,
                    LsEventPath    *path)
{
  g_autofree char *mailbox = g_strdup_printf ("stream %u", stream_id);
  gint64 parsed_us;

  g_return_val_if_fail (records != NULL || n_records == 0, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  *path = (LsEventPath) { NULL, NULL, NULL };

  /* The read that completed at the event's time (several streams may read
   * at once: its own parse names it as parent). */
  for (guint i = 0; i < n_records && path->read == NULL; i++)
    {
      const LsRecord *parse = &records[i];

      if (!record_is (parse, LS_LOOP_WORKER, "stream.parse") || parse->start_us != event_us)
        continue;
      for (guint j = i; j-- > 0; )
        {
          const LsRecord *read = &records[j];

          if (read->id == parse->parent_id && record_is (read, LS_LOOP_WORKER, "stream.read"))
            {
              path->read = read;
              path->parse = parse;
              break;
            }
        }
    }
  /* The parse may be gone from the ring, or not written yet. */
  for (guint i = 0; i < n_records && path->read == NULL; i++)
    if (record_is (&records[i], LS_LOOP_WORKER, "stream.read") && records[i].end_us == event_us)
      path->read = &records[i];
  if (path->read == NULL)
    return FALSE;

  parsed_us = path->parse != NULL ? path->parse->end_us : event_us;
  for (guint i = 0; i < n_records; i++)
    {
      const LsRecord *r = &records[i];

      if (record_is (r, LS_LOOP_UI, mailbox) && r->start_us >= parsed_us
          && (path->deliver == NULL || r->start_us < path->deliver->start_us))
        path->deliver = r;
    }
  return TRUE;
}

char *
ls_event_path_describe (const LsEventPath *path,
                        gint64             event_us,
                        gint64             shown_us)
{
  GString *text;
  gint64 at = event_us;
  char buf[32];

  g_return_val_if_fail (path != NULL, NULL);

  text = g_string_new (C_("event path", "read"));
  if (path->parse != NULL)
    {
      /* TRANSLATORS: a hop of an event's path and how long it took. */
      g_string_append_printf (text, C_("event path", " → parse %s"),
                              ls_format_duration (buf, sizeof buf, path->parse->end_us - at));
      at = path->parse->end_us;
    }
  if (path->deliver != NULL)
    {
      g_string_append_printf (text, C_("event path", " → to UI %s"),
                              ls_format_duration (buf, sizeof buf, MAX (0, path->deliver->end_us - at)));
      at = path->deliver->end_us;
    }
  if (shown_us > 0)
    {
      /* The events view takes events in on its own frame tick: it may
       * come before the mailbox's news. */
      g_string_append_printf (text, C_("event path", " → on screen %s"),
                              ls_format_duration (buf, sizeof buf, MAX (0, shown_us - at)));
      /* TRANSLATORS: the whole path's time, socket to screen. */
      g_string_append_printf (text, C_("event path", ": %s"), ls_format_duration (buf, sizeof buf, shown_us - event_us));
    }
  return g_string_free (text, FALSE);
}
