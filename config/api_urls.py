from django.urls import include, path

urlpatterns = [
    path("", include("apps.chains.api_urls")),
    path("", include("apps.distribution.api_urls")),
    path("", include("apps.ads.api_urls")),
    path("", include("apps.courses.api_urls")),
    path("", include("apps.communities.api_urls")),
    path("", include("apps.rewards.api_urls")),
    path("", include("apps.memberships.api_urls")),
    path("", include("apps.reports.api_urls")),
    path("", include("apps.webhooks.api_urls")),
]
