"""EventBridge Scheduler invocations of the auditor's functions: each schedule with its own
least-privilege role, bounded retries and a dead-letter queue for deliveries that failed for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.functions import failure_queue

# A missed tick is made up by the next one, so retry a failed delivery briefly, then park it.
RETRY_ATTEMPTS: Final = 2
MAX_EVENT_AGE: Final = Duration.minutes(5)
# The schedules live in the account's default group (no group resource to manage).
SCHEDULE_GROUP: Final = "default"


@dataclass(frozen=True)
class ScheduledInvoke:
    schedule: scheduler.Schedule
    role: iam.Role
    dead_letter_queue: sqs.Queue


def scheduled_invoke(
    scope: Construct,
    function: lambda_.IFunction,
    *,
    expression: scheduler.ScheduleExpression,
    description: str,
    id_prefix: str = "",
    payload: Mapping[str, Any] | None = None,
) -> ScheduledInvoke:
    """A schedule that invokes `function` (with `payload` as its event, if given).

    The constructs are created in `scope` as <prefix>Schedule, <prefix>ScheduleRole and
    <prefix>ScheduleDeadLetterQueue, so their logical ids do not move with this helper.
    """
    dead_letter_queue = failure_queue(scope, f"{id_prefix}ScheduleDeadLetterQueue")
    # The role CDK would make, made here so its one finding can be acknowledged by path, and
    # assumable only by schedules of this account (confused-deputy protection).
    role = iam.Role(
        scope,
        f"{id_prefix}ScheduleRole",
        description=f"sync-auditor: lets the schedule '{description}' invoke its function",
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={
                "StringEquals": {
                    "aws:SourceAccount": Aws.ACCOUNT_ID,
                    "aws:SourceArn": (
                        f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                        f"schedule-group/{SCHEDULE_GROUP}"
                    ),
                }
            },
        ),
    )
    schedule = scheduler.Schedule(
        scope,
        f"{id_prefix}Schedule",
        schedule=expression,
        description=f"sync-auditor: {description}",
        target=targets.LambdaInvoke(
            function,
            input=None if payload is None else scheduler.ScheduleTargetInput.from_object(payload),
            dead_letter_queue=dead_letter_queue,
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=MAX_EVENT_AGE,
            role=role,
        ),
    )
    return ScheduledInvoke(schedule, role, dead_letter_queue)
