"""Local speaker segmentation: pyannote's ``segmentation-3.0`` model run in NumPy (no torch).

The model (PyanNet; Plaquet & Bredin, "Powerset multi-class cross entropy loss for neural speaker
diarization", Interspeech 2023; MIT licence, weights in ``callcheck/data/segmentation/`` with their
licence, rebuilt by ``tools/convert_segmentation.py``) reads 10 s of 16 kHz audio and says, for
every 16.9 ms frame, which of up to three *local* speakers talk: one of the 7 powerset classes
{}, {1}, {2}, {3}, {1,2}, {1,3}, {2,3}. It therefore sees overlapping speech and changes of speaker
that a frame-wise voice model blurs. Local speaker 1 in one window need not be local speaker 1 in
the next: linking them to the call's two voices is :mod:`callcheck.audio.separate`'s job.

Architecture (pyannote.audio 3.x ``PyanNet`` with ``asteroid_filterbanks.ParamSincFB``):
instance-normalised waveform -> 80 parametrised sinc band-pass filters (cos and sin halves,
251 taps, stride 10), |.| -> max-pool 3, instance norm, leaky ReLU -> conv 60x5 -> pool, norm,
leaky ReLU -> conv 60x5 -> pool, norm, leaky ReLU -> 4-layer bidirectional LSTM (128 per direction)
-> 2 x (linear 128 + leaky ReLU) -> linear 7 -> log-softmax. The NumPy version below follows
those definitions operation by operation; windows are processed as one batch, so the LSTM's
per-step cost is shared by all windows of a call.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

RATE = 16000
WINDOW_S = 10.0
WINDOW = int(WINDOW_S * RATE)
FRAME_STEP = 270  # samples: 10 (sinc stride) x 3 x 3 x 3 (max-pools)
FRAME_CENTRE = 495  # samples: centre of the receptive field of frame 0 (991 samples wide)
N_FRAMES = 589  # frames per 10 s window
# powerset class -> local speakers active (3 speakers, at most 2 at a time; pyannote's order)
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=bool)
_WEIGHTS = "pyannote-segmentation-3.0.npz"


@lru_cache(maxsize=1)
def load_weights() -> dict[str, np.ndarray]:
    """The model's state dict as float32 NumPy arrays (shipped with the package)."""
    path = resources.files("callcheck") / "data" / "segmentation" / _WEIGHTS
    with resources.as_file(path) as p, np.load(p) as z:
        return {k: np.asarray(z[k], dtype=np.float32) for k in z.files}


def _instance_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = x.mean(-1, keepdims=True)
    v = x.var(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * w[None, :, None] + b[None, :, None]


def _leaky_relu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.float32(0.01) * x)


def _max_pool3(x: np.ndarray) -> np.ndarray:
    t = x.shape[-1] // 3
    return x[..., :t * 3].reshape(*x.shape[:-1], t, 3).max(-1)


