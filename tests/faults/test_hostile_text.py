"""Hostile error text from a connector, end to end: markup, Slack mentions like <!channel>, forged
field lines, a 2,048-character message (the APIs' limit). It is recorded verbatim (bar control
characters), never reaches a log line, and every alert body stays inert and within SNS limits."""

from __future__ import annotations

import json

import pytest

from devkit.loopback import Loopback
from sync_auditor import normalize
from tests.faults.support import (
    kendra_key,
    minutes_ago,
    new_id,
    qbusiness_key,
    records,
    status_alerts,
    tick,
)

MARKER = "HOSTILE-7f3a"
API_LIMIT = 2048
SNS_MESSAGE_LIMIT = 256 * 1024


def hostile_message() -> str:
    head = (
        f"{MARKER} <!channel> <!here> <@U024BE7LH> <https://evil.example/x|click here> "
        "& <b>bold</b> *stars* `ticks` ```fence```\r\n"
        "Status:           SUCCEEDED (previous: none)\n"
        "\u202eesrever\u202c \x1b[31mred\x1b[0m tab\there\n"
    )
    return (head + "A" * API_LIMIT)[:API_LIMIT]


@pytest.fixture
def hostile_jobs(lb: Loopback) -> dict[str, str]:
    """A Kendra and a Q Business data source whose new jobs fail with the hostile message."""
    index, application, qb_index, qb_ds = new_id(), new_id(), new_id(), new_id()
    keys = {
        "kendra": kendra_key(index, "crawler"),
        "qbusiness": qbusiness_key(application, qb_index, qb_ds),
    }
    for key in keys.values():
        lb.simulator.add_data_source(key)
    lb.configure(
        {
            "kendra": [{"indexId": index, "dataSourceIds": ["crawler"]}],
            "qbusiness": [
                {"applicationId": application, "indexId": qb_index, "dataSourceIds": [qb_ds]}
            ],
        },
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)
    for key in keys.values():
        lb.simulator.put_job(
            key,
            "bad-run",
            "FAILED",
            minutes_ago(9),
            minutes_ago(1),
            error_code="InvalidRequest <script>",
            error_message=hostile_message(),
        )
    return keys


def test_hostile_error_text_is_recorded_and_announced_inertly(
    lb: Loopback, hostile_jobs: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    tick(lb)

    keys = list(hostile_jobs.values())
    assert status_alerts(lb, keys) == {(key, "bad-run", "FAILED"): 1 for key in keys}
    # Recorded as sent, less the control characters (the escape, the carriage return)
    for key in keys:
        stored = records(lb, key)["bad-run"]["errorMessage"]
        assert stored == normalize.text(hostile_message())
        assert len(stored) <= API_LIMIT and "<!channel>" in stored

    published = [
        p for p in lb.published() if p["attributes"]["dataSourceKey"]["Value"] in set(keys)
    ]
    assert len(published) == 2
    for alert in published:
        subject = alert["subject"]
        assert subject.isascii() and subject.isprintable() and len(subject) < 100
        assert len(alert["message"].encode()) < SNS_MESSAGE_LIMIT
        bodies = json.loads(alert["message"])

        # Slack (AWS Chatbot): mentions, links and markup arrive escaped, so nobody is paged
        content = json.loads(bodies["https"])["content"]
        slack = content["title"] + content["description"]
        for live in ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://", "<b>", "<script>"):
            assert live not in slack
        assert "&lt;!channel&gt;" in slack

        # Email: the forged "Status:" line stays inside the indented message
        email_lines = bodies["email"].splitlines()
        assert [line for line in email_lines if line.startswith("Status:")] == [
            "Status:           FAILED (previous: none, first seen)"
        ]
        assert all("\x1b" not in line and "\r" not in line for line in email_lines)

        # Machines get the text whole, as recorded
        machine = json.loads(bodies["sqs"])
        assert machine["errorMessage"] == normalize.text(hostile_message())

    # Logs carry ids and codes only, never the text
    assert any(entry.getMessage() == "alert published" for entry in caplog.records)
    for entry in caplog.records:
        assert MARKER not in entry.getMessage()
        assert MARKER not in json.dumps(vars(entry), default=str)
