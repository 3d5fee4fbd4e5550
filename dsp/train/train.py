#!/usr/bin/python3
"""Train the learned tier's network (FsNet, dsp/train/model.py) on the
records that build_data.py made with fs-train-features.

    /usr/bin/python3 dsp/train/train.py --data DIR --out RUN [--minutes 60] [--export]

DIR is build_data.py's output (DIR/train/feat_*.f32, DIR/val/feat_*.f32,
DIR/recipe.json).  Each record is one hop: 106 features, then the
quadratic that gives the hop's error energy for any band corrections
(fs_train_features.c, docs/LEARNED.md).  The network's outputs are
corrections of the classical gains; the loss is the change of each
stretch's signal-to-distortion ratio against the classical gains'
(stretch_loss), so training starts from the classical result and moves
only where the error falls.

Training cuts sequences of --seq hops out of the files (one or two per
file and epoch; a file's first one starts at the file's start half the
time, so the net sees the plugin's cold start), batches of --batch, Adam.  Every
--checkpoint-minutes and at the end of each epoch, RUN/checkpoint.pt gets
the model, the optimiser, the epoch, the batch reached, the RNG states and
the training time spent; a later run with the same RUN continues from it
exactly (--no-resume starts over).  --minutes bounds the training time in
total, counted across resumed runs; --epochs bounds the epochs.

After each epoch the loss on the whole validation files (state from zero
at each file's start, as in the plugin) is logged: 0 is the classical
gains' result, below 0 is better; the best epoch
goes to RUN/best.pt as {'model': state_dict, 'meta': {...}}.  With
--export, export.py then writes dsp/fs_learned_weights.c from it.
"""

import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as fsmodel  # noqa: E402

SCRIPT_VERSION = 2
DEFAULT_SEED = 17011
F, B = fsmodel.FEATURES, fsmodel.BANDS
RECORD = F + 3 * B + 2  # features, then Q, R, L, D0, S0 (fs_train_features.c)


def load_split(folder):
    """All feat_*.f32 of a folder: (records [N, RECORD] float32, [(start, hops)])."""
    paths = sorted(glob.glob(os.path.join(folder, 'feat_*.f32')))
    if not paths:
        sys.exit('no feat_*.f32 in %s' % folder)
    arrays, spans, at = [], [], 0
    for p in paths:
        a = np.fromfile(p, dtype='<f4')
        if a.size % RECORD:
            sys.exit('%s: not a whole number of %d-float records' % (p, RECORD))
        a = a.reshape(-1, RECORD)
        if not np.all(np.isfinite(a)):
            sys.exit('%s: non-finite values' % p)
        arrays.append(a)
        spans.append((at, len(a)))
        at += len(a)
    return np.concatenate(arrays), spans


def hop_errors(c, q):
    """The error energy each hop leaves for band corrections c [.., B]:
    the quadratic fs-train-features wrote (Q, R, L, D0 in q [.., 3B+2]).
    With c = 1 it is the classical gains' error."""
    Q, R, L, D0 = q[..., :B], q[..., B:2 * B], q[..., 2 * B:3 * B], q[..., 3 * B]
    return ((Q * c * c).sum(-1) + 2.0 * (R[..., :-1] * c[..., :-1] * c[..., 1:]).sum(-1)
            + 2.0 * (L * c).sum(-1) + D0)


def stretch_loss(c, q, ceiling_db):
    """Per stretch (the batch's first axis): the change, in dB, of the
    error energy against the classical gains' over the stretch,
    10 log10((E(c) + t S) / (E(1) + t S)), S the clean energy and
    t = 10^(-ceiling_db / 10).

    Where the stretch has speech this is minus the gain in
    signal-to-distortion ratio the correction brings; the t S term stops
    counting once the ratio passes ceiling_db, so nearly clean stretches
    (already 30 dB and better) do not pull the net towards ever-smaller
    distortion at the expense of the noisy ones.  Where there is no speech
    (S = 0) it is the change of the residual noise.  Every stretch counts
    the same, as every file counts the same in the benchmark's mean.
    Clamped to +-40 dB against stretches of silence (0 / 0)."""
    err = hop_errors(c, q).clamp_min(0).sum(-1)
    ref = hop_errors(torch.ones_like(c), q).clamp_min(0).sum(-1)
    clean = q[..., 3 * B + 1].sum(-1)
    t = 10.0 ** (-ceiling_db / 10.0)
    tiny = 1e-12
    ratio = (err + t * clean + tiny) / (ref + t * clean + tiny)
    return (10.0 * torch.log10(ratio)).clamp(-40.0, 40.0)


def corrections(g):
    """The network's sigmoid outputs as band corrections, 0..2 (LEARNED.md)."""
    return 2.0 * g


