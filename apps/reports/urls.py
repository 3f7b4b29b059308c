from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("leader/analytics/", views.leader_dashboard, name="leader_dashboard"),
    path("analytics/merchant/", views.merchant_dashboard, name="merchant_dashboard"),
    path("analytics/campaigns/", views.campaign_dashboard, name="campaign_dashboard"),
]
