/* ls-sse-parser.c: incremental WHATWG "server-sent events" parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lines are split on raw bytes (0x0A and 0x0D never occur inside a UTF-8
 * sequence) and only the text we hand out (data, type, id) is decoded, once,
 * at the point it is kept. Field names and the colon are ASCII, so matching
 * them on raw bytes gives the same result as matching decoded text.
 *
 * A line that lies within one fed chunk is interpreted in place; only a line
 * cut by a chunk boundary is copied to the line buffer, and the scan resumes
 * after what was already scanned. Comment lines are never buffered.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#ifdef __SSE2__
# include <emmintrin.h>
#endif

#include "ls-sse-parser.h"
#include "ls-short-bytes.h"

#define REPLACEMENT_CHAR "\357\277\275"   /* U+FFFD */
#define BUFFER_KEEP_LIMIT (1024 * 1024)  /* release bigger buffers once used */

static const guint8 utf8_bom[3] = { 0xEF, 0xBB, 0xBF };

/* A growable byte buffer that always has room for a NUL after len. */
typedef struct
{
  guint8 *data;
  gsize   len;
  gsize   cap;
} LsBuf;

struct _LsSseParser
{
  LsSseEventFunc func;
  gpointer       user_data;
  gsize          max_size;
  LsSseCommentFunc comment_func;
  gpointer       comment_data;

  LsBuf          line;       /* a line cut by a chunk boundary, raw bytes */
  LsBuf          comment;    /* a comment line cut by one, when comments are wanted */
  LsBuf          data;       /* data buffer, raw bytes, each line + LF */
  LsBuf          type;       /* event type buffer, decoded */
  LsBuf          id;         /* last event ID buffer, decoded */
  LsBuf          last_id;    /* committed last event ID */
  GString       *scratch;    /* UTF-8 repair output */

  gint64         retry_ms;
  guint64        n_events;
  guint64        work_bytes;

  guint64        consumed;             /* stream bytes consumed, lifetime */
  guint64        consumed_at_dispatch;

  guint          bom_matched;          /* BOM bytes seen at connection start */
  /* Read or written at every line or event: whole fields, not bits. */
  gboolean       skipping_line;        /* inside a comment cut by a chunk */
  gboolean       data_ascii;           /* no byte of data has its high bit set */
  gboolean       borrow_data;
  gboolean       id_dirty;
  guint          bom_pending : 1;
  guint          pending_cr : 1;       /* previous chunk ended with CR */
  guint          comment_func_set : 1;
  guint          failed : 1;
  guint          in_feed : 1;

  /* With borrow_data: the event's only data line so far, still in the
   * chunk being fed (never set outside a feed). */
  const guint8  *borrowed;
  gsize          borrowed_len;
};

G_DEFINE_QUARK (ls-sse-error-quark, ls_sse_error)

/* ---------------------------------------------------------------- buffers */

static void
buf_grow (LsBuf *buf,
          gsize  extra)
{
  gsize need;
  gsize cap;

  if (extra > G_MAXSIZE / 2 - buf->len)
    g_error ("LsSseParser: buffer size overflow");

  need = buf->len + extra + 1;
  cap = MAX (buf->cap, 64);
  while (cap < need)
    cap *= 2;

  buf->data = g_realloc (buf->data, cap);
  buf->cap = cap;
}

static inline void
buf_reserve (LsBuf *buf,
             gsize  extra)
{
  if (G_UNLIKELY (buf->len + extra >= buf->cap))
    buf_grow (buf, extra);
}

static inline void
buf_append (LsBuf        *buf,
            const guint8 *bytes,
            gsize         len)
{
  buf_reserve (buf, len);
  if (len > 0)
    memcpy (buf->data + buf->len, bytes, len);
  buf->len += len;
}

static void
buf_set (LsBuf        *buf,
         const guint8 *bytes,
         gsize         len)
{
  buf->len = 0;
  buf_reserve (buf, len);
  ls_short_bytes_copy (buf->data, bytes, len);
  buf->len = len;
  buf->data[buf->len] = '\0';
}

static void
buf_release_if_big (LsBuf *buf)
{
  if (buf->cap > BUFFER_KEEP_LIMIT && buf->len == 0)
    {
      g_clear_pointer (&buf->data, g_free);
      buf->cap = 0;
    }
}

