"""The compendium's website (compendium.render.site): its generated pages, and the built site in a real browser.

The browser tests build the site once per session from a copy of the files git tracks (a fresh clone's
files; no prior ``make site``) into a temporary folder, serve it over HTTP on localhost and drive Debian's headless Chromium through
Selenium and Debian's chromedriver (both installed by tools/install-system-packages; no browser is
downloaded: the driver's path is given, so selenium-manager never runs).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

from compendium.render import site
from compendium.analysis.claims import load_tables

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = ROOT / "build" / "site-shots"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1366,1000"]


# --------------------------------------------------------------------------------------------------
# The generated pages (no browser)

@pytest.fixture(scope="module")
def tables():
    return load_tables(ROOT / "data")


def test_segments_page_lists_every_quote_with_the_rows_that_cite_it(tables):
    page = site.segments_page(tables)
    seg = tables["segments"]
    for sid in seg["segment_id"]:
        assert f"(seg-{sid})=" in page
    # a tie cites its segment; the page says so under that quote
    tie = tables["ties"].iloc[0]
    block = page.split(f"(seg-{tie['segment_id']})=", 1)[1].split("(seg-", 1)[0]
    assert f"`{tie['tie_id']}`" in block
    # the quote itself, verbatim
    assert seg.iloc[0]["quote"].splitlines()[0] in page


def test_claims_page_gives_every_claim_a_badge_and_links_its_quote(tables):
    page = site.claims_page(tables)
    for claim in tables["claims"].to_dict("records"):
        head = page.split(f"(claim-{claim['claim_id']})=", 1)[1].split("(claim-", 1)[0]
        assert 'class="verdict verdict-' in head
        assert f"<seg-{claim['segment_id']}>" in head


def test_the_site_hides_papermills_repeat_of_the_parameters(tmp_path):
    nb = ROOT / "notebooks" / "02_actor_network.ipynb"
    import nbformat

    shown = nbformat.read(site._site_notebook(nb, tmp_path / nb.name), as_version=4)
    tags = [c.metadata.get("tags", []) for c in shown.cells]
    injected = [t for t in tags if "injected-parameters" in t]
    assert injected and all("remove-cell" in t for t in injected)
    assert not any("remove-cell" in t for t in tags if "injected-parameters" not in t)
    original = nbformat.read(nb, as_version=4)
    assert [c.get("outputs") for c in shown.cells] == [c.get("outputs") for c in original.cells]


def test_the_inconsistencies_page_shows_each_row_of_the_data(data_copy, tables):
    """A row added to data/inconsistencies.csv, read back through the validated loader, is on the page
    with its quotes linked; the home page links the page. (That generate() writes the page into the
    built site is test_the_site_has_every_page's inconsistencies.html.)"""
    sids = [s for s in tables["segments"]["segment_id"] if s.startswith("a-")][:2]
    pd.DataFrame([{"inconsistency_id": "stage-count-test", "kind": "within", "papers": "A",
                   "segments": ";".join(sids), "differs_en": "Five stages here, six there.",
                   "compendium_en": "Codes both."}]).to_csv(data_copy / "inconsistencies.csv", index=False)
    copied = load_tables(data_copy)
    page = site.inconsistencies_page(copied["inconsistencies"], copied)
    assert "## stage-count-test" in page and "Five stages here, six there." in page
    assert all(f"<seg-{s}>" in page for s in sids)
    assert "<inconsistencies>" in site.home_page(ROOT)


# --------------------------------------------------------------------------------------------------
# The built site in Chromium

class _Page(HTMLParser):
    """The links, sources and element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.refs.append(attrs[key])


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site built from a copy of the files git tracks: what a fresh clone has, no prior `make site`."""
    out = tmp_path_factory.mktemp("site")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    clone = out / "clone"
    for rel in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / rel).is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, clone / rel)
    return site.build(out / "html", out / "src", clone)


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), (
        "the browser test needs Debian's chromium and chromium-driver: run tools/install-system-packages as root")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # With the driver's path given, Selenium skips Selenium Manager (which would download a driver)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _pages(built_site: Path) -> list[Path]:
    """The site's pages (not the theme's files, nor the tables offered for download)."""
    return sorted(p for p in built_site.rglob("*.html") if not {"_static", "_downloads"} & set(p.parts))


