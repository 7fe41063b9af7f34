/* ls-event-writer.c: events of an LsEventStore as JSON lines on a file descriptor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One line per event, lifecycle record or dropped run (docs/headless.md),
 * written by hand into a large buffer and flushed once per batch: json-glib
 * per event would cost more than everything else together. The first
 * failed write is remembered and ends the writing; the caller decides what
 * it means for the run.
 */
#define G_LOG_DOMAIN "ls-headless"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ls-event-writer.h"
#include "ls-redact.h"
#include "ls-short-bytes.h"
#include "ls-sse-parser.h"
#include "ls-stream-options.h"

#define OUT_BUFFER_SIZE (256 * 1024)

struct _LsEventWriter
{
  int          fd;
  gboolean     close_fd;
  GOutputStream *ostream;     /* instead of @fd, when set (a file, gzip) */
  gboolean     release;       /* release written events in the store */
  char        *destination;
  gint64       t0_us;

  char        *buf;
  gsize        len;
  gsize        cap;
  GString     *scratch;

  guint64      next_seq;
  guint64      dropped;
  gboolean     write_failed;
  char        *write_error;

  /* A capture (docs/capture.md): the read log's entries between the
   * records, and each line's connection. */
  LsReadLog   *read_log;
  gboolean     include_secrets;
  guint64      next_log;
  guint32      connection;
  GArray      *entries;

  /* The last sequence number written and its digits: the next is most
   * often one more, counted up in the text. */
  guint64      last_seq;
  char         seq_text[24];
  gsize        seq_len;

  /* The last time written and its text: the events of one read share
   * their time. */
  gint64       last_time_us;
  char         time_text[40];
  gsize        time_len;

  /* The kinds' nicks, looked up once: one per line otherwise. */
  const char  *kind_names[LS_EVENT_KIND_LAST + 1];
  gsize        kind_lens[LS_EVENT_KIND_LAST + 1];
};

static void
set_write_error (LsEventWriter *w,
                 int            saved_errno)
{
  if (w->write_failed)
    return;
  w->write_failed = TRUE;
  w->write_error = g_strdup_printf (_("Cannot write events to %s: %s"),
                                    w->destination, g_strerror (saved_errno));
}

