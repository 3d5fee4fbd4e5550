/* fs_host_audio: sound file input and output through libsndfile.
 *
 * Samples travel as interleaved floats; libsndfile converts from and to the
 * file's own encoding.  The output keeps the input's format unless the
 * output name's extension asks for another container. */
#ifndef FS_HOST_AUDIO_H
#define FS_HOST_AUDIO_H

#include <sndfile.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct fs_audio_file {
  SNDFILE *file;
  SF_INFO info;
  const char *path; /* borrowed from the caller */
} fs_audio_file;

/* Each returns 0, or -1 with a one-line reason in err. */
int fs_audio_open_read(fs_audio_file *audio, const char *path, char *err,
                       size_t err_size);
int fs_audio_open_write(fs_audio_file *audio, const char *path,
                        const SF_INFO *input, int channels, char *err,
                        size_t err_size);

/* Reads up to frames interleaved frames; returns the count read. */
size_t fs_audio_read(fs_audio_file *audio, float *interleaved, size_t frames);
int fs_audio_write(fs_audio_file *audio, const float *interleaved,
                   size_t frames, char *err, size_t err_size);

void fs_audio_close(fs_audio_file *audio);
/* Closes and deletes an output that must not be left half written. */
void fs_audio_discard(fs_audio_file *audio);

/* "WAV float", "FLAC 24 bit"...: for the summary. */
const char *fs_audio_describe_major(int format);

#endif
