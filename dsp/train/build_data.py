#!/usr/bin/python3
"""Build the learned tier's training and validation sets (docs/LEARNED.md).

Everything comes from Debian packages and from noise synthesised here with
numpy/scipy, under one seed, so the same command on the same package
versions builds the same files.  For each pair the script writes
clean_NNNNN.wav / noisy_NNNNN.wav (48 kHz mono float), runs the C tool
fs-train-features on them into feat_NNNNN.f32 and, unless --keep-wav,
deletes the wavs.  OUT/recipe.json records the packages and their versions,
the voices and noise families used, the seed and the counts;
OUT/<split>/manifest.jsonl has one line of metadata per pair.

    /usr/bin/python3 dsp/train/build_data.py --out DIR [--hours 3] [--seed N]

Speech: espeak-ng (many languages and voice variants, speed and pitch
varied), festival voices (English, Italian, Czech, Finnish), the recorded
prompts of two Asterisk sound packages (8 kHz, so band-limited) and the
recorded letters and syllables of klettres-data (volunteers in 14
languages, 44.1 kHz: the only full-band human voices in the recipe).
Text: sentences drawn from the word lists of Debian's dictionary packages
(wamerican, wngerman, ...) and from the license texts in
/usr/share/common-licenses; pseudo-words for Czech and Finnish.

Noise: stationary coloured noise, amplitude-modulated noise, clicks and
crackle, engine-like drones, whistles and chirps, babble of 3..8 other
utterances, fan/HVAC band noise, and recorded effects from two small game
packages (colobot-common-sounds, extremetuxracer-data); sometimes two
families at once, sometimes a level step mid-file.

Validation: held-out voices (espeak variants and languages, festival voices,
the French Asterisk speaker, three klettres languages), held-out recorded
noise files and its own seeds; listed in recipe.json.

Never used, because validation corpora are made from them: the festival
voices festvox-kallpc16k / festvox-kallpc8k, espeak-ng en-us with variant
+f3, and the packages alsa-utils, sound-theme-freedesktop,
warzone2100-data, openarena-data, hedgewars-data, wesnoth-1.16-data,
megaglest-data, ufoai-sound, tuxfootball, ktuberling-data, nor anything
under the project's shared/ folder.
"""

import argparse
import glob
import json
import math
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

import numpy as np
import scipy.fft
import scipy.signal as sps
import soundfile as sf

# 1: synthesised speech and noise; 2: recorded voices (klettres), codecs,
# recorded effects; 3: reverberation on 30 % of the speech instead of 60 %;
# 4: no Asterisk prompts that are not speech (tones, silence), and records
# only for hops the network hears (fs-train-features leaves out digital
# silence, where the network holds).
SCRIPT_VERSION = 4
DEFAULT_SEED = 17011
SR = 48000
RECORD_FLOATS = 106 + 3 * 26 + 2  # features, then the error quadratic Q, R, L, D0, S0 (LEARNED.md)
MEAN_PAIR_SECONDS = 8.0

# Debian packages this script reads from (their versions go to recipe.json).
PACKAGES = [
    'espeak-ng', 'espeak-ng-data', 'festival',
    'festvox-kdlpc16k', 'festvox-us-slt-hts', 'festvox-italp16k', 'festvox-itapc16k',
    'festvox-czech-dita', 'festvox-czech-machac',
    'festvox-suopuhe-lj', 'festvox-suopuhe-mv',
    'asterisk-core-sounds-en-wav', 'asterisk-core-sounds-fr-wav', 'klettres-data',
    'wamerican', 'wngerman', 'wfrench', 'wspanish', 'witalian', 'wdutch', 'wswedish',
    'base-files',  # /usr/share/common-licenses
    'colobot-common-sounds', 'extremetuxracer-data',
    'sox', 'libsox-fmt-base',  # lossy codecs (Vorbis, GSM) for the augmentation
    'python3-numpy', 'python3-scipy', 'python3-soundfile',
]

# Guard: packages (and a folder) whose sounds make up validation corpora.
FORBIDDEN_PACKAGES = [
    'alsa-utils', 'sound-theme-freedesktop', 'warzone2100-data', 'openarena-data',
    'hedgewars-data', 'wesnoth-1.16-data', 'megaglest-data', 'ufoai-sound',
    'tuxfootball', 'ktuberling-data', 'festvox-kallpc16k', 'festvox-kallpc8k',
]

# Word lists: text language -> file.
WORDLISTS = {
    'en': '/usr/share/dict/american-english',
    'de': '/usr/share/dict/ngerman',
    'fr': '/usr/share/dict/french',
    'es': '/usr/share/dict/spanish',
    'it': '/usr/share/dict/italian',
    'nl': '/usr/share/dict/dutch',
    'sv': '/usr/share/dict/swedish',
}
LICENSE_DIR = '/usr/share/common-licenses'

# espeak-ng voices: (voice, word-list language).  Variants are drawn per pair.
ESPEAK_LANGS = [
    ('en-us', 'en'), ('en-gb', 'en'), ('en-gb-x-rp', 'en'), ('en-gb-scotland', 'en'),
    ('en-029', 'en'), ('de', 'de'), ('fr-fr', 'fr'), ('fr-be', 'fr'), ('es', 'es'),
    ('es-419', 'es'), ('it', 'it'), ('nl', 'nl'), ('sv', 'sv'),
]
ESPEAK_VARIANTS = (['m%d' % i for i in range(1, 8)] + ['f%d' % i for i in range(1, 6)]
                   + ['klatt', 'klatt2', 'klatt3', 'klatt4', 'klatt6',
                      'Andy', 'Annie', 'Alex', 'Denis', 'Gene', 'Lee', 'Mario', 'Michael',
                      'antonio', 'aunty', 'belinda', 'boris', 'david',
                      'edward', 'grandma', 'grandpa', 'iven', 'john', 'linda', 'max',
                      'michel', 'norbert', 'paul', 'pedro', 'robert', 'steph', 'victor',
                      'zac'])
