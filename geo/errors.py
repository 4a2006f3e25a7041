"""The one error type of the ``geo`` package, its warning, and how both quote values."""

from __future__ import annotations

import datetime as dt
import reprlib

QUOTE_CHARS = 60
"""How many characters of a bad value a message quotes at most."""

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = QUOTE_CHARS


def quote(value: object) -> str:
    """Return a short, one-line ``repr`` of a value for a message.

    Nesting, long strings and long lists are cut (``reprlib``), so a value
    nested a thousand deep or a field of a megabyte still gives a short
    line; so does an integer of thousands of digits, which ``repr`` refuses.

    Parameters
    ----------
    value
        Anything read from a file.

    Returns
    -------
    text
        At most :data:`QUOTE_CHARS` + 3 characters, control characters escaped.
    """
    if isinstance(value, dt.date | dt.time):  # TOML dates and times, as written
        return value.isoformat()
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # int over the str-conversion limit, pathological nesting
        size = f" of {value.bit_length()} bits" if isinstance(value, int) else ""
        text = f"<{type(value).__name__}{size}>"
    text = one_line(text)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."


def one_line(text: str) -> str:
    """Escape line breaks, other control characters and lone surrogates: the text stays one line.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    text
        The same text with every non-printable character but the space
        written as its Python escape (``\\n``, ``\\x00``, ``\\ud800``).
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else ascii(char)[1:-1] for char in text)


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
            None if record is None else f"record {quote(record)}",
            field,
        )
        where = [part for part in parts if part]
        super().__init__(one_line(": ".join([*where, problem])))


class RouteDataWarning(UserWarning):
    """Input that was read with a change: a skipped feature, dropped heights or repeated positions."""
