from celery import shared_task

from apps.webhooks.services import webhook_delivery_attempt, webhooks_deliver_due


@shared_task(name="webhooks.deliver")
def deliver_webhook(delivery_id: int) -> bool | None:
    """The first try of a delivery, right after its event committed."""
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliver_due")
def deliver_due_webhooks() -> int:
    """Retries whose time has come (beat, every minute), and any first try whose task was lost."""
    return webhooks_deliver_due()
