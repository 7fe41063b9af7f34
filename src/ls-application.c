/* ls-application.c: the GtkApplication, owner of the engine for the app's life
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the recorder and the bridge (and through it the
 * worker thread). Quitting never blocks the UI thread: it asks the bridge
 * to stop and holds the application until the worker reports CLOSED on the
 * UI loop, by which time its thread has finished. Every way out (window
 * close, app.quit, Ctrl+Q, SIGINT/SIGTERM, g_application_quit()) ends with
 * the worker CLOSED and joined before g_application_run() returns: the
 * last one skips the hold, so shutdown finishes the wait itself.
 *
 * The command line (`loopscope [URL] [-X METHOD] [-H 'Name: value']...
 * [-d BODY]`) is handled in the primary instance: a second invocation is
 * forwarded there (over D-Bus) and opens a window of its own. The UI
 * loop's probe belongs here, not to a window: there is one UI loop
 * whatever the number of windows.
 *
 * LS_DEBUG_QUIT_REPORT=1 prints, on stderr, when the demo streams are live,
 * on SIGUSR1 the recorder's record count, and, at shutdown, how many
 * streams were live when quitting began and the worker's final state
 * (tests/test-quit.c and tests/bench-idle.c read it).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "ls-application.h"
#include "ls-demo-server.h"
#include "ls-preferences-dialog.h"
#include "ls-resources.h"
#include "ls-window.h"

#define DEFAULT_RECORDER_CAPACITY 65536

struct _LsApplication
{
  GtkApplication  parent_instance;

  GSettings      *settings;      /* NULL when the schema is not installed */
  GtkCssProvider *css_provider;
  LsRecorder     *recorder;
  LsBridge       *bridge;
  char           *engine_error;
  LsLoopProbe    *ui_probe;
  LsDemoServer   *demo_server;   /* once a window asked for it */
  GCancellable   *demo_cancellable;
  GList          *demo_waiting;  /* of DemoWaiting *, until the server listens */

  gboolean        demo;
  gboolean        quitting;
  gboolean        shut_down;
  gboolean        engine_stopping;
  gboolean        holding;       /* a hold taken until the worker is CLOSED */
  guint           sigint_id;
  guint           sigterm_id;
  guint           sigusr1_id;    /* LS_DEBUG_QUIT_REPORT */
  gboolean        debug_quit;    /* LS_DEBUG_QUIT_REPORT */
  guint           debug_live_id;
  guint           live_at_quit;  /* demo connections when quitting began */
};

G_DEFINE_FINAL_TYPE (LsApplication, ls_application, GTK_TYPE_APPLICATION)

/* How often the UI probe's lag timer fires: often enough to catch a stall
 * of a few frames, rare enough to cost nothing. */
#define UI_PROBE_INTERVAL_MS 100

