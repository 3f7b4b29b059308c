"""A new row and the rows hanging off it, inserted by one SQL statement.

The order path inserts four rows per order (the order, its lines, its log row, its event). Through
the ORM each `create()` compiles its INSERT afresh: on the 2-core benchmark machine that was about
0.6 ms of Python per row and a round trip each, most of an order's cost when many buyers order at
once (bench/hot_chain). Here the statement's text is built once per process and shape from the
models' fields (so a new field is inserted without editing any SQL); the values come from
Django's own `pre_save`/`get_db_prep_save` (defaults, `auto_now_add`, JSON and decimal
adaptation), and the rows go to PostgreSQL as data-modifying CTEs of one statement: the
parent's id, returned by its INSERT, fills each child's foreign key inside the database.

    parent = ParentInsert(order, on_conflict="submission_token")
    order_id = insert_with_children(parent, [ChildInsert(line, link="order"), …])

The parent's `ON CONFLICT (column) DO NOTHING` makes a repeated unique key insert nothing at all
(no children either) and return None, so callers can treat it as "already done" without a read
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models import Field


@dataclass(frozen=True)
class ParentInsert:
    """The first row; its returned id links the children. `on_conflict` names a unique column
    whose repeat should insert nothing instead of failing."""

    instance: models.Model
    on_conflict: str | None = None


@dataclass(frozen=True)
class ChildInsert:
    """A row whose `link` field (a foreign key to the parent, or a plain id column such as an
    event's subject_id) takes the parent's new id."""

    instance: models.Model
    link: str


Shape = tuple[type[models.Model], str | None, tuple[tuple[type[models.Model], str], ...]]


@dataclass(frozen=True)
class _Statement:
    """The SQL for one shape of insert (parent model, conflict column, children's models and
    links), and the fields whose values fill its placeholders, part by part."""

    sql: str
    parent_fields: tuple[Field, ...]
    child_parts: tuple[tuple[tuple[Field, ...], Field], ...]  # (value fields, link field)


def insert_with_children(parent: ParentInsert, children: list[ChildInsert]) -> int | None:
    """Insert the parent and its children in one statement; returns the parent's id, or None
    when `on_conflict` found the unique value taken (then nothing was inserted).

    Sets the id on the parent instance and the link on each child (children's own ids are not
    read back: the order path never uses them). Call inside the caller's transaction."""
    statement = _statement(
        (
            type(parent.instance),
            parent.on_conflict,
            tuple((type(child.instance), child.link) for child in children),
        )
    )
    params = _values(parent.instance, statement.parent_fields)
    for child, (fields, _link) in zip(children, statement.child_parts, strict=True):
        params.extend(_values(child.instance, fields))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    parent_id: int = row[0]
    parent.instance.pk = parent_id
    parent.instance._state.adding = False
    parent.instance._state.db = connection.alias
    for child, (_fields, link) in zip(children, statement.child_parts, strict=True):
        setattr(child.instance, link.attname, parent_id)
    return parent_id


@cache
def _statement(shape: Shape) -> _Statement:
    parent_model, on_conflict, children = shape
    quote = connection.ops.quote_name
    parent_fields = _insertable(parent_model)
    conflict = f" ON CONFLICT ({quote(on_conflict)}) DO NOTHING" if on_conflict else ""
    ctes = [
        f"parent AS (INSERT INTO {quote(parent_model._meta.db_table)}"  # noqa: S608 - names from model meta
        f" ({_column_list(parent_fields)})"
        f" VALUES ({', '.join(['%s'] * len(parent_fields))}){conflict}"
        f" RETURNING {quote(parent_model._meta.pk.column)} AS id)"
    ]
    parts = []
    for index, (model, link_name) in enumerate(children):
        link = _link_field(model, link_name)
        fields = tuple(field for field in _insertable(model) if field is not link)
        # SELECT … FROM parent: no parent row (a conflict), no child row. Each value is cast to
        # its column's type, since a SELECT list does not take types from the target table.
        casts = ", ".join(f"%s::{field.db_type(connection)}" for field in fields)
        ctes.append(
            f"child_{index} AS (INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608 - names from model meta
            f" ({quote(link.column)}, {_column_list(fields)})"
            f" SELECT parent.id, {casts} FROM parent)"
        )
        parts.append((fields, link))
    return _Statement(
        sql=f"WITH {', '.join(ctes)} SELECT id FROM parent",  # noqa: S608 - as above
        parent_fields=parent_fields,
        child_parts=tuple(parts),
    )


def _insertable(model: type[models.Model]) -> tuple[Field, ...]:
    """Every concrete column the ORM would insert, the generated primary key left out."""
    return tuple(
        field
        for field in model._meta.concrete_fields
        if field is not model._meta.auto_field and not getattr(field, "generated", False)
    )


def _link_field(model: type[models.Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name} is not a column of {model.__name__}")
    return field


def _column_list(fields: tuple[Field, ...]) -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


def _values(instance: models.Model, fields: tuple[Field, ...]) -> list[Any]:
    """The values the ORM's own INSERT would send, from the same field methods."""
    return [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection=connection)
        for field in fields
    ]
