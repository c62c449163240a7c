"""Two-voice separation of mono recordings (diarization by clustering of acoustic features).

Method
------
No model download: every speech stretch (from VAD) is cut into windows of ``window_s`` with hop
``hop_s``; each window is described by the mean and standard deviation of its MFCCs (c1..c19,
c0/energy dropped, mel filters limited to the telephone band 100-3800 Hz) over speech frames.
Features are z-scored and clustered into two voices with k-means (scipy, 20 restarts, best
inertia). Each 10 ms speech frame gets the majority label of the windows covering it; runs
shorter than ``min_segment_s`` are merged into their neighbours. Overlapping speech is given to
one voice: overlaps are not observable this way and the conversation measures say so.

Which voice is the agent (``SeparationConfig.agent_is``): words that carry greeting phrases
(company, own name, offer of help; German and English lists) vote for their voice; without such
words, the voice that speaks first ("first-speaker", the agent greets) or the voice with more
talk time ("most-talk").

Confidence (0..1): the mean silhouette of the window clustering (how far apart the two voices are
relative to their spread), clipped at 0 and divided by 0.5 (an uncalibrated heuristic scale), times a penalty when one voice has less than 5 % of the
speech (then there may be only one voice). It says how sure the split is, not whether the agent
decision is right; ``Separation.notes`` say how the agent was chosen.

Evaluated on ``pyannote-sample`` (real two-party phone call) by ``benchmarks/eval_mono.py``; see
``docs/conversation.md`` for the figures.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from callcheck.config import SeparationConfig
from callcheck.errors import CallcheckError
from callcheck.types import Interval, Party, Separation, Word

_HOP_S = 0.01
_AGENT_CHOICES = ("first-speaker", "most-talk", "greeting-words")


def _mfcc(samples: np.ndarray, sample_rate: int, n_mfcc: int) -> np.ndarray:
    import librosa

    hop = int(round(_HOP_S * sample_rate))
    n_fft = int(2 ** np.ceil(np.log2(0.025 * sample_rate)))
    m = librosa.feature.mfcc(y=np.asarray(samples, dtype=np.float32), sr=sample_rate, n_mfcc=n_mfcc,
                             n_fft=n_fft, hop_length=hop, n_mels=40, fmin=100.0,
                             fmax=min(3800.0, sample_rate / 2.0), center=True)
    return m[1:].T  # frames x (n_mfcc - 1)


def _kmeans2(x: np.ndarray, restarts: int = 20, seed: int = 0) -> tuple[np.ndarray, float]:
    from scipy.cluster.vq import kmeans2

    rng = np.random.default_rng(seed)
    best, best_inertia = None, np.inf
    for _ in range(restarts):
        cent, lab = kmeans2(x, 2, minit="++", seed=rng)
        if len(set(lab.tolist())) < 2:
            continue
        inertia = float(sum(((x[lab == k] - cent[k]) ** 2).sum() for k in (0, 1)))
        if inertia < best_inertia:
            best, best_inertia = lab, inertia
    if best is None:
        return np.zeros(len(x), dtype=int), 0.0
    return best.astype(int), best_inertia


def _silhouette(x: np.ndarray, lab: np.ndarray) -> float:
    if len(set(lab.tolist())) < 2:
        return 0.0
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    s = np.zeros(len(x))
    for i in range(len(x)):
        own = lab == lab[i]
        n_own = own.sum() - 1
        if n_own == 0:
            continue
        a = d[i, own].sum() / n_own
        b = d[i, ~own].mean()
        s[i] = (b - a) / max(a, b, 1e-12)
    return float(s.mean())


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(label, start, end) runs of a label array; label -1 means silence."""
    out = []
    i = 0
    n = len(labels)
    while i < n:
        j = i
        while j < n and labels[j] == labels[i]:
            j += 1
        out.append((int(labels[i]), i, j))
        i = j
    return out


