/* fuzz-sse-parser.c: libFuzzer target for LsSseParser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 picks the chunking and the size cap, the rest is the
 * stream. The stream is parsed whole and again in chunks cut at points
 * derived from the input, borrowing data (each chunk a fresh copy, freed
 * after its feed); every event must be well-formed (type non-empty, data
 * and id valid UTF-8, NUL-terminated unless borrowed) and both runs must
 * agree on the events, the errors, the last event ID and the reconnection
 * time.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "fuzz-chunks.h"
#include "ls-sse-parser.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  GString *log;
  gboolean borrow;
} Run;

static gboolean
valid_text (const char *s,
            gsize       len)
{
  /* U+0000 is allowed in SSE data; g_utf8_validate() refuses it. */
  const char *end = s + len;

  while (s < end)
    {
      const char *nul = memchr (s, '\0', end - s);

      if (!g_utf8_validate (s, (nul != NULL ? nul : end) - s, NULL))
        return FALSE;
      s = nul != NULL ? nul + 1 : end;
    }
  return TRUE;
}

static void
on_event_cb (const LsSseEvent *event,
             gpointer          user_data)
{
  Run *run = user_data;

  g_assert (event->type != NULL && event->type_len > 0);
  g_assert (event->type[event->type_len] == '\0');
  g_assert (valid_text (event->type, event->type_len));
  g_assert (event->data != NULL && (run->borrow || event->data[event->data_len] == '\0'));
  g_assert (valid_text (event->data, event->data_len));
  g_assert (event->id != NULL && strlen (event->id) == event->id_len);
  g_assert (valid_text (event->id, event->id_len));
  g_assert (event->wire_size > 0);

  g_string_append_printf (run->log, "%" G_GSIZE_FORMAT ":", event->type_len);
  g_string_append_len (run->log, event->type, event->type_len);
  g_string_append_printf (run->log, "|%" G_GSIZE_FORMAT ":", event->data_len);
  g_string_append_len (run->log, event->data, event->data_len);
  g_string_append_printf (run->log, "|%s\n", event->id);
}

static gboolean
feed_cb (gpointer       target,
         const guint8  *data,
         gsize          len,
         GError       **error)
{
  return ls_sse_parser_feed (target, data, len, error);
}

/* Feeds @stream in chunks of sizes drawn from @seed (0: whole, G_MAXUINT32:
 * byte by byte) and returns
 * a log of everything observable. */
static GString *
parse (const guint8 *stream,
       gsize         len,
       guint32       seed,
       gsize         max_size)
{
  Run run = { g_string_new (NULL), seed != 0 };
  LsSseParser *parser = ls_sse_parser_new (on_event_cb, &run);
  gboolean ok;
  GError *error = NULL;

  if (max_size > 0)
    ls_sse_parser_set_max_size (parser, max_size);
  /* Whole: copied data; cut: borrowed, which must not change a thing. */
  ls_sse_parser_set_borrow_data (parser, run.borrow);

  ok = ls_fuzz_feed_chunks (feed_cb, parser, stream, len, seed, &error);

  if (!ok)
    {
      g_assert (error != NULL);
      g_assert (error->domain == LS_SSE_ERROR);
      g_assert (error->code == LS_SSE_ERROR_TOO_LARGE);
      g_string_append_printf (run.log, "error: %s\n", error->message);
      g_clear_error (&error);
      /* Stays failed. */
      g_assert (!ls_sse_parser_feed (parser, (const guint8 *) "\n", 1, NULL));
    }

  ls_sse_parser_end_stream (parser);
  g_string_append_printf (run.log, "last-id: %s\nretry: %" G_GINT64_FORMAT "\nevents: %" G_GUINT64_FORMAT "\n",
                          ls_sse_parser_get_last_event_id (parser),
                          ls_sse_parser_get_retry_ms (parser),
                          ls_sse_parser_get_n_events (parser));

  /* After the stream ends the parser is usable again. */
  g_assert (ls_sse_parser_feed (parser, (const guint8 *) "data:\n\n", 7, NULL));

  ls_sse_parser_free (parser);
  return run.log;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* The smallest cap still fits "data:", for the check after the end. */
  ls_fuzz_compare_chunkings (parse, data, size, 5);
  return 0;
}
