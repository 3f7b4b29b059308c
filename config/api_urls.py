from django.urls import include, path

urlpatterns = [
    path("", include("apps.chains.api_urls")),
    path("", include("apps.communities.api_urls")),
    path("", include("apps.rewards.api_urls")),
]
