from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.chains import views as chain_views
from apps.core import views as core_views

urlpatterns = [
    path("", chain_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("", include("apps.chains.urls")),
    path("", include("apps.courses.urls")),
    path("", include("apps.communities.urls")),
    path("", include("apps.rewards.urls")),
    path("", include("apps.memberships.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.catalog.urls")),
    path("", include("apps.distribution.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

admin.site.site_header = _("团购助手 · 管理后台")
admin.site.site_title = _("团购助手")
admin.site.index_title = _("商家与运营")
