/* fs_host_summary: what `process` says about a finished run, as text on
 * stdout or as one line of JSON.  Main thread, after the last block. */
#ifndef FS_HOST_SUMMARY_H
#define FS_HOST_SUMMARY_H

#include "fs_host_setup.h"

#include <stdio.h>

void fs_summary_print(fs_run *run);
void fs_summary_write_json(fs_run *run, FILE *out);

#endif