static void
buf_clear (LsBuf *buf)
{
  g_clear_pointer (&buf->data, g_free);
  buf->len = buf->cap = 0;
}

/* ------------------------------------------------------------------ UTF-8 */

/* TRUE when no byte has its high bit set. Word at a time: this is the
 * common case, and the data was just copied so it is in cache. */
static inline gboolean
is_ascii (const guint8 *s,
          gsize         len)
{
  const guint64 high = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 acc = 0;
  gsize i = 0;

  for (; i + 32 <= len; i += 32)
    {
      guint64 w[4];

      memcpy (w, s + i, sizeof w);
      if ((w[0] | w[1] | w[2] | w[3]) & high)
        return FALSE;
    }
  for (; i + 8 <= len; i += 8)
    {
      guint64 w;

      memcpy (&w, s + i, sizeof w);
      acc |= w;
    }
  for (; i < len; i++)
    acc |= s[i];

  return (acc & high) == 0;
}

/* The WHATWG UTF-8 decoder (Encoding §4.1), with U+FFFD for errors.
 * With @out NULL it only validates and stops at the first error. Valid
 * sequences are copied as they are. */
static gboolean
utf8_decode (const guint8 *s,
             gsize         len,
             GString      *out)
{
  gsize i = 0;
  gsize seq_start = 0;
  guint needed = 0;
  guint seen = 0;
  guint8 lower = 0x80;
  guint8 upper = 0xBF;
  gboolean valid = TRUE;

  while (i < len)
    {
      guint8 b = s[i];

      if (needed == 0)
        {
          if (b < 0x80)
            {
              gsize run = i + 1;

              while (run < len && s[run] < 0x80)
                run++;
              if (out != NULL)
                g_string_append_len (out, (const char *) s + i, run - i);
              i = run;
              continue;
            }

          seq_start = i++;
          if (b >= 0xC2 && b <= 0xDF)
            {
              needed = 1;
            }
          else if (b >= 0xE0 && b <= 0xEF)
            {
              if (b == 0xE0)
                lower = 0xA0;
              else if (b == 0xED)
                upper = 0x9F;
              needed = 2;
            }
          else if (b >= 0xF0 && b <= 0xF4)
            {
              if (b == 0xF0)
                lower = 0x90;
              else if (b == 0xF4)
                upper = 0x8F;
              needed = 3;
            }
          else
            {
              if (out == NULL)
                return FALSE;
              valid = FALSE;
              g_string_append (out, REPLACEMENT_CHAR);
            }
          continue;
        }

      if (b < lower || b > upper)
        {
          /* The byte is not consumed: it may start the next character. */
          needed = seen = 0;
          lower = 0x80;
          upper = 0xBF;
          if (out == NULL)
            return FALSE;
          valid = FALSE;
          g_string_append (out, REPLACEMENT_CHAR);
          continue;
        }

      lower = 0x80;
      upper = 0xBF;
      seen++;
      i++;
      if (seen == needed)
        {
          if (out != NULL)
            g_string_append_len (out, (const char *) s + seq_start, i - seq_start);
          needed = seen = 0;
        }
    }

  if (needed != 0)
    {
      if (out == NULL)
        return FALSE;
      valid = FALSE;
      g_string_append (out, REPLACEMENT_CHAR);
    }

  return valid;
}

static inline gboolean
utf8_is_valid (const guint8 *s,
               gsize         len)
{
  return is_ascii (s, len) || utf8_decode (s, len, NULL);
}

gboolean
ls_utf8_decode_lossy (const char *bytes,
                      gsize       len,
                      GString    *out)
{
  g_return_val_if_fail (bytes != NULL || len == 0, TRUE);
  g_return_val_if_fail (out != NULL, TRUE);

  if (utf8_is_valid ((const guint8 *) bytes, len))
    return TRUE;

  utf8_decode ((const guint8 *) bytes, len, out);
  return FALSE;
}

/* Stores the decoded form of @value in @buf, NUL-terminated. @ascii: the
 * caller saw no byte with its high bit set (nothing to decode). */
static void
set_decoded (LsSseParser  *self,
             LsBuf        *buf,
             const guint8 *value,
             gsize         len,
             gboolean      ascii)
{
  self->work_bytes += len;
  if (ascii || utf8_is_valid (value, len))
    {
      buf_set (buf, value, len);
      return;
    }

  g_string_truncate (self->scratch, 0);
  utf8_decode (value, len, self->scratch);
  buf_set (buf, (const guint8 *) self->scratch->str, self->scratch->len);
}

