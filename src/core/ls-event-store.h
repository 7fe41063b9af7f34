/* ls-event-store.h: compact append-only storage of what streams receive
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One writer thread (the worker) appends; any number of reader threads
 * read at the same time, without copying: a read returns an LsEventView
 * whose pointers stay valid as long as the LsEventPin it came with is held.
 *
 * Events live in refcounted segments (64 KiB growing to 1 MiB) of packed,
 * varint-encoded records with a per-segment offset index. The writer
 * publishes each event with a release store of the end sequence number;
 * readers load it with acquire. The writer never waits for readers and a
 * reader never waits for the writer beyond a lock held for a pointer swap.
 *
 * The retention cap drops the oldest events, exactly (by count) or whole
 * segments (by bytes); a dropped event is never readable again, and
 * ls_event_store_get_n_dropped() counts exactly those events. A segment a
 * reader still pins stays alive for that reader only.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  LS_EVENT_KIND_EVENT,      /* a dispatched SSE event or a valid NDJSON line */
  LS_EVENT_KIND_INVALID,    /* an NDJSON line that is not valid JSON, kept as is */
  LS_EVENT_KIND_CHUNK,      /* a raw received chunk */
  LS_EVENT_KIND_OPEN,       /* lifecycle: the response started */
  LS_EVENT_KIND_ERROR,      /* lifecycle: an error, data holds the message */
  LS_EVENT_KIND_RECONNECT,  /* lifecycle: a reconnection is scheduled */
  LS_EVENT_KIND_CLOSED,     /* lifecycle: the stream ended for good */
  LS_EVENT_KIND_COMMENT,    /* an SSE comment line (": heartbeat"), data holds its text */
} LsEventKind;

#define LS_EVENT_KIND_LAST LS_EVENT_KIND_COMMENT
#define LS_TYPE_EVENT_KIND (ls_event_kind_get_type ())
GType ls_event_kind_get_type (void);

/* A view of one stored event. The strings point into the store: valid
 * while the LsEventPin returned with the view is held. @data is followed
 * by a NUL not counted in @data_len (so it is a C string when it holds no
 * NUL); @type and @id are NUL-terminated as well. Empty strings are "". */
typedef struct
{
  guint64      seq;        /* global, from 0, never reused */
  guint32      stream_id;
  LsEventKind  kind;
  gint64       time_us;    /* g_get_monotonic_time() when received */
  guint32      wire_size;  /* bytes on the wire for this event */
  const char  *type;
  gsize        type_len;
  const char  *id;
  gsize        id_len;
  const char  *data;
  gsize        data_len;
} LsEventView;

typedef struct _LsEventStore LsEventStore;

/* A reader's hold on the storage behind views. Start with NULL, pass the
 * same pin to successive ls_event_store_get() calls (it is reused when the
 * next event lives in the same segment, which costs no atomic operation),
 * and unref it when done. A get may replace the pin, which ends the
 * validity of views taken with the old one unless something else holds
 * it: ls_event_pin_ref() keeps a view valid (e.g. in a list item). A pin
 * belongs to the store it came from; use it with that store only. */
typedef struct _LsEventPin LsEventPin;

/* Returns FALSE to stop the iteration. */
typedef gboolean (*LsEventFunc) (const LsEventView *view,
                                 gpointer           user_data);

#define LS_EVENT_STORE_DEFAULT_MAX_EVENTS G_GUINT64_CONSTANT (1000000)
#define LS_EVENT_STORE_DEFAULT_MAX_BYTES  (G_GUINT64_CONSTANT (256) * 1024 * 1024)
/* The largest segment: the granularity of dropping by bytes and the most
 * memory the store may hold beyond its events. */
#define LS_EVENT_STORE_SEGMENT_MAX        (1024 * 1024)

#define LS_TYPE_EVENT_STORE (ls_event_store_get_type ())
#define LS_TYPE_EVENT_PIN   (ls_event_pin_get_type ())

GType         ls_event_store_get_type          (void);
LsEventStore *ls_event_store_new               (void);
LsEventStore *ls_event_store_ref               (LsEventStore *self);
void          ls_event_store_unref             (LsEventStore *self);

/* Any thread. 0 means no limit. Applied at the next append, or at once
 * by ls_event_store_trim() on the writer thread. */
void          ls_event_store_set_limits        (LsEventStore *self,
                                                guint64       max_events,
                                                guint64       max_bytes);
void          ls_event_store_get_limits        (LsEventStore *self,
                                                guint64      *max_events,
                                                guint64      *max_bytes);

/* Writer thread only. Lengths of -1 mean NUL-terminated; NULL is "".
 * Returns the event's sequence number. */
guint64       ls_event_store_append            (LsEventStore *self,
                                                guint32       stream_id,
                                                LsEventKind   kind,
                                                gint64        time_us,
                                                const char   *type,
                                                gssize        type_len,
                                                const char   *id,
                                                gssize        id_len,
                                                const char   *data,
                                                gsize         data_len,
                                                guint32       wire_size);
void          ls_event_store_trim              (LsEventStore *self);
void          ls_event_store_release_before    (LsEventStore *self,
                                                guint64       seq);

/* Any thread. The readable range is [first_seq, end_seq). Memory is what
 * the store holds allocated (segments, their indexes and large-event
 * blobs, malloc's per-block overhead included); a dropped segment that a
 * reader still pins is that reader's and is no longer counted. Payload is
 * the type, id and data bytes of the readable events. */
guint64       ls_event_store_get_first_seq     (LsEventStore *self);
guint64       ls_event_store_get_end_seq       (LsEventStore *self);
/* Both ends at once, consistent: *first_seq <= *end_seq. */
void          ls_event_store_get_range         (LsEventStore *self,
                                                guint64      *first_seq,
                                                guint64      *end_seq);
guint64       ls_event_store_get_n_dropped     (LsEventStore *self);
guint64       ls_event_store_get_memory_bytes  (LsEventStore *self);
guint64       ls_event_store_get_payload_bytes (LsEventStore *self);
gint64        ls_event_store_to_real_time      (LsEventStore *self,
                                                gint64        monotonic_us);

/* Any thread. FALSE when @seq is dropped or not yet appended; then @pin
 * is left as it was. */
gboolean      ls_event_store_get               (LsEventStore *self,
                                                guint64       seq,
                                                LsEventView  *view,
                                                LsEventPin  **pin);
/* Any thread. Calls @func for each readable event in [from_seq, to_seq),
 * in order, until it returns FALSE. Returns the number of calls. */
guint64       ls_event_store_foreach_range     (LsEventStore *self,
                                                guint64       from_seq,
                                                guint64       to_seq,
                                                LsEventFunc   func,
                                                gpointer      user_data);

GType         ls_event_pin_get_type            (void);
LsEventPin   *ls_event_pin_ref                 (LsEventPin   *pin);
void          ls_event_pin_unref               (LsEventPin   *pin);

const char   *ls_event_kind_to_string          (LsEventKind   kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsEventStore, ls_event_store_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsEventPin, ls_event_pin_unref)

G_END_DECLS
