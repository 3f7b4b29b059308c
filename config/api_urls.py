from django.urls import include, path

urlpatterns = [
    path("", include("apps.chains.api_urls")),
]
