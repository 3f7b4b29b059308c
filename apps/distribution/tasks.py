from celery import shared_task

from apps.distribution.services import commission_reconcile_and_report


@shared_task(name="distribution.reconcile")
def reconcile() -> int:
    """Daily: recompute every order's commission from its snapshot; tell finance of differences."""
    return len(commission_reconcile_and_report())
