/* fuzz-chunks.h: feeding a parser whole, in chunks and byte by byte, for the fuzz targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The byte-level targets share one check: however the stream is cut, what
 * the parser does must not change. This is the cutting and the comparing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One feed of @len bytes to @target; FALSE (with @error) when refused. */
typedef gboolean (*LsFuzzFeedFunc) (gpointer       target,
                                    const guint8  *data,
                                    gsize          len,
                                    GError       **error);

/* Feeds @stream to @feed in chunks of sizes drawn from @seed (0: whole,
 * G_MAXUINT32: byte by byte) until it is all fed or a feed is refused;
 * returns whether every feed was taken. */
gboolean ls_fuzz_feed_chunks (LsFuzzFeedFunc   feed,
                              gpointer         target,
                              const guint8    *stream,
                              gsize            len,
                              guint32          seed,
                              GError         **error);

/* A whole run over @stream cut by @seed, as a log of everything observable. */
typedef GString *(*LsFuzzRunFunc) (const guint8 *stream,
                                   gsize         len,
                                   guint32       seed,
                                   gsize         max_size);

/* Runs @run on the input after its control byte @data[0] (nothing without
 * one): whole, in chunks seeded from the control byte and (up to 4 KiB)
 * byte by byte, and aborts when the logs differ. The control byte's low
 * bits pick a small size cap from @min_cap up (to reach the error paths)
 * or the default (max_size 0). */
void ls_fuzz_compare_chunkings (LsFuzzRunFunc  run,
                                const guint8  *data,
                                gsize          size,
                                gsize          min_cap);

G_END_DECLS
