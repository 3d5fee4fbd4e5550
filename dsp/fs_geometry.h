/*
  fs_geometry: the one place that decides frame, hop and latency.

  Everything in failsafe runs on an internal fixed hop, so output never
  depends on how the host cuts its blocks.  The frame is 512 samples at
  48 kHz and scales by powers of two with the sample rate, which keeps the
  latency near 10.7 ms at any rate and the FFT size a power of two.  The
  enhancer analyses a longer window (FS_ANALYSIS_HOPS hops) for finer
  frequency resolution, but synthesises only the frame: see fs_stft.h.

  Two latencies matter:
  - hop_latency: how late a tier's hop output is against its hop input
    (frame - hop).  Every tier (full, light, bypass) has exactly this one,
    so switching between them never shifts time.
  - latency: what the plugin reports.  The hop framer adds hop - 1 samples
    on top, because a hop can only be processed once its last sample is in.
*/
#ifndef FS_GEOMETRY_H
#define FS_GEOMETRY_H

#include <stdint.h>

#define FS_MIN_SAMPLE_RATE 22050.0
#define FS_MAX_SAMPLE_RATE 192000.0

typedef struct {
  double   sample_rate; /* clamped to [FS_MIN_SAMPLE_RATE, FS_MAX_SAMPLE_RATE] */
  uint32_t frame;       /* synthesis frame (two hops): sets the latency */
  uint32_t analysis;    /* analysis window and FFT size: hop * FS_ANALYSIS_HOPS */
  uint32_t hop;         /* frame / FS_HOPS_PER_FRAME */
  uint32_t hop_latency; /* frame - hop: tier output delay on the hop grid */
  uint32_t latency;     /* hop_latency + hop - 1: what the plugin reports */
} fs_geometry;

/* Geometry for a sample rate.  Any rate is accepted; it is clamped to the
   supported range first.  Pure function, any thread. */
fs_geometry fs_geometry_for_rate(double sample_rate);

#endif
