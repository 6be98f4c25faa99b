"""Monitoring: the alarms (alarms.py, health_alarms.py) and the dashboard (dashboard.py).

The alarms are created directly in this construct, under their names, so their logical ids
stay those of earlier deployments (an alarm with a fixed name cannot be replaced in place).
"""

from __future__ import annotations

from aws_cdk import aws_cloudwatch_actions as actions
from constructs import Construct

from infra.alarms import AlarmFactory, add_job_event_alarms
from infra.alerts import Alerts
from infra.config import SyncAuditorConfig
from infra.dashboard import build_dashboard
from infra.health_alarms import add_function_alarms, add_notifier_alarms, add_poller_alarms
from infra.notifier import Notifier
from infra.poller import Poller


class Monitoring(Construct):
    """Health alarms notify the alarm topic, job-event alarms nobody; one dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SyncAuditorConfig,
        alerts: Alerts,
        poller: Poller,
        notifier: Notifier,
    ) -> None:
        super().__init__(scope, construct_id)
        # The alarm topic is the only action any alarm gets; the alert topic never one.
        alarms = AlarmFactory(self, actions.SnsAction(alerts.alarm_topic))
        add_job_event_alarms(alarms, config)
        add_poller_alarms(alarms, config, poller)
        add_function_alarms(alarms, poller, notifier)
        add_notifier_alarms(alarms, config, alerts, notifier)
        self.alarms = alarms.alarms
        self.dashboard = build_dashboard(
            self,
            config=config,
            alerts=alerts,
            poller=poller,
            notifier=notifier,
            alarms=self.alarms,
        )