/* ------------------------------------------------------------ line splitting */

/* First CR or LF in [p, end), or NULL. On the way it notes whether a
 * byte before it has its high bit set (*@high nonzero), so that an ASCII
 * line, the common case, is not scanned again to be decoded. */
static inline const guint8 *
find_eol (const guint8 *p,
          const guint8 *end,
          guint        *high)
{
  guint seen = 0;

#ifdef __SSE2__
  const __m128i lf = _mm_set1_epi8 ('\n');
  const __m128i cr = _mm_set1_epi8 ('\r');

  /* Thirty-two bytes a step: one branch where sixteen took two. */
  while (end - p >= 32)
    {
      __m128i v0 = _mm_loadu_si128 ((const __m128i *) p);
      __m128i v1 = _mm_loadu_si128 ((const __m128i *) (p + 16));
      unsigned int mask = (unsigned int) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (v0, lf),
                                                                          _mm_cmpeq_epi8 (v0, cr)))
                          | (unsigned int) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (v1, lf),
                                                                            _mm_cmpeq_epi8 (v1, cr))) << 16;
      unsigned int top = (unsigned int) _mm_movemask_epi8 (v0)
                         | (unsigned int) _mm_movemask_epi8 (v1) << 16;

      if (mask != 0)
        {
          unsigned int at = (unsigned int) __builtin_ctz (mask);

          *high = seen | (top & ((1u << at) - 1));
          return p + at;
        }
      seen |= top;
      p += 32;
    }
  while (end - p >= 16)
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *) p);
      unsigned int mask = (unsigned int) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (v, lf),
                                                                          _mm_cmpeq_epi8 (v, cr)));
      unsigned int top = (unsigned int) _mm_movemask_epi8 (v);

      if (mask != 0)
        {
          unsigned int at = (unsigned int) __builtin_ctz (mask);

          *high = seen | (top & ((1u << at) - 1));
          return p + at;
        }
      seen |= top;
      p += 16;
    }
#endif
  for (; p < end; p++)
    {
      if (*p == '\n' || *p == '\r')
        {
          *high = seen;
          return p;
        }
      seen |= *p & 0x80;
    }
  *high = seen;
  return NULL;
}

#ifdef __SSE2__
/* What find_eol_in_blocks() learnt of the last 64 bytes it looked at:
 * the lines after the first in that block are found from its masks,
 * without loading the bytes again. Valid for one feed's chunk only. */
typedef struct
{
  const guint8 *base;   /* the block's first byte, or NULL */
  guint64       eol;    /* bit i: base[i] is CR or LF */
  guint64       high;   /* bit i: base[i] has its high bit set */
} EolBlock;

static inline guint64
block_mask (__m128i v0,
            __m128i v1,
            __m128i v2,
            __m128i v3)
{
  return (guint64) (guint) _mm_movemask_epi8 (v0)
         | (guint64) (guint) _mm_movemask_epi8 (v1) << 16
         | (guint64) (guint) _mm_movemask_epi8 (v2) << 32
         | (guint64) (guint) _mm_movemask_epi8 (v3) << 48;
}

/* find_eol(), 64 bytes a step, remembering the last step's masks in
 * @block: an event's short lines (id, event, the blank line) most often
 * end in the block where the line before them ended. */
