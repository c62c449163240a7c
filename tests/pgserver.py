"""A throw-away PostgreSQL server for the tests: Debian's binaries, ``initdb`` into a temporary
folder, ``pg_ctl start`` on a free loopback port (unix socket in the same folder), trust
authentication for the local user ``callcheck``; stopped at the end of the session.

As root, PostgreSQL refuses to run, so it is run as the ``postgres`` system user through
``runuser`` (the folder is handed to that user); as any other user, directly. Where no binaries
are found (``/usr/lib/postgresql/*/bin`` or ``pg_ctl`` on the PATH), :func:`start` returns the reason
and the tests skip with it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    root: Path
    port: int
    bindir: Path
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql://callcheck@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import pg8000.native

        name = "t_" + uuid.uuid4().hex[:12]
        con = pg8000.native.Connection("callcheck", host="127.0.0.1", port=self.port, database="postgres")
        try:
            con.run(f"CREATE DATABASE {name}")
        finally:
            con.close()
        return f"postgresql://callcheck@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("pg_ctl")
    return Path(exe).parent if exe else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> Server | str:
    """A running server, or the reason there is none."""
    try:
        import pg8000  # noqa: F401
    except ImportError:
        return "pg8000 is not installed (pip install '.[postgres]')"
    bindir = _bindir()
    if bindir is None:
        return "PostgreSQL binaries not found (Debian: apt-get install postgresql)"
    root = Path(tempfile.mkdtemp(prefix="callcheck-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            return "running as root and runuser is missing (PostgreSQL refuses to run as root)"
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        os.chmod(root, 0o700)
    port = _free_port()
    init = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(root / "data"), "-U", "callcheck", "-A", "trust",
                           "-E", "UTF8", "--no-locale"], capture_output=True, text=True, timeout=180)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return f"initdb failed: {(init.stderr or init.stdout).strip().splitlines()[-1:]}"
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    run = subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", opts, "-l", str(root / "log"),
                          "-w", "-t", "120", "start"], capture_output=True, text=True, timeout=180)
    if run.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else run.stderr
        shutil.rmtree(root, ignore_errors=True)
        return f"pg_ctl start failed: {log.strip()}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return Server(root, port, bindir, as_user)
