from celery import shared_task

from apps.memberships.services import member_coupons_issue, subscriptions_expire


@shared_task(name="memberships.expire_and_remind")
def expire_and_remind() -> dict[str, int]:
    run = subscriptions_expire()
    return {"to_grace": run.to_grace, "expired": run.expired, "reminders": run.reminders}


@shared_task(name="memberships.issue_monthly_coupons")
def issue_monthly_coupons() -> int:
    return member_coupons_issue()
