"""Generate callcheck's synthetic sample calls (``samples/<agent>/<call_id>.wav`` + ``.truth.json``).

Every call is made here, by the project, from text with the ``espeak-ng`` speech synthesiser
(used as an external program only). The truth of each call is known by construction: every
utterance is synthesised on its own, its leading and trailing silence is trimmed, and it is placed
at a chosen sample position on the speaker's track, so ``start_s``/``end_s`` are the true speech
bounds.

Format: 16-bit PCM WAV, 16 kHz, stereo, agent on the LEFT channel, caller on the RIGHT. Realism:
independent background noise on both channels (about -55 dBFS RMS) and crosstalk (each party leaks
into the other channel at -30 dB).

Usage::

    python samples/make_samples.py            # (re)writes every call next to this script
    python samples/make_samples.py --out DIR  # writes them elsewhere

Requires ``espeak-ng`` on PATH (``apt-get install espeak-ng``) and numpy, scipy, soundfile.
The output is deterministic for a given espeak-ng version (recorded in each truth JSON).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import soundfile as sf
from scipy import signal

SAMPLE_RATE_HZ = 16000
ESPEAK_RATE_HZ = 22050
SPEECH_LEVEL_DBFS = -24.0  # active-speech RMS of a normal utterance
NOISE_LEVEL_DBFS = -55.0  # RMS of the background noise on each channel
CROSSTALK_DB = -30.0  # level of each party's leak into the other channel, relative
TRIM_THRESHOLD_DB = (
    -40.0
)  # a 5 ms frame is speech when its RMS is within this of the loudest
TRIM_FRAME_S = 0.005
LEAD_IN_S = 0.5  # silence before the first utterance
TAIL_S = 0.7  # silence after the last utterance


class SampleError(Exception):
    """A sample call cannot be generated (one line, names the fix)."""


# --------------------------------------------------------------------------- synthesis


@dataclass(frozen=True)
class Voice:
    """espeak-ng settings of one utterance (written to the truth JSON as they were used)."""

    name: str  # espeak-ng -v, e.g. "de+f2"
    speed_wpm: int = 160  # espeak-ng -s
    pitch: int = 50  # espeak-ng -p (0..99)
    pitch_range: str | None = None  # SSML <prosody range="..."> (None: voice default)
    word_gap: int = 0  # espeak-ng -g, units of 10 ms

    def to_json(self) -> dict:
        return {
            "espeak_voice": self.name,
            "speed_wpm": self.speed_wpm,
            "pitch": self.pitch,
            "ssml_prosody_range": self.pitch_range,
            "word_gap_10ms": self.word_gap,
        }

    def with_(self, **changes) -> Voice:
        return Voice(**{**asdict(self), **changes})


@dataclass(frozen=True)
class Degrade:
    """How an utterance is made unclear (mistake 6)."""

    lowpass_hz: float = 1200.0
    snr_db: float = 6.0  # white noise added inside the utterance, relative to its RMS
    level_db: float = -10.0  # extra gain on top of the normal speech level

    def to_json(self) -> dict:
        return {
            "lowpass_hz": self.lowpass_hz,
            "noise_snr_db": self.snr_db,
            "level_db": self.level_db,
        }


def espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SampleError(
            "espeak-ng not found on PATH; install it with: apt-get install espeak-ng"
        )
    out = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, check=True
    ).stdout
    return out.strip()


def _active_rms(x: np.ndarray) -> float:
    """RMS over 20 ms frames within 40 dB of the loudest frame (internal pauses excluded)."""
    n = int(0.02 * SAMPLE_RATE_HZ)
    frames = x[: len(x) // n * n].reshape(-1, n)
    power = (frames**2).mean(axis=1)
    active = power > power.max() * 1e-4
    return float(np.sqrt(power[active].mean()))


def synthesize(text: str, voice: Voice) -> np.ndarray:
    """Speak ``text`` with espeak-ng; 16 kHz float64, leading/trailing silence trimmed."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SampleError(
            "espeak-ng not found on PATH; install it with: apt-get install espeak-ng"
        )
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "u.wav"
        cmd = [
            exe,
            "-v",
            voice.name,
            "-s",
            str(voice.speed_wpm),
            "-p",
            str(voice.pitch),
            "-g",
            str(voice.word_gap),
            "-z",
            "-w",
            str(wav),
        ]
        if voice.pitch_range is not None:
            cmd += [
                "-m",
                f'<speak><prosody range="{voice.pitch_range}">{escape(text)}</prosody></speak>',
            ]
        else:
            cmd += [text]
        subprocess.run(cmd, check=True, capture_output=True)
        y, sr = sf.read(wav, dtype="float64")
    if sr != ESPEAK_RATE_HZ:
        raise SampleError(f"espeak-ng wrote {sr} Hz, expected {ESPEAK_RATE_HZ} Hz")
    y = signal.resample_poly(y, SAMPLE_RATE_HZ // 50, ESPEAK_RATE_HZ // 50)  # 320/441
    return trim(y)


def trim(y: np.ndarray) -> np.ndarray:
    """Cut to the first..last 5 ms frame whose RMS is within 40 dB of the loudest frame."""
    n = int(TRIM_FRAME_S * SAMPLE_RATE_HZ)
    power = (y[: len(y) // n * n].reshape(-1, n) ** 2).mean(axis=1)
    if power.size == 0 or power.max() == 0.0:
        raise SampleError("espeak-ng produced silence")
    on = np.nonzero(power > power.max() * 10 ** (TRIM_THRESHOLD_DB / 10))[0]
    return y[on[0] * n : (on[-1] + 1) * n]


def degrade(y: np.ndarray, d: Degrade, rng: np.random.Generator) -> np.ndarray:
    sos = signal.butter(6, d.lowpass_hz, btype="low", fs=SAMPLE_RATE_HZ, output="sos")
    z = signal.sosfiltfilt(sos, y)
    noise = rng.standard_normal(len(z))
    noise *= _active_rms(z) * 10 ** (-d.snr_db / 20) / noise.std()
    return z + noise


# --------------------------------------------------------------------------- call builder


@dataclass
class Segment:
    speaker: str
    start_n: int
    audio: np.ndarray
    text: str
    voice: Voice
    level_dbfs: float
    degraded: Degrade | None
    kind: str  # "turn" | "backchannel" | "interruption"

    @property
    def start_s(self) -> float:
        return self.start_n / SAMPLE_RATE_HZ

    @property
    def end_s(self) -> float:
        return (self.start_n + len(self.audio)) / SAMPLE_RATE_HZ

    def to_json(self) -> dict:
        words = len(self.text.split())
        dur = self.end_s - self.start_s
        return {
            "speaker": self.speaker,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "text": self.text,
            "voice": self.voice.to_json(),
            "kind": self.kind,
            "word_count": words,
            "speech_rate_wpm": round(words / dur * 60, 1),
            "level_dbfs": self.level_dbfs,
            "degraded": self.degraded.to_json() if self.degraded else None,
        }


@dataclass
class Call:
    call_id: str
    agent: str
    language: str
    seed: int
    segments: list[Segment] = field(default_factory=list)
    intended_findings: list[dict] = field(default_factory=list)
    good_practice: list[dict] = field(default_factory=list)
    promises: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    @property
    def cursor_s(self) -> float:
        return max((s.end_s for s in self.segments), default=LEAD_IN_S)

    def say(
        self,
        speaker: str,
        text: str,
        voice: Voice,
        *,
        gap_s: float = 0.5,
        at_s: float | None = None,
        level_dbfs: float = SPEECH_LEVEL_DBFS,
        degraded: Degrade | None = None,
        kind: str = "turn",
        spoken: str | None = None,
    ) -> Segment:
        """Place an utterance ``gap_s`` after the latest end so far, or at ``at_s``.

        ``spoken`` is what espeak gets when it differs from the ``text`` written to the truth
        (e.g. punctuation removed so that the rushed agent takes no breath).
        """
        y = synthesize(spoken if spoken is not None else text, voice)
        if degraded is not None:
            y = degrade(y, degraded, self.rng)
            level_dbfs = level_dbfs + degraded.level_db
        y = y * (10 ** (level_dbfs / 20) / _active_rms(y))
        start_s = self.cursor_s + gap_s if at_s is None else at_s
        seg = Segment(
            speaker,
            round(start_s * SAMPLE_RATE_HZ),
            y,
            text,
            voice,
            level_dbfs,
            degraded,
            kind,
        )
        self.segments.append(seg)
        return seg

    def backchannel(
        self, text: str, voice: Voice, inside: Segment, at_fraction: float
    ) -> Segment:
        """A short acknowledgement entirely inside ``inside`` (the other party's utterance)."""
        at_s = inside.start_s + at_fraction * (inside.end_s - inside.start_s)
        seg = self.say(
            "agent" if inside.speaker == "caller" else "caller",
            text,
            voice,
            at_s=at_s,
            kind="backchannel",
            level_dbfs=SPEECH_LEVEL_DBFS - 4,
        )
        if not (
            inside.start_s < seg.start_s
            and seg.end_s < inside.end_s
            and seg.end_s - seg.start_s < 1.0
        ):
            raise SampleError(
                f"{self.call_id}: backchannel {text!r} is not a short sound inside "
                "the other party's utterance; change at_fraction"
            )
        return seg

    def interrupt(
        self,
        speaker: str,
        text: str,
        voice: Voice,
        *,
        into: Segment,
        overlap_s: float,
        **kw,
    ) -> Segment:
        """Start ``overlap_s`` before ``into`` ends: both parties talk at once for ``overlap_s``."""
        return self.say(
            speaker, text, voice, at_s=into.end_s - overlap_s, kind="interruption", **kw
        )

    # -- truth annotations ----------------------------------------------------------
    def finding(
        self, mistake: int, first: Segment, last: Segment | None, why: str
    ) -> None:
        last = last or first
        self.intended_findings.append(
            {
                "mistake": mistake,
                "start_s": round(first.start_s, 4),
                "end_s": round(last.end_s, 4),
                "why": why,
            }
        )

    def good(self, what: str, seg: Segment) -> None:
        self.good_practice.append(
            {
                "what": what,
                "start_s": round(seg.start_s, 4),
                "end_s": round(seg.end_s, 4),
                "text": seg.text,
            }
        )

    def promise(self, seg: Segment, text: str) -> None:
        self.promises.append(
            {
                "start_s": round(seg.start_s, 4),
                "end_s": round(seg.end_s, 4),
                "text": text,
            }
        )

    # -- derived facts --------------------------------------------------------------
    def duration_s(self) -> float:
        n = max(s.start_n + len(s.audio) for s in self.segments) + int(
            TAIL_S * SAMPLE_RATE_HZ
        )
        return n / SAMPLE_RATE_HZ

    def talk_time_s(self, speaker: str) -> float:
        """Union of this speaker's segments, seconds."""
        spans = sorted(
            (s.start_s, s.end_s) for s in self.segments if s.speaker == speaker
        )
        total, cur_s, cur_e = 0.0, None, None
        for a, b in spans:
            if cur_e is None or a > cur_e:
                total += 0.0 if cur_e is None else cur_e - cur_s
                cur_s, cur_e = a, b
            else:
                cur_e = max(cur_e, b)
        return total + (0.0 if cur_e is None else cur_e - cur_s)

    def overlaps(self) -> list[dict]:
        out = []
        for s in self.segments:
            if s.kind not in ("backchannel", "interruption"):
                continue
            for o in self.segments:
                if o.speaker != s.speaker and o.start_s < s.start_s < o.end_s:
                    out.append(
                        {
                            "start_s": round(s.start_s, 4),
                            "end_s": round(min(s.end_s, o.end_s), 4),
                            "interrupter": s.speaker,
                            "kind": s.kind,
                        }
                    )
        return sorted(out, key=lambda d: d["start_s"])

    def reply_gaps(self) -> list[dict]:
        """Gaps from the end of one party's turn to the start of the other party's next turn."""
        turns = sorted(
            (s for s in self.segments if s.kind != "backchannel"),
            key=lambda s: s.start_n,
        )
        out = []
        for prev, nxt in pairwise(turns):
            if prev.speaker != nxt.speaker:
                out.append(
                    {
                        "by": nxt.speaker,
                        "at_s": round(nxt.start_s, 4),
                        "gap_s": round(nxt.start_s - prev.end_s, 4),
                    }
                )
        return out

    # -- output -----------------------------------------------------------------------
    def render(self) -> np.ndarray:
        n = round(self.duration_s() * SAMPLE_RATE_HZ)
        tracks = {"agent": np.zeros(n), "caller": np.zeros(n)}
        for s in self.segments:
            tracks[s.speaker][s.start_n : s.start_n + len(s.audio)] += s.audio
        leak = 10 ** (CROSSTALK_DB / 20)
        noise = self.rng.standard_normal((n, 2)) * 10 ** (NOISE_LEVEL_DBFS / 20)
        left = tracks["agent"] + leak * tracks["caller"] + noise[:, 0]
        right = tracks["caller"] + leak * tracks["agent"] + noise[:, 1]
        stereo = np.stack([left, right], axis=1)
        peak = np.abs(stereo).max()
        if peak >= 0.99:
            raise SampleError(
                f"{self.call_id}: peak {peak:.2f} would clip; lower SPEECH_LEVEL_DBFS"
            )
        return stereo

    def truth(self, version: str) -> dict:
        agent_t, caller_t = self.talk_time_s("agent"), self.talk_time_s("caller")
        return {
            "call_id": self.call_id,
            "agent": self.agent,
            "language": self.language,
            "layout": "agent-left",
            "sample_rate": SAMPLE_RATE_HZ,
            "duration_s": round(self.duration_s(), 4),
            "segments": [
                s.to_json() for s in sorted(self.segments, key=lambda s: s.start_n)
            ],
            "intended_findings": self.intended_findings,
            "good_practice": self.good_practice,
            "promises": self.promises,
            "overlaps": self.overlaps(),
            "reply_gaps": self.reply_gaps(),
            "talk_time_s": {"agent": round(agent_t, 3), "caller": round(caller_t, 3)},
            "agent_talk_share": round(agent_t / (agent_t + caller_t), 3),
            "synthesis": {
                "generator": "samples/make_samples.py",
                "espeak_ng": version,
                "speech_level_dbfs": SPEECH_LEVEL_DBFS,
                "noise_level_dbfs": NOISE_LEVEL_DBFS,
                "crosstalk_db": CROSSTALK_DB,
                "seed": self.seed,
            },
            "notes": " ".join(self.notes),
        }


def no_pauses(text: str) -> str:
    """Text without the punctuation at which espeak-ng pauses (the rushed agent never breathes)."""
    return re.sub(r"[,.;:!?]", "", text)


# --------------------------------------------------------------------------- the calls

SONJA = Voice("de+klatt2", speed_wpm=150, pitch=75)
BEN = Voice("en-us", speed_wpm=165, pitch=45)


def call_de01_good_practice() -> Call:
    """German, clean: short greeting, questions, empathy, backchannels, a promise."""
    c = Call("de01_good_practice", "sonja", "de", seed=101)
    caller = Voice("de+m1", speed_wpm=155, pitch=40)
    g = c.say("agent", "Grumps und Söhne, Sonja Müller, guten Tag.", SONJA, gap_s=0.0)
    c.good("short_greeting", g)
    story = c.say(
        "caller",
        "Guten Tag, hier ist Peter Wagner. Ich habe vor zwei Wochen eine "
        "Waschmaschine bei Ihnen bestellt, und sie ist immer noch nicht angekommen. "
        "Ich habe extra einen Tag Urlaub genommen, aber niemand ist gekommen.",
        caller,
        gap_s=0.45,
    )
    b1 = c.backchannel("mhm", SONJA, story, 0.30)
    b2 = c.backchannel("ja", SONJA, story, 0.68)
    c.good("backchannel", b1)
    c.good("backchannel", b2)
    c.good("listening", story)
    e = c.say("agent", "Das verstehe ich, das tut mir wirklich leid.", SONJA, gap_s=0.5)
    c.good("empathy", e)
    q1 = c.say(
        "agent", "Auf welchen Namen wurde die Maschine bestellt?", SONJA, gap_s=0.35
    )
    c.good("question", q1)
    a1 = c.say("caller", "Auf Peter Wagner, in Hamburg.", caller, gap_s=0.6)
    q2 = c.say(
        "agent", "Danke. Wann sind Sie morgen am besten erreichbar?", SONJA, gap_s=0.7
    )
    c.good("question", q2)
    a2 = c.say(
        "caller",
        "Am besten am Vormittag, ab neun Uhr bin ich zu Hause.",
        caller,
        gap_s=0.5,
    )
    p = c.say(
        "agent",
        "Gut, ich kläre das. Ich rufe Sie morgen um zehn Uhr an.",
        SONJA,
        gap_s=0.6,
    )
    c.good("promise", p)
    c.promise(p, "Ich rufe Sie morgen um zehn Uhr an.")
    c.say("caller", "Prima, vielen Dank. Auf Wiederhören.", caller, gap_s=0.4)
    c.say("agent", "Auf Wiederhören, Herr Wagner.", SONJA, gap_s=0.3)
    c.notes.append(
        "Clean good-practice call: none of the eight mistakes is intended. Short greeting "
        "(7 words), two backchannels inside the caller's story (< 1 s, not "
        "interruptions), reply gaps 0.3-0.7 s, empathy, two questions, one promise. "
        "Agent voice as in de02/de05 (same espeak voice) with the voice's normal "
        "intonation, so de02 must rank flatter."
    )
    del a1, a2
    return c


def call_de02_greeting_toneless_indifferent() -> Call:
    """German: mistakes 4 (overlong antiquated greeting), 1 (toneless), 2 (indifferent)."""
    c = Call("de02_greeting_toneless_indifferent", "sonja", "de", seed=202)
    flat = SONJA.with_(pitch_range="x-low", speed_wpm=130)
    quiet = SPEECH_LEVEL_DBFS - 8
    caller = Voice("de+f4", speed_wpm=180, pitch=60)
    g = c.say(
        "agent",
        "Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja "
        "Müller-Lüdenscheid, was kann ich für Sie tun?",
        flat,
        gap_s=0.0,
        level_dbfs=quiet,
    )
    c.finding(
        4,
        g,
        None,
        f"The article's antiquated, overlong greeting: {len(g.text.split())} "
        f"words, {g.end_s - g.start_s:.1f} s, stock formulas "
        "'Herzlich willkommen bei', 'mein Name ist', 'was kann ich für Sie tun'; the caller "
        "cannot speak until it ends.",
    )
    c1 = c.say(
        "caller",
        "Hallo, mein Drucker von Ihnen druckt seit gestern nur noch leere Seiten. "
        "Ich brauche ihn dringend für meine Arbeit.",
        caller,
        gap_s=0.5,
    )
    a1 = c.say("agent", "Dann ist die Patrone leer.", flat, gap_s=3.2, level_dbfs=quiet)
    c.say(
        "caller",
        "Nein, die Patrone ist ganz neu. Das ist wirklich frustrierend, ich habe "
        "morgen einen wichtigen Termin.",
        caller,
        gap_s=0.5,
    )
    c.say(
        "agent",
        "Dann müssen Sie das Gerät einschicken. Das dauert drei Wochen.",
        flat,
        gap_s=3.5,
        level_dbfs=quiet,
    )
    c.say(
        "caller",
        "Das ist viel zu lang. Gibt es keine andere Lösung?",
        caller,
        gap_s=0.5,
    )
    c.say("agent", "Nein. Steht alles im Internet.", flat, gap_s=3.8, level_dbfs=quiet)
    c.say("caller", "Na gut. Auf Wiederhören.", caller, gap_s=0.5)
    last = c.say("agent", "Wiederhören.", flat, gap_s=2.6, level_dbfs=quiet)
    c.finding(
        1,
        g,
        last,
        "Toneless agent: every agent utterance is synthesised with a flat pitch "
        "contour (SSML prosody range x-low) and at a slower speed than in de01 (same voice, "
        "normal range), so the F0 variation in semitones is far below the agent's own de01 "
        "baseline.",
    )
    c.finding(
        2,
        a1,
        last,
        "Indifferent agent: quiet (8 dB below the caller), reply latencies "
        "2.6-3.8 s, curt answers, no empathy although the caller says 'wirklich "
        "frustrierend', no backchannels, no questions.",
    )
    del c1
    c.notes.append(
        "Agent speech level -32 dBFS (caller -24 dBFS). Flatness verified by measuring "
        "F0 with librosa.yin (see tests/test_samples_truth.py)."
    )
    return c


def call_en03_impatient_knowitall() -> Call:
    """English: mistakes 3 (impatience, interruptions) and 8 (know-it-all, no empathy)."""
    c = Call("en03_impatient_knowitall", "ben", "en", seed=303)
    caller = Voice("en-gb-x-rp+f3", speed_wpm=185, pitch=55)
    ben = BEN.with_(speed_wpm=180)
    c.say("agent", "Grumps and Sons, Ben Carter, good morning.", ben, gap_s=0.0)
    c1 = c.say(
        "caller",
        "Hi, my internet keeps dropping every evening and I already restarted "
        "the router twice but it still keeps going down",
        caller,
        gap_s=0.4,
    )
    i1 = c.interrupt(
        "agent",
        "Yes, yes, get to the point. Your router is simply set up wrong. You "
        "have to reset it to factory settings, and then you have to log in again. "
        "Everybody who calls about this did it wrong. The "
        "line is fine, the problem is your setup.",
        ben,
        into=c1,
        overlap_s=1.6,
    )
    c2 = c.say(
        "caller",
        "But I did reset it, I followed your guide step by step and it made "
        "no difference at all",
        caller,
        gap_s=0.3,
    )
    i2 = c.interrupt(
        "agent",
        "No, that's wrong. As I said, you did not do it properly. If you had "
        "done it properly, it would work. You must use the pin, not the button. Your "
        "cable is probably the wrong one too.",
        ben,
        into=c2,
        overlap_s=1.5,
    )
    c.say("caller", "So what do I do now?", caller, gap_s=0.4)
    m3 = c.say(
        "agent",
        "As I said, reset it again and follow the instructions this time. You "
        "should read the manual. There is nothing wrong on our side.",
        ben,
        gap_s=0.15,
    )
    c.say("caller", "Fine, thanks.", caller, gap_s=0.4)
    bye = c.say("agent", "Bye.", ben, gap_s=0.2)
    for i, into in ((i1, c1), (i2, c2)):
        ov = into.end_s - i.start_s
        c.intended_findings.append(
            {
                "mistake": 3,
                "start_s": round(i.start_s, 4),
                "end_s": round(into.end_s, 4),
                "why": f"Agent interrupts the caller mid-sentence; both talk for {ov:.2f} s.",
            }
        )
    c.finding(3, i1, None, "Impatience phrase 'Yes, yes, get to the point'.")
    c.finding(3, i2, None, "Impatience phrase 'As I said'.")
    c.finding(3, m3, None, "Impatience phrase 'As I said' again.")
    c.finding(
        8,
        i1,
        None,
        "Know-it-all monologue: 'You have to ...' three times, 'Everybody who "
        "calls about this did it wrong', you-messages, no empathy.",
    )
    c.finding(
        8,
        i2,
        None,
        "Contradiction 'No, that's wrong.', 'You must ...', you-messages, blames "
        "the caller.",
    )
    c.finding(8, m3, None, "'You should read the manual', 'nothing wrong on our side'.")
    c.finding(
        8,
        i1,
        bye,
        "Talk dominance: agent talk share above 70 %, no questions asked by the "
        "agent, no empathy phrase in the whole call.",
    )
    c.notes.append(
        "Interruptions are at known times (see overlaps). The agent asks no question."
    )
    return c


def call_en04_rushed_too_fast() -> Call:
    """English: mistake 5 (rushed, early) and 7 (too fast, later), at distinct places."""
    c = Call("en04_rushed_too_fast", "ben", "en", seed=404)
    caller = Voice("en-gb-x-rp+f2", speed_wpm=170, pitch=60)
    c.say("agent", "Grumps and Sons, Ben Carter, good morning.", BEN, gap_s=0.0)
    c.say(
        "caller",
        "Hello, I would like to change my delivery address.",
        caller,
        gap_s=0.4,
    )
    r_texts = [
        (
            150,
            0.10,
            (
                "Sure, I can do that right away, just give me the order number and the "
                "new address and I will update it straight away."
            ),
        ),
        (
            165,
            0.08,
            (
                "Okay, got it, the blue sofa, now tell me the new address please, street "
                "and postcode."
            ),
        ),
        (
            180,
            0.06,
            (
                "Park Lane Bristol, done, it is changed, the delivery stays on Friday, "
                "anything else, no, okay then."
            ),
        ),
    ]
    callers_between = ["It is for the blue sofa.", "It is Park Lane in Bristol."]
    rushed = []
    for k, (wpm, gap, text) in enumerate(r_texts):
        rushed.append(
            c.say(
                "agent",
                text,
                BEN.with_(speed_wpm=wpm),
                gap_s=gap,
                spoken=no_pauses(text),
            )
        )
        if k < len(callers_between):
            c.say("caller", callers_between[k], caller, gap_s=0.1)
    c.say(
        "caller",
        "Actually, yes. Can I also add a second cushion to the order?",
        caller,
        gap_s=0.1,
    )
    fast = BEN.with_(speed_wpm=260)
    f1 = c.say(
        "agent",
        "Yes, of course. The cushion costs twenty pounds. I will add it to your "
        "order, and it will arrive together with the sofa. You will get a new "
        "confirmation by email in a few minutes.",
        fast,
        gap_s=0.5,
    )
    sd = c.say(
        "caller",
        "Sorry, could you slow down? I did not catch the price.",
        caller,
        gap_s=0.6,
    )
    f2 = c.say(
        "agent",
        "Twenty pounds, and it comes with the sofa on Friday. You can also change "
        "the order online.",
        fast,
        gap_s=0.5,
    )
    c.say("caller", "Okay, thank you.", caller, gap_s=0.5)
    c.say("agent", "You are welcome, goodbye.", BEN, gap_s=0.4)
    c.finding(
        5,
        rushed[0],
        rushed[-1],
        "Rushed: the agent never pauses (no pause inside the "
        "turns, punctuation removed), replies within 0.06-0.10 s, and speeds up from turn to "
        "turn (espeak 150 -> 165 -> 180, about 4.5 -> 5.5 syllables/s); articulation is still near normal.",
    )
    c.finding(
        7,
        f1,
        f2,
        "Too fast: espeak speed 260 (about 8 syllables/s; 165 in this agent's "
        "greeting and goodbye), "
        "well above the caller's rate; normal pauses and gaps; the caller asks to slow down.",
    )
    c.finding(7, sd, None, "Caller request 'Sorry, could you slow down?'.")
    c.promise(rushed[0], "I will update it in the system straight away.")
    c.promise(f1, "I will add it to your order.")
    c.promise(f1, "You will get a new confirmation by email in a few minutes.")
    c.notes.append(
        "Mistake 5 (rushed) is in the first half, mistake 7 (too fast) in the second. "
        "Rushed turns: gaps of 0.06-0.10 s before the agent speaks, and the caller "
        "answers 0.1 s after the agent stops."
    )
    return c


def call_de05_unclear() -> Call:
    """German: mistake 6 (unclear pronunciation) and the caller's repair requests."""
    c = Call("de05_unclear", "sonja", "de", seed=505)
    caller = Voice("de+m3", speed_wpm=150, pitch=35)
    mumble = SONJA.with_(speed_wpm=190, pitch=60, pitch_range="low")
    deg = Degrade(lowpass_hz=1200.0, snr_db=15.0, level_db=-6.0)
    g = c.say("agent", "Grumps und Söhne, Sonja Müller, guten Tag.", SONJA, gap_s=0.0)
    c.say(
        "caller",
        "Guten Tag, ich möchte wissen, wann mein Paket ankommt. Die Sendungsnummer habe "
        "ich leider nicht.",
        caller,
        gap_s=0.5,
    )
    q = c.say("agent", "Kein Problem. Wie ist Ihr Name, bitte?", SONJA, gap_s=0.5)
    c.say("caller", "Klaus Becker aus München.", caller, gap_s=0.5)
    u1 = c.say(
        "agent",
        "Ja also das Paket is schon unterwegs, kommt wahrscheinlich übermorgen, "
        "müssen Se aber zu Hause sein.",
        mumble,
        gap_s=0.6,
        degraded=deg,
    )
    r1 = c.say("caller", "Wie bitte? Das habe ich nicht verstanden.", caller, gap_s=0.5)
    u2 = c.say(
        "agent",
        "Das Paket kommt übermorgen, Se müssen da zu Hause sein.",
        mumble,
        gap_s=0.5,
        degraded=deg,
    )
    r2 = c.say(
        "caller",
        "Entschuldigung, können Sie das bitte wiederholen? Die Verbindung ist so "
        "schlecht.",
        caller,
        gap_s=0.5,
    )
    cl = c.say(
        "agent",
        "Natürlich. Ihr Paket kommt übermorgen. Bitte seien Sie zu Hause, der Fahrer "
        "braucht eine Unterschrift.",
        SONJA,
        gap_s=0.5,
    )
    c.say("caller", "Alles klar, danke schön.", caller, gap_s=0.4)
    c.say("agent", "Gerne, auf Wiederhören.", SONJA, gap_s=0.4)
    c.finding(
        6,
        u1,
        u2,
        "Unclear pronunciation: mumbled, fast, swallowed endings ('is', 'Se'), "
        "agent channel low-passed at 1.2 kHz, 6 dB quieter, noise at 15 dB SNR; ASR "
        "confidence drops here.",
    )
    c.finding(6, r1, None, "Caller repair request 'Wie bitte?'.")
    c.finding(6, r2, None, "Caller repair request 'Können Sie das bitte wiederholen?'.")
    c.good("question", q)
    c.good("short_greeting", g)
    c.notes.append(
        "Only the two agent turns between 'Klaus Becker' and the caller's second repair "
        "request are degraded; the agent is clear before and after (the clear repeat "
        f"starts at {cl.start_s:.2f} s)."
    )
    return c


CALLS = (
    call_de01_good_practice,
    call_de02_greeting_toneless_indifferent,
    call_en03_impatient_knowitall,
    call_en04_rushed_too_fast,
    call_de05_unclear,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder to write <agent>/<call_id>.wav|.truth.json into (default: samples/)",
    )
    args = ap.parse_args(argv)
    try:
        version = espeak_version()
        for make in CALLS:
            call = make()
            folder = args.out / call.agent
            folder.mkdir(parents=True, exist_ok=True)
            audio = call.render()
            sf.write(
                folder / f"{call.call_id}.wav", audio, SAMPLE_RATE_HZ, subtype="PCM_16"
            )
            truth = call.truth(version)
            (folder / f"{call.call_id}.truth.json").write_text(
                json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            print(
                f"{call.agent}/{call.call_id}: {truth['duration_s']:.1f} s, "
                f"{len(truth['segments'])} segments, agent share {truth['agent_talk_share']:.2f}, "
                f"mistakes {sorted({f['mistake'] for f in truth['intended_findings']})}"
            )
    except SampleError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