static inline const guint8 *
find_eol_in_blocks (EolBlock     *block,
                    const guint8 *p,
                    const guint8 *end,
                    guint        *high)
{
  const __m128i lf = _mm_set1_epi8 ('\n');
  const __m128i cr = _mm_set1_epi8 ('\r');
  guint64 seen = 0;
  guint tail_high;
  const guint8 *eol;

  if (block->base != NULL && p >= block->base && p < block->base + 64)
    {
      guint64 from = ~G_GUINT64_CONSTANT (0) << (p - block->base);
      guint64 mask = block->eol & from;

      if (mask != 0)
        {
          guint at = (guint) __builtin_ctzll (mask);

          *high = (block->high & from & ((G_GUINT64_CONSTANT (1) << at) - 1)) != 0;
          return block->base + at;
        }
      seen = block->high & from;
      p = block->base + 64;
    }

  while (end - p >= 64)
    {
      __m128i v0 = _mm_loadu_si128 ((const __m128i *) p);
      __m128i v1 = _mm_loadu_si128 ((const __m128i *) (p + 16));
      __m128i v2 = _mm_loadu_si128 ((const __m128i *) (p + 32));
      __m128i v3 = _mm_loadu_si128 ((const __m128i *) (p + 48));
      guint64 mask = block_mask (_mm_or_si128 (_mm_cmpeq_epi8 (v0, lf), _mm_cmpeq_epi8 (v0, cr)),
                                 _mm_or_si128 (_mm_cmpeq_epi8 (v1, lf), _mm_cmpeq_epi8 (v1, cr)),
                                 _mm_or_si128 (_mm_cmpeq_epi8 (v2, lf), _mm_cmpeq_epi8 (v2, cr)),
                                 _mm_or_si128 (_mm_cmpeq_epi8 (v3, lf), _mm_cmpeq_epi8 (v3, cr)));
      guint64 top = block_mask (v0, v1, v2, v3);

      if (mask != 0)
        {
          guint at = (guint) __builtin_ctzll (mask);

          block->base = p;
          block->eol = mask;
          block->high = top;
          *high = (seen | (top & ((G_GUINT64_CONSTANT (1) << at) - 1))) != 0;
          return p + at;
        }
      seen |= top;
      p += 64;
    }

  /* The chunk's last bytes, fewer than 64. */
  block->base = NULL;
  eol = find_eol (p, end, &tail_high);
  *high = tail_high != 0 || seen != 0;
  return eol;
}
#endif

/* "1 MiB", "64 KiB", "1000 bytes": the limit as it was most likely given. */
char *
ls_sse_format_limit (gsize bytes)
{
  char number[32];

  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
    {
      g_snprintf (number, sizeof number, "%" G_GSIZE_FORMAT, bytes / (1024 * 1024));
      return g_strdup_printf (C_("size limit", "%s MiB"), number);
    }
  if (bytes >= 1024 && bytes % 1024 == 0)
    {
      g_snprintf (number, sizeof number, "%" G_GSIZE_FORMAT, bytes / 1024);
      return g_strdup_printf (C_("size limit", "%s KiB"), number);
    }
  g_snprintf (number, sizeof number, "%" G_GSIZE_FORMAT, bytes);
  return g_strdup_printf (C_("size limit", "%s bytes"), number);
}

static gboolean
fail_too_large (LsSseParser *self,
                gboolean     event,
                GError     **error)
{
  g_autofree char *limit = ls_sse_format_limit (self->max_size);

  self->failed = TRUE;
  if (event)
    g_set_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE,
                 _("Server-sent event exceeds the %s limit"), limit);
  else
    g_set_error (error, LS_SSE_ERROR, LS_SSE_ERROR_TOO_LARGE,
                 _("Server-sent line exceeds the %s limit"), limit);
  return FALSE;
}

/* ---------------------------------------------------------- interpretation */

static void
commit_last_event_id (LsSseParser *self)
{
  if (self->id_dirty)
    {
      /* Swapped, not copied: the id buffer is only read while dirty, and
       * the next "id" field overwrites what it holds now. */
      LsBuf committed = self->id;

      self->id = self->last_id;
      self->last_id = committed;
      self->id_dirty = FALSE;
    }
}

/* The borrowed data line into the data buffer, before the chunk it lies
 * in goes, or before a second data line is added to it. */
static void
keep_borrowed (LsSseParser *self)
{
  buf_reserve (&self->data, self->borrowed_len + 1);
  memcpy (self->data.data, self->borrowed, self->borrowed_len);
  self->data.len = self->borrowed_len;
  self->data.data[self->data.len++] = '\n';
  self->borrowed = NULL;
  self->borrowed_len = 0;
}

