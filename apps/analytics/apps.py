from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The event stream: Event, track(), visitors and their aliases. Reports read it."""

    name = "apps.analytics"
    label = "analytics"
    verbose_name = _("数据分析")
