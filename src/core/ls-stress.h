/* ls-stress.h: the bridge stress test: round trips UI → worker → UI, counted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ls-bridge.h"

G_BEGIN_DECLS

/* What the window's stress action sends, and how many requests may be in
 * flight at once so that neither loop is ever flooded. */
#define LS_STRESS_DEFAULT_ROUND_TRIPS 100000
#define LS_STRESS_MAX_IN_FLIGHT       2000

typedef enum
{
  LS_STRESS_IDLE,
  LS_STRESS_RUNNING,
  LS_STRESS_DONE,
  LS_STRESS_CANCELLED,
  LS_STRESS_FAILED,
} LsStressState;

#define LS_STRESS_ERROR (ls_stress_error_quark ())

typedef enum
{
  LS_STRESS_ERROR_BUSY,             /* a run is already going */
  LS_STRESS_ERROR_WORKER_STOPPED,   /* the worker loop accepts no work */
  LS_STRESS_ERROR_BRIDGE_CLOSED,    /* the bridge refused the replies mailbox */
} LsStressError;

/* The figures of the current or last run. */
typedef struct
{
  guint  total;        /* round trips asked for */
  guint  back;         /* distinct sequence numbers that came back */
  guint  lost;         /* total - back: final once the run is DONE */
  guint  duplicated;   /* replies for a number already back */
  guint  in_flight;    /* sent and not answered yet; 0 unless running */
  gint64 elapsed_us;   /* so far, or of the whole run once it ended */
} LsStressProgress;

#define LS_TYPE_STRESS_STATE (ls_stress_state_get_type ())
#define LS_TYPE_STRESS (ls_stress_get_type ())
G_DECLARE_FINAL_TYPE (LsStress, ls_stress, LS, STRESS, GObject)

GType          ls_stress_state_get_type   (void) G_GNUC_CONST;
GQuark         ls_stress_error_quark      (void);

/* Owner ("UI") thread only, like the bridge's UI mailboxes. */
LsStress      *ls_stress_new              (LsBridge         *bridge);
gboolean       ls_stress_start            (LsStress         *self,
                                           guint             n_round_trips,
                                           GError          **error);
void           ls_stress_stop             (LsStress         *self);
LsStressState  ls_stress_get_state        (LsStress         *self);
const char    *ls_stress_get_failure      (LsStress         *self);
void           ls_stress_get_progress     (LsStress         *self,
                                           LsStressProgress *progress);
guint          ls_stress_get_queued_replies (LsStress       *self);

G_END_DECLS
