#!/usr/bin/env python3
"""Writes a short 16-bit test WAV: tone bursts over noise.  Usage: make_wav.py OUT [RATE] [SECONDS] [CHANNELS]"""
import math, random, struct, sys, wave

out = sys.argv[1]
rate = int(sys.argv[2]) if len(sys.argv) > 2 else 48000
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
channels = int(sys.argv[4]) if len(sys.argv) > 4 else 1
rng = random.Random(1)
frames = bytearray()
for i in range(int(rate * seconds)):
    burst = 0.3 * math.sin(2 * math.pi * 220 * i / rate) if (i // (rate // 4)) % 2 else 0.0
    for c in range(channels):
        x = burst + 0.05 * (rng.random() * 2 - 1)
        frames += struct.pack('<h', int(max(-1.0, min(1.0, x)) * 32767))
with wave.open(out, 'wb') as w:
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(bytes(frames))
