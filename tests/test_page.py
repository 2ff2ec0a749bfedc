"""The public page (``export --format html``) without a browser (issue 13 item 9): its
language, Polish plurals and order, true statuses, sub-units, and where CSS/JS live.
The browser tests are in test_html_browser.py."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from conftest import REPO


def _inst(ident, name, city, voivodeship, *awards, parent=None) -> str:
    text = f'id = "{ident}"\nname = "{name}"\ncity = "{city}"\nvoivodeship = "{voivodeship}"\n'
    if parent:
        text += f'parent = "{parent}"\n'
    for award in awards:
        text += "\n[[awards]]\n" + award
    return text


ACTIVE = "valid_from = 2023-01-01\nvalid_until = 2027-12-31\n"
WITHDRAWN = "valid_from = 2023-02-01\nvalid_until = 2028-01-31\nwithdrawn_on = 2024-05-01\n"
YEARLY = "".join(
    f"{'[[awards]]' + chr(10) if y > 2000 else ''}valid_from = {y}-01-01\n"
    f"valid_until = {y}-12-31\n\n"
    for y in range(2000, 2022)
)

FILES = {
    "cal-zabrze": _inst("cal-zabrze", "Zabrzańskie Centrum", "Zabrze", "śląskie", ACTIVE),
    "cal-lodz": _inst("cal-lodz", "Łódzkie Centrum", "Łódź", "łódzkie", ACTIVE),
    "cal-lublin": _inst("cal-lublin", "Lubelskie Centrum", "Lublin", "lubelskie", ACTIVE),
    "cal-lodz-filia": _inst(
        "cal-lodz-filia", "Filia na Bałutach", "Łódź", "łódzkie", ACTIVE, parent="cal-lodz"
    ),
    "gops-lubartow": _inst("gops-lubartow", "GOPS Lubartów", "Lubartów", "lubelskie", WITHDRAWN),
    "cal-stary": _inst("cal-stary", "Stare Centrum", "Sanok", "podkarpackie", YEARLY),
}
AS_OF = "2025-01-01"


@pytest.fixture
def root(make_register):
    return make_register(files=FILES)


def page(cli, root, *args: str, env=None) -> str:
    result = cli(root, *args, "export", "--format", "html", "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="([^"]+)"', html)


def test_polish_by_default_even_for_an_english_locale(cli, root):
    html = page(cli, root, env={"LANG": "en_US.UTF-8"})
    assert '<html lang="pl">' in html
    assert "Stan na 1 stycznia 2025" in html
    assert "6 instytucji" in html and "27 certyfikatów" in html


def test_english_on_request(cli, root):
    html = page(cli, root, "--lang", "en")
    assert '<html lang="en">' in html
    assert "As of 1 January 2025: 6 institutions, 27 certificates" in html
    for polish in ("Instytucja", "Województwo", "Szukaj", "wszystkie", "cofnięty", "Pokazano"):
        assert polish not in html, polish


def test_polish_plurals(make_register, cli):
    root = make_register(files={k: FILES[k] for k in ("cal-lublin", "cal-stary")})
    html = page(cli, root)
    assert "2 instytucje" in html and "23 certyfikaty" in html
    assert "<summary>22 certyfikaty</summary>" in html
    assert "<summary>1 certyfikat</summary>" in html


PENDING = "awarded_on = 2024-11-01\nvalid_from = 2025-06-01\nvalid_until = 2029-05-31\n"


def test_status_words_are_the_clis(make_register, cli):
    files = dict(FILES, **{"cal-nowe": _inst("cal-nowe", "Nowe", "Kutno", "łódzkie", PENDING)})
    root = make_register(files=files)
    html = page(cli, root)
    listed = cli(root, "--lang", "pl", "list", "--status", "all", "--as-of", AS_OF)
    for status in ("aktywny", "cofnięty", "wygasły", "oczekujący"):
        assert status in listed.stdout
        assert f">{status}</span>" in html
    assert "przyszły" not in html  # the page's own word for pending, gone


def test_polish_alphabetical_order_of_names_and_voivodeships(cli, root):
    html = page(cli, root)
    assert row_ids(html) == [
        "gops-lubartow",
        "cal-lublin",
        "cal-lodz",
        "cal-lodz-filia",
        "cal-stary",
        "cal-zabrze",
    ]
    options = re.findall(r'<option value="([^"]+)"', html.split('id="filter-voivodeship"')[1])
    assert options[:4] == ["lubelskie", "łódzkie", "podkarpackie", "śląskie"]


def test_sub_units_under_their_parent(cli, root):
    html = page(cli, root)
    ids = row_ids(html)
    assert ids.index("cal-lodz-filia") == ids.index("cal-lodz") + 1
    row = re.search(r'<tr id="cal-lodz-filia"[^>]*>', html)[0]
    assert 'class="sub-unit"' in row and 'data-parent="cal-lodz"' in row


def test_withdrawn_term_is_not_shown_as_current(cli, root):
    html = page(cli, root)
    row = re.search(r'<tr id="gops-lubartow".*?</tr>', html, re.S)[0]
    term = re.search(r'<td class="col-until".*?</td>', row, re.S)[0]
    assert "2024-04-30" in term and "2028-01-31" not in term
    assert "aktywny" not in row


def test_css_and_js_are_package_data_files(cli, root):
    page_dir = resources.files("calcert.outputs").joinpath("page")
    css = page_dir.joinpath("page.css").read_text(encoding="utf-8")
    js = page_dir.joinpath("page.js").read_text(encoding="utf-8")
    html = page(cli, root)
    assert css.strip() in html and js.strip() in html
    source = (REPO / "src" / "calcert" / "outputs" / "html.py").read_text(encoding="utf-8")
    assert "function" not in source and "border-collapse" not in source


def test_wheel_includes_the_page_files():
    wheel = pytest.importorskip("hatchling.builders.wheel")
    files = {f.distribution_path for f in wheel.WheelBuilder(str(REPO)).recurse_included_files()}
    assert {"calcert/outputs/page/page.css", "calcert/outputs/page/page.js"} <= files
