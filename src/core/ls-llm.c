/* ls-llm.c: the text an LLM token stream adds up to, and how fast it came
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each event is looked at once, as it is fed, and only what the figures
 * need is kept: the text (bounded), the times of the first and last
 * token and the gaps between tokens (bounded). A stream is whatever the
 * server sends, so nothing here fails: JSON that does not parse, nests too
 * deep or says nothing an LLM stream says is counted as ignored. The
 * nesting is checked before json-glib sees the data, since its parser
 * recurses once per level.
 */
#define G_LOG_DOMAIN "ls-llm"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ls-gap-stats.h"
#include "ls-llm.h"

struct _LsLlmAssembler
{
  GObject       parent_instance;

  char         *pointer;        /* NULL: recognise the dialect */
  GPtrArray    *pointer_tokens; /* of char *, unescaped; NULL with pointer */
  gint64        request_us;

  JsonParser   *parser;         /* reused across events */

  LsLlmDialect  dialect;
  GString      *text;
  gboolean      truncated;
  gboolean      finished;
  char         *finish_reason;
  char         *error;

  guint64       events;
  guint64       ignored;
  guint64       tokens;
  guint         completions;
  gint64        first_event_us;
  gint64        first_token_us;
  gint64        last_token_us;
  gint64        end_us;
  LsGapStats   *gaps;           /* between tokens, at most LS_LLM_MAX_GAPS kept */
};

G_DEFINE_FINAL_TYPE (LsLlmAssembler, ls_llm_assembler, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (LsLlmDialect, ls_llm_dialect,
                    G_DEFINE_ENUM_VALUE (LS_LLM_DIALECT_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (LS_LLM_DIALECT_OPENAI, "openai"),
                    G_DEFINE_ENUM_VALUE (LS_LLM_DIALECT_ANTHROPIC, "anthropic"),
                    G_DEFINE_ENUM_VALUE (LS_LLM_DIALECT_POINTER, "pointer"))

/* ---- JSON helpers ----------------------------------------------------------- */

/* Walks @data's brackets, strings skipped. FALSE once a bracket nests
 * deeper than @max; *@one_value is FALSE when anything but whitespace
 * comes before the first object, array or string or after it closes (an
 * unclosed one is left to the parser, whose message says where it ends). */
static gboolean
json_scan (const char *data,
           gsize       len,
           guint       max,
           gboolean   *one_value)
{
  gboolean in_string = FALSE;
  gboolean closed = FALSE;
  gboolean one = TRUE;
  guint depth = 0;
  const char *next_quote = NULL;
  const char *quote;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          /* Long strings (base64 bytes in a capture) are most of the
           * text: jump to the next quote unless a backslash comes first.
           * The quote found is kept until passed, so that a run of
           * escapes does not search again for it (linear, not quadratic). */
          const char *backslash;

          if (next_quote == NULL || next_quote < data + i)
            next_quote = memchr (data + i, '"', len - i);
          if (next_quote == NULL)
            break;
          quote = next_quote;
          backslash = memchr (data + i, '\\', (gsize) (quote - (data + i)));
          if (backslash != NULL)
            {
              i = (gsize) (backslash - data) + 1;   /* the escaped character is skipped */
              continue;
            }
          i = (gsize) (quote - data);
          in_string = FALSE;
          if (depth == 0)
            closed = TRUE;
          continue;
        }
      if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
          (closed || (c != '{' && c != '[' && c != '"')))
        one = FALSE;
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        {
          if (--depth == 0)
            closed = TRUE;
        }
    }

  if (one_value != NULL)
    *one_value = one;
  return TRUE;
}

/**
 * ls_json_depth_ok:
 *
 * TRUE when no bracket in @data nests deeper than @max, strings skipped.
 * json-glib's parser recurses, so deep input is checked before it is
 * parsed (ls_json_one_value_ok() checks the same and more).
 */
gboolean
ls_json_depth_ok (const char *data,
                  gsize       len,
                  guint       max)
{
  return json_scan (data, len, max, NULL);
}

/**
 * ls_json_one_value_ok:
 *
 * TRUE when @data holds nothing but whitespace around its first object,
 * array or string, nesting no deeper than @max. json-glib 1.6 leaks the nodes of a
 * document with two top-level values ("1{…}", "{}{}"), so files are
 * checked before parsing.
 */
