"""The learned tier's network, as docs/LEARNED.md (contract version 2) defines it.

    x (106) -> dense 106->48, tanh -> GRU 48->48 -> GRU 48->48
            -> concat(gru1 out, gru2 out) (96) -> dense 96->26, sigmoid -> g (26)

g / 0.5 is each band's correction of the classical gains (0..2, 1 leaves
them as they are; docs/LEARNED.md "Output").

The C side (dsp/fs_learned_model.c, dsp/fs_gru.c) runs the same network one
hop at a time from the weights that dsp/train/export.py writes out of this
module's state_dict, so the names of the layers below are part of the
contract: export.py reads them by name.  Change this file, the C side and
the contract's version together.
"""

import torch

CONTRACT_VERSION = 2
FEATURES = 106  # 4 * 26 + 2, docs/LEARNED.md "Features"
BANDS = 26  # FS_BANDS
HIDDEN = 48  # units of dense_in and of each GRU


class FsNet(torch.nn.Module):
    """Per-hop band gains from per-hop features.

    forward(x, state=None):
        x: float32 [batch, time, FEATURES]
        state: None (zero state, as after a reset in C) or (h1, h2), each
            [1, batch, HIDDEN], as returned by an earlier call.
        returns (outputs [batch, time, BANDS] in [0, 1], (h1, h2)).
    """

    def __init__(self):
        super().__init__()
        self.dense_in = torch.nn.Linear(FEATURES, HIDDEN)
        self.gru1 = torch.nn.GRU(HIDDEN, HIDDEN, batch_first=True)
        self.gru2 = torch.nn.GRU(HIDDEN, HIDDEN, batch_first=True)
        self.dense_out = torch.nn.Linear(2 * HIDDEN, BANDS)
        # Start as the classical gains: outputs near 0.5, corrections near 1.
        with torch.no_grad():
            self.dense_out.weight.mul_(0.1)
            self.dense_out.bias.zero_()

    def forward(self, x, state=None):
        h1, h2 = (None, None) if state is None else state
        hidden = torch.tanh(self.dense_in(x))
        out1, h1 = self.gru1(hidden, h1)
        out2, h2 = self.gru2(out1, h2)
        gains = torch.sigmoid(self.dense_out(torch.cat((out1, out2), dim=-1)))
        return gains, (h1, h2)