/* The same spelling as curl and as `loopscope --headless`. */
static const GOptionEntry option_entries[] = {
  { "method", 'X', 0, G_OPTION_ARG_STRING, NULL,
    N_("HTTP method (default GET, or POST with --data)"), N_("METHOD") },
  { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Request header, repeatable"), N_("'NAME: VALUE'") },
  { "data", 'd', 0, G_OPTION_ARG_STRING, NULL,
    N_("Request body, or @FILE to read it from a file"), N_("BODY") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start connected to the built-in demo server (a URL that is only a path, such as /llm, is on that server)"), NULL },
  { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Serve the capture FILE again from the demo server and start connected to it (implies --demo)"), N_("FILE") },
  { "speed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --replay: 0.1 to 100 times the capture's pace, or max (default 1)"), N_("X") },
  /* Handled in main() before GTK starts; listed here so that --help shows it. */
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Stream without a window, printing JSON lines (loopscope --headless --help lists its options)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL, NULL, N_("[URL]") },
  { NULL }
};

/* Running uninstalled without GSETTINGS_SCHEMA_DIR must not abort (which
 * g_settings_new() does for an unknown schema): we just won't remember the
 * window size. */
static GSettings *
ls_application_load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("Schema %s is not installed; settings will not be kept", APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
ls_application_release_engine_hold (LsApplication *self)
{
  if (self->holding)
    {
      self->holding = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
on_worker_state_cb (LsApplication *self,
                    GParamSpec    *pspec,
                    LsBridge      *bridge)
{
  g_assert (LS_IS_APPLICATION (self));

  /* CLOSED is reported on this loop once the worker thread has finished:
   * only now may the process go away. */
  if (ls_bridge_get_worker_state (bridge) == LS_WORKER_CLOSED)
    ls_application_release_engine_hold (self);
}

/* Asks the worker to stop and keeps the application alive (without
 * waiting here) until it reports CLOSED. */
static void
ls_application_stop_engine (LsApplication *self)
{
  g_autoptr(GError) error = NULL;
  LsWorkerState state;

  if (self->bridge == NULL || self->engine_stopping)
    return;

  self->engine_stopping = TRUE;
  if (self->demo_server != NULL)
    self->live_at_quit = ls_demo_server_get_n_connections (self->demo_server);
  state = ls_bridge_get_worker_state (self->bridge);

  if (!ls_bridge_stop (self->bridge, &error))
    g_warning ("%s", error->message);

  /* A worker that never started has nothing to wait for. */
  if ((state == LS_WORKER_RUNNING || state == LS_WORKER_STOPPING)
      && ls_bridge_get_worker_state (self->bridge) != LS_WORKER_CLOSED)
    {
      self->holding = TRUE;
      g_application_hold (G_APPLICATION (self));
    }
}

static void
ls_application_quit_action (GSimpleAction *action,
                            GVariant      *param,
                            gpointer       user_data)
{
  ls_application_request_quit (LS_APPLICATION (user_data));
}

static void
ls_application_about_action (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       user_data)
{
  LsApplication *self = LS_APPLICATION (user_data);
  const char *developers[] = { _("The Loopscope developers"), NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "program-name", "Loopscope",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Watch streaming HTTP endpoints and the event loops that carry them"),
                         "website", "https://github.com/loopscope/loopscope",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
ls_application_preferences_action (GSimpleAction *action,
                                   GVariant      *param,
                                   gpointer       user_data)
{
  LsApplication *self = LS_APPLICATION (user_data);
  LsPreferencesDialog *dialog;

  if (self->settings == NULL)
    return;

  dialog = ls_preferences_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                      self->settings);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Live: the ring is resized at once, the newest records kept. */
static void
on_recorder_capacity_changed_cb (LsApplication *self,
                                 const char    *key,
                                 GSettings     *settings)
{
  ls_recorder_set_capacity (self->recorder, g_settings_get_uint (settings, "recorder-capacity"));
}

/* SIGINT/SIGTERM take the same path as "app.quit": the worker is
 * stopped and joined, not abandoned mid-callback. */
static gboolean
ls_application_signal_cb (gpointer user_data)
{
  ls_application_request_quit (LS_APPLICATION (user_data));

  return G_SOURCE_CONTINUE;
}

static gboolean
debug_records_cb (gpointer user_data)
{
  LsApplication *self = user_data;

  g_printerr ("loopscope: records: %" G_GUINT64_FORMAT "\n", ls_recorder_get_total (self->recorder));
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_actions[] = {
  { "quit", ls_application_quit_action },
  { "about", ls_application_about_action },
  { "preferences", ls_application_preferences_action },
};

/* --version answers here; everything else goes to the primary instance
 * (command_line), which may be another process. */
static gint
ls_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("loopscope %s\n", PACKAGE_VERSION);
      return 0;
    }

  return G_APPLICATION_CLASS (ls_application_parent_class)->handle_local_options (app, options);
}

static void
ls_application_startup (GApplication *app)
{
  LsApplication *self = LS_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  static const struct { const char *action; const char *accels[2]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.reconnect", { "<Control>r", NULL } },
    { "win.focus-url", { "<Control>l", NULL } },
    { "win.focus-filter", { "<Control>f", NULL } },
    { "win.new-stream", { "<Control>t", NULL } },
    { "win.close-stream", { "<Control>w", NULL } },
  };
  guint capacity = DEFAULT_RECORDER_CAPACITY;

  G_APPLICATION_CLASS (ls_application_parent_class)->startup (app);

  self->css_provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (self->css_provider, "/io/github/loopscope/Loopscope/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (self->css_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  self->settings = ls_application_load_settings ();
  if (self->settings != NULL)
    capacity = g_settings_get_uint (self->settings, "recorder-capacity");

  self->recorder = ls_recorder_new (capacity);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::recorder-capacity",
                             G_CALLBACK (on_recorder_capacity_changed_cb), self, G_CONNECT_SWAPPED);

  /* Attached here, on the thread that runs the default context. */
  self->ui_probe = ls_loop_probe_new ("ui", LS_LOOP_UI, self->recorder);
  /* Idle until a window has something live: see ls_application_update_activity(). */
  ls_loop_probe_set_active (self->ui_probe, FALSE);
  ls_loop_probe_attach (self->ui_probe, g_main_context_default (), UI_PROBE_INTERVAL_MS);

  self->bridge = ls_bridge_new (self->recorder);
  ls_bridge_set_ui_probe (self->bridge, self->ui_probe);
  ls_bridge_set_worker_probe_active (self->bridge, FALSE);
  g_signal_connect_object (self->bridge, "notify::worker-state",
                           G_CALLBACK (on_worker_state_cb), self, G_CONNECT_SWAPPED);

  /* A failed start is shown in the window rather than ending the app. */
  if (!ls_bridge_start (self->bridge, &error))
    self->engine_error = g_strdup_printf (_("The worker loop could not start: %s"), error->message);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  /* Without the schema there is nothing to edit. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "preferences")),
                               self->settings != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  self->sigint_id = ls_unix_signal_add_named (SIGINT, "app.sigint", ls_application_signal_cb, self);
  self->sigterm_id = ls_unix_signal_add_named (SIGTERM, "app.sigterm", ls_application_signal_cb, self);
  if (self->debug_quit)
    self->sigusr1_id = ls_unix_signal_add_named (SIGUSR1, "app.sigusr1", debug_records_cb, self);
}

static void
weak_ref_free (GWeakRef *weak)
{
  g_weak_ref_clear (weak);
  g_free (weak);
}

/* A window waiting for the demo server to listen, and what it will
 * stream: the tick stream, a replay, or a request for a path. */
typedef struct
{
  GWeakRef         window;
  LsStreamOptions *request;   /* its URL a path on the server; NULL: the tick stream */
  gboolean         replay;    /* request is a replay's, in a row of its own */
} DemoWaiting;

static void
demo_waiting_free (DemoWaiting *waiting)
{
  g_weak_ref_clear (&waiting->window);
  g_clear_pointer (&waiting->request, ls_stream_options_free);
  g_free (waiting);
}

static void
start_window_on_demo (LsWindow              *window,
                      LsDemoServer          *server,
                      const LsStreamOptions *request,
                      gboolean               replay)
{
  const char *base_uri = ls_demo_server_get_base_uri (server);
  g_autoptr(LsStreamOptions) on_server = NULL;

  if (request == NULL)
    {
      ls_window_start_demo (window, base_uri);
      return;
    }

  on_server = ls_stream_options_copy (request);
  g_free (on_server->url);
  on_server->url = g_strconcat (base_uri, request->url, NULL);
  if (replay)
    ls_window_start_replay (window, on_server->url, on_server->format);
  else
    ls_window_load_request (window, on_server, TRUE);
}

/* The demo server listens (on its own thread): point the windows that
 * asked for it at it. */
static void
on_demo_server_started_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  LsDemoServer *server = LS_DEMO_SERVER (source);
  GWeakRef *weak = user_data;
  g_autoptr(LsApplication) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  GList *waiting;

  weak_ref_free (weak);

  if (!ls_demo_server_start_finish (server, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("The demo server could not start: %s", error->message);
      return;
    }

  if (self == NULL)
    return;

  waiting = g_steal_pointer (&self->demo_waiting);
  for (GList *l = waiting; l != NULL && !self->quitting; l = l->next)
    {
      DemoWaiting *w = l->data;
      g_autoptr(LsWindow) window = g_weak_ref_get (&w->window);

      if (window != NULL)
        start_window_on_demo (window, server, w->request, w->replay);
    }
  g_list_free_full (waiting, (GDestroyNotify) demo_waiting_free);
}

static gboolean
debug_live_cb (gpointer user_data)
{
  LsApplication *self = user_data;

  if (self->demo_server == NULL || ls_demo_server_get_n_connections (self->demo_server) == 0)
    return G_SOURCE_CONTINUE;
  g_printerr ("loopscope: live: %u demo stream(s)\n",
              ls_demo_server_get_n_connections (self->demo_server));
  self->debug_live_id = 0;
  return G_SOURCE_REMOVE;
}

/* Starts the demo server unless it runs or is starting; returns whether
 * it listens already. */
static gboolean
ls_application_ensure_demo_server (LsApplication *self)
{
  GWeakRef *weak;

  if (self->demo_server != NULL)
    return ls_demo_server_is_running (self->demo_server);

  /* Weak: a start that completes after the application is gone (or never
   * gets to run its callback) must not keep it alive. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);

  /* Port 0: an ephemeral port, never a clash with anything running. */
  self->demo_server = ls_demo_server_new ();
  self->demo_cancellable = g_cancellable_new ();
  ls_demo_server_start_async (self->demo_server, 0, self->demo_cancellable,
                              on_demo_server_started_cb, weak);
  if (self->debug_quit && self->debug_live_id == 0)
    self->debug_live_id = ls_timeout_add_named (G_PRIORITY_DEFAULT, 50, "app.debug-live", debug_live_cb, self, NULL);
  return FALSE;
}

/* @window streams @request (NULL: the tick stream), whose URL is a path
 * on the demo server, at once or when the server listens. */
static void
ls_application_connect_demo_request (LsApplication         *self,
                                     LsWindow              *window,
                                     const LsStreamOptions *request,
                                     gboolean               replay)
{
  DemoWaiting *waiting;

  if (self->engine_error != NULL || self->quitting)
    return;

  if (ls_application_ensure_demo_server (self))
    {
      start_window_on_demo (window, self->demo_server, request, replay);
      return;
    }

  waiting = g_new0 (DemoWaiting, 1);
  g_weak_ref_init (&waiting->window, window);
  waiting->request = request != NULL ? ls_stream_options_copy (request) : NULL;
  waiting->replay = replay;
  self->demo_waiting = g_list_append (self->demo_waiting, waiting);
}

/**
 * ls_application_connect_demo:
 * @window: the window to connect
 *
 * Starts the embedded demo server if it is not running yet, then connects
 * @window to its tick stream (at once when the server already listens).
 */
void
ls_application_connect_demo (LsApplication *self,
                             LsWindow      *window)
{
  g_return_if_fail (LS_IS_APPLICATION (self));
  g_return_if_fail (LS_IS_WINDOW (window));

  if (self->engine_error != NULL || self->quitting)
    return;

  ls_application_connect_demo_request (self, window, NULL, FALSE);
}

/**
 * ls_application_connect_replay:
 * @window: the window to connect
 * @replay: the capture to serve again
 * @speed: its speed (LS_REPLAY_SPEED_MAX: as fast as possible)
 *
 * Starts the embedded demo server if it is not running yet, adds @replay
 * to it and connects @window to the replay: a live stream.
 */
void
ls_application_connect_replay (LsApplication *self,
                               LsWindow      *window,
                               LsReplay      *replay,
                               double         speed)
{
  g_autoptr(LsStreamOptions) request = NULL;

  g_return_if_fail (LS_IS_APPLICATION (self));
  g_return_if_fail (LS_IS_WINDOW (window));
  g_return_if_fail (replay != NULL);

  if (self->engine_error != NULL || self->quitting)
    return;

  ls_application_ensure_demo_server (self);
  request = ls_stream_options_new (NULL);
  request->url = ls_demo_server_add_replay (self->demo_server, replay, speed);
  request->format = ls_replay_get_format (replay);
  ls_application_connect_demo_request (self, window, request, TRUE);
}

static LsWindow *
ls_application_new_window (LsApplication *self)
{
  LsWindow *window = ls_window_new (self);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* A launch with nothing on the command line (or a D-Bus activation):
 * the existing window, or a first one. */
static void
ls_application_activate (GApplication *app)
{
  LsApplication *self = LS_APPLICATION (app);
  GtkWindow *window;

  if (self == NULL || self->quitting)
    return;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  window = GTK_WINDOW (ls_application_new_window (self));
  if (self->demo)
    ls_window_use_demo (LS_WINDOW (window));
}

/* -X, -H, -d and the URL, as a request; NULL with a message naming the
 * bad argument. The URL itself is checked when the window connects, so
 * that a typo shows in the window, ready to be fixed. */
static LsStreamOptions *
ls_application_parse_request (GApplicationCommandLine  *command_line,
                              GVariantDict             *options,
                              const char               *url,
                              GError                  **error)
{
  g_autoptr(LsStreamOptions) request = ls_stream_options_new (url);
  g_autofree char *method = NULL;
  g_autofree char *data = NULL;
  g_autofree const char **headers = NULL;

  g_variant_dict_lookup (options, "method", "s", &method);
  g_variant_dict_lookup (options, "data", "s", &data);
  g_variant_dict_lookup (options, "header", "^a&s", &headers);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (!ls_stream_options_add_header_line (request, headers[i], error))
      return NULL;

  if (data != NULL && data[0] == '@')
    {
      /* Relative to where the command was typed, not to the primary instance. */
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, data + 1);
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_load_contents (file, NULL, &contents, &length, NULL, error))
        return NULL;
      request->body = g_bytes_new_take (g_steal_pointer (&contents), length);
    }
  else if (data != NULL)
    request->body = g_bytes_new (data, strlen (data));

  g_free (request->method);
  request->method = g_strdup (method != NULL ? method : request->body != NULL ? "POST" : "GET");

  return g_steal_pointer (&request);
}

/* Every invocation, the first one and those forwarded from other
 * processes: the first opens the window, each later one a new window. */
static int
ls_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  LsApplication *self = LS_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autoptr(LsStreamOptions) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **rest = NULL;
  LsWindow *window;
  gboolean demo = g_variant_dict_contains (options, "demo");
  g_autoptr(LsReplay) replay = NULL;
  g_autofree char *replay_path = NULL;
  g_autofree char *speed_text = NULL;
  double speed = 1.0;
  const char *url = NULL;

  if (self->quitting)
    return 1;

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &rest);
  if (rest != NULL && rest[0] != NULL)
    {
      url = rest[0];
      if (rest[1] != NULL)
        {
          g_application_command_line_printerr (command_line, _("loopscope: one URL at most, got “%s” too\n"), rest[1]);
          return 1;
        }
    }

  g_variant_dict_lookup (options, "replay", "^ay", &replay_path);
  g_variant_dict_lookup (options, "speed", "s", &speed_text);
  if (speed_text != NULL && replay_path == NULL)
    {
      g_application_command_line_printerr (command_line, _("loopscope: --speed needs --replay\n"));
      return 1;
    }
  if (replay_path != NULL)
    {
      /* Relative to where the command was typed, not to the primary instance. */
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, replay_path);
      g_autofree char *path = g_file_get_path (file);

      if (url != NULL)
        {
          g_application_command_line_printerr (command_line,
                                               _("loopscope: --replay streams from the demo server, give no URL\n"));
          return 1;
        }
      if (speed_text != NULL && !ls_replay_parse_speed (speed_text, &speed, &error))
        {
          g_application_command_line_printerr (command_line, "loopscope: --speed: %s\n", error->message);
          return 1;
        }
      replay = path != NULL ? ls_replay_new_for_file (path, &error) : NULL;
      if (replay == NULL)
        {
          g_application_command_line_printerr (command_line, "loopscope: --replay: %s\n",
                                               error != NULL ? error->message : replay_path);
          return 1;
        }
      if (ls_replay_get_warning (replay) != NULL)
        g_application_command_line_printerr (command_line, "loopscope: %s\n", ls_replay_get_warning (replay));
      demo = TRUE;
    }

  if (url != NULL)
    {
      request = ls_application_parse_request (command_line, options, url, &error);
      if (request == NULL)
        {
          g_application_command_line_printerr (command_line, "loopscope: %s\n", error->message);
          return 1;
        }
    }
  else if (g_variant_dict_contains (options, "method") || g_variant_dict_contains (options, "header")
           || g_variant_dict_contains (options, "data"))
    {
      g_application_command_line_printerr (command_line, _("loopscope: -X, -H and -d need a URL\n"));
      return 1;
    }

  /* A window already up with nothing to do: the first invocation in
   * tests (ls_application_set_demo) or a second plain `loopscope`. */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL
      || g_application_command_line_get_is_remote (command_line)
      || request != NULL || demo)
    window = ls_application_new_window (self);
  else
    window = LS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self)));

  /* --demo /sse/llm: that path on the demo server, as in headless mode. */
  if (request != NULL && demo && request->url[0] == '/')
    ls_application_connect_demo_request (self, window, request, FALSE);
  else if (request != NULL)
    ls_window_load_request (window, request, TRUE);
  else if (replay != NULL)
    {
      ls_application_connect_replay (self, window, replay, speed);
    }
  else if (demo || (self->demo && !g_application_command_line_get_is_remote (command_line)))
    ls_window_use_demo (window);

  gtk_window_present (GTK_WINDOW (window));

  return 0;
}

