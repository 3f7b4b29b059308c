"""The product's URLs and, for the benchmarks only, a trivial endpoint doing one INSERT.

Never included by config/urls.py: only bench/http_settings.py points at this module.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as product_urlpatterns


@csrf_exempt
@require_POST
def insert_one(request: HttpRequest) -> HttpResponse:
    """The HTTP baseline: the same server, middleware and connection per request as the order
    form, and one INSERT of an order row (autocommit: the INSERT is its own transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_order (community_id, status, subtotal_amount, discount_amount,"
            " coupon_code, total_amount, paid_amount, refunded_amount, payment_method,"
            " contact_name, contact_phone, note, referral_code, ad_click_token, created_at)"
            " VALUES (%s, 'pending_payment', 9.90, 0, '', 9.90, 0, 0, '', 'bench', %s, '', '',"
            " '', now()) RETURNING id",
            [int(request.POST["community"]), request.POST["phone"]],
        )
        (order_id,) = cursor.fetchone()
    return HttpResponse(str(order_id), status=201, content_type="text/plain")


urlpatterns = [path("bench/insert/", insert_one), *product_urlpatterns]
