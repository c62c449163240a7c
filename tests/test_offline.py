"""No network unless asked: an analysis with the embedded model opens no socket but local ones.

The README promises that callcheck runs offline. ONNX Runtime (faster-whisper's VAD) resolves a
telemetry host some seconds after its first session unless ``ORT_DISABLE_TELEMETRY`` is set
(callcheck/offline.py); these tests prove that nothing of the kind is left.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLES

STRACE = shutil.which("strace")


def test_telemetry_is_off_in_the_process():
    code = ("import os, callcheck; print(os.environ['ORT_DISABLE_TELEMETRY'], os.environ['HF_HUB_DISABLE_TELEMETRY']); "
            "from callcheck.transcribe.models import resolve_model; resolve_model(None); print(os.environ['HF_HUB_OFFLINE'])")
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE")}
    env["ORT_DISABLE_TELEMETRY"] = "0"  # a user's setting does not switch it back on
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "1", "1"]


def _foreign_connects(log: Path) -> list[str]:
    """Every connect/sendto in an strace log that is not to a Unix socket or the loopback."""
    bad = []
    for line in log.read_text(errors="ignore").splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line) or "resumed>" in line and "sa_family" not in line:
            continue
        m = re.search(r"sa_family=(AF_\w+)", line)
        if m is None:
            if "sendto(" in line and "NULL, 0" in line:
                continue  # on a socket connected before (its connect is checked)
            continue
        fam = m.group(1)
        if fam in ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC"):
            continue
        addr = re.search(r'inet_addr\("([\d.]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', line)
        ip = (addr.group(1) or addr.group(2)) if addr else ""
        if ip.startswith("127.") or ip in ("::1", "::ffff:127.0.0.1"):
            continue
        bad.append(line.strip())
    return bad


@pytest.mark.slow
@pytest.mark.skipif(STRACE is None, reason="strace is not installed (Debian: apt-get install strace); "
                                          "it is the only way this test can see every connect of every thread")
def test_analyze_with_the_embedded_model_opens_no_network_socket(tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "strace.log"
    # the analysis, then 15 s more: ONNX Runtime's telemetry fired ~6 s after the VAD session
    code = ("import sys, time\nfrom callcheck.cli import app\n"
            f"try:\n    app(['analyze', {str(SAMPLES / 'sonja' / 'de05_unclear.wav')!r}, '--out', {str(out)!r}])\n"
            "except SystemExit as e:\n    code = e.code\nelse:\n    code = 0\ntime.sleep(15)\nsys.exit(code)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORT_", "HF_HUB_"))}
    r = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log), sys.executable, "-c", code],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=1800)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "calls" / "de05_unclear.json").is_file()
    bad = _foreign_connects(log)
    assert bad == [], "\n".join(bad[:10])


def test_the_log_reader_sees_a_dns_query(tmp_path):
    """The check above can fail: a DNS connect like the one ONNX Runtime made is caught."""
    log = tmp_path / "x.log"
    log.write_text('6074  connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0\n'
                   '6074  connect(8, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT\n'
                   '6075  connect(5, {sa_family=AF_INET, sin_port=htons(8000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
                   '6076  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
                   'inet_pton(AF_INET6, "2620:1ec:c11::200", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH\n')
    bad = _foreign_connects(log)
    assert len(bad) == 2 and "10.255.255.53" in bad[0] and "2620:1ec" in bad[1]
