"""The office dashboard in headless chromium: sign in with a token, open
every page, compare its numbers with the API's answers, fail on any console
error or a page wider than a laptop's screen, and save screenshots."""
import json
import os
import sys
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

server = os.environ["KAM_SERVER"]
office_token = os.environ["OFFICE_TOKEN"]
rep_token = os.environ["LI_TOKEN"]
shots = os.environ["SCREENSHOTS"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"  FAIL {message}")


def api(path):
    request = urllib.request.Request(server + path, headers={"Authorization": f"Bearer {office_token}", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=en-US"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
os.environ["SE_OFFLINE"] = "true"
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)


def follow(element):
    """Clicks a link or a submit button and waits until the next page has replaced this one.

    The old page carries a mark in its window; a new document has none. (Waiting for
    an element to go stale is not reliable: chromium can answer with an inspector error.)"""
    driver.execute_script("window.kamOldPage = true")
    element.click()

    def arrived(d):
        try:
            return d.execute_script("return window.kamOldPage === undefined && document.readyState === 'complete'")
        except WebDriverException:
            return False  # asked in the middle of the navigation

    WebDriverWait(driver, 30).until(arrived)


def console_errors():
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def metric(name):
    elements = driver.find_elements(By.CSS_SELECTOR, f'[data-metric="{name}"]')
    check(len(elements) == 1, f"{driver.current_url}: one number named {name}, found {len(elements)}")
    return elements[0].text.strip() if elements else None


def open_page(path, shot, title=None, status=None):
    """Opens a page; `status` is the error status the page itself is meant to answer with."""
    driver.get(server + path)
    print(f"{path} -> {driver.title}")
    if title:
        check(title in driver.title, f"{path}: title {driver.title!r} does not name {title!r}")
    errors = console_errors()
    if status:
        # The page's own status is reported by the console; only that one is expected.
        expected = [e for e in errors if e["source"] == "network" and f"status of {status}" in e["message"] and path in e["message"]]
        check(len(expected) == 1, f"{path}: did not answer {status}")
        errors = [e for e in errors if e not in expected]
    check(not errors, f"{path}: browser console errors {errors}")
    width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    check(width[0] <= width[1], f"{path}: the page is {width[0]} px wide in a {width[1]} px window")
    driver.save_screenshot(os.path.join(shots, f"{shot}.png"))


try:
    # Not signed in: every page sends you to sign in, and says where you were going.
    open_page("/office/pyramid", "sign-in", "Sign in")
    check("/office/sign-in" in driver.current_url and "next=" in driver.current_url, f"not sent to sign in: {driver.current_url}")

    # A wrong token and a rep's token are refused with a message on the form.
    for token, words in [("kam_not-a-token", "unknown or revoked"), (rep_token, "is a rep")]:
        field = driver.find_element(By.NAME, "token")
        field.clear()
        field.send_keys(token)
        follow(driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        alert = driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
        check(alert and words in alert[0].text, f"refused sign-in did not say {words!r}")
        driver.get_log("browser")  # the 401 of a refused sign-in is expected
    field = driver.find_element(By.NAME, "token")
    field.clear()
    field.send_keys(office_token)
    follow(driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    check(driver.current_url.endswith("/office/pyramid"), f"after sign-in, not back at the page asked for: {driver.current_url}")
    cookie = driver.get_cookie("kam_office")
    check(cookie is not None and cookie["httpOnly"] and cookie.get("sameSite") == "Strict",
          f"the session cookie is not HttpOnly and SameSite=Strict: {cookie}")

    # The pipeline.
    pipeline = api("/v1/reports/pipeline")
    open_page("/office/", "pipeline", "Pipeline")
    check(metric("accounts") == str(pipeline["accounts"]), "pipeline: accounts differ from the API")
    for row in pipeline["stages"]:
        check(metric(f"stage-{row['stage']}") == str(row["accounts"]), f"pipeline: stage {row['stage']} differs from the API")
    for owner in pipeline["owners"]:
        if "owner" in owner:
            check(metric(f"owner-{owner['owner']}") == str(owner["accounts"]), f"pipeline: owner {owner['owner']} differs")
    check(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg rect.bar")) == 4, "pipeline: the chart has no four bars")

    # The account list, a search in Chinese, and the filters.
    listing = api("/v1/accounts?limit=1000")
    open_page("/office/accounts", "accounts", "Accounts")
    check(metric("total") == str(listing["total"]), "accounts: total differs from the API")
    check(len(driver.find_elements(By.CSS_SELECTOR, "a[data-account]")) == min(listing["total"], 50), "accounts: not one page of rows")
    search = driver.find_element(By.NAME, "text")
    # A space in the search: the browser sends it as '+', as forms do.
    search.send_keys("01 有限")
    follow(driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    check("text=01+" in driver.current_url, f"accounts: the form did not send the search as a form does: {driver.current_url}")
    found = api("/v1/accounts?text=" + urllib.parse.quote("01 有限"))
    check(found["total"] == 2 and metric("total") == str(found["total"]), "accounts: the search finds another number than the API")
    check(not console_errors(), "accounts: console errors after searching")
    driver.save_screenshot(os.path.join(shots, "accounts-search.png"))
    strategic = api("/v1/accounts?stage=strategic")
    open_page("/office/accounts?stage=strategic", "accounts-strategic", "Accounts")
    check(metric("total") == str(strategic["total"]), "accounts: the stage filter differs from the API")

    # One account: the one with a conflict, contacts, shares and activities.
    target = next(a for a in listing["accounts"] if a["name"] == "华东客户01 有限公司")
    detail = api("/v1/accounts/" + target["id"])
    open_page("/office/accounts", "accounts")
    follow(driver.find_element(By.CSS_SELECTOR, f'a[data-account="{target["id"]}"]'))
    check(driver.find_element(By.TAG_NAME, "h1").text == "华东客户01 有限公司", "account: the heading is not the account's name")
    check(metric("contacts") == str(len(detail["contacts"])), "account: contacts differ from the API")
    check(metric("share-records") == str(len(detail["shareRecords"])), "account: share records differ from the API")
    check(metric("activities") == str(len(detail["activities"])), "account: activities differ from the API")
    check(len(detail["conflicts"]) > 0 and "杭州" in driver.page_source and "上海" in driver.page_source, "account: the conflict is not shown")
    check(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg rect.bar")) == len(detail["shareRecords"]), "account: no bar per share record")
    check(not console_errors(), "account: console errors")
    driver.save_screenshot(os.path.join(shots, "account.png"))
    declining_detail = next(a for a in listing["accounts"] if a["name"] == "华东客户03 有限公司")
    open_page("/office/accounts/" + declining_detail["id"], "account-declining", "华东客户03")
    check("Declining" in driver.page_source, "account: the decline is not shown")

    # The reports.
    pyramid = api("/v1/reports/pyramid")
    open_page("/office/pyramid", "pyramid", "Value pyramid")
    for tier in pyramid["tiers"]:
        check(metric(f"tier-{tier['tier']}") == str(tier["accounts"]), f"pyramid: tier {tier['tier']} differs from the API")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg polygon.tier")) == 4, "pyramid: the chart has no four layers")
    quarters = api("/v1/reports/pyramid?from=2026-Q3&to=2026-Q3")
    open_page("/office/pyramid?from=2026-Q3&to=2026-Q3", "pyramid-quarter", "Value pyramid")
    total = sum(a["ourSales"] for a in quarters["accounts"])
    check(metric("sales").replace(",", "").split(".")[0] == str(total // 100), "pyramid: one quarter's sales differ from the API")

    movements = api("/v1/reports/movements")
    open_page("/office/movements", "movements", "Stage movements")
    check(metric("up") == str(movements["up"]) and metric("down") == str(movements["down"]), "movements: up or down differs from the API")
    check(metric("movements") == str(len(movements["movements"])), "movements: the count differs from the API")
    check("lost the annual supplier review" in driver.page_source, "movements: the reason is not shown")

    declining = api("/v1/reports/declining")
    open_page("/office/declining", "declining", "Declining accounts")
    check(metric("declining") == str(len(declining["accounts"])) and len(declining["accounts"]) > 0, "declining: count differs from the API")

    risks = api("/v1/reports/risks")
    open_page("/office/risks", "risks", "Relationship risks")
    check(metric("single-contact") == str(risks["singleContact"]), "risks: single-threaded differs from the API")
    check(metric("no-decision-maker") == str(risks["noDecisionMaker"]), "risks: no decision maker differs from the API")

    complaints = api("/v1/reports/complaints")
    open_page("/office/complaints", "complaints", "Complaints")
    check(metric("complaints") == str(complaints["total"]) and complaints["total"] > 0, "complaints: total differs from the API")
    check("交货晚了两周" in driver.page_source, "complaints: the note is not shown")

    # A bad filter says what is wrong on the page.
    open_page("/office/accounts?stage=bogus", "accounts-bad-filter", "Accounts", status=400)
    check("is not known" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text, "accounts: a bad filter is not explained")

    # At a small laptop's width every page still fits.
    driver.set_window_size(1024, 768)
    for path, shot in [("/office/", "pipeline-1024"), ("/office/accounts/" + target["id"], "account-1024"), ("/office/pyramid", "pyramid-1024")]:
        open_page(path, shot)

    # Signing out ends the session: the pages send you to sign in again.
    follow(driver.find_element(By.CSS_SELECTOR, "form.signout button"))
    driver.get(server + "/office/risks")
    check("/office/sign-in" in driver.current_url, f"still signed in after signing out: {driver.current_url}")
finally:
    driver.quit()

if failures:
    print(f"browser tests: {len(failures)} failure(s)", file=sys.stderr)
    for failure in failures:
        print(f"  {failure}", file=sys.stderr)
    sys.exit(1)
print(f"browser tests: every page passed; screenshots in {shots}")
