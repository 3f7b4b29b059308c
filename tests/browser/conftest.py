"""A real browser on a phone-sized screen against the live server.

Playwright drives Debian's Chromium (/usr/bin/chromium; Playwright's own browser download is not
used). Without it the tests skip with the reason, except where REQUIRE_BROWSER=1 (CI installs
Chromium first, so a missing browser there is a failure). Every page a test opens is watched: a
console error, an uncaught script error, a failed request or an HTTP error fails the test.
Screenshots and downloads go to BROWSER_ARTIFACTS_DIR (default .local/artifacts/browser/).
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from apps.demo.data import DemoData, demo_data_load
from tests.payments.conftest import sandbox

__all__ = ["sandbox"]

CHROMIUM = Path(os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS_DIR")
    or settings.BASE_DIR / ".local" / "artifacts" / "browser"
)
PHONE = {"width": 390, "height": 844}  # an iPhone 12-14 class screen, in CSS pixels
FIT_WAIT_MS = 5_000
# What assert_fits measures: elements wider than the screen outside a scrolling box, and text
# fields whose font is under 16px.
FIT_PROBE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX)) return false;
    }
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1;
  }).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className : ''));
  const small = [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(el => !['hidden', 'checkbox', 'radio', 'submit', 'button', 'reset', 'image',
                    'file'].includes(el.type))
    .filter(el => el.offsetParent && parseFloat(getComputedStyle(el).fontSize) < 16)
    .map(el => el.name || el.id || el.outerHTML.slice(0, 80));
  const scroll = document.documentElement.scrollWidth;
  return {scroll, width, wide: wide.slice(0, 5), small,
          fits: scroll <= width && wide.length === 0 && small.length === 0};
}"""


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    # Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse ORM
    # calls from the test body; they are ordinary blocking calls, so say so for these tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
            yield chromium
            chromium.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db: None) -> DemoData:
    """The quickstart's demo data: the pages are tried on what a new user sees.

    The live server needs committed data, so these tests empty the tables afterwards; the role
    groups come back with the flush's post_migrate (apps.accounts.apps.ensure_role_groups)."""
    return demo_data_load()


