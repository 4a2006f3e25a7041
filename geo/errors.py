"""The one error type of the ``geo`` package."""

from __future__ import annotations


class RouteDataError(ValueError):
    """Bad route, place or boundary data.

    The message is one line that names the file, the record (route id or
    place name), the field and the bad value, and says how to fix it.

    Parameters
    ----------
    problem
        What is wrong and how to fix it, quoting the bad value.
    path
        The file the data came from.
    record
        The route id (or place name, or feature number) at fault.
    field
        The field at fault, e.g. ``waypoints[3].lat`` (or the CSV column).
    line
        The line of a CSV file at fault (the header is line 1).
    """

    def __init__(
        self,
        problem: str,
        *,
        path: object = None,
        record: object = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.record = record
        self.field = field
        self.line = line
        parts = (
            self.path,
            None if line is None else f"line {line}",
            None if record is None else f"record {record!r}",
            field,
        )
        where = [part for part in parts if part]
        super().__init__(": ".join([*where, problem]))


class RouteDataWarning(UserWarning):
    """Input that was read with a change: a skipped feature, dropped heights."""
