from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from apps.core import checks  # noqa: F401  (registers the deploy checks)
