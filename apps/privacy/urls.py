from django.urls import path, re_path

from apps.privacy import views

app_name = "privacy"

urlpatterns = [
    path("my/privacy/", views.privacy_page, name="mine"),
    re_path(r"^my/privacy/export\.(?P<fmt>json|zip)$", views.export, name="export"),
]
