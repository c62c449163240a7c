"""Inputs and results on shared storage: local paths (a shared filesystem is one) or fsspec URLs
(``s3://bucket/prefix`` with ``pip install 'callcheck[s3]'``, or any filesystem fsspec knows).

* **Audio** at a URL is read through fsspec: its content is hashed as a stream and, for decoding,
  copied to a temporary local file (:func:`local_copy`) that is removed afterwards. The record's
  ``source`` is the URL (``source_relative`` is None); ``file_date`` is the object's modification
  date.
* **Inputs**: a URL names one object or a prefix (``s3://calls/2026-12-01/``), searched like a
  folder (:func:`list_audio`).
* **Results** at a URL (``--out s3://bucket/reports``): the batch works in a local copy of the
  results folder (:class:`ResultsMirror`: ``calls/`` and ``judgements/`` are fetched first, so
  cache and resume work as locally), every record is uploaded as soon as it is written, and the
  rest (judgements, pages, ``failures.csv``) after the batch; records removed locally are removed
  there. ``private/`` (clear text) and ``.cache/`` never leave the machine.
* **Atomicity**: on an object store one PUT is atomic (a reader sees the old object or the new one,
  never part of one; multipart uploads appear when complete), and there is no rename, so objects
  are written in place. On other fsspec filesystems the data goes to a temporary name
  (``.<name>.<random>.tmp``) that is then moved onto the final name. A killed batch therefore
  leaves whole records only; the same command resumes.

``file://`` URLs are plain local paths.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Sequence

from callcheck.errors import ConfigError

__all__ = ["is_url", "local_path", "sha256_of", "local_copy", "list_audio", "remote_source", "ResultsMirror", "put_atomic"]

#: protocols whose single PUT is atomic and which have no rename (objects are written in place)
OBJECT_STORES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss")
#: folders of a results folder that are never uploaded (clear text, caches)
LOCAL_ONLY = (".cache", "private")


def is_url(value: Any) -> bool:
    r"""True for ``scheme://...`` other than ``file://`` (a Windows drive ``C:\`` is a path)."""
    s = str(value)
    scheme, sep, _ = s.partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").isalnum() and scheme != "file"


def local_path(value: str | Path) -> str | Path:
    """``file:///x`` -> ``/x``; anything else unchanged."""
    s = str(value)
    return s[len("file://"):] if s.startswith("file://") else value


