"""The lifecycle stage of a group and the field's playbook for each stage (运营阶段).

Cold start (first 3 days): build trust — rules, a welcome gift, a KOL. Growth (to 4 weeks): keep
it lively — a daily digest, check-ins with points, topic contests. Mature (after): earn from it —
paid membership, distribution, paid courses (and group-buy chains, this project's core).

Some steps are features of apps above this one. Those apps report whether a group has set the
step up by registering a check in their AppConfig.ready() (`playbook_check_register`), so this
module never imports them; a step whose app is not installed shows as not available yet.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.communities.models import COLD_START, GROWTH_UNTIL, Community, Membership, Stage

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Check = Callable[[Community], bool]


class StepState(TextChoices):
    DONE = "done", _("已开展")
    TODO = "todo", _("未开展")
    UNTRACKED = "untracked", _("系统暂不记录")
    UNAVAILABLE = "unavailable", _("功能尚未上线")


@dataclass(frozen=True)
class Step:
    key: str
    stage: str
    title: "str | StrPromise"
    tip: "str | StrPromise"
    app: str = "apps.communities"  # the app that knows whether a group has done it


PLAYBOOK: tuple[Step, ...] = (
    Step("rules", Stage.COLD_START, _("制定群规"), _("把群规写进群公告，新人进群先看到")),
    Step(
        "welcome_gift", Stage.COLD_START, _("发放见面礼"), _("新人进群送券或积分"), "apps.rewards"
    ),
    Step("kol", Stage.COLD_START, _("引入KOL"), _("请一位活跃的达人做管理员，带动气氛")),
    Step("daily_digest", Stage.GROWTH, _("每日早报"), _("每天更新一次群公告：今日团品、提醒")),
    Step(
        "check_in", Stage.GROWTH, _("打卡积分"), _("每日打卡送积分，连续打卡有奖励"), "apps.rewards"
    ),
    Step("topic_contest", Stage.GROWTH, _("话题PK"), _("每周一个话题，让成员晒单、投票")),
    Step(
        "group_buy",
        Stage.MATURE,
        _("群接龙带货"),
        _("定期开团，把群变成稳定的购买渠道"),
        "apps.chains",
    ),
    Step(
        "paid_membership",
        Stage.MATURE,
        _("会员收费"),
        _("推出付费会员价与权益"),
        "apps.memberships",
    ),
    Step(
        "distribution", Stage.MATURE, _("分销带货"), _("让成员分享链接赚佣金"), "apps.distribution"
    ),
    Step("paid_courses", Stage.MATURE, _("知识付费"), _("开设付费课程或训练营"), "apps.courses"),
)

_checks: dict[str, Check] = {}


def playbook_check_register(key: str, check: Check) -> None:
    """An app says how to tell whether a community has set step `key` up."""
    _checks[key] = check


def _has_announcement(community: Community) -> bool:
    return community.announcements.exists()


def _has_admin(community: Community) -> bool:
    return community.memberships.filter(role=Membership.Role.ADMIN, left_at__isnull=True).exists()


def _recent_announcement(community: Community) -> bool:
    since = timezone.now() - timedelta(hours=36)
    return community.announcements.filter(created_at__gte=since).exists()


playbook_check_register("rules", _has_announcement)
playbook_check_register("kol", _has_admin)
playbook_check_register("daily_digest", _recent_announcement)


@dataclass(frozen=True)
class StepStatus:
    step: Step
    state: str

    @property
    def state_label(self) -> str:
        return str(StepState(self.state).label)


@dataclass(frozen=True)
class StagePlan:
    stage: str
    label: str
    current: bool
    steps: list[StepStatus]


@dataclass(frozen=True)
class Lifecycle:
    stage: str
    label: str
    age_days: int
    next_stage_at: datetime | None
    plans: list[StagePlan]


def _state(step: Step, community: Community) -> str:
    if not apps.is_installed(step.app):
        return StepState.UNAVAILABLE
    check = _checks.get(step.key)
    if check is None:
        return StepState.UNTRACKED
    return StepState.DONE if check(community) else StepState.TODO


def community_lifecycle(community: Community, *, now: datetime | None = None) -> Lifecycle:
    now = now or timezone.now()
    stage = community.stage(now)
    next_at = {
        Stage.COLD_START: community.created_at + COLD_START,
        Stage.GROWTH: community.created_at + GROWTH_UNTIL,
    }.get(Stage(stage))
    plans = [
        StagePlan(
            stage=value,
            label=str(label),
            current=value == stage,
            steps=[
                StepStatus(step=step, state=_state(step, community))
                for step in PLAYBOOK
                if step.stage == value
            ],
        )
        for value, label in Stage.choices
    ]
    return Lifecycle(
        stage=stage,
        label=str(Stage(stage).label),
        age_days=(now - community.created_at).days,
        next_stage_at=next_at,
        plans=plans,
    )
