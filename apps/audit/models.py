"""The audit history: one event table per audited model, written by PostgreSQL triggers.

django-pghistory installs an insert, update and delete trigger on each audited table (after
every migrate, see PGTRIGGER_INSTALL_ON_MIGRATE), so a change made by a service, the admin, a
bulk update or raw SQL is recorded alike, with the full row after it. The admin's "审计记录"
(pghistory.Events) shows each change with its before → after difference and its context: the
signed-in user and URL of the request (AuditContextMiddleware) or the Celery task that made it.

Audited: orders and their lines and refunds, SKU prices (stock has its StockMovement rows),
payments and refunds, commission rules and payouts, and ad campaigns' settings. The commission
ledger itself is append-only (a trigger refuses updates and deletes), so its rows are their own
history.
"""

from typing import Any

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.ads.models import Campaign
from apps.catalog.models import SKU
from apps.distribution.models import CommissionRule, PayoutBatch, PayoutLine
from apps.orders.models import Order, OrderLine, OrderRefund
from apps.payments.models import Payment, Refund


def _event_model(
    tracked: type[models.Model], name: str, verbose: Any, exclude: list[str] | None = None
) -> Any:
    # New trackers for each model: pghistory fills an update tracker's watched fields in place.
    return pghistory.create_event_model(
        tracked,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=exclude,
        model_name=name,
        app_label="audit",
        abstract=False,
        meta={"verbose_name": verbose, "verbose_name_plural": verbose},
    )


OrderEvent = _event_model(Order, "OrderEvent", _("订单变更"))
OrderLineEvent = _event_model(OrderLine, "OrderLineEvent", _("订单明细变更"))
OrderRefundEvent = _event_model(OrderRefund, "OrderRefundEvent", _("订单退款变更"))
# Stock is left out: every stock change already writes a StockMovement row (who, when, why,
# stock after), and an update that only moves stock then fires no trigger on the hot order path.
SKUEvent = _event_model(SKU, "SKUEvent", _("规格价格变更"), exclude=["stock", "updated_at"])
PaymentEvent = _event_model(Payment, "PaymentEvent", _("支付变更"))
RefundEvent = _event_model(Refund, "RefundEvent", _("退款变更"))
CommissionRuleEvent = _event_model(CommissionRule, "CommissionRuleEvent", _("佣金规则变更"))
PayoutBatchEvent = _event_model(PayoutBatch, "PayoutBatchEvent", _("打款批次变更"))
PayoutLineEvent = _event_model(PayoutLine, "PayoutLineEvent", _("打款明细变更"))
CampaignEvent = _event_model(Campaign, "CampaignEvent", _("广告计划变更"))
