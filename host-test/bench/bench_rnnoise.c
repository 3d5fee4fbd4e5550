/*
  bench_rnnoise: see bench_rnnoise.h.
*/
#define _POSIX_C_SOURCE 200809L
#include "bench_rnnoise.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int readable(const char *path) { return access(path, R_OK) == 0; }

/* Whether `node` is on PATH: checked up front, so a missing Node is one
   clear line rather than a failed run per file. */
static int node_on_path(void) {
  const char *path = getenv("PATH");
  if (!path) {
    return 0;
  }
  char dir[1024];
  while (*path) {
    const char *end = strchr(path, ':');
    const size_t len = end ? (size_t)(end - path) : strlen(path);
    if (len > 0 && len < sizeof(dir) - 8) {
      snprintf(dir, sizeof(dir), "%.*s/node", (int)len, path);
      if (access(dir, X_OK) == 0) {
        return 1;
      }
    }
    path += len + (end ? 1 : 0);
  }
  return 0;
}

void bench_rnnoise_default_dir(char *dir, size_t size) {
  const char *env = getenv("RNN_WASM_DIR");
  const char *home = getenv("HOME");
  if (env && env[0]) {
    snprintf(dir, size, "%s", env);
  } else {
    snprintf(dir, size, "%s/rnnoise-peer", home ? home : ".");
  }
}

static void unavailable(bench_rnnoise *r, const char *why) {
  r->available = 0;
  snprintf(r->why, sizeof(r->why), "%s", why);
}

void bench_rnnoise_init(bench_rnnoise *r, const char *model, const char *script, const char *package_dir) {
  memset(r, 0, sizeof(*r));
  r->model = model;
  r->delay = strcmp(model, "0.1") == 0 ? 480u : 960u;
  snprintf(r->script, sizeof(r->script), "%s", script);
  snprintf(r->package_dir, sizeof(r->package_dir), "%s", package_dir);
  char dist[1200], file[1300];
  snprintf(dist, sizeof(dist), "%s/node_modules/@jitsi/rnnoise-wasm/dist", package_dir);
  /* The files the script loads for each model (see rnnoise-wasm.js). */
  const int have_package = strcmp(model, "0.1") == 0
                               ? (snprintf(file, sizeof(file), "%s/rnnoise.wasm", dist), readable(file))
                               : (snprintf(file, sizeof(file), "%s/rnnoise-sync.js", dist), readable(file));
  if (!node_on_path()) {
    unavailable(r, "node is not on PATH");
  } else if (!readable(script)) {
    unavailable(r, "no script (--rnnoise-script)");
  } else if (!have_package) {
    unavailable(r, "no @jitsi/rnnoise-wasm package (RNN_WASM_DIR or --rnnoise-dir)");
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(r->work_dir, sizeof(r->work_dir), "%s/failsafe-bench-rnnoise-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(r->work_dir)) {
      r->work_dir[0] = 0;
      unavailable(r, "cannot make a temporary folder");
    } else {
      r->available = 1;
    }
  }
}

static int write_float_wav(const char *path, const float *x, size_t n, double rate) {
  SF_INFO info = {.samplerate = (int)rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
  SNDFILE *file = sf_open(path, SFM_WRITE, &info);
  if (!file) {
    return -1;
  }
  const sf_count_t wrote = sf_writef_float(file, x, (sf_count_t)n);
  sf_close(file);
  return wrote == (sf_count_t)n ? 0 : -1;
}

/* The output, n samples (zero-padded if the file is short), or NULL. */
static float *read_wav(const char *path, size_t n) {
  SF_INFO info;
  memset(&info, 0, sizeof(info));
  SNDFILE *file = sf_open(path, SFM_READ, &info);
  if (!file || info.channels != 1) {
    if (file) {
      sf_close(file);
    }
    return NULL;
  }
  float *y = calloc(n, sizeof(float));
  const sf_count_t want = info.frames < (sf_count_t)n ? info.frames : (sf_count_t)n;
  const sf_count_t got = sf_readf_float(file, y, want);
  sf_close(file);
  if (got != want) {
    free(y);
    return NULL;
  }
  return y;
}

/* Runs the script; returns its exit status (-1 when it could not start)
   and its ns_per_sample through *ns.  Its stderr goes to err_path. */
static int run_script(const bench_rnnoise *r, const char *in, const char *out, const char *err_path, double *ns) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    const int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(pipe_fds[1], STDOUT_FILENO);
    if (err >= 0) {
      dup2(err, STDERR_FILENO);
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    setenv("RNN_MODEL", r->model, 1);
    setenv("RNN_WASM_DIR", r->package_dir, 1);
    execlp("node", "node", r->script, in, out, (char *)NULL);
    _exit(127);
  }
  close(pipe_fds[1]);
  char text[512];
  size_t have = 0;
  ssize_t got;
  while ((got = read(pipe_fds[0], text + have, sizeof(text) - 1 - have)) > 0 ||
         (got < 0 && errno == EINTR)) {
    have += got > 0 ? (size_t)got : 0;
    if (have == sizeof(text) - 1) {
      have = 0; /* one short line is expected; keep reading to the end */
    }
  }
  text[have] = 0;
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const char *at = strstr(text, "ns_per_sample=");
  *ns = at ? strtod(at + strlen("ns_per_sample="), NULL) : 0.0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

float *bench_rnnoise_run(bench_rnnoise *r, const float *in, size_t n, double rate) {
  if (!r->available) {
    return NULL;
  }
  if (rate != 48000.0) {
    unavailable(r, "RNNoise runs at 48 kHz only");
    return NULL;
  }
  char in_path[300], out_path[300], err_path[300];
  snprintf(in_path, sizeof(in_path), "%s/in.wav", r->work_dir);
  snprintf(out_path, sizeof(out_path), "%s/out.wav", r->work_dir);
  snprintf(err_path, sizeof(err_path), "%s/stderr.txt", r->work_dir);
  if (write_float_wav(in_path, in, n, rate) != 0) {
    unavailable(r, "cannot write its input WAV");
    return NULL;
  }
  unlink(out_path);
  double ns = 0.0;
  const int status = run_script(r, in_path, out_path, err_path, &ns);
  float *out = status == 0 ? read_wav(out_path, n) : NULL;
  if (!out) {
    /* Node's stderr says why (the folder goes at the end): its first
       line naming an error, else its first line. */
    char first[160] = "", line[160];
    FILE *err = fopen(err_path, "r");
    while (err && fgets(line, sizeof(line), err)) {
      line[strcspn(line, "\n")] = 0;
      if (!first[0] || strstr(line, "Error:")) {
        snprintf(first, sizeof(first), "%s", line);
      }
      if (strstr(line, "Error:")) {
        break;
      }
    }
    if (err) {
      fclose(err);
    }
    char why[sizeof(r->why)];
    snprintf(why, sizeof(why), "node failed (exit %d): %s", status, first[0] ? first : "no message");
    unavailable(r, why);
    return NULL;
  }
  r->ns_per_sample += (ns - r->ns_per_sample) / (double)(++r->runs);
  return out;
}

void bench_rnnoise_free(bench_rnnoise *r) {
  if (!r->work_dir[0]) {
    return;
  }
  const char *names[] = {"in.wav", "out.wav", "stderr.txt"};
  char path[300];
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
    snprintf(path, sizeof(path), "%s/%s", r->work_dir, names[i]);
    unlink(path);
  }
  rmdir(r->work_dir);
  r->work_dir[0] = 0;
}
