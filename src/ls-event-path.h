/* ls-event-path.h: one event's way from the socket to the screen, found among recorded spans (no display needed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ls-recorder.h"

G_BEGIN_DECLS

/* The spans one event went through, NULL where the records do not (or no
 * longer) hold one:
 *
 * @read: the worker's body read that received it ("stream.read", waiting
 *   from queued_us, done at end_us: the event's time);
 * @parse: that read's parse into events ("stream.parse", from the read's
 *   end), which stored it;
 * @deliver: the first dispatch of the stream's UI mailbox ("stream N") on
 *   the UI loop to start after the parse ended: the UI's news of it. */
typedef struct
{
  const LsRecord *read;
  const LsRecord *parse;
  const LsRecord *deliver;
} LsEventPath;

/* Looks in @records (in the recorder's order, as a snapshot gives them)
 * for the path of an event of stream @stream_id received at @event_us
 * (its LsEventView time_us). TRUE when at least the read was found. */
gboolean  ls_event_path_find      (const LsRecord *records,
                                   guint           n_records,
                                   guint32         stream_id,
                                   gint64          event_us,
                                   LsEventPath    *path);

/* The hops in words, "read → parse 0.10 ms → to UI 12.30 ms → on screen
 * 4.10 ms: 16.50 ms", each hop from the end of the one before; @shown_us
 * is when the events view showed it (0: unknown, no last hop). Newly
 * allocated. */
char     *ls_event_path_describe  (const LsEventPath *path,
                                   gint64             event_us,
                                   gint64             shown_us);

G_END_DECLS