static void
ls_application_window_removed (GtkApplication *app,
                               GtkWindow      *window)
{
  LsApplication *self = LS_APPLICATION (app);
  GList *windows = gtk_application_get_windows (app);
  gboolean last = windows != NULL && windows->next == NULL && windows->data == window;

  /* Stop (and hold) before the parent drops the window's own hold, so the
   * use count never touches zero while the worker is still running. */
  if (last)
    {
      self->quitting = TRUE;
      ls_application_stop_engine (self);
    }

  GTK_APPLICATION_CLASS (ls_application_parent_class)->window_removed (app, window);

  /* A busy window gone may leave all the others idle. */
  if (!self->quitting)
    ls_application_update_activity (self);
}

static void
ls_application_shutdown (GApplication *app)
{
  LsApplication *self = LS_APPLICATION (app);

  /* Normally the worker is CLOSED by now. If something called
   * g_application_quit() directly, the main loop has already ended with
   * the worker still running or stopping: stop it here and run the UI
   * context until it is CLOSED (joined), so that run() never returns with
   * a live worker thread. We are outside any dispatch, so this is not a
   * nested loop; the bridge refuses it otherwise. */
  self->quitting = TRUE;
  ls_application_stop_engine (self);
  if (self->bridge != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!ls_bridge_wait_closed (self->bridge, LS_BRIDGE_SHUTDOWN_WAIT_MS, &error))
        g_warning ("The worker did not close: %s", error->message);
      if (self->debug_quit)
        g_printerr ("loopscope: quit: %u live stream(s) when quitting began; worker %s%s\n",
                    self->live_at_quit,
                    ls_worker_state_to_string (ls_bridge_get_worker_state (self->bridge)),
                    ls_bridge_get_worker_state (self->bridge) == LS_WORKER_CLOSED
                      ? ", thread joined" : "");
    }
  g_clear_handle_id (&self->debug_live_id, g_source_remove);
  ls_application_release_engine_hold (self);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigusr1_id, g_source_remove);

  /* After the worker: its streams to the demo server are gone by now, so
   * the server's stop (which joins its own thread) has nothing to wait for. */
  g_cancellable_cancel (self->demo_cancellable);
  if (self->demo_server != NULL)
    ls_demo_server_stop (self->demo_server);
  g_list_free_full (g_steal_pointer (&self->demo_waiting), (GDestroyNotify) demo_waiting_free);

  if (self->ui_probe != NULL)
    ls_loop_probe_detach (self->ui_probe);

  if (self->css_provider != NULL)
    gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                   GTK_STYLE_PROVIDER (self->css_provider));

  self->shut_down = TRUE;
  G_APPLICATION_CLASS (ls_application_parent_class)->shutdown (app);
}

