from celery import shared_task

from apps.core.idempotency import idempotency_keys_purge


@shared_task(name="core.idempotency_keys_purge")
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()
