/* ls-llm-view.c: the text an LLM stream assembles, its finish and its timing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The view reads the stream's LsEventStore itself, by sequence number,
 * only what is new since its last look, and feeds it to an LsLlmAssembler
 * (src/core/ls-llm.c). It looks when the stream says there is more
 * ("progress", at most once a frame) and it is mapped, when it is mapped
 * again, and once more when the stream ends; so an idle or hidden view
 * costs nothing. A pull has a time budget: a store of a million events
 * (a new JSON pointer re-reads them all) is caught up over a few frames
 * by a tick callback that removes itself once done. Events the store's
 * cap dropped before the view read them are skipped and counted.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ls-format.h"
#include "ls-llm-view-private.h"
#include "ls-ui-util.h"

/* How long one pull may hold up a frame. */
#define PULL_BUDGET_US 8000

struct _LsLlmView
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkLabel       *dialect_label;
  GtkLabel       *finish_label;
  GtkLabel       *hint_label;
  GtkEntry       *pointer_entry;
  GtkButton      *copy_button;
  GtkFlowBox     *figures_box;
  GtkScrolledWindow *scroller;
  GtkTextView    *text_view;

  GtkLabel       *figures[LS_LLM_N_FIGURES];
  const char     *finish_class;

  LsStream       *stream;
  LsEventStore   *store;
  LsLlmAssembler *assembler;
  guint64         next_seq;      /* the first event not fed yet */
  guint64         skipped;       /* dropped by the store before the view read them */
  gsize           shown_len;     /* bytes of the text already in the buffer */
  gboolean        follow;        /* keep the end in view: the user did not scroll up */
  gboolean        stale;         /* the stream progressed while unmapped */
  guint           tick_id;       /* catching up over several frames */
  GtkTextMark    *end_mark;
};

G_DEFINE_FINAL_TYPE (LsLlmView, ls_llm_view, GTK_TYPE_WIDGET)

static void ls_llm_view_pull (LsLlmView *self);

/* ---- figures ------------------------------------------------------------------ */

static void
set_duration (GtkLabel *label,
              gint64    usec)
{
  char buf[32];

  ls_label_set_text_if_changed (label, usec >= 0 ? ls_format_duration (buf, sizeof buf, usec) : "—");
}

static const char *
dialect_text (LsLlmView    *self,
              LsLlmDialect  dialect,
              guint64       events)
{
  switch (dialect)
    {
    case LS_LLM_DIALECT_OPENAI:
      return _("OpenAI-style stream");
    case LS_LLM_DIALECT_ANTHROPIC:
      return _("Anthropic-style stream");
    case LS_LLM_DIALECT_POINTER:
      return _("Text at the JSON pointer");
    case LS_LLM_DIALECT_NONE:
    default:
      if (self->stream == NULL)
        return _("No stream yet");
      if (events == 0)
        return _("Waiting for events…");
      if (ls_llm_assembler_get_pointer (self->assembler) != NULL)
        return _("Nothing at this JSON pointer yet");
      return _("Not recognised as an LLM stream");
    }
}

