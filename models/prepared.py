"""Core statements run on the driver's cursor: the webhook's hot path without SQLAlchemy's
per-statement machinery, and without giving up what that machinery guarantees.

A message runs three to five statements, each of which costs SQLAlchemy more work (building an
execution context, processing parameters and results, making a ``Row``) than the database
spends on it: about 0.1 ms a statement on this machine, a quarter of a message's storage. A
``Prepared`` statement keeps what SQLAlchemy would do, done once:

- its **SQL** is SQLAlchemy's own compilation of a Core statement, per dialect (so tables,
  columns, quoting, casts and ``RETURNING`` are the models', on each engine);
- its **values** go through the bind processors of the columns' own types (``UTCDateTime``'s
  UTC conversion, SQLite's date and boolean formats...), and what it reads through their
  result processors, so what is written reads back the same through the ORM, and the reverse
  (``tests/models/test_prepared.py``);
- it runs through ``Connection._cursor_execute``, SQLAlchemy's path for a statement already in
  SQL: the engine's ``before/after_cursor_execute`` events fire (the read-only guard of
  ``models.base`` and anything a test listens with), and a driver error is translated as for
  any statement: ``IntegrityError``, ``OperationalError``…, and a connection lost with a
  server restart invalidates the pool and raises ``DBAPIError`` with
  ``connection_invalidated`` set, which the pipeline retries on a fresh connection.

A statement's parameters are named bound parameters with the columns' types (values given
when it was built, such as ``version=0``, are kept with it); lists rendered at execution
(``IN`` with an expanding parameter) are refused: their SQL is not known until then.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


class _Compiled(NamedTuple):
    """A statement as one dialect runs it."""

    sql: str
    #: The parameters' names, in the order of a positional paramstyle (``?``), else None.
    positional: tuple[str, ...] | None
    #: Each parameter's name in the SQL (pyformat), its bind processor and its fixed value.
    binds: tuple[tuple[str, str, Processor], ...]
    fixed: Mapping[str, Any]


class Prepared:
    """A Core statement, compiled once for each dialect it runs on."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary())
        self._results: weakref.WeakKeyDictionary[Dialect, tuple[Processor, ...]] = (
            weakref.WeakKeyDictionary())

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params:
            raise ValueError("a statement with parameters rendered at execution (expanding "
                             "IN lists) cannot be prepared")
        fixed: dict[str, Any] = {}
        binds = []
        for name, parameter in compiled.binds.items():
            if not parameter.required:  # a value given when the statement was built
                fixed[name] = parameter.effective_value
            impl = parameter.type.dialect_impl(dialect)
            processor = impl.bind_processor(dialect)
            binds.append((name, compiled.escaped_bind_names.get(name, name), processor))
        positional = tuple(compiled.positiontup) if compiled.positional else None
        if positional is not None and len(set(positional)) != len(positional):
            raise ValueError("a positional statement may name each parameter once")
        return _Compiled(compiled.string, positional, tuple(binds), fixed)

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """Run the statement on ``connection``'s driver cursor, in whatever transaction the
        connection's driver is in; returns the cursor (its rows are the driver's: see
        ``rows``). Raises SQLAlchemy's exceptions, as ``Connection.execute`` does."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self._compile(dialect)
        values = {**compiled.fixed, **parameters}
        converted = {
            key: value if processor is None else processor(value)
            for name, key, processor in compiled.binds
            for value in (values[name],)
        }
        driver: Any = (tuple(converted[name] for name in compiled.positional)
                       if compiled.positional is not None else converted)
        try:
            cursor = connection.connection.cursor()
        except BaseException as error:  # as Core's execution does when a cursor cannot be had
            connection._handle_dbapi_exception(error, compiled.sql, driver, None, None)
        try:
            connection._cursor_execute(cursor, compiled.sql, driver)  # events, errors: as Core's
        except exc.StatementError as error:
            # An error not from the driver (a listener's: ``models.base.ReadOnlyError``) comes
            # out of ``Connection.execute`` as itself; this path would wrap it.
            if isinstance(error, exc.DBAPIError) or error.orig is None:
                raise
            raise error.orig from None
        return cursor

    def rows(self, connection: Connection, cursor: Any) -> list[tuple[Any, ...]]:
        """The rows ``cursor`` returned, each value through its column type's result
        processor (a SELECT's columns, or the ``RETURNING`` columns)."""
        fetched: Sequence[tuple[Any, ...]] = cursor.fetchall()
        processors = self._results.get(connection.dialect)
        if processors is None and fetched:
            processors = self._results[connection.dialect] = self._result_processors(
                connection.dialect, cursor.description)
        cursor.close()
        if not fetched:
            return []
        assert processors is not None
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [tuple(value if p is None else p(value)
                      for p, value in zip(processors, row, strict=True)) for row in fetched]

    def _result_processors(self, dialect: Dialect,
                           description: Sequence[Any]) -> tuple[Processor, ...]:
        columns = list(getattr(self.statement, "exported_columns", ()))  # SELECT or RETURNING
        if len(columns) != len(description):
            raise ValueError("the statement's columns are not the cursor's")
        return tuple(column.type.dialect_impl(dialect).result_processor(dialect, entry[1])
                     for column, entry in zip(columns, description, strict=True))
