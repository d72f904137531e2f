"""Which respondents count: the real ones. Decided here, once, for every query.

An author's preview runs as a test respondent (``Respondent.is_test``, see
``services.preview``). Every ORM SELECT that reads ``Respondent`` (as its subject, in a
join or in a subquery) gets the criterion ``NOT is_test`` added by a session hook, so
tracking figures, the response rate, the export, mailing targets, pseudonyms, the
registry and response imports and the admin's respondent pages cannot see a test
respondent, even in a query written later. Only code that means to see them (the
preview itself) says so with ``execution_options(**WITH_TEST)``. A statement built once
and run on every request takes the criterion once, through ``counted_only``.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.base import ExecutableOption
from sqlalchemy.sql.elements import ColumnElement

from intake.models import Respondent

# Execution options of a query that also reads test respondents.
INCLUDE_TEST = "include_test_respondents"
WITH_TEST = {INCLUDE_TEST: True}
# Execution option of a statement that carries the criterion already (``counted_only``).
_HAS_CRITERION = "only_counted_respondents"

S = TypeVar("S", bound=Executable)


def counted() -> ColumnElement[bool]:
    """The criterion every query of respondents gets: real respondents only."""
    return Respondent.is_test.is_(False)


def _criterion() -> ExecutableOption:
    return with_loader_criteria(
        Respondent, lambda cls: cls.is_test.is_(False), include_aliases=True
    )


def counted_only(statement: S) -> S:
    """``statement`` with the criterion the hook would add on each run. For a statement
    built once (the user loader's): adding it per run makes a new statement, whose cache
    key then costs more than running the query."""
    return statement.options(_criterion()).execution_options(**{_HAS_CRITERION: True})


@event.listens_for(Session, "do_orm_execute")
def _only_counted_respondents(state: ORMExecuteState) -> None:
    """Add ``counted()`` to every ORM SELECT, unless it asked for test respondents.

    Loads of an object already in hand (refreshing its columns, following its
    relationships) are left alone: a test respondent the preview loaded stays usable.
    """
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_TEST, False)
        and not state.execution_options.get(_HAS_CRITERION, False)
    ):
        state.statement = state.statement.options(_criterion())