static void
ls_llm_view_update_labels (LsLlmView *self)
{
  LsLlmFigures f;
  LsLlmDialect dialect = ls_llm_assembler_get_dialect (self->assembler);
  const char *reason = ls_llm_assembler_get_finish_reason (self->assembler);
  const char *error = ls_llm_assembler_get_error (self->assembler);
  gboolean live = self->stream != NULL && !LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (self->stream));
  g_autoptr(GString) finish = g_string_new (NULL);
  char buf[64];

  ls_llm_assembler_get_figures (self->assembler, &f);

  ls_label_set_text_if_changed (self->dialect_label, dialect_text (self, dialect, f.events));
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label),
                          dialect == LS_LLM_DIALECT_NONE && f.events > 0
                          && ls_llm_assembler_get_pointer (self->assembler) == NULL);

  if (ls_llm_assembler_get_finished (self->assembler))
    g_string_append_printf (finish, _("Finished: %s"), reason != NULL ? reason : _("no reason given"));
  else if (reason != NULL)
    g_string_append_printf (finish, _("Finish reason: %s"), reason);
  else if (live && f.tokens > 0)
    g_string_append (finish, _("Streaming…"));
  else if (self->stream != NULL && !live && f.tokens > 0)
    g_string_append (finish, _("Ended without a finish"));
  if (f.completions > 1)
    {
      g_string_append (finish, finish->len > 0 ? " · " : "");
      g_string_append_printf (finish, g_dngettext (GETTEXT_PACKAGE, "%u completion in one stream",
                                                   "%u completions in one stream", f.completions),
                              f.completions);
    }
  if (error != NULL)
    {
      g_string_append (finish, finish->len > 0 ? " · " : "");
      g_string_append_printf (finish, _("Error: %s"), error);
    }
  if (ls_llm_assembler_get_truncated (self->assembler))
    {
      g_string_append (finish, finish->len > 0 ? " · " : "");
      g_string_append_printf (finish, _("text cut at %s"), ls_format_size (buf, sizeof buf, LS_LLM_MAX_TEXT));
    }
  if (self->skipped > 0)
    {
      g_string_append (finish, finish->len > 0 ? " · " : "");
      g_string_append_printf (finish, _("%s events dropped by the retention cap before they were read"),
                              ls_format_count (buf, sizeof buf, self->skipped));
    }
  ls_label_set_text_if_changed (self->finish_label, finish->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->finish_label), finish->len > 0 ? finish->str : NULL);
  ls_widget_swap_css_class (GTK_WIDGET (self->finish_label), &self->finish_class,
                            error != NULL || f.completions > 1 ? "warning" : NULL);

  set_duration (self->figures[LS_LLM_FIGURE_TTFT], f.ttft_us);
  set_duration (self->figures[LS_LLM_FIGURE_GAP_P50], f.gap_p50_us);
  set_duration (self->figures[LS_LLM_FIGURE_GAP_P99], f.gap_p99_us);
  set_duration (self->figures[LS_LLM_FIGURE_GAP_MAX], f.gap_max_us);
  set_duration (self->figures[LS_LLM_FIGURE_TOTAL], f.total_us);
  if (f.tokens > 1)
    ls_format_rate (buf, sizeof buf, f.tokens_per_s);
  else
    g_strlcpy (buf, "—", sizeof buf);
  ls_label_set_text_if_changed (self->figures[LS_LLM_FIGURE_RATE], buf);
  ls_label_set_text_if_changed (self->figures[LS_LLM_FIGURE_TOKENS], ls_format_count (buf, sizeof buf, f.tokens));

  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), ls_llm_assembler_get_text_length (self->assembler) > 0);
}

/* ---- the text ----------------------------------------------------------------- */

static void
ls_llm_view_update_text (LsLlmView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  const char *text = ls_llm_assembler_get_text (self->assembler);
  gsize len = ls_llm_assembler_get_text_length (self->assembler);
  GtkTextIter end;

  if (len == self->shown_len)
    return;

  if (len < self->shown_len)
    {
      /* Assembled anew (a new stream or pointer). */
      gtk_text_buffer_set_text (buffer, text, (int) len);
      self->follow = TRUE;
    }
  else
    {
      /* Only what is new: the text only ever grows by whole characters. */
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, text + self->shown_len, (int) (len - self->shown_len));
    }
  self->shown_len = len;

  if (self->follow)
    gtk_text_view_scroll_to_mark (self->text_view, self->end_mark, 0.0, FALSE, 0.0, 0.0);
}

/* Scrolled up by the user: stop following; back at the end: follow again. */
static void
on_vadjustment_value_changed_cb (LsLlmView     *self,
                                 GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  self->follow = gtk_adjustment_get_value (adjustment) >= bottom - 2.0;
}

/* ---- pulling from the store --------------------------------------------------- */

typedef struct
{
  LsLlmView *self;
  gint64     deadline_us;
  guint      n;
  gboolean   out_of_time;
} Pull;

