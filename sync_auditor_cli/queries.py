"""The CLI's only DynamoDB and CloudFormation code: where the tables are, and the three questions.

Every read is a Query on the table or one of its indexes, or a GetItem: never a Scan, so a
question costs what it returns, not the size of the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.job_table import from_item
from sync_auditor_cli.aws import Aws
from sync_auditor_cli.errors import CONFIG, CliError
from sync_auditor_cli.table_shape import Kind, problem
from sync_auditor_cli.timerange import TimeRange

DEFAULT_STACK = "SyncAuditor"
JOB_TABLE_ENV = "SYNC_AUDITOR_TABLE"
STATE_TABLE_ENV = "SYNC_AUDITOR_STATE_TABLE"
JOB_TABLE_OUTPUT = "JobTableName"
STATE_TABLE_OUTPUT = "StateTableName"

Record = dict[str, Any]
# What to do about a table of the wrong kind: name the right one.
SHAPE_HINTS: dict[Kind, str] = {
    "job": f"pass the stack's {JOB_TABLE_OUTPUT} output as --table or ${JOB_TABLE_ENV}",
    "state": f"pass the stack's {STATE_TABLE_OUTPUT} output as --state-table or ${STATE_TABLE_ENV}",
}
# What DynamoDB answers a request that does not fit the table: no such table, or a key or
# index the table does not have.
_TABLE_MISFITS = frozenset({"ResourceNotFoundException", "ValidationException"})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code") or "")


class TableNames:
    """Table names from a flag, else an environment variable, else the deployed stack's outputs."""

    def __init__(
        self,
        aws: Aws,
        *,
        stack: str | None,
        job_table: str | None,
        state_table: str | None = None,
        env: Mapping[str, str],
    ) -> None:
        self._aws = aws
        self._stack = stack or DEFAULT_STACK
        self._flags = {JOB_TABLE_OUTPUT: job_table, STATE_TABLE_OUTPUT: state_table}
        self._env = env
        self._outputs: dict[str, str] | None = None

    def job_table(self) -> str:
        return self._resolve(JOB_TABLE_OUTPUT, "--table", JOB_TABLE_ENV)

    def state_table(self) -> str:
        return self._resolve(STATE_TABLE_OUTPUT, "--state-table", STATE_TABLE_ENV)

    def _resolve(self, output: str, flag: str, variable: str) -> str:
        name = self._flags[output] or self._env.get(variable, "").strip()
        if name:
            return name
        outputs = self._stack_outputs(flag, variable)
        if output not in outputs:
            raise CliError(
                f"stack {self._stack!r} has no output {output} (deployed from an older "
                f"version?): pass {flag} or set {variable}",
                CONFIG,
            )
        return outputs[output]

    def _stack_outputs(self, flag: str, variable: str) -> dict[str, str]:
        if self._outputs is None:
            cloudformation = self._aws.client("cloudformation")
            try:
                stacks = cloudformation.describe_stacks(StackName=self._stack)["Stacks"]
            except ClientError as error:
                # DescribeStacks answers ValidationError for exactly one thing: no such stack.
                if _code(error) != "ValidationError":
                    raise
                raise CliError(
                    f"stack {self._stack!r} not found in {self._aws.region}: pass {flag} or set "
                    f"{variable}, or --stack NAME / --region if it was deployed elsewhere",
                    CONFIG,
                ) from None
            outputs = (stacks[0].get("Outputs") or []) if stacks else []
            self._outputs = {o["OutputKey"]: o["OutputValue"] for o in outputs}
        return self._outputs


def _key_condition(
    equals: str, window: TimeRange, names: dict[str, str], values: dict[str, Any]
) -> str:
    """`<equals> [AND startTime <range>]`, adding the names and values it uses (DynamoDB rejects
    a request that declares one it does not use)."""
    if not (window.start or window.end):
        return equals
    names["#start"] = schema.START_TIME
    if window.start and window.end:
        values[":from"] = {"S": window.start}
        values[":to"] = {"S": window.end}
        return f"{equals} AND #start BETWEEN :from AND :to"
    if window.start:
        values[":from"] = {"S": window.start}
        return f"{equals} AND #start >= :from"
    values[":to"] = {"S": window.end}
    return f"{equals} AND #start <= :to"


def _newest_first(records: list[Record]) -> list[Record]:
    return sorted(
        records,
        key=lambda r: (
            r.get(schema.START_TIME, ""),
            r.get(schema.PARTITION_KEY, ""),
            r.get(schema.SORT_KEY, ""),
        ),
        reverse=True,
    )


