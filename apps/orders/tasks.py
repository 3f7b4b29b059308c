from celery import shared_task

from apps.orders.services import orders_cancel_unpaid


@shared_task(name="orders.cancel_unpaid")
def cancel_unpaid_orders() -> int:
    return orders_cancel_unpaid()