static void
dispatch (LsSseParser *self)
{
  LsSseEvent event;
  const guint8 *data;
  gsize data_len;

  commit_last_event_id (self);

  if (self->borrowed != NULL)
    {
      data = self->borrowed;
      data_len = self->borrowed_len;
      self->borrowed = NULL;
      self->borrowed_len = 0;
    }
  else if (self->data.len == 0)
    {
      self->type.len = 0;
      self->data_ascii = TRUE;
      return;
    }
  else
    {
      self->data.len--;  /* one trailing LF */
      self->data.data[self->data.len] = '\0';
      data = self->data.data;
      data_len = self->data.len;
    }

  self->work_bytes += data_len;
  if (G_LIKELY (self->data_ascii || utf8_is_valid (data, data_len)))
    {
      event.data = (const char *) data;
      event.data_len = data_len;
    }
  else
    {
      g_string_truncate (self->scratch, 0);
      utf8_decode (data, data_len, self->scratch);
      event.data = self->scratch->str;
      event.data_len = self->scratch->len;
    }

  if (self->type.len > 0)
    {
      event.type = (const char *) self->type.data;
      event.type_len = self->type.len;
    }
  else
    {
      event.type = "message";
      event.type_len = strlen ("message");
    }

  event.id = (const char *) self->last_id.data;
  event.id_len = self->last_id.len;
  event.wire_size = (gsize) (self->consumed - self->consumed_at_dispatch);
  self->consumed_at_dispatch = self->consumed;

  self->n_events++;
  self->func (&event, self->user_data);

  self->data.len = 0;
  self->data_ascii = TRUE;
  self->type.len = 0;
  buf_release_if_big (&self->data);
  if (self->scratch->allocated_len > BUFFER_KEEP_LIMIT)
    {
      g_string_free (self->scratch, TRUE);
      self->scratch = g_string_new (NULL);
    }
}

static gboolean
parse_retry (const guint8 *value,
             gsize         len,
             gint64       *out_ms)
{
  gint64 ms = 0;

  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint digit;

      if (value[i] < '0' || value[i] > '9')
        return FALSE;
      digit = value[i] - '0';
      if (ms > (G_MAXINT64 - digit) / 10)
        ms = G_MAXINT64;  /* saturate, keep checking the rest are digits */
      else
        ms = ms * 10 + digit;
    }

  *out_ms = ms;
  return TRUE;
}

/* A comment line (with its colon), cut to LS_SSE_MAX_COMMENT_SIZE bytes:
 * text for people, so a hostile server cannot grow it without bound. */
static void
deliver_comment (LsSseParser  *self,
                 const guint8 *line,
                 gsize         len)
{
  const guint8 *text = line + 1;
  gsize text_len = MIN (len - 1, LS_SSE_MAX_COMMENT_SIZE);

  /* One leading space is not part of the text, as for a field's value. */
  if (text_len > 0 && text[0] == ' ')
    {
      text++;
      text_len--;
    }
  self->work_bytes += text_len;
  if (utf8_is_valid (text, text_len))
    {
      /* NUL-terminated for the callback: copied, the line is not ours. */
      buf_set (&self->comment, text, text_len);
    }
  else
    {
      g_string_truncate (self->scratch, 0);
      utf8_decode (text, text_len, self->scratch);
      buf_set (&self->comment, (const guint8 *) self->scratch->str, self->scratch->len);
    }
  self->comment_func ((const char *) self->comment.data, self->comment.len, self->comment_data);
  self->comment.len = 0;
  buf_release_if_big (&self->comment);
}

/* A piece of a comment line cut by a chunk boundary, kept up to the cap
 * (the colon included) when comments are wanted. */
static void
keep_comment_piece (LsSseParser  *self,
                    const guint8 *p,
                    gsize         n)
{
  gsize room;

  if (!self->comment_func_set)
    return;
  room = LS_SSE_MAX_COMMENT_SIZE + 1 > self->line.len ? LS_SSE_MAX_COMMENT_SIZE + 1 - self->line.len : 0;
  buf_append (&self->line, p, MIN (n, room));
}

/* Whether @s holds a U+0000. Ids are short: 4 to 16 bytes are looked at
 * as two words that may overlap (a zero byte test on each), not with a
 * call. */
static inline gboolean
has_nul (const guint8 *s,
         gsize         len)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);

  if (len >= 8 && len <= 16)
    {
      guint64 head, tail;

      memcpy (&head, s, 8);
      memcpy (&tail, s + len - 8, 8);
      return ((((head - ones) & ~head) | ((tail - ones) & ~tail)) & (ones * 0x80)) != 0;
    }
  if (len >= 4 && len < 8)
    {
      guint32 head, tail;

      memcpy (&head, s, 4);
      memcpy (&tail, s + len - 4, 4);
      return ((((head - 0x01010101u) & ~head) | ((tail - 0x01010101u) & ~tail)) & 0x80808080u) != 0;
    }
  if (len > 16)
    return memchr (s, '\0', len) != NULL;
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '\0')
        return TRUE;
    }
  return FALSE;
}

