"""Names for the data sources the configuration lists by id, so their records, alerts and the
CLI say "FAILED: Public website", not an id.

Discovery's listings carry names; a data source listed by id has none. Its name is looked up
once, with the service's describe call (Kendra DescribeDataSource, Q Business and Bedrock
GetDataSource: a service adapter offers it as `data_source_name(source)`), and kept in the
data source's cursor summary (source_summary.py), which every poll reads anyway: later ticks
take it from there at no cost. A lookup that fails leaves the data source unnamed for this tick
(its jobs are polled and recorded all the same) and is tried again on the next.

A data source renamed in the console keeps the name first looked up; one found by listing
takes its new name at the next discovery refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sync_auditor.model import DataSourceRef
from sync_auditor.observability import logger
from sync_auditor.source_summary import SourceSummary


def named(
    source: DataSourceRef,
    summary: SourceSummary | None,
    api: Any,
    error_code_of: Callable[[Exception], str | None],
) -> DataSourceRef:
    """`source` with the names it lacks: from its summary, else its data source's looked up."""
    remembered = _from_summary(source, summary)
    if remembered.data_source_name:
        return remembered
    lookup = getattr(api, "data_source_name", None)
    if lookup is None:
        return remembered
    try:
        name = lookup(source)
    except Exception as error:
        code = error_code_of(error)
        if code is None:
            raise
        logger.warning(
            "data source name unreadable",
            extra={"dataSourceKey": source.key, "errorCode": code},
        )
        return remembered
    return replace(remembered, data_source_name=name) if name else remembered


def _from_summary(source: DataSourceRef, summary: SourceSummary | None) -> DataSourceRef:
    if summary is None:
        return source
    known = {"dataSourceName": "data_source_name"} | {
        attribute: field for field, attribute in _parent_name_fields(source)
    }
    missing = {
        field: name
        for attribute, field in known.items()
        if getattr(source, field) is None and (name := summary.name(attribute))
    }
    return replace(source, **missing) if missing else source


def _parent_name_fields(source: DataSourceRef) -> list[tuple[str, str]]:
    """(DataSourceRef field, table attribute) of the names of what the data source belongs to."""
    from sync_auditor.services import spec_of  # the service packages build on model.py

    return [(p.name_field, p.name_attribute) for p in spec_of(source.service).parents]
