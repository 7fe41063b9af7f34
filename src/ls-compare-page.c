/* ls-compare-page.c: streams side by side: their figures, a shared plot, Send to All, CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window hands the page its streams (the sidebar's pages) whenever
 * they change; each gets a check button, on by default, and a colour.
 * Once a second while shown, each compared stream's series reads what
 * its store received since (a stream replaced by a new connect starts a
 * new series), and the table and the plot show the figures. The table is
 * rebuilt only when the set of compared streams changes.
 *
 * Send to All takes the request of the stream selected in the sidebar
 * (method, headers, body, reconnect and timings) to every compared stream,
 * each keeping its own URL, and connects them in one go: the same prompt
 * to two deployments, or to a proxy and its origin. Export CSV… writes
 * the table; a failure is the window's to show ("export-failed").
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ls-capture-files.h"
#include "ls-compare-page.h"
#include "ls-compare-plot.h"
#include "ls-format.h"
#include "ls-redact.h"
#include "ls-ui-util.h"

/* GNOME's palette: blue, orange, green, purple, red, brown, yellow, teal. */
static const char * const palette[] = {
  "#3584e4", "#ff7800", "#2ec27e", "#9141ac", "#e01b24", "#986a44", "#e5a50a", "#1c71d8",
};

typedef enum
{
  COL_HEADERS,
  COL_FIRST_EVENT,
  COL_FIRST_TOKEN,
  COL_GAP_P50,
  COL_GAP_P99,
  COL_GAP_MAX,
  COL_RATE,
  COL_EVENTS,
  COL_BYTES,
  COL_RECONNECTS,
  COL_ERRORS,
  N_COLS
} Column;

typedef struct
{
  LsStreamPage    *page;
  GtkWidget       *check;
  LsStream        *stream;    /* the one the series read */
  LsCompareSeries *series;
  LsCompareFigures figures;
  guint            color;     /* index into palette */
  GtkLabel        *title;     /* in the table, while compared */
  GtkLabel        *values[N_COLS];
} Entry;

struct _LsComparePage
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkWidget     *box;
  GtkFlowBox    *choices;
  GtkLabel      *hint_label;
  GtkGrid       *table;
  LsComparePlot *plot;
  GtkButton     *send_button;
  GtkButton     *export_button;

  GPtrArray     *entries;     /* Entry *, in the sidebar's order */
  LsStreamPage  *source;      /* weak: one of the entries' pages */
  guint          next_color;
  GCancellable  *cancellable;
  guint          exports_pending;
};

G_DEFINE_FINAL_TYPE (LsComparePage, ls_compare_page, GTK_TYPE_WIDGET)

enum
{
  EXPORT_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void on_check_toggled_cb (GtkCheckButton *check,
                                 LsComparePage  *self);

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_signal_handlers_disconnect_matched (entry->check, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, on_check_toggled_cb, NULL);
  g_clear_object (&entry->check);
  g_clear_object (&entry->page);
  g_clear_object (&entry->stream);
  g_clear_pointer (&entry->series, ls_compare_series_free);
  g_free (entry);
}

static Entry *
find_entry (LsComparePage *self,
            LsStreamPage  *page)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->page == page)
        return entry;
    }
  return NULL;
}

static gboolean
entry_compared (Entry *entry)
{
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (entry->check));
}

/* ---- the table --------------------------------------------------------------- */

static GtkLabel *
table_label (LsComparePage *self,
             const char    *text,
             int            column,
             int            row,
             gboolean       numeric)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0f : 0.0f);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (self->table, label, column, row, 1, 1);
  return GTK_LABEL (label);
}

