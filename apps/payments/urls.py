from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("payments/order/<str:ref>/", views.pay, name="pay"),
    path("payments/wechat/notify/", views.wechat_notify, name="wechat_notify"),
    path("payments/wechat/refund-notify/", views.wechat_notify, name="wechat_refund_notify"),
    path("payments/sandbox/<str:out_trade_no>/", views.sandbox, name="sandbox"),
]
