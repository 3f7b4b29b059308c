from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data and the one-command local start (`manage.py quickstart`). No models."""

    name = "apps.demo"
    label = "demo"
    verbose_name = _("演示数据")
