from celery import shared_task

from apps.privacy.services import orders_anonymise_finished


@shared_task(name="privacy.orders_anonymise_finished")
def orders_anonymise_finished_task() -> int:
    return orders_anonymise_finished()
