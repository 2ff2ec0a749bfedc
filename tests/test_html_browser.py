"""The public register page in a real browser: headless Chromium driven by selenium.

Marked slow (a browser per test). Skipped only when Chromium (Debian ``chromium`` +
``chromium-driver``) is absent locally; in CI (``CI`` set, as in ``.ci/run``) a missing
browser fails the test instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LUBARTOW_WITHDRAWN, MLAWA, RADOM, REPO

pytestmark = pytest.mark.slow  # a real browser

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

WROCLAW = """\
id = "mops-wroclaw-zespol-1"
name = "MOPS Wrocław, Zespół <Krzyki> & Śródmieście"
kind = "MOPS"
city = "Wrocław"
voivodeship = "dolnośląskie"

[[awards]]
awarded_on = 2019-10-10
valid_from = 2019-10-10
valid_until = 2024-10-09

[[awards]]
valid_from = 2024-10-10
valid_until = 2029-10-09
"""

BIBLIOTEKA = """\
id = "biblioteka-olesnica"
name = "Miejska Biblioteka Publiczna w Oleśnicy"
kind = "biblioteka"
city = "Oleśnica"
voivodeship = "dolnośląskie"

[[awards]]
valid_from = 2018-01-01
valid_until = 2022-12-31
"""


def _browser() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if chromium and driver:
        return chromium, driver
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(
            "CI is set but chromium, chromium-driver or selenium is missing; .ci/run installs "
            "them (apt-get install chromium chromium-driver; pip install -e '.[test]')"
        )
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")


WINDOW = (1280, 900)


@pytest.fixture(scope="module")
def _chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium for the module (starting one took about a second a test)."""
    chromium, chromedriver = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium") / "chromium-profile"
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size={},{}".format(*WINDOW))
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(_chromium) -> object:
    """The module's browser as a fresh one: a blank page, the desktop window size."""
    _chromium.get("about:blank")
    _chromium.set_window_size(*WINDOW)
    return _chromium


