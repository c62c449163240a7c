"""Writing results so that no reader ever sees half a file, with owner-only permissions.

Files callcheck writes are created ``0600`` and its folders ``0700`` by default (records, reports,
clips and the server database name people and hold what they said); ``privacy.file_mode``
relaxes that for a results folder shared by a group (``group``: 0640/0750) or by everyone
(``shared``: 0666/0777 minus the umask, as before issue 13). ``OUT/private/`` (clear text, the
transcript cache, the pseudonym key) is always owner-only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)

#: ``privacy.file_mode`` -> (file mode, folder mode)
FILE_MODES: dict[str, tuple[int, int]] = {
    "owner": (0o600, 0o700),
    "group": (0o640, 0o750),
    "shared": (0o666 & ~_UMASK, 0o777 & ~_UMASK),
}
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_mode = {"file": FILE_MODES["owner"][0], "dir": FILE_MODES["owner"][1]}


def set_file_mode(name: str) -> None:
    """Use the permissions of ``privacy.file_mode`` ``name`` for every file and folder created from now on."""
    if name not in FILE_MODES:
        raise ValueError(f"unknown file mode {name!r}; use one of {', '.join(FILE_MODES)}")
    _mode["file"], _mode["dir"] = FILE_MODES[name]


def file_mode() -> int:
    """The permission bits new files get (see :func:`set_file_mode`)."""
    return _mode["file"]


def dir_mode() -> int:
    """The permission bits new folders get (see :func:`set_file_mode`)."""
    return _mode["dir"]


def make_dirs(path: Path, mode: int | None = None) -> Path:
    """Create ``path`` and its missing parents with ``mode`` (default :func:`dir_mode`); folders that
    exist keep their permissions."""
    path = Path(path)
    mode = dir_mode() if mode is None else mode
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        os.chmod(d, mode)
    return path


def private_dir(out_dir: Path, *parts: str) -> Path:
    """``OUT/private[/parts...]``, created owner-only (0700); an existing ``OUT/private`` is set to
    0700 again (a copy made with other permissions)."""
    root = Path(out_dir) / "private"
    make_dirs(root, PRIVATE_DIR_MODE)
    if (root.stat().st_mode & 0o777) != PRIVATE_DIR_MODE:
        os.chmod(root, PRIVATE_DIR_MODE)
    d = root.joinpath(*parts)
    make_dirs(d, PRIVATE_DIR_MODE)
    return d


def file_key(path: Path) -> list[int] | None:
    """``[size, mtime_ns, inode]`` of a file, None when it cannot be read: while it is unchanged, so
    are the bytes (the judge's index and the report's digests skip reading such a file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [int(st.st_size), int(st.st_mtime_ns), int(st.st_ino)]


def atomic_write(path: Path, data: str | bytes, *, mode: int | None = None, fsync: bool = True) -> None:
    """Write ``data`` to a temporary file in ``path``'s folder, flush it to disk, then ``os.replace``
    it onto ``path``: a killed process leaves either the old file or the new one, never a torn one.
    The temporary name starts with a dot and ends in ``.tmp`` (batches delete stale ones).

    The file gets ``mode`` (default :func:`file_mode`, 0600 unless ``privacy.file_mode`` says
    otherwise); missing folders are created with :func:`dir_mode`. ``fsync=False`` skips forcing
    the bytes to disk (still atomic for readers and a killed process; for files that can be made
    again, such as rendered pages)."""
    path = Path(path)
    make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # surrogateescape: a file name that is not valid UTF-8 keeps its own bytes (no crash)
            fh.write(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, file_mode() if mode is None else mode)
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