/* An "id" field's value: the next last event ID, unless it holds a
 * U+0000 (then the field is ignored). */
static inline void
take_id (LsSseParser  *self,
         const guint8 *value,
         gsize         len,
         gboolean      ascii)
{
  if (has_nul (value, len))
    return;
  set_decoded (self, &self->id, value, len, ascii);
  self->id_dirty = TRUE;
}

/* An event's first data line, with borrow_data: handed out from the chunk
 * it lies in, not copied (see keep_borrowed()). */
static inline void
borrow_data_line (LsSseParser  *self,
                  const guint8 *value,
                  gsize         len,
                  gboolean      ascii)
{
  self->borrowed = value;
  self->borrowed_len = len;
  self->data_ascii &= ascii;
}

/* One complete line, without its end-of-line. @ascii: no byte of it has
 * its high bit set (FALSE when not known). @in_chunk: @line lies in the
 * chunk being fed (not in the line buffer). */
static gboolean
handle_line (LsSseParser  *self,
             const guint8 *line,
             gsize         len,
             gboolean      ascii,
             gboolean      in_chunk,
             GError      **error)
{
  const guint8 *colon;
  const guint8 *value;
  gsize name_len;
  gsize value_len;

  if (len == 0)
    {
      dispatch (self);
      return TRUE;
    }

  if (line[0] == ':')
    {
      if (G_UNLIKELY (self->comment_func_set))
        deliver_comment (self, line, len);
      return TRUE;
    }

  if (G_UNLIKELY (len > self->max_size))
    return fail_too_large (self, FALSE, error);

  /* Known field names are short: look at the first bytes inline before
   * paying for a memchr() call. */
  colon = NULL;
  for (gsize i = 0; i < MIN (len, 8); i++)
    {
      if (line[i] == ':')
        {
          colon = line + i;
          break;
        }
    }
  if (colon == NULL && len > 8)
    colon = memchr (line + 8, ':', len - 8);

  if (colon != NULL)
    {
      name_len = colon - line;
      value = colon + 1;
      value_len = len - name_len - 1;
      if (value_len > 0 && value[0] == ' ')
        {
          value++;
          value_len--;
        }
    }
  else
    {
      name_len = len;
      value = line + len;
      value_len = 0;
    }

  switch (name_len)
    {
    case 4:
      if (memcmp (line, "data", 4) == 0)
        {
          /* The borrowed line counts with its LF, as it would in the buffer. */
          gsize held = self->data.len + (self->borrowed != NULL ? self->borrowed_len + 1 : 0);

          if (G_UNLIKELY (held + value_len > self->max_size))
            return fail_too_large (self, TRUE, error);
          if (self->borrow_data && in_chunk && self->data.len == 0 && self->borrowed == NULL)
            {
              /* The common event, one data line: handed out from where it
               * lies, not copied. */
              borrow_data_line (self, value, value_len, ascii);
              self->work_bytes += value_len;
              break;
            }
          if (self->borrowed != NULL)
            keep_borrowed (self);
          buf_reserve (&self->data, value_len + 1);
          memcpy (self->data.data + self->data.len, value, value_len);
          self->data.len += value_len;
          self->data.data[self->data.len++] = '\n';
          self->data_ascii &= ascii;
          self->work_bytes += value_len;
        }
      break;

    case 5:
      if (memcmp (line, "event", 5) == 0)
        {
          set_decoded (self, &self->type, value, value_len, ascii);
        }
      else if (memcmp (line, "retry", 5) == 0)
        {
          gint64 ms;

          if (parse_retry (value, value_len, &ms))
            self->retry_ms = ms;
        }
      break;

    case 2:
      if (memcmp (line, "id", 2) == 0)
        take_id (self, value, value_len, ascii);
      break;

    default:
      break;
    }

  return TRUE;
}

/* ------------------------------------------------------------------ public */

