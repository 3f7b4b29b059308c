from celery import shared_task

from apps.reports.services import funnel_snapshots_compute


@shared_task(name="analytics.funnel_snapshots")
def compute_funnel_snapshots() -> int:
    """Yesterday's and today's funnels for every open chain, running campaign and listed course."""
    return funnel_snapshots_compute()
