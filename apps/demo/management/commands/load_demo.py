from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo.data import demo_data_load
from apps.demo.report import created_text, logins_text


def refuse_external_database(*, force: bool) -> None:
    """The demo logins have printed passwords: keep them out of a real (DATABASE_URL) database."""
    if settings.DATABASE_URL and not force:
        raise CommandError(
            "DATABASE_URL is set: the demo creates logins with published passwords. "
            "Use --force only for a throwaway database."
        )


def add_force_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="load the demo even into the database DATABASE_URL names",
    )


class Command(BaseCommand):
    help = "Load the demo data (merchants, groups, members, chains); loading again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        add_force_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_external_database(force=options["force"])
        demo = demo_data_load()
        self.stdout.write(self.style.SUCCESS(created_text(demo.created)))
        self.stdout.write(logins_text())
