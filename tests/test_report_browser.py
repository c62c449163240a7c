"""The HTML pages in headless Chromium: they render, and no script injected via names/transcripts runs.

Skipped when Chromium is absent (CI installs Debian's ``chromium``). The pages carry a
Content-Security-Policy without script sources and are escaped; this test checks the result as a
browser sees it: the injected text is visible as text, the title is untouched, nothing was fetched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from callcheck.config import Config
from callcheck.judge import judge_batch
from callcheck.report import agent_slug, render_reports
from callcheck.result import write_record
from callfactory import GOOD_DE, analysed, make_call, replace_turn

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

EVIL_AGENT = "<img src=x onerror=\"document.title='PWNED'\">"
EVIL_TEXT = "<script>document.title='PWNED'</script>"


def chromium(tmp: Path, url: str, *, screenshot: Path | None = None) -> str:
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
            "--window-size=1280,2000"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    res = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    script = replace_turn(replace_turn(GOOD_DE, 4, overlap=1.6), 3, text=f"Da steht Papierstau {EVIL_TEXT} wirklich überall.")
    calls = [make_call(script, call_id=f"c{i}", agent=EVIL_AGENT if i % 2 else "Anna", date=f"2026-11-{1 + i:02d}",
                       voice={"agent": {"monotony": 0.9 if i % 3 == 0 else 0.3}}) for i in range(6)]
    for c in calls:
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    judge_batch(out, config=Config())
    render_reports(out, config=Config())
    return out


@pytest.mark.parametrize("page", ["index.html", "agents/Anna.html", "EVIL"])
def test_page_renders_and_no_injected_script_runs(site, tmp_path, page):
    if page == "EVIL":
        page = f"agents/{agent_slug(EVIL_AGENT)}.html"
    dom = chromium(tmp_path, (site / page).as_uri())
    title = dom.split("<title>")[1].split("</title>")[0]
    assert title != "PWNED" and title.startswith(("Coaching", "Team"))  # the injected handler never set it
    assert "<h1>" in dom and "</table>" in dom
    assert "<script>document.title" not in dom  # escaped: present only as text
    assert "&lt;script&gt;document.title" in dom or page == "index.html"
    assert "<img src=\"x\"" not in dom and "onerror=" not in dom.replace("onerror=\"document", "")


@pytest.mark.parametrize("page", ["index.html", "agents/Anna.html"])
def test_screenshot(site, tmp_path, page):
    shot = tmp_path / "shot.png"
    chromium(tmp_path, (site / page).as_uri(), screenshot=shot)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real page, not blank
