"""Plain functions behind ``callcheck report``, ``callcheck rules`` and ``callcheck clips``.

Each parses nothing itself (typer does), calls one library function, prints a short summary, turns
library errors into one line on stderr, and returns the exit code: 0 done, 1 some calls could not
be read (the rest was rendered), 2 nothing could be done (bad folder, config or language).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from callcheck.config import load_config
from callcheck.errors import CallcheckError


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def report_command(out_dir: Path, language: str | None = None, config_path: Path | None = None, *, audio: bool | None = None,
                   workers: int | None = None) -> int:
    """Judge ``OUT/calls/*.json`` against the team and the agents' own calls (``OUT/judgements/``),
    then render ``OUT/agents/*``, ``OUT/callpages/*``, ``OUT/index.html`` and ``OUT/team.csv``
    (only pages whose content changed). The records are only read."""
    from callcheck.judge import default_workers
    from callcheck.report import judge_and_render

    out_dir = Path(out_dir)
    try:
        cfg = load_config(config_path)
        n = default_workers() if workers is None else workers
        j, s = judge_and_render(out_dir, config=cfg, language=language, audio=audio, workers=n)
    except CallcheckError as exc:
        _err(str(exc))
        return 2
    for line in s.skipped:
        _err(line)
    print(f"judged {j.calls} calls against the team and their agents' own calls: {j.written} judgements written, "
          f"{j.unchanged} unchanged, {j.removed} removed → {out_dir / 'judgements'} ({j.seconds:.1f} s)")
    unassessable = f", {s.unassessable} not assessable" if s.unassessable else ""
    print(f"{s.calls} calls of {s.agents} agents{unassessable} → {out_dir / 'index.html'}: {len(s.pages)} files written, "
          f"{s.reused} pages up to date, {s.audio_files} audio snippets written ({s.seconds:.1f} s)")
    return 1 if s.skipped else 0


def rules_command(config_path: Path | None = None, language: str = "en") -> int:
    """Print the eight rules with their signals and thresholds (current config) and the article
    text, all in ``language`` (the article quote in German, and in English for ``en``)."""
    from callcheck.report.rules_text import LABELS, rule_signals, threshold_text
    from callcheck.rules import list_rules

    if language not in ("de", "en"):
        _err(f"language {language!r} is not supported; use de or en")
        return 2
    try:
        cfg = load_config(config_path)
    except CallcheckError as exc:
        _err(str(exc))
        return 2
    lab = LABELS[language]
    for r in list_rules(config=cfg.rules, language=language):
        print(f"{r.rule_id}  ({lab['mistake']} {r.mistake}: {r.title})")
        print(f"  {lab['signals']}: {rule_signals(r.rule_id, language, r.signals)}")
        print(f"  {lab['article']}: {r.article_de}")
        if language != "de":
            print(f"           ({r.article_en})")
        print(f"  {lab['thresholds']}:")
        for key, value, doc in r.thresholds:
            v = list(value) if isinstance(value, tuple) else value
            print(f"    rules.{key} = {v!r}  # {threshold_text(key, language, doc)}")
        print()
    return 0


def clips_command(out_dir: Path, dest: Path, per_mistake: int = 3, config_path: Path | None = None, *,
                  agents: Sequence[str] = (), language: str | None = None, mistakes: Sequence[str] = ()) -> int:
    """Export clips (WAV + transcript) and one coaching-session outline per mistake and language,
    and good practice; ``agents``/``language``/``mistakes`` narrow the calls used."""
    from callcheck.report import export_clips
    from callcheck.report.clips import parse_mistakes

    if per_mistake < 1:
        _err(f"--per-mistake must be at least 1, got {per_mistake}")
        return 2
    try:
        cfg = load_config(config_path)
        s = export_clips(Path(out_dir), Path(dest), config=cfg, per_mistake=per_mistake, language=language,
                         agents=tuple(agents), mistakes=parse_mistakes(mistakes))
    except CallcheckError as exc:
        _err(str(exc))
        return 2
    note = f" ({s.audio_missing} without audio: source file missing)" if s.audio_missing else ""
    print(f"{s.clips} clips in {len(s.folders)} folders under {dest}{note}")
    return 0
