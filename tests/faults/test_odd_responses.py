"""Responses with missing or odd fields, sent on the wire exactly as given: what can be read is
recorded, what cannot is left out, a job with no id is skipped, an unknown status is kept open
until it ends; and a response the SDK cannot parse at all is that data source's error, not the
tick's."""

from __future__ import annotations

from typing import Any

from devkit.loopback import Loopback
from tests.faults.support import (
    WHOLE_RECORD,
    kendra_key,
    minutes_ago,
    new_id,
    qbusiness_key,
    records,
    status_alerts,
    tick,
)


def epoch(minutes: float) -> float:
    """A start time as the wire carries it; within the poll's overlap, as a job that just began."""
    return minutes_ago(minutes).timestamp()


def audit(lb: Loopback, index: str, kendra_ids: list[str], qb: tuple[str, str, list[str]]) -> None:
    """Create and configure the data sources (empty), and backfill them."""
    application, qb_index, qb_ids = qb
    for ds in kendra_ids:
        lb.simulator.add_data_source(kendra_key(index, ds))
    for ds in qb_ids:
        lb.simulator.add_data_source(qbusiness_key(application, qb_index, ds))
    lb.configure(
        {
            "kendra": [{"indexId": index, "dataSourceIds": kendra_ids}],
            "qbusiness": [
                {"applicationId": application, "indexId": qb_index, "dataSourceIds": qb_ids}
            ],
        },
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)


def test_odd_fields_are_read_as_far_as_they_go_and_never_stop_the_poll(lb: Loopback) -> None:
    index, application, qb_index, qb_ds = new_id(), new_id(), new_id(), new_id()
    kendra, qbusiness = kendra_key(index, "odd"), qbusiness_key(application, qb_index, qb_ds)
    audit(lb, index, ["odd"], (application, qb_index, [qb_ds]))

    kendra_jobs: list[dict[str, Any]] = [
        # a status the API may add later, counts in every odd form, an unknown member
        {
            "ExecutionId": "k-new-status",
            "Status": "PAUSED",
            "StartTime": epoch(9),
            "Metrics": {
                "DocumentsAdded": "1,234",
                "DocumentsModified": "",
                "DocumentsDeleted": "-5",
                "DocumentsFailed": "abc",
                "DocumentsScanned": " 7 ",
            },
            "SomethingNew": {"nested": True},
        },
        # nothing but an id and a start: no status, no end, no error, no metrics
        {"ExecutionId": "k-bare", "StartTime": epoch(8.5)},
        # terminal without an end time, nulls where strings belong, control characters
        {
            "ExecutionId": "k-failed",
            "Status": "FAILED",
            "StartTime": epoch(8),
            "EndTime": None,
            "ErrorCode": None,
            "ErrorMessage": "line one\nline two\x00\x07\x1b[31m red",
        },
        # an id the API typed as a number
        {"ExecutionId": 42, "Status": "SUCCEEDED", "StartTime": epoch(7.5), "EndTime": epoch(7)},
    ]
    for raw in kendra_jobs:
        lb.simulator.put_raw_job(kendra, raw)
    # no id at all: nothing to key a record on
    lb.simulator.put_raw_job(kendra, {"Status": "FAILED", "StartTime": epoch(6.5)}, "no-id")
    lb.simulator.put_raw_job(
        qbusiness,
        {
            "executionId": "q-odd",
            "status": "INCOMPLETE",
            "startTime": epoch(9),
            "endTime": epoch(2),
            "error": {"errorCode": "InternalError"},  # no errorMessage
            "metrics": {"documentsFailed": "3", "documentsAdded": "n/a"},
        },
    )

    result = tick(lb)

    assert result.total("PollErrors") == 0
    k = records(lb, kendra)
    assert set(k) == {"k-new-status", "k-bare", "k-failed", "42"}
    assert all(WHOLE_RECORD <= set(record) for record in k.values())
    assert (k["k-new-status"]["status"], k["k-bare"]["status"]) == ("UNKNOWN", "UNKNOWN")
    assert {
        name: k["k-new-status"].get(name) for name in ("documentsAdded", "documentsScanned")
    } == {
        "documentsAdded": 1234,
        "documentsScanned": 7,
    }
    for absent in ("documentsModified", "documentsDeleted", "documentsFailed"):
        assert absent not in k["k-new-status"]
    assert "endTime" not in k["k-failed"] and "durationSeconds" not in k["k-failed"]
    assert k["k-failed"]["errorMessage"] == "line one\nline two[31m red"
    q = records(lb, qbusiness)["q-odd"]
    assert (q["errorCode"], q["documentsFailed"]) == ("InternalError", 3)
    assert "errorMessage" not in q and "documentsAdded" not in q
    assert status_alerts(lb, [kendra, qbusiness]) == {
        (kendra, "k-failed", "FAILED"): 1,
        (qbusiness, "q-odd", "INCOMPLETE"): 1,
    }

    # When the job in the unknown status ends, as a well-formed job
    lb.simulator.put_job(kendra, "k-new-status", "FAILED", minutes_ago(9), minutes_ago(1))
    tick(lb)
    tick(lb)

    assert records(lb, kendra)["k-new-status"]["status"] == "FAILED"
    assert status_alerts(lb, [kendra]) == {
        (kendra, "k-failed", "FAILED"): 1,
        (kendra, "k-new-status", "FAILED"): 1,
    }


def test_a_response_the_sdk_cannot_parse_is_that_data_sources_error(lb: Loopback) -> None:
    index, application, qb_index = new_id(), new_id(), new_id()
    qb_bad, qb_good = new_id(), new_id()
    names = ["metrics-not-an-object", "end-time-not-a-time", "fine"]
    keys = {name: kendra_key(index, name) for name in names}
    bad_q, good_q = (qbusiness_key(application, qb_index, ds) for ds in (qb_bad, qb_good))
    audit(lb, index, names, (application, qb_index, [qb_bad, qb_good]))

    lb.simulator.put_raw_job(
        keys["metrics-not-an-object"],
        {"ExecutionId": "m", "Status": "FAILED", "StartTime": epoch(10), "Metrics": "oops"},
    )
    lb.simulator.put_raw_job(
        keys["end-time-not-a-time"],
        {"ExecutionId": "e", "Status": "FAILED", "StartTime": epoch(10), "EndTime": "yesterday"},
    )
    lb.simulator.put_raw_job(
        bad_q,
        {"executionId": "q", "status": "FAILED", "startTime": epoch(10), "error": "boom"},
    )
    lb.simulator.put_job(keys["fine"], "f", "FAILED", minutes_ago(10), minutes_ago(1))
    lb.simulator.put_job(good_q, "g", "INCOMPLETE", minutes_ago(10), minutes_ago(1))

    result = tick(lb)

    assert result.summary["services"]["kendra"]["PollErrors"] == 2
    assert result.summary["services"]["qbusiness"]["PollErrors"] == 1
    assert status_alerts(lb, [*keys.values(), bad_q, good_q]) == {
        (keys["fine"], "f", "FAILED"): 1,
        (good_q, "g", "INCOMPLETE"): 1,
    }