static void
ls_application_dispose (GObject *object)
{
  LsApplication *self = LS_APPLICATION (object);

  if (self->bridge != NULL && !self->engine_stopping)
    {
      self->engine_stopping = TRUE;
      ls_bridge_stop (self->bridge, NULL);
    }
  g_clear_object (&self->bridge);
  g_clear_object (&self->ui_probe);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);
  g_clear_object (&self->demo_server);
  g_clear_object (&self->demo_cancellable);
  g_clear_object (&self->css_provider);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigusr1_id, g_source_remove);
  g_clear_handle_id (&self->debug_live_id, g_source_remove);

  G_OBJECT_CLASS (ls_application_parent_class)->dispose (object);
}

static void
ls_application_finalize (GObject *object)
{
  LsApplication *self = LS_APPLICATION (object);

  g_clear_pointer (&self->engine_error, g_free);

  G_OBJECT_CLASS (ls_application_parent_class)->finalize (object);
}

static void
ls_application_class_init (LsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = ls_application_dispose;
  object_class->finalize = ls_application_finalize;

  app_class->handle_local_options = ls_application_handle_local_options;
  app_class->startup = ls_application_startup;
  app_class->activate = ls_application_activate;
  app_class->command_line = ls_application_command_line;
  app_class->shutdown = ls_application_shutdown;

  gtk_app_class->window_removed = ls_application_window_removed;

  /* Resources live in a static library: referencing them here keeps the
   * linker from dropping the object whose constructor registers them. */
  (void) ls_get_resource ();
}