static gboolean
write_all (LsEventWriter *w,
           const char    *data,
           gsize          len)
{
  if (w->ostream != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_output_stream_write_all (w->ostream, data, len, NULL, NULL, &error))
        {
          if (!w->write_failed)
            {
              w->write_failed = TRUE;
              w->write_error = g_strdup_printf (_("Cannot write events to %s: %s"),
                                                w->destination, error->message);
            }
          return FALSE;
        }
      return TRUE;
    }
  while (len > 0)
    {
      ssize_t n = write (w->fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_write_error (w, errno);
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
out_flush (LsEventWriter *w)
{
  if (w->len > 0 && !w->write_failed)
    write_all (w, w->buf, w->len);
  w->len = 0;
}

/* Room for @n more bytes. */
static inline char *
out_reserve (LsEventWriter *w,
             gsize          n)
{
  if G_UNLIKELY (w->len + n > w->cap)
    {
      out_flush (w);
      if (n > w->cap)
        {
          w->cap = n;
          w->buf = g_realloc (w->buf, w->cap);
        }
    }
  return w->buf + w->len;
}

static inline void
out_append (LsEventWriter *w,
            const char    *str,
            gsize          n)
{
  memcpy (out_reserve (w, n), str, n);
  w->len += n;
}

/* The first @n of the @size bytes at @str, @size a constant: copied whole
 * (a few moves, where a variable size is a call), the rest overwritten by
 * what follows. */
static inline void
out_append_padded (LsEventWriter *w,
                   const char    *str,
                   gsize          size,
                   gsize          n)
{
  memcpy (out_reserve (w, size), str, size);
  w->len += n;
}

#define OUT_LITERAL(w, lit) out_append ((w), "" lit, sizeof (lit) - 1)

static void
out_uint (LsEventWriter *w,
          guint64        value)
{
  static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  guint n = 1;
  char *o;

  /* Written in place, from the last digit back. */
  for (guint64 rest = value; rest >= 10; rest /= 10)
    n++;
  o = out_reserve (w, n) + n;
  w->len += n;
  while (value >= 100)
    {
      guint r = (guint) (value % 100);

      value /= 100;
      o -= 2;
      memcpy (o, pairs + 2 * r, 2);
    }
  if (value >= 10)
    memcpy (o - 2, pairs + 2 * value, 2);
  else
    o[-1] = (char) ('0' + value);
}

/* 1 for the bytes JSON wants escaped. */
static const guint8 json_escape[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* '\\' */
};

/* No byte of @x needs escaping in a JSON string (SWAR: none below 0x20,
 * none equal to '"' or '\\'). The tests are exact as "any byte" tests. */
static inline gboolean
json_clean8 (guint64 x)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  guint64 quote = x ^ (ones * '"');
  guint64 backslash = x ^ (ones * '\\');

  return ((((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash))
          & (ones * 0x80)) == 0;
}

static inline gboolean
json_clean4 (guint32 x)
{
  const guint32 ones = 0x01010101u;
  guint32 quote = x ^ (ones * '"');
  guint32 backslash = x ^ (ones * '\\');

  return ((((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash))
          & (ones * 0x80)) == 0;
}

/* No byte of the 4 to 15 at @p needs escaping: looked at as two words
 * that may overlap, both inside them. */
static inline gboolean
json_clean_short (const guint8 *p,
                  gsize         n)
{
  if (n >= 8)
    {
      guint64 head, tail;

      memcpy (&head, p, 8);
      memcpy (&tail, p + n - 8, 8);
      return json_clean8 (head) && json_clean8 (tail);
    }
  else
    {
      guint32 head, tail;

      memcpy (&head, p, 4);
      memcpy (&tail, p + n - 4, 4);
      return json_clean4 (head) && json_clean4 (tail);
    }
}

/* A JSON string from valid UTF-8 (which the parser and framers guarantee;
 * U+0000 included). */
static void
out_json_string_any (LsEventWriter *w,
                     const char    *str,
                     gsize          len)
{
  static const char hex[] = "0123456789abcdef";
  const guint8 *p = (const guint8 *) str;
  const guint8 *end = p + len;
  char *o;

  /* Worst case: every byte as \u00XX, plus the quotes. */
  o = out_reserve (w, len * 6 + 2);
  *o++ = '"';
  while (p < end)
    {
#ifdef __SSE2__
      /* Sixteen bytes at a time while none needs escaping (below 0x20,
       * '"' or '\\'), stored as they are checked: the output has room
       * for them, and what follows an escape overwrites the extra. */
      const __m128i space = _mm_set1_epi8 (0x1f);
      const __m128i quote = _mm_set1_epi8 ('"');
      const __m128i backslash = _mm_set1_epi8 ('\\');

      /* Thirty-two a step first: one branch where sixteen took two. */
      while (end - p >= 32)
        {
          __m128i v0 = _mm_loadu_si128 ((const __m128i *) p);
          __m128i v1 = _mm_loadu_si128 ((const __m128i *) (p + 16));
          unsigned int mask =
            (unsigned int) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (_mm_max_epu8 (v0, space), space),
                                                            _mm_or_si128 (_mm_cmpeq_epi8 (v0, quote),
                                                                          _mm_cmpeq_epi8 (v0, backslash))))
            | (unsigned int) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (_mm_max_epu8 (v1, space), space),
                                                              _mm_or_si128 (_mm_cmpeq_epi8 (v1, quote),
                                                                            _mm_cmpeq_epi8 (v1, backslash)))) << 16;

          _mm_storeu_si128 ((__m128i *) o, v0);
          _mm_storeu_si128 ((__m128i *) (o + 16), v1);
          if (mask != 0)
            {
              int clean = __builtin_ctz (mask);

              p += clean;
              o += clean;
              break;
            }
          p += 32;
          o += 32;
        }
      while (end - p >= 16)
        {
          __m128i v = _mm_loadu_si128 ((const __m128i *) p);
          int mask = _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (_mm_max_epu8 (v, space), space),
                                                      _mm_or_si128 (_mm_cmpeq_epi8 (v, quote),
                                                                    _mm_cmpeq_epi8 (v, backslash))));

          _mm_storeu_si128 ((__m128i *) o, v);
          if (mask != 0)
            {
              int clean = __builtin_ctz ((unsigned int) mask);

              p += clean;
              o += clean;
              break;
            }
          p += 16;
          o += 16;
        }
