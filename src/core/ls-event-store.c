/* ls-event-store.c: compact append-only storage of what streams receive
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One file past 900 lines on purpose: the record encoding, segments,
 * retention and pins all depend on the one byte layout below, and split
 * they would have to share it all through a private header.
 *
 * Layout. A segment is one allocation: a small header, then records packed
 * upwards from the start of data[], and an index of guint32 record offsets
 * growing downwards from the end of data[]. A record is
 *
 *   flags     1 byte: kind (3 bits), TYPE_SHARED, ID_SHARED, BLOB
 *   varints   stream_id, zigzag (time_us - segment base time), wire_size,
 *             type_len [, type_off if TYPE_SHARED], id_len [, id_off if
 *             ID_SHARED], data_len
 *   [blob]    a pointer, if BLOB: the strings below live in that blob
 *   strings   type NUL (unless shared or empty), id NUL (unless shared or
 *             empty), data NUL
 *
 * A shared type points at the bytes of an earlier record of the same
 * segment (most events share "message" or "tick"); a shared id points at
 * the previous record's id (SSE ids persist across events). So a small
 * event costs its id and data bytes plus about 12 bytes of header, 4 of
 * index and 2 NULs.
 *
 * A record whose strings do not fit the rest of the segment seals it and
 * goes to a new one, unless its strings are larger than the blob threshold
 * (at most 4 KiB): then they go to a separate allocation owned by the
 * segment and only the header goes into the segment. That bounds the
 * unused tail of a sealed segment by the threshold, and an event larger
 * than a segment needs no special segment. A blob costs about 24 bytes
 * more than an inline record, on events of more than 4 KiB.
 *
 * Concurrency. The writer fills the record and its index entry with plain
 * stores, then publishes end_seq with a release store; a reader that loads
 * end_seq with acquire may read every record below it. Records are never
 * modified once written. Readers find segments in the directory: an
 * immutable, refcounted array of segment pointers, which the writer
 * replaces (copy, then swap under dir_lock) when it opens or drops a
 * segment. The lock only guards that pointer swap and the reader's
 * ref of the current directory. Segments are refcounted: a directory
 * holds a ref on each of its segments, a pin holds one on its segment.
 * A segment's end_seq stays G_MAXUINT64 while the writer appends to it and
 * is set (release) when the writer seals it, before any later event is
 * published, so a reader that saw end_seq also sees which segment holds
 * each event below it.
 *
 * pthread_mutex_t, not GMutex: ThreadSanitizer cannot see Debian's GMutex
 * (its futex lock lives inside libglib, uninstrumented), and the lock's
 * happens-before edge is one we rely on.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ls-event-store.h"
#include "ls-enum.h"
#include "ls-short-bytes.h"

#define SEGMENT_MIN         (64 * 1024)
/* The smallest segment, used only when max_bytes is tiny. */
#define SEGMENT_FLOOR       (4 * 1024)
#define BLOB_THRESHOLD_MAX  4096
/* flags + 5 + 10 + 5 + (10 + 5) + (10 + 5) + 10 varint bytes + blob pointer */
#define HEADER_MAX          72
/* What malloc adds to each allocation (glibc: one size word, rounded to 16):
 * counted so that get_memory_bytes() is what the heap really gives us. */
#define ALLOC_OVERHEAD      16
#define TYPE_CACHE_SIZE     16

enum
{
  RECORD_KIND_MASK   = 0x07,
  RECORD_TYPE_SHARED = 0x08,
  RECORD_ID_SHARED   = 0x10,
  RECORD_BLOB        = 0x20,
};

G_STATIC_ASSERT ((int) LS_EVENT_KIND_LAST <= (int) RECORD_KIND_MASK);

typedef struct _LsBlob LsBlob;
struct _LsBlob
{
  LsBlob *next;
  char    bytes[];
};

/* What one thread writes often, another thread must not read on the same
 * cache line: each such read takes the line away from the writer, a
 * round trip between cores per event (a third of the headless ingest time
 * before the fields were set apart). */
#define CACHE_LINE 64

