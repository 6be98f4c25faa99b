"""Names of the job table's keys and indexes: shared by the stack, the functions, the CLI and tests."""

PARTITION_KEY = "dataSourceKey"
SORT_KEY = "executionId"

# One data source's history, newest first: query dataSourceKey, ScanIndexForward=False.
BY_DATA_SOURCE_INDEX = "byDataSource"
# Every job in one status across all sources in a time range: query status + startTime BETWEEN.
BY_STATUS_INDEX = "byStatus"
START_TIME = "startTime"
STATUS = "status"

# TTL attribute, set only when retentionDays is configured (epoch seconds).
EXPIRES_AT = "expiresAt"

# The state table holds poll state (cursors, first attempts, deferrals), notices, the retry
# quota and the alert outbox.
STATE_KEY = "id"
STATE_TTL = "expiration"

# The alert outbox, in the state table: one item per alert (`outbox#<alert id>`). An alert whose
# publish has not succeeded carries PENDING_ALERT; the sparse index on it (sort key CREATED_AT,
# oldest first) is how the notifier's sweep finds what is still to deliver.
OUTBOX_PREFIX = "outbox#"
PENDING_ALERTS_INDEX = "pendingAlerts"
PENDING_ALERT = "pendingAlert"
CREATED_AT = "createdAt"
# What the index carries besides its keys: enough to list, count and age pending alerts. The
# message bodies (several KB) stay out of it, so entering and leaving the index costs one write
# unit each; the sweep gets the body from the write that leases the entry.
PENDING_ALERTS_PROJECTION = (
    "alertType",
    "service",
    "dataSourceKey",
    "executionId",
    "status",
    "subject",
    "attempts",
    "leasedUntil",
    "lastErrorCode",
)
