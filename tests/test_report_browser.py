"""The HTML pages in headless Chromium: they render, no script injected via names/transcripts runs,
the team page leads to a call page whose timeline and player work offline from a copied folder,
and no table is cut off at desktop or phone width.

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


# --- Playwright: the pages as a reader uses them, offline ------------------------------------------
PLAY = """() => new Promise((resolve) => {
  const a = document.querySelector('audio');
  if (!a) { resolve({error: 'no audio'}); return; }
  a.muted = true;
  a.addEventListener('error', () => resolve({error: String(a.error && a.error.code)}), {once: true});
  a.addEventListener('timeupdate', () => { if (a.currentTime > 0.3) resolve({t: a.currentTime, d: a.duration}); });
  a.play().catch((e) => resolve({error: String(e)}));
  setTimeout(() => resolve({timeout: a.currentTime, ready: a.readyState}), 15000);
})"""

FITS = """() => {
  const vw = document.documentElement.clientWidth;
  const bad = [];
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    const wrap = t.closest('.table-wrap');
    if (r.right > vw + 1 || (wrap && wrap.scrollWidth > wrap.clientWidth + 1)) bad.push((t.className || 'table') + ' ' + Math.round(r.right));
  }
  return {page: document.documentElement.scrollWidth, vw: vw, bad: bad};
}"""


@pytest.fixture(scope="module")
def played_site(tmp_path_factory):
    """A German team with audio, rendered, then copied elsewhere (as e-mailed or put on a share):
    the recordings are not next to the copy, only the pages and their snippets."""
    from report_support import build

    root = tmp_path_factory.mktemp("offline")
    out = build(root / "out", "de")
    render_reports(out, config=Config())
    copy = root / "copied-elsewhere"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("calls", "judgements", ".report"))
    shutil.rmtree(root / "out")
    (root / "out-tone.wav").unlink()
    return copy


@pytest.fixture(scope="module")
def pw_browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--mute-audio",
                                                               "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


def test_team_page_links_to_a_call_page_whose_timeline_and_player_work_offline(played_site, pw_browser, tmp_path):
    ctx = pw_browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((played_site / "index.html").as_uri())
    link = page.locator('table.listen a[href^="callpages/anna-0.html"]').first
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith((played_site / "callpages" / "anna-0.html").as_uri())
    assert page.locator("svg.timeline rect.talk").count() > 5 and page.locator("svg.timeline rect.hold").count() == 1
    mark = page.locator("svg.timeline a.fmark").first
    target = mark.get_attribute("href")
    mark.click()
    assert page.evaluate("location.hash") == target  # the timeline jumps to the finding's card
    res = page.evaluate(PLAY)
    assert "t" in res and res["t"] > 0.3 and 1.0 < res["d"] <= 13.0, res  # the Opus snippet beside the page plays
    assert all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]
    agent = page.locator("a.agent-name")
    agent.click()
    page.wait_for_load_state()
    assert page.url.endswith("agents/Anna.html") and page.evaluate(PLAY).get("t", 0) > 0.3
    ctx.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_table_is_cut_off_at_desktop_and_phone_width(played_site, pw_browser, tmp_path, width):
    ctx = pw_browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    for rel in ("index.html", "agents/Anna.html", "agents/Dieter.html", "callpages/anna-0.html"):
        page.goto((played_site / rel).as_uri())
        shot = tmp_path / f"{width}_{rel.replace('/', '_')}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        res = page.evaluate(FITS)
        assert res["page"] <= res["vw"] + 1 and not res["bad"], (rel, width, res)
    ctx.close()
