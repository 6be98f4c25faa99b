"""The alert text: subject limits, every field in the body, Chatbot shape, hostile job text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sync_auditor import alert_message
from sync_auditor.alert_message import Alert
from sync_auditor.model import DataSourceRef
from tests.unit.notifier_builders import (
    KENDRA_INDEX,
    KENDRA_KEY,
    QB_APP,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    kendra_job,
    qbusiness_job,
)

# As long as the APIs allow (2,048 characters), and full of Slack markup, controls and unicode.
HOSTILE_ERROR = (
    (
        "<!channel> <!here> <@U123> see <https://evil.example/login|the fix> & `rm -rf` ```\n"
        "Console:          https://evil.example/\r\n"
        "\u202eevil\u200b \x00\x07\x1b[31m データソース 🚨 "
    )
    * 20
)[:2048]
HOSTILE_NAME = "docs\n\r\t<!channel>\x00 データ \u202e" + "x" * 300


def alert_for(job: dict[str, Any], previous: str | None = "SYNCING", region: str = "us-east-1"):
    return Alert.from_job(job, previous_status=previous, region=region)


def assert_valid_subject(subject: str) -> None:
    assert 0 < len(subject) < 100
    assert subject.isascii() and subject.isprintable()
    assert "\n" not in subject and "\r" not in subject


def test_subject_says_status_service_and_data_source_name() -> None:
    # Given a failed Kendra job with a named data source
    alert = alert_for(kendra_job())
    # When the subject is made
    subject = alert_message.subject(alert)
    # Then it names all three on one short ASCII line
    assert subject == "Amazon Kendra sync FAILED: Public docs crawler"
    assert_valid_subject(subject)


def test_subject_falls_back_to_the_id_without_a_usable_name() -> None:
    unnamed = alert_message.subject(alert_for(kendra_job(dataSourceName=None)))
    only_non_ascii = alert_message.subject(alert_for(qbusiness_job(dataSourceName="人事ウィキ")))
    assert unnamed == "Amazon Kendra sync FAILED: web-crawler"
    assert only_non_ascii == f"Amazon Q Business sync INCOMPLETE: {QB_DS}"


def test_subject_stays_one_ascii_line_under_100_with_a_hostile_name() -> None:
    # Given a name with newlines, control and bidi characters, non-ASCII text and 300 more chars
    alert = alert_for(kendra_job(dataSourceName=HOSTILE_NAME))
    # When the subject is made
    subject = alert_message.subject(alert)
    # Then SNS would accept it, and it still starts with the status and service
    assert_valid_subject(subject)
    assert subject.startswith("Amazon Kendra sync FAILED: docs <!channel> x")
    assert subject.endswith("...")


def test_email_text_carries_every_field() -> None:
    # Given a Q Business job with every attribute, and a Kendra one with an error
    qbusiness = alert_message.email_text(alert_for(qbusiness_job(), previous="SYNCING_INDEXING"))
    kendra = alert_message.email_text(alert_for(kendra_job()))
    # Then the text names the service, ids and names, execution, statuses, times and counts
    for expected in (
        "Amazon Q Business data source sync INCOMPLETE",
        f"HR wiki ({QB_DS})",
        f"hr-index ({QB_INDEX})",
        f"HR assistant ({QB_APP})",
        "exec-1",
        "INCOMPLETE (previous: SYNCING_INDEXING)",
        "2026-11-22T10:00:00Z",
        "2026-11-22T11:02:03Z",
        "1h 02m 03s",
        "added 10, modified 2, deleted 1, failed 7, scanned 120",
        f"https://us-east-1.console.aws.amazon.com/amazonq/business/applications/{QB_APP}"
        f"/indices/{QB_INDEX}/datasources/{QB_DS}/details?region=us-east-1",
        QB_KEY,
    ):
        assert expected in qbusiness
    # And the error code, message and data source error code when there are some
    for expected in (
        "Error code:       InternalError",
        "Data source error code: SEED_UNREACHABLE",
        "    The crawler could not reach the seed URL.",
        "Public docs crawler (web-crawler)",
        f"support-index ({KENDRA_INDEX})",
        f"https://us-east-1.console.aws.amazon.com/kendra/home?region=us-east-1"
        f"#indexes/{KENDRA_INDEX}/datasources/web-crawler/details",
    ):
        assert expected in kendra


def test_email_text_for_a_new_job_with_few_attributes() -> None:
    # Given a job first seen already failed, with only keys, service and status
    job = {"dataSourceKey": KENDRA_KEY, "executionId": "e", "service": "kendra", "status": "FAILED"}
    # When the email text is made
    text = alert_message.email_text(alert_for(job, previous=None))
    # Then the absent fields read as unknown or none, not as errors
    assert "FAILED (previous: none, first seen)" in text
    assert "Duration:         unknown" in text
    assert "Documents:        unknown" in text
    assert "Error code:       none" in text


def test_email_text_keeps_hostile_error_text_from_forging_lines() -> None:
    # Given an error message that tries to add its own "Console:" line
    text = alert_message.email_text(alert_for(kendra_job(errorMessage=HOSTILE_ERROR)))
    # Then only the real console line starts a line; the error's lines are indented
    console_lines = [line for line in text.splitlines() if line.startswith("Console:")]
    assert console_lines == [
        f"Console:          https://us-east-1.console.aws.amazon.com/kendra/home?region=us-east-1"
        f"#indexes/{KENDRA_INDEX}/datasources/web-crawler/details"
    ]
    # And no control, bidi or zero-width character gets through
    assert not any(c in text for c in "\x00\x07\x1b\r\u202e\u200b")


def test_chatbot_payload_has_the_custom_notification_shape() -> None:
    # Given a failed Kendra job
    payload = alert_message.chatbot_payload(alert_for(kendra_job()))
    # Then it is an AWS Chatbot custom notification with title, description and next steps
    assert payload["version"] == "1.0"
    assert payload["source"] == "custom"
    content = payload["content"]
    assert content["textType"] == "client-markdown"
    assert content["title"] == "Amazon Kendra sync FAILED: Public docs crawler"
    assert "*Error code:* `InternalError`" in content["description"]
    assert "*Documents:* added 10, modified 2" in content["description"]
    assert content["nextSteps"] == [
        "Open the data source in the console: "
        f"https://us-east-1.console.aws.amazon.com/kendra/home?region=us-east-1"
        f"#indexes/{KENDRA_INDEX}/datasources/web-crawler/details"
    ]
    assert content["keywords"] == ["kendra", "FAILED"]


def test_chatbot_payload_defuses_mentions_links_and_markup_in_job_text() -> None:
    # Given a 2,048-character error message and a name full of Slack markup
    alert = alert_for(kendra_job(errorMessage=HOSTILE_ERROR, dataSourceName=HOSTILE_NAME))
    # When the Chatbot payload is made
    content = alert_message.chatbot_payload(alert)["content"]
    # Then no raw angle bracket survives: no @channel, no user mention, no link
    for text in (content["title"], content["description"]):
        assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt;" in content["description"]
    assert "&lt;@U123&gt;" in content["description"]
    # And the error is one capped line in a code span it cannot close early
    (error_line,) = [line for line in content["description"].splitlines() if "*Error:*" in line]
    assert error_line.count("`") == 2
    assert len(error_line) < alert_message.CHAT_ERROR_LIMIT * 2
    assert "\n" not in content["title"]


def test_machine_document_has_every_field_with_table_names() -> None:
    document = alert_message.machine_document(alert_for(qbusiness_job(), previous="SYNCING"))
    assert document == {
        "alertType": "SYNC_JOB_STATUS",
        "service": "qbusiness",
        "region": "us-east-1",
        "dataSourceKey": QB_KEY,
        "applicationId": QB_APP,
        "applicationName": "HR assistant",
        "indexId": QB_INDEX,
        "indexName": "hr-index",
        "dataSourceId": QB_DS,
        "dataSourceName": "HR wiki",
        "executionId": "exec-1",
        "status": "INCOMPLETE",
        "previousStatus": "SYNCING",
        "startTime": "2026-11-22T10:00:00Z",
        "endTime": "2026-11-22T11:02:03Z",
        "durationSeconds": 3723,
        "errorCode": None,
        "errorMessage": None,
        "dataSourceErrorCode": None,
        "documentsAdded": 10,
        "documentsModified": 2,
        "documentsDeleted": 1,
        "documentsFailed": 7,
        "documentsScanned": 120,
        "consoleUrl": f"https://us-east-1.console.aws.amazon.com/amazonq/business/applications/"
        f"{QB_APP}/indices/{QB_INDEX}/datasources/{QB_DS}/details?region=us-east-1",
    }


def test_message_attributes_let_subscribers_filter() -> None:
    assert alert_message.message_attributes(alert_for(kendra_job())) == {
        "service": "kendra",
        "status": "FAILED",
        "dataSourceKey": KENDRA_KEY,
        "alertType": "SYNC_JOB_STATUS",
    }


def test_build_makes_one_message_with_a_body_per_protocol() -> None:
    # Given an alert
    alert = alert_for(kendra_job())
    # When the SNS message is built
    built = alert_message.build(alert)
    bodies = json.loads(built.message)
    # Then every protocol gets its own string body
    assert set(bodies) == {"default", "email", "sqs", "lambda", "https"}
    assert all(isinstance(body, str) for body in bodies.values())
    assert bodies["default"] == bodies["email"] == alert_message.email_text(alert)
    assert json.loads(bodies["sqs"]) == json.loads(bodies["lambda"])
    assert json.loads(bodies["sqs"]) == alert_message.machine_document(alert)
    assert json.loads(bodies["https"]) == alert_message.chatbot_payload(alert)
    assert built.subject == alert_message.subject(alert)


def test_the_whole_message_stays_far_under_256_kb_with_huge_hostile_text() -> None:
    # Given every free-text attribute far longer than any API allows
    job = kendra_job(
        errorMessage=('\\"<&>' + "🚨" * 4) * 25_000,
        dataSourceName='\\"🚨' * 10_000,
        indexName="<>" * 10_000,
        dataSourceErrorCode="\\" * 10_000,
        executionId="x" * 10_000,
    )
    # When the message is built
    built = alert_message.build(alert_for(job))
    # Then SNS's limit (message + subject + attributes) holds with room to spare
    size = len(built.message.encode()) + len(built.subject) + len(json.dumps(built.attributes))
    assert size < 128 * 1024
    assert_valid_subject(built.subject)


@pytest.mark.parametrize(
    ("region", "expected_start"),
    [
        ("eu-west-1", "https://eu-west-1.console.aws.amazon.com/kendra/home?region=eu-west-1#"),
        ("cn-north-1", "https://cn-north-1.console.amazonaws.cn/kendra/home?region=cn-north-1#"),
        ("us-gov-west-1", "https://console.amazonaws-us-gov.com/kendra/home?region=us-gov-west-1#"),
    ],
)
def test_console_url_follows_the_region_and_partition(region: str, expected_start: str) -> None:
    source = DataSourceRef("kendra", KENDRA_INDEX, "web-crawler")
    url = alert_message.console_url(source, region)
    assert url is not None and url.startswith(expected_start)


def test_no_console_link_when_the_region_is_unknown_or_malformed() -> None:
    source = DataSourceRef("kendra", KENDRA_INDEX, "web-crawler")
    assert alert_message.console_url(source, "") is None
    assert alert_message.console_url(source, "us-east-1/../evil") is None
    payload = alert_message.chatbot_payload(alert_for(kendra_job(), region=""))
    assert "nextSteps" not in payload["content"]