@pytest.mark.slow
def test_the_site_has_every_page(built_site):
    names = {p.relative_to(built_site).as_posix() for p in _pages(built_site)}
    notebooks = {f"notebooks/{p.stem}.html" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    expected = {"index.html", "claims.html", "artefacts.html", "segments.html", "codebook.html", "search.html"}
    if (ROOT / "data" / "inconsistencies.csv").exists():
        expected.add("inconsistencies.html")
    assert expected | notebooks <= names


@pytest.mark.slow
def test_every_internal_link_resolves(built_site):
    broken = []
    for page in _pages(built_site):
        for ref in _parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "data:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)}: {ref} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target).ids:
                broken.append(f"{page.relative_to(built_site)}: {ref} (no such anchor)")
    assert not broken, "\n".join(broken)


#: Screenshots for a person to look at (build/site-shots/), taken as the page test passes each page:
#: ``{page: [(name, element id to scroll to, or None for the top)]}``.
SCREENSHOTS = {"index.html": [("home", None)],
               "notebooks/02_actor_network.html": [("notebook-02", None), ("notebook-02-network", "the-whole-network")],
               "claims.html": [("claims", None)]}


@pytest.mark.slow
def test_every_page_loads_without_console_errors_with_every_image_and_fits_the_window(built_site, server, browser):
    """... and the screenshots of SCREENSHOTS are real pictures (wide enough, more than 20 colours)."""
    problems = []
    browser.get_log("browser")  # drop anything logged before the first page
    pages = [p.relative_to(built_site).as_posix() for p in _pages(built_site)]
    assert not SCREENSHOTS.keys() - set(pages), "a page to photograph is not in the site"
    for rel in pages:
        browser.get(f"{server}/{rel}")
        problems += [f"{rel}: screenshot {name}: {p}" for name, anchor in SCREENSHOTS.get(rel, [])
                     for p in _screenshot(browser, name, anchor)]
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        problems += [f"{rel}: console: {m}" for m in errors]
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete, i.naturalWidth]);")
        problems += [f"{rel}: image not loaded: {src[:80]}" for src, complete, width in images
                     if not complete or not width]
        wide, window = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
        if wide > window:  # a long table or name must scroll in its box, not widen the whole page
            problems.append(f"{rel}: the page is {wide} px wide in a {window} px window")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_search_finds_cikapundung(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/search.html?q=Cikapundung")
    found = WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results ul.search li"))
    pages = {li.find_element(By.TAG_NAME, "a").get_attribute("href").rsplit("/", 1)[-1].split("?")[0]
             for li in found}
    assert "claims.html" in pages or "segments.html" in pages, pages
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _screenshot(browser, name: str, anchor: str | None) -> list[str]:
    """Save the page as it shows (scrolled to ``anchor``) in build/site-shots/NAME.png; what is wrong with it."""
    from PIL import Image

    SHOTS.mkdir(parents=True, exist_ok=True)
    if anchor and not browser.execute_script(
            "const e = document.getElementById(arguments[0]); if (e) e.scrollIntoView(); return !!e;", anchor):
        return [f"no element #{anchor}"]
    browser.execute_script("return document.fonts.ready;")
    shot = SHOTS / f"{name}.png"
    if not browser.save_screenshot(str(shot)):
        return ["not saved"]
    with Image.open(shot) as img:
        if img.size[0] < 1000 or len(img.getcolors(1 << 16) or range(1 << 16)) <= 20:
            return [f"not a real picture ({img.size[0]} px wide)"]
    return []
