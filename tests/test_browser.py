"""A real browser on the served archive: Debian's Chromium, headless, driven by Selenium
through the system chromedriver (nothing downloaded). Screenshots go to tests/artifacts/."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from archive import site

from .conftest import REPO, build_fixture_archive

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromium-driver are installed by "
                                                                   "the set-up command")
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = build_fixture_archive(tmp_path_factory.mktemp("data"))
    port = free_port()
    proc = subprocess.Popen(site.serve_command(db, port=port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,1600", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_report_page_renders_chinese_and_numbers(served, browser):
    from selenium.webdriver.common.by import By

    browser.get(served + "/archive/reports.json?year=2023&_shape=array&_col=id")
    rid = __import__("json").loads(browser.find_element(By.TAG_NAME, "body").text)[0]["id"]
    browser.get(f"{served}/report/{rid}")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "三、收到和处理政府信息公开申请情况" in text and "本机关不掌握相关政府信息" in text
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.form td.n")]
    assert "7" in cells and len(cells) > 150
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "report-page.png"))


def test_canned_query_renders(served, browser):
    from selenium.webdriver.common.by import By

    browser.get(served + "/archive/grant_rate")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "予以公开和部分公开的比例" in text and "平武县人民政府办公室" in text
    assert browser.save_screenshot(str(ARTIFACTS / "grant-rate.png"))