#else
      while (end - p >= 8)
        {
          guint64 x;

          memcpy (&x, p, 8);
          if (!json_clean8 (x))
            break;
          memcpy (o, p, 8);
          p += 8;
          o += 8;
        }
#endif
      /* The last 4 to 15 bytes: ids, types and the ends of data, without
       * a loop. */
      if (end - p >= 4 && end - p < 16 && json_clean_short (p, end - p))
        {
          ls_short_bytes_copy (o, p, end - p);
          o += end - p;
          break;
        }
      while (p < end && !json_escape[*p])
        *o++ = (char) *p++;
      if (p == end)
        break;
      *o++ = '\\';
      switch (*p)
        {
        case '"':  *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
          *o++ = 'u';
          *o++ = '0';
          *o++ = '0';
          *o++ = hex[*p >> 4];
          *o++ = hex[*p & 0xf];
          break;
        }
      p++;
    }
  *o++ = '"';
  w->len = o - w->buf;
}

/* A JSON string. Types and ids are short and need no escape: those are
 * checked and copied as words, without the loop's setup and call. */
static inline void
out_json_string (LsEventWriter *w,
                 const char    *str,
                 gsize          len)
{
  if (len >= 4 && len < 16 && json_clean_short ((const guint8 *) str, len))
    {
      char *o = out_reserve (w, len + 2);

      o[0] = '"';
      ls_short_bytes_copy (o + 1, str, len);
      o[len + 1] = '"';
      w->len += len + 2;
      return;
    }
  out_json_string_any (w, str, len);
}

/* A record's sequence number: the digits of the last one plus one, when
 * it is the next, else written afresh. */
static void
out_seq (LsEventWriter *w,
         guint64        seq)
{
  if (w->seq_len > 0 && seq == w->last_seq + 1)
    {
      gssize i = (gssize) w->seq_len - 1;

      while (i >= 0 && w->seq_text[i] == '9')
        w->seq_text[i--] = '0';
      if (i >= 0)
        w->seq_text[i]++;
      else
        {
          /* 999 + 1: one more digit, a 1 in front. */
          memmove (w->seq_text + 1, w->seq_text, w->seq_len);
          w->seq_text[0] = '1';
          w->seq_len++;
        }
    }
  else
    {
      gsize start;

      out_reserve (w, sizeof w->seq_text);
      start = w->len;
      out_uint (w, seq);
      w->seq_len = w->len - start;
      memcpy (w->seq_text, w->buf + start, w->seq_len);
      w->last_seq = seq;
      return;
    }
  w->last_seq = seq;
  out_append_padded (w, w->seq_text, sizeof w->seq_text, w->seq_len);
}

/* ,"t":MS.UUU (from t0, never negative) */
static void
out_time (LsEventWriter *w,
          gint64         time_us)
{
  gint64 t = time_us - w->t0_us;
  gsize start;

  if (time_us == w->last_time_us)
    {
      out_append_padded (w, w->time_text, sizeof w->time_text, w->time_len);
      return;
    }
  /* Room for all of it first, so no flush moves it while it is written. */
  out_reserve (w, sizeof w->time_text);
  start = w->len;
  if (t < 0)
    t = 0;
  OUT_LITERAL (w, ",\"t\":");
  out_uint (w, (guint64) t / 1000);
  {
    char *o = out_reserve (w, 4);
    guint frac = (guint) ((guint64) t % 1000);

    o[0] = '.';
    o[1] = (char) ('0' + frac / 100);
    o[2] = (char) ('0' + frac / 10 % 10);
    o[3] = (char) ('0' + frac % 10);
    w->len += 4;
  }
  /* At most 5 + 20 + 4 bytes. */
  w->time_len = w->len - start;
  memcpy (w->time_text, w->buf + start, w->time_len);
  w->last_time_us = time_us;
}

