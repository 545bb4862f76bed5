"""The board report: one self-contained HTML file that opens with a bottom line generated from the
run's numbers, whose figures print with text of at least 9 pt, and which real Chromium lays out
at A4 with nothing wider than the page."""

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.outputs import plots

REPO = Path(__file__).resolve().parents[1]
A4_CONTENT_PX = (210 - 2 * 15) / 25.4 * 96  # A4 less the print stylesheet's 15 mm margins, in CSS pixels


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    res = subprocess.run([sys.executable, "-m", "experiments.run", "run.replicates=3", "run.weeks=60",
                          "run.burn_in_weeks=20", "run.assumption_curve=false", f"hydra.run.dir={out}"], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    res = subprocess.run([sys.executable, "-m", "experiments.report", str(out)], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def report(run_dir):
    return run_dir / "report.html"


def test_report_is_self_contained_and_keeps_the_technical_part_in_an_appendix(report):
    text = report.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', text), "the report must not load anything from outside"
    assert text.count('src="data:image/png;base64,') >= 3
    main, _, appendix = text.partition("Appendix: technical details")
    assert appendix, "no appendix"
    for words in ("real change only", "no programme", "response shift", "What these figures cannot tell",
                  "did not take part", "Ties between organisations"):
        assert words in main, words
    # the model's terms, paths and the commit are in the appendix only
    for words in ("friedkin_johnsen", "stag_hunt", "item SDs", "content_influence", "git commit", str(report.parent)):
        assert words in appendix and words not in main, words
    assert "Held-out test" in appendix


def test_the_bottom_line_comes_first_and_says_what_the_numbers_say(report, run_dir):
    """Four to six sentences right after the title: relationships, system-first behaviour, those who did
    not take part, how long it lasts, what the figures cannot tell; each figure from summary.csv."""
    text = report.read_text()
    body = text[text.index("<body>"):]
    first_section = re.search(r'<div class="bottom-line"><h2>The bottom line</h2><ul>(.*?)</ul></div>', body)
    assert first_section and body.index('class="bottom-line"') < body.index("<h2>What was simulated"), \
        "the bottom line must open the report"
    sentences = re.findall(r"<li>(.*?)</li>", first_section.group(1))
    assert 4 <= len(sentences) <= 6, sentences
    for start in ("Relationships:", "System-first behaviour:", "Leaders who did not take part:", "How long it lasts:",
                  "What these figures cannot tell:"):
        assert any(s.startswith(start) for s in sentences), start
    summary = pd.read_csv(run_dir / "summary.csv").set_index(["metric", "week"])
    sf = summary.loc[("system_first_participants", 26)]
    assert (f"put the system first in {sf['counterfactual'] + sf['effect']:.0%} of their decisions on shared issues, "
            f"against {sf['counterfactual']:.0%} without it") in text
    ties = summary.loc[("strong_cross_ties_participants", 26)]
    later = summary.loc[("strong_cross_ties_participants", 52)]
    assert f"{later['effect'] / ties['effect']:.0%} remains at week 52" in text
    for sentence in sentences[:4]:
        assert re.search(r"\[[+-]?\d", sentence) or "interval" in sentence, f"no interval: {sentence}"
    assert "nan" not in " ".join(sentences).lower()


def _png_facts(path: Path) -> tuple[float, float]:
    import PIL.Image

    with PIL.Image.open(path) as im:
        return im.width / float(im.info["dpi"][0]), float(im.info["min-text-pt"])


@pytest.mark.parametrize("name", ["survey_bars.png", "time_series.png", "network.png"])
def test_every_figure_prints_with_text_of_at_least_9pt(run_dir, name):
    """From the figure's size and its texts' font sizes in matplotlib (recorded in the PNG when it was
    saved): at its printed width (its own, or the page's if wider) no text is under 9 pt."""
    width_in, smallest = _png_facts(run_dir / name)
    printed = smallest * min(1.0, plots.PRINT_WIDTH_IN / width_in)
    assert printed >= plots.MIN_TEXT_PT - 1e-6, f"{name}: {printed:.1f} pt at {min(width_in, 7):.1f} in"


def test_figures_rebuilt_from_the_run_print_at_9pt_or_more(run_dir):
    """The same check on figures drawn afresh from the run's files (not from the recorded number)."""
    results = pd.read_parquet(run_dir / "results.parquet")
    table = pd.read_csv(run_dir / "survey_summary.csv")
    metrics = {"system_first": "", "strong_cross_ties": "", "orientation": "", "cross_org_trust": ""}
    for fig in (plots.survey_bars(table), plots.time_series(results, metrics, 26)):
        assert plots.printed_text_pt(fig) >= plots.MIN_TEXT_PT
        assert plots.overlapping_texts(fig) == []


def test_the_print_check_finds_small_text():
    """Companion: a figure with 7 pt text, or one with 9 pt text 10 inches wide (shrunk to print), fails."""
    import matplotlib.pyplot as plt

    plots._style()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("week", fontsize=7)
    assert plots.printed_text_pt(fig) == pytest.approx(7)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot([0, 1], [0, 1])
    assert plots.printed_text_pt(fig) < plots.MIN_TEXT_PT  # 9 pt ticks shrunk by 7 in over its width
    plt.close(fig)


def test_report_of_something_that_is_not_a_run_is_a_one_line_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.report", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "not a finished paired run" in (res.stderr + res.stdout)


def _chromium(tmp_path):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromedriver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the [notebooks] extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


WIDEST = """
const limit = arguments[0];
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width > 0 && (r.right > limit + 0.5 || r.left < -0.5)) out.push(el.tagName + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
}
return [document.documentElement.scrollWidth, out.slice(0, 10)];
"""

FIGURES = """
return Array.from(document.images).map(i => [i.complete ? i.naturalWidth : 0, i.getBoundingClientRect().width,
  parseFloat(i.dataset.widthIn), parseFloat(i.dataset.minTextPt)]);
"""


def test_report_prints_at_a4_in_headless_chromium(report, tmp_path):
    """Real Chromium lays the page out for print at A4's content width: no element is wider than the
    page, every figure fits and its text prints at 9 pt or more; printing gives an A4 PDF."""
    import base64

    driver = _chromium(tmp_path)
    try:
        driver.get(report.as_uri())
        assert "simulated results" in driver.title
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        width = round(A4_CONTENT_PX)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 1123, "deviceScaleFactor": 1, "mobile": False})
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll_width, too_wide = driver.execute_script(WIDEST, width)
        assert scroll_width <= width and not too_wide, (scroll_width, too_wide)
        figures = driver.execute_script(FIGURES)
        assert len(figures) >= 3
        for natural, shown_px, width_in, min_pt in figures:
            assert natural > 100 and shown_px <= width + 0.5
            assert min_pt * (shown_px / 96) / width_in >= 9 - 0.05, (shown_px, width_in, min_pt)
        from selenium.webdriver.common.print_page_options import PrintOptions

        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7
        pdf = base64.b64decode(driver.print_page(options))
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
        (tmp_path / "report.pdf").write_bytes(pdf)
    finally:
        driver.quit()


def test_the_a4_check_finds_a_wide_element(tmp_path):
    """Companion: a page with a table wider than A4 fails the same check."""
    page = tmp_path / "wide.html"
    page.write_text('<html><body><table style="width: 1200px"><tr><td>x</td></tr></table></body></html>')
    driver = _chromium(tmp_path)
    try:
        driver.get(page.as_uri())
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        width = round(A4_CONTENT_PX)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 1123, "deviceScaleFactor": 1, "mobile": False})
        scroll_width, too_wide = driver.execute_script(WIDEST, width)
        assert scroll_width > width and too_wide
    finally:
        driver.quit()


def test_who_took_part_is_said_in_words_for_a_rule_and_for_a_cohort_file():
    from experiments.outputs.report import _participants

    assert _participants({"cohort_size": 60, "selection": "random"}) == "60 participants chosen at random"
    assert _participants({"cohort_size": None, "selection": None, "cohort_file": "who.csv"}) == \
        "participants named in a cohort file"
    assert "None" not in _participants({"cohort_size": 30, "selection": None})