def _conv1d(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Valid 1-D convolution (cross-correlation, as torch), x (B, C, T), w (O, C, K)."""
    k = w.shape[-1]
    cols = np.lib.stride_tricks.sliding_window_view(x, k, axis=-1)  # B, C, T-k+1, K
    return np.einsum("bctk,ock->bot", cols, w, optimize=True) + b[None, :, None]


def sinc_filters(sd: dict[str, np.ndarray]) -> np.ndarray:
    """The 80 x 251 band-pass filters of ParamSincFB (min low 50 Hz, min band 50 Hz)."""
    p = "sincnet.conv1d.0.filterbank."
    low_, band_ = sd[p + "low_hz_"].astype(np.float64), sd[p + "band_hz_"].astype(np.float64)
    window, n = sd[p + "window_"].astype(np.float64), sd[p + "n_"].astype(np.float64)
    low = 50.0 + np.abs(low_)
    high = np.clip(low + 50.0 + np.abs(band_), 50.0, RATE / 2)
    band = (high - low)[:, 0]
    ft_low, ft_high = low @ n, high @ n
    left = ((np.sin(ft_high) - np.sin(ft_low)) / (n / 2)) * window
    cos = np.concatenate([left, 2 * band[:, None], left[:, ::-1]], 1) / (2 * band[:, None])
    left = ((np.cos(ft_low) - np.cos(ft_high)) / (n / 2)) * window
    sin = np.concatenate([left, np.zeros((len(band), 1)), -left[:, ::-1]], 1) / (2 * band[:, None])
    return np.concatenate([cos, sin], 0).astype(np.float32)


def _bilstm(x: np.ndarray, sd: dict[str, np.ndarray], layer: int) -> np.ndarray:
    """One bidirectional LSTM layer (torch gate order i, f, g, o), x (B, T, F) -> (B, T, 256).

    Both directions advance in the same loop as one batched matmul. The cell-input gate g uses
    tanh, the others a sigmoid = 0.5 * (tanh(x / 2) + 1): the pre-activations are scaled once so
    that one tanh per step serves all four gates.
    """
    names = (f"l{layer}", f"l{layer}_reverse")
    h_size = sd[f"lstm.weight_hh_{names[0]}"].shape[1]
    scale = np.full(4 * h_size, 0.5, np.float32)
    scale[2 * h_size:3 * h_size] = 1.0
    gates_in = np.stack([(x @ sd[f"lstm.weight_ih_{n}"].T + (sd[f"lstm.bias_ih_{n}"] + sd[f"lstm.bias_hh_{n}"])) * scale
                         for n in names])  # 2, B, T, 4H
    w_hh = np.stack([sd[f"lstm.weight_hh_{n}"].T * scale for n in names])  # 2, H, 4H
    b, t_len, _ = x.shape
    h: np.ndarray = np.zeros((2, b, h_size), np.float32)
    c = np.zeros((2, b, h_size), np.float32)
    out = np.empty((2, b, t_len, h_size), np.float32)
    g = np.empty((2, b, 4 * h_size), np.float32)
    for t in range(t_len):
        np.matmul(h, w_hh, out=g)
        g[0] += gates_in[0, :, t]
        g[1] += gates_in[1, :, t_len - 1 - t]
        np.tanh(g, out=g)
        g += 1.0
        c *= g[..., h_size:2 * h_size]
        c += g[..., :h_size] * (g[..., 2 * h_size:3 * h_size] - 1.0)
        c *= 0.5  # the sigmoid halves: c = 0.5 * (f' c) + 0.5 * (i' g) with f' = 2f, i' = 2i
        h = 0.5 * g[..., 3 * h_size:] * np.tanh(c)
        out[0, :, t] = h[0]
        out[1, :, t_len - 1 - t] = h[1]
    return np.concatenate([out[0], out[1]], -1)


def forward(windows: np.ndarray, sd: dict[str, np.ndarray] | None = None, sinc_batch: int = 8) -> np.ndarray:
    """Powerset log-probabilities (B, 589, 7) for a batch of 10 s windows (B, 160000) at 16 kHz."""
    sd = load_weights() if sd is None else sd
    x = np.asarray(windows, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != WINDOW:
        raise ValueError(f"segmentation windows must have shape (B, {WINDOW}), got {x.shape}")
    # SincNet in small batches (its first layer's output is 5 MB per window); the LSTM over all windows at once
    h = np.concatenate([_sincnet(x[i:i + sinc_batch], sd) for i in range(0, len(x), sinc_batch)])
    for layer in range(4):
        h = _bilstm(h, sd, layer)
    for i in (0, 1):
        h = _leaky_relu(h @ sd[f"linear.{i}.weight"].T + sd[f"linear.{i}.bias"])
    z = h @ sd["classifier.weight"].T + sd["classifier.bias"]
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _sincnet(x: np.ndarray, sd: dict[str, np.ndarray]) -> np.ndarray:
    """SincNet features (B, 589, 60) of windows (B, 160000)."""
    x = np.ascontiguousarray(x)
    x = _instance_norm(x[:, None, :], sd["sincnet.wav_norm1d.weight"], sd["sincnet.wav_norm1d.bias"])[:, 0]
    k = 251
    n = (WINDOW - k) // 10 + 1
    frames = np.lib.stride_tricks.as_strided(x, shape=(x.shape[0], n, k), strides=(x.strides[0], 10 * x.strides[1], x.strides[1]))
    y = np.abs(frames @ sinc_filters(sd).T)  # B, n, 80
    t = n // 3
    y = y[:, :t * 3].reshape(y.shape[0], t, 3, 80).max(2).transpose(0, 2, 1)  # max-pool 3 -> B, 80, n/3
    y = _leaky_relu(_instance_norm(y, sd["sincnet.norm1d.0.weight"], sd["sincnet.norm1d.0.bias"]))
    for i in (1, 2):
        y = _conv1d(y, sd[f"sincnet.conv1d.{i}.weight"], sd[f"sincnet.conv1d.{i}.bias"])
        y = _leaky_relu(_instance_norm(_max_pool3(y), sd[f"sincnet.norm1d.{i}.weight"], sd[f"sincnet.norm1d.{i}.bias"]))
    return np.ascontiguousarray(y.transpose(0, 2, 1), dtype=np.float32)  # B, T, 60


def window_starts(duration_s: float, step_s: float) -> np.ndarray:
    """Start times (s) of the 10 s windows: every ``step_s``, the last one ending at the end of the audio."""
    if duration_s <= WINDOW_S:
        return np.array([0.0])
    starts = list(np.arange(0.0, duration_s - WINDOW_S, step_s))
    starts.append(duration_s - WINDOW_S)
    return np.array(starts)


def local_activity(samples_16k: np.ndarray, *, step_s: float, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Local speaker activity of sliding 10 s windows, one every ``step_s`` seconds
    (``separation.segmentation_step_s``), ``batch`` windows per forward pass.

    Returns
    -------
    (starts, active): window start times (s), shape (W,), and a boolean array (W, 589, 3): local
    speaker k talks in frame t of window w (hard powerset decision, as pyannote). Frame t of a
    window starting at s is centred at ``s + (495 + 270 t) / 16000`` seconds.
    """
    x = np.asarray(samples_16k, dtype=np.float32)
    starts = window_starts(len(x) / RATE, step_s)
    out = np.zeros((len(starts), N_FRAMES, 3), dtype=bool)
    for b0 in range(0, len(starts), batch):
        chunk = np.zeros((min(batch, len(starts) - b0), WINDOW), np.float32)
        for j, s in enumerate(starts[b0:b0 + batch]):
            seg = x[int(round(s * RATE)):int(round(s * RATE)) + WINDOW]
            chunk[j, :len(seg)] = seg
        out[b0:b0 + len(chunk)] = POWERSET[forward(chunk).argmax(-1)]
    return starts, out


def frame_centres_s() -> np.ndarray:
    """Centre of each of a window's 589 frames, seconds from the window start."""
    return (FRAME_CENTRE + FRAME_STEP * np.arange(N_FRAMES)) / RATE