def _fs(url: str) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec comes with faster-whisper's dependencies
        raise ConfigError(f"{url}: URLs need fsspec: pip install fsspec") from None
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        scheme = url.split("://", 1)[0]
        extra = " (pip install 'callcheck[s3]')" if scheme in ("s3", "s3a") else ""
        raise ConfigError(f"{url}: no filesystem for {scheme}:// ({str(exc).splitlines()[0][:120]}){extra}") from None


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file's content, a local path or a URL (read as a stream)."""
    h = hashlib.sha256()
    if is_url(path):
        fs, p = _fs(str(path))
        try:
            with fs.open(p, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
        except OSError:
            raise
        except Exception as exc:  # botocore/aiohttp errors: a one-line OSError for the batch
            raise OSError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}") from None
        return h.hexdigest()
    with open(local_path(path), "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def local_copy(path: str | Path) -> Iterator[str]:
    """A local file with the content of ``path``: the path itself, or for a URL a temporary copy
    (same suffix, so the decoder sees the format) removed afterwards."""
    if not is_url(path):
        yield str(local_path(path))
        return
    fs, p = _fs(str(path))
    fd, tmp = tempfile.mkstemp(prefix="callcheck-audio-", suffix=PurePosixPath(p).suffix)
    os.close(fd)
    try:
        fs.get_file(p, tmp)
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def remote_source(url: str) -> dict[str, Any]:
    """The record keys that name a recording at a URL: ``source``, ``source_relative`` (None),
    ``file_date`` (the object's modification date, UTC, when the store gives one)."""
    fs, p = _fs(url)
    day = None
    with contextlib.suppress(Exception):
        info = fs.info(p)
        ts = info.get("LastModified") or info.get("mtime") or info.get("last_modified")
        if isinstance(ts, (int, float)):
            ts = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
        if isinstance(ts, _dt.datetime):
            day = ts.astimezone(_dt.timezone.utc).date().isoformat()
    return {"source": url, "source_relative": None, "file_date": day}


def list_audio(url: str, extensions: Sequence[str]) -> list[str]:
    """The audio files at ``url``: the object itself, or every object under the prefix whose name
    ends in one of ``extensions`` (hidden names skipped), as URLs, sorted.

    Raises
    ------
    ConfigError
        Nothing there, or a prefix without audio.
    """
    fs, p = _fs(url)
    exts = {e.lower() for e in extensions}
    try:
        if fs.isfile(p):
            return [url]
        found = fs.find(p)
    except FileNotFoundError:
        found = []
    except Exception as exc:
        raise ConfigError(f"{url}: cannot be listed ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from None
    base = p.rstrip("/")
    files = []
    for f in found:
        rel = PurePosixPath(f[len(base):].lstrip("/")) if f.startswith(base) else PurePosixPath(f)
        if PurePosixPath(f).suffix.lower() in exts and not any(part.startswith(".") for part in rel.parts):
            files.append(fs.unstrip_protocol(f))
    if not files:
        raise ConfigError(f"{url}: no audio files there ({', '.join(sorted(exts))}); give the prefix with the recordings")
    return sorted(files)


def put_atomic(fs: Any, local: str | Path, remote: str) -> None:
    """Upload one file so that no reader sees part of it (module notes, 'Atomicity')."""
    if _protocol(fs) in OBJECT_STORES:
        fs.put_file(str(local), remote)
        return
    parent, name = remote.rsplit("/", 1) if "/" in remote else ("", remote)
    tmp = f"{parent}/.{name}.{uuid.uuid4().hex[:8]}.tmp" if parent else f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    if parent:
        fs.makedirs(parent, exist_ok=True)
    fs.put_file(str(local), tmp)
    try:
        fs.mv(tmp, remote)
    except Exception:
        with contextlib.suppress(Exception):
            fs.rm(tmp)
        raise


def _protocol(fs: Any) -> str:
    proto = fs.protocol
    return str(proto[0] if isinstance(proto, (tuple, list)) else proto)


def _staging_root() -> Path:
    env = os.environ.get("CALLCHECK_STAGING_DIR")
    return Path(env) if env else Path.home() / ".cache" / "callcheck" / "staging"


class ResultsMirror:
    """A local working copy of a results folder at a URL (module notes, 'Results').

    Parameters
    ----------
    url : str
        The results folder (``s3://bucket/reports``).
    local : Path or None
        The working copy; default ``$CALLCHECK_STAGING_DIR`` (else ``~/.cache/callcheck/staging``)
        ``/<sha256 of the URL>``, kept between runs (its transcript cache makes re-runs fast).
    """

    def __init__(self, url: str, local: Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.fs, self.root = _fs(self.url)
        self.root = self.root.rstrip("/")
        self.local = Path(local) if local is not None else _staging_root() / hashlib.sha256(self.url.encode()).hexdigest()[:16]
        self._sent: dict[str, tuple[int, int]] = {}  # rel -> (size, mtime_ns) as uploaded or fetched
        self._remote: set[str] = set()

    def _rel_files(self) -> dict[str, Path]:
        out = {}
        if self.local.is_dir():
            for f in self.local.rglob("*"):
                rel = f.relative_to(self.local).as_posix()
                if f.is_file() and rel.split("/", 1)[0] not in LOCAL_ONLY and not f.name.endswith(".tmp"):
                    out[rel] = f
        return out

    def pull(self) -> int:
        """Fetch the remote results into the working copy (new or changed files); remember what is
        there. Returns the number of files fetched."""
        self.local.mkdir(parents=True, exist_ok=True)
        try:
            listing = self.fs.find(self.root, detail=True) if self.fs.exists(self.root) else {}
        except FileNotFoundError:
            listing = {}
        except Exception as exc:
            raise ConfigError(f"--out {self.url}: cannot be listed ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from None
        fetched = 0
        for key, info in listing.items():
            if info.get("type") == "directory":
                continue
            rel = key[len(self.root):].lstrip("/")
            if not rel or rel.split("/", 1)[0] in LOCAL_ONLY or rel.endswith(".tmp"):
                continue
            self._remote.add(rel)
            dest = self.local / rel
            size = int(info.get("size") or 0)
            if not (dest.is_file() and dest.stat().st_size == size):
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
                self.fs.get_file(key, str(tmp))
                os.replace(tmp, dest)
                fetched += 1
            st = dest.stat()
            self._sent[rel] = (st.st_size, st.st_mtime_ns)
        # files of the working copy that the remote folder no longer has (removed elsewhere)
        for rel, f in self._rel_files().items():
            if rel not in self._remote and rel.startswith(("calls/", "judgements/")):
                f.unlink(missing_ok=True)
        return fetched

    def push(self, rel: str) -> None:
        """Upload one file of the working copy now (a record just written)."""
        f = self.local / rel
        st = f.stat()
        put_atomic(self.fs, f, f"{self.root}/{rel}")
        self._sent[rel] = (st.st_size, st.st_mtime_ns)
        self._remote.add(rel)

    def push_all(self) -> int:
        """Upload every new or changed file, remove there what was removed here; returns the
        number of files changed there."""
        n = 0
        files = self._rel_files()
        for rel, f in sorted(files.items()):
            st = f.stat()
            if self._sent.get(rel) != (st.st_size, st.st_mtime_ns):
                self.push(rel)
                n += 1
        for rel in sorted(self._remote - set(files)):
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm_file(f"{self.root}/{rel}")
            self._remote.discard(rel)
            self._sent.pop(rel, None)
            n += 1
        return n

    def on_outcome(self, then: Callable[[Any], None] | None) -> Callable[[Any], None]:
        """An ``on_outcome`` that uploads the call's record first, then calls ``then``."""

        def hook(outcome: Any) -> None:
            if outcome.status in ("done", "cached"):
                rel = f"calls/{outcome.info.call_id}.json"
                if (self.local / rel).is_file():
                    st = (self.local / rel).stat()
                    if self._sent.get(rel) != (st.st_size, st.st_mtime_ns):
                        self.push(rel)
            if then is not None:
                then(outcome)

        return hook

    def remove_local(self) -> None:
        """Delete the working copy (not the remote results)."""
        shutil.rmtree(self.local, ignore_errors=True)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a local file or an fsspec URL's object, read in 1 MiB blocks."""
    if is_url(path):
        return sha256_of(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
