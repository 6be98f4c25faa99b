"""Notices in the state table: one item per event worth one alert that is not a job change
(a data source's silent period). The item is written only if absent, and its insertion reaches
the notifier through the state table's stream (filter: INSERT of an id starting "notice#")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters import clients
from sync_auditor.adapters.job_table import from_item, to_item
from sync_auditor.model import DataSourceRef, identity_attributes, parse_iso_utc

NOTICE_PREFIX = "notice#"
DATA_SOURCE_SILENT = "DATA_SOURCE_SILENT"
# Kept long enough that one silent period never gets a second notice.
NOTICE_TTL_DAYS = 400


def silent_notice_id(data_source_key: str, since: str) -> str:
    return f"{NOTICE_PREFIX}{DATA_SOURCE_SILENT}#{data_source_key}#{since}"


class SilenceNotices:
    def __init__(
        self, job_table: str, state_table: str, client: Callable[[str], Any] = clients.client
    ) -> None:
        self.job_table = job_table
        self.state_table = state_table
        self._client = client

    def newest_job(self, data_source_key: str) -> dict[str, Any] | None:
        """The data source's job with the newest start time (byDataSource, newest first)."""
        response = self._client("dynamodb").query(
            TableName=self.job_table,
            IndexName=schema.BY_DATA_SOURCE_INDEX,
            KeyConditionExpression="#pk = :key",
            ExpressionAttributeNames={"#pk": schema.PARTITION_KEY},
            ExpressionAttributeValues={":key": {"S": data_source_key}},
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items") or []
        return from_item(items[0]) if items else None

    def put_silent_notice(
        self, source: DataSourceRef, since: str, every_hours: int, now: str
    ) -> bool:
        """Record the silent period starting at `since`; False when it was already recorded."""
        item = {
            schema.STATE_KEY: silent_notice_id(source.key, since),
            "alertType": DATA_SOURCE_SILENT,
            **identity_attributes(source),
            "silentSince": since,
            "expectSyncEveryHours": every_hours,
            "noticedAt": now,
            schema.STATE_TTL: int(parse_iso_utc(now).timestamp()) + NOTICE_TTL_DAYS * 86_400,
        }
        try:
            self._client("dynamodb").put_item(
                TableName=self.state_table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": schema.STATE_KEY},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
