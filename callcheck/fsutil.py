"""Writing results so that no reader ever sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, data: str | bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to a temporary file in ``path``'s folder, flush it to disk, then ``os.replace``
    it onto ``path``: a killed process leaves either the old file or the new one, never a torn one.
    The temporary name starts with a dot and ends in ``.tmp`` (batches delete stale ones).
    ``fsync=False`` skips forcing the bytes to disk (still atomic for readers and a killed process;
    for files that can be made again, such as rendered pages)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are shared like any file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def relative_path(path: str | Path, base: str | Path) -> str | None:
    """``path`` relative to the folder ``base`` with ``/`` separators (``../audio/anna/a001.wav``),
    None when there is none (another drive)."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
    except ValueError:
        return None
