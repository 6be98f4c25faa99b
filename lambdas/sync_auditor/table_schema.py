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

# The state table holds poll cursors and the notifier's idempotency records.
STATE_KEY = "id"
STATE_TTL = "expiration"
