from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from apps.core import checks  # noqa: F401  (registers the deploy checks)
        from apps.core.schedules import post_migrate_schedules

        self._schedules = post_migrate_schedules(
            ("清理过期幂等键", "core.idempotency_keys_purge", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