gboolean
ls_json_one_value_ok (const char *data,
                      gsize       len,
                      guint       max)
{
  gboolean one = FALSE;

  return json_scan (data, len, max, &one) && one;
}

/**
 * ls_json_error_line:
 *
 * json-glib quotes the token it could not parse, decoded: a string token
 * may hold a newline or other control characters. Returns @message with
 * those escaped, so a reason stays one line.
 */
char *
ls_json_error_line (const char *message)
{
  GString *out = g_string_sized_new (strlen (message));

  for (const char *p = message; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  return g_string_free (out, FALSE);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The member's string, NULL when absent, null or not a string. */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
member_true (JsonObject *object,
             const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/* RFC 6901: "" is the whole document; otherwise "/" before each token. */
static GPtrArray *
parse_pointer (const char  *pointer,
               GError     **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  const char *p = pointer;

  if (pointer[0] != '\0' && pointer[0] != '/')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A JSON pointer starts with “/”, e.g. /choices/0/delta/content"));
      return NULL;
    }
  if (!g_utf8_validate (pointer, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The JSON pointer is not valid UTF-8"));
      return NULL;
    }

  while (*p == '/')
    {
      const char *start = ++p;
      GString *token;

      while (*p != '\0' && *p != '/')
        p++;

      token = g_string_sized_new ((gsize) (p - start));
      for (const char *q = start; q < p; q++)
        {
          if (*q != '~')
            g_string_append_c (token, *q);
          else if (q + 1 < p && (q[1] == '0' || q[1] == '1'))
            g_string_append_c (token, *++q == '0' ? '~' : '/');
          else
            {
              g_string_free (token, TRUE);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("In a JSON pointer, “~” is written ~0 and “/” is written ~1"));
              return NULL;
            }
        }
      g_ptr_array_add (tokens, g_string_free (token, FALSE));
    }

  return g_steal_pointer (&tokens);
}

/* An array index: "0" or digits without a leading zero. */
static gboolean
parse_index (const char *token,
             guint      *index)
{
  guint64 value;

  if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  if (!g_ascii_string_to_unsigned (token, 10, 0, G_MAXUINT, &value, NULL))
    return FALSE;
  *index = (guint) value;
  return TRUE;
}

static JsonNode *
resolve_pointer (JsonNode  *node,
                 GPtrArray *tokens)
{
  for (guint i = 0; i < tokens->len && node != NULL; i++)
    {
      const char *token = g_ptr_array_index (tokens, i);
      guint index;

      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), token);
      else if (JSON_NODE_HOLDS_ARRAY (node) && parse_index (token, &index)
               && index < json_array_get_length (json_node_get_array (node)))
        node = json_array_get_element (json_node_get_array (node), index);
      else
        node = NULL;
    }

  return node;
}

/* ---- what the stream said ----------------------------------------------------- */

static void
ls_llm_assembler_set_dialect (LsLlmAssembler *self,
                              LsLlmDialect    dialect)
{
  /* The first recognition sticks: the view names one dialect. */
  if (self->dialect == LS_LLM_DIALECT_NONE)
    self->dialect = dialect;
}

static void
ls_llm_assembler_set_finish_reason (LsLlmAssembler *self,
                                    const char     *reason)
{
  if (reason == NULL || g_strcmp0 (self->finish_reason, reason) == 0)
    return;
  g_free (self->finish_reason);
  self->finish_reason = g_utf8_make_valid (reason, MIN (strlen (reason), 256));
}

static void
ls_llm_assembler_end (LsLlmAssembler *self,
                      gint64          time_us)
{
  self->finished = TRUE;
  self->completions++;
  self->end_us = time_us;
}

/* Appends @str (UTF-8 from json-glib, but checked) up to LS_LLM_MAX_TEXT. */
static void
ls_llm_assembler_append (LsLlmAssembler *self,
                         const char     *str)
{
  gsize len = strlen (str);
  gsize room = LS_LLM_MAX_TEXT - MIN (self->text->len, LS_LLM_MAX_TEXT);
  const char *end;

  if (len > room)
    {
      /* Cut at a character boundary. */
      end = g_utf8_find_prev_char (str, str + room + 1);
      len = end != NULL ? (gsize) (end - str) : 0;
      self->truncated = TRUE;
    }

  if (!g_utf8_validate (str, (gssize) len, &end))
    len = (gsize) (end - str);
  g_string_append_len (self->text, str, (gssize) len);
}