static gboolean
pull_cb (const LsEventView *view,
         gpointer           user_data)
{
  Pull *pull = user_data;

  /* Lifecycle records and raw chunks are not what a server sent as events. */
  if (view->kind == LS_EVENT_KIND_EVENT || view->kind == LS_EVENT_KIND_INVALID)
    ls_llm_assembler_feed (pull->self->assembler, view->type, view->data, (gssize) view->data_len,
                           view->time_us);
  pull->self->next_seq = view->seq + 1;

  if ((++pull->n & 255) == 0 && g_get_monotonic_time () > pull->deadline_us)
    {
      pull->out_of_time = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
ls_llm_view_tick_cb (GtkWidget     *widget,
                     GdkFrameClock *clock,
                     gpointer       user_data)
{
  LsLlmView *self = LS_LLM_VIEW (widget);

  self->tick_id = 0;
  ls_llm_view_pull (self);
  /* The pull added a new tick if it is still behind. */
  return G_SOURCE_REMOVE;
}

static void
ls_llm_view_pull (LsLlmView *self)
{
  Pull pull = { self, g_get_monotonic_time () + PULL_BUDGET_US, 0, FALSE };
  LsStreamStats stats;
  guint64 first, end;

  self->stale = FALSE;
  if (self->stream == NULL)
    return;

  ls_stream_get_stats (self->stream, &stats);
  ls_llm_assembler_set_request_time (self->assembler, stats.started_us);

  ls_event_store_get_range (self->store, &first, &end);
  if (self->next_seq < first)
    {
      self->skipped += first - self->next_seq;
      self->next_seq = first;
    }
  if (self->next_seq < end)
    {
      ls_event_store_foreach_range (self->store, self->next_seq, end, pull_cb, &pull);
      /* Dropped between the range and the read: skipped too. */
      if (!pull.out_of_time && self->next_seq < end)
        {
          self->skipped += end - self->next_seq;
          self->next_seq = end;
        }
    }

  ls_llm_view_update_text (self);
  ls_llm_view_update_labels (self);

  if (pull.out_of_time && self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), ls_llm_view_tick_cb, NULL, NULL);
  else if (pull.out_of_time)
    self->stale = TRUE;
}

/* Forget what was fed and read the store again from its start. */
static void
ls_llm_view_restart (LsLlmView *self)
{
  ls_llm_assembler_reset (self->assembler);
  self->next_seq = 0;
  self->skipped = 0;
  self->shown_len = G_MAXSIZE;   /* the next update sets the whole buffer */
  ls_llm_view_pull (self);
  if (self->shown_len == G_MAXSIZE)
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
      self->shown_len = 0;
      self->follow = TRUE;
    }
}

static void
on_stream_progress_cb (LsLlmView *self,
                       LsStream  *stream)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    ls_llm_view_pull (self);
  else
    self->stale = TRUE;
}

static void
on_stream_state_cb (LsLlmView  *self,
                    GParamSpec *pspec,
                    LsStream   *stream)
{
  /* The last pull, mapped or not: the store will not grow any more. */
  if (LS_STREAM_STATE_IS_FINAL (ls_stream_get_state (stream)))
    ls_llm_view_pull (self);
  else
    ls_llm_view_update_labels (self);
}

/* ---- callbacks ---------------------------------------------------------------- */

static void
on_pointer_changed_cb (LsLlmView *self,
                       GtkEntry  *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autoptr(GError) error = NULL;

  if (!ls_llm_assembler_set_pointer (self->assembler, text[0] != '\0' ? text : NULL, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (entry), error->message);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry),
                               _("Where the text is in each event (RFC 6901), e.g. /choices/0/delta/content. "
                                 "Empty: recognise OpenAI- and Anthropic-style streams."));
  ls_llm_view_restart (self);
}

static void
on_copy_clicked_cb (LsLlmView *self,
                    GtkButton *button)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          ls_llm_assembler_get_text (self->assembler));
}

/* ---- GtkWidget ---------------------------------------------------------------- */

static void
ls_llm_view_map (GtkWidget *widget)
{
  LsLlmView *self = LS_LLM_VIEW (widget);

  GTK_WIDGET_CLASS (ls_llm_view_parent_class)->map (widget);

  if (self->stale)
    ls_llm_view_pull (self);
}

static void
ls_llm_view_unmap (GtkWidget *widget)
{
  LsLlmView *self = LS_LLM_VIEW (widget);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->tick_id);
      self->tick_id = 0;
      self->stale = TRUE;
    }

  GTK_WIDGET_CLASS (ls_llm_view_parent_class)->unmap (widget);
}

static void
ls_llm_view_dispose (GObject *object)
{
  LsLlmView *self = LS_LLM_VIEW (object);

  ls_llm_view_set_stream (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_LLM_VIEW);

  G_OBJECT_CLASS (ls_llm_view_parent_class)->dispose (object);
}

static void
ls_llm_view_finalize (GObject *object)
{
  LsLlmView *self = LS_LLM_VIEW (object);

  g_clear_object (&self->assembler);

  G_OBJECT_CLASS (ls_llm_view_parent_class)->finalize (object);
}

