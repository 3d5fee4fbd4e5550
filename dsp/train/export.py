#!/usr/bin/python3
"""Write an FsNet's weights out as C for dsp/fs_learned_model.c.

    export.py CHECKPOINT.pt OUT.c      a checkpoint saved by training
    export.py --untrained SEED OUT.c   a freshly initialised FsNet

A checkpoint is torch.save({'model': state_dict, 'meta': {...}}, path);
a plain state_dict is accepted too (its metadata then says so).  In the
tree, OUT.c is dsp/fs_learned_weights.c; dsp/fs_learned_weights.h is
fixed and declares what it defines.

The C file holds every tensor as a `static const float` array, row-major
as PyTorch stores it, each value printed with %.9g so that it reads back
as the same float32 (checked before writing), plus compile-time checks
that every array has the contract's size, and one
`const fs_learned_weights fs_learned_weights_shipped`.  Its header comment
records the metadata dict (data recipe, seed, script version, validation
scores, contract version: whatever training passes) and a SHA-256 of the
weights, so a reader knows where they came from.

From Python: export(model, path_c, path_h=None, meta={...}).
"""

import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as fsmodel  # noqa: E402

EXPORTER_VERSION = 1
HEADER_IN_TREE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fs_learned_weights.h")

# The tensors, in the order of fs_learned_weights, with the contract's
# shape of each (rows, columns) or (length,) as C macro expressions.
H, I, B = "FS_LEARNED_MODEL_HIDDEN", "FS_LEARNED_MODEL_INPUTS", "FS_LEARNED_MODEL_BANDS"
TENSORS = [
    ("dense_in.weight", (fsmodel.HIDDEN, fsmodel.FEATURES), f"{H} * {I}"),
    ("dense_in.bias", (fsmodel.HIDDEN,), H),
    ("gru1.weight_ih_l0", (3 * fsmodel.HIDDEN, fsmodel.HIDDEN), f"3 * {H} * {H}"),
    ("gru1.weight_hh_l0", (3 * fsmodel.HIDDEN, fsmodel.HIDDEN), f"3 * {H} * {H}"),
    ("gru1.bias_ih_l0", (3 * fsmodel.HIDDEN,), f"3 * {H}"),
    ("gru1.bias_hh_l0", (3 * fsmodel.HIDDEN,), f"3 * {H}"),
    ("gru2.weight_ih_l0", (3 * fsmodel.HIDDEN, fsmodel.HIDDEN), f"3 * {H} * {H}"),
    ("gru2.weight_hh_l0", (3 * fsmodel.HIDDEN, fsmodel.HIDDEN), f"3 * {H} * {H}"),
    ("gru2.bias_ih_l0", (3 * fsmodel.HIDDEN,), f"3 * {H}"),
    ("gru2.bias_hh_l0", (3 * fsmodel.HIDDEN,), f"3 * {H}"),
    ("dense_out.weight", (fsmodel.BANDS, 2 * fsmodel.HIDDEN), f"{B} * 2 * {H}"),
    ("dense_out.bias", (fsmodel.BANDS,), B),
]


def c_name(prefix, tensor):
    """'gru1.weight_ih_l0' -> prefix + 'gru1_weight_ih'."""
    return prefix + tensor.replace(".", "_").replace("_l0", "")


def float_literal(value):
    """A C float literal that reads back as exactly this float32."""
    value = np.float32(value)
    if not np.isfinite(value):
        raise ValueError(f"weight {value} is not finite")
    text = "%.9g" % float(value)
    if np.float32(text).tobytes() != value.tobytes():
        raise AssertionError(f"{text} does not read back as {value!r}")
    if not any(ch in text for ch in ".e"):
        text += ".0"
    return text + "f"


def weights_of(state_dict):
    """The contract's tensors as float32 numpy arrays, shapes checked."""
    if state_dict and all(key.startswith("module.") for key in state_dict):
        # Saved from a torch.nn.DataParallel wrapper.
        state_dict = {key[len("module."):]: value for key, value in state_dict.items()}
    arrays = {}
    for name, shape, _ in TENSORS:
        if name not in state_dict:
            raise KeyError(f"state_dict has no {name}: not an FsNet of contract version {fsmodel.CONTRACT_VERSION}")
        array = state_dict[name].detach().cpu().to(torch.float32).numpy()
        if tuple(array.shape) != shape:
            raise ValueError(f"{name} has shape {tuple(array.shape)}, the contract says {shape}")
        arrays[name] = np.ascontiguousarray(array)
    extra = set(state_dict) - {name for name, _, _ in TENSORS}
    if extra:
        raise KeyError(f"state_dict has tensors the contract does not know: {sorted(extra)}")
    return arrays


def weights_digest(arrays):
    """SHA-256 of the tensors' float32 bytes in TENSORS order."""
    digest = hashlib.sha256()
    for name, _, _ in TENSORS:
        digest.update(arrays[name].astype("<f4").tobytes())
    return digest.hexdigest()


def comment_safe(text):
    """Text that can neither end the C comment it is put in nor open
    another inside it (-Wcomment)."""
    return text.replace("*/", "* /").replace("/*", "/ *")


def meta_lines(meta):
    """The metadata dict, one 'key: value' line each, values as JSON."""
    lines = []
    for key, value in meta.items():
        lines.append(f"  {' '.join(str(key).split())}: {json.dumps(value, sort_keys=True, default=str)}")
    return [comment_safe(line) for line in lines]


