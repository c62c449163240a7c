"""The clear-text store of a results folder: ``OUT/private/`` (folder 0700, files 0600).

Everything that holds what a caller said in clear lives here and nowhere else in ``OUT``:

* ``private/<call_id>.json`` — the clear words and the redacted spans with their text, only when
  ``privacy.clear_text`` is on (the record's ``privacy.clear_text`` names the file);
* ``private/transcripts/`` — the transcript cache (the recogniser's words, keyed by the audio's
  content hash, party activity, model and settings; file names start with the first 16 hex
  digits of the audio's SHA-256, so ``callcheck forget`` finds a call's entries);
* ``private/pseudonym.key`` — the key of the agents' pseudonyms (:mod:`callcheck.privacy.pseudonyms`).

The record (``calls/<call_id>.json``), judgements, reports, clips, the server's database and
its search index only ever see the redacted words.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from callcheck.fsutil import PRIVATE_FILE_MODE, atomic_write, private_dir

__all__ = ["clear_text_path", "write_clear_text", "read_clear_text", "transcript_cache_dir", "remove_legacy_cache",
           "LEGACY_CACHE"]

#: where the transcript cache was before issue 13 (clear text outside ``private/``)
LEGACY_CACHE = (".cache", "transcripts")


def clear_text_path(out_dir: Path, call_id: str) -> Path:
    return Path(out_dir) / "private" / f"{call_id}.json"


def write_clear_text(out_dir: Path, call_id: str, red: Any) -> Path:
    """Write the clear words of a call, its spans (with their text) and the second reading the spans
    were also found in (``privacy.second_reading``) to ``private/<call_id>.json``."""
    private_dir(out_dir)
    def words(ws: Any) -> list[dict[str, Any]]:
        return [{"speaker": w.speaker, "text": w.text, "start_s": round(float(w.start_s), 3),
                 "end_s": round(float(w.end_s), 3), "probability": round(float(w.probability), 4)} for w in ws]

    data = {
        "call_id": call_id,
        "mode": red.mode,
        "language": red.language,
        "words": words(red.clear_words),
        "second_reading": words(red.second_words),
        "spans": [{"kind": s.kind, "speaker": s.speaker, "first_word": s.first_word, "last_word": s.last_word,
                   "start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3), "text": s.text}
                  for s in red.spans],
    }
    path = clear_text_path(out_dir, call_id)
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n", mode=PRIVATE_FILE_MODE)
    return path


def read_clear_text(out_dir: Path, call_id: str) -> dict[str, Any] | None:
    """The clear-text file of a call, or None when there is none."""
    try:
        data = json.loads(clear_text_path(out_dir, call_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def transcript_cache_dir(out_dir: Path) -> Path:
    """``OUT/private/transcripts`` (created owner-only)."""
    return private_dir(out_dir, "transcripts")


def remove_legacy_cache(out_dir: Path) -> bool:
    """Delete the transcript cache of earlier versions (``OUT/.cache/transcripts``: clear text
    outside ``private/``); True when there was one. Its entries are not moved: they are found
    again by re-transcribing once."""
    legacy = Path(out_dir).joinpath(*LEGACY_CACHE)
    if not legacy.is_dir():
        return False
    shutil.rmtree(legacy, ignore_errors=True)
    try:
        legacy.parent.rmdir()  # .cache, when nothing else is in it
    except OSError:
        pass
    return True