static void
ls_llm_view_class_init (LsLlmViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_llm_view_dispose;
  object_class->finalize = ls_llm_view_finalize;
  widget_class->map = ls_llm_view_map;
  widget_class->unmap = ls_llm_view_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-llm-view.ui");
  /* Bound (and not stored) so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child_full (widget_class, "content", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, dialect_label);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, finish_label);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, hint_label);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, pointer_entry);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, copy_button);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, figures_box);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, scroller);
  gtk_widget_class_bind_template_child (widget_class, LsLlmView, text_view);
  gtk_widget_class_bind_template_callback (widget_class, on_pointer_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsllmview");
}

static void
ls_llm_view_init (LsLlmView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->assembler = ls_llm_assembler_new ();
  self->follow = TRUE;

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_end_iter (buffer, &end);
  /* Right gravity: it stays at the end as text is added. */
  self->end_mark = gtk_text_buffer_create_mark (buffer, NULL, &end, FALSE);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (on_vadjustment_value_changed_cb), self, G_CONNECT_SWAPPED);

  self->figures[LS_LLM_FIGURE_TTFT] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Time to first token"),
                      _("Request sent → first event that carried text"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_GAP_P50] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Gap p50"),
                      _("Median time between consecutive text-bearing events"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_GAP_P99] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Gap p99"),
                      _("99th percentile of the time between text-bearing events"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_GAP_MAX] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Gap max"),
                      _("Longest time between text-bearing events"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_RATE] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Tokens/s"),
                      _("Text-bearing events per second, first to last"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_TOKENS] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Tokens"),
                      _("Events that carried text (chunks, not tokenizer tokens)"), 0.0, 7);
  self->figures[LS_LLM_FIGURE_TOTAL] =
    ls_figure_append (GTK_WIDGET (self->figures_box), _("Total"),
                      _("Request sent → end of the completion, or its last token"), 0.0, 7);

  ls_llm_view_update_labels (self);
}

GtkWidget *
ls_llm_view_new (void)
{
  return g_object_new (LS_TYPE_LLM_VIEW, NULL);
}

void
ls_llm_view_set_stream (LsLlmView *self,
                        LsStream  *stream)
{
  g_return_if_fail (LS_IS_LLM_VIEW (self));
  g_return_if_fail (stream == NULL || LS_IS_STREAM (stream));

  if (self->stream == stream)
    return;

  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      g_clear_object (&self->stream);
      g_clear_pointer (&self->store, ls_event_store_unref);
    }
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  self->stale = FALSE;

  /* Without a new stream the view keeps showing the last one's text. */
  if (stream == NULL)
    return;

  self->stream = g_object_ref (stream);
  self->store = ls_event_store_ref (ls_stream_get_store (stream));
  g_signal_connect_swapped (stream, "progress", G_CALLBACK (on_stream_progress_cb), self);
  g_signal_connect_swapped (stream, "notify::state", G_CALLBACK (on_stream_state_cb), self);
  ls_llm_view_restart (self);
}

void
ls_llm_view_set_pointer (LsLlmView  *self,
                         const char *pointer)
{
  g_return_if_fail (LS_IS_LLM_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->pointer_entry), pointer != NULL ? pointer : "");
}

const char *
ls_llm_view_get_text (LsLlmView *self)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);

  return ls_llm_assembler_get_text (self->assembler);
}

/* ---- tests -------------------------------------------------------------------- */

const char *
_ls_llm_view_get_figure_text (LsLlmView   *self,
                              LsLlmFigure  figure)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);
  g_return_val_if_fail (figure < LS_LLM_N_FIGURES, NULL);

  return gtk_label_get_label (self->figures[figure]);
}

const char *
_ls_llm_view_get_dialect_text (LsLlmView *self)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);

  return gtk_label_get_label (self->dialect_label);
}

const char *
_ls_llm_view_get_finish_text (LsLlmView *self)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);

  return gtk_label_get_label (self->finish_label);
}

char *
_ls_llm_view_dup_buffer_text (LsLlmView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

LsLlmAssembler *
_ls_llm_view_get_assembler (LsLlmView *self)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), NULL);

  return self->assembler;
}

gboolean
_ls_llm_view_is_ticking (LsLlmView *self)
{
  g_return_val_if_fail (LS_IS_LLM_VIEW (self), FALSE);

  return self->tick_id != 0;
}