LsSseParser *
ls_sse_parser_new (LsSseEventFunc func,
                   gpointer       user_data)
{
  LsSseParser *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (LsSseParser, 1);
  self->func = func;
  self->user_data = user_data;
  self->max_size = LS_SSE_DEFAULT_MAX_SIZE;
  self->retry_ms = -1;
  self->bom_pending = TRUE;
  self->data_ascii = TRUE;
  self->scratch = g_string_new (NULL);
  buf_set (&self->id, NULL, 0);
  buf_set (&self->last_id, NULL, 0);
  buf_set (&self->type, NULL, 0);

  return self;
}

void
ls_sse_parser_free (LsSseParser *self)
{
  if (self == NULL)
    return;

  g_return_if_fail (!self->in_feed);

  buf_clear (&self->line);
  buf_clear (&self->comment);
  buf_clear (&self->data);
  buf_clear (&self->type);
  buf_clear (&self->id);
  buf_clear (&self->last_id);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

void
ls_sse_parser_set_comment_func (LsSseParser      *self,
                                LsSseCommentFunc  func,
                                gpointer          user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->in_feed);

  self->comment_func = func;
  self->comment_data = user_data;
  self->comment_func_set = func != NULL;
}

void
ls_sse_parser_set_borrow_data (LsSseParser *self,
                               gboolean     borrow)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->in_feed);

  self->borrow_data = borrow != FALSE;
}

void
ls_sse_parser_set_max_size (LsSseParser *self,
                            gsize        max_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_bytes > 0);

  self->max_size = MIN (max_bytes, G_MAXSIZE / 4);
}

gsize
ls_sse_parser_get_max_size (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_size;
}

/* Matches the BOM at the start of a connection, even when it is split
 * across chunks. Returns how many bytes of @p were consumed. */
static gsize
consume_bom (LsSseParser  *self,
             const guint8 *p,
             gsize         len)
{
  gsize used = 0;

  while (used < len && self->bom_matched < sizeof utf8_bom)
    {
      if (p[used] != utf8_bom[self->bom_matched])
        {
          /* Not a BOM: what matched so far is text of the first line
           * (never CR or LF, so the line buffer is the right place). */
          buf_append (&self->line, utf8_bom, self->bom_matched);
          self->bom_matched = 0;
          self->bom_pending = FALSE;
          return used;
        }
      self->bom_matched++;
      used++;
    }

  if (self->bom_matched == sizeof utf8_bom)
    {
      self->bom_matched = 0;
      self->bom_pending = FALSE;
    }
  return used;
}