def _smooth(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Give speech runs shorter than ``min_frames`` the label of the longer adjacent speech run."""
    lab = labels.copy()
    for _ in range(3):
        speech_runs = [r for r in _runs(lab) if r[0] >= 0]
        changed = False
        for k, (v, s, e) in enumerate(speech_runs):
            if e - s >= min_frames:
                continue
            prev = speech_runs[k - 1] if k > 0 else None
            nxt = speech_runs[k + 1] if k + 1 < len(speech_runs) else None
            cands = [r for r in (prev, nxt) if r is not None and r[0] != v]
            if not cands:
                continue
            tgt = max(cands, key=lambda r: r[2] - r[1])[0]
            seg = lab[s:e]
            seg[seg >= 0] = tgt
            changed = True
        if not changed:
            break
    return lab


def assign_speakers(words: Sequence[Word], activity: dict[Party, Sequence[Interval]]) -> tuple[Word, ...]:
    """Words with ``speaker`` set to the party whose activity covers most of the word (else nearest)."""
    out = []
    for w in words:
        best, best_key = w.speaker, None
        for p, ivs in activity.items():
            ov = sum(max(0.0, min(w.end_s, i.end_s) - max(w.start_s, i.start_s)) for i in ivs)
            mid = 0.5 * (w.start_s + w.end_s)
            dist = min((abs(mid - 0.5 * (i.start_s + i.end_s)) for i in ivs), default=np.inf)
            key = (ov, -dist)
            if best_key is None or key > best_key:
                best, best_key = p, key
        out.append(Word(best, w.text, w.start_s, w.end_s, w.probability))
    return tuple(out)


def _greeting_votes(words: Sequence[Word], label_of_time, n_first_s: float = 30.0) -> np.ndarray:
    from callcheck.measures.conversation import load_lexicon
    from callcheck.measures.turns import contains_phrase, normalise_text

    phrases = []
    for lang in ("de", "en"):
        lex = load_lexicon(lang)
        phrases += list(lex.company) + list(lex.own_name) + list(lex.offer_help) + list(lex.stock_formulas)
    votes = np.zeros(2)
    ws = sorted((w for w in words if w.start_s <= n_first_s), key=lambda w: w.start_s)
    for k in range(len(ws)):
        for n in (5, 4, 3, 2):
            chunk = ws[k:k + n]
            if len(chunk) < n:
                continue
            norm = normalise_text(" ".join(w.text for w in chunk))
            if any(normalise_text(p) == norm for p in phrases) or (n == 5 and any(contains_phrase(norm, p) and len(normalise_text(p).split()) >= 3 for p in phrases)):
                lab = label_of_time(0.5 * (chunk[0].start_s + chunk[-1].end_s))
                if lab >= 0:
                    votes[lab] += 1
                break
    return votes


def separate_speakers(
    samples: np.ndarray,
    sample_rate: int,
    *,
    speech: Sequence[Interval],
    words: Sequence[Word],
    config: SeparationConfig,
) -> tuple[dict[Party, tuple[Interval, ...]], Separation]:
    """Split the speech of a mono call into the agent's and the caller's intervals.

    Parameters
    ----------
    samples : np.ndarray
        1-D float signal of the mono recording at ``sample_rate`` (Hz, >= 8000).
    sample_rate : int
        Hz.
    speech : sequence of Interval
        Speech activity of the mix (s), e.g. from :func:`callcheck.audio.activity.speech_intervals`.
    words : sequence of Word
        Transcribed words with times (s); their ``speaker`` is ignored, their text is used only
        to decide which voice is the agent.
    config : SeparationConfig
        Window, hop, MFCC count, smoothing, agent choice.

    Returns
    -------
    (activity, separation): intervals per party (non-overlapping) and a
    :class:`~callcheck.types.Separation` with ``method``, ``confidence`` (0..1) and notes.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise CallcheckError(f"separate_speakers needs a 1-D mono signal, got shape {x.shape}; mix or pick a channel first")
    if config.agent_is not in _AGENT_CHOICES:
        raise CallcheckError(f"separation.agent_is is {config.agent_is!r}; use one of {', '.join(_AGENT_CHOICES)}")
    if config.hop_s <= 0 or config.window_s <= 0:
        raise CallcheckError("separation.window_s and separation.hop_s must be > 0 seconds")
    method = f"mfcc-kmeans(window={config.window_s}s, hop={config.hop_s}s)"
    n_frames = int(np.ceil(len(x) / (_HOP_S * sample_rate))) + 1
    mask = np.zeros(n_frames, dtype=bool)
    for iv in speech:
        mask[int(round(iv.start_s / _HOP_S)):int(round(iv.end_s / _HOP_S))] = True
    if mask.sum() < int(2 * config.window_s / _HOP_S):
        empty = {"agent": tuple(speech), "caller": ()}
        return empty, Separation(method, 0.0, ("too little speech to separate two voices; all speech given to the agent",))
    feats = _mfcc(x, sample_rate, config.n_mfcc)
    mask = mask[: len(feats)]
    feats = feats[: len(mask)]
    win = max(1, int(round(config.window_s / _HOP_S)))
    hop = max(1, int(round(config.hop_s / _HOP_S)))
    windows: list[tuple[int, int]] = []
    vecs = []
    for iv in speech:
        s0, e0 = int(round(iv.start_s / _HOP_S)), min(len(mask), int(round(iv.end_s / _HOP_S)))
        starts = list(range(s0, max(s0 + 1, e0 - win + 1), hop))
        for s in starts:
            e = min(e0, s + win)
            sel = feats[s:e][mask[s:e]]
            if len(sel) < max(5, win // 3):
                continue
            windows.append((s, e))
            vecs.append(np.concatenate([sel.mean(0), sel.std(0)]))
    if len(vecs) < 4:
        return {"agent": tuple(speech), "caller": ()}, Separation(method, 0.0, ("too few analysis windows; all speech given to the agent",))
    v = np.array(vecs)
    v = (v - v.mean(0)) / (v.std(0) + 1e-9)
    lab, _ = _kmeans2(v)
    sil = _silhouette(v, lab)
    votes = np.zeros((n_frames, 2))
    for (s, e), k in zip(windows, lab):
        votes[s:e, k] += 1
    votes = votes[: len(mask)]
    frame_lab = np.where(mask & (votes.sum(1) > 0), votes.argmax(1), -1)
    # speech frames no window covered: nearest labelled frame
    unl = np.flatnonzero(mask & (frame_lab < 0))
    lab_idx = np.flatnonzero(frame_lab >= 0)
    if len(unl) and len(lab_idx):
        near = lab_idx[np.clip(np.searchsorted(lab_idx, unl), 0, len(lab_idx) - 1)]
        frame_lab[unl] = frame_lab[near]
    frame_lab = _smooth(frame_lab, max(1, int(round(config.min_segment_s / _HOP_S))))
    ivs: dict[int, list[Interval]] = {0: [], 1: []}
    for k, s, e in _runs(frame_lab):
        if k >= 0:
            ivs[k].append(Interval(round(s * _HOP_S, 3), round(e * _HOP_S, 3)))
    talk = np.array([sum(i.duration_s for i in ivs[k]) for k in (0, 1)])
    first = np.array([min((i.start_s for i in ivs[k]), default=np.inf) for k in (0, 1)])
    notes: list[str] = []

    def label_of_time(t: float) -> int:
        i = int(t / _HOP_S)
        return int(frame_lab[i]) if 0 <= i < len(frame_lab) else -1

    gv = _greeting_votes(words, label_of_time)
    if config.agent_is in ("first-speaker", "greeting-words") and gv.sum() > 0 and gv[0] != gv[1]:
        agent_k = int(gv.argmax())
        notes.append(f"agent = the voice that says the greeting phrases ({int(gv.max())} of {int(gv.sum())} phrase hits)")
    elif config.agent_is == "most-talk":
        agent_k = int(talk.argmax())
        notes.append("agent = the voice with more talk time (separation.agent_is = most-talk)")
    else:
        agent_k = int(first.argmin())
        if config.agent_is == "greeting-words":
            notes.append("no greeting phrases in the transcript; agent = the voice that speaks first")
        else:
            notes.append("agent = the voice that speaks first (no greeting phrases decided it)")
    share_min = float(talk.min() / talk.sum()) if talk.sum() > 0 else 0.0
    conf = max(0.0, sil) * (1.0 if share_min >= 0.05 else share_min / 0.05)
    conf = float(min(1.0, conf / 0.5))  # heuristic scale: silhouette 0.5 counts as sure (uncalibrated, docs)
    if share_min < 0.05:
        notes.append(f"one voice has only {share_min:.0%} of the speech: the call may have a single voice")
    notes.append(f"window silhouette {sil:.2f}")
    notes.append("overlapping speech is assigned to one voice: overlaps and interruptions are not observable")
    activity = {"agent": tuple(ivs[agent_k]), "caller": tuple(ivs[1 - agent_k])}
    return activity, Separation(method, round(conf, 3), tuple(notes))