class Windows:
    """Sequences of `seq` hops cut from the files, one epoch's worth."""

    def __init__(self, data, spans, seq):
        self.data = data
        self.spans = spans
        self.seq = seq

    def plan(self, rng):
        """The epoch's windows, (file, start), in a random order."""
        out = []
        for f, (_, n) in enumerate(self.spans):
            k = max(1, int(round(n / self.seq)))
            for j in range(k):
                if n <= self.seq or (j == 0 and rng.random() < 0.5):
                    s = 0
                else:
                    s = int(rng.integers(0, n - self.seq + 1))
                out.append((f, s))
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    def batch(self, windows):
        """Tensors x [b, seq, F] and q [b, seq, 3B+2]; a window past a
        file's end is padded with zeros, which add no error."""
        b = len(windows)
        buf = np.zeros((b, self.seq, RECORD), np.float32)
        for i, (f, s) in enumerate(windows):
            at, n = self.spans[f]
            m = min(self.seq, n - s)
            buf[i, :m] = self.data[at + s:at + s + m]
        t = torch.from_numpy(buf)
        return t[..., :F], t[..., F:]


def evaluate(net, data, spans, ceiling_db, batch=16):
    """Mean over whole files (zero state at each start, as in the plugin)
    of stretch_loss: the dB change of each file's error against the
    classical gains'.  Below 0 the network does better."""
    net.eval()
    order = sorted(range(len(spans)), key=lambda i: spans[i][1])  # similar lengths together
    total = 0.0
    with torch.no_grad():
        for k in range(0, len(order), batch):
            idx = order[k:k + batch]
            n = max(spans[i][1] for i in idx)
            buf = np.zeros((len(idx), n, RECORD), np.float32)
            for j, i in enumerate(idx):
                at, m = spans[i]
                buf[j, :m] = data[at:at + m]
            t = torch.from_numpy(buf)
            g, _ = net(t[..., :F])
            total += float(stretch_loss(corrections(g), t[..., F:].double(), ceiling_db).sum())
    net.train()
    return total / max(len(spans), 1)


