from django.urls import path

from apps.reports import api

urlpatterns = [
    path("analytics/funnel/", api.FunnelView.as_view(), name="analytics-funnel"),
    path(
        "analytics/dashboards/leader/",
        api.LeaderDashboardView.as_view(),
        name="analytics-leader-dashboard",
    ),
    path(
        "analytics/dashboards/merchant/",
        api.MerchantDashboardView.as_view(),
        name="analytics-merchant-dashboard",
    ),
    path(
        "analytics/dashboards/campaigns/",
        api.CampaignDashboardView.as_view(),
        name="analytics-campaign-dashboard",
    ),
]
