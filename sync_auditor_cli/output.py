"""Records as a readable table (the default), JSON or CSV (for scripts).

JSON and CSV carry the values as stored, under the contract's attribute names. The table is
for a terminal: text that came from a data source (error messages) is untrusted, so control
and formatting characters are shown escaped instead of being sent to the terminal.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

Format = Literal["table", "json", "csv"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv")
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


def attribute(name: str, *, right: bool = False, width: int | None = None) -> Column:
    return Column(name_to_header(name), lambda r: r.get(name), right, width)


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


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def duration(seconds: Any) -> str | None:
    """Seconds as H:MM:SS, the way a person reads a sync's length."""
    if not isinstance(seconds, int | float):
        return None
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def table(columns: Sequence[Column], records: Iterable[Record]) -> str:
    rows = [[_cut(safe_text(c.value(r)), c.width) for c in columns] for r in records]
    widths = [max([len(c.header)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if column.right else cell.ljust(width)
            for cell, width, column in zip(cells, widths, columns, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line([c.header for c in columns]), *(line(row) for row in rows)]) + "\n"


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


def write_records(
    records: Sequence[Record], fmt: Format, columns: Sequence[Column], out: TextIO
) -> None:
    if fmt == "json":
        write_json(list(records), out)
    elif fmt == "csv":
        write_csv(records, out)
    elif records:  # an empty table is just a header: the caller says "nothing found" instead
        out.write(table(columns, records))
