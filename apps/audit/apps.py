from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = _("审计记录")

    def ready(self) -> None:
        from apps.audit import tasks_context

        tasks_context.connect()
