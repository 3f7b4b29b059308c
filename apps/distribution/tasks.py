from celery import shared_task

from apps.distribution.reminders import commissions_remind_available, payouts_remind_paid
from apps.distribution.services import commission_reconcile_and_report


@shared_task(name="distribution.reconcile")
def reconcile() -> int:
    """Daily: recompute every order's commission from its snapshot; tell finance of differences."""
    return len(commission_reconcile_and_report())


@shared_task(name="distribution.remind_commissions")
def remind_commissions() -> dict[str, int]:
    """Commission now available, payout paid: one message each per beneficiary."""
    return {"available": commissions_remind_available(), "paid": payouts_remind_paid()}
