"""Peak memory of long calls, per pipeline step: where the memory of a 1-hour or 2-hour call goes.

Usage::

    python tools/fuzz/memory.py [--hours 1] [--kind speech|silence] [--channels 2] [--rate 16000]
                                [--real-model] [--load-only] [--keep FILE]

Builds the call (the sample call repeated, or digital silence) as a 16-bit WAV in a temporary
folder, then runs the pipeline steps in this process while a thread samples the resident set size
(``/proc/self/statm``) every 20 ms, and prints the peak of each step and of the whole run. Without
``--real-model`` a stand-in transcriber returns two words per speech stretch, so the figures are
those of everything but Whisper (the model adds its own ~0.3 GB and its 30 s windows); with it,
the embedded model runs (slow: about real time / 15 on two cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class Sampler(threading.Thread):
    def __init__(self, period_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.period_s = period_s
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.period_s)

    def take(self) -> int:
        """The peak since the last take, and start a new period."""
        p = max(self.peak, rss_bytes())
        self.peak = 0
        return p


def make_call(path: Path, *, hours: float, kind: str, channels: int, rate: int) -> None:
    import soundfile as sf

    from tools.fuzz.generate import DEFAULT_SAMPLE, _resample

    x, r = sf.read(str(DEFAULT_SAMPLE), dtype="float32", always_2d=True)
    x = x.T
    if r != rate:
        x = _resample(x, r, rate)
    if channels == 1:
        x = 0.5 * (x[:1] + x[1:2])
    elif channels > 2:
        x = np.concatenate([x] * (channels // 2 + 1))[:channels]
    total = int(hours * 3600 * rate)
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=channels, subtype="PCM_16") as fh:
        left = total
        while left > 0:
            k = min(left, x.shape[1])
            fh.write(np.zeros((k, channels), np.float32) if kind == "silence" else x[:, :k].T)
            left -= k


class _Stop(Exception):
    pass


class Stub:
    identity = "memory-stub"

    def detect_language(self, samples, sample_rate, *, speech):
        return "de", 1.0

    def transcribe(self, samples, sample_rate, *, speech, language, speaker):
        from callcheck.types import Word

        out = []
        for iv in speech:
            mid = 0.5 * (iv.start_s + iv.end_s)
            out.append(Word(speaker, "guten", iv.start_s, mid, 0.9))
            out.append(Word(speaker, "Tag.", mid, iv.end_s, 0.9))
        return tuple(out)


def patch_activity(piece_s: float = 600.0) -> None:
    """What ``audio/activity.py`` could do to stay small on long calls (measured here, not used by
    callcheck): per-frame energies with ``einsum`` on float32 views (no float64 copy and square of
    the channel: ~1 GB for an hour at 16 kHz) and Silero run on 10-minute pieces (whole frames, so
    frame ``i`` stays frame ``i``)."""
    from callcheck.audio import activity as A

    original = A.speech_probabilities

    def frame_energy_db(samples_16k, n_frames):
        x = np.asarray(samples_16k, dtype=np.float32)
        need = n_frames * A.FRAME
        if x.shape[0] < need:
            x = np.pad(x, (0, need - x.shape[0]))
        f = x[:need].reshape(n_frames, A.FRAME)
        ms = np.einsum("ij,ij->i", f, f, dtype=np.float64) / A.FRAME
        return 10.0 * np.log10(ms + 1e-12)

    def speech_probabilities(samples_16k):
        x = np.asarray(samples_16k, dtype=np.float32)
        step = int(piece_s * A.VAD_RATE) // A.FRAME * A.FRAME
        if x.shape[0] <= step:
            return original(x)
        return np.concatenate([original(x[i : i + step]) for i in range(0, x.shape[0], step)])

    A.frame_energy_db = frame_energy_db
    A.speech_probabilities = speech_probabilities

    # pipeline.resolve_layout: the dual-mono test takes |left - right| of the whole call at once
    # (two channel-sized temporaries: 0.9 GB for 2 h at 16 kHz); in blocks it takes none
    import callcheck.pipeline as P

    original_resolve = P.resolve_layout

    def dual_mono_blockwise(x):
        total = 0.0
        for i in range(0, x.shape[1], 1 << 20):
            total += float(np.abs(x[0, i : i + (1 << 20)] - x[1, i : i + (1 << 20)]).sum(dtype=np.float64))
        return total / max(x.shape[1], 1) < P.DUAL_MONO_TOLERANCE

    def resolve_layout(requested, audio):
        x = audio.samples
        if x.shape[0] != 2:
            return original_resolve(requested, audio)
        dual = dual_mono_blockwise(x)
        if requested == "auto":
            return ("mono", x[0], ("both channels are identical: analysed as mono",)) if dual else ("agent-left", None, ())
        if requested in ("agent-left", "agent-right") and not dual:
            return requested, None, ()
        return original_resolve(requested, audio)

    P.resolve_layout = resolve_layout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--kind", choices=("speech", "silence"), default="speech")
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--rate", type=int, default=16000)
    ap.add_argument("--real-model", action="store_true", help="run the embedded Whisper model (slow)")
    ap.add_argument("--load-only", action="store_true", help="only decode the file (load_audio)")
    ap.add_argument("--file", type=Path, default=None, help="use this recording instead of building one")
    ap.add_argument("--keep", type=Path, default=None, help="build the recording here and keep it")
    ap.add_argument("--stop-after", default="", help="stop after this pipeline step (e.g. language)")
    ap.add_argument("--patch-activity", action="store_true",
                    help="experiment: frame energies from float32 views, the VAD in 10-minute pieces, the dual-mono test in blocks (proposals for audio/activity.py and pipeline.resolve_layout)")
    args = ap.parse_args(argv)

    from callcheck.audio.io import load_audio
    from callcheck.config import Config
    from callcheck.pipeline import Context, run_steps
    from callcheck.types import CallInfo

    if args.patch_activity:
        patch_activity()
    tmp = tempfile.TemporaryDirectory()
    path = args.file or args.keep or Path(tmp.name) / "long.wav"
    if args.file is None:
        t0 = time.perf_counter()
        make_call(path, hours=args.hours, kind=args.kind, channels=args.channels, rate=args.rate)
        print(f"built {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    config = Config()
    if args.real_model:
        from callcheck.transcribe.models import resolve_model
        from callcheck.transcribe.whisper import make_transcriber

        transcriber = make_transcriber(resolve_model(None), config.transcribe)
        _ = transcriber.model  # load it before measuring
    else:
        transcriber = Stub()
    sampler = Sampler()
    base = rss_bytes()
    sampler.start()
    sampler.take()
    rows = []
    t0 = time.perf_counter()
    if args.load_only:
        audio = load_audio(path)
        rows.append(("load", time.perf_counter() - t0, sampler.take()))
        decoded = audio.samples.nbytes
    else:
        last = [time.perf_counter()]
        decoded = 0

        def hook(name, state):
            nonlocal decoded
            now = time.perf_counter()
            rows.append((name, now - last[0], sampler.take()))
            last[0] = now
            if state.audio is not None:
                decoded = state.audio.samples.nbytes
            if name == args.stop_after:
                raise _Stop

        try:
            run_steps(CallInfo(path=str(path), call_id="long", agent="a"), config=config, context=Context(transcriber=transcriber), hook=hook)
        except _Stop:
            pass
    sampler.stop.set()
    peak = max(p for _, _, p in rows)
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\n{args.hours:g} h {args.kind}, {args.channels} ch, {args.rate} Hz; decoded samples {decoded / 1e6:.0f} MB; "
          f"RSS before {base / 1e6:.0f} MB ({'real model loaded' if args.real_model else 'stand-in transcriber'})\n")
    print("| step | s | peak RSS MB |")
    print("|---|--:|--:|")
    for name, dt, p in rows:
        print(f"| {name} | {dt:.1f} | {p / 1e6:.0f} |")
    print(f"| **all** | {sum(r[1] for r in rows):.1f} | **{peak / 1e6:.0f}** (ru_maxrss {ru / 1e6:.0f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
