from celery import shared_task

from apps.payments import reconciliation, services
from apps.payments.merchant import wechatpay_enabled


@shared_task(name="payments.query_pending")
def query_pending() -> int:
    return services.payments_query_pending()


@shared_task(name="payments.close_for_order")
def close_payments_for_order(order_id: int) -> int:
    return services.payments_close_for_order(order_id=order_id)


@shared_task(name="payments.reconcile_daily")
def reconcile_daily() -> int | None:
    if not wechatpay_enabled():
        return None  # no bill to download; uploads still work from the command line
    run = reconciliation.reconciliation_daily()
    return run.pk if run else None


@shared_task(name="payments.submit_refund")
def submit_refund(refund_id: int) -> str:
    from apps.payments.models import Refund

    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PROCESSING:
        return refund.status
    return services.refund_submit(refund=refund).status
