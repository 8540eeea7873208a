"""report.html in a real headless Chromium: what a researcher sees and clicks works, the
page logs no errors (a blocked resource or a CSP refusal would log one), and hostile
document text stays text. Needs Debian's chromium + chromium-driver
(.ci/setup-chromium.sh installs them); skipped with a reason when they are missing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.compare import compare, comparison_rows
from pipeline.export import write_exports
from test_export import hostile_records, seed_records

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOT = Path("/tmp/policyx_report.png")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium or chromedriver not installed: run .ci/setup-chromium.sh "
           "(apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The seed corpus's report and a report of hostile documents."""
    records, sources = seed_records()
    clean = tmp_path_factory.mktemp("report")
    write_exports(clean, records, sources)
    bad_records, bad_sources = hostile_records()
    bad = tmp_path_factory.mktemp("hostile_report")
    write_exports(bad, bad_records, bad_sources)
    return {"clean": clean / "report.html", "hostile": bad / "report.html", "records": records,
            "rows": comparison_rows(compare(records)), "tmp": clean}


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1280,2200", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=str(profile.parent / "chromedriver.log"))
    d = webdriver.Chrome(service=service, options=opts)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def load(driver, path: Path) -> list[dict]:
    """Open the file and return the console messages its loading produced."""
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get(path.as_uri())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.get_log("browser")


def visible(driver, css: str):
    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def test_loads_without_console_errors(driver, reports):
    logs = load(driver, reports["clean"])
    severe = [entry for entry in logs if entry["level"] == "SEVERE"]
    assert not severe, severe
    assert driver.title.startswith("policyx report")


def test_all_comparison_rows_shown(driver, reports):
    load(driver, reports["clean"])
    n = len(reports["rows"])
    assert len(visible(driver, "tr.cmp-row")) == n > 20
    assert driver.find_element(By.ID, "shown-count").text == f"{n} / {n}"
    assert len(visible(driver, "section.indicator svg.chart")) >= 5


def test_screenshot(driver, reports):
    load(driver, reports["clean"])
    png = driver.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    (reports["tmp"] / "report.png").write_bytes(png)
    SCREENSHOT.write_bytes(png)


def test_kind_filter_hides_other_kinds(driver, reports):
    load(driver, reports["clean"])
    kinds = Select(driver.find_element(By.ID, "filter-kind"))
    assert {o.get_attribute("value") for o in kinds.options} == {"", "threshold", "ratio", "deadline", "sanction"}
    for kind in ("sanction", "ratio"):
        kinds.select_by_value(kind)
        rows = visible(driver, "tr.cmp-row")
        assert len(rows) == sum(r["kind"] == kind for r in reports["rows"]) > 0
        assert {r.get_attribute("data-kind") for r in rows} == {kind}
        assert {s.get_attribute("data-kind") for s in visible(driver, "section.indicator")} == {kind}
        assert {s.get_attribute("data-kind") for s in visible(driver, "li.src")} == {kind}
        assert len(visible(driver, "li.src")) == sum(r["kind"] == kind for r in reports["records"])
    kinds.select_by_value("")
    assert len(visible(driver, "tr.cmp-row")) == len(reports["rows"])


def test_jurisdiction_filter(driver, reports):
    load(driver, reports["clean"])
    jur = Select(driver.find_element(By.ID, "filter-jurisdiction"))
    name = "云南省楚雄彝族自治州武定县"
    jur.select_by_value(name)
    rows = visible(driver, "tr.cmp-row")
    assert len(rows) == sum(r["jurisdiction"] == name for r in reports["rows"]) > 0
    assert {r.get_attribute("data-jurisdiction") for r in rows} == {name}
    Select(driver.find_element(By.ID, "filter-kind")).select_by_value("threshold")
    assert len(visible(driver, "tr.cmp-row")) == sum(
        r["jurisdiction"] == name and r["kind"] == "threshold" for r in reports["rows"])


def test_provision_link_opens_highlighted_source(driver, reports):
    load(driver, reports["clean"])
    link = visible(driver, "tr.cmp-row a.quote")[5]
    quote, target = link.text, link.get_attribute("href").split("#", 1)[1]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return location.hash") == "#" + target)
    source = driver.find_element(By.CSS_SELECTOR, ":target")
    assert source.get_attribute("id") == target and source.tag_name == "li"
    mark = source.find_element(By.TAG_NAME, "mark")
    assert mark.text == quote
    assert len(source.find_element(By.CSS_SELECTOR, "p.ctx").text) > len(quote) + 40, "quote shown in context"
    top, height = driver.execute_script(
        "var r = arguments[0].getBoundingClientRect(); return [r.top, window.innerHeight];", mark)
    assert 0 <= top < height, "the source sentence is scrolled into view"
    assert source.value_of_css_property("background-color") == "rgba(255, 248, 219, 1)"  # :target highlight
    driver.save_screenshot(str(reports["tmp"] / "report-source.png"))
    driver.save_screenshot("/tmp/policyx_report_source.png")


def test_hostile_text_does_not_run(driver, reports):
    logs = load(driver, reports["hostile"])
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - raises when no alert() ran
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert not driver.find_elements(By.TAG_NAME, "img")
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
    # the payloads are shown as text, and the filters still work with such names
    cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "tr.cmp-row td:first-child")]
    assert "<script>alert(1)</script>省" in cells
    jur = Select(driver.find_element(By.ID, "filter-jurisdiction"))
    values = [o.get_attribute("value") for o in jur.options]
    assert "<script>alert(1)</script>省" in values
    jur.select_by_value("<script>alert(1)</script>省")
    assert {r.get_attribute("data-jurisdiction") for r in visible(driver, "tr.cmp-row")} == {
        "<script>alert(1)</script>省"}
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
