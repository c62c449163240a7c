"""The per-call JSON: built from the final pipeline state, validated against the JSON Schema.

JSON is produced here and nowhere else (the edge of the data model): :func:`dumps` is the one
serializer of every JSON file callcheck writes (``calls/*.json``, ``judgements/*.json``). The
schemas live in ``callcheck/schema/`` (``call.schema.json`` for the measured record,
``judgement.schema.json`` for the judgement step); ``schema_version`` changes when a key is renamed
or removed (adding keys keeps it). Validation uses validators compiled once per process
(fastjsonschema: a record validates in milliseconds, so 10,000 of them can be checked on every read).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

import orjson

from callcheck import SCHEMA_VERSION, __version__
from callcheck.config import config_to_dict
from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write, relative_path
from callcheck.types import PARTIES

SCHEMAS: tuple[str, ...] = ("call", "judgement")


class SchemaError(CallcheckError):
    """A per-call record or judgement breaks its JSON Schema (the message names the path and rule)."""


def _num(x: Any, nd: int = 3) -> Any:
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return int(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    if not math.isfinite(f):
        return None
    return round(f, nd)


def jsonable(obj: Any) -> Any:
    """Plain JSON data from numbers, numpy scalars, tuples, mappings and objects with ``to_json``."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if hasattr(obj, "to_json"):
        return jsonable(obj.to_json())
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return jsonable(obj.item())
    if isinstance(obj, (int, float)):
        return _num(obj, 4)
    if hasattr(obj, "__dataclass_fields__"):
        import dataclasses

        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return str(obj)


def _file_date(path: str) -> str | None:
    """The recording file's modification date (ISO, UTC): a stand-in for the call date in weekly
    trends when no manifest gives one."""
    try:
        ts = Path(path).stat().st_mtime
    except OSError:
        return None
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).date().isoformat()


def speaker_entry(state: Any, p: str) -> dict[str, Any]:
    """``speakers.<p>`` of the record (without ``validity``): talk time and share, the voice
    measures, the conversation keys, word count, activity and quality."""
    conv = state.conversation
    per_speaker_conv = jsonable(getattr(conv, "per_speaker", {}) or {})
    total_talk = sum(sig.talk_time_s for sig in state.parties.values())
    sig = state.parties[p]
    entry: dict[str, Any] = {
        "talk_time_s": _num(sig.talk_time_s),
        "talk_share": _num(sig.talk_time_s / total_talk if total_talk > 0 else None, 4),
    }
    voice = state.voice.get(p)
    if voice is not None:
        vj = jsonable(voice)
        quality = list(vj.pop("quality", []) or [])
        entry.update(vj)
    else:
        quality = []
    entry.update({k: v for k, v in per_speaker_conv.get(p, {}).items() if k not in ("talk_time_s", "talk_share")})
    entry["word_count"] = len(state.transcript.of(p))
    entry["activity"] = [[_num(iv.start_s), _num(iv.end_s)] for iv in sig.activity]
    entry["quality"] = quality
    return entry


def build_call_json(state: Any, *, model: Mapping[str, Any], input_sha256: str, settings_hash: str,
                    out_dir: str | Path | None = None) -> dict[str, Any]:
    """The canonical per-call result (contract keys plus callcheck's own).

    ``source`` is the recording's absolute path; ``source_relative`` the same path relative to the
    results folder ``out_dir`` (None without one), so a results folder moved together with its
    audio still finds it (``callcheck.record.locate_source``)."""
    audio = state.audio
    info = state.info
    transcript = state.transcript
    conv = state.conversation

    red = getattr(state, "privacy", None)  # callcheck.privacy.redact.Redaction after the redact step
    counted_words = red.clear_words if red is not None else transcript.words  # counts are of the clear words
    speakers: dict[str, Any] = {}
    parties = [p for p in PARTIES if p in state.parties]
    validity = getattr(state, "validity", None) or {}
    for p in parties:
        entry = speaker_entry(state, p)
        entry["word_count"] = len([w for w in counted_words if w.speaker == p])
        if p in validity:
            entry["validity"] = {k: jsonable(v) for k, v in validity[p].items()}
        speakers[p] = entry

    words = [
        {"speaker": w.speaker, "text": w.text, "start_s": _num(w.start_s), "end_s": _num(w.end_s), "probability": _num(w.probability)}
        for w in transcript.words
    ]
    turns = [jsonable(t) for t in (getattr(conv, "turns", ()) or ())]
    overlaps = [jsonable(o) for o in (getattr(conv, "overlaps", ()) or ())]
    for o in overlaps:
        o.pop("duration_s", None)
    greeting = jsonable(getattr(conv, "greeting", None))
    conversation = jsonable(getattr(conv, "summary", {}) or {})
    if "agent" in state.voice and "caller" in state.voice:
        from callcheck.measures.voice import compare_parties

        conversation["agent_to_caller"] = jsonable(compare_parties(state.voice["agent"], state.voice["caller"]))

    sep = state.separation
    record = {
        "schema_version": SCHEMA_VERSION,
        "callcheck_version": __version__,
        "call_id": info.call_id,
        "agent": info.agent,
        "date": info.date,
        "file_date": _file_date(info.path),
        "source": str(Path(info.path).resolve()),
        "source_relative": None if out_dir is None else relative_path(info.path, out_dir),
        "input_sha256": input_sha256,
        "settings_hash": settings_hash,
        "analysed_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "duration_s": _num(audio.duration_s),
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
        "codec": audio.codec,
        "layout": state.layout,
        "language": transcript.language,
        "language_probability": _num(transcript.language_probability, 4),
        "model": dict(model),
        "separation": None if sep is None else {"method": sep.method, "confidence": _num(sep.confidence), "notes": list(sep.notes)},
        "notes": list(state.notes),
        "speakers": speakers,
        "conversation": conversation,
        "greeting": greeting,
        "words": words,
        "turns": turns,
        "overlaps": overlaps,
        "assessment": jsonable(state.assessment) if getattr(state, "assessment", None) is not None else None,
        "hold": [jsonable(h) for h in getattr(state, "hold", ()) or ()],
        "findings": [],
        "strengths": [],
        "promises": [],
        "privacy": privacy_json(state, out_dir),
        "timings_s": dict(state.timings_s),
        "config": config_to_dict(state.config),
    }
    if record["assessment"] is None:
        del record["assessment"]
    return record


