from celery import shared_task

from apps.rewards.services import coupons_expire, points_expire


@shared_task(name="rewards.expire_points")
def expire_points() -> int:
    return points_expire()


@shared_task(name="rewards.expire_coupons")
def expire_coupons() -> int:
    return coupons_expire()
