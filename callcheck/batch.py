"""Batches: find the calls, give each a stable id, analyse them (in parallel if asked), write results
atomically, resume, stop cleanly on Ctrl-C.

* Inputs are files, folders (searched recursively) and/or a manifest CSV (``path,agent`` and
  optionally ``call_id,date,layout,language``; paths relative to the manifest's folder; ``,``, ``;``
  or tab as delimiter; dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``). Everything is checked before the
  first call is analysed: a missing input, a folder without audio or a bad manifest row stops with
  one line (:class:`ConfigError`, exit 2).
* Without a manifest the agent comes from ``batch.agent_pattern`` (a regex with a group ``agent``
  applied to the file name) or else the parent folder's name.
* **Call ids are stable** (:func:`assign_ids`): a recording that already has a record in
  ``OUT/calls`` keeps that record's id (found by its path, or by its content when the audio was
  moved); a new recording gets its file name (``a001``), or, when another recording of the batch
  or of ``OUT/calls`` already has that name, its folder and file name (``markus__a001``). Adding
  files therefore never renames a call that was analysed before.
* ``OUT/calls/<call_id>.json`` is written to a temporary file and moved into place, so a killed run
  never leaves half a JSON. A call whose JSON exists with the same input hash and settings is
  skipped, so a re-run resumes where the last one stopped. Transcripts are cached in
  ``OUT/private/transcripts`` (clear text: owner-only; keyed by audio content, party activity,
  model and decoding settings).
* One bad file never stops the batch: its reason goes to stderr (one line) and ``OUT/failures.csv``.
* Ctrl-C: the first stops after the calls being analysed ("stopping after the current calls
  (Ctrl-C again to abort)"), the second ends the worker processes at once. Workers ignore Ctrl-C
  themselves and die with the batch process, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
import unicodedata
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from callcheck import __version__
from callcheck.config import Config, TranscribeConfig, config_to_dict
from callcheck.errors import CallcheckError, ConfigError, ModelError
from callcheck.fsutil import atomic_write, make_dirs, relative_path
from callcheck.record import locate_source  # noqa: F401  (re-exported: batch callers find audio the same way)
from callcheck.languages import normalize_language
from callcheck.storage import is_url, list_audio, local_path
from callcheck.types import CallInfo, Layout, PartySignal, Word

#: longest call id; longer names keep their first ``_ID_KEEP`` characters and a hash of the whole
MAX_ID_LENGTH = 100
_ID_KEEP = 80
#: bytes read from the start of a record to find its id, source and input hash (full parse if absent)
_HEAD_BYTES = 16384


# ----------------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Failure:
    """An input that could not be analysed, with its one-line reason."""

    path: str
    reason: str
    call_id: str | None = None

    @property
    def line(self) -> str:
        return self.reason if self.reason.startswith(self.path) else f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Outcome:
    """What happened to one call: ``done`` (analysed and written), ``cached`` (its record was
    already there, unchanged) or ``failed`` (``reason`` says why)."""

    info: CallInfo
    status: str
    duration_s: float = 0.0
    reason: str = ""
    input_sha256: str | None = None


# ------------------------------------------------------------------------------------ options


def parse_layout(value: str | Layout, *, what: str = "layout") -> Layout:
    """The :class:`Layout` named by ``value`` (case ignored), or a :class:`ConfigError` naming the valid ones."""
    if isinstance(value, Layout):
        return value
    try:
        return Layout(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{what} {value!r} is not one of: {', '.join(v.value for v in Layout)}") from None


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")


def parse_date(value: str | None, *, what: str = "date") -> str | None:
    """An ISO date (``YYYY-MM-DD``) from ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (a time after it is
    ignored); ``None``/empty stay None. Anything else (``3/11/26``: which is the month?) is an error."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    m = _ISO_DATE.fullmatch(text)
    ymd = (m.group(1), m.group(2), m.group(3)) if m else None
    if ymd is None and (g := _GERMAN_DATE.fullmatch(text)):
        ymd = (g.group(3), g.group(2), g.group(1))
    if ymd is not None:
        try:
            return _dt.date(int(ymd[0]), int(ymd[1]), int(ymd[2])).isoformat()
        except ValueError:
            pass
    raise ConfigError(f"{what} {text!r} is not a date; use YYYY-MM-DD or DD.MM.YYYY")


