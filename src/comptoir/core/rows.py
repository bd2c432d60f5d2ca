"""Model instances from plain-SQL rows, for the few queries every request runs.

Building an ORM query and turning its rows into objects costs several times what running
it costs (the shop with its settings rows: 2 ms against 0.2 ms). For those queries:
write the SQL once per process with :func:`columns`, run it, and let :class:`Reused` hand
back copies of the objects this process built from the very same rows, building them
again (:func:`instance`) only when the rows differ. Any change, made by any process,
changes the rows, so nothing is ever stale.
"""

from __future__ import annotations

import copy
import datetime
import threading
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connection
from django.db.models import NOT_PROVIDED, Field, Model, signals

T = TypeVar("T")


def columns(model: type[Model], alias: str, *, only: Sequence[str] = ()) -> tuple[str, list[Field]]:
    """``alias.col, ...`` for every concrete field of ``model`` (or the primary key and
    the fields named in ``only``; the others are deferred, as with ``QuerySet.only``),
    primary key first (NULL when a LEFT JOIN found no row), and those fields in order."""
    select, fields = _columns(model, alias, tuple(only))
    return select, list(fields)


@cache
def _columns(
    model: type[Model], alias: str, only: tuple[str, ...]
) -> tuple[str, tuple[Field, ...]]:
    fields = tuple(
        sorted(
            (
                f
                for f in model._meta.concrete_fields
                if not only or f.primary_key or f.name in only or f.attname in only
            ),
            key=lambda f: not f.primary_key,
        )
    )
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in fields), fields


def instance(model: type[Model], fields: Sequence[Field], values: Sequence[Any]) -> Model | None:
    """The object the ORM would have built from ``values`` (the columns of
    :func:`columns`), or None when its primary key is NULL."""
    if values[0] is None:
        return None
    attnames, converters = _reading(model, tuple(fields))
    if converters:
        values = list(values)
        for index, col, convert in converters:
            values[index] = convert(values[index], col, connection)
    return model.from_db(connection.alias, attnames, values)


@cache
def _reading(
    model: type[Model], fields: tuple[Field, ...]
) -> tuple[list[str], list[tuple[int, Any, Callable[..., Any]]]]:
    """The attribute names of ``fields``, and the database converters the ORM applies
    to their values (index, column, converter), worked out once per model and fields."""
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            converters.append((index, col, convert))
    return [f.attname for f in fields], converters


def refresh_locked(obj: Model, *, no_key: bool = False) -> None:
    """``obj.refresh_from_db(from_queryset=Model.objects.select_for_update(no_key=...))``
    of every column, in plain SQL: the row locked (where the database locks rows) and its
    values set on ``obj`` in place. A cached related object stays unless its key changed.
    Raises ``DoesNotExist`` if the row is gone."""
    model = type(obj)
    select, fields = columns(model, "t")
    quote = connection.ops.quote_name
    pk = model._meta.pk
    sql = f"SELECT {select} FROM {quote(model._meta.db_table)} t WHERE t.{quote(pk.column)} = %s"  # noqa: S608
    features = connection.features
    if features.has_select_for_update:
        sql += (
            " FOR NO KEY UPDATE"
            if no_key and features.has_select_for_no_key_update
            else (" FOR UPDATE")
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk.get_db_prep_value(obj.pk, connection)])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {obj.pk} no longer exists")
    fresh = instance(model, fields, row)
    for field in fields:
        value = getattr(fresh, field.attname)
        if field.is_relation and field.is_cached(obj) and getattr(obj, field.attname) != value:
            field.delete_cached_value(obj)
        setattr(obj, field.attname, value)


def insert(objs: Sequence[Model], *, heard: bool = True) -> None:
    """Save new instances of one model as ``bulk_create`` (or ``save(force_insert=True)``
    for one) would, in one plain-SQL INSERT written once per model: their ``auto_now``
    fields filled, the primary keys the database makes set from RETURNING. The ORM's
    compiler cost about a third of a millisecond per row on the placing request. No model
    signal is sent: a model with receivers, or with a field this cannot write as the ORM
    does, is saved by the ORM. ``heard=False``: the caller has done what the model's
    receivers would do, and the INSERT goes ahead without them."""
    if not objs:
        return
    model = type(objs[0])
    plan = _inserting(model)
    if plan is None or (heard and _saves_are_heard(model)):
        if len(objs) == 1:
            objs[0].save(force_insert=True)
        else:
            model._default_manager.bulk_create(objs)
        return
    fields, head, row, tail = plan
    values = []
    for obj in objs:
        for field in fields:
            values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objs)) + tail, values)
        if tail:
            pk = model._meta.pk.attname
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                setattr(obj, pk, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _saves_are_heard(model: type[Model]) -> bool:
    """Whether a receiver listens for ``model``'s saves: then the ORM saves it, and sends
    the signals."""
    return signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)


@cache
def _inserting(model: type[Model]) -> tuple[list[Field], str, str, str] | None:
    """The fields an INSERT of ``model`` writes, its head, one row's placeholders and its
    RETURNING of the primary key the database makes (empty when the model makes its own);
    None when a field needs more than a plain parameter."""
    meta = model._meta
    auto = meta.auto_field
    features = connection.features
    if meta.parents or (
        auto is not None
        and not (
            features.can_return_columns_from_insert and features.can_return_rows_from_bulk_insert
        )
    ):
        return None
    fields = [f for f in meta.local_concrete_fields if f is not auto]
    for field in fields:
        if (
            getattr(field, "generated", False)
            or field.db_default is not NOT_PROVIDED
            or hasattr(field, "get_placeholder")
        ):
            return None
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(auto.column)}" if auto is not None else ""
    return fields, head, row, tail


