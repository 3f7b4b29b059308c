"""The demo's paid course in the fitness group: 30天燃脂训练营 at 399 元 (the field guide's
300–500 元), six lessons (two trial, the rest released day by day from the cohort's start), an
open cohort and two small private-coaching slots. Found by natural keys (the course title in
its group, the cohort name, the session titles), created through the services."""

from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.communities.models import Community
from apps.courses.models import Cohort, Course, Lesson, LiveSession
from apps.courses.services import (
    CourseDetails,
    LessonDetails,
    SessionDetails,
    cohort_create,
    course_create,
    lesson_create,
    session_create,
)

COURSE_TITLE = "30天燃脂训练营"
LESSONS = (
    LessonDetails(
        title="第1课 训练前的体态评估",
        body="对着镜子拍正面、侧面照片，记录腰围、臀围，作为30天后的对比。",
        video_url="https://example.com/demo/fitness/01.mp4",
        duration_seconds=600,
        is_trial=True,
    ),
    LessonDetails(
        title="第2课 燃脂热身10分钟",
        body="开合跳、高抬腿、弓步转体，每个动作40秒，休息20秒。",
        video_url="https://example.com/demo/fitness/02.mp4",
        duration_seconds=660,
        is_trial=True,
    ),
    LessonDetails(
        title="第3课 饮食：每天怎么吃",
        body="早餐一拳主食一掌蛋白，晚餐少油少盐，不喝含糖饮料。",
        duration_seconds=900,
        release=Lesson.Release.DRIP,
        release_days=0,
    ),
    LessonDetails(
        title="第4课 HIIT入门20分钟",
        video_url="https://example.com/demo/fitness/04.mp4",
        duration_seconds=1200,
        release=Lesson.Release.DRIP,
        release_days=1,
    ),
    LessonDetails(
        title="第5课 核心力量训练",
        video_url="https://example.com/demo/fitness/05.mp4",
        duration_seconds=1200,
        release=Lesson.Release.DRIP,
        release_days=3,
    ),
    LessonDetails(
        title="第6课 平台期怎么突破",
        duration_seconds=900,
        release=Lesson.Release.DRIP,
        release_days=7,
    ),
)
COHORT_NAME = "第1期"
COACHING = (
    ("李教练一对一私教课（周六上午）", 2, Decimal("400.00"), timedelta(days=3, hours=10)),
    ("李教练小班私教课（周日上午）", 3, Decimal("300.00"), timedelta(days=4, hours=10)),
)


def demo_course_load(*, community: Community, coach: User, created: Counter[str]) -> Course:
    course = Course.objects.filter(community=community, title=COURSE_TITLE).first()
    if course is None:
        course = course_create(
            actor=coach,
            community=community,
            seats=200,
            instructor=coach,
            details=CourseDetails(
                title=COURSE_TITLE,
                description="李教练带练30天：每天20分钟居家训练+饮食指导，群内每日打卡。",
                instructor_name="李教练",
                price=Decimal("399.00"),
            ),
        )
        created["courses"] += 1
    if not course.lessons.exists():
        for details in LESSONS:
            lesson_create(course=course, actor=coach, details=details)
            created["lessons"] += 1
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    if not Cohort.objects.filter(course=course, name=COHORT_NAME).exists():
        # Started this morning; late joiners may enrol for a week and catch up.
        cohort_create(
            course=course,
            actor=coach,
            name=COHORT_NAME,
            enrol_opens_at=today - timedelta(days=3),
            enrol_closes_at=today + timedelta(days=7),
            starts_at=today,
        )
        created["cohorts"] += 1
    for title, capacity, price, offset in COACHING:
        if LiveSession.objects.filter(community=community, title=title).exists():
            continue
        session_create(
            actor=coach,
            community=community,
            details=SessionDetails(
                title=title,
                starts_at=today + offset,
                capacity=capacity,
                duration_minutes=60,
                price=price,
            ),
        )
        created["coaching sessions"] += 1
    return course
