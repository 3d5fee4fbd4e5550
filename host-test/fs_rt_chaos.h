/* fs_rt_chaos: the fault schedule of a run, "MODE@START-END,...".
 *
 * Times are stream times, in seconds ("2", "2s", "2.5s") or milliseconds
 * ("500ms"); they are turned into frames once, so the audio thread only
 * compares integers and a window starts on the very sample it names. */
#ifndef FS_RT_CHAOS_H
#define FS_RT_CHAOS_H

#include <stdint.h>

#define FS_RT_MAX_WINDOWS 4096u

typedef struct {
  int mode;       /* value written to the chaos port inside the window */
  uint64_t start; /* first frame inside, inclusive */
  uint64_t end;   /* first frame after, exclusive */
} fs_rt_window;

typedef struct {
  fs_rt_window windows[FS_RT_MAX_WINDOWS]; /* sorted by start, disjoint */
  uint32_t count;
} fs_rt_schedule;

/* Parses text (may be NULL or empty: no faults).  Prints one line and
 * returns -1 on a malformed, overlapping or out-of-range entry. */
int fs_rt_schedule_parse(fs_rt_schedule *s, const char *text, double rate);

/* Chaos value in force at frame (0 outside every window). */
int fs_rt_schedule_mode_at(const fs_rt_schedule *s, uint64_t frame);

/* First frame after `frame` where the value changes, or UINT64_MAX. */
uint64_t fs_rt_schedule_next_edge(const fs_rt_schedule *s, uint64_t frame);

#endif