@dataclass
class Phone:
    """One person's phone: a browser context of its own (cookies, language) and its page."""

    context: BrowserContext
    page: Page
    base_url: str
    name: str
    problems: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    shots: int = 0
    closed: bool = False

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({self.page.url})")

    def _page_error(self, error: Error) -> None:
        self.problems.append(f"script error: {error} ({self.page.url})")

    def _request_failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def transferred(self, *, without: tuple[str, ...] = ("image", "media")) -> int:
        """Bytes received so far (headers and bodies as sent), leaving out images and video."""
        total = 0
        for response in self.responses:
            if response.request.resource_type in without:
                continue
            sizes = response.request.sizes()
            total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        return total

    def close(self) -> None:
        self.closed = True
        self.context.close()
        self.assert_no_problems()

    def goto(self, path: str) -> None:
        # "load": the stylesheets, scripts and images are in. No idle wait: these pages fetch
        # nothing by themselves after loading, and each networkidle costs half a second.
        self.page.goto(self.base_url + path, wait_until="load")

    def menu(self, link_text: str) -> None:
        """Taps a link of the top bar, opening the folded menu first where the phone shows one."""
        toggle = self.page.locator(".topbar .menu-toggle")
        if toggle.is_visible():
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
        link = self.page.locator(".topbar nav").get_by_role("link", name=link_text, exact=True)
        with self.page.expect_navigation(wait_until="load"):
            link.click()

    def switch_language(self, code: str) -> None:
        """Taps the language switch in the top bar and checks the same page came back in it."""
        path = self.page.url
        self.page.locator(f"form.lang button[lang={code}]").click()
        self.page.wait_for_function(f"document.documentElement.lang === '{code}'")
        self.page.wait_for_load_state("load")
        assert self.page.url == path, f"the switch went from {path} to {self.page.url}"

    def shot(self, step: str) -> Path:
        """A full-page screenshot of this step, numbered in the order taken."""
        self.shots += 1
        safe = re.sub(r"[^\w-]+", "-", step).strip("-")
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{safe}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_fits(self) -> None:
        """Usable without zooming: nothing pushes the page wider than the screen (wide tables
        scroll inside their own box), and no text input is too small to tap.

        It waits (up to FIT_WAIT_MS) for the page to fit before it fails: a field measured
        before its stylesheet applies has the browser's 13px, and one sample taken then would
        fail a page that fits."""
        for _ in range(3):
            self.page.wait_for_load_state("load")
            try:
                self.page.wait_for_function(f"() => ({FIT_PROBE})().fits", timeout=FIT_WAIT_MS)
                break
            except PlaywrightTimeoutError:
                break  # the measurement below says what does not fit
            except Error as error:
                # A tap just before started a navigation: measure the page it leads to.
                if "context was destroyed" not in str(error):
                    raise
        found = self.page.evaluate(FIT_PROBE)
        assert found["scroll"] <= found["width"] and not found["wide"], (
            f"{self.page.url} is wider than the phone: {found}"
        )
        # iOS zooms into any field whose text is under 16px: a form that zooms is not usable.
        assert not found["small"], f"{self.page.url}: fields under 16px make phones zoom: {found}"

    def assert_no_problems(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def download_path(self, name: str) -> Path:
        path = ARTIFACTS / f"{self.name}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def download(self, link_text: str, *, name: str) -> Path:
        """Taps the link and saves what it downloads among the artefacts."""
        with self.page.expect_download() as info:
            self.page.get_by_role("link", name=link_text, exact=True).first.click()
        path = self.download_path(name)
        info.value.save_as(path)
        return path


def _offsite(route: Route) -> None:
    route.fulfill(status=204, body=b"")


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Opens phones: `phone("member")` gives a fresh one; all are checked for problems at the end."""
    opened: list[Phone] = []

    def open_phone(name: str, **options: Any) -> Phone:
        context = browser.new_context(
            viewport=PHONE,  # type: ignore[arg-type]
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(15_000)
        # Nothing leaves this machine: an off-site address in the demo (a lesson's video on
        # example.com) gets an empty answer here, noted rather than counted as a failure.
        context.route(lambda url: not url.startswith(live_server.url), _offsite)
        device = Phone(context, context.new_page(), live_server.url, name)
        device.watch()
        opened.append(device)
        return device

    yield open_phone
    try:
        for device in opened:
            device.assert_no_problems()
    finally:
        for device in opened:
            if not device.closed:
                device.context.close()


def sign_in_with_password(device: Phone, *, username: str, password: str) -> None:
    device.goto("/accounts/login/")
    device.page.get_by_label("用户名或手机号").fill(username)
    device.page.get_by_label("密码").fill(password)
    device.page.get_by_role("button", name="登录", exact=True).click()
    device.page.wait_for_load_state()
    assert "/accounts/login/" not in device.page.url, f"{username} could not sign in"


def sign_in_with_phone(device: Phone, *, phone: str) -> None:
    """From the page the member is on: 登录, a code by SMS (read from the outbox), back again."""
    from apps.notifications.models import Notification

    device.page.locator(".topbar").get_by_role("link", name="登录").click()
    device.page.get_by_label("手机号").fill(phone)
    device.page.get_by_role("button", name="获取验证码").click()
    device.page.get_by_label("验证码").wait_for()
    device.assert_fits()
    device.shot("phone-sign-in")
    sent = Notification.objects.filter(template="sign_in_code", address=phone).latest("id")
    device.page.get_by_label("验证码").fill(sent.context["code"])
    device.page.get_by_role("button", name="登录", exact=True).click()
    device.page.wait_for_load_state()
    assert "/accounts/" not in device.page.url, f"{phone} could not sign in"
