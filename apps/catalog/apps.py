from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import pgettext_lazy


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = pgettext_lazy("app", "商品")

    def ready(self) -> None:
        from apps.catalog.permissions import grant_role_permissions

        post_migrate.connect(grant_role_permissions, sender=self)
