from celery import shared_task

from apps.chains.reminders import (
    chains_remind_closing_soon,
    chains_report_closed,
    orders_remind_payment,
    orders_remind_pickup,
)
from apps.chains.services import chains_close_due


@shared_task(name="chains.close_due")
def close_due_chains() -> int:
    return chains_close_due()


@shared_task(name="chains.remind_closing_soon")
def remind_closing_soon() -> int:
    return chains_remind_closing_soon()


@shared_task(name="chains.report_closed")
def report_closed_chains() -> int:
    return chains_report_closed()


@shared_task(name="chains.remind_orders")
def remind_orders() -> dict[str, int]:
    """Payment pending, ready for pickup and pickup-day reminders of chain orders."""
    return {"payment": orders_remind_payment(), "pickup": orders_remind_pickup()}