static void
ls_application_init (LsApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Watch a streaming HTTP endpoint (SSE, NDJSON, chunked) and the event loops that carry it.\n"
                                              "With a URL, the window opens connected to it; a second invocation opens a\n"
                                              "new window in the running instance."));
  g_application_set_option_context_description (G_APPLICATION (self),
                                                _("Headless mode: loopscope --headless URL [OPTION…] streams without a window\n"
                                                  "and prints one JSON object per line; loopscope --headless --help lists its\n"
                                                  "options. man loopscope describes the window and the headless mode."));
  self->debug_quit = g_getenv ("LS_DEBUG_QUIT_REPORT") != NULL;
}

/**
 * ls_application_new:
 * @flags: e.g. %G_APPLICATION_NON_UNIQUE for tests
 */
LsApplication *
ls_application_new (GApplicationFlags flags)
{
  /* The command line is always ours (URL, -X, -H, -d), also when a
   * second instance forwards it. */
  return g_object_new (LS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags | G_APPLICATION_HANDLES_COMMAND_LINE,
                       NULL);
}

/**
 * ls_application_get_bridge:
 *
 * Returns: (transfer none) (nullable): the bridge, from startup on
 */
LsBridge *
ls_application_get_bridge (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->bridge;
}

/**
 * ls_application_update_activity:
 *
 * Called by a window whose busy state changed: both loop probes sample
 * at their full rate and record every sample while any window is busy
 * on screen, and sample once a second, recording only changes, while
 * all are idle (or out of sight).
 */
