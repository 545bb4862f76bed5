"""The shareable report: one self-contained HTML file that renders in a real browser."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    res = subprocess.run([sys.executable, "-m", "experiments.run", "run.replicates=2", "run.weeks=30",
                          "run.burn_in_weeks=20", "run.assumption_curve=false", f"hydra.run.dir={out}"], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    res = subprocess.run([sys.executable, "-m", "experiments.report", str(out)], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return out / "report.html"


def test_report_is_self_contained_and_says_what_drives_the_numbers(report):
    text = report.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', text), "the report must not load anything from outside"
    assert text.count('src="data:image/png;base64,') >= 3
    for words in ("real change only", "no programme", "response shift", "What the numbers rest on",
                  "Held-out test", "content_influence", "Settings and provenance", "non-participants"):
        assert words in text, words


def test_report_of_something_that_is_not_a_run_is_a_one_line_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.report", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "not a finished paired run" in (res.stderr + res.stdout)


def test_report_renders_in_headless_chromium(report, tmp_path):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromedriver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the [notebooks] extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(report.as_uri())
        assert "simulated results" in driver.title
        widths = driver.execute_script("return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) >= 3 and all(w > 100 for w in widths), widths
        assert driver.execute_script("return document.querySelectorAll('table').length") >= 3
    finally:
        driver.quit()
