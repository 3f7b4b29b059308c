"""Becoming a group leader: apply, and operations approve or reject with a reason."""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role, has_role
from apps.communities.models import LeaderApplication
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied

Status = LeaderApplication.Status


def is_leader(user: User) -> bool:
    return user.is_superuser or has_role(user, Role.LEADER)


def leader_application_submit(
    *, applicant: User, name: str, phone: str, neighbourhood: str, pickup_address: str
) -> LeaderApplication:
    if is_leader(applicant):
        raise Conflict(_("你已经是团长了"), code="already_leader")
    for field, value in (
        ("name", name),
        ("neighbourhood", neighbourhood),
        ("pickup_address", pickup_address),
    ):
        if not value.strip():
            raise InvalidInput(_("请填写完整的申请信息"), field=field)
    try:
        with transaction.atomic():
            return LeaderApplication.objects.create(
                applicant=applicant,
                name=name.strip(),
                phone=phone,
                neighbourhood=neighbourhood.strip(),
                pickup_address=pickup_address.strip(),
            )
    except IntegrityError as exc:
        raise Conflict(_("你已有一份申请在审核中"), code="application_pending") from exc


def _decide(*, application: LeaderApplication, reviewer: User) -> LeaderApplication:
    if not (reviewer.is_superuser or has_role(reviewer, Role.OPERATIONS)):
        raise PermissionDenied(_("只有运营可以审核团长申请"))
    locked = LeaderApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != Status.PENDING:
        raise IllegalTransition(_("这份申请已经审核过了"))
    return locked


@transaction.atomic
def leader_application_approve(
    *, application: LeaderApplication, reviewer: User, reason: str = ""
) -> LeaderApplication:
    application = _decide(application=application, reviewer=reviewer)
    application.status = Status.APPROVED
    application.decision_reason = reason.strip()
    application.decided_by = reviewer
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    application.applicant.groups.add(Group.objects.get(name=Role.LEADER))
    return application


@transaction.atomic
def leader_application_reject(
    *, application: LeaderApplication, reviewer: User, reason: str
) -> LeaderApplication:
    if not reason.strip():
        raise InvalidInput(_("拒绝时请写明原因"), field="decision_reason")
    application = _decide(application=application, reviewer=reviewer)
    application.status = Status.REJECTED
    application.decision_reason = reason.strip()
    application.decided_by = reviewer
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    return application
