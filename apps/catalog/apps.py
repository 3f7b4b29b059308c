from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "商品"

    def ready(self) -> None:
        from apps.catalog.permissions import grant_role_permissions

        post_migrate.connect(grant_role_permissions, sender=self)
