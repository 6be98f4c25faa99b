"""The only code that talks to SNS: publish one alert to the alerts topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync_auditor.adapters import clients
from sync_auditor.alert_message import AlertMessage


def publish(
    topic_arn: str, alert: AlertMessage, client: Callable[[str], Any] = clients.client
) -> str:
    """Publish with a body per protocol; returns the SNS message id. Errors propagate (the
    alert stays pending in the outbox)."""
    response = client("sns").publish(
        TopicArn=topic_arn,
        Subject=alert.subject,
        Message=alert.message,
        MessageStructure="json",
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in alert.attributes.items()
        },
    )
    return str(response["MessageId"])