def privacy_json(state: Any, out_dir: str | Path | None) -> dict[str, Any]:
    """``privacy`` of the record: the redact mode, the redacted spans (types and times, no text)
    and the clear-text file relative to the results folder (``private/<call_id>.json``) when
    ``privacy.clear_text`` keeps one, else None."""
    red = getattr(state, "privacy", None)
    cfg = state.config.privacy
    keep = bool(cfg.clear_text) and out_dir is not None and red is not None and red.mode != "off"
    return {"mode": red.mode if red is not None else "off",
            "spans": red.spans_json() if red is not None else [],
            "clear_text": f"private/{state.info.call_id}.json" if keep else None}


def load_schema(name: str = "call") -> dict[str, Any]:
    """The JSON Schema ``callcheck/schema/<name>.schema.json`` (``name``: 'call' or 'judgement')."""
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}; expected one of {', '.join(SCHEMAS)}")
    return json.loads((resources.files("callcheck") / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))


def _inline_refs(node: Any, root: Mapping[str, Any]) -> Any:
    """``node`` with every ``{"$ref": ...}`` replaced by its target (``#/...`` in ``root`` or
    ``<name>.schema.json#/...``): the same schema, but the compiled validator does not build a path
    string for each referenced item (5x faster on a record's words)."""
    if isinstance(node, list):
        return [_inline_refs(v, root) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$ref"}:
        where, _, pointer = str(node["$ref"]).partition("#")
        doc = load_schema(where.rsplit("/", 1)[-1].removesuffix(".schema.json")) if where else root
        target: Any = doc
        for part in pointer.strip("/").split("/") if pointer.strip("/") else ():
            target = target[part]
        return _inline_refs(target, doc)
    return {k: (v if k == "$defs" else _inline_refs(v, root)) for k, v in node.items()}


@lru_cache(maxsize=None)
def _validator(name: str, detailed: bool = False) -> Callable[[Any], Any]:
    """Compiled once per process; ``detailed`` (slower) only to word the message of a failure."""
    import fastjsonschema

    schema = load_schema(name)
    inlined = _inline_refs({k: v for k, v in schema.items() if k != "$defs"}, schema)
    return fastjsonschema.compile(inlined, detailed_exceptions=detailed)


def _flat_test(prop: Mapping[str, Any], v: str) -> str | None:
    """A Python expression, true when the value named ``v`` breaks the subschema ``prop`` of one
    field (``{"type": "string"}``, ``{"enum": [...]}``, ``{"type": "number"|"integer", "minimum",
    "maximum"}``); None for any other form."""
    if set(prop) == {"type"} and prop["type"] == "string":
        return f"type({v}) is not str"
    if set(prop) == {"enum"} and isinstance(prop["enum"], list) and prop["enum"] and all(type(x) is str for x in prop["enum"]):
        return f"({v} not in {tuple(prop['enum'])!r} or type({v}) is not str)"
    if prop.get("type") in ("number", "integer") and set(prop) <= {"type", "minimum", "maximum"} and all(
            type(prop[k]) in (int, float) and math.isfinite(prop[k]) for k in ("minimum", "maximum") if k in prop):
        kinds = "(int,)" if prop["type"] == "integer" else "(int, float)"  # bool is neither: type(True) is bool
        # the comparisons of fastjsonschema's code (NaN passes both bounds there, and here)
        bounds = "".join(f" or {v} {op} {prop[k]!r}" for k, op in (("minimum", "<"), ("maximum", ">")) if k in prop)
        return f"(type({v}) not in {kinds}{bounds})"
    return None


@lru_cache(maxsize=None)
def _items_check(name: str, key: str) -> Callable[[list[Any]], bool] | None:
    """For a top-level array ``key`` of schema ``name`` whose items are flat objects (``required``
    and ``properties`` of the forms :func:`_flat_test` knows, nothing else): a function, generated
    from the schema, that is true when every item satisfies them — never more lenient than the
    schema (an ``int`` or ``dict`` subclass, e.g., is left to the validator), about 2.5x faster
    than the compiled validator on a record's words (0.6 against 1.5 ms for 255). None for any other form."""
    schema = load_schema(name)
    node = _inline_refs(schema, schema).get("properties", {}).get(key)
    if not isinstance(node, dict) or set(node) != {"type", "items"} or node["type"] != "array":
        return None
    items = node["items"]
    if not isinstance(items, dict) or set(items) - {"type", "required", "properties"} or items.get("type") != "object":
        return None
    required = [str(k) for k in items.get("required") or ()]
    lines = ["def ok(values):", "    for item in values:",
             "        if type(item) is not dict or not item.keys() >= REQUIRED:", "            return False"]
    for i, (k, prop) in enumerate((items.get("properties") or {}).items()):
        test = _flat_test(prop, f"v{i}") if isinstance(prop, dict) else None
        if test is None or not isinstance(k, str):
            return None
        if k in required:
            lines += [f"        v{i} = item[{k!r}]", f"        if {test}:", "            return False"]
        else:
            lines += [f"        if {k!r} in item:", f"            v{i} = item[{k!r}]", f"            if {test}:", "                return False"]
    lines.append("    return True")
    scope: dict[str, Any] = {"REQUIRED": frozenset(required)}
    exec(compile("\n".join(lines), f"<{name}.schema.json {key} items>", "exec"), scope)  # noqa: S102 - code made from our own schema
    return scope["ok"]


#: top-level arrays of the call schema checked by :func:`_items_check` (a record's words: ~250 per minute)
_FAST_ARRAYS = {"call": ("words",)}


def schema_problem(data: Any, name: str = "call") -> str | None:
    """Why ``data`` breaks schema ``name`` (one line: path and rule), or None when it is valid.

    The call schema's ``words`` that pass :func:`_items_check` (generated from the schema, never more
    lenient) are not checked again by the compiled validator, which checks the rest; anything else
    goes to it whole, and a failure is worded by the detailed validator."""
    import fastjsonschema

    try:
        rest = data
        if isinstance(data, dict):
            for key in _FAST_ARRAYS.get(name, ()):
                check = _items_check(name, key)
                if check is not None and type(data.get(key)) is list and check(data[key]):
                    rest = {**rest, key: []}
        _validator(name)(rest)
    except fastjsonschema.JsonSchemaValueException:
        try:
            _validator(name, True)(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            return str(exc.message)
        return "invalid"  # not reached: both validators implement the same schema
    return None


def validate_call_json(data: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaError` (one line: the path and the rule) when ``data`` breaks the call schema."""
    problem = schema_problem(data, "call")
    if problem is not None:
        raise SchemaError(f"the call record breaks callcheck/schema/call.schema.json: {problem}")


def loads(raw: bytes) -> Any:
    """The one parser of callcheck's JSON files: the value of ``json.loads(raw.decode("utf-8"))``,
    with orjson (about 1.8x faster on a record) and, for anything orjson refuses (invalid UTF-8, a
    byte-order mark, ``NaN``, lone surrogate escapes as a file name that is not UTF-8 is written,
    ...), with ``json`` itself — the same value or the same error. (orjson reads an integer beyond
    64 bits as a float; callcheck writes none.)"""
    try:
        return orjson.loads(raw)
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        return json.loads(raw.decode("utf-8"))


def dumps(data: Mapping[str, Any], *, compact: bool = False) -> str:
    r"""The one serializer of callcheck's JSON files: UTF-8 text, indent 1, no NaN, newline at the end.

    ``compact`` writes one line without spaces (the judge's files: thousands per report, and
    Python's encoder is about six times faster without an indent).

    A file name that is not valid UTF-8 (its bytes arrive as lone surrogates, ``os.fsdecode``) is
    written as JSON escapes (``\udcff``): valid UTF-8, and ``json.loads`` gives the same name back."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, **({"separators": (",", ":")} if compact else {"indent": 1})) + "\n"
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _SURROGATE.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def write_record(path: Path, data: Mapping[str, Any]) -> None:
    """Validate the measured record ``data`` against the call schema, then write it atomically.

    Raises
    ------
    SchemaError
        ``"<path>: the call record breaks ...: <json path> <rule>"`` — nothing is written then.
    """
    problem = schema_problem(data, "call")
    if problem is not None:
        raise SchemaError(f"{path}: the call record breaks callcheck/schema/call.schema.json ({problem}); "
                          "this is a bug in callcheck, please report it with the recording's format")
    atomic_write(Path(path), dumps(data))
