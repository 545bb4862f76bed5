"""The interactive explorer: the model behind it, and a real headless browser smoke test.

The browser test needs Debian's chromium and chromedriver (.ci/run installs them)
and selenium (the [notebooks] extra); without them it skips and says why.
"""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def test_explorer_model_runs_and_reports_live_survey():
    pytest.importorskip("solara", reason="needs mesa[viz] (the [notebooks] extra)")
    from experiments.interfaces.app import LIVE_SURVEY, ExplorerModel

    m = ExplorerModel(cohort_size=30, who_we_pick="whole teams", programme_months=3, statutory_pressure=0.5,
                      burn_in_weeks=8)
    m.run_for(14)
    df = m.datacollector.get_model_vars_dataframe()
    assert m.leaders.participant.sum() == 30
    assert set(LIVE_SURVEY) <= set(df.columns) and len(df) == 15
    # the retrospective see-the-system question is not asked at baseline; everything else is a share
    see = "strongly agree they see the system better"
    network = "say they have a strong network (as they report it)"
    assert np.isnan(df[see].iloc[0])
    assert df[list(LIVE_SURVEY)].iloc[1:].apply(lambda c: c.between(0, 1)).all().all()
    assert df.drop(columns=see)[[k for k in LIVE_SURVEY if k != see]].iloc[0].between(0, 1).all()
    # the real-change line never exceeds the reported one (the shift is positive)
    assert (df["would say so from real change alone"] <= df[network] + 1e-12).all()
    # during the programme participants' expected agreement rises
    assert df[network].iloc[13] > df[network].iloc[0]



@pytest.mark.parametrize("colour_by", ["organisation", "system orientation"])
def test_explorer_draws_only_what_moves_and_the_picture_is_the_full_one(colour_by):
    """The explorer's PNGs paste a still background and draw the moving artists on it; after some
    weeks each must equal a full draw of the same figure (a moving artist left out of the list, or
    drawn where the full draw would not put it, makes them differ)."""
    pytest.importorskip("solara", reason="needs mesa[viz] (the [notebooks] extra)")
    import io

    import PIL.Image

    from experiments.interfaces.app import ExplorerModel, network_figure, network_png, over_time_figure, over_time_png

    m = ExplorerModel(colour_by=colour_by, burn_in_weeks=8)
    for _ in range(12):
        m.step()
        live = {"network": network_png(m), "over time": over_time_png(m)}
    for name, fig in (("network", network_figure(m)), ("over time", over_time_figure(m))):
        full = io.BytesIO()
        fig.savefig(full, format="png", dpi=fig.dpi)
        a = np.asarray(PIL.Image.open(io.BytesIO(live[name])).convert("RGB"), dtype=int)
        b = np.asarray(PIL.Image.open(full).convert("RGB"), dtype=int)
        assert a.shape == b.shape, name
        assert (np.abs(a - b).sum(axis=-1) > 30).mean() < 0.001, name

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser_missing() -> str | None:
    for exe in ("chromium", "chromedriver"):
        if not shutil.which(exe):
            return f"{exe} not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
        import solara  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} not installed (the [notebooks] extra)"
    return None


@pytest.fixture
def server():
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "solara", "run", "experiments/app.py", "--port", str(port),
                             "--host", "127.0.0.1", "--production", "--no-open"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import urllib.request

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the explorer did not start within 120 s")
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=20)


def d_text(driver) -> str:
    """The page's visible text (hidden elements, such as Mesa's page tabs, are left out)."""
    return driver.find_element("tag name", "body").text


def _driver(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1500,1200", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _button(wait, words: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return wait.until(ec.element_to_be_clickable((By.XPATH, f"//button[contains(normalize-space(.), '{words}')]")))


def test_explorer_renders_and_steps_in_a_real_browser(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _driver(tmp_path)
    try:
        driver.get(server)
        wait = WebDriverWait(driver, 120)
        # the network view and the plots are drawn by matplotlib (as <img> or inline <svg>)
        plots = lambda d: d.find_elements(By.CSS_SELECTOR, "img")  # noqa: E731
        wait.until(lambda d: "Week 0." in d_text(d) and len(plots(d)) >= 2)
        text = d_text(driver)
        assert "Page 0" not in text and "The programme has not started" in text
        # Mesa's developer controls are not on the panel; the sliders show their values
        for hidden in ("Play Interval", "Render Interval", "Use Threads"):
            assert hidden not in text, hidden
        assert "People on the programme: 60" in text and "Programme length (months): 6" in text
        _button(wait, "Step").click()
        wait.until(lambda d: "Week 1," in d_text(d))
        assert "week 1 of the programme's 26" in d_text(driver)
        # the plots are large enough to read: at least 700 px wide on a 1500 px window
        assert max(p.size["width"] for p in plots(driver)) >= 700
    finally:
        driver.quit()


def test_moving_the_cohort_slider_restarts_the_run_with_the_new_cohort(server, tmp_path):
    """Play, pause, move the cohort slider by one: the run restarts at week 0 with a one-line notice,
    the model has the new cohort, and the headline's number is the new one; a week later the headline
    still follows the week."""
    import re

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _driver(tmp_path)
    try:
        driver.get(server)
        wait = WebDriverWait(driver, 120)
        wait.until(lambda d: "Week 0." in d_text(d) and "60 people on the programme" in d_text(d))
        _button(wait, "▶").click()
        wait.until(lambda d: re.search(r"Week ([3-9]|\d\d)\b", d_text(d)))
        _button(wait, "❚❚").click()
        paused = _button(wait, "▶")
        time.sleep(1.0)  # a week already under way when the button was pressed may still finish and show
        week = int(re.search(r"Week (\d+) of 104", d_text(driver)).group(1))
        time.sleep(1.5)
        assert int(re.search(r"Week (\d+) of 104", d_text(driver)).group(1)) == week, "the run did not pause"
        assert paused.is_displayed()
        # the slider's thumb takes the keyboard as a person's would after clicking it: one step right
        thumb = driver.find_element(By.CSS_SELECTOR, ".setting-cohort_size [role=slider]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", thumb)
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
        wait.until(lambda d: "Restarted at week 0" in d_text(d))
        text = d_text(driver)
        notice = next(line for line in text.splitlines() if "Restarted at week 0" in line)
        assert notice == ("Restarted at week 0: people on the programme changed from 60 to 61; the model now has 61 "
                          "people on the programme."), notice
        assert "participants in the model: 61" in text and "Week 0 of 104" in text
        assert "61 people on the programme" in text and "60 people on the programme" not in text.replace(notice, "")
        assert "People on the programme: 61" in text
        _button(wait, "Step").click()
        wait.until(lambda d: "Week 1," in d_text(d))
        # Reset starts again from the settings on the panel, not the defaults
        _button(wait, "Reset").click()
        wait.until(lambda d: "Week 0 of 104" in d_text(d))
        assert "participants in the model: 61" in d_text(driver)
        driver.save_screenshot(str(tmp_path / "explorer.png"))
        assert (tmp_path / "explorer.png").stat().st_size > 10_000
    finally:
        driver.quit()
