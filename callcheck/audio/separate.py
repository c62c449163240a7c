"""Two-voice separation of mono recordings (diarization by clustering of acoustic features).

Method
------
No model download and no speaker embeddings (no PyPI package ships usable speaker-embedding
weights without torch or a hub download; see docs/conversation.md). Frame features (``speaker_features``): MFCC c1..c19 in the
telephone band, normalised per call (CMVN over speech frames), and F0 in semitones (YIN).

1. The VAD speech is cut into stretches of about ``segment_s`` (2 s), at gaps between transcribed
   words when words are given. Each stretch: MFCC mean and SD plus median F0 (weight
   ``pitch_weight``), z-scored.
2. Two-way split of the stretches from three starts (``cluster = "best-of"``): k-means, Ward
   linkage, and a split by median F0 alone; with the segmentation model (step 5) a fourth: its
   units (each window's local speakers) split by 2-means with the two speakers of one window
   kept apart.
3. Each start is re-segmented (``resegment_iterations`` rounds): one diagonal GMM per voice on the
   MFCC frames plus a Gaussian on F0 for voiced frames; a two-state Viterbi pass over the speech
   frames with ``switch_penalty`` nats per change of voice. The start that agrees best with the
   segmentation model's speakers wins (inverse purity, below; ties and without the model: the
   highest path log-likelihood). Runs shorter than ``min_segment_s`` are merged.
4. With words (``utterance_iterations`` > 0): the speech is cut into utterances at every pause
   of the speech activity, after every word that ends a sentence (. ? ! ...) and at gaps between
   words longer than ``utterance_gap_s``. Each utterance goes whole to the voice with the higher
   mean frame log-likelihood ratio (clipped to +-``llr_clip`` nats), the voice models are
   re-fitted on the new labels, and this repeats. A change of speaker almost always falls at a
   sentence end or a pause; a short turn ("Hello?") between two of the other voice's is what the
   2 s stretches and the switching penalty blur. Speech no word touches keeps its step-3 voice.

5. With ``segmentation = "cues"`` (default), pyannote's segmentation-3.0 model
   (:mod:`callcheck.audio.segmentation`) reads 10 s windows: wherever its speaker talking alone
   changes, the utterances of step 4 are cut too, and the speech it hears as two speakers at once
   counts for both voices (overlap). Its local speaker identities are not trusted across windows.

Which voice is the agent (``SeparationConfig.agent_is``): words that carry the agent's greeting
phrases (company, offer of help, stock formulas; German and English lists; not own-name phrases,
which callers say too) vote for their voice; without such words, the voice that speaks first
("first-speaker", the agent greets) or the voice with more talk time ("most-talk").

Confidence (0..1), with the segmentation model: the inverse purity of the two voices against the
model's local speakers (per window, the share of single-speaker frames whose local speaker is
the majority one of their voice), mapped 0.8 -> 0, 0.9 -> 0.5, 1 -> 1, times a factor that
halves it when the likelihood-best start gives 10 % of the speech to the other voice (zero at
15 %): two principled choices that disagree mean unsure. Measured meaning (benchmarks/eval_mono.py
--words, 26 two-party calls, chosen on that set): below 0.5 are 6 of the 7 calls with DER > 10 %
and 3 of the 19 others. Without the model: the silhouette of the stretch clustering / 0.5,
clipped (it misses splits by emotion). Both times a penalty when one voice has less than 5 % of
the speech.
``Separation.notes`` also give the winning start and how much of the speech the starts agree on.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from callcheck.config import SeparationConfig
from callcheck.errors import CallcheckError
from callcheck.audio.speaker_features import FrameFeatures, frame_features, low_band_share, speech_mask
from callcheck.types import Interval, Party, Separation, Word

_HOP_S = 0.01
_AGENT_CHOICES = ("first-speaker", "most-talk", "greeting-words")
_CLUSTER_CHOICES = ("best-of", "kmeans", "ward", "ward-kmeans", "pitch")


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


def _fill_speech(frame_lab: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """Speech frames without a label (-1) take the label of the next labelled frame (the last one at the end)."""
    unl = np.flatnonzero(sp & (frame_lab < 0))
    lab_idx = np.flatnonzero(frame_lab >= 0)
    if len(unl) and len(lab_idx):
        near = lab_idx[np.clip(np.searchsorted(lab_idx, unl), 0, len(lab_idx) - 1)]
        frame_lab[unl] = frame_lab[near]
    return frame_lab


def _frame_labels(segs: list[tuple[int, int]], lab: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """Stretch labels spread to their speech frames; uncovered speech frames take the nearest label."""
    frame_lab = np.full(len(sp), -1)
    for (s0, e0), k in zip(segs, lab):
        frame_lab[s0:e0] = k
    frame_lab[~sp] = -1
    return _fill_speech(frame_lab, sp)


def _cluster2(v: np.ndarray, how: str) -> np.ndarray:
    """Two clusters of the stretch vectors: k-means, Ward, k-means from Ward's split, or by median F0 (last column)."""
    if how == "kmeans":
        return _kmeans2(v)[0]
    if how == "pitch":
        return _kmeans2(v[:, -1:])[0]
    from scipy.cluster.hierarchy import fcluster, linkage

    lab = fcluster(linkage(v, "ward"), 2, "maxclust").astype(int) - 1
    if how == "ward-kmeans" and len(set(lab.tolist())) == 2:
        for _ in range(20):  # Lloyd iterations from Ward's split
            c = np.stack([v[lab == k].mean(0) for k in (0, 1)])
            new = ((v[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
            if len(set(new.tolist())) < 2 or (new == lab).all():
                break
            lab = new
    return lab


def _silhouette(x: np.ndarray, lab: np.ndarray) -> float:
    if len(set(lab.tolist())) < 2:
        return 0.0
    s = np.zeros(len(x))
    for i in range(len(x)):  # one row of distances at a time: memory O(n), not O(n^2 * dims)
        d = np.sqrt(((x - x[i]) ** 2).sum(-1))
        own = lab == lab[i]
        n_own = own.sum() - 1
        if n_own == 0:
            continue
        a = d[own].sum() / n_own
        b = d[~own].mean()
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
    """Words with ``speaker`` set to the party whose activity covers most of the word (else nearest).

    A word inside overlapping speech (both parties cover it equally) goes to the party whose
    covering stretch of speech is longer: Whisper transcribes the dominant voice of a mix, and a
    backchannel ("mhm" inside the other's sentence) must not take the other's words.
    """
    out = []
    for w in words:
        best, best_key = w.speaker, None
        for p, ivs in activity.items():
            ov = sum(max(0.0, min(w.end_s, i.end_s) - max(w.start_s, i.start_s)) for i in ivs)
            span = max((i.duration_s for i in ivs if i.start_s < w.end_s and i.end_s > w.start_s), default=0.0)
            mid = 0.5 * (w.start_s + w.end_s)
            dist = min((abs(mid - 0.5 * (i.start_s + i.end_s)) for i in ivs), default=np.inf)
            key = (round(ov, 3), span, -dist)
            if best_key is None or key > best_key:
                best, best_key = p, key
        out.append(Word(best, w.text, w.start_s, w.end_s, w.probability))
    return tuple(out)


def _greeting_votes(words: Sequence[Word], label_of_time, n_first_s: float = 30.0) -> np.ndarray:
    from callcheck.measures.conversation import load_lexicon
    from callcheck.measures.turns import contains_phrase
    from callcheck.text import normalise_text

    phrases = []
    for lang in ("de", "en"):
        lex = load_lexicon(lang)
        # company and offer-of-help phrases are the agent's; an own name ("hier ist ...", "this is ...") is not:
        # callers introduce themselves too
        phrases += [p for p in (*lex.company, *lex.offer_help, *lex.stock_formulas) if p not in lex.own_name]
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


def _segments(speech: Sequence[Interval], words: Sequence[Word], n: int, seg_frames: int, min_frames: int) -> list[tuple[int, int]]:
    """Cut the speech into short stretches (frames) of about ``seg_frames``, at word gaps when words are known."""
    gaps = sorted(0.5 * (a.end_s + b.start_s) for a, b in zip(words, list(words)[1:]) if b.start_s >= a.end_s)
    gap_f = np.array([int(round(g / _HOP_S)) for g in gaps], dtype=int)
    out = []
    for iv in speech:
        s0, e0 = max(0, int(round(iv.start_s / _HOP_S))), min(n, int(round(iv.end_s / _HOP_S)))
        if e0 - s0 <= 0:
            continue
        cuts = [s0]
        while e0 - cuts[-1] > int(1.5 * seg_frames):
            target = cuts[-1] + seg_frames
            near = gap_f[(gap_f > cuts[-1] + seg_frames // 2) & (gap_f < cuts[-1] + 3 * seg_frames // 2)] if len(gap_f) else gap_f
            cuts.append(int(near[np.argmin(np.abs(near - target))]) if len(near) else target)
        cuts.append(e0)
        for a, b in zip(cuts, cuts[1:]):
            if b - a >= min_frames:
                out.append((a, b))
    return out


def _segment_vectors(ff: FrameFeatures, mf: np.ndarray, segs: list[tuple[int, int]], pitch_weight: float) -> np.ndarray:
    """Stretch vectors: MFCC mean and SD over the stretch's speech frames, median F0 over the stretch."""
    return _unit_vectors(ff, mf, [np.arange(a, b)[ff.speech[a:b]] for a, b in segs],
                         [np.arange(a, b) for a, b in segs], pitch_weight)


def _unit_vectors(ff: FrameFeatures, mf: np.ndarray, mfcc_frames: list[np.ndarray], f0_frames: list[np.ndarray],
                  pitch_weight: float) -> np.ndarray:
    """One z-scored vector per unit: MFCC mean and SD over ``mfcc_frames``, median F0 (semitones)
    over the voiced ones of ``f0_frames`` (the call's median when fewer than 5), the F0 column
    weighted by ``pitch_weight``."""
    f0_all = ff.f0_st[ff.speech & np.isfinite(ff.f0_st)]
    f0_fill = float(np.median(f0_all)) if len(f0_all) else 0.0
    vecs = []
    for idx, fidx in zip(mfcc_frames, f0_frames):
        sel = mf[idx]
        f0 = ff.f0_st[fidx][np.isfinite(ff.f0_st[fidx])]
        vecs.append(np.concatenate([sel.mean(0), sel.std(0), [float(np.median(f0)) if len(f0) >= 5 else f0_fill]]))
    v = np.array(vecs)
    v = (v - v.mean(0)) / (v.std(0) + 1e-9)
    v[:, -1] *= pitch_weight
    return v


def _gmm_loglik(x_fit: np.ndarray, x_all: np.ndarray, n_comp: int, seed: int = 0) -> np.ndarray:
    from sklearn.mixture import GaussianMixture

    k = int(max(1, min(n_comp, len(x_fit) // 50)))
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():  # 50 EM rounds are plenty for re-segmentation; not the user's concern
        warnings.simplefilter("ignore", ConvergenceWarning)
        g = GaussianMixture(k, covariance_type="diag", reg_covar=1e-3, max_iter=50, random_state=seed).fit(x_fit)
    return g.score_samples(x_all)


def _viterbi2(ll: np.ndarray, penalty: float) -> np.ndarray:
    """Best 2-state path through per-frame log-likelihoods ``ll`` (n x 2), ``penalty`` per switch.

    Plain Python floats in the loop: two states need no arrays, and scalar arithmetic is several
    times faster than NumPy calls on length-2 arrays.
    """
    n = len(ll)
    if n == 0:
        return np.zeros(0, dtype=int)
    l0, l1 = ll[:, 0].tolist(), ll[:, 1].tolist()
    back0 = bytearray(n)  # best predecessor of state 0 / 1 at frame t
    back1 = bytearray(n)
    s0, s1 = l0[0], l1[0]
    for t in range(1, n):
        sw1 = s1 - penalty
        sw0 = s0 - penalty
        if s0 >= sw1:
            n0 = s0
        else:
            n0, back0[t] = sw1, 1
        if s1 >= sw0:
            n1, back1[t] = s1, 1
        else:
            n1 = sw0
        s0, s1 = n0 + l0[t], n1 + l1[t]
    path = np.zeros(n, dtype=int)
    k = 0 if s0 >= s1 else 1
    path[-1] = k
    for t in range(n - 1, 0, -1):
        k = back0[t] if k == 0 else back1[t]
        path[t - 1] = k
    return path


def _resegment(ff: FrameFeatures, mf: np.ndarray, frame_lab: np.ndarray, config: SeparationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi re-segmentation with one diagonal GMM per voice (+ a Gaussian on F0); returns labels and frame LLR."""
    idx = np.flatnonzero(ff.speech)
    lab = frame_lab[idx].copy()
    llr = np.zeros(len(idx))
    score = -np.inf
    full = np.full(len(frame_lab), -1)
    for _ in range(config.resegment_iterations):
        if min((lab == 0).sum(), (lab == 1).sum()) < 50:
            break
        full[idx] = lab
        ll = _voice_loglik(mf, ff.f0_st, full, ff.speech & (full >= 0), idx, config)
        lab = _viterbi2(ll, config.switch_penalty)
        llr = ll[:, 0] - ll[:, 1]
        score = float((ll[np.arange(len(lab)), lab].sum() - config.switch_penalty * np.count_nonzero(np.diff(lab))) / len(lab))
    out = np.full(len(frame_lab), -1)
    out[idx] = lab
    full_llr = np.zeros(len(frame_lab))
    full_llr[idx] = llr
    return out, full_llr, score



_SENTENCE_END = (".", "?", "!", "\u2026")


def _utterance_frames(words: Sequence[Word], sp: np.ndarray, *, max_gap_s: float, extra_cuts: np.ndarray | None = None) -> np.ndarray:
    """Utterance index of each frame (-1: none) on the 10 ms grid.

    An utterance is a run of speech frames (``sp``) cut at every pause of the speech activity, in
    the middle of the gap after a word that ends a sentence (. ? ! ...), and in the middle of every
    gap between words longer than ``max_gap_s``. Runs that no word overlaps belong to none.
    """
    n = len(sp)
    owner = np.full(n, -1)
    ws = [w for w in words if w.end_s >= w.start_s]
    if not ws:
        return owner
    cut = ~sp if extra_cuts is None else (~sp | extra_cuts)
    for a, b in zip(ws, ws[1:]):
        if a.text.rstrip().endswith(_SENTENCE_END) or b.start_s - a.end_s > max_gap_s:
            m = int(round(0.5 * (a.end_s + b.start_s) / _HOP_S))
            if 0 <= m < n:
                cut[m] = True
    has_word = np.zeros(n, dtype=bool)
    for w in ws:
        has_word[max(0, int(round(w.start_s / _HOP_S))):max(0, int(round(w.end_s / _HOP_S))) + 1] = True
    k = 0
    for v, s0, e0 in _runs(cut.astype(int)):
        if v == 0 and has_word[s0:e0].any():
            owner[s0:e0] = k
            k += 1
    return owner


def _voice_loglik(mf: np.ndarray, f0: np.ndarray, lab: np.ndarray, fit: np.ndarray, test: np.ndarray,
                  config: SeparationConfig) -> np.ndarray:
    """Log-likelihood (len(test) x 2) of frames ``test`` under the two voice models fitted on the
    frames ``fit`` (bool mask) with their labels ``lab``: diagonal GMM on MFCC + F0 Gaussian on voiced frames."""
    ll = np.stack([_gmm_loglik(mf[fit & (lab == k)], mf[test], config.gmm_components) for k in (0, 1)], 1)
    ft = f0[test]
    voiced = np.isfinite(ft)
    for k in (0, 1):
        fk = f0[fit & (lab == k)]
        fk = fk[np.isfinite(fk)]
        if len(fk) >= 20 and config.frame_pitch_weight > 0:
            mu, sd = float(np.median(fk)), max(1.0, 1.4826 * float(np.median(np.abs(fk - np.median(fk)))))
            ll[voiced, k] += config.frame_pitch_weight * (-0.5 * ((ft[voiced] - mu) / sd) ** 2 - np.log(sd))
    return ll


def _assign_utterances(mf: np.ndarray, f0: np.ndarray, sp: np.ndarray, frame_lab: np.ndarray, owner: np.ndarray,
                       config: SeparationConfig) -> tuple[np.ndarray, int]:
    """Give every utterance whole to the voice with the higher mean clipped frame log-likelihood
    ratio; re-fit the two voice models on the new labels and repeat. Returns labels and the number
    of utterances whose voice changed against the frame-wise path."""
    lab = frame_lab.copy()
    idx = np.flatnonzero(sp)
    ids = [u for u in np.unique(owner[idx]) if u >= 0]
    start_lab = {}
    for u in ids:
        fr = np.flatnonzero(owner == u)
        v = lab[fr]
        start_lab[u] = int(np.round(np.mean(v[v >= 0]))) if (v >= 0).any() else -1
    test = np.flatnonzero(owner >= 0)
    for _ in range(config.utterance_iterations):
        if min((lab[idx] == 0).sum(), (lab[idx] == 1).sum()) < 50:
            break
        ll = _voice_loglik(mf, f0, lab, sp & (lab >= 0), test, config)
        llr = np.zeros(len(lab))
        llr[test] = np.clip(ll[:, 0] - ll[:, 1], -config.llr_clip, config.llr_clip)
        new = lab.copy()
        for u in ids:
            fr = np.flatnonzero(owner == u)
            new[fr] = 0 if llr[fr].mean() > 0 else 1
        if (new == lab).all():
            break
        lab = new
    changed = 0
    for u in ids:
        fr = np.flatnonzero(owner == u)
        changed += int(lab[fr[0]] != start_lab[u])
    return lab, changed


def _window_grid(starts: np.ndarray, act: np.ndarray, n: int) -> list[tuple[int, np.ndarray]]:
    """Each window's local activity resampled to the 10 ms grid: (first grid frame, bool (frames, 3))."""
    from callcheck.audio import segmentation as seg

    out = []
    step = seg.FRAME_STEP / seg.RATE
    off = seg.FRAME_CENTRE / seg.RATE
    for s, a in zip(starts, act):
        i0 = max(0, int(np.ceil(s / _HOP_S)))
        i1 = min(n, int(np.floor((s + seg.WINDOW_S) / _HOP_S)))
        if i1 <= i0:
            out.append((i0, np.zeros((0, 3), dtype=bool)))
            continue
        t = np.clip(np.round((np.arange(i0, i1) * _HOP_S - s - off) / step).astype(int), 0, seg.N_FRAMES - 1)
        out.append((i0, a[t]))
    return out


def _segmentation_cues(x: np.ndarray, sample_rate: int, n: int, step_s: float, edge_s: float = 0.5
                       ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, np.ndarray]]]:
    """Changes of speaker and overlapping speech seen by the segmentation model, on the 10 ms grid.

    Returns (cuts, overlap, grid): ``cuts`` marks frames where, inside one window, the
    speaker talking alone changes (a different local speaker after a pause, or across an overlap;
    frames within ``edge_s`` of a window edge are not used, the model sees too little context
    there); ``overlap`` marks frames where the windows covering them vote for two speakers at once;
    ``grid`` is each window's local activity on the grid (see :func:`_window_grid`).
    """
    from callcheck.audio import segmentation as seg
    from callcheck.audio.activity import to_16k

    starts, act = seg.local_activity(to_16k(x, sample_rate), step_s=step_s)
    grid = _window_grid(starts, act, n)
    cuts = np.zeros(n, dtype=bool)
    votes = np.zeros(n)
    weight = np.zeros(n)
    edge = int(round(edge_s / _HOP_S))
    for i0, a in grid:
        if not len(a):
            continue
        k = np.arange(len(a))
        w = np.minimum(1.0, (np.minimum(k, len(a) - 1 - k) + 1) / (2 * max(1, edge)))
        votes[i0:i0 + len(a)] += w * (a.sum(1) >= 2)
        weight[i0:i0 + len(a)] += w
        solo = np.flatnonzero(a.sum(1) == 1)
        who = a[solo].argmax(1)
        for j in np.flatnonzero(np.diff(who) != 0):
            f0, f1 = solo[j], solo[j + 1]  # last frame of one speaker, first of the next
            if f0 >= edge and f1 < len(a) - edge:
                cuts[i0 + (f0 + f1 + 1) // 2] = True
    overlap = votes >= 0.5 * np.maximum(weight, 1e-9)
    return cuts, overlap, grid


def _model_agreement(grid: list[tuple[int, np.ndarray]], frame_lab: np.ndarray, min_frames: int = 30) -> tuple[float, float] | None:
    """How well the two voices agree with the segmentation model's local speakers.

    Returns (purity, inverse purity) over the frames where one local speaker talks alone and a
    voice is assigned: purity = share of such frames whose voice is their local speaker's majority
    voice in that window (low when one person was split into two voices, e.g. by emotion);
    inverse purity = share whose local speaker is their voice's majority local speaker in the
    window (low when two people were merged into one voice). None without such frames.
    """
    hit = inv = total = 0
    for i0, a in grid:
        lab = frame_lab[i0:i0 + len(a)]
        solo = (a.sum(1) == 1) & (lab >= 0)
        if solo.sum() < min_frames:
            continue
        c = np.zeros((3, 2))
        np.add.at(c, (a[solo].argmax(1), lab[solo]), 1)
        hit += c.max(1).sum()
        inv += c.max(0).sum()
        total += c.sum()
    return (hit / total, inv / total) if total else None


def _model_start(grid: list[tuple[int, np.ndarray]], ff: FrameFeatures, mf: np.ndarray, pitch_weight: float,
                 min_frames: int = 50) -> np.ndarray | None:
    """A two-voice start from the segmentation model's units: every (window, local speaker) with at
    least ``min_frames`` single-speaker speech frames is one unit (MFCC mean+SD, median F0, as the
    stretches); units are split in two by 2-means under the constraint that two units of one
    window belong to different voices. Frame labels (-1 off speech), or None with < 4 units."""
    sp = ff.speech
    units, win = [], []
    for w, (i0, a) in enumerate(grid):
        solo = (a.sum(1) == 1) & sp[i0:i0 + len(a)]
        for k in range(3):
            idx = i0 + np.flatnonzero(solo & a[:, k])
            if len(idx) >= min_frames:
                units.append(idx)
                win.append(w)
    if len(units) < 4:
        return None
    v = _unit_vectors(ff, mf, units, units, pitch_weight)
    lab = _kmeans2(v)[0]
    win = np.array(win)
    for _ in range(20):
        if len(set(lab.tolist())) < 2:
            break
        c = np.stack([v[lab == k].mean(0) for k in (0, 1)])
        d = ((v[:, None, :] - c[None]) ** 2).sum(-1)  # units x 2
        new = d.argmin(1)
        for w in np.unique(win):
            us = np.flatnonzero(win == w)
            if len(us) >= 2:  # the two largest units of a window go to different voices
                us = sorted(us, key=lambda u: -len(units[u]))
                a, b = us[0], us[1]
                if d[a, 0] + d[b, 1] <= d[a, 1] + d[b, 0]:
                    new[a], new[b] = 0, 1
                else:
                    new[a], new[b] = 1, 0
        if (new == lab).all():
            break
        lab = new
    frame_lab = np.full(len(sp), -1)
    for idx, k in zip(units, lab):
        frame_lab[idx] = k
    return _fill_speech(frame_lab, sp)


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
    (activity, separation): intervals per party — overlapping where the segmentation model hears
    two voices at once (``Separation.overlaps_observed``), else disjoint — and a
    :class:`~callcheck.types.Separation` with ``method``, ``confidence`` (0..1) and notes.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise CallcheckError(f"separate_speakers needs a 1-D mono signal, got shape {x.shape}; mix or pick a channel first")
    if config.agent_is not in _AGENT_CHOICES:
        raise CallcheckError(f"separation.agent_is is {config.agent_is!r}; use one of {', '.join(_AGENT_CHOICES)}")
    if config.cluster not in _CLUSTER_CHOICES:
        raise CallcheckError(f"separation.cluster is {config.cluster!r}; use one of {', '.join(_CLUSTER_CHOICES)}")
    if config.segment_s <= 0:
        raise CallcheckError(f"separation.segment_s is {config.segment_s}; it must be > 0 seconds (default 2.0)")
    if config.segmentation not in ("cues", "none"):
        raise CallcheckError(f"separation.segmentation is {config.segmentation!r}; use 'cues' or 'none'")
    method = (f"mfcc+f0 stretches {config.segment_s}s, {config.cluster} 2-way split"
              + (f", gmm-viterbi resegmentation (penalty {config.switch_penalty})" if config.resegment_iterations else "")
              + (", pyannote segmentation-3.0 cues (speaker changes, overlap)" if config.segmentation == "cues" else ""))
    n_total = int(np.ceil(len(x) / (_HOP_S * sample_rate))) + 1
    if speech_mask(speech, n_total).sum() < int(2 * config.segment_s / _HOP_S):
        empty = {"agent": tuple(speech), "caller": ()}
        return empty, Separation(method, 0.0, ("too little speech to separate two voices; all speech given to the agent",))
    ff = frame_features(x, sample_rate, speech=speech, n_mfcc=config.n_mfcc, use_pitch=config.pitch_weight > 0 or config.frame_pitch_weight > 0)
    n = ff.n_frames
    sp = ff.speech
    mf = ff.mfcc.copy()
    mf = (mf - mf[sp].mean(0)) / (mf[sp].std(0) + 1e-9)  # per-call CMVN over speech frames
    ws = sorted(words, key=lambda w: w.start_s) if config.use_word_boundaries else []
    segs = _segments(speech, ws, n, max(1, int(round(config.segment_s / _HOP_S))), 20)
    if len(segs) < 4:
        return {"agent": tuple(speech), "caller": ()}, Separation(method, 0.0, ("too few speech stretches; all speech given to the agent",))
    v = _segment_vectors(ff, mf, segs, config.pitch_weight)
    cuts = overlap = grid = None
    if config.segmentation == "cues":
        cuts, overlap, grid = _segmentation_cues(x, sample_rate, n, config.segmentation_step_s)
    hows = ("kmeans", "ward", "pitch") if config.cluster == "best-of" else (config.cluster,)
    if grid is not None and config.cluster == "best-of":
        hows += ("model",)
    best, finals, lik_best = None, [], None
    for how in hows:
        if how == "model":
            frame_lab = _model_start(grid, ff, mf, config.pitch_weight)
            if frame_lab is None:
                continue
            lab = _cluster2(v, "kmeans")
        else:
            lab = _cluster2(v, how)
            frame_lab = _frame_labels(segs, lab, sp)
        llr, score = np.zeros(n), 0.0
        if config.resegment_iterations > 0:
            frame_lab, llr, score = _resegment(ff, mf, frame_lab, config)
        finals.append(frame_lab[sp])
        key = (score,)
        if grid is not None:  # the start that agrees best with the segmentation model's speakers wins
            ag = _model_agreement(grid, frame_lab)
            key = ((round(ag[1], 2) if ag else 0.0), score)
        if best is None or key > best[0]:
            best = (key, how, lab, frame_lab, llr)
        if lik_best is None or score > lik_best[0]:
            lik_best = (score, frame_lab[sp])
    score, how, lab, frame_lab, llr = best
    chosen = frame_lab[sp]
    # how much of the speech the likelihood-best start gives to the other voice (up to a swap of the labels)
    disagree = 1.0 - max(float(np.mean(lik_best[1] == chosen)), float(np.mean(lik_best[1] == 1 - chosen)))
    sil = _silhouette(v, lab)
    # stability: how much of the speech the partitions reached from different starts agree on
    chosen = frame_lab[sp]
    agree = min((max(float(np.mean(f == chosen)), float(np.mean(f == 1 - chosen))) for f in finals), default=1.0)
    frame_lab = _smooth(frame_lab, max(1, int(round(config.min_segment_s / _HOP_S))))
    n_utt = n_changed = 0
    n_windows = len(grid) if grid is not None else 0
    if config.utterance_iterations > 0 and (ws or cuts is not None):
        if ws:
            owner = _utterance_frames(ws, sp, max_gap_s=config.utterance_gap_s, extra_cuts=cuts)
        else:  # no words: the speech runs cut at the model's changes of speaker
            owner = np.full(n, -1)
            for k, (v, s0, e0) in enumerate(r for r in _runs((~sp | cuts).astype(int)) if r[0] == 0):
                owner[s0:e0] = k
        n_utt = int(owner.max()) + 1
        frame_lab, n_changed = _assign_utterances(mf, ff.f0_st, sp, frame_lab, owner, config)
    low_share = None
    if overlap is not None:
        low_share = low_band_share(x, sample_rate, speech)
        if low_share is not None and low_share < config.min_low_band_share:
            overlap = None  # analogue telephone band: the model hears overlap where there is none
    masks = np.stack([frame_lab == 0, frame_lab == 1], 1)
    if overlap is not None:
        masks[overlap & (frame_lab >= 0)] = True
    ivs: dict[int, list[Interval]] = {0: [], 1: []}
    for k in (0, 1):
        for v, s0, e0 in _runs(masks[:, k].astype(int)):
            if v == 1:
                ivs[k].append(Interval(round(s0 * _HOP_S, 3), round(e0 * _HOP_S, 3)))
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
    agreement = _model_agreement(grid, frame_lab) if grid is not None else None
    if agreement is not None:
        # inverse purity 0.8 -> 0, 0.9 -> 0.5, 1.0 -> 1 (docs/conversation.md; chosen on the evaluation set)
        conf = float(np.clip((agreement[1] - 0.8) / 0.2, 0.0, 1.0))
        # ... and halved at 10 %, zero at 15 % of the speech on which the likelihood-best start disagrees
        conf *= float(np.clip(1.0 - (disagree - 0.05) / 0.1, 0.0, 1.0))
    else:
        conf = float(min(1.0, max(0.0, sil) / 0.5))  # silhouette 0.5 counts as sure (uncalibrated, docs)
    conf *= 1.0 if share_min >= 0.05 else share_min / 0.05
    if share_min < 0.05:
        notes.append(f"one voice has only {share_min:.0%} of the speech: the call may have a single voice")
    notes.append(f"start {how}; agreement of the starts {agree:.2f}; stretch silhouette {sil:.2f}; "
                 f"disagreement with the likelihood-best start {disagree:.3f}")
    if agreement is not None:
        notes.append(f"agreement with the segmentation model's speakers: purity {agreement[0]:.3f}, "
                     f"inverse purity {agreement[1]:.3f} (the confidence)")
    if n_utt:
        notes.append(f"{n_utt} transcribed utterances each given whole to one voice; {n_changed} changed voice against the frame-wise path")
    if overlap is not None:
        both = float((masks[:, 0] & masks[:, 1]).sum() * _HOP_S)
        notes.append(f"segmentation model ({n_windows} windows of 10 s): {int(cuts.sum())} changes of speaker cut utterances; "
                     f"{both:.1f} s heard as two voices at once count for both parties")
    elif cuts is not None:
        notes.append(f"segmentation model ({n_windows} windows of 10 s): {int(cuts.sum())} changes of speaker cut utterances; "
                     f"its overlap detection is not used: only {low_share:.1%} of the speech energy lies below 250 Hz "
                     f"(band-passed telephone audio, where it found more false than true overlap), so overlaps and "
                     f"interruptions are not observable")
    else:
        notes.append("overlapping speech is assigned to one voice: overlaps and interruptions are not observable")
    activity = {"agent": tuple(ivs[agent_k]), "caller": tuple(ivs[1 - agent_k])}
    return activity, Separation(method, round(conf, 3), tuple(notes), overlaps_observed=overlap is not None)