def save_atomic(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def recipe_summary(data_dir):
    """The parts of the data recipe worth carrying into the weights' header."""
    path = os.path.join(data_dir, 'recipe.json')
    if not os.path.exists(path):
        return {'note': 'no recipe.json beside the data'}
    with open(path) as f:
        r = json.load(f)
    return {
        'script_version': r.get('script_version'),
        'seed': r.get('seed'),
        'hours': r.get('hours'),
        'pairs': {s: r['splits'][s]['pairs'] for s in r.get('splits', {})},
        'seconds': {s: r['splits'][s]['seconds'] for s in r.get('splits', {})},
        'packages': r.get('packages'),
        'held_out_for_validation': {k: v for k, v in r.get('held_out_for_validation', {}).items()
                                    if k != 'recorded_noise_files'},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', required=True, help="build_data.py's output folder")
    ap.add_argument('--out', required=True, help='run folder (checkpoint.pt, best.pt, log)')
    ap.add_argument('--minutes', type=float, default=45.0,
                    help='training time budget in total, across resumed runs')
    ap.add_argument('--epochs', type=int, default=1000)
    ap.add_argument('--seq', type=int, default=800, help='hops per training sequence')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--lr-decay', type=float, default=0.97, help='per epoch')
    ap.add_argument('--ceiling-db', type=float, default=35.0,
                    help='signal-to-distortion ratio past which a stretch stops counting')
    ap.add_argument('--clip', type=float, default=1.0, help='gradient norm clip (0: off)')
    ap.add_argument('--seed', type=int, default=DEFAULT_SEED)
    ap.add_argument('--checkpoint-minutes', type=float, default=5.0)
    ap.add_argument('--threads', type=int, default=1,
                    help='PyTorch threads; 1 (default) makes two runs give the same weights bit for bit')
    ap.add_argument('--resume', dest='resume', action='store_true', default=True,
                    help='continue from OUT/checkpoint.pt when it exists (default)')
    ap.add_argument('--no-resume', dest='resume', action='store_false')
    ap.add_argument('--export', action='store_true',
                    help='write dsp/fs_learned_weights.c from best.pt at the end')
    ap.add_argument('--export-to', default=os.path.join(HERE, '..', 'fs_learned_weights.c'))
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, 'checkpoint.pt')
    best_path = os.path.join(a.out, 'best.pt')
    log = open(os.path.join(a.out, 'train.log'), 'a')

    def say(msg):
        line = time.strftime('%H:%M:%S ') + msg
        print(line, flush=True)
        log.write(line + '\n')
        log.flush()

    tr_data, tr_spans = load_split(os.path.join(a.data, 'train'))
    va_data, va_spans = load_split(os.path.join(a.data, 'val'))
    say('train: %d files, %d hops; val: %d files, %d hops'
        % (len(tr_spans), len(tr_data), len(va_spans), len(va_data)))
    windows = Windows(tr_data, tr_spans, a.seq)
    hparams = {k: getattr(a, k) for k in ('seq', 'batch', 'lr', 'lr_decay', 'ceiling_db', 'clip', 'seed')}
    # What a checkpoint must have been trained on to be continued here.
    data_id = {'train_files': len(tr_spans), 'train_hops': int(len(tr_data)),
               'val_files': len(va_spans), 'val_hops': int(len(va_data))}

    torch.manual_seed(a.seed)
    net = fsmodel.FsNet()
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    state = {'epoch': 0, 'batch': 0, 'spent': 0.0, 'best': math.inf, 'history': []}
    if a.resume and os.path.exists(ckpt_path):
        c = torch.load(ckpt_path, map_location='cpu')
        if c.get('hparams') != hparams:
            sys.exit('%s was made with other settings %s; --no-resume to start over'
                     % (ckpt_path, c.get('hparams')))
        if c.get('data') != data_id:
            sys.exit('%s was made on other data %s; --no-resume to start over'
                     % (ckpt_path, c.get('data')))
        net.load_state_dict(c['model'])
        opt.load_state_dict(c['optimizer'])
        torch.set_rng_state(c['torch_rng'])
        state = c['state']
        say('resumed at epoch %d, batch %d, %.1f min spent'
            % (state['epoch'], state['batch'], state['spent'] / 60))
    elif os.path.exists(ckpt_path):
        say('starting over (--no-resume)')

    def checkpoint():
        save_atomic({'model': net.state_dict(), 'optimizer': opt.state_dict(),
                     'torch_rng': torch.get_rng_state(), 'state': state,
                     'hparams': hparams, 'data': data_id,
                     'script_version': SCRIPT_VERSION}, ckpt_path)

    # The classical gains score 0 by construction (the loss is the change
    # against them); the untrained net, whose corrections start near 1,
    # scores near 0 too.
    classical = 0.0
    say('validation loss at the start: %.4f dB' % evaluate(net, va_data, va_spans, a.ceiling_db))

    budget = a.minutes * 60
    t_run = time.time()
    spent0 = state['spent']
    last_ckpt = time.time()
    out_of_time = False
    while state['epoch'] < a.epochs and state['spent'] < budget:
        ep = state['epoch']
        # The epoch's windows and order follow from (seed, epoch) alone, so a
        # resumed run sees the same batches as an uninterrupted one.
        plan = windows.plan(np.random.default_rng([a.seed, ep]))
        nb = len(plan) // a.batch if len(plan) >= a.batch else 1
        for g in opt.param_groups:
            g['lr'] = a.lr * a.lr_decay ** ep
        t_ep = time.time()
        if state['batch'] == 0:
            state['tot'] = state['count'] = 0.0
        while state['batch'] < nb:
            k = state['batch']
            x, q = windows.batch(plan[k * a.batch:(k + 1) * a.batch])
            g, _ = net(x)
            per_stretch = stretch_loss(corrections(g), q.double(), a.ceiling_db)
            loss = per_stretch.mean()
            opt.zero_grad()
            loss.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            opt.step()
            state['tot'] += float(per_stretch.sum())
            state['count'] += per_stretch.numel()
            state['batch'] = k + 1
            state['spent'] = spent0 + time.time() - t_run
            if time.time() - last_ckpt > a.checkpoint_minutes * 60:
                checkpoint()
                last_ckpt = time.time()
            if state['spent'] > budget:
                out_of_time = True
                break
        if out_of_time and state['batch'] < nb:
            checkpoint()
            say('time budget of %.1f min spent in epoch %d (batch %d of %d)'
                % (a.minutes, ep, state['batch'], nb))
            break
        val = evaluate(net, va_data, va_spans, a.ceiling_db)
        train_loss = state['tot'] / max(state['count'], 1)
        ep_s = time.time() - t_ep
        say('epoch %d: train loss %.4f dB, validation loss %.4f dB (classical 0), %.1f s, lr %.2e'
            % (ep, train_loss, val, ep_s, opt.param_groups[0]['lr']))
        state['history'].append({'epoch': ep, 'train': round(train_loss, 6),
                                 'val': round(val, 6), 'seconds': round(ep_s, 1)})
        if val < state['best']:
            state['best'] = val
            meta = {
                'contract_version': fsmodel.CONTRACT_VERSION,
                'train_script_version': SCRIPT_VERSION,
                'train_seed': a.seed,
                'hyperparameters': hparams,
                'epoch': ep,
                'val_loss': round(val, 6),
                'val_loss_classical_gains': round(classical, 6),
                'train_hops': int(len(tr_data)),
                'val_hops': int(len(va_data)),
                'torch': torch.__version__,
                'data_recipe': recipe_summary(a.data),
            }
            save_atomic({'model': net.state_dict(), 'meta': meta}, best_path)
            say('  best so far: %s' % best_path)
        state['epoch'] = ep + 1
        state['batch'] = 0
        state['spent'] = spent0 + time.time() - t_run
        checkpoint()
        last_ckpt = time.time()
        if state['spent'] > budget:
            break
    say('stopped after %d epochs, %.1f min of training; best validation loss %.5f'
        % (state['epoch'], state['spent'] / 60, state['best']))

    if a.export:
        if not os.path.exists(best_path):
            sys.exit('no best.pt to export (no epoch finished)')
        dst = os.path.abspath(a.export_to)
        subprocess.run([sys.executable, os.path.join(HERE, 'export.py'), best_path, dst],
                       check=True)
        say('exported %s' % dst)


if __name__ == '__main__':
    main()
