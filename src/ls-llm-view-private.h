/* ls-llm-view-private.h: what the tests read back from the Assembled view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-llm.h"
#include "ls-llm-view.h"

G_BEGIN_DECLS

typedef enum
{
  LS_LLM_FIGURE_TTFT,
  LS_LLM_FIGURE_GAP_P50,
  LS_LLM_FIGURE_GAP_P99,
  LS_LLM_FIGURE_GAP_MAX,
  LS_LLM_FIGURE_RATE,
  LS_LLM_FIGURE_TOKENS,
  LS_LLM_FIGURE_TOTAL,
  LS_LLM_N_FIGURES
} LsLlmFigure;

/* The label's text as shown. */
const char     *_ls_llm_view_get_figure_text (LsLlmView   *self,
                                              LsLlmFigure  figure);
const char     *_ls_llm_view_get_dialect_text (LsLlmView  *self);
const char     *_ls_llm_view_get_finish_text (LsLlmView   *self);
/* The text buffer's whole content, newly allocated. */
char           *_ls_llm_view_dup_buffer_text (LsLlmView   *self);
LsLlmAssembler *_ls_llm_view_get_assembler   (LsLlmView   *self);
/* Whether a tick callback is catching up with the store. */
gboolean        _ls_llm_view_is_ticking      (LsLlmView   *self);

G_END_DECLS