/* A pin is a ref on a segment: the segment is the pin. */
struct _LsEventPin
{
  /* Read by readers at every event; written once or rarely. */
  gint     ref_count;      /* atomic */
  guint32  capacity;       /* bytes in data[], a multiple of 8 */
  guint64  first_seq;      /* immutable */
  guint64  end_seq;        /* atomic: G_MAXUINT64 until the writer seals it */
  gint64   base_time_us;   /* immutable: the first record's time */
  char     reader_line_end[CACHE_LINE];
  /* The writer's, changed at each event. */
  LsBlob  *blobs;          /* written by the writer only, freed with the segment */
  gsize    mem_bytes;      /* writer's: this allocation plus its blobs */
  guint64  payload;        /* writer's: type, id and data bytes of its events */
  guint64  payload_dropped; /* writer's: of those, the part of events dropped */
  guint8   data[];
};

typedef struct
{
  gint        ref_count;   /* atomic */
  guint       n_segments;
  LsEventPin *segments[];  /* oldest first, contiguous seq ranges */
} LsSegmentDir;

typedef struct
{
  guint32 off;
  guint32 len;
} LsTypeSlot;

/* Four groups, each on cache lines of its own (see CACHE_LINE). */
struct _LsEventStore
{
  /* Read at each event by readers, written rarely. */
  gint             ref_count;      /* atomic */
  guint64          first_seq;      /* published by the writer (release), moves when events are dropped */
  gint64           real_base_us;
  gint64           monotonic_base_us;
  char             line_end_1[CACHE_LINE];

  /* Published by the writer at each event (release), read anywhere
   * (acquire): readers load end_seq once per batch, not per event. */
  guint64          end_seq;
  guint64          memory_bytes;
  guint64          payload_bytes;
  char             line_end_2[CACHE_LINE];

  /* Any thread (relaxed atomics), read by the writer at each event. 0
   * means unlimited. */
  guint64          max_events;
  guint64          max_bytes;
  guint64          release_before;   /* atomic: nobody needs the events below */
  char             line_end_3[CACHE_LINE];

  pthread_mutex_t  dir_lock;       /* guards the dir pointer swap only */
  LsSegmentDir    *dir;            /* replaced by the writer only */

  /* Writer-only state below. */
  LsEventPin      *tail;           /* the segment being appended to, or NULL */
  guint32          tail_used;      /* record bytes in tail->data */
  guint32          tail_n;         /* records in tail */
  guint32          blob_threshold;
  guint32          next_capacity;
  LsTypeSlot       types[TYPE_CACHE_SIZE];
  guint            n_types;
  guint            next_type_slot;
  guint            last_type_slot;
  guint32          last_id_off;
  guint32          last_id_len;    /* 0: no id to share in tail */
  guint64          w_end;
  guint64          w_first;
  guint64          w_memory;
  guint64          w_payload;
};

G_DEFINE_BOXED_TYPE (LsEventStore, ls_event_store, ls_event_store_ref, ls_event_store_unref)
G_DEFINE_BOXED_TYPE (LsEventPin, ls_event_pin, ls_event_pin_ref, ls_event_pin_unref)

static inline guint64
load_acquire (const guint64 *p)
{
  return __atomic_load_n (p, __ATOMIC_ACQUIRE);
}

static inline void
store_release (guint64 *p,
               guint64  v)
{
  __atomic_store_n (p, v, __ATOMIC_RELEASE);
}

static inline guint8 *
put_varint (guint8  *p,
            guint64  v)
{
  while (v >= 0x80)
    {
      *p++ = (guint8) (v | 0x80);
      v >>= 7;
    }
  *p++ = (guint8) v;
  return p;
}

static inline guint64
get_varint (const guint8 **pp)
{
  const guint8 *p = *pp;
  guint64 v = 0;
  guint shift = 0;

  /* Most fields are below 128: one byte, one test. */
  if (G_LIKELY (*p < 0x80))
    {
      *pp = p + 1;
      return *p;
    }
  while (*p & 0x80)
    {
      v |= (guint64) (*p++ & 0x7f) << shift;
      shift += 7;
    }
  v |= (guint64) *p++ << shift;
  *pp = p;
  return v;
}

static inline guint64
zigzag_encode (gint64 v)
{
  return ((guint64) v << 1) ^ (guint64) (v >> 63);
}

