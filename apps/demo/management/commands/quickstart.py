from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.demo.data import demo_data_load
from apps.demo.management.commands.load_demo import add_force_argument, refuse_external_database
from apps.demo.processes import demo_services, services_run
from apps.demo.report import created_text, logins_text, urls_text

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data, print the demo logins, then serve the site with a Celery "
        "worker and beat until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="stop after migrating and loading the demo"
        )
        parser.add_argument("--port", type=int, default=8000, help="web server port (8000)")
        add_force_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_external_database(force=options["force"])
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=verbosity)
        demo = demo_data_load()
        base_url = f"http://{HOST}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(created_text(demo.created)))
        self.stdout.write(logins_text())
        self.stdout.write(urls_text(base_url))
        if options["no_serve"]:
            return
        # The children open their own connections; this process only waits for them.
        connections.close_all()
        self.stdout.write(self.style.SUCCESS(f"启动网站、Celery worker 和 beat：{base_url}"))
        self.stdout.write("按 Ctrl-C 全部停止")
        self.stdout.flush()
        exit_code = services_run(
            demo_services(base_dir=settings.BASE_DIR, host=HOST, port=options["port"]),
            cwd=settings.BASE_DIR,
            log=self._log,
        )
        if exit_code:
            raise CommandError("a service stopped on its own; see its output above")
        self.stdout.write(self.style.SUCCESS("已全部停止"))

    def _log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