static void
ls_llm_assembler_add_token (LsLlmAssembler *self,
                            const char     *text,
                            gint64          time_us)
{
  if (self->tokens > 0)
    {
      ls_gap_stats_add (self->gaps, MAX (0, time_us - self->last_token_us));
    }
  else
    self->first_token_us = time_us;

  self->tokens++;
  self->last_token_us = time_us;
  if (!self->truncated)
    ls_llm_assembler_append (self, text);
}

/* OpenAI chat completions (and legacy completions): the choice with index
 * 0, else the first. */
static gboolean
recognise_openai_choices (LsLlmAssembler  *self,
                          JsonObject      *root,
                          const char     **text)
{
  JsonArray *choices = member_array (root, "choices");
  JsonObject *choice = NULL;
  guint n;

  if (choices == NULL)
    return FALSE;

  n = json_array_get_length (choices);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (choices, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *index = object != NULL ? json_object_get_member (object, "index") : NULL;

      if (object == NULL)
        continue;
      if (choice == NULL)
        choice = object;
      if (index != NULL && JSON_NODE_HOLDS_VALUE (index)
          && json_node_get_value_type (index) == G_TYPE_INT64 && json_node_get_int (index) == 0)
        {
          choice = object;
          break;
        }
    }

  if (choice != NULL)
    {
      const char *content = member_string (member_object (choice, "delta"), "content");

      if (content == NULL)
        content = member_string (choice, "text");
      *text = content;
      ls_llm_assembler_set_finish_reason (self, member_string (choice, "finish_reason"));
    }

  return TRUE;
}

/* Looks at one parsed event in the known dialects. Sets *@text to the
 * text it carries (owned by @root), if any; returns FALSE when it is
 * nothing an LLM stream says. */
static gboolean
ls_llm_assembler_recognise (LsLlmAssembler  *self,
                            const char      *event_type,
                            JsonObject      *root,
                            gint64           time_us,
                            const char     **text)
{
  const char *type = member_string (root, "type");
  JsonObject *error;

  *text = NULL;

  if (type == NULL)
    type = event_type;

  /* A stream's own error, in either dialect's shape. */
  error = member_object (root, "error");
  if (error != NULL)
    {
      const char *message = member_string (error, "message");

      if (message == NULL)
        message = member_string (error, "type");
      g_free (self->error);
      self->error = g_utf8_make_valid (message != NULL ? message : "error",
                                       message != NULL ? (gssize) MIN (strlen (message), 1024) : -1);
      return TRUE;
    }

  if (recognise_openai_choices (self, root, text))
    {
      ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_OPENAI);
      return TRUE;
    }

  if (type != NULL)
    {
      /* Anthropic Messages streaming. */
      if (g_str_equal (type, "content_block_delta"))
        {
          JsonObject *delta = member_object (root, "delta");

          if (g_strcmp0 (member_string (delta, "type"), "text_delta") == 0)
            *text = member_string (delta, "text");
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_ANTHROPIC);
          return TRUE;
        }
      if (g_str_equal (type, "message_delta"))
        {
          ls_llm_assembler_set_finish_reason (self, member_string (member_object (root, "delta"), "stop_reason"));
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_ANTHROPIC);
          return TRUE;
        }
      if (g_str_equal (type, "message_stop"))
        {
          ls_llm_assembler_end (self, time_us);
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_ANTHROPIC);
          return TRUE;
        }
      if (g_str_equal (type, "message_start") || g_str_equal (type, "content_block_start")
          || g_str_equal (type, "content_block_stop") || g_str_equal (type, "ping"))
        {
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_ANTHROPIC);
          return TRUE;
        }

      /* OpenAI Responses API. */
      if (g_str_equal (type, "response.output_text.delta"))
        {
          *text = member_string (root, "delta");
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_OPENAI);
          return TRUE;
        }
      if (g_str_equal (type, "response.completed") || g_str_equal (type, "response.incomplete")
          || g_str_equal (type, "response.failed"))
        {
          JsonObject *response = member_object (root, "response");
          const char *reason = member_string (member_object (response, "incomplete_details"), "reason");

          ls_llm_assembler_set_finish_reason (self, reason != NULL ? reason : member_string (response, "status"));
          ls_llm_assembler_end (self, time_us);
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_OPENAI);
          return TRUE;
        }
      if (g_str_has_prefix (type, "response."))
        {
          ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_OPENAI);
          return TRUE;
        }
    }

  return FALSE;
}

