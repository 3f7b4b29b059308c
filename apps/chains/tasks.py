from celery import shared_task

from apps.chains.services import chains_close_due


@shared_task(name="chains.close_due")
def close_due_chains() -> int:
    return chains_close_due()