class JobQueries:
    def __init__(self, aws: Aws, table: str) -> None:
        self._aws = aws
        self.table = table

    @contextmanager
    def _table_errors(self) -> Iterator[None]:
        """A request the table cannot answer is explained by the table itself: one DescribeTable,
        only then (the happy path costs nothing more), says whether it is missing or of
        another kind. A real job table's own validation errors pass through unchanged."""
        try:
            yield
        except ClientError as error:
            if _code(error) not in _TABLE_MISFITS:
                raise
            try:
                ensure_table(self._aws, self.table, "job", f"--table / {JOB_TABLE_ENV}")
            except ClientError:
                # Not allowed to describe it (DescribeTable is optional for the query
                # commands): DynamoDB's first answer is the better message.
                raise error from None
            raise

    def _query(self, request: dict[str, Any], limit: int | None) -> list[Record]:
        """Every record the query matches, page after page, stopping once `limit` are in hand."""
        records: list[Record] = []
        paginator = self._aws.client("dynamodb").get_paginator("query")
        with self._table_errors():
            for page in paginator.paginate(TableName=self.table, **request):
                records += [from_item(item) for item in page.get("Items", [])]
                if limit is not None and len(records) >= limit:
                    break
        return records[:limit] if limit is not None else records

    def history(
        self, key: str, window: TimeRange, statuses: Sequence[str], limit: int | None
    ) -> list[Record]:
        """One data source's jobs, newest first, on the byDataSource index."""
        names = {"#key": schema.PARTITION_KEY}
        values: dict[str, Any] = {":key": {"S": key}}
        request: dict[str, Any] = {
            "IndexName": schema.BY_DATA_SOURCE_INDEX,
            "KeyConditionExpression": _key_condition("#key = :key", window, names, values),
            "ScanIndexForward": False,
        }
        if statuses:
            names["#status"] = schema.STATUS
            placeholders = [f":s{n}" for n in range(len(statuses))]
            values.update({p: {"S": s} for p, s in zip(placeholders, statuses, strict=True)})
            request["FilterExpression"] = f"#status IN ({', '.join(placeholders)})"
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
        # The index orders by startTime only: re-sort so ties come out in a stable order.
        return _newest_first(self._query(request, limit))

    def knows_data_source(self, key: str) -> bool:
        """Whether any job of this data source is recorded (one key-only read on the table)."""
        request = {
            "KeyConditionExpression": "#key = :key",
            "ExpressionAttributeNames": {"#key": schema.PARTITION_KEY},
            "ExpressionAttributeValues": {":key": {"S": key}},
            "ProjectionExpression": "#key",
            "Limit": 1,
        }
        with self._table_errors():
            response = self._aws.client("dynamodb").query(TableName=self.table, **request)
        return bool(response.get("Items"))

    def by_status(
        self,
        statuses: Sequence[str],
        window: TimeRange,
        service: str | None,
        limit: int | None,
    ) -> list[Record]:
        """Jobs in these statuses across all data sources: one byStatus query per status, merged."""
        found: list[Record] = []
        for status in statuses:
            names = {"#status": schema.STATUS}
            values: dict[str, Any] = {":status": {"S": status}}
            request: dict[str, Any] = {
                "IndexName": schema.BY_STATUS_INDEX,
                "KeyConditionExpression": _key_condition(
                    "#status = :status", window, names, values
                ),
                "ScanIndexForward": False,
            }
            if service:
                names["#service"] = "service"
                values[":service"] = {"S": service}
                request["FilterExpression"] = "#service = :service"
            request["ExpressionAttributeNames"] = names
            request["ExpressionAttributeValues"] = values
            found += self._query(request, limit)
        merged = _newest_first(found)
        return merged[:limit] if limit is not None else merged

    def job(self, key: str, execution_id: str) -> Record | None:
        with self._table_errors():
            response = self._aws.client("dynamodb").get_item(
                TableName=self.table,
                Key={schema.PARTITION_KEY: {"S": key}, schema.SORT_KEY: {"S": execution_id}},
            )
        item = response.get("Item")
        return from_item(item) if item else None


def ensure_table(aws: Aws, name: str, kind: Kind, source: str) -> None:
    """Fail before any work if the table does not exist or is not a sync-auditor `kind` table,
    naming the table and where its name came from (flag or variable)."""
    try:
        description = aws.client("dynamodb").describe_table(TableName=name)["Table"]
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        raise CliError(
            f"table {name!r} does not exist in {aws.region}: check {source}, or "
            "--region / --profile for the account it was deployed to",
            CONFIG,
        ) from None
    wrong = problem(name, description, kind, SHAPE_HINTS[kind])
    if wrong:
        raise CliError(wrong, CONFIG)


def checked_state_table(args: Any, env: Mapping[str, str]) -> tuple[Aws, str]:
    """The AWS session and state table a command's flags name, checked to be a state table."""
    aws = Aws(profile=args.profile, region=args.region)
    state_table = TableNames(
        aws, stack=args.stack, job_table=None, state_table=args.state_table, env=env
    ).state_table()
    ensure_table(
        aws, state_table, "state", f"--state-table / {STATE_TABLE_ENV} / the stack's outputs"
    )
    return aws, state_table
