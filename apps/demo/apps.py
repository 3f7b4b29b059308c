from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and the one-command local start (`manage.py quickstart`). No models."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "演示数据"
