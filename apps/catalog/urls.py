from django.urls import path

from apps.catalog import views

app_name = "catalog"

urlpatterns = [
    path("leader/merchants/", views.leader_merchants, name="leader_merchants"),
]
