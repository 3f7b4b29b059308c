from typing import Any

from apps.core.task_queue import task_delay_on_commit
from apps.orders.models import Order


def close_payments_of_cancelled_order(*, order: Order, **kwargs: Any) -> None:
    """A cancelled order can no longer be paid: close its open payments after the commit."""
    if not order.payments.filter(status="created").exists():
        return
    task_delay_on_commit("apps.payments.tasks.close_payments_for_order", order.pk)