gboolean
ls_sse_parser_feed (LsSseParser  *self,
                    const guint8 *bytes,
                    gsize         len,
                    GError      **error)
{
  const guint8 *p;
  const guint8 *end;
  guint64 chunk_offset;
  guint64 scanned = 0;   /* work_bytes of the loop below, added once */
#ifdef __SSE2__
  EolBlock block = { NULL, 0, 0 };
#endif

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (!self->in_feed, FALSE);

  if (self->failed)
    {
      g_set_error_literal (error, LS_SSE_ERROR, LS_SSE_ERROR_FAILED,
                           _("The event stream was already stopped by an earlier error"));
      return FALSE;
    }

  if (len == 0)
    return TRUE;

  p = bytes;
  end = bytes + len;
  chunk_offset = self->consumed;
  self->in_feed = TRUE;

  if (G_UNLIKELY (self->bom_pending))
    {
      p += consume_bom (self, p, len);
      if (p == end)
        goto done;
    }

  if (self->pending_cr)
    {
      self->pending_cr = FALSE;
      if (*p == '\n')
        p++;
    }

  while (p < end)
    {
      guint high;
#ifdef __SSE2__
      const guint8 *eol = find_eol_in_blocks (&block, p, end, &high);
#else
      const guint8 *eol = find_eol (p, end, &high);
#endif
      const guint8 *next;

      if (G_UNLIKELY (eol == NULL))
        {
          gsize n = end - p;

          self->work_bytes += n;
          if (self->skipping_line)
            {
              keep_comment_piece (self, p, n);
              break;
            }
          if (self->line.len == 0 && *p == ':')
            {
              self->skipping_line = TRUE;
              keep_comment_piece (self, p, n);
              break;
            }
          if (self->line.len + n > self->max_size)
            {
              fail_too_large (self, FALSE, error);
              goto failed;
            }
          buf_append (&self->line, p, n);
          self->work_bytes += n;
          break;
        }

      scanned += eol - p + 1;
      next = eol + 1;
      if (*eol == '\r')
        {
          if (next == end)
            self->pending_cr = TRUE;
          else if (*next == '\n')
            next++;
        }
      self->consumed = chunk_offset + (next - bytes);

      if (G_UNLIKELY (self->skipping_line))
        {
          self->skipping_line = FALSE;
          if (self->comment_func_set)
            {
              keep_comment_piece (self, p, eol - p);
              deliver_comment (self, self->line.data, self->line.len);
              self->line.len = 0;
              buf_release_if_big (&self->line);
            }
        }
      else if (G_UNLIKELY (self->line.len > 0))
        {
          gboolean ok;

          if (self->line.len + (eol - p) > self->max_size)
            {
              fail_too_large (self, FALSE, error);
              goto failed;
            }
          buf_append (&self->line, p, eol - p);
          self->work_bytes += eol - p;
          ok = handle_line (self, self->line.data, self->line.len, FALSE, FALSE, error);
          self->line.len = 0;
          buf_release_if_big (&self->line);
          if (!ok)
            goto failed;
        }
      else if (eol == p)
        {
          dispatch (self);
        }
      else if (self->borrow_data && self->borrowed == NULL && self->data.len == 0
               && (gsize) (eol - p) >= 5 && (gsize) (eol - p) <= self->max_size
               && memcmp (p, "data:", 5) == 0)
        {
          /* What handle_line() does with an event's first data line,
           * without the call: most lines of most streams are this one. */
          const guint8 *value = p + 5;

          if (value < eol && *value == ' ')
            value++;
          borrow_data_line (self, value, eol - value, high == 0);
          scanned += eol - value;
        }
      else if ((gsize) (eol - p) >= 3 && (gsize) (eol - p) <= self->max_size
               && p[0] == 'i' && p[1] == 'd' && p[2] == ':')
        {
          /* handle_line()'s "id" field, without the call. */
          const guint8 *value = p + 3;

          if (value < eol && *value == ' ')
            value++;
          take_id (self, value, eol - value, high == 0);
        }
      else if (!handle_line (self, p, eol - p, high == 0, TRUE, error))
        {
          goto failed;
        }

      p = next;
    }

done:
  if (self->borrowed != NULL)
    keep_borrowed (self);
  self->work_bytes += scanned;
  self->consumed = chunk_offset + len;
  self->in_feed = FALSE;
  return TRUE;

failed:
  self->work_bytes += scanned;
  self->borrowed = NULL;
  self->borrowed_len = 0;
  self->consumed = chunk_offset + len;
  self->in_feed = FALSE;
  return FALSE;
}

void
ls_sse_parser_end_stream (LsSseParser *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->in_feed);

  self->line.len = 0;
  self->data.len = 0;
  self->data_ascii = TRUE;
  self->type.len = 0;
  self->pending_cr = FALSE;
  self->skipping_line = FALSE;
  self->bom_pending = TRUE;
  self->bom_matched = 0;
  self->failed = FALSE;

  /* The ID of an event that never completed is not committed. */
  buf_set (&self->id, self->last_id.data, self->last_id.len);
  self->id_dirty = FALSE;
  self->consumed_at_dispatch = self->consumed;

  buf_release_if_big (&self->line);
  buf_release_if_big (&self->data);
}

const char *
ls_sse_parser_get_last_event_id (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, "");

  return (const char *) self->last_id.data;
}

void
ls_sse_parser_set_last_event_id (LsSseParser *self,
                                 const char  *id)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->in_feed);

  if (id == NULL)
    id = "";

  set_decoded (self, &self->last_id, (const guint8 *) id, strlen (id), FALSE);
  buf_set (&self->id, self->last_id.data, self->last_id.len);
  self->id_dirty = FALSE;
}

gint64
ls_sse_parser_get_retry_ms (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return self->retry_ms;
}

guint64
ls_sse_parser_get_n_events (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_events;
}

guint64
ls_sse_parser_get_work_bytes (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->work_bytes;
}

gsize
ls_sse_parser_get_buffer_capacity (LsSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->line.cap + self->data.cap + self->type.cap +
         self->id.cap + self->last_id.cap + self->scratch->allocated_len;
}