void
ls_application_update_activity (LsApplication *self)
{
  gboolean busy = FALSE;

  g_return_if_fail (LS_IS_APPLICATION (self));

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && !busy; l = l->next)
    busy = LS_IS_WINDOW (l->data) && ls_window_get_busy (l->data);

  if (self->ui_probe != NULL)
    ls_loop_probe_set_active (self->ui_probe, busy);
  if (self->bridge != NULL)
    ls_bridge_set_worker_probe_active (self->bridge, busy);
}

/**
 * ls_application_get_ui_probe:
 *
 * Returns: (transfer none) (nullable): the UI loop's probe, from startup on
 */
/**
 * ls_application_get_ui_loop_state:
 *
 * The UI loop's state as its owner, the application, knows it: not
 * started before startup, running until quitting begins, stopping while
 * the worker closes, closed once shut down.
 */
LsWorkerState
ls_application_get_ui_loop_state (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), LS_WORKER_CLOSED);

  if (self->shut_down)
    return LS_WORKER_CLOSED;
  if (self->quitting)
    return LS_WORKER_STOPPING;
  if (self->ui_probe == NULL)
    return LS_WORKER_NEW;
  return LS_WORKER_RUNNING;
}

LsLoopProbe *
ls_application_get_ui_probe (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->ui_probe;
}

