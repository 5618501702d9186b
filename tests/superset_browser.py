"""Screenshots of Superset pages with headless Chromium, for tests/test_superset.py.

Run by the Superset virtualenv's Python (selenium lives there, not in the test venv) with a
JSON job on stdin: ``{"base", "username", "password", "shots": [...]}``, each shot
``{"path", "out", "run": bool, "wait_text": [...], "wait_css": str}``. It logs in through the
login form as a person does, opens each page, presses SQL Lab's Run button when asked, waits
until the texts (or the element) appear, saves a PNG and prints, as JSON, what it found: each
shot's ``out``, the ``found`` texts and the visible ``text`` of the page.

Debian's chromium and chromium-driver (``make setup-superset``); nothing is downloaded.
"""

from __future__ import annotations

import json
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 45  # seconds for a page, a query or a chart on 2 shared cores


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900", "--hide-scrollbars", "--lang=en-US"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def login(driver, base: str, username: str, password: str) -> None:
    driver.get(base + "/login/")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "username"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: "/login" not in d.current_url)


def shoot(driver, base: str, shot: dict) -> dict:
    driver.get(base + shot["path"])
    if shot.get("run"):
        button = WebDriverWait(driver, WAIT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[data-test=run-query-action]"))
        time.sleep(1)  # the editor loads the tab's SQL after the button appears
        button.click()
        ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "body")).perform()  # no tooltip
    if shot.get("wait_css"):
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, shot["wait_css"]))
    wanted = shot.get("wait_text", [])
    try:
        WebDriverWait(driver, WAIT).until(lambda d: all(t in d.find_element(By.TAG_NAME, "body").text for t in wanted))
    except TimeoutException:
        pass  # reported through "found"; the test says what is missing
    time.sleep(shot.get("settle", 1.5))  # charts animate in
    text = driver.find_element(By.TAG_NAME, "body").text
    driver.save_screenshot(shot["out"])
    return {"out": shot["out"], "found": [t for t in wanted if t in text], "text": text}


def main() -> None:
    job = json.load(sys.stdin)
    driver = browser()
    try:
        login(driver, job["base"], job["username"], job["password"])
        results = [shoot(driver, job["base"], shot) for shot in job["shots"]]
    finally:
        driver.quit()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
