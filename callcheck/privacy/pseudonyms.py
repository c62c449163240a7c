"""Stable pseudonyms for agents in team views (``privacy.pseudonyms``).

``pseudonym("Sonja Müller", out_dir)`` -> ``"Agent-K7Q2M"``: an HMAC-SHA256 of the agent's name
with a random 32-byte key kept in ``OUT/private/pseudonym.key`` (0600; made on first use), written
in Crockford base 32. The same name gets the same pseudonym in every run on that results folder
and a different one in another folder (the key is per folder); without the key the name cannot be
recovered from the pseudonym (a dictionary of names does not help). Team pages, ``team.csv``
and exports use it when ``privacy.pseudonyms`` is on, so a supervisor or a works council can
review the team without names; an agent's own page keeps the name.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from callcheck.fsutil import PRIVATE_FILE_MODE, atomic_write, private_dir

__all__ = ["pseudonym", "pseudonym_key", "KEY_FILE"]

KEY_FILE = "pseudonym.key"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_KEYS: dict[str, bytes] = {}


def pseudonym_key(out_dir: Path) -> bytes:
    """The folder's pseudonym key (``OUT/private/pseudonym.key``), made on first use."""
    path = Path(out_dir) / "private" / KEY_FILE
    cached = _KEYS.get(str(path.resolve()))
    if cached is not None and path.is_file():
        return cached
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        key = b""
    if len(key) < 16:
        private_dir(out_dir)
        key = secrets.token_bytes(32)
        fd_path = path.with_name(f".{KEY_FILE}.{os.getpid()}.new")
        atomic_write(fd_path, key.hex() + "\n", mode=PRIVATE_FILE_MODE)
        try:
            os.link(fd_path, path)  # never replace a key another process made meanwhile
        except FileExistsError:
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        finally:
            fd_path.unlink(missing_ok=True)
    _KEYS[str(path.resolve())] = key
    return key


def pseudonym(agent: str | None, out_dir: Path, *, digits: int = 5) -> str:
    """The stable pseudonym of ``agent`` in the results folder ``out_dir`` (``Agent-XXXXX``;
    ``None`` stays ``"unknown"``). Names are compared case- and space-insensitively."""
    if agent is None:
        return "unknown"
    norm = " ".join(str(agent).split()).casefold()
    mac = hmac.new(pseudonym_key(out_dir), norm.encode("utf-8"), hashlib.sha256).digest()
    n = int.from_bytes(mac[:8], "big")
    code = "".join(_ALPHABET[(n >> (5 * k)) & 31] for k in range(digits))
    return f"Agent-{code}"


def folder_uses_pseudonyms(out_dir: Path) -> bool:
    """Whether the results folder was analysed with ``privacy.pseudonyms`` on (the newest
    record's echoed setting), for commands without a config such as ``callcheck export``."""
    import json

    calls = Path(out_dir) / "calls"
    files = sorted(calls.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if calls.is_dir() else []
    for f in files[:1]:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(((data.get("config") or {}).get("privacy") or {}).get("pseudonyms"))
    return False