/* Any bytes as a JSON string: valid UTF-8 as is, else with U+FFFD. */
static void
out_json_text (LsEventWriter *w,
               const char    *str,
               gsize          len)
{
  g_string_truncate (w->scratch, 0);
  if (ls_utf8_decode_lossy (str, len, w->scratch))
    out_json_string (w, str, len);
  else
    out_json_string (w, w->scratch->str, w->scratch->len);
}

static void
out_base64 (LsEventWriter *w,
            const guint8  *data,
            gsize          len)
{
  gint state = 0, save = 0;
  char *o = out_reserve (w, (len / 3 + 1) * 4 + 4 + 2);
  gsize n;

  *o++ = '"';
  n = g_base64_encode_step (data, len, FALSE, o, &state, &save);
  n += g_base64_encode_close (FALSE, o + n, &state, &save);
  o[n] = '"';
  w->len += n + 2;
}

/* A capture's line for one read-log entry (docs/capture.md). */
static void
write_log_entry (LsEventWriter        *w,
                 const LsReadLogEntry *entry)
{
  w->connection = entry->connection;
  switch (entry->kind)
    {
    case LS_READ_LOG_CONNECT:
      OUT_LITERAL (w, "{\"kind\":\"connect\"");
      out_time (w, entry->time_us);
      OUT_LITERAL (w, ",\"connection\":");
      out_uint (w, entry->connection);
      OUT_LITERAL (w, "}\n");
      break;

    case LS_READ_LOG_RESPONSE:
      {
        const LsStreamResponse *r = entry->response;

        OUT_LITERAL (w, "{\"kind\":\"response\"");
        out_time (w, entry->time_us);
        OUT_LITERAL (w, ",\"connection\":");
        out_uint (w, entry->connection);
        OUT_LITERAL (w, ",\"http_version\":");
        out_json_text (w, r->http_version, strlen (r->http_version));
        OUT_LITERAL (w, ",\"status\":");
        out_uint (w, r->status);
        OUT_LITERAL (w, ",\"reason\":");
        out_json_text (w, r->reason, strlen (r->reason));
        OUT_LITERAL (w, ",\"headers_ms\":");
        out_uint (w, (guint64) MAX (r->headers_us, 0) / 1000);
        OUT_LITERAL (w, ",\"headers\":[");
        for (guint i = 0; i < r->headers->len; i++)
          {
            const LsStreamHeader *header = g_ptr_array_index (r->headers, i);
            g_autofree char *value = w->include_secrets ? g_strdup (header->value)
                                                        : ls_redact_header_value (header->name, header->value);

            OUT_LITERAL (w, "{\"name\":");
            out_json_text (w, header->name, strlen (header->name));
            OUT_LITERAL (w, ",\"value\":");
            out_json_text (w, value, strlen (value));
            if (i + 1 < r->headers->len)
              OUT_LITERAL (w, "},");
            else
              OUT_LITERAL (w, "}");
          }
        OUT_LITERAL (w, "]");
        if (r->headers_truncated)
          OUT_LITERAL (w, ",\"headers_truncated\":true");
        OUT_LITERAL (w, "}\n");
      }
      break;

    case LS_READ_LOG_READ:
    default:
      OUT_LITERAL (w, "{\"kind\":\"read\"");
      out_time (w, entry->time_us);
      OUT_LITERAL (w, ",\"connection\":");
      out_uint (w, entry->connection);
      OUT_LITERAL (w, ",\"size\":");
      out_uint (w, entry->size);
      if (entry->data != NULL)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (entry->data, &size);

          OUT_LITERAL (w, ",\"data_b64\":");
          out_base64 (w, data, size);
        }
      OUT_LITERAL (w, "}\n");
      break;
    }
}

