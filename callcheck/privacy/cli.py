"""``callcheck forget``: the command (registered on the main CLI by :func:`register`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from callcheck.errors import CallcheckError

__all__ = ["forget_command", "register"]


def forget_command(
    out: Path = typer.Argument(..., help="A results folder of `callcheck analyze`."),
    call: List[str] = typer.Option([], "--call", help="A call id to forget (repeatable)."),
    agent: List[str] = typer.Option([], "--agent", help="An agent to forget: every call of theirs, their coaching records and user accounts (repeatable)."),
    before: Optional[str] = typer.Option(None, "--before", help="Forget the calls dated before this day (YYYY-MM-DD or DD.MM.YYYY; the call's date, else the recording's file date)."),
    also: List[Path] = typer.Option([], "--also", help="Another folder to clean, e.g. trainer clips written with `callcheck clips --to` (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be removed."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml (for rendering the reports again)."),
) -> None:
    """Remove every trace of calls: records, judgements, clear text, caches, listening copies, database rows, search index, report pages; then render the reports again. Prints what it removed.

    Exit codes: 0 done; 1 a file outside callcheck's outputs still names a forgotten call (listed, not removed); 2 bad usage.
    """
    from callcheck.discover import parse_date
    from callcheck.privacy.purge import forget

    try:
        day = parse_date(before, what="--before") if before else None
        s = forget(out, call_ids=call, agents=agent, before=day, dry_run=dry_run, also=also, config=config)
    except CallcheckError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(2) from None
    prefix = "would be " if dry_run else ""
    for line in s.lines:
        typer.echo(line.replace("removed ", f"{prefix}removed ", 1) if dry_run else line)
    n = len(s.targets)
    typer.echo(f"{n} call{'s' if n != 1 else ''} {prefix}forgotten" + (f" (agents: {', '.join(s.agents)})" if s.agents else "")
               + (" — dry run, nothing changed" if dry_run else ""))
    raise typer.Exit(1 if s.leftovers else 0)


def register(app: typer.Typer) -> None:
    """Add ``forget`` to the main CLI."""
    app.command("forget")(forget_command)
