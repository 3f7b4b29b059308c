from django.urls import path

from apps.distribution import views

app_name = "distribution"

urlpatterns = [
    path("distribution/", views.my_distribution, name="mine"),
    path("distribution/qr/<str:code>.svg", views.qr_code, name="qr"),
    path("leader/distributors/", views.applications, name="applications"),
    path(
        "leader/distributors/<int:distributor_id>/",
        views.application_decide,
        name="application_decide",
    ),
    path("finance/distribution/", views.finance_report, name="report"),
    path("finance/distribution/batches/", views.batch_create, name="batch_create"),
    path("finance/distribution/batches/<int:batch_id>/", views.batch_detail, name="batch"),
]