/* The read log's entries due before a record numbered @seq. */
static inline void
write_log_before (LsEventWriter *w,
                  guint64        seq,
                  guint         *next)
{
  while (*next < w->entries->len && g_array_index (w->entries, LsReadLogEntry, *next).seq <= seq)
    {
      write_log_entry (w, &g_array_index (w->entries, LsReadLogEntry, *next));
      (*next)++;
    }
}

typedef struct
{
  LsEventWriter *w;
  guint          next_entry;
} WriteBatch;

static gboolean write_event_cb (const LsEventView *view,
                                gpointer           user_data);

static gboolean
write_capture_event_cb (const LsEventView *view,
                        gpointer           user_data)
{
  WriteBatch *batch = user_data;

  write_log_before (batch->w, view->seq, &batch->next_entry);
  return write_event_cb (view, batch->w);
}

/* The bytes of a literal, where room for them was reserved before. */
#define OUT_PUT_LITERAL(w, lit) \
  G_STMT_START { memcpy ((w)->buf + (w)->len, "" lit, sizeof (lit) - 1); (w)->len += sizeof (lit) - 1; } G_STMT_END

/* An event's fields, ,"type":…[,"valid":…],"id":…,"data":…, with room
 * for all of them and the line's closing "}\n" reserved once (the strings
 * escaped at worst six bytes for one), the literals put without a check
 * each. */
static inline void
out_event_fields (LsEventWriter     *w,
                  const LsEventView *view)
{
  out_reserve (w, 64 + 6 * (view->type_len + view->id_len + view->data_len));
  OUT_PUT_LITERAL (w, ",\"type\":");
  out_json_string (w, view->type, view->type_len);
  if (view->kind == LS_EVENT_KIND_INVALID)
    OUT_PUT_LITERAL (w, ",\"valid\":false");
  else if (view->type_len == 6 && memcmp (view->type, "ndjson", 6) == 0)
    OUT_PUT_LITERAL (w, ",\"valid\":true");
  OUT_PUT_LITERAL (w, ",\"id\":");
  out_json_string (w, view->id, view->id_len);
  OUT_PUT_LITERAL (w, ",\"data\":");
  out_json_string (w, view->data, view->data_len);
}

/* An event line outside a capture, nearly every line of a run: its kind
 * a literal, nothing asked of the read log. */
static void
write_plain_event (LsEventWriter     *w,
                   const LsEventView *view)
{
  /* Room for the seq and time fields and the closing brace, the fields'
   * own reserved by out_event_fields(). */
  out_reserve (w, 32 + sizeof w->seq_text + sizeof w->time_text);
  OUT_PUT_LITERAL (w, "{\"seq\":");
  out_seq (w, view->seq);
  out_time (w, view->time_us);
  OUT_PUT_LITERAL (w, ",\"kind\":\"event\"");
  out_event_fields (w, view);
  OUT_PUT_LITERAL (w, "}\n");
}

