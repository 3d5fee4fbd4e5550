/*
  fs_learned_contract: the version of docs/LEARNED.md (bands, features,
  network) the C side implements.  The feature code and the weights both
  name it, and the model refuses weights exported for another version.
  Header-only; any thread.
*/
#ifndef FS_LEARNED_CONTRACT_H
#define FS_LEARNED_CONTRACT_H

#define FS_LEARNED_CONTRACT_VERSION 1u

#endif
