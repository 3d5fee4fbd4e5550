/* fs_host_audio: see fs_host_audio.h. */
#include "fs_host_audio.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* libsndfile's messages may end with a full stop or a newline; our error
 * lines must stay one line. */
static void copy_sf_error(char *err, size_t err_size, const char *what,
                          const char *path, SNDFILE *file) {
  snprintf(err, err_size, "%s '%s': %s", what, path, sf_strerror(file));
  for (char *c = err; *c; c++)
    if (*c == '\n' || *c == '\r') *c = ' ';
  size_t len = strlen(err);
  while (len > 0 && (err[len - 1] == ' ' || err[len - 1] == '.'))
    err[--len] = '\0';
}

int fs_audio_open_read(fs_audio_file *audio, const char *path, char *err,
                       size_t err_size) {
  memset(audio, 0, sizeof *audio);
  audio->path = path;
  audio->file = sf_open(path, SFM_READ, &audio->info);
  if (!audio->file) {
    copy_sf_error(err, err_size, "cannot read input", path, NULL);
    return -1;
  }
  if (audio->info.channels < 1 || audio->info.samplerate < 1) {
    snprintf(err, err_size, "input '%s' has no usable audio", path);
    fs_audio_close(audio);
    return -1;
  }
  return 0;
}

static const struct {
  const char *extension;
  int major;
} extension_formats[] = {
  {"wav", SF_FORMAT_WAV},   {"wave", SF_FORMAT_WAV}, {"flac", SF_FORMAT_FLAC},
  {"aif", SF_FORMAT_AIFF},  {"aiff", SF_FORMAT_AIFF}, {"au", SF_FORMAT_AU},
  {"snd", SF_FORMAT_AU},    {"caf", SF_FORMAT_CAF},  {"w64", SF_FORMAT_W64},
  {"rf64", SF_FORMAT_RF64}, {"ogg", SF_FORMAT_OGG},  {"oga", SF_FORMAT_OGG},
};

static int major_for_path(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && slash > dot)) return 0;
  for (size_t i = 0; i < sizeof extension_formats / sizeof *extension_formats;
       i++)
    if (strcasecmp(dot + 1, extension_formats[i].extension) == 0)
      return extension_formats[i].major;
  return 0;
}

/* The input's format, moved into the container the output name asks for.
 * The input's encoding is kept when the new container can hold it;
 * otherwise the first encoding it accepts from a short list, best first. */
static int output_format(const char *path, const SF_INFO *input, int channels) {
  int major = major_for_path(path);
  int in_major = input->format & SF_FORMAT_TYPEMASK;
  if (!major || major == in_major) return input->format;
  static const int fallback_subtypes[] = {
    SF_FORMAT_FLOAT, SF_FORMAT_PCM_24, SF_FORMAT_PCM_16, SF_FORMAT_VORBIS,
  };
  SF_INFO probe = {.samplerate = input->samplerate, .channels = channels};
  probe.format = major | (input->format & SF_FORMAT_SUBMASK);
  if (sf_format_check(&probe)) return probe.format;
  for (size_t i = 0; i < sizeof fallback_subtypes / sizeof *fallback_subtypes;
       i++) {
    probe.format = major | fallback_subtypes[i];
    if (sf_format_check(&probe)) return probe.format;
  }
  return input->format;
}

int fs_audio_open_write(fs_audio_file *audio, const char *path,
                        const SF_INFO *input, int channels, char *err,
                        size_t err_size) {
  memset(audio, 0, sizeof *audio);
  audio->path = path;
  audio->info.samplerate = input->samplerate;
  audio->info.channels = channels;
  audio->info.format = output_format(path, input, channels);
  if (!sf_format_check(&audio->info)) {
    snprintf(err, err_size, "cannot write output '%s': no %d-channel %d Hz "
             "format for it", path, channels, input->samplerate);
    return -1;
  }
  audio->file = sf_open(path, SFM_WRITE, &audio->info);
  if (!audio->file) {
    copy_sf_error(err, err_size, "cannot write output", path, NULL);
    return -1;
  }
  /* Float WAV/AIFF files get a PEAK chunk with a timestamp in it; without
   * it, the same audio always makes the same bytes, which the tests and
   * anyone diffing renders rely on. */
  sf_command(audio->file, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
  /* Integer files: saturate overs, as a DAW's export does, instead of
   * letting them wrap around. */
  sf_command(audio->file, SFC_SET_CLIPPING, NULL, SF_TRUE);
  return 0;
}

size_t fs_audio_read(fs_audio_file *audio, float *interleaved, size_t frames) {
  sf_count_t got = sf_readf_float(audio->file, interleaved, (sf_count_t)frames);
  return got > 0 ? (size_t)got : 0;
}

int fs_audio_write(fs_audio_file *audio, const float *interleaved,
                   size_t frames, char *err, size_t err_size) {
  sf_count_t put = sf_writef_float(audio->file, interleaved, (sf_count_t)frames);
  if (put != (sf_count_t)frames) {
    copy_sf_error(err, err_size, "cannot write output", audio->path,
                  audio->file);
    return -1;
  }
  return 0;
}

void fs_audio_close(fs_audio_file *audio) {
  if (audio->file) sf_close(audio->file);
  audio->file = NULL;
}

void fs_audio_discard(fs_audio_file *audio) {
  if (!audio->file) return;
  fs_audio_close(audio);
  unlink(audio->path);
}

const char *fs_audio_describe_major(int format) {
  SF_FORMAT_INFO info = {.format = format & SF_FORMAT_TYPEMASK};
  if (sf_command(NULL, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0)
    return info.name;
  return "unknown format";
}