static gboolean
write_event_cb (const LsEventView *view,
                gpointer           user_data)
{
  LsEventWriter *w = user_data;
  LsEventKind line_kind;

  if (view->kind == LS_EVENT_KIND_EVENT && w->read_log == NULL)
    {
      write_plain_event (w, view);
      return TRUE;
    }

  /* An NDJSON line that is not valid JSON is still an event line, flagged
   * with "valid":false below; every other kind is written as its nick. */
  line_kind = view->kind == LS_EVENT_KIND_INVALID ? LS_EVENT_KIND_EVENT : view->kind;

  OUT_LITERAL (w, "{\"seq\":");
  out_seq (w, view->seq);
  out_time (w, view->time_us);
  OUT_LITERAL (w, ",\"kind\":\"");
  if ((guint) line_kind <= LS_EVENT_KIND_LAST)
    out_append (w, w->kind_names[line_kind], w->kind_lens[line_kind]);
  else
    {
      const char *name = ls_event_kind_to_string (line_kind);

      out_append (w, name, strlen (name));
    }
  OUT_LITERAL (w, "\"");
  if (w->read_log != NULL)
    {
      OUT_LITERAL (w, ",\"connection\":");
      out_uint (w, w->connection);
    }

  switch (view->kind)
    {
    case LS_EVENT_KIND_EVENT:
    case LS_EVENT_KIND_INVALID:
      out_event_fields (w, view);
      if (w->read_log != NULL && view->wire_size != 0)
        {
          OUT_LITERAL (w, ",\"wire_size\":");
          out_uint (w, view->wire_size);
        }
      break;

    case LS_EVENT_KIND_CHUNK:
      OUT_LITERAL (w, ",\"size\":");
      out_uint (w, view->data_len);
      OUT_LITERAL (w, ",\"data\":");
      /* Raw bytes may be anything: invalid UTF-8 becomes U+FFFD. */
      out_json_text (w, view->data, view->data_len);
      break;

    case LS_EVENT_KIND_CLOSED:
      /* The stream's end (an LsStreamEnd nick), kept in the record's type. */
      if (view->type_len > 0)
        {
          OUT_LITERAL (w, ",\"end\":");
          out_json_string (w, view->type, view->type_len);
        }
      OUT_LITERAL (w, ",\"message\":");
      out_json_string (w, view->data, view->data_len);
      break;

    case LS_EVENT_KIND_COMMENT:
      OUT_LITERAL (w, ",\"comment\":");
      out_json_string (w, view->data, view->data_len);
      break;

    case LS_EVENT_KIND_OPEN:
    case LS_EVENT_KIND_ERROR:
    case LS_EVENT_KIND_RECONNECT:
    default:
      OUT_LITERAL (w, ",\"message\":");
      out_json_string (w, view->data, view->data_len);
      break;
    }
  OUT_LITERAL (w, "}\n");
  return TRUE;
}

LsEventWriter *
ls_event_writer_new (int         fd,
                     gboolean    close_fd,
                     const char *destination,
                     gint64      t0_us)
{
  LsEventWriter *w;

  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (destination != NULL, NULL);

  w = g_new0 (LsEventWriter, 1);
  w->fd = fd;
  w->close_fd = close_fd;
  w->destination = g_strdup (destination);
  w->t0_us = t0_us;
  w->last_time_us = G_MININT64;
  w->release = TRUE;
  w->cap = OUT_BUFFER_SIZE;
  w->buf = g_malloc (w->cap);
  w->scratch = g_string_new (NULL);
  for (guint kind = 0; kind <= LS_EVENT_KIND_LAST; kind++)
    {
      w->kind_names[kind] = ls_event_kind_to_string ((LsEventKind) kind);
      w->kind_lens[kind] = strlen (w->kind_names[kind]);
    }
  return w;
}

LsEventWriter *
ls_event_writer_new_for_stream (GOutputStream *out,
                                const char    *destination,
                                gint64         t0_us)
{
  LsEventWriter *w;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), NULL);

  w = ls_event_writer_new (0, FALSE, destination, t0_us);
  w->ostream = g_object_ref (out);
  w->close_fd = TRUE;
  return w;
}

void
ls_event_writer_set_release (LsEventWriter *self,
                             gboolean       release)
{
  g_return_if_fail (self != NULL);
  self->release = release;
}

void
ls_event_writer_set_read_log (LsEventWriter *self,
                              LsReadLog     *read_log,
                              gboolean       include_secrets)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (read_log != NULL);
  g_return_if_fail (self->read_log == NULL);

  self->read_log = ls_read_log_ref (read_log);
  self->include_secrets = include_secrets;
  self->entries = ls_read_log_entries_new ();
}

void
ls_event_writer_write_line (LsEventWriter *self,
                            const char    *line,
                            gssize         len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (line != NULL);

  if (self->write_failed)
    return;
  out_append (self, line, len < 0 ? strlen (line) : (gsize) len);
  OUT_LITERAL (self, "\n");
}

