"""Typer commands of the server: ``serve``, ``users add|list|remove|reset``, ``export``, and the
agreement table behind ``callcheck rules --dir DIR``.

Each command checks its folder, calls one library function and turns callcheck's errors into one
line on stderr. Exit codes: 0 done, 2 bad usage (folder, role, password, format), 1 some calls of
the folder could not be read (the rest was indexed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from callcheck.errors import CallcheckError

__all__ = ["users_app", "serve_command", "export_command", "agreement_lines", "print_agreement", "register"]

users_app = typer.Typer(name="users", help="Users of `callcheck serve` (stored in DIR/serve/callcheck.db).",
                        no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

_MISSING_DEPS = ("the web server needs its extra packages: pip install 'callcheck[serve]' "
                 "(starlette, uvicorn, sqlalchemy, alembic, argon2-cffi, python-multipart)")


def _err(msg: str) -> None:
    sys.stderr.write(f"error: {msg}\n")
    sys.stderr.flush()


def _results_dir(d: Path) -> Path:
    d = Path(d)
    if not (d / "calls").is_dir():
        raise CallcheckError(f"{d}: not a results folder (no calls/ inside); give the --out folder of `callcheck analyze`")
    return d


def _engine(d: Path, url: str | None = None):
    from callcheck.serve.db import open_engine

    return open_engine(_results_dir(d), url=url)


_DB_HELP = ("Database URL: postgresql://USER:PASSWORD@HOST/DB when several machines share one (pg8000 driver, "
            "pip install 'callcheck[postgres]'); default $CALLCHECK_DB_URL, else SQLite DIR/serve/callcheck.db.")


def _password_from_stdin() -> str:
    data = sys.stdin.readline()
    pw = data.rstrip("\r\n")
    if not pw:
        raise CallcheckError("no password on standard input; pipe it in: printf '%s\\n' \"$PW\" | callcheck users add ...")
    return pw


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help="supervisor | agent | trainer"),
    agent: Optional[str] = typer.Option(None, "--agent", help="For role agent: the agent name in the calls (`agent` of the records) this user may see."),
    language: str = typer.Option("de", "--language", help="UI language: de or en."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of standard input (required)."),
    dir: Path = typer.Option(Path("."), "--dir", help="The results folder served (as for `callcheck serve DIR`)."),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Add a user (the password comes from standard input, never from the command line)."""
    try:
        from callcheck.serve.auth import add_user

        if not password_stdin:
            raise CallcheckError("give --password-stdin and pipe the password in (passwords are never command-line arguments)")
        u = add_user(_engine(dir, db), name, role=role, password=_password_from_stdin(), agent=agent, language=language)
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    typer.echo(f"added {u.username} ({u.role}{', agent ' + u.agent if u.agent else ''}, {u.language})")