static void
ls_compare_page_rebuild_table (LsComparePage *self)
{
  static const char *headings[N_COLS] = {
    N_("Headers"), N_("First event"), N_("First token"), N_("Gap p50"), N_("Gap p99"),
    N_("Gap max"), N_("Events/s"), N_("Events"), N_("Bytes"), N_("Reconnects"), N_("Errors"),
  };
  static const char *tooltips[N_COLS] = {
    N_("Request sent → response headers (latest response)"),
    N_("First request → first event"),
    N_("First request → first LLM token"),
    N_("Median gap between consecutive events"),
    N_("99th percentile of the gaps between consecutive events"),
    N_("Longest gap between consecutive events"),
    N_("Events per second, first event to last"),
    N_("Events received"),
    N_("Body bytes received, all connections"),
    N_("Reconnections"),
    N_("Error records"),
  };
  GtkWidget *child;
  int row = 1;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))) != NULL)
    gtk_grid_remove (self->table, child);

  table_label (self, _("Stream"), 0, 0, FALSE);
  for (int c = 0; c < N_COLS; c++)
    {
      GtkLabel *heading = table_label (self, _(headings[c]), c + 1, 0, TRUE);

      gtk_widget_set_tooltip_text (GTK_WIDGET (heading), _(tooltips[c]));
    }
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->table)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_add_css_class (child, "dim-label");

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      g_autofree char *swatch_class = g_strdup_printf ("ls-series-%u", entry->color);
      GtkWidget *swatch;
      GtkWidget *name;

      entry->title = NULL;
      memset (entry->values, 0, sizeof entry->values);
      if (!entry_compared (entry))
        continue;

      name = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      swatch = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (swatch, "ls-swatch");
      gtk_widget_add_css_class (swatch, swatch_class);
      gtk_box_append (GTK_BOX (name), swatch);
      entry->title = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_ellipsize (entry->title, PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (entry->title, 28);
      gtk_label_set_xalign (entry->title, 0.0f);
      gtk_box_append (GTK_BOX (name), GTK_WIDGET (entry->title));
      gtk_grid_attach (self->table, name, 0, row, 1, 1);
      for (int c = 0; c < N_COLS; c++)
        entry->values[c] = table_label (self, "—", c + 1, row, TRUE);
      row++;
    }
}

static void
format_duration_or_dash (char   *buf,
                         gsize   len,
                         gint64  us)
{
  if (us >= 0)
    ls_format_duration (buf, len, us);
  else
    g_strlcpy (buf, "—", len);
}

static void
entry_show (Entry *entry)
{
  const LsCompareFigures *f = &entry->figures;
  char buf[N_COLS][48];
  const char *location = NULL;
  const char *title = ls_stream_page_get_title (entry->page, &location);
  g_autofree char *full = location != NULL ? g_strconcat (location, title, NULL) : g_strdup (title);

  if (entry->title == NULL)
    return;
  ls_label_set_text_if_changed (entry->title, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry->title), full);
  format_duration_or_dash (buf[COL_HEADERS], sizeof buf[0], f->headers_us);
  format_duration_or_dash (buf[COL_FIRST_EVENT], sizeof buf[0], f->first_event_us);
  format_duration_or_dash (buf[COL_FIRST_TOKEN], sizeof buf[0], f->first_token_us);
  format_duration_or_dash (buf[COL_GAP_P50], sizeof buf[0], f->gap_p50_us);
  format_duration_or_dash (buf[COL_GAP_P99], sizeof buf[0], f->gap_p99_us);
  format_duration_or_dash (buf[COL_GAP_MAX], sizeof buf[0], f->gap_max_us);
  if (f->events >= 2)
    ls_format_rate (buf[COL_RATE], sizeof buf[0], f->events_per_s);
  else
    g_strlcpy (buf[COL_RATE], "—", sizeof buf[0]);
  ls_format_count (buf[COL_EVENTS], sizeof buf[0], f->events);
  ls_format_size (buf[COL_BYTES], sizeof buf[0], f->bytes);
  ls_format_count (buf[COL_RECONNECTS], sizeof buf[0], f->reconnects);
  ls_format_count (buf[COL_ERRORS], sizeof buf[0], f->errors);
  for (int c = 0; c < N_COLS; c++)
    ls_label_set_text_if_changed (entry->values[c], buf[c]);
}

/* ---- refresh ----------------------------------------------------------------- */

static void
ls_compare_page_update_sensitivity (LsComparePage *self)
{
  guint compared = 0;

  for (guint i = 0; i < self->entries->len; i++)
    if (entry_compared (g_ptr_array_index (self->entries, i)))
      compared++;
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), self->entries->len < 2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), compared > 0 && self->source != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), compared > 0);
}

void
ls_compare_page_refresh (LsComparePage *self)
{
  g_return_if_fail (LS_IS_COMPARE_PAGE (self));

  ls_compare_plot_clear (self->plot);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      LsStream *stream = ls_stream_page_get_stream (entry->page);
      LsStreamStats stats;

      gtk_check_button_set_label (GTK_CHECK_BUTTON (entry->check), ls_stream_page_get_title (entry->page, NULL));
      if (stream != entry->stream)
        {
          /* A new connect is a new stream: its figures start again. */
          g_set_object (&entry->stream, stream);
          g_clear_pointer (&entry->series, ls_compare_series_free);
          memset (&entry->figures, 0, sizeof entry->figures);
        }
      if (stream == NULL || !entry_compared (entry))
        {
          entry_show (entry);
          continue;
        }
      if (entry->series == NULL)
        entry->series = ls_compare_series_new ();
      ls_stream_get_stats (stream, &stats);
      ls_compare_series_update (entry->series, ls_stream_get_store (stream), stats.started_us);
      ls_compare_series_get_figures (entry->series, &stats, ls_stream_get_response (stream), &entry->figures);
      entry_show (entry);
      {
        GdkRGBA color;

        gdk_rgba_parse (&color, palette[entry->color]);
        ls_compare_plot_add_line (self->plot, entry->series, &color);
      }
    }
  ls_compare_page_update_sensitivity (self);
}