static inline gint64
zigzag_decode (guint64 v)
{
  return (gint64) ((v >> 1) ^ (~(v & 1) + 1));
}

/* Segments */

LsEventPin *
ls_event_pin_ref (LsEventPin *pin)
{
  g_return_val_if_fail (pin != NULL, NULL);

  g_atomic_int_inc (&pin->ref_count);
  return pin;
}

void
ls_event_pin_unref (LsEventPin *pin)
{
  g_return_if_fail (pin != NULL);

  if (g_atomic_int_dec_and_test (&pin->ref_count))
    {
      LsBlob *blob = pin->blobs;

      while (blob != NULL)
        {
          LsBlob *next = blob->next;

          g_free (blob);
          blob = next;
        }
      g_free (pin);
    }
}

static inline const guint32 *
segment_index (const LsEventPin *seg)
{
  return (const guint32 *) (gconstpointer) (seg->data + seg->capacity);
}

static void
segment_decode (const LsEventPin *seg,
                guint64           idx,
                LsEventView      *view)
{
  const guint8 *p = seg->data + segment_index (seg)[-1 - (gssize) idx];
  guint flags = *p++;
  guint64 type_off = 0;
  guint64 id_off = 0;

  view->seq = seg->first_seq + idx;
  view->kind = (LsEventKind) (flags & RECORD_KIND_MASK);
  view->stream_id = (guint32) get_varint (&p);
  view->time_us = (gint64) ((guint64) seg->base_time_us
                            + (guint64) zigzag_decode (get_varint (&p)));
  view->wire_size = (guint32) get_varint (&p);
  view->type_len = get_varint (&p);
  if (flags & RECORD_TYPE_SHARED)
    type_off = get_varint (&p);
  view->id_len = get_varint (&p);
  if (flags & RECORD_ID_SHARED)
    id_off = get_varint (&p);
  view->data_len = get_varint (&p);
  if (flags & RECORD_BLOB)
    {
      const guint8 *blob;

      memcpy (&blob, p, sizeof blob);
      p = blob;
    }

  if (view->type_len == 0)
    view->type = "";
  else if (flags & RECORD_TYPE_SHARED)
    view->type = (const char *) seg->data + type_off;
  else
    {
      view->type = (const char *) p;
      p += view->type_len + 1;
    }

  if (view->id_len == 0)
    view->id = "";
  else if (flags & RECORD_ID_SHARED)
    view->id = (const char *) seg->data + id_off;
  else
    {
      view->id = (const char *) p;
      p += view->id_len + 1;
    }

  view->data = (const char *) p;
}

/* Directory */

static LsSegmentDir *
dir_new (guint n_segments)
{
  LsSegmentDir *dir = g_malloc (sizeof *dir + n_segments * sizeof (LsEventPin *));

  dir->ref_count = 1;
  dir->n_segments = n_segments;
  return dir;
}

static gsize
dir_mem_bytes (const LsSegmentDir *dir)
{
  return sizeof *dir + dir->n_segments * sizeof (LsEventPin *) + ALLOC_OVERHEAD;
}

static void
dir_unref (LsSegmentDir *dir)
{
  if (g_atomic_int_dec_and_test (&dir->ref_count))
    {
      for (guint i = 0; i < dir->n_segments; i++)
        ls_event_pin_unref (dir->segments[i]);
      g_free (dir);
    }
}

/* Writer: make @dir (which holds its own refs) the current directory. */
static void
store_publish_dir (LsEventStore *self,
                   LsSegmentDir *dir)
{
  LsSegmentDir *old;

  pthread_mutex_lock (&self->dir_lock);
  old = self->dir;
  self->dir = dir;
  pthread_mutex_unlock (&self->dir_lock);

  self->w_memory = self->w_memory - dir_mem_bytes (old) + dir_mem_bytes (dir);
  dir_unref (old);
}

