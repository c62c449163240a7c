"""The judgement step: every call of an output folder compared with the team and the agent's own calls.

``callcheck analyze`` writes each measured record ``OUT/calls/<call_id>.json`` once, with the
findings of that call alone (absolute norms). :func:`judge_batch` then builds the baselines from
all records of the folder — per measure of :data:`callcheck.rules.BASELINE_MEASURES` the team's
distribution and each agent's own history — evaluates every call again with them and writes
``OUT/judgements/<call_id>.json`` (``callcheck/schema/judgement.schema.json``):

``{schema_version, call_id, record_sha256, comparison_sha256, baselines: {agent_calls}, findings,
strengths, promises, checks, trackers}``

* ``record_sha256``: SHA-256 of the record file's bytes — the judgement belongs to exactly that
  record (a re-analysed call has a new hash, and its old judgement is not used).
* ``comparison_sha256``: SHA-256 of what the call was compared with — the ``[rules]`` and
  ``[words]`` settings and every team and own-history figure the rules looked up for it
  (:class:`callcheck.rules.LoggedBaselines`: a team comparison that did not fire gives only its
  verdict, one that fired also the threshold it quotes). It changes only when they change.
  (:func:`baseline_set_sha256`, in the run's summary, is the hash of all calls' comparison inputs.)
* A call that is not assessable (its record's ``assessment``) adds nothing to the baselines and
  gets no finding; its judgement's ``checks`` say so (``assessable``, ``reasons``, ``in_baselines``).
* Findings, strengths and promises carry the same stable ids as the record's
  (``<call_id>.<rule_id>.<start in ms>``): a moment found by both keeps its id.

A judgement file is rewritten only when its content changes (byte-identical otherwise), with the
one serializer :func:`callcheck.result.dumps`, atomically, after validation against its schema;
judgements of calls no longer in ``calls/`` are removed. Records are read in two streaming passes
(baseline values first, then each call is judged and dropped), so memory stays flat in the number
of calls and the work is linear in it (plus each agent's own history per call); ``then=`` does more
with each judged record while it is in memory (``callcheck report`` digests it and makes its call
page there). With many calls both passes run in worker processes; the judgements are written without forcing each file to
disk, and synced once before the index that names them.

A run remembers what it read and judged in ``OUT/.cache/judge-index.json`` (:data:`INDEX_NAME`):
per record file its size, modification time and inode with its hash, call id, agent and baseline
values, and per call the record hash and every baseline lookup it was judged with and its result
(as JSON text, parsed only when the baselines changed).
A record whose file is unchanged is not parsed again, and a call whose record is unchanged, whose
every lookup gives the same result under the new baselines (:func:`still_holds`) and whose
judgement file exists is not judged again — so ``callcheck report`` on an unchanged folder of
10,000 calls reads no record, and after one call was re-analysed, added or removed only the calls
whose figures moved are judged again (that agent's calls, whose own history changed, and the
calls whose team verdict or quoted team threshold changed). The index is only a cache: it is ignored when the callcheck version
or the source of the rules, the judge, the read model, the phrase lists or the schemas
differ from the run that wrote it (its judged calls also when the settings differ), and a
missing or damaged index means the full work.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from callcheck import SCHEMA_VERSION, __version__, procpool
from callcheck.config import Config, RulesConfig, config_to_dict
from callcheck.fsutil import atomic_write, file_key
from callcheck.record import (
    JUDGEMENTS_DIR, CallRecord, RecordError, duplicate_reason, judgement_path, load_record, record_paths,
)
from callcheck.result import SchemaError, dumps, loads, schema_problem
from callcheck.rules import BASELINE_MEASURES, Baselines, LoggedBaselines, baseline_values, baselines_from_values, evaluate_call

__all__ = ["JudgeSummary", "baseline_set_sha256", "batch_baselines", "comparison_sha256", "judge_batch", "judge_record",
           "settings_sha256", "still_holds", "validate_judgement"]


@dataclass(frozen=True)
class JudgeSummary:
    """What :func:`judge_batch` did."""

    calls: int                 # records judged
    written: int               # judgement files written (new or changed)
    unchanged: int             # judgement files already up to date (not touched)
    removed: int               # judgements of calls no longer in calls/ (or no longer readable)
    skipped: tuple[str, ...]   # one line per record that could not be read
    baseline_set_sha256: str
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "written": self.written, "unchanged": self.unchanged, "removed": self.removed,
                "skipped": list(self.skipped), "baseline_set_sha256": self.baseline_set_sha256,
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class _Entry:
    path: Path
    call_id: str
    agent: str | None
    sha256: str
    values: Mapping[str, float | None]


def _settings(config: RulesConfig | Config) -> dict[str, Any]:
    """The settings a judgement depends on: ``[rules]``, and with a whole Config also ``[words]`` and
    ``turns.company_names`` (the phrase lists, company names and trackers the rules read)."""
    if isinstance(config, Config):
        return {**config_to_dict(config.rules), "words": config_to_dict(config.words),
                "turns.company_names": list(config.turns.company_names)}
    return config_to_dict(config)


def baseline_set_sha256(rows: Iterable[tuple[str, str | None, Mapping[str, float | None]]], *, config: RulesConfig | Config) -> str:
    """SHA-256 of the comparison inputs: ``(call_id, agent, baseline values)`` of every call (sorted by
    call id) and the rules settings (with a whole Config also the ``[words]`` settings). Equal inputs
    give the same hash whatever the file order."""
    calls: list[list[Any]] = sorted(([cid, agent, [values.get(m) for m in BASELINE_MEASURES]] for cid, agent, values in rows),
                   key=lambda r: r[0])
    blob = json.dumps({"measures": list(BASELINE_MEASURES), "rules": _settings(config), "calls": calls},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def batch_baselines(records: Iterable[CallRecord], *, config: RulesConfig | Config | None = None) -> Baselines:
    """:class:`~callcheck.rules.Baselines` of ``records`` as :func:`judge_batch` builds them: calls that
    are not assessable add no value (:func:`callcheck.rules.baseline_values`)."""
    return baselines_from_values((r.call_id, r.agent, baseline_values(r)) for r in records)


def settings_sha256(config: RulesConfig | Config) -> str:
    """SHA-256 of the settings a judgement depends on (:func:`_settings`) and the baseline measures."""
    blob = json.dumps({"measures": list(BASELINE_MEASURES), "rules": _settings(config)},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def _lookups(log: Mapping[tuple[Any, ...], Any]) -> list[list[Any]]:
    """A :class:`~callcheck.rules.LoggedBaselines` log as ``[[key, result], ...]``, sorted (JSON)."""
    return [[list(k), v] for k, v in sorted(log.items(), key=lambda kv: repr(kv[0]))]


def comparison_sha256(settings: str, lookups: list[list[Any]]) -> str:
    """SHA-256 of what a judgement was compared with: the settings and every baseline figure it looked up."""
    blob = json.dumps({"settings": settings, "lookups": lookups}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def judge_record(rec: CallRecord, baselines: Baselines, *, config: RulesConfig | Config, settings: str | None = None,
                 lookups: list[list[Any]] | None = None) -> dict[str, Any]:
    """The judgement of one call (a dict of ``judgement.schema.json``). Its ``checks`` say whether the
    call could be assessed and is part of the baselines, and which comparisons each rule could make.
    Every baseline figure it was made with is appended to ``lookups`` when given (``[key, result]``,
    see :class:`~callcheck.rules.LoggedBaselines`); ``comparison_sha256`` is their hash with the
    settings (``settings``: :func:`settings_sha256` of ``config``, computed when not given)."""
    lb = LoggedBaselines(baselines)
    res = evaluate_call(rec, config=config, baselines=lb).to_json()  # type: ignore[arg-type]
    head = {"agent_calls": max(0, lb.agent_calls(rec.agent) - 1)}
    used = _lookups(lb.log)
    if lookups is not None:
        lookups.extend(used)
    return {
        "schema_version": SCHEMA_VERSION,
        "call_id": rec.call_id,
        "record_sha256": rec.sha256 or hashlib.sha256(dumps(rec.raw).encode("utf-8")).hexdigest(),
        "comparison_sha256": comparison_sha256(settings or settings_sha256(config), used),
        "baselines": head,
        **res,
    }


def still_holds(lookups: Any, baselines: Baselines, memo: dict[tuple[Any, ...], Any] | None = None) -> bool:
    """Whether every ``[key, result]`` of ``lookups`` (a judgement's, from the index: the list or its
    JSON text) gives the same result under ``baselines``: then the judgement made with them is unchanged."""
    memo = {} if memo is None else memo
    try:
        if isinstance(lookups, str):
            lookups = json.loads(lookups)
        if not isinstance(lookups, list):
            return False
        for key, value in lookups:
            k = tuple(key)
            if k not in memo:
                memo[k] = LoggedBaselines.replay(baselines, k)
            if memo[k] != value:
                return False
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return False  # not an index this code wrote
    return True


def validate_judgement(data: Mapping[str, Any]) -> None:
    """Raise :class:`callcheck.result.SchemaError` when ``data`` breaks the judgement schema."""
    problem = schema_problem(data, "judgement")
    if problem is not None:
        raise SchemaError(f"judgement of call {data.get('call_id')!r} breaks callcheck/schema/judgement.schema.json: {problem}")


#: the judge's cache of what it read and judged, relative to the results folder
INDEX_NAME = ".cache/judge-index.json"


def _code_key() -> str:
    """Hash of what a judgement depends on besides its inputs: the callcheck version and the source of
    the rules, this module, the read model, the phrase lists and the schemas."""
    import callcheck

    root = Path(callcheck.__file__).parent
    h = hashlib.sha256(__version__.encode())
    files = [root / "judge.py", root / "record.py", *sorted((root / "rules").glob("*.py")), *sorted((root / "data").glob("*.toml")),
             *sorted((root / "schema").glob("*.json"))]
    for f in files:
        with_name = f.relative_to(root).as_posix().encode() + b"\0"
        try:
            h.update(with_name + f.read_bytes())
        except OSError:
            h.update(with_name)
    return h.hexdigest()


def _load_index(out_dir: Path, code: str, settings: str) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """``(records, judged, baseline set hash)`` of the index when it was written by the same code
    (``judged`` only when also with the same settings), else empty."""
    try:
        data = json.loads((out_dir / INDEX_NAME).read_text(encoding="utf-8"))
        if data.get("code") == code and isinstance(data.get("records"), dict) and isinstance(data.get("judged"), dict):
            same = data.get("settings") == settings
            return data["records"], data["judged"] if same else {}, data.get("set") if same else None
    except (OSError, ValueError, AttributeError):
        pass
    return {}, {}, None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


#: judging runs in worker processes when at least this many calls are to be judged (or records read)
PARALLEL_MIN_CALLS = procpool.PARALLEL_MIN_ITEMS
#: calls per task of a worker process
CHUNK_CALLS = procpool.CHUNK_ITEMS
#: at most this many worker processes by :func:`default_workers`
MAX_WORKERS = procpool.MAX_WORKERS
default_workers = procpool.default_workers


def _read_entry(p: Path) -> tuple[str, Any]:
    """Pass 1 for one record file: ``("ok", (sha256, call_id, agent, baseline values))`` or
    ``("skipped", one line)``."""
    try:
        rec = load_record(p)
    except RecordError as exc:
        return "skipped", str(exc)
    return "ok", (rec.sha256 or "", rec.call_id, rec.agent, baseline_values(rec))


def _read_chunk(chunk: list[Path]) -> list[tuple[str, Any]]:
    return [_read_entry(p) for p in chunk]


#: what :func:`judge_batch` ``then=`` gets: each call judged from the bytes it was listed with (unjudged,
#: with its words and turns already built) and its judgement file's text; returns a picklable result
Then = Callable[[CallRecord, str], Any]


def _judge_one(e: _Entry, baselines: Baselines, rules: Config, settings: str, out_dir: Path,
               then: Then | None = None) -> tuple[str, str, list[Any] | None, Any]:
    """Judge one call and write its judgement when it changed: ``(call_id, status, index entry,
    then's result or None)`` with status ``written``, ``unchanged`` or ``skipped:<one line>``. The
    file is not forced to disk here (:func:`judge_batch` syncs once before it writes the index)."""
    try:
        raw = e.path.read_bytes()
        if hashlib.sha256(raw).hexdigest() == e.sha256:  # validated in pass 1
            rec = CallRecord(loads(raw), None, e.path, e.sha256)
        else:  # re-analysed in between: read it again (its own values, the batch's baselines)
            rec = load_record(e.path)
    except (OSError, RecordError) as exc:  # removed or broken while judging
        return e.call_id, "skipped:" + (str(exc) if isinstance(exc, RecordError)
                                        else f"{e.path}: gone while judging; run `callcheck report` again"), None, None
    used: list[list[Any]] = []
    judgement = judge_record(rec, baselines, config=rules, settings=settings, lookups=used)
    validate_judgement(judgement)
    text = dumps(judgement, compact=True)
    path = judgement_path(out_dir, e.call_id)
    same = rec.sha256 == e.sha256
    entry = [e.sha256, json.dumps(used, separators=(",", ":"), allow_nan=False)] if same else None
    status = "unchanged"
    if _read_text(path) != text:
        atomic_write(path, text, fsync=False)
        status = "written"
    return e.call_id, status, entry, then(rec, text) if then is not None and same else None


_WORKER: dict[str, Any] = {}


def _worker_init(baselines: Baselines, rules: Config, settings: str, out_dir: Path, then: Then | None = None) -> None:
    _WORKER.update(baselines=baselines, rules=rules, settings=settings, out_dir=out_dir, then=then)


def _worker_chunk(chunk: list[_Entry]) -> list[tuple[str, str, list[Any] | None, Any]]:
    w = _WORKER
    return [_judge_one(e, w["baselines"], w["rules"], w["settings"], w["out_dir"], w["then"]) for e in chunk]


def _in_workers(items: list[Any], one: Callable[[Any], Any], chunk_fn: Callable[[list[Any]], list[Any]], workers: int, *,
                initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()) -> Iterator[Any]:
    """:func:`callcheck.procpool.in_workers` with this module's :data:`PARALLEL_MIN_CALLS` and :data:`CHUNK_CALLS`."""
    return procpool.in_workers(items, one, chunk_fn, workers, min_items=PARALLEL_MIN_CALLS, chunk_items=CHUNK_CALLS,
                               initializer=initializer, initargs=initargs)


def _judge_all(todo: list[_Entry], baselines: Baselines, rules: Config, settings: str, out_dir: Path,
               workers: int, then: Then | None = None) -> Iterator[tuple[str, str, list[Any] | None, Any]]:
    """:func:`_judge_one` of every entry, in order (in worker processes when there are many: each
    gets the baselines and ``then`` once and reads, judges and writes its calls itself)."""
    return _in_workers(todo, lambda e: _judge_one(e, baselines, rules, settings, out_dir, then), _worker_chunk, workers,
                       initializer=_worker_init, initargs=(baselines, rules, settings, out_dir, then))


def judge_batch(out_dir: Path, *, config: Config, workers: int = 1, then: Then | None = None) -> JudgeSummary:
    """Judge every call of ``out_dir`` against the team's and the agent's own calls.

    Parameters
    ----------
    out_dir : Path
        An output folder of ``callcheck analyze`` (reads ``calls/*.json``, writes ``judgements/``).
    config : Config
        ``config.rules`` holds the thresholds and the baseline settings, ``config.words`` the
        phrase lists, company names and trackers.
    workers : int
        Worker processes for reading new or changed records and for judging (1: this process only,
        the default; ``callcheck report`` uses :func:`default_workers`). They are used only when
        :data:`PARALLEL_MIN_CALLS` or more records are to be read, or calls to be judged. They are started with ``spawn``, so a script that calls this with
        ``workers > 1`` needs the ``if __name__ == "__main__":`` guard (as ``analyze_batch(workers=...)``).
    then : callable or None
        Called for each call judged in this run, where it was judged (a worker process gets a
        pickled copy), with the record as read (no judgement attached) and the text of its
        judgement file; its results are kept in ``then.results`` (record file name →
        ``(file key at listing, result)``) when ``then`` has that dict. ``callcheck report``
        digests each call and renders its call page there
        (:class:`callcheck.report.render.PagesAfterJudging`), so no record is read a third time.

    Returns
    -------
    JudgeSummary

    Raises
    ------
    callcheck.record.RecordError
        ``out_dir`` has no ``calls/`` folder.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    rules = config  # the whole Config: [rules] thresholds, [words] lists and trackers
    # pass 1: validate each record once, keep only what the baselines need
    entries: list[_Entry] = []
    skipped: list[str] = []
    seen: dict[str, Path] = {}
    settings = settings_sha256(rules)
    code = _code_key()
    known_files, known_judged, known_set = _load_index(out_dir, code, settings)
    files: dict[str, Any] = {}
    listed: list[tuple[Path, list[int], Any]] = []  # (path, file key, index entry when it still holds)
    for p in record_paths(out_dir):
        fkey = file_key(p)
        if fkey is None:
            continue  # removed since the listing
        cached = known_files.get(p.name)
        ok = isinstance(cached, list) and len(cached) == 5 and cached[0] == fkey
        listed.append((p, fkey, cached if ok else None))
    # records that are new or changed are read (and validated) in worker processes when there are many
    unread = [p for p, _, cached in listed if cached is None]
    read = dict(zip((p.name for p in unread), _in_workers(unread, _read_entry, _read_chunk, workers)))
    for p, fkey, cached in listed:
        if cached is not None:
            _, sha, call_id, agent, values = cached
        else:
            status, got = read[p.name]
            if status != "ok":
                skipped.append(got)
                continue
            sha, call_id, agent, values = got
        if call_id in seen:
            skipped.append(duplicate_reason(p, call_id, seen[call_id]))
            continue
        entry = _Entry(p, call_id, agent, sha, values)
        seen[entry.call_id] = p
        files[p.name] = [fkey, entry.sha256, entry.call_id, entry.agent, dict(entry.values)]
        entries.append(entry)
    rows = [(e.call_id, e.agent, e.values) for e in entries]
    baselines = baselines_from_values(rows)
    set_hash = baseline_set_sha256(rows, config=rules)
    # pass 2: judge each call, write what changed (in worker processes when there are many)
    written = unchanged = 0
    judged: set[str] = set()
    done: dict[str, list[Any]] = {}
    todo: list[_Entry] = []
    memo: dict[tuple[Any, ...], Any] = {}
    for e in entries:
        known = known_judged.get(e.call_id)
        if (isinstance(known, list) and len(known) == 2 and known[0] == e.sha256
                and judgement_path(out_dir, e.call_id).is_file()
                and (set_hash == known_set or still_holds(known[1], baselines, memo))):  # the same baselines: every lookup holds
            judged.add(e.call_id)  # same record, same settings, every figure it was compared with unchanged
            done[e.call_id] = known
            unchanged += 1
        else:
            todo.append(e)
    results = getattr(then, "results", None)
    fkeys = {p.name: fkey for p, fkey, _ in listed}
    for e, (call_id, status, index_entry, after) in zip(todo, _judge_all(todo, baselines, rules, settings, out_dir, workers, then)):
        if status.startswith("skipped:"):
            skipped.append(status.removeprefix("skipped:"))
            continue
        if after is not None and isinstance(results, dict):
            results[e.path.name] = (fkeys[e.path.name], after)
        judged.add(call_id)
        if index_entry is not None:
            done[call_id] = index_entry
        if status == "written":
            written += 1
        else:
            unchanged += 1
    # judgements of calls that are gone (or unreadable now), and leftovers of killed writes
    removed = 0
    folder = out_dir / JUDGEMENTS_DIR
    if folder.is_dir():
        keep = judged
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
            elif p.suffix == ".json" and p.stem not in keep:
                p.unlink(missing_ok=True)
                removed += 1
    if written:
        os.sync()  # the judgements were written without forcing each to disk: once for all, before the index names them
    if not (written or removed) and set_hash == known_set and files == known_files and done == known_judged:
        pass  # nothing changed: the index stays as it is
    else:
        try:
            atomic_write(out_dir / INDEX_NAME, json.dumps({"code": code, "settings": settings, "set": set_hash, "records": files,
                                                           "judged": done}, ensure_ascii=True, allow_nan=False, separators=(",", ":")))
        except (OSError, ValueError):
            (out_dir / INDEX_NAME).unlink(missing_ok=True)  # only a cache: the next run does the full work
    return JudgeSummary(len(judged), written, unchanged, removed, tuple(skipped), set_hash, time.perf_counter() - t0)
