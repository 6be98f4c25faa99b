"""Lambda defaults in one place, and the Powertools layer.

Powertools (with aws-xray-sdk) comes from its public layer, whose ARN CloudFormation resolves
from a public SSM parameter at deploy time; the code asset is infra/asset.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

# Newest Python runtime aws-cdk-lib knows; cdk-nag's AwsSolutions-L1 accepts only the newest.
RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE: Final = lambda_.Architecture.ARM_64

# Same version as requirements.txt pins for development (a test checks they agree). The SSM
# path names the runtime with its dot ("python3.14"); a version instead of "latest" keeps
# deploys reproducible: the layer changes only when this line does.
POWERTOOLS_VERSION: Final = "3.37.0"
POWERTOOLS_LAYER_PARAMETER: Final = (
    f"/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}"
)

SERVICE_NAME: Final = "sync-auditor"
# Long enough to notice (alarmed at the first message) and act on a weekend's failures.
FAILURE_QUEUE_RETENTION: Final = Duration.days(14)
# botocore attempts per call (first try included) for both functions' clients.
MAX_ATTEMPTS: Final = 5


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The public Powertools layer for arm64/python3.14, looked up by CloudFormation, not synth."""
    arn = ssm.StringParameter.value_for_string_parameter(scope, POWERTOOLS_LAYER_PARAMETER)
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)


def tracing_environment(tracing: bool) -> dict[str, str]:
    """What tells Powertools' Tracer to do no work when X-Ray tracing is off (it is on by default)."""
    return {} if tracing else {"POWERTOOLS_TRACE_DISABLED": "true"}


class AuditorFunction(Construct):
    """A function with the project's defaults: its own role, log group with retention, and
    X-Ray active tracing when the configuration asks for it (`tracing`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        tracing: bool,
        timeout: Duration,
        memory_size: int,
        log_retention: logs.RetentionDays,
        retry_attempts: int | None = None,
        data_layers: Sequence[lambda_.ILayerVersion] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        # Logs are operational detail; the job table is the audit record and is kept.
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        # Own role, and logging scoped to this log group: the managed
        # AWSLambdaBasicExecutionRole would let the function write to any log group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"sync-auditor {construct_id.lower()} function",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            handler=handler,
            description=description,
            code=code,
            # Data layers hold files under /opt/<own directory>, nothing Powertools has.
            layers=[layer, *data_layers],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            environment={**environment, **tracing_environment(tracing)},
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            log_group=self.log_group,
            # DISABLED emits no TracingConfig (Lambda's default, PassThrough, samples nothing
            # itself) and grants no xray:Put*; ACTIVE adds both. Tracing costs cold start (the
            # Tracer's aws_xray_sdk) and X-Ray traces, so it is off unless asked for.
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            retry_attempts=retry_attempts,
        )


def failure_queue(scope: Construct, construct_id: str, *, fifo: bool = False) -> sqs.Queue:
    """A dead-letter queue for invocations or batches that failed for good; TLS only (FIFO
    for a FIFO queue's redrive, which SQS requires)."""
    return sqs.Queue(
        scope,
        construct_id,
        fifo=fifo or None,
        # SQS-managed keys suffice: these queues get invocation metadata and batch
        # coordinates, never job records.
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=FAILURE_QUEUE_RETENTION,
    )


def powertools_environment(namespace: str) -> dict[str, str]:
    """The variables Powertools reads; the names in sync_auditor/observability.py."""
    return {"POWERTOOLS_SERVICE_NAME": SERVICE_NAME, "POWERTOOLS_METRICS_NAMESPACE": namespace}


_RETENTION_BY_DAYS: Final = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def log_retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a day count config.py accepted (jsii names members, not days)."""
    return _RETENTION_BY_DAYS[days]
