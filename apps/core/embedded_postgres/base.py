from typing import Any

from django.db.backends.postgresql import base

from apps.core.embedded_postgres.server import ensure_database, socket_dir


class DatabaseWrapper(base.DatabaseWrapper):
    """PostgreSQL backend whose server is started lazily, at the first connection a process makes.

    Settings import stays cheap (ruff, mypy, `makemigrations --check` never start a server).
    """

    _database_ready: set[str] = set()

    def get_connection_params(self) -> dict[str, Any]:
        host = socket_dir(self.settings_dict["PGDATA"])
        self.settings_dict["HOST"] = host
        params = super().get_connection_params()
        dbname = params.get("dbname") or "postgres"
        if dbname not in self._database_ready:
            ensure_database(host=host, user=self.settings_dict["USER"], name=dbname)
            self._database_ready.add(dbname)
        return params