void
ls_event_writer_free (LsEventWriter *self)
{
  if (self == NULL)
    return;
  if (self->ostream != NULL && self->close_fd)
    g_output_stream_close (self->ostream, NULL, NULL);
  else if (self->close_fd)
    close (self->fd);
  g_clear_object (&self->ostream);
  g_clear_pointer (&self->read_log, ls_read_log_unref);
  g_clear_pointer (&self->entries, g_array_unref);
  g_string_free (self->scratch, TRUE);
  g_free (self->buf);
  g_free (self->destination);
  g_free (self->write_error);
  g_free (self);
}

gboolean
ls_event_writer_write_new (LsEventWriter *self,
                           LsEventStore  *store)
{
  guint64 first, end, log_end = 0;
  WriteBatch batch = { self, 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (store != NULL, FALSE);

  if (self->write_failed)
    return FALSE;

  /* The log first, then the store: every entry copied then has a seq at
   * most the store's end read after it. */
  if (self->read_log != NULL)
    {
      g_array_set_size (self->entries, 0);
      log_end = ls_read_log_copy_since (self->read_log, self->next_log, self->entries);
    }
  ls_event_store_get_range (store, &first, &end);
  if (self->read_log != NULL)
    write_log_before (self, first > 0 ? first - 1 : 0, &batch.next_entry);
  if (first > self->next_seq)
    {
      /* The retention cap dropped events before we wrote them: say so. */
      guint64 lost = first - self->next_seq;

      self->dropped += lost;
      OUT_LITERAL (self, "{\"kind\":\"dropped\",\"count\":");
      out_uint (self, lost);
      {
        /* The message in the user's language; the keys and kind stay as they are. */
        const char *message = _("the event store dropped events before they were written");

        OUT_LITERAL (self, ",\"message\":");
        out_json_string (self, message, strlen (message));
        OUT_LITERAL (self, "}\n");
      }
      self->next_seq = first;
    }
  if (self->read_log != NULL)
    {
      if (end > self->next_seq)
        ls_event_store_foreach_range (store, self->next_seq, end, write_capture_event_cb, &batch);
      /* The rest came after every record written (their seq is at most @end). */
      write_log_before (self, G_MAXUINT64, &batch.next_entry);
      self->next_log = log_end;
      g_array_set_size (self->entries, 0);
    }
  else if (end > self->next_seq)
    ls_event_store_foreach_range (store, self->next_seq, end, write_event_cb, self);
  self->next_seq = end;
  /* Written is done with: the worker reuses that memory for what follows. */
  if (self->release)
    {
      ls_event_store_release_before (store, end);
      if (self->read_log != NULL)
        ls_read_log_release_before (self->read_log, self->next_log);
    }
  /* Flush per batch: a reader sees events within a frame of their arrival. */
  out_flush (self);
  return !self->write_failed;
}

gboolean
ls_event_writer_flush (LsEventWriter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  out_flush (self);
  return !self->write_failed;
}

gboolean
ls_event_writer_close (LsEventWriter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  out_flush (self);
  if (self->ostream != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (self->close_fd)
        {
          self->close_fd = FALSE;
          if (!g_output_stream_close (self->ostream, NULL, &error) && !self->write_failed)
            {
              self->write_failed = TRUE;
              self->write_error = g_strdup_printf (_("Cannot write events to %s: %s"),
                                                   self->destination, error->message);
            }
        }
      return !self->write_failed;
    }
  if (self->close_fd)
    {
      self->close_fd = FALSE;
      if (close (self->fd) != 0)
        set_write_error (self, errno);
    }
  return !self->write_failed;
}

gboolean
ls_event_writer_has_failed (LsEventWriter *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->write_failed;
}

const char *
ls_event_writer_get_error (LsEventWriter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->write_error;
}

guint64
ls_event_writer_get_dropped (LsEventWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->dropped;
}
