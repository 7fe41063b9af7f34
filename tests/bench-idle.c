/* bench-idle.c: what the app costs with a window open and nothing streaming
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real binary (LS_BUILD_DIR/src/loopscope, no URL) under the
 * display it is given (Xvfb, GSK_RENDERER=cairo), lets it settle, then
 * measures over BENCH_IDLE_SECONDS (default 10):
 *  - CPU, % of one core: utime + stime of all its threads (/proc/PID/stat);
 *  - UI wake-ups per second: voluntary context switches of the main thread
 *    (/proc/PID/task/PID/status), and of the whole process;
 *  - records per second written to the task recorder (the app prints its
 *    count on SIGUSR1 under LS_DEBUG_QUIT_REPORT).
 * Prints the figures and the targets (≤ 1 % CPU, ≤ 10 wake-ups/s); asserts
 * nothing about them.
 */
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETTLE_SECONDS 2

typedef struct
{
  guint64 cpu_ticks;          /* utime + stime, all threads */
  guint64 ui_switches;        /* voluntary, main thread */
  guint64 process_switches;   /* voluntary, all threads */
} Sample;

static guint64
read_voluntary_switches (const char *status_path)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (status_path, &text, NULL, NULL))
    return 0;
  line = strstr (text, "\nvoluntary_ctxt_switches:");
  return line != NULL ? g_ascii_strtoull (line + strlen ("\nvoluntary_ctxt_switches:"), NULL, 10) : 0;
}

static Sample
take_sample (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autofree char *main_status = g_strdup_printf ("/proc/%d/task/%d/status", pid, pid);
  g_autofree char *stat = NULL;
  g_autoptr(GDir) dir = NULL;
  Sample sample = { 0 };
  const char *name;
  char **fields;

  /* Fields 14 and 15 (utime, stime) come after the ")" that ends the name. */
  if (g_file_get_contents (stat_path, &stat, NULL, NULL) && strrchr (stat, ')') != NULL)
    {
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
      if (g_strv_length (fields) > 12)
        sample.cpu_ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
      g_strfreev (fields);
    }

  sample.ui_switches = read_voluntary_switches (main_status);
  dir = g_dir_open (task_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *status = g_build_filename (task_dir, name, "status", NULL);

      sample.process_switches += read_voluntary_switches (status);
    }

  return sample;
}

/* The count the app printed last ("loopscope: records: N"), or -1. */
static gint64
last_record_count (GString *err)
{
  const char *marker = "loopscope: records: ";
  const char *at = NULL;

  for (const char *p = strstr (err->str, marker); p != NULL; p = strstr (p + 1, marker))
    at = p;
  return at != NULL ? (gint64) g_ascii_strtoull (at + strlen (marker), NULL, 10) : -1;
}

static void
drain (int      fd,
       GString *into)
{
  char buf[4096];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (into, buf, n);
}

/* Asks for the record count and waits (bounded) until it is printed. */
static gint64
query_records (GPid     pid,
               int      err_fd,
               GString *err)
{
  gsize before = err->len;

  kill (pid, SIGUSR1);
  for (guint i = 0; i < 200; i++)
    {
      drain (err_fd, err);
      if (err->len > before && strstr (err->str + before, "loopscope: records: ") != NULL
          && strchr (strstr (err->str + before, "loopscope: records: "), '\n') != NULL)
        return last_record_count (err);
      g_usleep (10 * 1000);
    }
  return -1;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *binary = g_build_filename (g_getenv ("LS_BUILD_DIR"), "src", "loopscope", NULL);
  const char *spawn_argv[] = { binary, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) err = g_string_new (NULL);
  const char *seconds_env = g_getenv ("BENCH_IDLE_SECONDS");
  guint seconds = seconds_env != NULL ? (guint) atoi (seconds_env) : 10;
  long ticks_per_s = sysconf (_SC_CLK_TCK);
  Sample start, end;
  gint64 records_start, records_end, t0, t1;
  double elapsed_s;
  GPid pid;
  int err_fd;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("bench-idle: no display (run under xvfb-run): skipped\n");
      return 77;
    }
  if (seconds == 0)
    seconds = 10;

  envp = g_environ_setenv (envp, "LS_DEBUG_QUIT_REPORT", "1", TRUE);
  if (!g_spawn_async_with_pipes (NULL, (char **) spawn_argv, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                                 NULL, NULL, &pid, NULL, NULL, &err_fd, &error))
    g_error ("cannot run %s: %s", binary, error->message);
  g_unix_set_fd_nonblocking (err_fd, TRUE, NULL);

  /* Startup (window mapped, first frames, worker up) is not idling. */
  g_usleep (SETTLE_SECONDS * G_USEC_PER_SEC);

  records_start = query_records (pid, err_fd, err);
  start = take_sample (pid);
  t0 = g_get_monotonic_time ();
  g_usleep ((gulong) seconds * G_USEC_PER_SEC);
  end = take_sample (pid);
  t1 = g_get_monotonic_time ();
  records_end = query_records (pid, err_fd, err);

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);

  elapsed_s = (t1 - t0) / (double) G_USEC_PER_SEC;
  g_print ("bench-idle: %u s, a window open, no stream (renderer %s)\n", seconds,
           g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default");
  g_print ("  CPU                  %6.2f %% of one core   (target <= 1 %%)\n",
           100.0 * (end.cpu_ticks - start.cpu_ticks) / ticks_per_s / elapsed_s);
  g_print ("  UI thread wake-ups   %6.1f /s               (target <= 10 /s)\n",
           (end.ui_switches - start.ui_switches) / elapsed_s);
  g_print ("  process wake-ups     %6.1f /s (all threads)\n",
           (end.process_switches - start.process_switches) / elapsed_s);
  if (records_start >= 0 && records_end >= 0)
    g_print ("  records written      %6.1f /s (%" G_GINT64_FORMAT " in all)\n",
             (records_end - records_start) / elapsed_s, records_end - records_start);
  else
    g_print ("  records written      ? (the app did not answer SIGUSR1)\n");

  close (err_fd);
  return 0;
}