/**
 * ls_application_get_recorder:
 *
 * Returns: (transfer none) (nullable): the recorder, from startup on
 */
LsRecorder *
ls_application_get_recorder (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->recorder;
}

/**
 * ls_application_get_settings:
 *
 * Returns: (transfer none) (nullable): the settings, or %NULL when the
 *   schema is not installed
 */
GSettings *
ls_application_get_settings (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * ls_application_get_engine_error:
 *
 * Returns: (nullable): why the worker could not start, if it could not
 */
const char *
ls_application_get_engine_error (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->engine_error;
}

gboolean
ls_application_get_demo (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), FALSE);

  return self->demo;
}

gboolean
ls_application_get_quitting (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), FALSE);

  return self->quitting;
}

/**
 * ls_application_request_quit:
 *
 * What "app.quit" does: closes every window (each saves its state) and
 * stops the worker. Returns at once; the application exits when the
 * worker has reported CLOSED.
 */
void
ls_application_request_quit (LsApplication *self)
{
  GList *windows;
  GList *l;

  g_return_if_fail (LS_IS_APPLICATION (self));

  if (self->quitting && self->engine_stopping)
    return;

  self->quitting = TRUE;
  ls_application_stop_engine (self);

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  g_list_foreach (windows, (GFunc) g_object_ref, NULL);
  for (l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);
}

/**
 * ls_application_get_demo_server:
 *
 * Returns: (transfer none) (nullable): the demo server, with --demo
 */
LsDemoServer *
ls_application_get_demo_server (LsApplication *self)
{
  g_return_val_if_fail (LS_IS_APPLICATION (self), NULL);

  return self->demo_server;
}

/* For tests: as if --demo had been given. */
void
ls_application_set_demo (LsApplication *self,
                         gboolean       demo)
{
  g_return_if_fail (LS_IS_APPLICATION (self));

  self->demo = !!demo;
}