# Held out for validation: these variants in any language, these languages
# with any variant.
ESPEAK_VAL_VARIANTS = {'m6', 'f4', 'klatt4', 'grandma', 'norbert'}
ESPEAK_VAL_LANGS = {'en-gb-scotland', 'fr-be'}
# In a validation corpus: never synthesised.
ESPEAK_NEVER = {('en-us', 'f3')}

# festival voices: (voice, text language); the rate comes from the file it writes.
FESTIVAL_TRAIN = [('ked_diphone', 'en'), ('cmu_us_slt_arctic_hts', 'en'),
                  ('lp_diphone', 'it'), ('czech_dita', 'cs'), ('suo_fi_lj_diphone', 'fi')]
FESTIVAL_VAL = [('pc_diphone', 'it'), ('czech_machac', 'cs'), ('hy_fi_mv_diphone', 'fi')]

ASTERISK_TRAIN = '/usr/share/asterisk/sounds/en_US_f_Allison'
ASTERISK_VAL = '/usr/share/asterisk/sounds/fr_CA_f_June'
# Prompts in those folders that are not speech: beeps, two-tone signals,
# and the silence/ folder's files of nothing.
ASTERISK_NOT_SPEECH = re.compile(r'(^|/)(beep|beeperr|ascending-2tone|descending-2tone)\.wav$|(^|/)silence/')

# Recorded voices: klettres-data's letters and syllables, one folder per
# language (one or two speakers each).  A clip is used when it is not clipped
# and its speech stands KLETTRES_MIN_SNR_DB over its own background (the
# clean reference must be clean; a third of the clips are noisy home
# recordings).  Lithuanian, Ukrainian and Norwegian are never used: the
# corpus-real speakers recorded those languages for a sister KDE package, and
# the same volunteers may have recorded these.
KLETTRES_DIR = '/usr/share/klettres'
KLETTRES_NEVER = {'lt', 'uk', 'nb', 'nn'}
KLETTRES_VAL = {'nl', 'he', 'tn'}
KLETTRES_MIN_SNR_DB = 30.0
KLETTRES_MIN_CLIPS = 10  # a language with fewer would repeat the same few words

# Recorded noise: the packages' .wav sound effects of at least this length
# (machines, motors, impacts, slides on snow, ice, leaves...); their music
# (.ogg) is not used.
NOISE_PACKAGES = ['colobot-common-sounds', 'extremetuxracer-data']
NOISE_MIN_SECONDS = 0.5
NOISE_VAL_EVERY = 5  # every 5th recorded file (sorted by path) is validation-only

NOISE_FAMILIES = ['colored', 'modulated', 'clicks', 'drone', 'whistle', 'babble',
                  'hvac', 'recorded']
NOISE_FAMILY_P = [0.20, 0.13, 0.10, 0.12, 0.07, 0.13, 0.10, 0.15]

# Share of pairs by kind, and speech sources.
P_CLEAN_ONLY = 0.12
# Share of the speech sent through a lossy codec (then the codec's output
# is the clean reference): recorded voices reach a broadcast chain through
# phones, VoIP and compressed files.
P_CODEC = 0.25
P_NOISE_ONLY = 0.05
# Share of the speech given synthetic room reverberation (which the clean
# reference keeps): a voice on air is mostly close to its microphone.
P_REVERB = 0.3
SOURCE_P = {'espeak': 0.4, 'festival': 0.2, 'asterisk': 0.1, 'klettres': 0.3}


# ---------------------------------------------------------------- helpers

def dpkg_version(pkg):
    """Installed version of a Debian package, or None."""
    r = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', pkg],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def package_files(pkg, pattern):
    r = subprocess.run(['dpkg', '-L', pkg], capture_output=True, text=True, check=True)
    return sorted(f for f in r.stdout.split() if re.search(pattern, f) and os.path.isfile(f))


def to_48k(x, sr):
    """Resample to 48 kHz with a polyphase filter."""
    if sr == SR:
        return x.astype(np.float32)
    # A near ratio with small terms: an exact one of a randomly changed rate
    # would design a filter of millions of taps.
    fr = Fraction(SR / sr).limit_denominator(200)
    return sps.resample_poly(x, fr.numerator, fr.denominator).astype(np.float32)


def read_mono(path):
    x, sr = sf.read(path, dtype='float32', always_2d=True)
    return x.mean(axis=1), sr


def db(x):
    return 10.0 ** (x / 20.0)


def frame_energies(x, n):
    """Mean energy of each whole frame of n samples (a tail shorter than a
    frame is left out)."""
    m = len(x) // n
    return np.mean(x[:m * n].reshape(m, n) ** 2, axis=1)


def change_rate(x, rate):
    """Play x back at `rate` times its speed: pitch and tempo together."""
    fr = Fraction(rate).limit_denominator(50)
    return sps.resample_poly(x, fr.denominator, fr.numerator).astype(np.float32)


# Active speech: the 20 ms frames within 30 dB of the loudest one.
ACTIVE_FRAME = SR // 50
ACTIVE_FLOOR = 1e-3


def active_rms(x):
    """RMS over the active frames (ACTIVE_FRAME, ACTIVE_FLOOR)."""
    if len(x) < ACTIVE_FRAME:
        return float(np.sqrt(np.mean(x ** 2) + 1e-20))
    e = frame_energies(x, ACTIVE_FRAME)
    top = e.max()
    if top <= 0:
        return 0.0
    return float(np.sqrt(np.mean(e[e > top * ACTIVE_FLOOR])))


