#!/usr/bin/python3
"""Train the learned tier's network (FsNet, dsp/train/model.py) on the
records that build_data.py made with fs-train-features.

    /usr/bin/python3 dsp/train/train.py --data DIR --out RUN [--minutes 60] [--export]

DIR is build_data.py's output (DIR/train/feat_*.f32, DIR/val/feat_*.f32,
DIR/recipe.json).  Each record is one hop: 106 features, 26 target band
gains, 26 loss weights (docs/LEARNED.md).

Training cuts sequences of --seq hops out of the files (one or two per
file and epoch; a file's first one starts at the file's start half the
time, so the net sees the plugin's cold start), batches of --batch, Adam.  Every
--checkpoint-minutes and at the end of each epoch, RUN/checkpoint.pt gets
the model, the optimiser, the epoch, the batch reached, the RNG states and
the training time spent; a later run with the same RUN continues from it
exactly (--no-resume starts over).  --minutes bounds the training time in
total, counted across resumed runs; --epochs bounds the epochs.

After each epoch the loss on the whole validation files (state from zero
at each file's start, as in the plugin) is logged, beside the same loss
of the classical gains (features 78..103) for reference; the best epoch
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

SCRIPT_VERSION = 1
DEFAULT_SEED = 17011
F, B = fsmodel.FEATURES, fsmodel.BANDS
RECORD = F + 2 * B
GAIN_FEATURES = slice(3 * B, 4 * B)  # 78..103: the classical band gains


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


def loss_terms(g, target, w, quartic):
    """Sum of the per-band losses and sum of the weights.

    The loss is on square-root gains: d = sqrt(g) - sqrt(g*).  The square
    root spreads out the small gains, so an error between 0.01 and 0.1
    (noise let through in a pause) counts about as much as one between 0.5
    and 0.8 (speech attenuated), where a plain difference would hardly see
    the first.  d^2 is the main term; `quartic` * d^4 adds weight to gross
    errors (|d| > ~0.5: speech cut away, or noise fully passed) without
    changing the fit of small ones, the same shape of loss RNNoise uses.
    Bands with weight 0 (no energy in clean nor noisy: silence, above a
    band limit) do not count.
    """
    d = torch.sqrt(g.clamp_min(0) + 1e-8) - torch.sqrt(target.clamp(0, 1) + 1e-8)
    d2 = d * d
    per = d2 + quartic * d2 * d2
    return (w * per).sum(), w.sum()


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
        """Tensors x [b, seq, F], target [b, seq, B], weight [b, seq, B];
        a window past a file's end is padded with weight 0."""
        b = len(windows)
        buf = np.zeros((b, self.seq, RECORD), np.float32)
        for i, (f, s) in enumerate(windows):
            at, n = self.spans[f]
            m = min(self.seq, n - s)
            buf[i, :m] = self.data[at + s:at + s + m]
        t = torch.from_numpy(buf)
        return t[..., :F], t[..., F:F + B], t[..., F + B:]


def evaluate(net, data, spans, quartic, batch=16):
    """Loss over whole files (zero state at each start), and the same loss
    of the classical gains."""
    net.eval()
    order = sorted(range(len(spans)), key=lambda i: spans[i][1])  # similar lengths together
    tot = wsum = tot_c = 0.0
    with torch.no_grad():
        for k in range(0, len(order), batch):
            idx = order[k:k + batch]
            n = max(spans[i][1] for i in idx)
            buf = np.zeros((len(idx), n, RECORD), np.float32)
            for j, i in enumerate(idx):
                at, m = spans[i]
                buf[j, :m] = data[at:at + m]
            t = torch.from_numpy(buf)
            x, tg, w = t[..., :F], t[..., F:F + B], t[..., F + B:]
            g, _ = net(x)
            l, ws = loss_terms(g, tg, w, quartic)
            lc, _ = loss_terms(x[..., GAIN_FEATURES].clamp(0, 1), tg, w, quartic)
            tot += float(l)
            tot_c += float(lc)
            wsum += float(ws)
    net.train()
    return tot / max(wsum, 1e-9), tot_c / max(wsum, 1e-9)


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
    ap.add_argument('--quartic', type=float, default=2.0, help='weight of the d^4 term')
    ap.add_argument('--clip', type=float, default=1.0, help='gradient norm clip (0: off)')
    ap.add_argument('--seed', type=int, default=DEFAULT_SEED)
    ap.add_argument('--checkpoint-minutes', type=float, default=5.0)
    ap.add_argument('--threads', type=int, default=2)
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
    hparams = {k: getattr(a, k) for k in ('seq', 'batch', 'lr', 'lr_decay', 'quartic', 'clip', 'seed')}
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

    _, classical = evaluate(net, va_data, va_spans, a.quartic)
    say('validation loss of the classical gains: %.5f' % classical)

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
            state['tot'] = state['wsum'] = 0.0
        while state['batch'] < nb:
            k = state['batch']
            x, tg, w = windows.batch(plan[k * a.batch:(k + 1) * a.batch])
            g, _ = net(x)
            l, ws = loss_terms(g, tg, w, a.quartic)
            loss = l / ws.clamp_min(1.0)
            opt.zero_grad()
            loss.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            opt.step()
            state['tot'] += float(l)
            state['wsum'] += float(ws)
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
        val, _ = evaluate(net, va_data, va_spans, a.quartic)
        train_loss = state['tot'] / max(state['wsum'], 1e-9)
        ep_s = time.time() - t_ep
        say('epoch %d: train loss %.5f, validation loss %.5f (classical %.5f), %.1f s, lr %.2e'
            % (ep, train_loss, val, classical, ep_s, opt.param_groups[0]['lr']))
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
