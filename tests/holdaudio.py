"""Synthetic hold audio for tests and benchmarks (the data folder has none; made here, honestly).

Four kinds, each deterministic for a seed:

* ``piano``: a piano-like chord progression (I-V-vi-IV, arpeggiated, each note additive harmonics
  with a slight inharmonicity, 5 ms attack and an exponential decay, plus a bass note per chord);
* ``melody``: a looped 8-note melody of plucked notes over a soft sustained pad;
* ``tone``: a 425 Hz hold/queue tone, 1 s on, 1 s off (the European call-progress frequency);
* ``announcement``: hold music with a recorded announcement in it: 6 s of the piano, then the
  announcement (espeak-ng, or any speech given) over the piano 12 dB below it, again and again;
* ``announcement-loop``: only the announcement over a music bed 10 dB below it, looped.

:func:`insert_hold` puts hold audio into one channel of a recording, shifting what follows.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

KINDS = ("piano", "melody", "tone", "announcement", "announcement-loop")

#: equal-tempered note frequencies, Hz (A4 = 440)
def _hz(semitones_from_a4: float) -> float:
    return 440.0 * 2 ** (semitones_from_a4 / 12)


def _note(f0: float, dur_s: float, sr: int, *, decay_s: float = 0.8, n_harm: int = 8, inharm: float = 2e-4) -> np.ndarray:
    t = np.arange(int(dur_s * sr)) / sr
    y = np.zeros_like(t)
    for k in range(1, n_harm + 1):
        fk = f0 * k * np.sqrt(1 + inharm * k * k)
        if fk >= 0.45 * sr:
            break
        y += np.sin(2 * np.pi * fk * t) / k ** 1.2 * np.exp(-t * k / (decay_s * 3))
    env = np.minimum(1.0, t / 0.005) * np.exp(-t / decay_s)
    return y * env


def _level(y: np.ndarray, dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(y ** 2))) or 1.0
    return (y / rms * 10 ** (dbfs / 20)).astype(np.float32)


def piano(duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0) -> np.ndarray:
    """I-V-vi-IV in C, 2 s per chord, arpeggio every 0.25 s, bass per chord."""
    rng = np.random.default_rng(seed)
    chords = [(-9, -5, -2), (-2, 2, 5), (0, 3, 7), (-4, 0, 3)]  # C E G, G B D, A C E, F A C (from A4)
    out = np.zeros(int(duration_s * sr) + sr * 3)
    t = 0.0
    i = 0
    while t < duration_s:
        ch = chords[i % len(chords)]
        b = _note(_hz(ch[0] - 24), 2.0, sr, decay_s=1.2)
        a = int(t * sr)
        out[a:a + len(b)] += 0.8 * b
        for k in range(8):
            n = _note(_hz(ch[k % 3] + 12 * (k // 3 % 2)), 0.9, sr, decay_s=0.5)
            s = int((t + 0.25 * k + rng.uniform(-0.01, 0.01)) * sr)
            s = max(0, s)
            out[s:s + len(n)] += 0.5 * n
        t += 2.0
        i += 1
    return _level(out[: int(duration_s * sr)], dbfs)


def melody(duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0) -> np.ndarray:
    """An 8-note melody (0.3/0.6 s notes) looped over a sustained two-note pad."""
    steps = [(3, 0.3), (7, 0.3), (10, 0.6), (8, 0.3), (7, 0.3), (5, 0.6), (3, 0.3), (2, 0.9)]
    n = int(duration_s * sr)
    out = np.zeros(n + sr * 2)
    t = 0.0
    while t < duration_s:
        for st, d in steps:
            note = _note(_hz(st), d + 0.4, sr, decay_s=0.4, n_harm=5)
            a = int(t * sr)
            out[a:a + len(note)] += note[: max(0, min(len(note), len(out) - a))]
            t += d
    tt = np.arange(len(out)) / sr
    pad = 0.15 * (np.sin(2 * np.pi * _hz(-9) * tt) + np.sin(2 * np.pi * _hz(-2) * tt))
    return _level((out + pad)[:n], dbfs)


def tone(duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0, on_s: float = 1.0, off_s: float = 1.0,
         freq_hz: float = 425.0) -> np.ndarray:
    n = int(duration_s * sr)
    t = np.arange(n) / sr
    gate = ((t % (on_s + off_s)) < on_s).astype(float)
    y = np.sin(2 * np.pi * freq_hz * t) * gate
    y = _level(y, dbfs + 10 * np.log10((on_s + off_s) / on_s))
    return y


def espeak(text: str, sr: int, *, voice: str = "en-us", speed: int = 150) -> np.ndarray | None:
    """espeak-ng speech resampled to ``sr`` (None when espeak-ng is not installed)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    import soundfile as sf
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "a.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True, capture_output=True)
        y, r = sf.read(wav, dtype="float32")
    from math import gcd

    g = gcd(r, sr)
    return resample_poly(y, sr // g, r // g).astype(np.float32)


ANNOUNCEMENT_TEXT = "Thank you for calling. All our agents are busy at the moment. Please hold the line, you will be connected shortly."


def announcement(duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0, speech: np.ndarray | None = None,
                 bed_db: float = -10.0) -> np.ndarray:
    """Speech over a music bed ``bed_db`` below it, looped to ``duration_s`` (speech: espeak-ng
    reading :data:`ANNOUNCEMENT_TEXT` unless given)."""
    if speech is None:
        speech = espeak(ANNOUNCEMENT_TEXT, sr)
        if speech is None:
            raise RuntimeError("espeak-ng is not installed: pass speech=")
    loop = np.concatenate([np.zeros(int(0.5 * sr), np.float32), _level(speech, dbfs), np.zeros(int(1.0 * sr), np.float32)])
    n = int(duration_s * sr)
    reps = int(np.ceil(n / len(loop)))
    voice = np.tile(loop, reps)[:n]
    bed = piano(duration_s, sr, seed=seed, dbfs=dbfs + bed_db)
    return (voice + bed[:n]).astype(np.float32)


def music_with_announcement(duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0,
                            speech: np.ndarray | None = None, music_s: float = 6.0, bed_db: float = -12.0) -> np.ndarray:
    """6 s of piano, then the announcement over the piano ``bed_db`` below it, repeated; the hold
    ends in music (an announcement is not cut off)."""
    if speech is None:
        speech = espeak(ANNOUNCEMENT_TEXT, sr)
        if speech is None:
            raise RuntimeError("espeak-ng is not installed: pass speech=")
    n = int(duration_s * sr)
    bed = piano(duration_s + 1.0, sr, seed=seed, dbfs=dbfs)
    out = bed[:n].copy()
    voice = _level(speech, dbfs)
    t = int(music_s * sr)
    while t + len(voice) + int(music_s * sr / 2) <= n:  # hold ends in music: the agent takes the call back
        e = t + len(voice)
        out[t:e] = voice[: e - t] + bed[t:e] * 10 ** (bed_db / 20)
        t = e + int(music_s * sr)
    return out.astype(np.float32)


def make(kind: str, duration_s: float, sr: int, *, seed: int = 0, dbfs: float = -24.0, **kw: object) -> np.ndarray:
    fn = {"piano": piano, "melody": melody, "tone": tone, "announcement": music_with_announcement,
          "announcement-loop": announcement}[kind]
    return fn(duration_s, sr, seed=seed, dbfs=dbfs, **kw)  # type: ignore[operator]


def insert_hold(x: np.ndarray, sr: int, *, at_s: float, hold: np.ndarray, channel: int | None = None) -> np.ndarray:
    """``x`` (channels, n) or (n,) with ``hold`` inserted at ``at_s`` seconds: on ``channel`` the hold
    audio, on the other channels silence (a quiet copy of nothing: zeros) for its length; what
    followed ``at_s`` is shifted by the hold's length."""
    x2 = np.atleast_2d(x)
    a = int(round(at_s * sr))
    ins = np.zeros((x2.shape[0], len(hold)), dtype=x2.dtype)
    if channel is None:
        ins[:] = hold
    else:
        ins[channel] = hold
    out = np.concatenate([x2[:, :a], ins, x2[:, a:]], axis=1)
    return out if x.ndim == 2 else out[0]
