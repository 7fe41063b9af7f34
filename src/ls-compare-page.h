/* ls-compare-page.h: streams side by side: their figures, a shared plot, Send to All, CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-compare.h"
#include "ls-stream-page.h"

G_BEGIN_DECLS

#define LS_TYPE_COMPARE_PAGE (ls_compare_page_get_type ())
G_DECLARE_FINAL_TYPE (LsComparePage, ls_compare_page, LS, COMPARE_PAGE, GtkWidget)

GtkWidget *ls_compare_page_new            (void);
/* The window's streams, in the sidebar's order (borrowed; a stream no
 * longer listed is forgotten). New ones are compared by default. */
void       ls_compare_page_set_streams    (LsComparePage *self,
                                           GPtrArray     *pages);
/* The stream Send to All takes its request from (the sidebar's selection). */
void       ls_compare_page_set_source     (LsComparePage *self,
                                           LsStreamPage  *page);
/* Reads what the compared streams received since, and shows it. */
void       ls_compare_page_refresh        (LsComparePage *self);
/* Whether @page is among the compared (its check button). */
gboolean   ls_compare_page_get_compared   (LsComparePage *self,
                                           LsStreamPage  *page);
void       ls_compare_page_set_compared   (LsComparePage *self,
                                           LsStreamPage  *page,
                                           gboolean       compared);
/* The figures of a compared stream, as shown; FALSE when not compared. */
gboolean   ls_compare_page_get_figures    (LsComparePage    *self,
                                           LsStreamPage     *page,
                                           LsCompareFigures *figures);
/* The comparison as the CSV export writes it. */
char      *ls_compare_page_dup_csv        (LsComparePage *self);
/* The source's method, headers and body to every compared stream, each
 * at its own URL, all connected at once. Returns how many started. */
guint      ls_compare_page_send_to_all    (LsComparePage *self);
/* Writes the CSV to @file (asynchronously; "export-failed" on error). */
void       ls_compare_page_export_csv     (LsComparePage *self,
                                           GFile         *file);
guint      ls_compare_page_get_exports_pending (LsComparePage *self);

G_END_DECLS