static void
on_check_toggled_cb (GtkCheckButton *check,
                     LsComparePage  *self)
{
  ls_compare_page_rebuild_table (self);
  ls_compare_page_refresh (self);
}

static Entry *
entry_new (LsComparePage *self,
           LsStreamPage  *page)
{
  Entry *entry = g_new0 (Entry, 1);
  g_autofree char *check_class = NULL;

  entry->page = g_object_ref (page);
  entry->color = self->next_color++ % G_N_ELEMENTS (palette);
  entry->check = g_object_ref_sink (gtk_check_button_new_with_label (ls_stream_page_get_title (page, NULL)));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (entry->check), TRUE);
  check_class = g_strdup_printf ("ls-series-check-%u", entry->color);
  gtk_widget_add_css_class (entry->check, check_class);
  g_signal_connect (entry->check, "toggled", G_CALLBACK (on_check_toggled_cb), self);
  return entry;
}

void
ls_compare_page_set_streams (LsComparePage *self,
                             GPtrArray     *pages)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  gboolean source_kept = FALSE;
  GtkWidget *child;

  g_return_if_fail (LS_IS_COMPARE_PAGE (self));

  /* The plot borrows the series: let go first. */
  ls_compare_plot_clear (self->plot);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->choices))) != NULL)
    gtk_flow_box_remove (self->choices, child);
  for (guint i = 0; i < pages->len; i++)
    {
      LsStreamPage *page = g_ptr_array_index (pages, i);
      Entry *entry = NULL;

      for (guint j = 0; j < self->entries->len; j++)
        if (((Entry *) g_ptr_array_index (self->entries, j))->page == page)
          {
            entry = g_ptr_array_steal_index (self->entries, j);
            break;
          }
      if (entry == NULL)
        entry = entry_new (self, page);
      g_ptr_array_add (entries, entry);
      gtk_flow_box_append (self->choices, entry->check);
      source_kept |= page == self->source;
    }
  if (!source_kept)
    self->source = NULL;
  /* What is left is gone from the sidebar. */
  g_ptr_array_unref (self->entries);
  self->entries = g_steal_pointer (&entries);
  ls_compare_page_rebuild_table (self);
  ls_compare_page_refresh (self);
}

void
ls_compare_page_set_source (LsComparePage *self,
                            LsStreamPage  *page)
{
  g_return_if_fail (LS_IS_COMPARE_PAGE (self));

  self->source = page != NULL && find_entry (self, page) != NULL ? page : NULL;
  ls_compare_page_update_sensitivity (self);
}

gboolean
ls_compare_page_get_compared (LsComparePage *self,
                              LsStreamPage  *page)
{
  Entry *entry;

  g_return_val_if_fail (LS_IS_COMPARE_PAGE (self), FALSE);

  entry = find_entry (self, page);
  return entry != NULL && entry_compared (entry);
}

void
ls_compare_page_set_compared (LsComparePage *self,
                              LsStreamPage  *page,
                              gboolean       compared)
{
  Entry *entry;

  g_return_if_fail (LS_IS_COMPARE_PAGE (self));

  entry = find_entry (self, page);
  if (entry != NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (entry->check), compared);
}

gboolean
ls_compare_page_get_figures (LsComparePage    *self,
                             LsStreamPage     *page,
                             LsCompareFigures *figures)
{
  Entry *entry;

  g_return_val_if_fail (LS_IS_COMPARE_PAGE (self), FALSE);

  entry = find_entry (self, page);
  if (entry == NULL || !entry_compared (entry) || entry->series == NULL)
    return FALSE;
  *figures = entry->figures;
  return TRUE;
}

/* ---- Send to All and CSV ---------------------------------------------------- */

