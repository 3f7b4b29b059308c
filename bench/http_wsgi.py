"""WSGI entry of the benchmark server: gunicorn --preload bench.http_wsgi:application.

The URLconf (and with it every view module) is imported here, before gunicorn forks its workers,
so the timed requests measure answering, not each worker's first import."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.http_settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports the views
