from django.urls import path

from apps.analytics import views

app_name = "analytics"

urlpatterns = [
    path("leader/analytics/", views.leader_dashboard, name="leader_dashboard"),
    path("analytics/merchant/", views.merchant_dashboard, name="merchant_dashboard"),
    path("analytics/campaigns/", views.campaign_dashboard, name="campaign_dashboard"),
    path("analytics/form-started/<slug:slug>/", views.form_started, name="form_started"),
]