/* NDJSON streams (Ollama and the like) end with "done": true. */
static gboolean
ls_llm_assembler_recognise_done (LsLlmAssembler *self,
                                 JsonObject     *root,
                                 gint64          time_us)
{
  if (!member_true (root, "done"))
    return FALSE;

  ls_llm_assembler_set_finish_reason (self, member_string (root, "done_reason"));
  ls_llm_assembler_end (self, time_us);
  return TRUE;
}

void
ls_llm_assembler_feed (LsLlmAssembler *self,
                       const char     *type,
                       const char     *data,
                       gssize          len,
                       gint64          time_us)
{
  g_autoptr(GError) error = NULL;
  gsize length, start;
  JsonNode *root;
  JsonObject *object;
  const char *text = NULL;
  gboolean recognised = FALSE;

  g_return_if_fail (LS_IS_LLM_ASSEMBLER (self));
  g_return_if_fail (data != NULL || len == 0);

  if (data == NULL)
    data = "";
  length = len < 0 ? strlen (data) : (gsize) len;

  self->events++;
  if (self->first_event_us == 0)
    self->first_event_us = time_us;

  for (start = 0; start < length && g_ascii_isspace (data[start]); start++)
    ;
  while (length > start && g_ascii_isspace (data[length - 1]))
    length--;

  /* The OpenAI end of stream, which other servers copied. */
  if (length - start == 6 && memcmp (data + start, "[DONE]", 6) == 0)
    {
      ls_llm_assembler_end (self, time_us);
      if (self->pointer == NULL)
        ls_llm_assembler_set_dialect (self, LS_LLM_DIALECT_OPENAI);
      return;
    }

  /* Cheap refusals first: not JSON, too large, too deep. */
  if (start == length
      || (data[start] != '{' && data[start] != '[' && data[start] != '"')
      || length - start > LS_LLM_MAX_DATA
      || !ls_json_one_value_ok (data + start, length - start, LS_LLM_MAX_DEPTH)
      || !json_parser_load_from_data (self->parser, data + start, (gssize) (length - start), &error)
      || (root = json_parser_get_root (self->parser)) == NULL)
    {
      self->ignored++;
      return;
    }

  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;

  if (self->pointer_tokens != NULL)
    {
      JsonNode *node = resolve_pointer (root, self->pointer_tokens);

      /* The ends and reasons the known dialects give still count. */
      if (object != NULL)
        {
          const char *ignored_text;
          LsLlmDialect before = self->dialect;

          recognised = ls_llm_assembler_recognise (self, type, object, time_us, &ignored_text);
          self->dialect = before;
          recognised |= ls_llm_assembler_recognise_done (self, object, time_us);
        }
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          text = json_node_get_string (node);
          recognised = TRUE;
          self->dialect = LS_LLM_DIALECT_POINTER;
        }
    }
  else if (object != NULL)
    recognised = ls_llm_assembler_recognise (self, type, object, time_us, &text);

  if (text != NULL && text[0] != '\0')
    ls_llm_assembler_add_token (self, text, time_us);
  if (!recognised)
    self->ignored++;
}

/* ---- settings and figures ----------------------------------------------------- */

gboolean
ls_llm_assembler_set_pointer (LsLlmAssembler  *self,
                              const char      *pointer,
                              GError         **error)
{
  g_autoptr(GPtrArray) tokens = NULL;

  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), FALSE);

  if (pointer != NULL && (tokens = parse_pointer (pointer, error)) == NULL)
    return FALSE;

  g_free (self->pointer);
  self->pointer = g_strdup (pointer);
  g_clear_pointer (&self->pointer_tokens, g_ptr_array_unref);
  self->pointer_tokens = g_steal_pointer (&tokens);
  return TRUE;
}

const char *
ls_llm_assembler_get_pointer (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), NULL);

  return self->pointer;
}

void
ls_llm_assembler_set_request_time (LsLlmAssembler *self,
                                   gint64          time_us)
{
  g_return_if_fail (LS_IS_LLM_ASSEMBLER (self));

  self->request_us = time_us;
}