guint
ls_compare_page_send_to_all (LsComparePage *self)
{
  LsRequestEditor *source;
  guint started = 0;

  g_return_val_if_fail (LS_IS_COMPARE_PAGE (self), 0);

  if (self->source == NULL)
    return 0;
  source = ls_stream_page_get_editor (self->source);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      LsRequestEditor *editor = ls_stream_page_get_editor (entry->page);

      if (!entry_compared (entry))
        continue;
      if (entry->page != self->source)
        {
          g_autofree char *url = g_strdup (ls_request_editor_get_url (editor));

          ls_request_editor_copy_from (editor, source);
          ls_request_editor_set_url (editor, url);
        }
      if (ls_stream_page_connect (entry->page))
        started++;
    }
  ls_compare_page_refresh (self);
  return started;
}

char *
ls_compare_page_dup_csv (LsComparePage *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) figures = g_array_new (FALSE, FALSE, sizeof (LsCompareFigures));

  g_return_val_if_fail (LS_IS_COMPARE_PAGE (self), NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      LsStream *stream = ls_stream_page_get_stream (entry->page);

      if (!entry_compared (entry))
        continue;
      g_ptr_array_add (names, (gpointer) ls_stream_page_get_title (entry->page, NULL));
      /* Credentials never go into an export. */
      g_ptr_array_add (urls, stream != NULL ? ls_redact_url (ls_stream_get_options (stream)->url) : g_strdup (""));
      g_array_append_val (figures, entry->figures);
    }
  return ls_compare_to_csv ((const char * const *) names->pdata, (const char * const *) urls->pdata,
                            (const LsCompareFigures *) (gpointer) figures->data, names->len);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LsComparePage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->exports_pending--;
  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* TRANSLATORS: the CSV export failed; then why. */
      g_autofree char *message = g_strdup_printf (_("Could not export the comparison: %s"), error->message);

      g_signal_emit (self, signals[EXPORT_FAILED], 0, message);
    }
}

void
ls_compare_page_export_csv (LsComparePage *self,
                            GFile         *file)
{
  g_autoptr(GBytes) bytes = NULL;
  char *csv;

  g_return_if_fail (LS_IS_COMPARE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  ls_compare_page_refresh (self);
  csv = ls_compare_page_dup_csv (self);
  bytes = g_bytes_new_take (csv, strlen (csv));
  self->exports_pending++;
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, export_done_cb, g_object_ref (self));
}

guint
ls_compare_page_get_exports_pending (LsComparePage *self)
{
  g_return_val_if_fail (LS_IS_COMPARE_PAGE (self), 0);

  return self->exports_pending;
}

static void
on_send_clicked_cb (LsComparePage *self,
                    GtkButton     *button)
{
  ls_compare_page_send_to_all (self);
}

static void
export_chosen_cb (GFile    *file,
                  gboolean  include_secrets,
                  gpointer  user_data)
{
  g_autoptr(LsComparePage) self = user_data;

  if (file != NULL)
    ls_compare_page_export_csv (self, file);
}

static void
on_export_clicked_cb (LsComparePage *self,
                      GtkButton     *button)
{
  static const char * const patterns[] = { "*.csv", NULL };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = g_date_time_format (now, "comparison-%Y%m%d-%H%M%S.csv");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  ls_capture_files_choose (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, TRUE, FALSE,
                           _("Export Comparison"), _("_Export"), name,
                           _("Comma-separated values"), patterns, export_chosen_cb, g_object_ref (self));
}

/* ---- GObject ---------------------------------------------------------------- */

static void
ls_compare_page_dispose (GObject *object)
{
  LsComparePage *self = LS_COMPARE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->plot != NULL)
    ls_compare_plot_clear (self->plot);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_COMPARE_PAGE);

  G_OBJECT_CLASS (ls_compare_page_parent_class)->dispose (object);
}

static void
ls_compare_page_finalize (GObject *object)
{
  LsComparePage *self = LS_COMPARE_PAGE (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ls_compare_page_parent_class)->finalize (object);
}

static void
ls_compare_page_class_init (LsComparePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_compare_page_dispose;
  object_class->finalize = ls_compare_page_finalize;

  /**
   * LsComparePage::export-failed:
   * @message: what went wrong, for the user
   */
  signals[EXPORT_FAILED] =
    g_signal_new ("export-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (LS_TYPE_COMPARE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/loopscope/Loopscope/ls-compare-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, box);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, choices);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, hint_label);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, table);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, plot);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, send_button);
  gtk_widget_class_bind_template_child (widget_class, LsComparePage, export_button);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked_cb);
}

static void
ls_compare_page_init (LsComparePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->cancellable = g_cancellable_new ();
  ls_compare_page_rebuild_table (self);
  ls_compare_page_update_sensitivity (self);
}

GtkWidget *
ls_compare_page_new (void)
{
  return g_object_new (LS_TYPE_COMPARE_PAGE, NULL);
}
