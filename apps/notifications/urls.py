from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/settings/", views.preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