def safe_id(text: str) -> str:
    """A call id from any text: ASCII letters, digits and ``._-`` (accents dropped, others -> ``_``),
    at most :data:`MAX_ID_LENGTH` characters (longer: the first 80, ``-`` and 10 hex digits of the
    SHA-256 of the whole)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-") or "call"
    if len(s) > MAX_ID_LENGTH:
        s = f"{s[:_ID_KEEP]}-{hashlib.sha256(s.encode()).hexdigest()[:10]}"
    return s


def agent_from_path(path: Path, pattern: str) -> str | None:
    """The agent named by the file: ``pattern``'s group ``agent`` on the file name, else (no pattern)
    the parent folder's name."""
    if pattern:
        m = re.search(pattern, path.name)  # checked when the config was built
        if m and m.group("agent"):
            return m.group("agent")
        return None
    return path.parent.name or None


# -------------------------------------------------------------------------------- existing records


@dataclass(frozen=True)
class KnownRecord:
    """A record already in ``OUT/calls``: its id (the file name), where its audio was, its content hash."""

    call_id: str
    file: Path
    sources: tuple[str, ...]  # the recorded absolute source and the source relative to OUT, resolved
    input_sha256: str | None

    def source_exists(self) -> bool:
        return any(Path(s).is_file() for s in self.sources)


_KEY_RX = {k: re.compile(rf'"{k}":\s*("(?:[^"\\]|\\.)*"|null)') for k in ("source", "source_relative", "input_sha256")}


