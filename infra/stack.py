"""The sync-auditor stack: composes one construct per capability, nothing else."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.alerts import Alerts
from infra.asset import runtime_code
from infra.config import SyncAuditorConfig
from infra.functions import powertools_layer
from infra.monitoring import Monitoring
from infra.nag import acknowledge_findings
from infra.notifier import Notifier
from infra.poller import Poller
from infra.reader_policy import ReaderPolicy
from infra.tables import AuditTables


class SyncAuditorStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: SyncAuditorConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        code = runtime_code(self, config.bytecode)
        layer = powertools_layer(self)
        self.tables = AuditTables(self, "Tables", retention_days=config.retention_days)
        self.alerts = Alerts(self, "Alerts", config=config)
        self.poller = Poller(
            self, "Poll", config=config, tables=self.tables, code=code, layer=layer
        )
        self.notifier = Notifier(
            self,
            "Notify",
            config=config,
            tables=self.tables,
            alerts=self.alerts,
            code=code,
            layer=layer,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            alerts=self.alerts,
            poller=self.poller,
            notifier=self.notifier,
        )
        self.reader = ReaderPolicy(self, "Reader", tables=self.tables)
        acknowledge_findings(self, config)

        CfnOutput(self, "JobTableName", value=self.tables.job_table.table_name)
        CfnOutput(self, "StateTableName", value=self.tables.state_table.table_name)
        CfnOutput(
            self,
            "AlertTopicArn",
            value=self.alerts.topic.topic_arn,
            description="Subscribe more endpoints here; filter on the message attributes",
        )
        CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.alerts.alarm_topic.topic_arn,
            description="The auditor's health alarms (alarm and OK); subscribe operators here",
        )
        CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name)
        CfnOutput(
            self,
            "ReaderPolicyArn",
            value=self.reader.policy.managed_policy_arn,
            description="Attach to a user, group or role to read the audit history with the CLI",
        )