def visible_rows(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#register tbody tr")
    return [row.get_attribute("id") for row in rows if row.is_displayed()]


def page(cli, root: Path, tmp_path: Path, *options: str) -> str:
    target = tmp_path / "rejestr.html"
    result = cli(
        root, *options, "export", "--format", "html", "--as-of", "2025-01-01", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    return target.as_uri()


def test_filter_by_voivodeship_kind_and_status(make_register, cli, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    files = {
        "mops-mlawa": MLAWA,
        "mops-radom": RADOM,
        "mops-wroclaw-zespol-1": WROCLAW,
        "biblioteka-olesnica": BIBLIOTEKA,
        "gops-lubartow": LUBARTOW_WITHDRAWN,
    }
    root = make_register(files=files)
    browser.get(page(cli, root, tmp_path))
    # Polish alphabetical order of names: Gminny, Miejska, Miejski (Mławie, Radomiu), MOPS.
    all_ids = ["gops-lubartow", "biblioteka-olesnica", "mops-mlawa", "mops-radom"]
    assert visible_rows(browser) == [*all_ids, "mops-wroclaw-zespol-1"]
    assert browser.find_element(By.ID, "count").text == "Pokazano 5 z 5"

    Select(browser.find_element(By.ID, "filter-voivodeship")).select_by_visible_text(
        "dolnośląskie"
    )
    assert visible_rows(browser) == ["biblioteka-olesnica", "mops-wroclaw-zespol-1"]
    assert browser.find_element(By.ID, "count").text == "Pokazano 2 z 5"
    # The escaped name arrives as text, not markup.
    name = browser.find_element(By.CSS_SELECTOR, "#mops-wroclaw-zespol-1 td.col-name").text
    assert name == "MOPS Wrocław, Zespół <Krzyki> & Śródmieście"
    browser.save_screenshot(str(tmp_path / "filtered-dolnoslaskie.png"))

    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("aktywny")
    assert visible_rows(browser) == ["mops-wroclaw-zespol-1"]
    Select(browser.find_element(By.ID, "filter-voivodeship")).select_by_index(0)  # all
    assert visible_rows(browser) == ["mops-mlawa", "mops-wroclaw-zespol-1"]
    Select(browser.find_element(By.ID, "filter-kind")).select_by_visible_text("MOPS")
    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("wygasły")
    assert visible_rows(browser) == ["mops-radom"]
    Select(browser.find_element(By.ID, "filter-kind")).select_by_index(0)
    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("cofnięty")
    assert visible_rows(browser) == ["gops-lubartow"]


def test_columns_sort_and_the_history_opens(make_register, cli, browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = make_register(files={"mops-mlawa": MLAWA, "mops-wroclaw-zespol-1": WROCLAW})
    browser.get(page(cli, root, tmp_path))
    city = browser.find_elements(By.CSS_SELECTOR, "#register thead button")[1]
    city.click()
    assert visible_rows(browser) == ["mops-mlawa", "mops-wroclaw-zespol-1"]  # Mława < Wrocław
    city.click()
    assert visible_rows(browser) == ["mops-wroclaw-zespol-1", "mops-mlawa"]
    summary = browser.find_element(By.CSS_SELECTOR, "#mops-wroclaw-zespol-1 details summary")
    assert summary.text == "2 certyfikaty"
    summary.click()
    history = browser.find_elements(By.CSS_SELECTOR, "#mops-wroclaw-zespol-1 details li")
    assert [li.text.split("\n")[0] for li in history] == [
        "2019-10-10 – 2024-10-09 wygasły",
        "2024-10-10 – 2029-10-09 aktywny",
    ]


def test_real_register_page_on_a_phone(cli, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(390, 844)
    browser.get(page(cli, REPO / "registry", tmp_path))
    assert visible_rows(browser) == [
        "mbp-piekary-slaskie",
        "mopr-wloclawek",
        "mops-mlawa",
        "mops-radom",
        "mops-stalowa-wola",
        "ops-brzeszcze",
    ]
    assumed = browser.find_element(By.CSS_SELECTOR, "#ops-brzeszcze .col-until .assumed")
    assert assumed.text == "≈2014-12-07"
    assert assumed.get_attribute("title").startswith("Data końca przyjęta")
    Select(browser.find_element(By.ID, "filter-voivodeship")).select_by_visible_text("mazowieckie")
    assert visible_rows(browser) == ["mops-mlawa", "mops-radom"]
    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("aktywny")
    assert visible_rows(browser) == ["mops-mlawa"]
    # Cards, not a table: no horizontal scrolling, header row moved out of sight.
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth")
    assert not browser.find_element(By.CSS_SELECTOR, "#register thead").is_displayed() or (
        browser.find_element(By.CSS_SELECTOR, "#register thead").location["x"] < 0
    )
    assert browser.find_element(By.CSS_SELECTOR, "figure svg").is_displayed()
    browser.save_screenshot(str(tmp_path / "real-register-phone.png"))


LODZ = """\
id = "cal-lodz"
name = "Łódzkie Centrum Aktywności Lokalnej"
kind = "CAL"
city = "Łódź"
voivodeship = "łódzkie"

[[awards]]
valid_from = 2023-01-01
valid_until = 2027-12-31
"""

LODZ_BRANCH = """\
id = "cal-lodz-baluty"
name = "Filia na Bałutach"
kind = "CAL"
city = "Łódź"
voivodeship = "łódzkie"
parent = "cal-lodz"

[[awards]]
valid_from = 2023-06-01
valid_until = 2026-05-31
"""

ALL = {
    "mops-mlawa": MLAWA,
    "mops-radom": RADOM,
    "gops-lubartow": LUBARTOW_WITHDRAWN,
    "cal-lodz": LODZ,
    "cal-lodz-baluty": LODZ_BRANCH,
}


def search(browser, text: str) -> list[str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, "filter-text")
    box.send_keys(Keys.BACKSPACE * len(box.get_attribute("value")) + text)  # as typed
    return visible_rows(browser)


def test_search_ignores_case_and_polish_diacritics(make_register, cli, browser, tmp_path):
    root = make_register(files=ALL)
    browser.get(page(cli, root, tmp_path))
    assert search(browser, "lodz") == ["cal-lodz", "cal-lodz-baluty"]
    assert search(browser, "ŁÓDŹ") == ["cal-lodz", "cal-lodz-baluty"]
    assert search(browser, "baluty") == ["cal-lodz-baluty"]
    assert search(browser, "mlawie") == ["mops-mlawa"]
    assert search(browser, "SPOLECZNEJ") == ["gops-lubartow", "mops-mlawa", "mops-radom"]
    everyone = ["gops-lubartow", "cal-lodz", "cal-lodz-baluty", "mops-mlawa", "mops-radom"]
    assert search(browser, "") == everyone  # Ł after G and before M


def test_sub_units_stay_under_their_parent_when_sorted(make_register, cli, browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = make_register(files=ALL)
    browser.get(page(cli, root, tmp_path))
    branch = browser.find_element(By.ID, "cal-lodz-baluty")
    assert "sub-unit" in branch.get_attribute("class")
    assert (
        "Łódzkie Centrum Aktywności Lokalnej"
        in branch.find_element(By.CSS_SELECTOR, "td.col-name").text
    )
    until = browser.find_elements(By.CSS_SELECTOR, "#register thead button")[5]
    for _click in range(2):  # the branch ends first, but it stays under its parent
        until.click()
        ids = visible_rows(browser)
        assert ids.index("cal-lodz-baluty") == ids.index("cal-lodz") + 1, ids


def test_a_withdrawn_certificate_is_not_shown_as_current(make_register, cli, browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = make_register(files=ALL)
    browser.get(page(cli, root, tmp_path))
    row = browser.find_element(By.ID, "gops-lubartow")
    assert row.find_element(By.CSS_SELECTOR, "td.col-status").text == "cofnięty"
    assert row.find_element(By.CSS_SELECTOR, "td.col-until").text == "2023-02-01 – 2024-04-30"
    assert "aktywny" not in row.text


def test_the_page_in_english_on_request(make_register, cli, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    root = make_register(files=ALL)
    browser.get(page(cli, root, tmp_path, "--lang", "en"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "count").text == "Showing 5 of 5"
    headers = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#register thead button")]
    assert headers[:3] == ["Institution", "City", "Voivodeship"]
    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("withdrawn")
    assert visible_rows(browser) == ["gops-lubartow"]
    assert browser.find_element(By.ID, "count").text == "Showing 1 of 5"
    meta = browser.find_element(By.CSS_SELECTOR, "p.meta").text
    assert meta.startswith("As of 1 January 2025: 5 institutions, 5 certificates")


def test_screenshots_at_1280_and_390_pixels(make_register, cli, browser, tmp_path):
    """For people to look at (the issue's closing note): saved where CALCERT_SHOTS says."""
    from selenium.webdriver.common.by import By

    root = make_register(files={**ALL, "mops-wroclaw-zespol-1": WROCLAW})
    browser.get(page(cli, root, tmp_path))
    shots = Path(os.environ.get("CALCERT_SHOTS", tmp_path))
    for width, height in ((1280, 900), (390, 844)):
        browser.set_window_size(width, height)
        full = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, max(height, full + 140))
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        assert browser.save_screenshot(str(shots / f"page-{width}.png"))
    assert browser.find_element(By.ID, "count").text == "Pokazano 6 z 6"
