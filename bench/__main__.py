"""uv run python -m bench <workload>   (workloads: see WORKLOADS and bench/README.md)"""

import os
import sys

WORKLOADS = (
    "hot_chain",
    "hot_chain_http",
    "commission_export",
    "queries",
    "ads_rollup",
    "funnel",
    "reminders",
)


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.stderr.write(f"usage: python -m bench {{{'|'.join(WORKLOADS)}}}\n")
        sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import importlib

    importlib.import_module(f"bench.{sys.argv[1]}").run()


if __name__ == "__main__":
    main()
