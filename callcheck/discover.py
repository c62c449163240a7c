"""Find the calls of a batch and give each a stable id.

Files and folders (searched recursively) or a manifest CSV become :class:`BatchPlan` entries;
:func:`assign_ids` keeps the ids of calls analysed before (the rules are listed in
:mod:`callcheck.batch` and the README, "Call ids").
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from callcheck.config import Config
from callcheck.errors import (
    BIDI_CONTROLS,
    ConfigError,
)
from callcheck.languages import normalize_language
from callcheck.storage import file_sha256, is_url, list_audio, local_path
from callcheck.types import CallInfo, Layout

#: longest call id; longer names keep their first ``_ID_KEEP`` characters and a hash of the whole
MAX_ID_LENGTH = 100


_ID_KEEP = 80


#: bytes read from the start of a record to find its id, source and input hash (full parse if absent)
_HEAD_BYTES = 16384


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
    return clean_agent(Path(os.path.abspath(path)).parent.name)


def clean_agent(name: str | None) -> str | None:
    """An agent name as it is shown and compared: Unicode NFC (macOS names folders in NFD), control
    characters dropped, surrounding blanks stripped; None when nothing is left (a file in ``/``)."""
    if name is None:
        return None
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs") and ch not in BIDI_CONTROLS).strip()
    return text or None


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
            # names with an audio extension that are not regular files (a FIFO, a link to a device,
            # a link loop or a dangling link, a folder named x.wav) are kept: each fails in one line
            files = sorted(
                f for f in p.rglob("*")
                if f.suffix.lower() in exts
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and not (out_resolved is not None and _resolved(f).is_relative_to(out_resolved))
            )
            if not files:
                raise ConfigError(f"{p}: folder holds no audio files ({', '.join(sorted(exts))}); "
                                  "give the folder with the recordings, or set batch.audio_extensions")
        elif os.path.lexists(p):  # a file, or something that fails in one line when it is read
            files = [p]
        else:
            raise ConfigError(f"{p}: no such file or folder; give audio files or folders that exist")
        for f in files:
            r = _resolved(f)
            if r in listed:
                continue
            listed.add(r)
            entries.append(_Entry(r, str(f), agent_from_path(f, config.batch.agent_pattern), None, lay, lang))
    if not entries:
        raise ConfigError("no input: give audio files, folders or --manifest CSV")
    return assign_ids(entries, known_records(out_dir))


def _resolved(path: Path) -> Path:
    """``path`` made absolute with its links followed; a link loop (which ``Path.resolve`` turns into
    a RuntimeError) or an unreadable link stays as written, made absolute."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _content_sha(path: Path) -> str | None:
    """The content hash of a regular file (links followed), None for anything else or an unreadable
    file: only regular files are ever opened here (a FIFO or a device would block)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return file_sha256(path)
    except (OSError, ValueError):
        return None


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
            sha = _content_sha(e.path)
            if sha is None:
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
            r = _resolved(f)
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
                agent=clean_agent(cell.get("agent")),
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
