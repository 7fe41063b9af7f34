/* ls-llm.h: the text an LLM token stream adds up to, and how fast it came
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An LsLlmAssembler is fed the stream's events one by one, in order (the
 * SSE event type, the data, the time it arrived), and recognises the
 * dialect by itself: OpenAI-style chunks (`choices[].delta.content`,
 * `data: [DONE]`, `finish_reason`; the Responses API's
 * `response.output_text.delta` too), Anthropic-style messages
 * (`content_block_delta` text deltas, `message_delta` stop reason,
 * `message_stop`), or, for any other stream, the strings a user-given JSON
 * pointer (RFC 6901) selects. Anything else is counted and ignored: a
 * stream is never an error. No GTK, no threads: use it from one thread.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  LS_LLM_DIALECT_NONE,       /* nothing recognised (yet) */
  LS_LLM_DIALECT_OPENAI,
  LS_LLM_DIALECT_ANTHROPIC,
  LS_LLM_DIALECT_POINTER,    /* the user's JSON pointer selected text */
} LsLlmDialect;

/* The assembled text stops growing here (at a character boundary);
 * get_truncated() then says so. */
#define LS_LLM_MAX_TEXT   ((gsize) 16 * 1024 * 1024)
/* Deeper JSON is not parsed (the parser recurses). */
#define LS_LLM_MAX_DEPTH  128
/* Larger event data is not parsed. */
#define LS_LLM_MAX_DATA   ((gsize) 64 * 1024 * 1024)
/* Gaps kept for the percentiles; the max covers every gap. */
#define LS_LLM_MAX_GAPS   (1u << 20)

/* Times are g_get_monotonic_time() µs, durations µs; -1 means not known
 * (yet), rates 0. A token is one event that added text (a chunk, not a
 * tokenizer's token). */
typedef struct
{
  guint64 tokens;
  gint64  ttft_us;         /* request sent → first token; -1 without a request time */
  gint64  gap_p50_us;      /* between consecutive tokens, nearest rank; -1 below 2 tokens */
  gint64  gap_p99_us;
  gint64  gap_max_us;
  double  tokens_per_s;    /* (tokens - 1) / (last token - first token); 0 below 2 tokens */
  gint64  total_us;        /* request (else first event) → latest end, else last token */
  guint64 events;          /* fed */
  guint64 ignored;         /* fed, but not JSON or nothing an LLM stream carries */
  guint   completions;     /* ends seen: [DONE], message_stop, response.completed, "done":true */
} LsLlmFigures;

/* TRUE when no bracket nests deeper than @max (strings skipped): check
 * before handing untrusted JSON to json-glib, whose parser recurses. */
gboolean        ls_json_depth_ok                    (const char       *data,
                                                     gsize             len,
                                                     guint             max);
/* TRUE when @data holds only whitespace around its first object, array or
 * string, nesting no deeper than @max: json-glib leaks the nodes of two
 * top-level values. */
gboolean        ls_json_one_value_ok                (const char       *data,
                                                     gsize             len,
                                                     guint             max);
/* json-glib's @message with control characters escaped: one line. */
char           *ls_json_error_line                  (const char       *message);

#define LS_TYPE_LLM_DIALECT (ls_llm_dialect_get_type ())
#define LS_TYPE_LLM_ASSEMBLER (ls_llm_assembler_get_type ())
G_DECLARE_FINAL_TYPE (LsLlmAssembler, ls_llm_assembler, LS, LLM_ASSEMBLER, GObject)

GType           ls_llm_dialect_get_type             (void) G_GNUC_CONST;

LsLlmAssembler *ls_llm_assembler_new                (void);

/* NULL (or NULL after a failure) recognises the dialect by itself. A
 * pointer is "" (the whole data) or "/"-separated reference tokens with
 * ~0 and ~1 escapes, e.g. "/choices/0/delta/content". FALSE with a
 * one-line error for anything else; the previous setting then stays.
 * Does not re-assemble: reset and feed again for that. */
gboolean        ls_llm_assembler_set_pointer        (LsLlmAssembler  *self,
                                                     const char      *pointer,
                                                     GError         **error);
const char     *ls_llm_assembler_get_pointer        (LsLlmAssembler  *self);
/* When the request was sent: TTFT and the total count from it. 0 = unknown. */
void            ls_llm_assembler_set_request_time   (LsLlmAssembler  *self,
                                                     gint64           time_us);
/* Forgets everything fed (text, dialect, figures); keeps the pointer and
 * the request time. */
void            ls_llm_assembler_reset              (LsLlmAssembler  *self);

/* @type: the SSE event type (NULL or "" for none); @data need not be
 * NUL-terminated; @len -1 means it is. */
void            ls_llm_assembler_feed               (LsLlmAssembler  *self,
                                                     const char      *type,
                                                     const char      *data,
                                                     gssize           len,
                                                     gint64           time_us);

LsLlmDialect    ls_llm_assembler_get_dialect        (LsLlmAssembler  *self);
const char     *ls_llm_assembler_get_text           (LsLlmAssembler  *self);
gsize           ls_llm_assembler_get_text_length    (LsLlmAssembler  *self);
gboolean        ls_llm_assembler_get_truncated      (LsLlmAssembler  *self);
/* TRUE once an end was seen ([DONE], message_stop, …). */
gboolean        ls_llm_assembler_get_finished       (LsLlmAssembler  *self);
/* The latest finish_reason / stop_reason the stream gave, or NULL. */
const char     *ls_llm_assembler_get_finish_reason  (LsLlmAssembler  *self);
/* The latest error the stream itself carried (an "error" object), or NULL. */
const char     *ls_llm_assembler_get_error          (LsLlmAssembler  *self);
void            ls_llm_assembler_get_figures        (LsLlmAssembler  *self,
                                                     LsLlmFigures    *figures);

G_END_DECLS
