"""Turn PostgreSQL's "permission denied" into an exit status an administrator can act on."""

from __future__ import annotations

import re

import psycopg

from xtbatch import db
from xtbatch.db import Row
from xtbatch.errors import PrivilegeMissing

_DENIED = re.compile(
    r"permission denied for (?P<kind>table|relation|sequence|function|procedure|schema|"
    r"view|materialized view|database|language|type|large object)\s+(?P<name>\S+)"
)
_OWNER = re.compile(r"must be owner of (?P<kind>[\w ]+?)\s+(?P<name>\S+)$")
_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "MAINTAIN")


def _missing_table_privileges(conn: psycopg.Connection[Row], name: str) -> list[str]:
    try:
        with conn.transaction():
            row = db.fetch_one(conn, "table_privileges", {"name": name})
    except psycopg.Error:
        return []
    if row is None:
        return []
    return [p for p in _TABLE_PRIVILEGES if row.get(p.lower()) is False]


def explain(
    exc: psycopg.errors.InsufficientPrivilege, conn: psycopg.Connection[Row], user: str
) -> PrivilegeMissing:
    """A PrivilegeMissing naming the user, the privilege, the object and the grant to run."""
    text = (exc.diag.message_primary or str(exc)).strip()
    if (match := _DENIED.search(text)) is not None:
        kind, name = match["kind"], match["name"].strip('"')
        kind = "table" if kind == "relation" else kind
        if kind in ("table", "view", "materialized view"):
            missing = _missing_table_privileges(conn, name) if not conn.closed else []
            privilege = ", ".join(missing) if missing else "the needed privilege"
            grant = f"GRANT {', '.join(missing) or 'SELECT'} ON TABLE {name} TO {user};"
        else:
            privilege = {
                "function": "EXECUTE",
                "procedure": "EXECUTE",
                "schema": "USAGE",
                "sequence": "USAGE",
                "database": "CONNECT",
                "language": "USAGE",
                "type": "USAGE",
                "large object": "SELECT",
            }[kind]
            grant = f"GRANT {privilege} ON {kind.upper()} {name} TO {user};"
        return PrivilegeMissing(
            f"Permission denied: database user '{user}' lacks the {privilege} privilege "
            f"on {kind} {name}.\n"
            f"Ask a database administrator to run: {grant}\n"
            "or run xtbatch as a PostgreSQL superuser, as the batch manager's manual advises.\n"
            f"PostgreSQL said: {text}"
        )
    if (match := _OWNER.search(text)) is not None:
        return PrivilegeMissing(
            f"Permission denied: database user '{user}' must own {match['kind']} "
            f"{match['name']} (or be a superuser) for this job.\n"
            "Run xtbatch as a PostgreSQL superuser, as the batch manager's manual advises.\n"
            f"PostgreSQL said: {text}"
        )
    return PrivilegeMissing(
        f"Permission denied for database user '{user}'.\n"
        "Run xtbatch as a PostgreSQL superuser or grant the privilege named below.\n"
        f"PostgreSQL said: {text}"
    )
