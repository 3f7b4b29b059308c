from django.urls import path

from apps.ads import views

app_name = "ads"

urlpatterns = [
    path("ads/c/<int:placement_id>/<str:sig>/", views.click, name="click"),
    path("ads/p/<int:placement_id>/<str:sig>.gif", views.pixel, name="pixel"),
    path("ads/reports/", views.campaigns, name="campaigns"),
    path("ads/reports/<int:campaign_id>/", views.report, name="report"),
    path("ads/reports/<int:campaign_id>/csv/", views.report_csv, name="report_csv"),
    path("leader/ads/", views.leader_placements, name="leader_placements"),
    path("leader/ads/<int:placement_id>/", views.leader_decide, name="leader_decide"),
]
