/* ls-recorder-private.h: the recorder's side door for the trace reader and writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-recorder.h"

G_BEGIN_DECLS

/* Appends @record as is (its seq is assigned); takes ownership of its detail. */
void        ls_recorder_append           (LsRecorder *self,
                                          LsRecord   *record);
/* The monotonic time the trace's timestamps count from. */
gint64      ls_recorder_get_origin_us    (LsRecorder *self);
GHashTable *ls_recorder_dup_thread_names (LsRecorder *self);
GArray     *ls_recorder_snapshot_full    (LsRecorder *self,
                                          guint64     after_seq,
                                          gboolean    include_secrets);

G_END_DECLS
