"""A command's result as a table for people (the default), JSON, CSV or the AWS CLI's
tab-separated text, optionally reshaped first by a JMESPath `--query`, as the AWS CLI does.

JSON and CSV carry the values as stored, under the contract's attribute names. The table is
for a terminal: text that came from a data source (error messages) is untrusted, so control
and formatting characters are shown escaped instead of being sent to the terminal; so is the
text format's, so one line stays one record.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from sync_auditor_cli.terminal import Terminal

Format = Literal["table", "json", "csv", "text"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv", "text")
Record = Mapping[str, Any]

# The CSV columns, in a fixed order scripts can index: identity, outcome, counts, bookkeeping.
CSV_COLUMNS = (
    "dataSourceKey",
    "executionId",
    "service",
    "applicationId",
    "indexId",
    "dataSourceId",
    "dataSourceName",
    "status",
    "startTime",
    "endTime",
    "durationSeconds",
    "errorCode",
    "errorMessage",
    "dataSourceErrorCode",
    "documentsAdded",
    "documentsModified",
    "documentsDeleted",
    "documentsFailed",
    "documentsScanned",
    "firstSeenAt",
    "updatedAt",
    "backfilled",
    "statusHistory",
    # Added with Bedrock, at the end: the columns before keep their positions.
    "knowledgeBaseId",
    "serviceStatus",
)
MISSING = "-"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Record], Any]
    right: bool = False  # numbers read better right-aligned
    width: int | None = None  # longer text is cut, with an ellipsis
    # Free text (messages, names, keys): cut first when the terminal is narrow, so times,
    # statuses and counts stay whole as long as they can.
    flexible: bool = False


def attribute(
    name: str, *, right: bool = False, width: int | None = None, flexible: bool = False
) -> Column:
    return Column(name_to_header(name), lambda r: r.get(name), right, width, flexible)


def name_to_header(name: str) -> str:
    return "".join(f" {c}" if c.isupper() else c for c in name).upper()


def safe_text(value: Any) -> str:
    """A value as one terminal-safe line: control and format characters escaped."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
        else ch
        for ch in text
    )


def duration(seconds: Any) -> str | None:
    """Seconds as H:MM:SS, the way a person reads a sync's length."""
    if not isinstance(seconds, int | float):
        return None
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def table(columns: Sequence[Column], records: Iterable[Record], terminal: Terminal) -> str:
    """Records under the columns' headers, fitted to the terminal (a header alone if none)."""
    rows = [[_cut(safe_text(c.value(r)), c.width) for c in columns] for r in records]
    return terminal.table(
        [c.header for c in columns],
        rows,
        right=[c.right for c in columns],
        flexible=[c.flexible for c in columns],
    )


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def write_json(value: Any, out: TextIO) -> None:
    json.dump(value, out, indent=2, sort_keys=True)
    out.write("\n")


def write_csv(records: Iterable[Record], out: TextIO, columns: Sequence[str] = CSV_COLUMNS) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_value(record.get(name)) for name in columns])


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def query(expression: str) -> ParsedResult:
    """A --query expression compiled once, before any AWS call, so a typo fails fast."""
    try:
        return jmespath.compile(expression)
    except JMESPathError as error:
        detail = " ".join(str(error).split())
        raise ValueError(
            f"{expression!r} is not a JMESPath expression ({detail}); "
            "e.g. --query '[].executionId' or --query '[?status==`FAILED`].[startTime,executionId]'"
        ) from None


@dataclass(frozen=True)
class View:
    """One command's result: `data` is the JSON form (what --query reads); `rows` and
    `csv_columns` are its CSV and text form, `table` its table for people, when no query
    reshapes it."""

    data: Any
    table: Callable[[Terminal], str]
    rows: Sequence[Record] = ()
    csv_columns: Sequence[str] = field(default=CSV_COLUMNS)


def write_view(
    view: View, fmt: Format, expression: ParsedResult | None, terminal: Terminal, out: TextIO
) -> None:
    if expression is not None:
        _write_any(expression.search(view.data), fmt, terminal, out)
    elif fmt == "json":
        write_json(view.data, out)
    elif fmt == "csv":
        write_csv(view.rows, out, view.csv_columns)
    elif fmt == "text":
        out.write(text([[r.get(name) for name in view.csv_columns] for r in view.rows]))
    else:
        out.write(view.table(terminal))


def records_view(records: Sequence[Record], columns: Sequence[Column]) -> View:
    """A list of job records: the JSON array, the CSV's fixed columns, the table's chosen ones."""
    return View(list(records), lambda terminal: table(columns, records, terminal), records)


def _write_any(value: Any, fmt: Format, terminal: Terminal, out: TextIO) -> None:
    """Whatever shape a query gave: objects become rows under their keys, lists rows of cells."""
    if fmt == "json":
        write_json(value, out)
        return
    if fmt == "text":
        out.write(text(value))
        return
    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    if items and all(isinstance(item, dict) for item in items):
        headers = list(dict.fromkeys(key for item in items for key in item))
        rows = [[item.get(key) for key in headers] for item in items]
    else:
        headers = []
        rows = [item if isinstance(item, list) else [item] for item in items]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        if headers:
            writer.writerow(headers)
        writer.writerows([_csv_value(cell) for cell in row] for row in rows)
        return
    count = max([len(headers)] + [len(row) for row in rows])
    cells = [[safe_text(row[i]) if i < len(row) else "" for i in range(count)] for row in rows]
    out.write(terminal.table(headers or [""] * count, cells, show_header=bool(headers)))


def text(value: Any) -> str:
    """The AWS CLI's text output: a list of lists or objects is one tab-separated line each
    (an object's values in its keys' sorted order), a list of scalars one line, null `None`."""
    if isinstance(value, list) and any(isinstance(item, list | dict) for item in value):
        return "".join(_text_line(item) for item in value)
    return _text_line(value)


def _text_line(value: Any) -> str:
    if isinstance(value, dict):
        value = [value[key] for key in sorted(value)]
    cells = value if isinstance(value, list) else [value]
    return "\t".join(_text_cell(cell) for cell in cells) + "\n"


def _text_cell(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return str(value)  # None, True, False: as the AWS CLI prints them
    if isinstance(value, list | dict):
        value = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return safe_text(value) if value != "" else ""
