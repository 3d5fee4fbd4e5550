/*
  fs_learned_contract: the version of docs/LEARNED.md (bands, features,
  network) the C side implements.  The feature code and the weights both
  name it, and the model refuses weights exported for another version.
  Header-only; any thread.
*/
#ifndef FS_LEARNED_CONTRACT_H
#define FS_LEARNED_CONTRACT_H

#define FS_LEARNED_CONTRACT_VERSION 2u

/* The network's outputs (0..1) times this are its band corrections of
   the classical gains (docs/LEARNED.md, "Output"): 1 leaves a classical
   gain as it is, so an output of 0.5 is no correction. */
#define FS_LEARNED_CORRECTION_MAX 2.0f

#endif