def weights_source(arrays, prefix, instance):
    """The arrays, their size checks and the struct instance, as C lines.

    prefix: put before every array name; instance: the declaration of the
    fs_learned_weights that points at them, e.g.
    'const fs_learned_weights fs_learned_weights_shipped'."""
    out = []
    for name, shape, size_expr in TENSORS:
        array = arrays[name]
        out.append(f"/* {name}: {' x '.join(str(n) for n in shape)}, row-major */")
        out.append(f"static const float {c_name(prefix, name)}[] = {{")
        columns = shape[-1]
        rows = array.reshape(-1, columns)
        for row in rows:
            # Eight values a line keeps the file readable in any editor.
            for start in range(0, columns, 8):
                out.append("    " + ", ".join(float_literal(v) for v in row[start:start + 8]) + ",")
        out.append("};")
        out.append(
            f"static_assert(sizeof({c_name(prefix, name)}) == sizeof(float) * {size_expr}, "
            f'"{name}: the contract\'s shape");'
        )
        out.append("")
    p = prefix
    out.append(f"{instance} = {{")
    out.append(f"    .contract_version = {fsmodel.CONTRACT_VERSION}u,")
    out.append(f"    .dense_in = {{{p}dense_in_weight, {p}dense_in_bias, {I}, {H}}},")
    for gru in ("gru1", "gru2"):
        out.append(
            f"    .{gru} = {{{p}{gru}_weight_ih, {p}{gru}_weight_hh, {p}{gru}_bias_ih, {p}{gru}_bias_hh, {H}, {H}}},"
        )
    out.append(f"    .dense_out = {{{p}dense_out_weight, {p}dense_out_bias, 2 * {H}, {B}}},")
    out.append("};")
    out.append(
        f"static_assert(FS_LEARNED_CONTRACT_VERSION == {fsmodel.CONTRACT_VERSION}u, "
        f'"these weights are for contract version {fsmodel.CONTRACT_VERSION}");'
    )
    return out


def full_meta(meta, arrays):
    """meta with the contract version and the exporter's own entries."""
    meta = dict(meta)
    version = meta.setdefault("contract_version", fsmodel.CONTRACT_VERSION)
    if version != fsmodel.CONTRACT_VERSION:
        raise ValueError(f"meta says contract version {version}, model.py is {fsmodel.CONTRACT_VERSION}")
    meta["exporter_version"] = EXPORTER_VERSION
    meta["weights_sha256"] = weights_digest(arrays)
    return meta


def export(model, path_c, path_h=None, meta=None):
    """Write model's weights (an FsNet or its state_dict) to path_c.

    meta: a dict saying where the weights came from (data recipe, seed,
    script version, validation scores...), recorded in the file's header
    comment; required.  path_h: where to put a copy of the fixed
    declarations (dsp/fs_learned_weights.h), for building the weights
    outside the tree; None in the tree, where the header is already there.
    Returns the metadata as written."""
    if meta is None or not isinstance(meta, dict):
        raise TypeError("export() needs meta, a dict saying where the weights came from")
    state_dict = model.state_dict() if isinstance(model, torch.nn.Module) else model
    arrays = weights_of(state_dict)
    meta = full_meta(meta, arrays)
    lines = [
        "/* fs_learned_weights.c: the learned tier's network weights (docs/LEARNED.md).",
        "",
        "   generated by dsp/train/export.py; do not edit.",
        "",
        "   Where they came from:",
    ]
    lines += ["  " + line for line in meta_lines(meta)]
    lines += ["*/", '#include "fs_learned_weights.h"', "", "#include <assert.h>", ""]
    lines += weights_source(arrays, "", "const fs_learned_weights fs_learned_weights_shipped")
    write_text(path_c, lines)
    if path_h is not None:
        shutil.copyfile(HEADER_IN_TREE, path_h)
    return meta


def write_text(path, lines):
    """Write lines atomically: a half-written weights file must never build."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(temporary, path)


def load_checkpoint(path):
    """(state_dict, meta) from a checkpoint or a plain state_dict."""
    checkpoint = torch.load(path, map_location="cpu")
    if isinstance(checkpoint, dict) and "model" in checkpoint:
        meta = dict(checkpoint.get("meta") or {})
        if not meta:
            meta["note"] = "the checkpoint carried no metadata"
        state_dict = checkpoint["model"]
    else:
        meta = {"note": "a plain state_dict: no metadata in the checkpoint"}
        state_dict = checkpoint
    meta.setdefault("checkpoint", os.path.basename(path))
    return state_dict, meta


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", help="checkpoint (.pt) to export")
    parser.add_argument("out_c", help="the C file to write (dsp/fs_learned_weights.c in the tree)")
    parser.add_argument("--untrained", type=int, metavar="SEED",
                        help="export a freshly initialised FsNet (torch.manual_seed(SEED)) instead")
    args = parser.parse_args(argv)
    if (args.checkpoint is None) == (args.untrained is None):
        parser.error("give either a checkpoint or --untrained SEED")
    if args.untrained is not None:
        torch.manual_seed(args.untrained)
        state_dict = fsmodel.FsNet().state_dict()
        meta = {"note": f"untrained: initial weights, seed {args.untrained}", "seed": args.untrained,
                "torch": torch.__version__}
    else:
        state_dict, meta = load_checkpoint(args.checkpoint)
    written = export(state_dict, args.out_c, meta=meta)
    print(f"wrote {args.out_c} (weights sha256 {written['weights_sha256']})")


if __name__ == "__main__":
    main()
