from django.urls import path

from apps.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/form-started/<slug:slug>/", views.form_started, name="form_started"),
]