void
ls_llm_assembler_reset (LsLlmAssembler *self)
{
  g_return_if_fail (LS_IS_LLM_ASSEMBLER (self));

  self->dialect = LS_LLM_DIALECT_NONE;
  g_string_truncate (self->text, 0);
  self->truncated = FALSE;
  self->finished = FALSE;
  g_clear_pointer (&self->finish_reason, g_free);
  g_clear_pointer (&self->error, g_free);
  self->events = 0;
  self->ignored = 0;
  self->tokens = 0;
  self->completions = 0;
  self->first_event_us = 0;
  self->first_token_us = 0;
  self->last_token_us = 0;
  self->end_us = 0;
  ls_gap_stats_clear (self->gaps);
}

LsLlmDialect
ls_llm_assembler_get_dialect (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), LS_LLM_DIALECT_NONE);

  return self->dialect;
}

const char *
ls_llm_assembler_get_text (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), NULL);

  return self->text->str;
}

gsize
ls_llm_assembler_get_text_length (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), 0);

  return self->text->len;
}

gboolean
ls_llm_assembler_get_truncated (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), FALSE);

  return self->truncated;
}

gboolean
ls_llm_assembler_get_finished (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), FALSE);

  return self->finished;
}

const char *
ls_llm_assembler_get_finish_reason (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), NULL);

  return self->finish_reason;
}

const char *
ls_llm_assembler_get_error (LsLlmAssembler *self)
{
  g_return_val_if_fail (LS_IS_LLM_ASSEMBLER (self), NULL);

  return self->error;
}

void
ls_llm_assembler_get_figures (LsLlmAssembler *self,
                              LsLlmFigures   *figures)
{
  gint64 start_us, end_us;

  g_return_if_fail (LS_IS_LLM_ASSEMBLER (self));
  g_return_if_fail (figures != NULL);

  memset (figures, 0, sizeof *figures);
  figures->tokens = self->tokens;
  figures->events = self->events;
  figures->ignored = self->ignored;
  figures->completions = self->completions;
  figures->ttft_us = -1;
  figures->gap_p50_us = figures->gap_p99_us = figures->gap_max_us = -1;
  figures->total_us = -1;

  if (self->tokens > 0 && self->request_us > 0)
    figures->ttft_us = MAX (0, self->first_token_us - self->request_us);

  figures->gap_p50_us = ls_gap_stats_get_percentile (self->gaps, 50);
  figures->gap_p99_us = ls_gap_stats_get_percentile (self->gaps, 99);
  figures->gap_max_us = ls_gap_stats_get_max (self->gaps);

  if (self->tokens > 1 && self->last_token_us > self->first_token_us)
    figures->tokens_per_s = (double) (self->tokens - 1) * G_USEC_PER_SEC
                            / (double) (self->last_token_us - self->first_token_us);

  start_us = self->request_us > 0 ? self->request_us : self->first_event_us;
  end_us = self->end_us != 0 ? self->end_us : self->last_token_us;
  if (start_us != 0 && end_us != 0)
    figures->total_us = MAX (0, end_us - start_us);
}

/* ---- GObject ------------------------------------------------------------------ */

static void
ls_llm_assembler_finalize (GObject *object)
{
  LsLlmAssembler *self = LS_LLM_ASSEMBLER (object);

  g_free (self->pointer);
  g_clear_pointer (&self->pointer_tokens, g_ptr_array_unref);
  g_clear_object (&self->parser);
  g_string_free (self->text, TRUE);
  g_free (self->finish_reason);
  g_free (self->error);
  ls_gap_stats_free (self->gaps);

  G_OBJECT_CLASS (ls_llm_assembler_parent_class)->finalize (object);
}

static void
ls_llm_assembler_class_init (LsLlmAssemblerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ls_llm_assembler_finalize;
}

static void
ls_llm_assembler_init (LsLlmAssembler *self)
{
  self->parser = json_parser_new ();
  self->text = g_string_new (NULL);
  self->gaps = ls_gap_stats_new (LS_LLM_MAX_GAPS);
}

LsLlmAssembler *
ls_llm_assembler_new (void)
{
  return g_object_new (LS_TYPE_LLM_ASSEMBLER, NULL);
}