def update(obj: Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` in one plain-SQL UPDATE of those columns by
    primary key, written once per model and fields (the ORM's compiler was about a third
    of a millisecond of the placing request, for one column). No model signal is sent: a
    model with receivers, or a field this cannot write as the ORM does, is saved by the
    ORM. Raises DatabaseError as ``save`` does when the row is gone."""
    model = type(obj)
    plan = _updating(model, tuple(fields))
    if plan is None or _saves_are_heard(model):
        obj.save(update_fields=fields)
        return
    targets, sql = plan
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in targets]
    values.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = connection.alias


@cache
def _updating(model: type[Model], names: tuple[str, ...]) -> tuple[list[Field], str] | None:
    """The fields an UPDATE of ``names`` writes and its SQL; None when a field needs more
    than a plain parameter or is no concrete column of the model's own table."""
    meta = model._meta
    targets = [meta.get_field(name) for name in names]
    local = set(meta.local_concrete_fields)
    for field in targets:
        if (
            field not in local
            or field.primary_key
            or getattr(field, "generated", False)
            or hasattr(field, "get_placeholder")
        ):
            return None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    return targets, sql  # type: ignore[return-value]


def relate(obj: Model, relation: str, value: Model | None) -> None:
    """Set ``obj.<relation>`` (a foreign key or one-to-one, either side) to ``value``
    without a query, as ``select_related`` does."""
    obj._meta.get_field(relation).set_cached_value(obj, value)  # type: ignore[union-attr]


def instances(
    row: Sequence[Any], parts: Sequence[tuple[type[Model], list[Field]]]
) -> list[Model | None]:
    """One object per (model, fields) from a row that holds their columns side by side
    (a SELECT of several :func:`columns` over a JOIN)."""
    built, start = [], 0
    for model, fields in parts:
        built.append(instance(model, fields, row[start : start + len(fields)]))
        start += len(fields)
    return built


def attach(obj: Model, relation: str, objects: list[Any]) -> None:
    """Give ``obj.<relation>.all()`` these ``objects`` without a query, as
    ``prefetch_related`` does (the same two attributes of the queryset it stores): for rows
    this request has just read or written itself. The queryset is the relation's own, so
    a query built on it (``obj.<relation>.filter(...)``) still reads only ``obj``'s rows."""
    manager = getattr(obj, relation)
    # Many-to-many managers name their cache; reverse foreign keys use the relation's.
    name = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    # Without an entry, the manager builds the relation's filtered queryset.
    obj._prefetched_objects_cache.pop(name, None)  # type: ignore[attr-defined]
    queryset = manager.all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    obj._prefetched_objects_cache[name] = queryset  # type: ignore[attr-defined]


def remembered(obj: Model, relation: str) -> list[Any] | None:
    """``obj``'s ``relation`` if this request already holds it (:func:`attach`, or
    ``prefetch_related``), else None."""
    cache = getattr(obj, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None


class Reused(Generic[T]):
    """Per key (a host name, a shop): the rows last seen and what was built from them."""

    def __init__(self, build: Callable[[list[tuple[Any, ...]]], T], *, keys: int = 64) -> None:
        self.build = build
        self.keys = keys
        self.known: dict[Any, tuple[list[tuple[Any, ...]], T]] = {}
        self.lock = threading.Lock()

    def get(self, key: Any, rows: list[tuple[Any, ...]]) -> T:
        """A copy of the objects built from ``rows``: what a request changes on its copy
        never reaches another request."""
        known = self.known.get(key)
        if known is None or known[0] != rows:
            known = (rows, self.build(rows))
            with self.lock:
                if len(self.known) >= self.keys:
                    self.known.clear()
                self.known[key] = known
        return clone(known[1])


# Values a copy can share with its original: nothing can change them in place.
_IMMUTABLE = (str, int, float, bool, bytes, Decimal, datetime.date, datetime.time,
              datetime.timedelta, uuid.UUID, type(None))  # fmt: skip


def clone(value: T, memo: dict[int, Any] | None = None) -> T:
    """A deep copy of model instances (their related objects included), lists and dicts,
    sharing the immutable values: what ``copy.deepcopy`` gives, at about a tenth of its
    cost for a model instance, which it takes apart and builds again through pickling's
    protocol. Anything else (a JSON field's nested value, a queryset) goes to deepcopy."""
    if isinstance(value, _IMMUTABLE):
        return value
    memo = {} if memo is None else memo
    done = memo.get(id(value))
    if done is not None:
        return done  # type: ignore[no-any-return]
    if isinstance(value, Model):
        new = object.__new__(type(value))
        memo[id(value)] = new
        attrs = {
            name: clone(item, memo) for name, item in value.__dict__.items() if name != "_state"
        }
        state = attrs["_state"] = copy.copy(value._state)
        # A fresh state: its cached relations copied, its related managers (bound to the
        # original) built again on first use.
        state.__dict__.pop("related_managers_cache", None)
        state.fields_cache = {
            name: clone(item, memo) for name, item in value._state.fields_cache.items()
        }
        new.__dict__.update(attrs)
        return new  # type: ignore[no-any-return]
    if type(value) is list:
        items: list[Any] = []
        memo[id(value)] = items
        items.extend(clone(item, memo) for item in value)
        return items  # type: ignore[return-value]
    if type(value) is dict:
        mapping: dict[Any, Any] = {}
        memo[id(value)] = mapping
        mapping.update((key, clone(item, memo)) for key, item in value.items())
        return mapping  # type: ignore[return-value]
    return copy.deepcopy(value, memo)
