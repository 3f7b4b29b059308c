from celery import shared_task

from apps.ads.rollup import ads_rollup


@shared_task(name="ads.rollup")
def rollup() -> int:
    """Beat runs this every minute; it returns how many hour buckets it rebuilt."""
    return ads_rollup().hours
