/* ls-llm-view.h: the text an LLM stream assembles, its finish and its timing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-stream.h"

G_BEGIN_DECLS

#define LS_TYPE_LLM_VIEW (ls_llm_view_get_type ())
G_DECLARE_FINAL_TYPE (LsLlmView, ls_llm_view, LS, LLM_VIEW, GtkWidget)

GtkWidget  *ls_llm_view_new         (void);
/* @stream: (nullable): the stream whose store the view assembles; NULL
 * forgets the previous one (the view keeps what it showed). */
void        ls_llm_view_set_stream  (LsLlmView  *self,
                                     LsStream   *stream);
/* The JSON pointer the text is read at; NULL or "" recognises the dialect.
 * The same as typing it into the entry. */
void        ls_llm_view_set_pointer (LsLlmView  *self,
                                     const char *pointer);
/* The text assembled so far (what the text view shows). */
const char *ls_llm_view_get_text    (LsLlmView  *self);

G_END_DECLS
