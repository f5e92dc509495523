"""Retake the screenshots in this folder from the seeded demo, in English.

    export DEBUG=true DATABASE_URL=sqlite:////tmp/shots.sqlite3
    uv run python manage.py migrate && uv run python manage.py seed_demo
    uv run python manage.py runserver 127.0.0.1:8765 --noreload &
    uv run python docs/screenshots/take_screenshots.py

Desktop shots are 1280 wide, the citizen's page 390 wide (a phone). Use a fresh database
each time: the overview shows the access log, and the user card issues a new code.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = "http://127.0.0.1:8765"
OUT = Path(__file__).parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ENGLISH = {"name": "django_language", "value": "en", "url": BASE}


def new_page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_cookies([ENGLISH])
    return context.new_page()


def log_in(page, username):
    page.goto(f"{BASE}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "samplan-demo")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # A citizen's login sets their preferred language; keep every shot in one language.
    page.context.add_cookies([ENGLISH])


def open_ingrid(page):
    page.goto(f"{BASE}/citizens/?q=Innbygger")
    page.click("main tbody a >> nth=0")
    page.wait_for_selector("main h1")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

    page = new_page(browser, DESKTOP)
    page.goto(f"{BASE}/accounts/login/")
    page.screenshot(path=OUT / "login.png", full_page=True)
    page.context.close()

    # The GP looks first, so that the coordinator's overview has someone else in its access log.
    page = new_page(browser, DESKTOP)
    log_in(page, "fastlege")
    open_ingrid(page)
    page.context.close()

    page = new_page(browser, DESKTOP)
    log_in(page, "koordinator")
    page.screenshot(path=OUT / "citizen-list.png")
    open_ingrid(page)
    page.screenshot(path=OUT / "overview.png", full_page=True)
    page.click("form[action$='/access-code/'] button")
    page.wait_for_selector(".user-card .code")
    page.screenshot(path=OUT / "user-card.png", full_page=True)
    page.context.close()

    page = new_page(browser, PHONE)
    log_in(page, "innbygger")
    page.goto(f"{BASE}/me/")
    page.screenshot(path=OUT / "citizen-home-phone.png", full_page=True)
    # Her responsibility group, and the next meeting where she adds her own points.
    page.click("[data-testid=open-my-group]")
    page.screenshot(path=OUT / "group-citizen-phone.png", full_page=True)
    page.click("[data-testid=upcoming] a >> nth=0")
    page.screenshot(path=OUT / "group-meeting-citizen-phone.png", full_page=True)
    page.context.close()

    # The coordinator's view of the group and its latest meeting.
    page = new_page(browser, DESKTOP)
    log_in(page, "koordinator")
    open_ingrid(page)
    page.click("[data-testid=group-panel] a.ds-button")
    page.screenshot(path=OUT / "group-coordinator.png", full_page=True)
    page.click("[data-testid=past] a >> nth=0")
    page.screenshot(path=OUT / "group-meeting.png", full_page=True)
    page.context.close()

    # Nav reads the latest minutes: the medication part is not there.
    page = new_page(browser, DESKTOP)
    log_in(page, "nav")
    open_ingrid(page)
    page.click("[data-testid=group-panel] a.ds-button")
    page.click("[data-testid=past] a >> text=Minutes >> nth=0")
    page.screenshot(path=OUT / "group-minutes-nav.png", full_page=True)
    page.context.close()

    # The leader's summary over the learning logs of the units they lead.
    page = new_page(browser, DESKTOP)
    log_in(page, "leder")
    page.goto(f"{BASE}/learning-summary/")
    page.screenshot(path=OUT / "learning-summary.png", full_page=True)
    # The outcome report of the units the leader leads, the evaluations and the improvement team.
    page.goto(f"{BASE}/insights/")
    page.screenshot(path=OUT / "outcome-report.png", full_page=True)
    page.goto(f"{BASE}/evaluations/")
    page.locator("main th[scope=row] a").first.click()
    page.screenshot(path=OUT / "gathering.png", full_page=True)
    page.goto(f"{BASE}/improvement/")
    page.locator("main h2 a").first.click()
    page.screenshot(path=OUT / "improvement-team.png", full_page=True)
    page.context.close()

    browser.close()