def _record_keys(path: Path) -> dict[str, Any] | None:
    """``source``, ``source_relative`` and ``input_sha256`` of a record, read from its first bytes
    (they come before the large arrays); the whole file is parsed only when they are not there."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES).decode("utf-8", "ignore")
    except OSError:
        return None
    found = {k: rx.search(head) for k, rx in _KEY_RX.items()}
    if found["input_sha256"] and found["source"]:
        return {k: (json.loads(m.group(1)) if m else None) for k, m in found.items()}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def known_records(out_dir: str | Path | None) -> list[KnownRecord]:
    """Every record in ``OUT/calls`` (unreadable ones are left out: the report step names them)."""
    if out_dir is None or not (Path(out_dir) / "calls").is_dir():
        return []
    out = []
    for f in sorted((Path(out_dir) / "calls").glob("*.json")):
        keys = _record_keys(f)
        if keys is None:
            continue
        sources = []
        if isinstance(keys.get("source"), str):
            sources.append(str(Path(keys["source"])))
        if isinstance(keys.get("source_relative"), str):
            sources.append(str((Path(out_dir) / keys["source_relative"]).resolve()))
        sha = keys.get("input_sha256")
        out.append(KnownRecord(f.stem, f, tuple(dict.fromkeys(sources)), sha if isinstance(sha, str) else None))
    return out


# ----------------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class _Entry:
    """A call found in the inputs, before it has its id."""

    path: Path  # absolute, resolved
    given: str  # as the user gave it (messages, CallInfo.path)
    agent: str | None
    date: str | None
    layout: Layout
    language: str
    call_id: str | None = None  # from the manifest
    where: str = ""  # manifest row, for messages


@dataclass(frozen=True)
class BatchPlan:
    """The calls of a batch with their ids, and the records that are older copies of them
    (``superseded[old_id] = new_id``: the same recording under another id; removed after the batch)."""

    calls: tuple[CallInfo, ...]
    superseded: Mapping[str, str] = field(default_factory=dict)


def discover(
    inputs: Sequence[str | Path],
    *,
    manifest: str | Path | None,
    config: Config,
    layout: str | Layout = Layout.AUTO,
    language: str = "auto",
    out_dir: str | Path | None = None,
) -> BatchPlan:
    """The calls to analyse, in a stable order, each with its stable id.

    Raises
    ------
    ConfigError
        Before any work, for an input that does not exist, a folder without audio, a manifest that
        cannot be read or a bad row in it, or no input at all.
    """
    lay = parse_layout(layout, what="--layout")
    lang = normalize_language(language, what="--language")
    exts = {e.lower() for e in config.batch.audio_extensions}
    out_resolved = Path(out_dir).resolve() if out_dir is not None else None
    entries: list[_Entry] = []
    if manifest is not None:
        entries.extend(read_manifest(manifest, layout=lay, language=lang))
    listed = {e.path for e in entries}
    for raw in inputs:
        if is_url(raw):  # an object or prefix on shared storage (fsspec): listed there
            for url in list_audio(str(raw), sorted(exts)):
                if Path(url) not in listed:
                    listed.add(Path(url))
                    entries.append(_Entry(Path(url), url, agent_from_path(Path(url), config.batch.agent_pattern), None, lay, lang))
            continue
        p = Path(local_path(raw))
        if p.is_dir():
            files = sorted(
                f for f in p.rglob("*")
                if f.suffix.lower() in exts and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and not (out_resolved is not None and f.resolve().is_relative_to(out_resolved))
            )
            if not files:
                raise ConfigError(f"{p}: folder holds no audio files ({', '.join(sorted(exts))}); "
                                  "give the folder with the recordings, or set batch.audio_extensions")
        elif p.exists():
            files = [p]
        else:
            raise ConfigError(f"{p}: no such file or folder; give audio files or folders that exist")
        for f in files:
            r = f.resolve()
            if r in listed:
                continue
            listed.add(r)
            entries.append(_Entry(r, str(f), agent_from_path(f, config.batch.agent_pattern), None, lay, lang))
    if not entries:
        raise ConfigError("no input: give audio files, folders or --manifest CSV")
    return assign_ids(entries, known_records(out_dir))


def assign_ids(entries: Sequence[_Entry], known: Sequence[KnownRecord]) -> BatchPlan:
    """Give every entry its stable call id (rules in the module docstring and the README).

    In this order: the manifest's ``call_id``; the id of the existing record made from the same file
    (its recorded path); the id of an existing record whose audio is gone but had the same content
    (the folder was moved or the file renamed); else a new id: the file name, or, when that is taken
    by another recording (of this batch or of ``OUT/calls``; case ignored), the parent folder and
    the file name (``markus__a001``), then more folders. Other records of the same recording are
    listed as superseded.
    """
    by_source: dict[str, list[KnownRecord]] = {}
    for k in known:
        for s in k.sources:
            by_source.setdefault(s, []).append(k)
    taken = {k.call_id.casefold() for k in known}
    explicit = {e.call_id.casefold() for e in entries if e.call_id}
    ids: dict[int, str] = {}
    claimed: set[str] = set()  # known ids reused by an entry
    superseded: dict[str, str] = {}

    for i, e in enumerate(entries):
        if e.call_id:
            ids[i] = e.call_id
    # 1. the record made from the same file keeps its id
    for i, e in enumerate(entries):
        mine = [k for k in by_source.get(str(e.path), []) if k.call_id not in claimed]
        if not mine:
            continue
        # several records of one file (made by older versions): keep the one named after the file
        names = {_id_at_depth(e.path, d).casefold() for d in range(len(_folders(e.path)) + 1)}
        mine.sort(key=lambda k: (k.call_id.casefold() not in names, k.call_id))
        if i not in ids:
            free = [k for k in mine if k.call_id.casefold() not in explicit]
            if not free:
                continue
            ids[i] = free[0].call_id
        for k in mine:
            if k.call_id != ids[i]:
                superseded[k.call_id] = ids[i]
            claimed.add(k.call_id)
    # 2. a moved file: the record whose audio is gone and had the same content
    orphans = [k for k in known if k.call_id not in claimed and k.input_sha256 and not k.source_exists()]
    if orphans:
        by_sha: dict[str, list[KnownRecord]] = {}
        for k in orphans:
            by_sha.setdefault(k.input_sha256, []).append(k)  # type: ignore[arg-type]
        for i, e in enumerate(entries):
            if i in ids and e.call_id is None:
                continue
            try:
                sha = file_sha256(e.path)
            except OSError:
                continue
            mine = [k for k in by_sha.get(sha, []) if k.call_id not in claimed]
            if not mine:
                continue
            if i not in ids:
                if mine[0].call_id.casefold() in explicit:
                    continue
                ids[i] = mine[0].call_id
            for k in mine:
                if k.call_id != ids[i]:
                    superseded[k.call_id] = ids[i]
                claimed.add(k.call_id)
    # 3. new recordings: the file name, qualified by folders while it is taken or shared
    taken |= {v.casefold() for v in ids.values()}
    pending = sorted((i for i in range(len(entries)) if i not in ids), key=lambda i: str(entries[i].path))
    depth = 0
    while pending:
        cand = {i: _id_at_depth(entries[i].path, depth) for i in pending}
        counts = Counter(c.casefold() for c in cand.values())
        later = []
        for i in pending:
            c = cand[i]
            if counts[c.casefold()] == 1 and c.casefold() not in taken:
                ids[i] = c
            elif depth >= len(_folders(entries[i].path)):  # no folder left to tell them apart
                ids[i] = safe_id(f"{c}-{hashlib.sha256(str(entries[i].path).encode()).hexdigest()[:8]}")
            else:
                later.append(i)
                continue
            taken.add(ids[i].casefold())
        pending = later
        depth += 1
    calls = tuple(
        CallInfo(path=e.given, call_id=ids[i], agent=e.agent, date=e.date, layout=e.layout.value, language=e.language)
        for i, e in enumerate(entries)
    )
    return BatchPlan(calls, {old: new for old, new in superseded.items() if old not in {c.call_id for c in calls}})


def _folders(path: Path) -> tuple[str, ...]:
    """The names of the folders above a file, outermost first (without the root)."""
    parts = path.parent.parts
    return parts[1:] if path.parent.anchor else parts


def _id_at_depth(path: Path, depth: int) -> str:
    """The file name with ``depth`` of its folders in front, joined by ``__``: ``anna__a001``."""
    folders = _folders(path)
    names = [safe_id(f) for f in folders[len(folders) - depth:]] if depth else []
    return safe_id("__".join([*names, safe_id(path.stem)]))


# ------------------------------------------------------------------------------------ manifest

_COLUMNS = ("path", "agent", "call_id", "date", "layout", "language")


def _decode(raw: bytes, p: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # what Excel writes for "CSV (Trennzeichen-getrennt)" on Windows
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: manifest is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'") from None


def _header(line: str, delimiter: str) -> list[str]:
    return [h.strip().lower() for h in next(csv.reader([line], delimiter=delimiter), [])]


def read_manifest(path: str | Path, *, layout: Layout, language: str) -> list[_Entry]:
    """The rows of a manifest CSV (``,``, ``;`` or tab as delimiter, found from the header).

    Raises
    ------
    ConfigError
        Naming the file and row: no header with ``path,agent``, an empty path, an unknown layout or
        language, a date that is neither ``YYYY-MM-DD`` nor ``DD.MM.YYYY``, a repeated path or call_id.
    """
    p = Path(path)
    try:
        text = _decode(p.read_bytes(), p)
    except FileNotFoundError:
        raise ConfigError(f"{p}: manifest not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: manifest is a folder; give the CSV file") from None
    lines = text.splitlines()
    start = next((k for k, line in enumerate(lines) if line.strip()), len(lines))
    forced = None
    if start < len(lines) and lines[start].strip().lower().startswith("sep="):  # Excel's delimiter hint line
        forced = lines[start].strip()[4:5] or None
        start = next((k for k in range(start + 1, len(lines)) if lines[k].strip()), len(lines))
    first = lines[start] if start < len(lines) else ""
    delimiter = forced or next((d for d in (",", ";", "\t") if {"path", "agent"} <= set(_header(first, d))), None)
    if delimiter is None or not {"path", "agent"} <= set(_header(first, delimiter)):
        found = max((_header(first, d) for d in (",", ";", "\t")), key=len)
        raise ConfigError(f"{p}: manifest needs a header with the columns path,agent (optional: call_id,date,layout,language; "
                          f"delimiter , ; or tab); found: {', '.join(h for h in found if h) or 'nothing'}")
    reader = csv.reader(lines[start:], delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    col = {name: header.index(name) for name in _COLUMNS if name in header}
    out: list[_Entry] = []
    problems: list[str] = []
    paths: dict[Path, int] = {}
    ids: dict[str, int] = {}
    for row in reader:
        n = start + reader.line_num  # the line number in the file (1 = the first line)
        if not any(cell.strip() for cell in row):
            continue  # blank lines and Excel's trailing ';;;;' rows
        cell = {name: (row[i].strip() if i < len(row) else "") for name, i in col.items()}
        where = f"{p}:{n}"
        try:
            if not cell["path"]:
                raise ConfigError(f"{where}: empty path")
            f = Path(cell["path"])
            f = f if f.is_absolute() else p.parent / f
            r = f.resolve()
            if r in paths:
                raise ConfigError(f"{where}: {cell['path']} is already listed in row {paths[r]}")
            call_id = None
            if cell.get("call_id"):
                call_id = safe_id(cell["call_id"])
                if call_id.casefold() in ids:
                    raise ConfigError(f"{where}: call_id {cell['call_id']!r} is also used in row {ids[call_id.casefold()]}; call ids must be unique")
                ids[call_id.casefold()] = n
            entry = _Entry(
                path=r,
                given=str(f),
                agent=cell.get("agent") or None,
                date=parse_date(cell.get("date"), what=f"{where}: date"),
                layout=parse_layout(cell["layout"], what=f"{where}: layout") if cell.get("layout") else layout,
                language=normalize_language(cell["language"], what=f"{where}: language") if cell.get("language") else language,
                call_id=call_id,
                where=where,
            )
            paths[r] = n
            out.append(entry)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - 1} more row{'s' if len(problems) > 2 else ''} with problems)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    if not out:
        raise ConfigError(f"{p}: manifest has no rows (expected a header 'path,agent' and one row per call)")
    return out


# ----------------------------------------------------------------------------------------- cache


def file_sha256(path: str | Path) -> str:
    if is_url(path):
        from callcheck.storage import sha256_of

        return sha256_of(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class TranscriptCache:
    """Transcripts on disk under ``OUT/private/transcripts`` (clear text: folder 0700, files 0600),
    keyed by content and settings; a key starts with 16 hex digits of the audio's SHA-256
    (``callcheck forget`` removes a call's entries by it)."""

    @classmethod
    def of(cls, out_dir: Path, input_sha256: str, layout_tag: str) -> "TranscriptCache":
        """The cache of the results folder ``out_dir``."""
        from callcheck.privacy.store import transcript_cache_dir

        return cls(transcript_cache_dir(out_dir), input_sha256, layout_tag)

    def __init__(self, root: Path, input_sha256: str, layout_tag: str) -> None:
        self.root = root
        self.input_sha256 = input_sha256
        self.layout_tag = layout_tag

    def key(self, path: str, sig: PartySignal, identity: str, language: str) -> str:
        h = hashlib.sha256()
        acts = ";".join(f"{iv.start_s:.3f}-{iv.end_s:.3f}" for iv in sig.activity)
        for part in (self.input_sha256, self.layout_tag, sig.party, identity, language, acts):
            h.update(part.encode())
            h.update(b"\0")
        return f"{self.input_sha256[:16]}.{h.hexdigest()}"

    def get(self, key: str) -> tuple[Word, ...] | None:
        f = self.root / f"{key}.json"
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return tuple(Word(w[0], w[1], w[2], w[3], w[4]) for w in data["words"])

    def put(self, key: str, words: Sequence[Word]) -> None:
        data = {"words": [[w.speaker, w.text, w.start_s, w.end_s, round(w.probability, 4)] for w in words]}
        atomic_write(self.root / f"{key}.json", json.dumps(data, ensure_ascii=False), mode=0o600)


def settings_hash(config: Config, model_identity: str, info: CallInfo) -> str:
    blob = json.dumps(
        {"v": __version__, "model": model_identity, "config": config_to_dict(config), "layout": info.layout,
         "language": info.language, "agent": info.agent, "date": info.date, "call_id": info.call_id},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def finished_result(out_dir: Path, info: CallInfo, input_sha256: str, s_hash: str) -> dict | None:
    """The call's existing result when it was made from the same audio with the same settings."""
    f = out_dir / "calls" / f"{info.call_id}.json"
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    from callcheck.result import schema_problem

    # a record of an older schema (e.g. findings without ids) is analysed again, never reused
    if data.get("input_sha256") == input_sha256 and data.get("settings_hash") == s_hash and schema_problem(data) is None:
        return data
    return None


# ----------------------------------------------------------------------------------- one call


def model_info(transcriber: Any) -> dict[str, str]:
    """The ``model`` object of a record: name, where it came from, and the transcriber's identity."""
    spec = getattr(transcriber, "spec", None)
    if spec is not None:
        return {"name": spec.name, "source": spec.source, "identity": transcriber.identity}
    return {"name": transcriber.identity, "source": "custom", "identity": transcriber.identity}


def analyse(info: CallInfo, *, config: Config, transcriber: Any, input_sha256: str, cache: TranscriptCache | None = None,
            out_dir: Path | None = None) -> dict[str, Any]:
    """The schema-valid record of one call with its absolute-norm findings (nothing written)."""
    from callcheck.storage import is_url

    if is_url(info.path):  # read through fsspec: decoded from a temporary copy, the record names the URL
        return _analyse_url(info, config=config, transcriber=transcriber, input_sha256=input_sha256, cache=cache, out_dir=out_dir)
    from callcheck.pipeline import Context, run_steps
    from callcheck.result import build_call_json
    from callcheck.rules import evaluate_call

    state = run_steps(info, config=config, context=Context(transcriber=transcriber, cache=cache))
    data = build_call_json(state, model=model_info(transcriber), input_sha256=input_sha256,
                           settings_hash=settings_hash(config, transcriber.identity, info), out_dir=out_dir)
    data.update(evaluate_call(data, config=config.rules).to_json())
    if out_dir is not None and data["privacy"]["clear_text"]:
        from callcheck.privacy.store import write_clear_text

        write_clear_text(out_dir, info.call_id, state.privacy)
    return data


def _analyse_url(info: CallInfo, **kw: Any) -> dict[str, Any]:
    """:func:`analyse` of a recording at an fsspec URL (:mod:`callcheck.storage`)."""
    import dataclasses

    from callcheck.storage import local_copy, remote_source

    with local_copy(info.path) as local:
        try:
            data = analyse(dataclasses.replace(info, path=local), **kw)
        except CallcheckError as exc:  # name the URL, not the temporary copy
            raise type(exc)(str(exc).replace(local, info.path)) from None
    data.update(remote_source(info.path))
    return data


def _update_source(record: dict[str, Any], info: CallInfo, out_dir: Path) -> None:
    """A cached record whose audio was moved: store where it is now (the measures are unchanged)."""
    from callcheck.result import write_record
    from callcheck.storage import is_url

    if is_url(info.path):  # a URL names the recording itself
        return

    now = {"source": str(Path(info.path).resolve()), "source_relative": relative_path(info.path, out_dir)}
    if any(record.get(k) != v for k, v in now.items()):
        record.update(now)
        write_record(out_dir / "calls" / f"{info.call_id}.json", record)


def analyse_and_write(info: CallInfo, out_dir: Path, *, config: Config, transcriber: Any) -> Outcome:
    """Analyse one call and write its JSON atomically; every error becomes a one-line reason."""
    from callcheck.result import write_record

    outcome, data = analyse_outcome(info, out_dir, config=config, transcriber=transcriber)
    if data is None:
        return outcome
    try:
        write_record(out_dir / "calls" / f"{info.call_id}.json", data)
    except CallcheckError as exc:
        return Outcome(info, "failed", reason=f"{info.path}: {exc}")
    return outcome


def analyse_outcome(info: CallInfo, out_dir: Path | None, *, config: Config, transcriber: Any,
                    known: tuple[str, str] | None = None) -> tuple[Outcome, dict[str, Any] | None]:
    """Analyse one call without writing its record: the outcome and, when analysed, the record.

    A call whose record in ``out_dir/calls`` was made from the same audio and settings is
    ``cached`` (its moved ``source`` is updated in place). Engines whose workers cannot see the
    records pass ``known`` instead: the ``(input_sha256, settings_hash)`` of the existing record.
    Transcripts are cached under ``out_dir/private/transcripts`` (owner-only) when ``out_dir`` is given.
    Every error becomes a one-line reason; a :class:`ModelError` is raised (the batch stops).
    """
    from callcheck.storage import sha256_of

    try:
        sha = sha256_of(info.path)
    except FileNotFoundError:
        return Outcome(info, "failed", reason=f"{info.path}: file not found"), None
    except IsADirectoryError:
        return Outcome(info, "failed", reason=f"{info.path}: is a folder, not an audio file"), None
    except OSError as exc:
        return Outcome(info, "failed", reason=f"{info.path}: cannot be read ({exc.strerror or exc})"), None
    s_hash = settings_hash(config, transcriber.identity, info)
    if known is not None:
        if known == (sha, s_hash):
            return Outcome(info, "cached", input_sha256=sha), None
    elif out_dir is not None:
        previous = finished_result(out_dir, info, sha, s_hash)
        if previous is not None:
            _update_source(previous, info, out_dir)
            return Outcome(info, "cached", duration_s=float(previous.get("duration_s") or 0.0), input_sha256=sha), None
    try:
        cache = TranscriptCache.of(out_dir, sha, info.layout) if out_dir is not None else None
        data = analyse(info, config=config, transcriber=transcriber, input_sha256=sha, cache=cache, out_dir=out_dir)
        return Outcome(info, "done", duration_s=float(data["duration_s"]), input_sha256=sha), data
    except ModelError:
        raise  # not this file's fault: the whole batch stops with the model's message (exit 2)
    except CallcheckError as exc:
        msg = str(exc)
        return Outcome(info, "failed", reason=msg if info.path in msg else f"{info.path}: {msg}"), None
    except MemoryError:
        return Outcome(info, "failed", reason=f"{info.path}: out of memory while analysing"), None
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        if os.environ.get("CALLCHECK_DEBUG"):
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(info, "failed", reason=f"{info.path}: internal error {type(exc).__name__}: {first[:200]} (set CALLCHECK_DEBUG=1 for details)"), None


# ------------------------------------------------------------------------------- transcribers

#: makes the transcriber of a worker: ``factory(cpu_threads) -> Transcriber``; must pickle (workers)
TranscriberFactory = Callable[[int], Any]


@dataclass(frozen=True)
class WhisperFactory:
    """The default :data:`TranscriberFactory`: faster-whisper with a resolved model."""

    spec: Any  # callcheck.transcribe.models.ModelSpec
    config: TranscribeConfig

    @classmethod
    def resolve(cls, model: str | None, config: TranscribeConfig) -> "WhisperFactory":
        """Resolve (and, for the embedded model, assemble) the model now: a bad ``--model`` stops
        the batch before any call is analysed."""
        from callcheck.transcribe.models import resolve_model

        return cls(resolve_model(model), config)

    def __call__(self, cpu_threads: int):
        from callcheck.transcribe.whisper import make_transcriber

        return make_transcriber(self.spec, self.config, cpu_threads=cpu_threads)


# ------------------------------------------------------------------------------------ workers

_WORKER: dict[str, Any] = {}


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the batch process ends, even by SIGKILL: the kernel's parent-death
    signal on Linux, a watchdog thread that polls the parent id elsewhere (and as a backstop)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="callcheck-parent-watch", daemon=True).start()


def _init_worker(factory: TranscriberFactory, config: Config, cpu_threads: int, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch process handles Ctrl-C
    _die_with_parent(parent_pid)
    from callcheck.fsutil import set_file_mode

    set_file_mode(config.privacy.file_mode)  # spawned workers start with the defaults
    _WORKER.update(transcriber=factory(cpu_threads), config=config)


def _worker_analyse(info: CallInfo, out_dir: str) -> Outcome:
    return analyse_and_write(info, Path(out_dir), config=_WORKER["config"], transcriber=_WORKER["transcriber"])


@contextlib.contextmanager
def _sigint_blocked():
    """SIGINT held back while worker processes are started: they inherit the blocked signal (a
    terminal's Ctrl-C reaches the whole process group), the batch process gets it right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _end_workers(pool: ProcessPoolExecutor, grace_s: float = 1.0) -> None:
    """Terminate the pool's processes (SIGTERM, SIGKILL after ``grace_s``) and drop the pool."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + grace_s
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        with contextlib.suppress(Exception):
            if p.is_alive():
                p.kill()
                p.join(1.0)
    pool.shutdown(wait=False, cancel_futures=True)


# -------------------------------------------------------------------------------------- batch

STOP_MESSAGE = "stopping after the current calls (Ctrl-C again to abort)"


class _CtrlC:
    """Ctrl-C while a batch runs: the first sets ``stop`` and says so at once, the second raises
    KeyboardInterrupt (abort), further ones are ignored while aborting. Installed only in the main
    thread and only when SIGINT is not ignored (``nohup``, background jobs)."""

    def __init__(self, notice: Callable[[str], None]) -> None:
        self.stop = False
        self.aborting = False
        self._notice = notice
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.stop:
            self.stop = True
            self._notice(STOP_MESSAGE)
        elif not self.aborting:
            self.aborting = True
            raise KeyboardInterrupt


@dataclass(frozen=True)
class BatchRun:
    """What :func:`run_batch` did: an outcome per call it got to, and whether Ctrl-C cut it short."""

    outcomes: tuple[Outcome, ...]
    interrupted: bool


def _stderr_notice(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run_batch(
    calls: Sequence[CallInfo],
    out_dir: Path,
    *,
    config: Config,
    factory: TranscriberFactory,
    workers: int = 1,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    engine: str = "local",
    address: str | None = None,
    retries: int = 2,
) -> BatchRun:
    """Analyse ``calls`` into ``out_dir`` (``workers`` processes when > 1); Ctrl-C stops cleanly.

    ``engine`` other than ``local`` (``dask``): the calls run on that engine's workers
    (:mod:`callcheck.engine`; ``address`` its scheduler, ``retries`` the runs after a worker
    process died); this process writes the records. A :class:`ModelError` stops the batch
    (raised, after the workers are ended).
    """
    out_dir = Path(out_dir)
    make_dirs(out_dir / "calls")  # owner-only unless privacy.file_mode says otherwise
    for folder in (out_dir / "calls", out_dir / "private" / "transcripts"):
        for stale in folder.glob(".*.tmp"):  # left by a killed run; never a result
            stale.unlink(missing_ok=True)
    outcomes: list[Outcome] = []
    cores = os.cpu_count() or 1
    workers = max(1, min(workers, len(calls) or 1))
    threads = max(1, cores // workers)

    def record(o: Outcome) -> None:
        outcomes.append(o)
        if on_outcome is not None:
            on_outcome(o)

    interrupted = False
    with _CtrlC(on_notice or _stderr_notice) as ctrl:
        try:
            if engine != "local":
                from callcheck.engine import run_engine

                run_engine(engine, calls, out_dir, config=config, factory=factory, workers=workers, address=address,
                           retries=retries, record=record, should_stop=lambda: ctrl.stop,
                           notice=on_notice or _stderr_notice)
            elif workers == 1:
                tr = factory(threads)
                for info in calls:
                    if ctrl.stop:
                        break
                    record(analyse_and_write(info, out_dir, config=config, transcriber=tr))
            else:
                todo = list(calls)
                while todo and not ctrl.stop:  # a new pool only if a worker process died (killed for memory, crashed)
                    todo = _run_pool(todo, out_dir, factory=factory, config=config, workers=workers, threads=threads,
                                     record=record, ctrl=ctrl)
                    workers = 1  # after a break, one call at a time: the next break names its call exactly
        except KeyboardInterrupt:
            interrupted = True
        interrupted = interrupted or ctrl.stop
    return BatchRun(tuple(outcomes), interrupted)


def _run_pool(calls: Sequence[CallInfo], out_dir: Path, *, factory: TranscriberFactory, config: Config, workers: int,
              threads: int, record: Callable[[Outcome], None], ctrl: _CtrlC) -> list[CallInfo]:
    """Analyse ``calls`` in a process pool; returns the calls still to do if the pool broke.

    When a worker process dies in a pool of several, every unfinished call is handed back and the
    caller retries them one at a time; a death in a one-worker pool fails exactly that call (one
    line, like any bad file). Each break either switches to one at a time or costs one call, so
    this ends. After a first Ctrl-C no new call starts; on the second (KeyboardInterrupt) or any
    error the workers are ended before it propagates.
    """
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    queue = list(calls)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(factory, config, threads, os.getpid()))
    pending: dict = {}
    try:
        while pending or (queue and not ctrl.stop):
            while queue and not ctrl.stop and len(pending) < workers:  # never more in flight than workers
                info = queue.pop(0)
                with _sigint_blocked():  # may start a worker process
                    pending[pool.submit(_worker_analyse, info, str(out_dir))] = info
            finished, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for fut in finished:
                info = pending.pop(fut)
                try:
                    record(fut.result())
                except BrokenProcessPool:
                    _end_workers(pool)
                    if workers == 1:  # only this call was running: it is the one that died
                        record(Outcome(info, "failed", reason=f"{info.path}: the worker process analysing it died (out of memory?); the other calls go on"))
                        return [*pending.values(), *queue]
                    # several were running: retry the unfinished ones, one at a time
                    return [info, *pending.values(), *queue]
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return []


def remove_superseded(out_dir: Path, superseded: Mapping[str, str], outcomes: Iterable[Outcome]) -> list[str]:
    """Delete records that are older copies of a call of this batch (same recording, other id),
    with their judgement, once that call's own record is there; one note per removed record."""
    written = {o.info.call_id for o in outcomes if o.status in ("done", "cached")}
    notes = []
    for old, new in sorted(superseded.items()):
        if new not in written:
            continue
        for folder in ("calls", "judgements"):
            (Path(out_dir) / folder / f"{old}.json").unlink(missing_ok=True)
        notes.append(f"note: removed {Path(out_dir) / 'calls' / (old + '.json')}: the same recording is {new}.json")
    return notes


def write_failures(out_dir: Path, failures: Iterable[Failure]) -> Path:
    """``OUT/failures.csv``: one row per input that failed in this run (header only when none did)."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "call_id", "reason"])
    for f in failures:
        writer.writerow([f.path, f.call_id or "", f.line])
    path = Path(out_dir) / "failures.csv"
    atomic_write(path, buf.getvalue())
    return path
