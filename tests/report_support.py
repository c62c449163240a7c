"""A results folder for report tests: one German or English team with every feature a page shows.

Four agents with six calls each (so shares are written as percentages), over three ISO weeks:
interruptions, long greetings, a flat voice only the team comparison reveals, a caller asking to
repeat and to slow down, promises and strengths, an unsure mono separation, a call that cannot be
assessed, a hold span, a redacted (muted) span, a measure marked unsure, a failed input in
``failures.csv`` and one recording on disk (a tone, so snippets exist).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.config import Config
from callcheck.judge import judge_batch
from callcheck.result import write_record
from callfactory import GOOD_DE, GOOD_EN, T, analysed, insert_turns, make_call, replace_turn

AGENTS = {"de": ("Anna", "Bernd", "Carla", "Dieter"), "en": ("Alice", "Bob", "Cecil", "Dora")}
TONE_HZ = 220.0


def tone_wav(path: Path, seconds: float = 120.0, sr: int = 16000) -> Path:
    t = np.arange(int(sr * seconds)) / sr
    x = (0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    sf.write(path, np.stack([x, 0.5 * x], axis=1), sr)
    return path


def team_calls(lang: str, wav: Path | None = None) -> list[dict]:
    good = GOOD_DE if lang == "de" else GOOD_EN
    long_greeting = ("Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?"
                     if lang == "de" else "Thank you for calling Grumps and Sons, my name is Sonja Miller, how may I help you today?")
    repair = "Wie bitte? Das habe ich nicht verstanden." if lang == "de" else "Sorry, what? I didn't catch that."
    slow = "Langsamer bitte, das ging mir zu schnell." if lang == "de" else "Could you slow down please, that was too fast."
    calls = []
    day0 = dt.date(2026, 11, 2)
    for a_i, agent in enumerate(AGENTS[lang]):
        for k in range(6):
            script = good
            voice: dict = {"agent": {"monotony": 0.30 + 0.01 * k}}
            extra: dict = {}
            if a_i == 0 and k % 2 == 0:
                script = replace_turn(script, 4, overlap=1.6)                       # interrupts
            if a_i == 1:
                script = replace_turn(script, 0, text=long_greeting, wps=2.4)        # long greeting
            if a_i == 2 and k < 2:
                voice = {"agent": {"monotony": 0.62 + 0.02 * k}}                     # flat vs the team
            if a_i == 3 and k == 0:
                script = insert_turns(insert_turns(replace_turn(script, 4, p=0.35), 5, T("caller", repair)), 8, T("caller", repair))
            if a_i == 3 and k == 1:
                script = insert_turns(script, 5, T("caller", slow))
                voice = {"agent": {"articulation_rate_sps": 7.2}, "caller": {"articulation_rate_sps": 4.4}}
            if a_i == 3 and k == 2:
                extra["layout"] = "mono"
                extra["separation"] = {"method": "test", "confidence": 0.2, "notes": []}
            cid = f"{agent.lower()}-{k}"
            src = str(wav) if (wav is not None and a_i == 0 and k == 0) else f"/nonexistent/{cid}.wav"
            c = make_call(script, call_id=cid, agent=agent, language=lang, date=(day0 + dt.timedelta(days=3 * k + a_i)).isoformat(),
                          source=src, voice=voice, **extra)
            if a_i == 0 and k == 0:
                c["hold"] = [{"start_s": 30.0, "end_s": 34.0, "channel": "mix", "kind": "music"}]
                c["privacy"] = {"mode": "caller", "spans": [{"kind": "phone", "speaker": "caller", "start_s": 40.0, "end_s": 41.0}],
                                "clear_text": None}
                c["speakers"]["agent"]["validity"] = {"loudness_dbfs": {"class": "unsure", "reason": "clipping"},
                                                      "monotony": {"class": "heuristic", "reason": None}}
            if a_i == 3 and k == 5:
                c["assessment"] = {"assessable": False, "reasons": ["no agent speech found"], "warnings": []}
            calls.append(c)
    return calls


def build(out: Path, lang: str, *, audio: bool = True) -> Path:
    """Write, judge (and leave for rendering) a team of ``lang`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    wav = tone_wav(out.parent / f"{out.name}-tone.wav") if audio else None
    for c in team_calls(lang, wav):
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    (out / "failures.csv").write_text("path,call_id,reason\r\n/recordings/broken.wav,broken,/recordings/broken.wav: not audio (no RIFF header); re-export it as WAV\r\n",
                                      encoding="utf-8")
    judge_batch(out, config=Config())
    return out