def fade(x, ms=10):
    n = min(len(x) // 2, int(SR * ms / 1000))
    if n > 0:
        r = np.linspace(0, 1, n, dtype=np.float32)
        x[:n] *= r
        x[-n:] *= r[::-1]
    return x


def fit_length(x, n, rng):
    """Cut or loop x to n samples (loops start at random offsets, crossfaded)."""
    if len(x) == 0:
        return np.zeros(n, np.float32)
    if len(x) >= n:
        s = rng.integers(0, len(x) - n + 1)
        return x[s:s + n].copy()
    out = np.zeros(n, np.float32)
    pos = 0
    xf = fade(x.copy(), 5)
    step = max(len(x) - int(0.01 * SR), 1)
    while pos < n:
        k = min(len(xf), n - pos)
        out[pos:pos + k] += xf[:k]
        pos += step
    return out


# ------------------------------------------------------------------- text

class Text:
    """Sentences from word lists and license texts."""

    def __init__(self):
        self.words = {}
        for lang, path in WORDLISTS.items():
            with open(path, encoding='utf-8', errors='ignore') as f:
                ws = [w.strip() for w in f]
            ws = [w.lower() for w in ws if 2 <= len(w) <= 12 and w.isalpha()]
            self.words[lang] = sorted(set(ws))
        # ASCII-only words for festival (its Italian/English front ends read Latin-1).
        self.ascii_words = {l: [w for w in ws if w.isascii()] for l, ws in self.words.items()}
        sents = []
        for path in sorted(glob.glob(os.path.join(LICENSE_DIR, '*'))):
            if os.path.isfile(path):
                with open(path, encoding='utf-8', errors='ignore') as f:
                    txt = re.sub(r'\s+', ' ', f.read())
                for s in re.split(r'(?<=[.;:])\s', txt):
                    s = re.sub(r'[^A-Za-z ,.\']', ' ', s).strip()
                    if 30 <= len(s) <= 200:
                        sents.append(s)
        self.license_sentences = sents

    def pseudo(self, rng, lang):
        """Pseudo-words from syllables of a phonetically spelled language."""
        if lang == 'fi':
            cons, vows = 'hjklmnprstv', ['a', 'e', 'i', 'o', 'u', 'y', 'aa', 'ee', 'ii', 'uu', 'ai', 'ei']
        else:  # cs
            cons, vows = 'bcdhjklmnprstvz', ['a', 'e', 'i', 'o', 'u', 'y', 'ou']
        words = []
        for _ in range(rng.integers(5, 14)):
            w = ''.join(cons[rng.integers(len(cons))] + vows[rng.integers(len(vows))]
                        for _ in range(rng.integers(1, 4)))
            words.append(w)
        return ' '.join(words) + '.'

    def sentence(self, rng, lang, ascii_only=False):
        if lang in ('fi', 'cs'):
            return self.pseudo(rng, lang)
        if lang == 'en' and rng.random() < 0.4:
            return self.license_sentences[rng.integers(len(self.license_sentences))]
        ws = (self.ascii_words if ascii_only else self.words)[lang]
        n = int(rng.integers(5, 15))
        out = []
        for i in range(n):
            out.append(ws[rng.integers(len(ws))])
            if i < n - 1 and rng.random() < 0.12:
                out[-1] += ','
        s = ' '.join(out)
        return s[0].upper() + s[1:] + ('?' if rng.random() < 0.15 else '.')


# ----------------------------------------------------------------- speech

def espeak(text, voice, variant, speed, pitch, tmp):
    path = os.path.join(tmp, 'e.wav')
    v = voice + '+' + variant
    subprocess.run(['espeak-ng', '-v', v, '-s', str(speed), '-p', str(pitch),
                    '-w', path, text], check=True, capture_output=True)
    x, sr = read_mono(path)
    return to_48k(x, sr)


def festival(text, voice, stretch, tmp):
    tpath = os.path.join(tmp, 'f.txt')
    path = os.path.join(tmp, 'f.wav')
    with open(tpath, 'w', encoding='ascii', errors='ignore') as f:
        f.write(text + '\n')
    subprocess.run(['text2wave', '-eval', '(voice_%s)' % voice,
                    '-eval', "(Parameter.set 'Duration_Stretch %.3f)" % stretch,
                    '-o', path, tpath], check=True, capture_output=True)
    x, sr = read_mono(path)
    return to_48k(x, sr)


class Speech:
    """Draws a voice for a split and synthesises utterances with it."""

    def __init__(self, text, split, klettres):
        self.text = text
        self.split = split
        self.clip_cache = {}
        val = split == 'val'
        self.espeak_voices = []
        for lang, wl in ESPEAK_LANGS:
            for var in ESPEAK_VARIANTS:
                if (lang, var) in ESPEAK_NEVER:
                    continue
                held = var in ESPEAK_VAL_VARIANTS or lang in ESPEAK_VAL_LANGS
                if held == val:
                    self.espeak_voices.append((lang, wl, var))
        self.festival_voices = FESTIVAL_VAL if val else FESTIVAL_TRAIN
        adir = ASTERISK_VAL if val else ASTERISK_TRAIN
        self.asterisk_files = sorted(f for f in glob.glob(os.path.join(adir, '**', '*.wav'), recursive=True)
                                     if not ASTERISK_NOT_SPEECH.search(os.path.relpath(f, adir)))
        self.klettres = klettres  # language -> clip paths of this split

    def pick_voice(self, rng):
        src = rng.choice(list(SOURCE_P), p=list(SOURCE_P.values()))
        if src == 'espeak':
            return self.pick_espeak(rng)
        if src == 'festival':
            v, lang = self.festival_voices[rng.integers(len(self.festival_voices))]
            return {'source': 'festival', 'voice': v, 'lang': lang,
                    'stretch': round(float(rng.uniform(0.85, 1.25)), 3),
                    'resample': round(float(rng.uniform(0.9, 1.1)), 3)}
        if src == 'klettres':
            langs = sorted(self.klettres)
            return {'source': 'klettres', 'voice': langs[rng.integers(len(langs))],
                    'resample': round(float(rng.uniform(0.92, 1.08)), 3)}
        return {'source': 'asterisk', 'voice': os.path.basename(
            ASTERISK_VAL if self.split == 'val' else ASTERISK_TRAIN)}

    def pick_espeak(self, rng):
        lang, wl, var = self.espeak_voices[rng.integers(len(self.espeak_voices))]
        return {'source': 'espeak', 'voice': lang, 'variant': var, 'lang': wl,
                'speed': int(rng.integers(120, 231)), 'pitch': int(rng.integers(15, 86))}

    def one(self, voice, rng, tmp, seconds=3.0):
        """About `seconds` of speech (a few sentences, or a few prompts) in
        the given voice, in one synthesiser call (festival's start-up costs
        more than a sentence)."""
        sentences = max(1, int(round(seconds / 3.0)))
        if voice['source'] == 'espeak':
            t = ' '.join(self.text.sentence(rng, voice['lang']) for _ in range(sentences))
            return espeak(t, voice['voice'], voice['variant'], voice['speed'], voice['pitch'], tmp)
        if voice['source'] == 'festival':
            t = ' '.join(self.text.sentence(rng, voice['lang'], ascii_only=True)
                         for _ in range(sentences))
            return change_rate(festival(t, voice['voice'], voice['stretch'], tmp), voice['resample'])
        if voice['source'] == 'klettres':
            return self.recorded_words(voice, rng, seconds)
        parts = []
        for _ in range(max(2, int(seconds / 1.2))):
            x, sr = read_mono(self.asterisk_files[rng.integers(len(self.asterisk_files))])
            parts.append(to_48k(x, sr))
            parts.append(np.zeros(int(SR * rng.uniform(0.05, 0.3)), np.float32))
        return np.concatenate(parts)

    def recorded_clip(self, path):
        """A recorded clip at 48 kHz, trimmed and faded; decoded once per
        worker (a few hundred MB at most), since the same clips are drawn
        again and again."""
        x = self.clip_cache.get(path)
        if x is None:
            x, sr = read_mono(path)
            x = fade(trim_silence(to_48k(x, sr), -40), 10)
            self.clip_cache[path] = x
        return x

    def recorded_words(self, voice, rng, seconds):
        """Recorded letters and syllables of one language strung together
        with short pauses (as in a spelling lesson), played back at another
        rate for pitch and tempo."""
        clips = self.klettres[voice['voice']]
        parts, total = [], 0
        while total < seconds * SR:
            x = change_rate(self.recorded_clip(clips[rng.integers(len(clips))]),
                            voice['resample'])
            gap = np.zeros(int(SR * rng.uniform(0.08, 0.35)), np.float32)
            parts += [x, gap]
            total += len(x) + len(gap)
        return np.concatenate(parts)

    def utterance(self, voice, seconds, rng, tmp):
        """Sentences in one voice with short pauses until `seconds` is filled."""
        parts, total = [], 0
        n = int(seconds * SR)
        while total < n:
            x = self.one(voice, rng, tmp, (n - total) / SR)
            x = trim_silence(x)
            parts.append(x)
            gap = np.zeros(int(SR * rng.uniform(0.1, 0.6)), np.float32)
            parts.append(gap)
            total += len(x) + len(gap)
        x = np.concatenate(parts)[:n]
        return fade(x, 20)


def trim_silence(x, thresh_db=-50):
    a = np.abs(x)
    if a.max() <= 0:
        return x
    idx = np.nonzero(a > a.max() * db(thresh_db))[0]
    return x[max(idx[0] - 480, 0):idx[-1] + 480]


# ----------------------------------------------------------- augmentation

def biquad(kind, f0, gain_db, q):
    """RBJ cookbook peaking / shelving filter as (b, a)."""
    A = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / SR
    alpha = math.sin(w0) / (2 * q)
    c = math.cos(w0)
    if kind == 'peak':
        b = [1 + alpha * A, -2 * c, 1 - alpha * A]
        a = [1 + alpha / A, -2 * c, 1 - alpha / A]
    else:
        sa = 2 * math.sqrt(A) * alpha
        if kind == 'low':
            b = [A * ((A + 1) - (A - 1) * c + sa), 2 * A * ((A - 1) - (A + 1) * c),
                 A * ((A + 1) - (A - 1) * c - sa)]
            a = [(A + 1) + (A - 1) * c + sa, -2 * ((A - 1) + (A + 1) * c),
                 (A + 1) + (A - 1) * c - sa]
        else:
            b = [A * ((A + 1) + (A - 1) * c + sa), -2 * A * ((A - 1) + (A + 1) * c),
                 A * ((A + 1) + (A - 1) * c - sa)]
            a = [(A + 1) - (A - 1) * c + sa, 2 * ((A - 1) - (A + 1) * c),
                 (A + 1) - (A - 1) * c - sa]
    return np.array(b) / a[0], np.array(a) / a[0]


def random_eq(x, rng, meta):
    bands = []
    for _ in range(rng.integers(0, 4)):
        kind = ['peak', 'low', 'high'][rng.integers(3)]
        f0 = float(np.exp(rng.uniform(np.log(80), np.log(12000))))
        g = float(rng.uniform(-6, 6))
        q = float(rng.uniform(0.5, 2.0)) if kind == 'peak' else 0.707
        b, a = biquad(kind, f0, g, q)
        x = sps.lfilter(b, a, x).astype(np.float32)
        bands.append([kind, round(f0), round(g, 1)])
    meta['eq'] = bands
    return x


def lowpass(x, fc):
    sos = sps.butter(8, fc, btype='low', fs=SR, output='sos')
    return sps.sosfilt(sos, x).astype(np.float32)


def reverb(x, rng, meta):
    """Exponentially decaying noise impulse response, RT60 0.1..0.8 s."""
    rt60 = float(rng.uniform(0.1, 0.8))
    n = int(rt60 * 1.2 * SR)
    t = np.arange(n) / SR
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir = sps.sosfilt(sps.butter(2, float(rng.uniform(3000, 12000)), fs=SR, output='sos'), ir)
    ir *= db(rng.uniform(-12, -3)) / np.sqrt(np.sum(ir ** 2))  # late energy vs direct
    pre = int(rng.uniform(0.002, 0.02) * SR)
    h = np.zeros(n + pre)
    h[0] = 1.0
    h[pre:] += ir
    meta['rt60'] = round(rt60, 2)
    return sps.fftconvolve(x, h)[:len(x)].astype(np.float32)


def lossy_codec(x, rng, meta, tmp):
    """Speech through a lossy codec, as sox encodes it: Vorbis at its lowest
    qualities (-1..2, about 45..100 kbit/s) at 48, 44.1, 32 or 22.05 kHz,
    which leaves holes and a ragged top in the spectrum, or GSM 06.10 at
    8 kHz, a telephone.  Same length and alignment as x.  sox runs with -R:
    otherwise it seeds its dither from the clock, and the encoder's choices,
    so the pair, would change from build to build."""
    src = os.path.join(tmp, 'c.wav')
    sf.write(src, x, SR, subtype='FLOAT')
    if rng.random() < 0.7:
        rate = [48000, 44100, 32000, 22050][rng.integers(4)]
        q = int(rng.integers(-1, 3))
        dst = os.path.join(tmp, 'c.ogg')
        cmd = ['sox', '-R', '-G', src, '-r', str(rate), '-C', str(q), dst]
        meta['codec'] = ['vorbis', rate, q]
    else:
        dst = os.path.join(tmp, 'c.gsm')
        cmd = ['sox', '-R', '-G', src, '-r', '8000', dst]
        meta['codec'] = ['gsm', 8000]
    subprocess.run(cmd, check=True, capture_output=True)
    y, sr = read_mono(dst)
    y = to_48k(y, sr)[:len(x)]
    return np.pad(y, (0, len(x) - len(y))).astype(np.float32)


# ------------------------------------------------------------------ noise

def colored(rng, n, slope=None):
    """Noise with a power slope in dB/octave plus a random smooth tilt."""
    if slope is None:
        slope = float(rng.choice([0.0, -3.0, -6.0, rng.uniform(-7, 2)]))
    m = scipy.fft.next_fast_len(n, real=True)  # an awkward length makes the FFT slow
    W = scipy.fft.rfft(rng.standard_normal(m))
    f = np.fft.rfftfreq(m, 1 / SR)
    f[0] = f[1]
    mag = 10 ** (slope * np.log2(f / 1000.0) / 20.0)  # power slope in dB/octave
    # smooth random colouring: a few random dB bumps on a log-frequency axis
    lf = np.log2(f / 20.0)
    for _ in range(rng.integers(0, 4)):
        c, wdt, g = rng.uniform(1, 10), rng.uniform(0.3, 2), rng.uniform(-12, 12)
        mag *= 10 ** (g * np.exp(-0.5 * ((lf - c) / wdt) ** 2) / 20)
    y = scipy.fft.irfft(W * mag, m)[:n]
    return (y / (np.std(y) + 1e-12)).astype(np.float32)


def noise_colored(rng, n, ctx):
    return colored(rng, n)


def noise_modulated(rng, n, ctx):
    y = colored(rng, n)
    t = np.arange(n) / SR
    f = float(np.exp(rng.uniform(np.log(0.1), np.log(4))))
    depth = float(rng.uniform(0.2, 0.8))
    if rng.random() < 0.5:
        m = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    else:  # random smooth modulation with bandwidth ~f
        k = max(int(n * f / SR) + 2, 3)
        m = np.interp(t, np.linspace(0, t[-1], k), rng.uniform(-1, 1, k))
    return (y * (1 + depth * m)).astype(np.float32)


def noise_clicks(rng, n, ctx):
    y = colored(rng, n) * db(-rng.uniform(20, 40))
    rate = float(np.exp(rng.uniform(np.log(0.5), np.log(200 if rng.random() < 0.3 else 30))))
    k = rng.poisson(rate * n / SR)
    for p in rng.integers(0, n, k):
        w = int(rng.integers(1, 49))
        amp = rng.uniform(0.3, 1.0) * rng.choice([-1, 1])
        shape = np.hanning(w + 2)[1:-1] if w > 2 else np.ones(w)
        if rng.random() < 0.5:
            shape = shape * rng.standard_normal(w)
        e = min(n, p + w)
        y[p:e] += amp * shape[:e - p]
    return y


def noise_drone(rng, n, ctx):
    t = np.arange(n) / SR
    f0 = float(np.exp(rng.uniform(np.log(30), np.log(300))))
    k = max(int(n / SR * 2) + 2, 3)
    drift = np.interp(t, np.linspace(0, t[-1], k), rng.uniform(-1, 1, k))
    f = f0 * (1 + rng.uniform(0, 0.08) * drift)
    phase = 2 * np.pi * np.cumsum(f) / SR
    y = np.zeros(n)
    nh = int(min(24, 16000 // f0))
    decay = rng.uniform(0, 12)  # dB per harmonic octave
    for h in range(1, nh + 1):
        a = db(-decay * math.log2(h) + rng.uniform(-15, 3))
        y += a * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    y /= np.std(y) + 1e-12
    y += colored(rng, n, slope=-6.0) * db(-rng.uniform(5, 30))
    return y.astype(np.float32)


def noise_whistle(rng, n, ctx):
    t = np.arange(n) / SR
    y = colored(rng, n) * db(-rng.uniform(15, 40))
    if rng.random() < 0.5:  # slowly wandering whistle
        k = max(int(n / SR) + 2, 3)
        f = np.exp(np.interp(t, np.linspace(0, t[-1], k),
                             rng.uniform(np.log(500), np.log(8000), k)))
        y += np.sin(2 * np.pi * np.cumsum(f) / SR)
    else:  # repeated chirps
        period = rng.uniform(0.2, 2.0)
        dur = rng.uniform(0.05, min(period, 0.8))
        fa, fb = np.exp(rng.uniform(np.log(300), np.log(10000), 2))
        tt = np.mod(t, period)
        on = tt < dur
        f = fa * (fb / fa) ** np.clip(tt / dur, 0, 1)
        y += on * np.sin(2 * np.pi * np.cumsum(f) / SR)
    return y.astype(np.float32)


def noise_babble(rng, n, ctx):
    """3..8 other talkers of the split's voices (festival's are drawn as
    espeak ones: babble needs many short utterances, and festival's start-up
    is the slow part)."""
    speech, tmp = ctx['speech'], ctx['tmp']
    y = np.zeros(n, np.float32)
    talkers = int(rng.integers(3, 9))
    for _ in range(talkers):
        v = speech.pick_voice(rng)
        if v['source'] == 'festival':
            v = speech.pick_espeak(rng)
        x = speech.utterance(v, min(n / SR, 4.0), rng, tmp)
        x = fit_length(x, n, rng)
        y += x / (active_rms(x) + 1e-9) * db(rng.uniform(-6, 6))
    ctx['talkers'] = talkers
    return y / (np.std(y) + 1e-12)


def noise_hvac(rng, n, ctx):
    y = colored(rng, n, slope=-3.0) * 0.3
    for _ in range(rng.integers(1, 4)):
        fc = float(np.exp(rng.uniform(np.log(60), np.log(4000))))
        sos = sps.butter(2, [fc / 1.3, fc * 1.3], btype='band', fs=SR, output='sos')
        y += sps.sosfilt(sos, colored(rng, n, 0.0)) * rng.uniform(0.5, 2)
    rumble = sps.sosfilt(sps.butter(2, 120, fs=SR, output='sos'), colored(rng, n, 0.0))
    y += rumble * rng.uniform(0, 2)
    bpf = rng.uniform(20, 120)  # blade-pass tone
    y += rng.uniform(0, 0.3) * np.sin(2 * np.pi * bpf * np.arange(n) / SR)
    return (y / (np.std(y) + 1e-12)).astype(np.float32)


def noise_recorded(rng, n, ctx):
    files = ctx['noise_files']
    y = np.zeros(n, np.float32)
    used = []
    for _ in range(rng.integers(1, 3)):
        path = files[rng.integers(len(files))]
        x, sr = read_mono(path)
        x = to_48k(x - x.mean(), sr * rng.uniform(0.9, 1.1))
        x = fit_length(x, n, rng)
        y += x / (np.std(x) + 1e-9) * db(rng.uniform(-6, 0))
        used.append(os.path.basename(os.path.dirname(os.path.dirname(path))) + '/'
                    + os.path.basename(path))
    ctx['files'] = used
    return y / (np.std(y) + 1e-12)


NOISE_FUNCS = {'colored': noise_colored, 'modulated': noise_modulated,
               'clicks': noise_clicks, 'drone': noise_drone, 'whistle': noise_whistle,
               'babble': noise_babble, 'hvac': noise_hvac, 'recorded': noise_recorded}


def make_noise(rng, n, ctx, meta):
    fams = [rng.choice(NOISE_FAMILIES, p=NOISE_FAMILY_P)]
    if rng.random() < 0.3:
        fams.append(rng.choice(NOISE_FAMILIES, p=NOISE_FAMILY_P))
    y = np.zeros(n, np.float32)
    for i, fam in enumerate(fams):
        c = dict(ctx)
        x = NOISE_FUNCS[fam](rng, n, c)
        g = 1.0 if i == 0 else db(rng.uniform(-10, 0))
        y += g * x / (np.std(x) + 1e-12)
        if 'files' in c:
            meta['noise_files'] = c['files']
        if 'talkers' in c:
            meta['talkers'] = c['talkers']
    meta['noise'] = [str(f) for f in fams]
    if rng.random() < 0.15:  # level step mid-file
        step = float(rng.uniform(10, 20) * rng.choice([-1, 1]))
        at = int(rng.uniform(0.3, 0.8) * n)
        ramp = int(0.01 * SR)
        env = np.ones(n, np.float32)
        env[at:] = db(step)
        env[at:at + ramp] = np.linspace(1, db(step), len(env[at:at + ramp]))
        y *= env
        meta['step_db'] = round(step, 1)
    return y


# ------------------------------------------------------------------- pairs

def build_pair(job):
    """Synthesise one pair, write the wavs, run the feature tool."""
    split, idx, args, noise_files = job
    rng = np.random.default_rng([args['seed'], 0 if split == 'train' else 1, idx])
    outdir = os.path.join(args['out'], split)
    meta = {'index': idx}
    speech = _WORKER['speech'][split]
    with tempfile.TemporaryDirectory(prefix='fsdata') as tmp:
        dur = float(rng.uniform(6, 10))
        n = int(dur * SR)
        r = rng.random()
        kind = 'clean' if r < P_CLEAN_ONLY else 'noise' if r < P_CLEAN_ONLY + P_NOISE_ONLY else 'mix'
        meta['kind'] = kind
        # Lead-in: noise only before the speech, or digital silence then noise,
        # or speech almost at once.
        r = rng.random()
        silence = 0
        if r < 0.5:
            start = rng.uniform(0.5, 1.0)
            meta['lead'] = 'noise'
        elif r < 0.7:
            silence = int(rng.uniform(0.2, 1.0) * SR)
            start = silence / SR + rng.uniform(0.3, 1.0)
            meta['lead'] = 'silence'
        else:
            start = rng.uniform(0.05, 0.3)
            meta['lead'] = 'speech'
        s0 = int(start * SR)

        clean = np.zeros(n, np.float32)
        if kind != 'noise':
            voice = speech.pick_voice(rng)
            meta['voice'] = voice
            x = speech.utterance(voice, (n - s0) / SR, rng, tmp)
            x = random_eq(x, rng, meta)
            if rng.random() < 0.4:
                fc = float(rng.uniform(4000, 20000))
                x = lowpass(x, fc)
                meta['lowpass'] = round(fc)
            if rng.random() < P_REVERB:
                x = reverb(x, rng, meta)
            if rng.random() < P_CODEC:
                x = lossy_codec(x, rng, meta, tmp)
            clean[s0:s0 + len(x)] = x[:n - s0]
            level = float(rng.uniform(-45, -10))
            clean *= db(level) / (active_rms(clean) + 1e-12)
            meta['level_dbfs'] = round(level, 1)

        noisy = clean.copy()
        if kind != 'clean' or rng.random() < 0.5:
            ctx = {'speech': speech, 'tmp': tmp, 'noise_files': noise_files}
            noise = make_noise(rng, n - silence, ctx, meta)
            if kind == 'noise':
                nl = float(rng.uniform(-60, -15))
                noise *= db(nl) / (active_rms(noise) + 1e-12)
                meta['noise_dbfs'] = round(nl, 1)
            else:
                if kind == 'clean':
                    snr = 60.0
                elif rng.random() < 0.65:
                    snr = float(rng.uniform(0, 10))
                else:
                    snr = float(rng.uniform(-5, 20))
                meta['snr_db'] = round(snr, 1)
                noise *= active_rms(clean) / (np.sqrt(np.mean(noise ** 2)) + 1e-12) * db(-snr)
            noisy[silence:] += noise
        if rng.random() < 0.1:  # faint mains hum
            f = 50.0 if rng.random() < 0.5 else 60.0
            t = np.arange(n) / SR
            hum = sum(db(-6 * h) * np.sin(2 * np.pi * f * h * t + rng.uniform(0, 6.3))
                      for h in range(1, 6))
            noisy[silence:] += (db(rng.uniform(-70, -45)) * hum[silence:]).astype(np.float32)
            meta['hum'] = f
        if rng.random() < 0.05:  # DC offset
            dc = float(rng.uniform(-0.01, 0.01))
            noisy[silence:] += dc
            meta['dc'] = round(dc, 4)
        peak = max(np.max(np.abs(noisy)), np.max(np.abs(clean)))
        if peak > 0.99:
            g = 0.99 / peak
            clean *= g
            noisy *= g
        clean[:silence] = 0.0
        noisy[:silence] = 0.0
        meta['seconds'] = round(n / SR, 3)

        cpath = os.path.join(outdir, 'clean_%05d.wav' % idx)
        npath = os.path.join(outdir, 'noisy_%05d.wav' % idx)
        fpath = os.path.join(outdir, 'feat_%05d.f32' % idx)
        sf.write(cpath, clean, SR, subtype='FLOAT')
        sf.write(npath, noisy, SR, subtype='FLOAT')
    if args['features_tool']:
        subprocess.run([args['features_tool'], cpath, npath, fpath], check=True,
                       capture_output=True)
        size = os.path.getsize(fpath)
        if size % (RECORD_FLOATS * 4):
            raise RuntimeError('%s: size %d is not a whole number of records' % (fpath, size))
        meta['hops'] = size // (RECORD_FLOATS * 4)
        if not args['keep_wav']:
            os.remove(cpath)
            os.remove(npath)
    return split, meta


_WORKER = {}


def worker_init(klettres):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    text = Text()
    _WORKER['text'] = text
    _WORKER['speech'] = {s: Speech(text, s, klettres[s]) for s in ('train', 'val')}


def clip_snr_db(x, sr):
    """Speech over background of a recorded clip: mean energy of the 20 ms
    frames within 30 dB of the loudest, over the 10th percentile frame."""
    n = int(sr * 0.02)
    if len(x) < 5 * n:
        return 0.0
    e = frame_energies(x, n) + 1e-20
    active = np.mean(e[e > e.max() * ACTIVE_FLOOR])
    return float(10 * np.log10(active / np.percentile(e, 10)))


def klettres_split():
    """The usable klettres clips by split: language -> sorted paths."""
    out = {'train': {}, 'val': {}}
    for path in package_files('klettres-data', r'\.ogg$'):
        lang = os.path.relpath(path, KLETTRES_DIR).split(os.sep)[0]
        if lang in KLETTRES_NEVER:
            continue
        x, sr = read_mono(path)
        if np.max(np.abs(x)) >= 0.99 or clip_snr_db(x, sr) < KLETTRES_MIN_SNR_DB:
            continue
        split = 'val' if lang in KLETTRES_VAL else 'train'
        out[split].setdefault(lang, []).append(path)
    for split in out:
        out[split] = {l: c for l, c in out[split].items() if len(c) >= KLETTRES_MIN_CLIPS}
    return out


def noise_file_split():
    files = []
    for pkg in NOISE_PACKAGES:
        for f in package_files(pkg, r'\.wav$'):
            if sf.info(f).duration >= NOISE_MIN_SECONDS:
                files.append(f)
    files.sort()
    val = [f for i, f in enumerate(files) if i % NOISE_VAL_EVERY == 0]
    train = [f for i, f in enumerate(files) if i % NOISE_VAL_EVERY != 0]
    return train, val


def check_sources():
    missing = [p for p in PACKAGES if dpkg_version(p) is None]
    if missing:
        sys.exit('missing Debian packages: %s (dsp/train/reproduce.sh installs them)'
                 % ' '.join(missing))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', required=True, help='output folder')
    ap.add_argument('--hours', type=float, default=3.0, help='hours of audio, both splits')
    ap.add_argument('--val-fraction', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=DEFAULT_SEED)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--features-tool', default=None,
                    help='fs-train-features (default: build/dsp/train/fs-train-features '
                         'under the repository root)')
    ap.add_argument('--no-features', action='store_true',
                    help='write the wavs only (implies --keep-wav)')
    ap.add_argument('--keep-wav', action='store_true')
    ap.add_argument('--only-split', choices=('train', 'val'),
                    help='build one split only (the same pairs as in a full build), '
                         'e.g. the validation wavs for holdout_corpus.py; use its own --out')
    a = ap.parse_args()

    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    tool = None
    if not a.no_features:
        tool = os.path.abspath(a.features_tool or
                               os.path.join(repo, 'build', 'dsp', 'train', 'fs-train-features'))
        if not os.access(tool, os.X_OK):
            sys.exit('feature tool not found: %s (meson compile -C build fs-train-features)' % tool)
    check_sources()

    n_total = max(2, int(round(a.hours * 3600 / MEAN_PAIR_SECONDS)))
    n_val = max(1, int(round(n_total * a.val_fraction)))
    n_train = n_total - n_val
    for s in ('train', 'val'):
        os.makedirs(os.path.join(a.out, s), exist_ok=True)
    noise_train, noise_val = noise_file_split()
    klettres = klettres_split()
    args = {'seed': a.seed, 'out': a.out, 'features_tool': tool,
            'keep_wav': a.keep_wav or a.no_features}
    jobs = [('train', i, args, noise_train) for i in range(n_train)]
    jobs += [('val', i, args, noise_val) for i in range(n_val)]
    if a.only_split:
        jobs = [j for j in jobs if j[0] == a.only_split]

    t0 = time.time()
    metas = {'train': [], 'val': []}
    with multiprocessing.Pool(a.workers, initializer=worker_init, initargs=(klettres,)) as pool:
        for k, (split, meta) in enumerate(pool.imap_unordered(build_pair, jobs, chunksize=1)):
            metas[split].append(meta)
            if (k + 1) % 20 == 0 or k + 1 == len(jobs):
                el = time.time() - t0
                print('%d/%d pairs, %.0f s' % (k + 1, len(jobs), el), flush=True)
    elapsed = time.time() - t0

    summary = {}
    for s in ('train', 'val'):
        metas[s].sort(key=lambda m: m['index'])
        with open(os.path.join(a.out, s, 'manifest.jsonl'), 'w') as f:
            for m in metas[s]:
                f.write(json.dumps(m, sort_keys=True) + '\n')
        voices, fams, kinds = {}, {}, {}
        for m in metas[s]:
            kinds[m['kind']] = kinds.get(m['kind'], 0) + 1
            if 'voice' in m:
                v = m['voice']
                key = v['source'] + ':' + v['voice'] + ('+' + v['variant'] if 'variant' in v else '')
                voices[key] = voices.get(key, 0) + 1
            for fam in m.get('noise', []):
                fams[fam] = fams.get(fam, 0) + 1
        summary[s] = {'pairs': len(metas[s]),
                      'seconds': round(sum(m['seconds'] for m in metas[s]), 1),
                      'hops': sum(m.get('hops', 0) for m in metas[s]),
                      'kinds': kinds, 'voices': dict(sorted(voices.items())),
                      'noise_families': dict(sorted(fams.items()))}

    recipe = {
        'script': 'dsp/train/build_data.py', 'script_version': SCRIPT_VERSION,
        'seed': a.seed, 'hours': a.hours, 'val_fraction': a.val_fraction,
        'sample_rate': SR, 'record_floats': RECORD_FLOATS,
        'packages': {p: dpkg_version(p) for p in PACKAGES},
        'never_used': FORBIDDEN_PACKAGES + ['espeak-ng en-us+f3', 'shared/ corpora'],
        'held_out_for_validation': {
            'espeak_variants': sorted(ESPEAK_VAL_VARIANTS),
            'espeak_languages': sorted(ESPEAK_VAL_LANGS),
            'festival_voices': [v for v, _ in FESTIVAL_VAL],
            'asterisk_voice': os.path.basename(ASTERISK_VAL),
            'klettres_languages': {l: len(c) for l, c in sorted(klettres['val'].items())},
            'recorded_noise_files': [os.path.relpath(f, '/usr/share') for f in noise_val],
            'seeds': 'validation pair i uses the generator seeded with (seed, 1, i); training (seed, 0, i)',
        },
        'train_voices': {
            'espeak_languages': [l for l, _ in ESPEAK_LANGS if l not in ESPEAK_VAL_LANGS],
            'espeak_variants': [v for v in ESPEAK_VARIANTS if v not in ESPEAK_VAL_VARIANTS],
            'festival_voices': [v for v, _ in FESTIVAL_TRAIN],
            'asterisk_voice': os.path.basename(ASTERISK_TRAIN),
            'klettres_languages': {l: len(c) for l, c in sorted(klettres['train'].items())},
            'klettres_rule': 'clips not clipped, speech >= %.0f dB over their background, '
                             'languages with >= %d such clips; never %s'
                             % (KLETTRES_MIN_SNR_DB, KLETTRES_MIN_CLIPS,
                                ' '.join(sorted(KLETTRES_NEVER))),
        },
        'noise_families': dict(zip(NOISE_FAMILIES, NOISE_FAMILY_P)),
        'recorded_noise_train_files': [os.path.relpath(f, '/usr/share') for f in noise_train],
        'text_sources': sorted(WORDLISTS.values()) + [LICENSE_DIR + '/*',
                                                      'Czech and Finnish pseudo-words'],
        'splits': summary,
        'build_seconds': round(elapsed, 1),
        'workers': a.workers,
    }
    if a.only_split:
        recipe['only_split'] = a.only_split
    for bad in FORBIDDEN_PACKAGES:
        assert bad not in recipe['packages']
    with open(os.path.join(a.out, 'recipe.json'), 'w') as f:
        json.dump(recipe, f, indent=1, sort_keys=True)
    audio = summary['train']['seconds'] + summary['val']['seconds']
    print('built %.0f s of audio in %.0f s: %.0f s per hour of audio'
          % (audio, elapsed, elapsed * 3600 / max(audio, 1)))


if __name__ == '__main__':
    main()
