#!/usr/bin/python3
"""Score the plugin on our own held-out set the way failsafe-bench scores
the shared corpora: SI-SDR improvement of the output over the noisy input,
latency aligned, from 1 s on.

The held-out set is the validation split of build_data.py: voices,
languages and recorded noise files that training never sees (listed in
its recipe.json).  Its speech-in-noise pairs ('mix') become a corpus in
failsafe-bench's layout; the bench takes at most 8 clean references per
folder, so the pairs go 8 to a folder:

    /usr/bin/python3 dsp/train/build_data.py --out H --only-split val --no-features
    /usr/bin/python3 dsp/train/holdout_corpus.py make H H/corpus
    /usr/bin/python3 dsp/train/holdout_corpus.py score H/corpus \\
        [--bench build/host-test/bench/failsafe-bench] [--lv2 build/lv2] [--json OUT]

`make` links H/val/{clean,noisy}_NNNNN.wav as H/corpus/gNN/clean<k>.wav and
noisy<k>_<noise families>_<snr>.wav.  It leaves out a pair whose clean
speech is (nearly) all over before 1 s, where the bench starts scoring:
SI-SDR against a silent reference measures nothing (a short telephone
prompt that starts at once scored -55 dB in and -66 out, the worst file
of every system by far).  `score` runs `failsafe-bench
--corpus gNN --no-cost --json` on every folder and prints, for the
classical and the learned full tier (and speexdsp and the light tier for
scale), the mean and worst improvement, the mean by noise family, voice
source, SNR and room (dry, or the synthetic reverberation's RT60), and the
worst clean reference's SI-SDR out.  Build the bench
(and the plugin, with the weights to score) as a release build.
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_data  # noqa: E402

GROUP = 8  # clean references per folder: failsafe-bench's limit
SCORED_FROM_S = 1.0  # failsafe-bench scores SI-SDR from 1 s into each file
MIN_SPEECH_S = 0.5  # a pair needs this much speech in the scored span


def scored_speech_seconds(path):
    """Seconds of speech from SCORED_FROM_S on, by build_data.active_rms's
    rule: 20 ms frames within 30 dB of the file's loudest one."""
    x, sr = build_data.read_mono(path)
    assert sr == build_data.SR, '%s: %d Hz' % (path, sr)
    frame = build_data.ACTIVE_FRAME
    e = build_data.frame_energies(x, frame)
    scored = e[int(SCORED_FROM_S * sr) // frame:]
    return float((scored > e.max() * build_data.ACTIVE_FLOOR).sum()) * frame / sr


def make(data, out):
    metas = [json.loads(line) for line in open(os.path.join(data, 'val', 'manifest.jsonl'))]
    mixes = [m for m in metas if m['kind'] == 'mix']
    if not mixes:
        sys.exit('%s: no speech-in-noise pairs' % data)
    src = os.path.abspath(os.path.join(data, 'val'))
    scored = []
    for m in mixes:
        clean = os.path.join(src, 'clean_%05d.wav' % m['index'])
        noisy = os.path.join(src, 'noisy_%05d.wav' % m['index'])
        if not (os.path.exists(clean) and os.path.exists(noisy)):
            sys.exit('%s: no wavs for pair %d (build_data.py --no-features keeps them)'
                     % (data, m['index']))
        speech = scored_speech_seconds(clean)
        if speech < MIN_SPEECH_S:
            print('pair %d left out: %.2f s of speech from %g s on' % (m['index'], speech,
                                                                        SCORED_FROM_S))
        else:
            scored.append((m, clean, noisy))
    index = {}
    for n, (m, clean, noisy) in enumerate(scored):
        folder = os.path.join(out, 'g%02d' % (n // GROUP))
        os.makedirs(folder, exist_ok=True)
        k = n % GROUP
        name = 'noisy%d_%s_%d' % (k, '+'.join(m['noise']), round(m['snr_db']))
        os.symlink(clean, os.path.join(folder, 'clean%d.wav' % k))
        os.symlink(noisy, os.path.join(folder, name + '.wav'))
        index['%s/%s' % (os.path.basename(folder), name)] = {
            'pair': m['index'], 'noise': m['noise'], 'snr_db': m['snr_db'],
            'source': m['voice']['source'], 'rt60': m.get('rt60', 0.0)}
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1, sort_keys=True)
    print('%d pairs in %d folders under %s' % (len(scored), (len(scored) + GROUP - 1) // GROUP, out))


def mean(v):
    return sum(v) / len(v) if v else float('nan')


def score(corpus, bench, lv2, json_out):
    index = json.load(open(os.path.join(corpus, 'index.json')))
    env = dict(os.environ, LV2_PATH=os.path.abspath(lv2))
    per = {}  # system -> {mixture: improvement}
    clean = {}  # system -> worst clean SI-SDR out
    for folder in sorted(d for d in os.listdir(corpus) if d.startswith('g')):
        r = subprocess.run([bench, '--corpus', os.path.join(corpus, folder), '--no-cost',
                            '--json'], env=env, capture_output=True, text=True, check=True)
        for s in json.loads(r.stdout)['systems']:
            for mix, v in s['per_mixture'].items():
                per.setdefault(s['name'], {})['%s/%s' % (folder, mix)] = v
            c = s['clean_si_sdr_db']
            if c is not None:  # null: undefined
                clean[s['name']] = min(clean.get(s['name'], c), c)
    systems = list(per)
    rows = [('mean', lambda s: mean(list(per[s].values()))),
            ('worst', lambda s: min(per[s].values()))]
    keys = {}
    for mix, info in index.items():
        keys.setdefault('noise ' + info['noise'][0], []).append(mix)
        keys.setdefault('voice ' + info['source'], []).append(mix)
        keys.setdefault('snr %s' % ('< 5' if info['snr_db'] < 5 else '5..10' if info['snr_db'] <= 10
                                    else '> 10'), []).append(mix)
        if 'rt60' in info:  # 0: dry speech
            rt60 = info['rt60']
            keys.setdefault('room %s' % ('dry' if rt60 == 0 else 'RT60 < 0.4 s' if rt60 < 0.4
                                         else 'RT60 >= 0.4 s'), []).append(mix)
    for key in sorted(keys):
        rows.append(('%s (%d)' % (key, len(keys[key])),
                     lambda s, m=keys[key]: mean([per[s][x] for x in m if x in per[s]])))
    rows.append(('clean in: SI-SDR out, worst', lambda s: clean.get(s, float('nan'))))
    print('held-out set: %s, %d mixtures; SI-SDR improvement, dB' % (corpus, len(index)))
    print('%-34s' % '' + ''.join('%18s' % s for s in systems))
    table = {}
    for label, f in rows:
        vals = [f(s) for s in systems]
        table[label] = dict(zip(systems, vals))
        print('%-34s' % label + ''.join('%+18.2f' % v for v in vals))
    if json_out:
        with open(json_out, 'w') as f:
            json.dump({'table': table, 'per_mixture': per}, f, indent=1, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('make', help='lay the validation pairs out as bench corpora')
    m.add_argument('data', help='build_data.py --only-split val --no-features output')
    m.add_argument('out')
    s = sub.add_parser('score', help='run failsafe-bench on every folder and sum up')
    s.add_argument('corpus')
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    s.add_argument('--bench', default=os.path.join(repo, 'build', 'host-test', 'bench',
                                                   'failsafe-bench'))
    s.add_argument('--lv2', default=os.path.join(repo, 'build', 'lv2'))
    s.add_argument('--json', default=None)
    a = ap.parse_args()
    if a.cmd == 'make':
        make(a.data, a.out)
    else:
        score(a.corpus, a.bench, a.lv2, a.json)


if __name__ == '__main__':
    main()
