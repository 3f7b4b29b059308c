from celery import shared_task

from apps.notifications.services import notifications_send_due


@shared_task(name="notifications.send_due")
def send_due_notifications() -> int:
    return notifications_send_due()