@users_app.command("list")
def users_list(dir: Path = typer.Option(Path("."), "--dir", help="The results folder served."),
               db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """List the users: name, role, agent, language, last login."""
    try:
        from callcheck.serve.auth import list_users

        us = list_users(_engine(dir, db))
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    for u in us:
        typer.echo(f"{u.username}\t{u.role}\t{u.agent or '-'}\t{u.language}\t{u.last_login_at or 'never'}")


@users_app.command("remove")
def users_remove(name: str = typer.Argument(...), dir: Path = typer.Option(Path("."), "--dir", help="The results folder served."),
                 db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Remove a user and end their sessions (their reviews stay, under their name)."""
    try:
        from callcheck.serve.auth import remove_user

        remove_user(_engine(dir, db), name)
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    typer.echo(f"removed {name}")


@users_app.command("reset")
def users_reset(
    name: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from standard input (required)."),
    dir: Path = typer.Option(Path("."), "--dir", help="The results folder served."),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Set a new password (from standard input) and end the user's sessions."""
    try:
        from callcheck.serve.auth import reset_password

        if not password_stdin:
            raise CallcheckError("give --password-stdin and pipe the new password in")
        reset_password(_engine(dir, db), name, _password_from_stdin())
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    typer.echo(f"password of {name} reset; their sessions ended")


def serve_command(
    dir: Path = typer.Argument(..., help="A results folder of `callcheck analyze` (calls/*.json)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Serve a results folder to the team: call review pages, reviews, search, coaching (see docs/serve.md)."""
    try:
        import uvicorn

        from callcheck.serve.app import LOOPBACK_HOSTS, create_app
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    try:
        d = _results_dir(dir)
        app = create_app(d, url=db, allowed_hosts=LOOPBACK_HOSTS if host in ("127.0.0.1", "localhost", "::1") else None)
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    st = app.serve_state.indexer.last  # type: ignore[attr-defined]
    from callcheck.serve.auth import list_users

    n_users = len(list_users(app.serve_state.engine))  # type: ignore[attr-defined]
    for line in st.skipped if st else ():
        _err(line)
    typer.echo(f"{st.calls if st else 0} calls indexed ({st.added if st else 0} new, {st.updated if st else 0} changed, "
               f"{st.seconds if st else 0:.1f} s); {n_users} users; http://{host}:{port}/", err=True)
    if n_users == 0:
        typer.echo(f"no users yet: callcheck users add NAME --role supervisor --password-stdin --dir {d}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)


def export_command(
    dir: Path = typer.Argument(..., help="A results folder of `callcheck analyze`."),
    what: str = typer.Option(..., "--what", help="calls | findings | reviews (one row each)."),
    format: str = typer.Option("csv", "--format", help="csv | parquet"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default DIR/exports/<what>.<format>)."),
    pseudonyms: Optional[bool] = typer.Option(None, "--pseudonyms/--names", help="Agents as stable pseudonyms, or by name. Default: as the folder was analysed (privacy.pseudonyms)."),
) -> None:
    """Export calls, findings or reviews for BI tools (CSV safe against formula injection, or Parquet)."""
    try:
        from callcheck.serve.export import FORMATS, WHAT, export
        from callcheck.serve.index import sync

        if what not in WHAT:
            raise CallcheckError(f"--what {what!r} is not one of {', '.join(WHAT)}")
        if format not in FORMATS:
            raise CallcheckError(f"--format {format!r} is not one of {', '.join(FORMATS)}")
        eng = _engine(dir)
        st = sync(eng, Path(dir))
        dest = output or Path(dir) / "exports" / f"{what}.{format}"
        from callcheck.privacy.pseudonyms import folder_uses_pseudonyms

        pseudo = folder_uses_pseudonyms(Path(dir)) if pseudonyms is None else pseudonyms
        n = export(eng, what, format, dest, pseudonyms=Path(dir) if pseudo else None)
    except ImportError:
        _err(_MISSING_DEPS)
        raise typer.Exit(2) from None
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    for line in st.skipped:
        _err(line)
    typer.echo(f"{n} rows → {dest}")
    raise typer.Exit(1 if st.skipped else 0)


def agreement_lines(out_dir: Path, language: str = "en") -> list[str]:
    """The per-rule agreement table (from the database of ``out_dir``) as text lines."""
    from callcheck.serve.index import sync
    from callcheck.serve.reviews import agreement

    eng = _engine(out_dir)
    sync(eng, Path(out_dir))
    de = language == "de"
    head = ("Regel", "Befunde", "bestätigt/beurteilt", "Anteil", "90-%-Intervall (Jeffreys)", "unsicher", "widersprochen") if de else \
           ("rule", "findings", "confirmed/judged", "agreement", "90 % interval (Jeffreys)", "unsure", "disputed")
    lines = ["\t".join(head)]
    for r in agreement(eng):
        iv = r.interval90
        lines.append("\t".join([r.rule_id, str(r.findings), f"{r.confirmed}/{r.judged}",
                                "-" if r.agreement is None else f"{r.agreement:.0%}",
                                "-" if iv is None else f"{iv[0]:.0%}-{iv[1]:.0%}", str(r.unsure), str(r.disputed)]))
    return lines


def print_agreement(out_dir: Path, language: str = "en") -> int:
    """Print the agreement table for ``callcheck rules --dir DIR``; returns the exit code."""
    try:
        for line in agreement_lines(out_dir, language):
            print(line)
    except ImportError:
        _err(_MISSING_DEPS)
        return 2
    except CallcheckError as exc:
        _err(str(exc))
        return 2
    return 0


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``export`` to the main CLI (one call at the end of cli.py)."""
    app.command("serve")(serve_command)
    app.command("export")(export_command)
    app.add_typer(users_app, name="users")
