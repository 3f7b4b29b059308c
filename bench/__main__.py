"""uv run python -m bench <workload>   (workloads: hot_chain)"""

import os
import sys

WORKLOADS = ("hot_chain",)


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.stderr.write(f"usage: python -m bench {{{'|'.join(WORKLOADS)}}}\n")
        sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if sys.argv[1] == "hot_chain":
        from bench import hot_chain

        hot_chain.run()


if __name__ == "__main__":
    main()
