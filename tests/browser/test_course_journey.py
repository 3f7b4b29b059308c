"""A member buys the demo course on a phone with the sandbox payment and opens a paid lesson."""

from pathlib import Path
from typing import Any

import pytest

from apps.courses.models import Course, Enrollment
from apps.demo.courses import COURSE_TITLE
from apps.demo.data import DemoData
from tests.browser.conftest import sign_in_with_phone

pytestmark = pytest.mark.browser

PHONE_NUMBER = "13912340001"


def test_member_buys_a_course_with_the_sandbox_and_opens_a_lesson(
    demo: DemoData, sandbox: Path, phone: Any
) -> None:
    course = Course.objects.get(title=COURSE_TITLE)
    member = phone("course")
    page = member.page
    member.goto(f"/courses/{course.pk}/")
    member.assert_fits()
    member.shot("course-page")

    sign_in_with_phone(member, phone=PHONE_NUMBER)
    assert page.url.endswith(f"/courses/{course.pk}/")
    page.get_by_role("button", name="立即报名").click()
    page.wait_for_url("**/courses/orders/**")
    member.assert_fits()
    member.shot("course-order")

    page.get_by_role("link", name="微信支付").click()
    member.assert_fits()
    member.shot("pay")
    page.get_by_role("button", name="微信支付").click()
    page.wait_for_url("**/payments/sandbox/**")
    member.assert_fits()
    member.shot("sandbox")
    page.get_by_role("button", name="支付", exact=True).click()
    page.get_by_role("link", name="开始学习").click()
    member.assert_fits()
    member.shot("course-enrolled")

    enrollment = Enrollment.objects.get(course=course, user__phone=PHONE_NUMBER)
    assert enrollment.status == Enrollment.Status.ACTIVE
    paid_lesson = course.lessons.filter(is_trial=False).order_by("position").first()
    assert paid_lesson is not None
    page.get_by_role("link", name=f"{paid_lesson.position}. {paid_lesson.title}").click()
    page.wait_for_url(f"**/courses/lessons/{paid_lesson.pk}/")
    assert page.locator("h1").inner_text() == f"{paid_lesson.position}. {paid_lesson.title}"
    member.assert_fits()
    member.shot("lesson")
    page.get_by_role("button", name="标记为已学完").click()
    page.get_by_text("已学完", exact=True).wait_for()
