from csp.decorators import csp_replace
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.chains import views as chain_views
from apps.core import views as core_views

SWAGGER_CDN = "https://cdn.jsdelivr.net"
API_DOCS_CSP = {
    "script-src": ["'self'", SWAGGER_CDN, "'unsafe-inline'"],
    "style-src": ["'self'", SWAGGER_CDN, "'unsafe-inline'"],
    "img-src": ["'self'", "data:", SWAGGER_CDN],
}

urlpatterns = [
    path("", chain_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Swagger UI loads from its CDN and starts with an inline script: its own, looser policy.
        csp_replace(API_DOCS_CSP)(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("", include("apps.chains.urls")),
    path("", include("apps.courses.urls")),
    path("", include("apps.communities.urls")),
    path("", include("apps.rewards.urls")),
    path("", include("apps.memberships.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.catalog.urls")),
    path("", include("apps.distribution.urls")),
    path("", include("apps.analytics.urls")),
    path("", include("apps.reports.urls")),
    path("", include("apps.ads.urls")),
    path("", include("apps.privacy.urls")),
    path("", include("apps.webhooks.urls")),
    path("", include("apps.notifications.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

# JSON 404s under /api/ (the schema promises the error shape), Django's page elsewhere.
handler404 = "apps.core.views.page_not_found"

admin.site.site_header = _("团购助手 · 管理后台")
admin.site.site_title = _("团购助手")
admin.site.index_title = _("商家与运营")