/* Reader: a ref on the segment holding @seq, or NULL if it is gone. */
static LsEventPin *
store_find_segment (LsEventStore *self,
                    guint64       seq)
{
  LsSegmentDir *dir;
  LsEventPin *seg = NULL;
  guint lo = 0;
  guint hi;

  pthread_mutex_lock (&self->dir_lock);
  dir = self->dir;
  g_atomic_int_inc (&dir->ref_count);
  pthread_mutex_unlock (&self->dir_lock);

  /* The last segment whose first_seq <= seq. */
  hi = dir->n_segments;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (dir->segments[mid]->first_seq <= seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (lo > 0)
    {
      LsEventPin *candidate = dir->segments[lo - 1];

      if (seq < __atomic_load_n (&candidate->end_seq, __ATOMIC_ACQUIRE))
        seg = ls_event_pin_ref (candidate);
    }

  dir_unref (dir);
  return seg;
}

/* Store */

LsEventStore *
ls_event_store_new (void)
{
  LsEventStore *self = g_new0 (LsEventStore, 1);

  self->ref_count = 1;
  self->max_events = LS_EVENT_STORE_DEFAULT_MAX_EVENTS;
  self->max_bytes = LS_EVENT_STORE_DEFAULT_MAX_BYTES;
  pthread_mutex_init (&self->dir_lock, NULL);
  self->dir = dir_new (0);
  self->next_capacity = SEGMENT_MIN;
  self->real_base_us = g_get_real_time ();
  self->monotonic_base_us = g_get_monotonic_time ();
  self->w_memory = dir_mem_bytes (self->dir);
  self->memory_bytes = self->w_memory;
  return self;
}

LsEventStore *
ls_event_store_ref (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ls_event_store_unref (LsEventStore *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    {
      dir_unref (self->dir);
      pthread_mutex_destroy (&self->dir_lock);
      g_free (self);
    }
}

void
ls_event_store_set_limits (LsEventStore *self,
                           guint64       max_events,
                           guint64       max_bytes)
{
  g_return_if_fail (self != NULL);

  __atomic_store_n (&self->max_events, max_events, __ATOMIC_RELAXED);
  __atomic_store_n (&self->max_bytes, max_bytes, __ATOMIC_RELAXED);
}

void
ls_event_store_get_limits (LsEventStore *self,
                           guint64      *max_events,
                           guint64      *max_bytes)
{
  g_return_if_fail (self != NULL);

  if (max_events != NULL)
    *max_events = __atomic_load_n (&self->max_events, __ATOMIC_RELAXED);
  if (max_bytes != NULL)
    *max_bytes = __atomic_load_n (&self->max_bytes, __ATOMIC_RELAXED);
}

static void
store_seal_tail (LsEventStore *self)
{
  g_assert (self->tail != NULL);

  store_release (&self->tail->end_seq, self->w_end);
  self->tail = NULL;
}

static void
store_open_segment (LsEventStore *self,
                    gint64        time_us)
{
  guint64 max_bytes = __atomic_load_n (&self->max_bytes, __ATOMIC_RELAXED);
  guint32 capacity = self->next_capacity;
  LsSegmentDir *old = self->dir;
  LsSegmentDir *dir;
  LsEventPin *seg;

  /* Keep dropping by bytes fine-grained under a small byte cap. */
  if (max_bytes != 0)
    capacity = (guint32) MIN ((guint64) capacity, MAX (max_bytes / 8, SEGMENT_FLOOR));
  capacity &= ~7u;

  seg = g_malloc (sizeof *seg + capacity);
  seg->ref_count = 1;   /* the directory's */
  seg->capacity = capacity;
  seg->first_seq = self->w_end;
  seg->end_seq = G_MAXUINT64;
  seg->base_time_us = time_us;
  seg->blobs = NULL;
  seg->mem_bytes = sizeof *seg + capacity + ALLOC_OVERHEAD;
  seg->payload = 0;
  seg->payload_dropped = 0;

  if (self->tail != NULL)
    store_seal_tail (self);

  self->tail = seg;
  self->tail_used = 0;
  self->tail_n = 0;
  self->blob_threshold = MIN (BLOB_THRESHOLD_MAX, capacity / 16);
  self->n_types = 0;
  self->next_type_slot = 0;
  self->last_type_slot = 0;
  self->last_id_len = 0;
  self->next_capacity = MIN (self->next_capacity * 2, LS_EVENT_STORE_SEGMENT_MAX);

  dir = dir_new (old->n_segments + 1);
  for (guint i = 0; i < old->n_segments; i++)
    dir->segments[i] = ls_event_pin_ref (old->segments[i]);
  dir->segments[old->n_segments] = seg;
  self->w_memory += seg->mem_bytes;
  store_publish_dir (self, dir);
}

/* Writer: the offset of @type's bytes in the tail, or -1. */
static gssize
store_find_type (LsEventStore *self,
                 const char   *type,
                 gsize         type_len)
{
  const LsTypeSlot *last = &self->types[self->last_type_slot];

  /* Most events have the type of the one before. */
  if (self->n_types > 0 && last->len == type_len
      && ls_short_bytes_equal (self->tail->data + last->off, type, type_len))
    return last->off;

  for (guint slot = 0; slot < self->n_types; slot++)
    {
      const LsTypeSlot *entry = &self->types[slot];

      if (entry->len == type_len
          && ls_short_bytes_equal (self->tail->data + entry->off, type, type_len))
        {
          self->last_type_slot = slot;
          return entry->off;
        }
    }
  return -1;
}

static void
store_remember_type (LsEventStore *self,
                     guint32       off,
                     guint32       len)
{
  guint slot = self->next_type_slot;

  self->types[slot].off = off;
  self->types[slot].len = len;
  self->last_type_slot = slot;
  self->next_type_slot = (slot + 1) % TYPE_CACHE_SIZE;
  self->n_types = MAX (self->n_types, slot + 1);
}

static inline char *
put_string (char       *p,
            const char *s,
            gsize       len)
{
  ls_short_bytes_copy (p, s, len);
  p[len] = '\0';
  return p + len + 1;
}

/* Writer: append the record to the tail, or return FALSE when it does
 * not fit (then a new segment is needed). */
static gboolean
store_try_append (LsEventStore *self,
                  guint32       stream_id,
                  LsEventKind   kind,
                  gint64        time_us,
                  const char   *type,
                  gsize         type_len,
                  const char   *id,
                  gsize         id_len,
                  const char   *data,
                  gsize         data_len,
                  guint32       wire_size)
{
  LsEventPin *seg = self->tail;
  guint8 header[HEADER_MAX];
  guint8 *head;
  guint8 *h;
  gssize type_off = -1;
  gboolean id_shared = FALSE;
  gsize strings_size;
  gsize header_size;
  gsize room;
  guint8 flags = (guint8) kind;
  char *p;

  if (type_len > 0 && type_len <= G_MAXUINT32)
    type_off = store_find_type (self, type, type_len);
  if (id_len > 0 && id_len == self->last_id_len
      && ls_short_bytes_equal (seg->data + self->last_id_off, id, id_len))
    id_shared = TRUE;

  strings_size = data_len + 1;
  if (type_len > 0 && type_off < 0)
    strings_size += type_len + 1;
  if (id_len > 0 && !id_shared)
    strings_size += id_len + 1;

  /* Room for records between the used bytes and the index, which needs
   * one more entry for this record. */
  if ((gsize) self->tail_used + (gsize) (self->tail_n + 1) * sizeof (guint32) > seg->capacity)
    return FALSE;
  room = seg->capacity - self->tail_used - (gsize) (self->tail_n + 1) * sizeof (guint32);

  p = (char *) seg->data + self->tail_used;

  /* The header is encoded in place when any header fits: encoded
   * elsewhere and copied, its bytes stored one by one and loaded as a
   * block stall the copy until the stores retire. */
  head = HEADER_MAX + strings_size <= room ? (guint8 *) p : header;
  h = head + 1;
  h = put_varint (h, stream_id);
  h = put_varint (h, zigzag_encode ((gint64) ((guint64) time_us - (guint64) seg->base_time_us)));
  h = put_varint (h, wire_size);
  h = put_varint (h, type_len);
  if (type_off >= 0)
    {
      flags |= RECORD_TYPE_SHARED;
      h = put_varint (h, (guint64) type_off);
    }
  h = put_varint (h, id_len);
  if (id_shared)
    {
      flags |= RECORD_ID_SHARED;
      h = put_varint (h, self->last_id_off);
    }
  h = put_varint (h, data_len);
  header_size = h - head;

  if (header_size + strings_size <= room)
    {
      char *strings = p + header_size;

      head[0] = flags;
      if (head != (guint8 *) p)
        memcpy (p, header, header_size);
      p = strings;
      if (type_len > 0 && type_off < 0)
        {
          if (type_len <= G_MAXUINT32)
            store_remember_type (self, (guint32) (p - (char *) seg->data), (guint32) type_len);
          p = put_string (p, type, type_len);
        }
      if (id_len > 0 && !id_shared)
        {
          self->last_id_off = (guint32) (p - (char *) seg->data);
          self->last_id_len = id_len <= G_MAXUINT32 ? (guint32) id_len : 0;
          p = put_string (p, id, id_len);
        }
      p = put_string (p, data, data_len);
    }
  else if (strings_size > self->blob_threshold && header_size + sizeof (gpointer) <= room)
    {
      LsBlob *blob = g_malloc (sizeof *blob + strings_size);
      char *b = blob->bytes;

      head[0] = flags | RECORD_BLOB;
      if (head != (guint8 *) p)
        memcpy (p, header, header_size);
      memcpy (p + header_size, &b, sizeof b);
      p += header_size + sizeof b;

      if (type_len > 0 && type_off < 0)
        b = put_string (b, type, type_len);
      if (id_len > 0 && !id_shared)
        {
          b = put_string (b, id, id_len);
          self->last_id_len = 0;   /* only ids inside the segment are shared */
        }
      put_string (b, data, data_len);

      blob->next = seg->blobs;
      seg->blobs = blob;
      seg->mem_bytes += sizeof *blob + strings_size + ALLOC_OVERHEAD;
      self->w_memory += sizeof *blob + strings_size + ALLOC_OVERHEAD;
    }
  else
    return FALSE;

  ((guint32 *) (gpointer) (seg->data + seg->capacity))[-1 - (gssize) self->tail_n] = self->tail_used;
  self->tail_used = (guint32) (p - (char *) seg->data);
  self->tail_n++;
  return TRUE;
}

/* Writer: make every event below @new_first unreadable, and free the
 * segments that hold no readable event any more. */
static void
store_drop_to (LsEventStore *self,
               guint64       new_first)
{
  LsSegmentDir *old = self->dir;
  guint n_free = 0;

  g_assert (new_first <= self->w_end);

  while (n_free < old->n_segments)
    {
      LsEventPin *seg = old->segments[n_free];
      guint64 seg_end = seg == self->tail ? self->w_end : seg->end_seq;
      guint64 stop = MIN (seg_end, new_first);

      g_assert (seg->first_seq <= self->w_first || self->w_first >= stop);

      if (stop == seg_end && seg != self->tail)
        {
          /* All the rest of a sealed segment: its tally, not each event. */
          self->w_payload -= seg->payload - seg->payload_dropped;
          seg->payload_dropped = seg->payload;
          self->w_first = MAX (self->w_first, stop);
        }
      for (; self->w_first < stop; self->w_first++)
        {
          LsEventView view;
          guint64 size;

          segment_decode (seg, self->w_first - seg->first_seq, &view);
          size = view.type_len + view.id_len + view.data_len;
          self->w_payload -= size;
          seg->payload_dropped += size;
        }

      if (seg == self->tail || self->w_first < seg_end)
        break;

      self->w_memory -= seg->mem_bytes;
      n_free++;
    }

  store_release (&self->first_seq, self->w_first);

  if (n_free > 0)
    {
      LsSegmentDir *dir = dir_new (old->n_segments - n_free);

      for (guint i = 0; i < dir->n_segments; i++)
        dir->segments[i] = ls_event_pin_ref (old->segments[n_free + i]);
      store_publish_dir (self, dir);
    }
}

/* Whether store_drop_over_limits() would drop nothing now, each of its
 * conditions negated: the check made at each append, without the call. */
static inline gboolean
store_within_limits (LsEventStore *self)
{
  guint64 max_events = __atomic_load_n (&self->max_events, __ATOMIC_RELAXED);
  guint64 max_bytes = __atomic_load_n (&self->max_bytes, __ATOMIC_RELAXED);
  const LsSegmentDir *dir = self->dir;

  return (dir->n_segments <= 1
          || (dir->segments[0]->end_seq > __atomic_load_n (&self->release_before, __ATOMIC_RELAXED)
              && dir->segments[0]->end_seq > self->w_first))
         && (max_events == 0 || self->w_end - self->w_first <= max_events)
         && (max_bytes == 0 || self->w_memory <= max_bytes);
}

static void
store_drop_over_limits (LsEventStore *self)
{
  guint64 max_events = __atomic_load_n (&self->max_events, __ATOMIC_RELAXED);
  guint64 max_bytes = __atomic_load_n (&self->max_bytes, __ATOMIC_RELAXED);
  LsSegmentDir *dir;

  /* Whole segments that every reader is done with go first, and their
   * memory is reused by the next segments instead of faulting in new pages.
   * (Dropping publishes a new directory: read self->dir afresh after.) */
  while (self->dir->n_segments > 1
         && self->dir->segments[0]->end_seq <= __atomic_load_n (&self->release_before, __ATOMIC_RELAXED))
    store_drop_to (self, self->dir->segments[0]->end_seq);
  dir = self->dir;

  if (max_events != 0 && self->w_end - self->w_first > max_events)
    store_drop_to (self, self->w_end - max_events);
  else if (dir->n_segments > 1 && dir->segments[0]->end_seq <= self->w_first)
    store_drop_to (self, self->w_first);   /* a sealed segment already emptied by count */

  /* By bytes: whole segments, oldest first, the tail last. */
  while (max_bytes != 0 && self->w_memory > max_bytes && self->dir->n_segments > 0)
    {
      LsEventPin *head = self->dir->segments[0];

      if (head == self->tail)
        store_seal_tail (self);
      store_drop_to (self, head->end_seq);
    }
}

static inline void
store_apply_limits (LsEventStore *self)
{
  if (G_UNLIKELY (!store_within_limits (self)))
    store_drop_over_limits (self);
  store_release (&self->memory_bytes, self->w_memory);
  store_release (&self->payload_bytes, self->w_payload);
}

guint64
ls_event_store_append (LsEventStore *self,
                       guint32       stream_id,
                       LsEventKind   kind,
                       gint64        time_us,
                       const char   *type,
                       gssize        type_len,
                       const char   *id,
                       gssize        id_len,
                       const char   *data,
                       gsize         data_len,
                       guint32       wire_size)
{
  guint64 seq;

  g_return_val_if_fail (self != NULL, G_MAXUINT64);
  g_return_val_if_fail ((guint) kind <= LS_EVENT_KIND_LAST, G_MAXUINT64);
  g_return_val_if_fail (data != NULL || data_len == 0, G_MAXUINT64);

  if (type == NULL)
    type_len = 0;
  else if (type_len < 0)
    type_len = strlen (type);
  if (id == NULL)
    id_len = 0;
  else if (id_len < 0)
    id_len = strlen (id);
  if (data == NULL)
    data = "";

  while (self->tail == NULL
         || !store_try_append (self, stream_id, kind, time_us, type, type_len,
                               id, id_len, data, data_len, wire_size))
    store_open_segment (self, time_us);

  seq = self->w_end++;
  self->w_payload += (guint64) type_len + (guint64) id_len + data_len;
  self->tail->payload += (guint64) type_len + (guint64) id_len + data_len;

  /* Publish the event before the limits may drop it: end_seq must never
   * lag behind first_seq. */
  store_release (&self->end_seq, self->w_end);
  store_apply_limits (self);
  return seq;
}

/**
 * ls_event_store_release_before:
 * @seq: every event below it has been consumed for good
 *
 * For a store with a single consumer that is done with what it read (the
 * headless writer): the writer may drop whole segments below @seq at its
 * next append. They count as dropped. Any thread; never moves backwards.
 */
void
ls_event_store_release_before (LsEventStore *self,
                               guint64       seq)
{
  guint64 current;

  g_return_if_fail (self != NULL);

  current = __atomic_load_n (&self->release_before, __ATOMIC_RELAXED);
  while (current < seq
         && !__atomic_compare_exchange_n (&self->release_before, &current, seq, TRUE,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

void
ls_event_store_trim (LsEventStore *self)
{
  g_return_if_fail (self != NULL);

  store_apply_limits (self);
}

guint64
ls_event_store_get_first_seq (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return load_acquire (&self->first_seq);
}

guint64
ls_event_store_get_end_seq (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return load_acquire (&self->end_seq);
}

void
ls_event_store_get_range (LsEventStore *self,
                          guint64      *first_seq,
                          guint64      *end_seq)
{
  guint64 first;

  g_return_if_fail (self != NULL);

  /* first_seq, then end_seq: the writer publishes end_seq before it
   * advances first_seq, so this order never sees first > end. */
  first = load_acquire (&self->first_seq);
  if (end_seq != NULL)
    *end_seq = load_acquire (&self->end_seq);
  if (first_seq != NULL)
    *first_seq = first;
}

guint64
ls_event_store_get_n_dropped (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, 0);

  /* Sequence numbers start at 0 and only the oldest are dropped. */
  return load_acquire (&self->first_seq);
}

guint64
ls_event_store_get_memory_bytes (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return load_acquire (&self->memory_bytes);
}

guint64
ls_event_store_get_payload_bytes (LsEventStore *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return load_acquire (&self->payload_bytes);
}

gint64
ls_event_store_to_real_time (LsEventStore *self,
                             gint64        monotonic_us)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->real_base_us + (monotonic_us - self->monotonic_base_us);
}

static inline gboolean
segment_contains (const LsEventPin *seg,
                  guint64           seq)
{
  return seq >= seg->first_seq && seq < __atomic_load_n (&seg->end_seq, __ATOMIC_ACQUIRE);
}

/* ls_event_store_get() for a @seq below an end_seq the caller loaded
 * (acquire) itself: that load made the record visible. */
static inline gboolean
store_get_published (LsEventStore *self,
                     guint64       seq,
                     LsEventView  *view,
                     LsEventPin  **pin)
{
  LsEventPin *seg;

  if (seq < load_acquire (&self->first_seq))
    return FALSE;

  seg = *pin;
  if (seg == NULL || !segment_contains (seg, seq))
    {
      seg = store_find_segment (self, seq);
      if (seg == NULL)
        return FALSE;   /* dropped meanwhile */
      g_clear_pointer (pin, ls_event_pin_unref);
      *pin = seg;
    }

  segment_decode (seg, seq - seg->first_seq, view);
  return TRUE;
}

gboolean
ls_event_store_get (LsEventStore *self,
                    guint64       seq,
                    LsEventView  *view,
                    LsEventPin  **pin)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (view != NULL, FALSE);
  g_return_val_if_fail (pin != NULL, FALSE);

  /* end_seq first: its acquire makes the record (and the sealing of the
   * segments before it) visible. */
  if (seq >= load_acquire (&self->end_seq))
    return FALSE;
  return store_get_published (self, seq, view, pin);
}

guint64
ls_event_store_foreach_range (LsEventStore *self,
                              guint64       from_seq,
                              guint64       to_seq,
                              LsEventFunc   func,
                              gpointer      user_data)
{
  g_autoptr(LsEventPin) pin = NULL;
  guint64 n_calls = 0;
  guint64 end;
  guint64 first;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  /* One load each: MIN and MAX evaluate their arguments twice, and the
   * writer may move end_seq between the two loads, which took the
   * iteration past @to_seq (a caller that resumes from @to_seq then saw
   * those events twice). */
  end = ls_event_store_get_end_seq (self);
  end = MIN (to_seq, end);
  first = ls_event_store_get_first_seq (self);
  from_seq = MAX (from_seq, first);

  for (guint64 seq = from_seq; seq < end; seq++)
    {
      LsEventView view;

      /* Below the end loaded above: no load of end_seq, which the writer
       * stores to at each event, per event. */
      if (!store_get_published (self, seq, &view, &pin))
        continue;   /* dropped while we iterate */
      n_calls++;
      if (!func (&view, user_data))
        break;
    }

  return n_calls;
}

G_DEFINE_ENUM_TYPE (LsEventKind, ls_event_kind,
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_EVENT, "event"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_INVALID, "invalid"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_CHUNK, "chunk"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_OPEN, "open"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_RECONNECT, "reconnect"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_CLOSED, "closed"),
                    G_DEFINE_ENUM_VALUE (LS_EVENT_KIND_COMMENT, "comment"))

const char *
ls_event_kind_to_string (LsEventKind kind)
{
  return ls_enum_to_nick (LS_TYPE_EVENT_KIND, kind);
}
