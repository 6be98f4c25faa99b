"""The end-to-end demo on loopback: scripted sync histories on all three services, several schedule
ticks of the real poller, the real notifier fed from the table's stream, and what a user sees.

Run it with `make demo` (or `python -m devkit.demo`). No AWS account is used: DynamoDB, SNS
and SQS are moto on 127.0.0.1; Kendra, Q Business and Bedrock are the project's simulator.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devkit import demo_bedrock
from devkit.loopback import Loopback, loopback

KENDRA_INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
QB_APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
QB_INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
QB_SHAREPOINT = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
QB_JIRA = "d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f8a"
QB_RETIRED = "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8a9b"

K = f"kendra#{KENDRA_INDEX}#"
KENDRA_SOURCES = [
    ("confluence", "Confluence wiki"),
    ("web-crawler", "Public website"),
    ("s3-manuals", "PDF manuals"),
    ("legacy-ftp", "Legacy FTP share"),
]
Q = f"qbusiness#{QB_APP}#{QB_INDEX}#"


def _script_inventory(lb: Loopback, now: datetime) -> None:
    sim = lb.simulator
    sim.add_kendra_index(KENDRA_INDEX, name="product-docs")
    for ds, name in KENDRA_SOURCES:
        sim.add_kendra_data_source(KENDRA_INDEX, ds, name=name)
    sim.add_qbusiness_application(QB_APP, name="helpdesk-assistant")
    sim.add_qbusiness_index(QB_APP, QB_INDEX, name="helpdesk-index")
    for ds, name in [
        (QB_SHAREPOINT, "SharePoint"),
        (QB_JIRA, "Jira"),
        (QB_RETIRED, "Old file share"),
    ]:
        sim.add_qbusiness_data_source(QB_APP, QB_INDEX, ds, name=name)

    # History from before the first deploy: recorded by the backfill, never alerted.
    for day in range(1, 6):
        start = now - timedelta(days=day, hours=2)
        sim.put_job(
            K + "confluence",
            f"hist-conf-{day}",
            "SUCCEEDED",
            start,
            start + timedelta(minutes=40),
            metrics={
                "documentsAdded": str(day * 3),
                "documentsScanned": "1200",
                "documentsFailed": "0",
            },
        )
    old = now - timedelta(days=3)
    sim.put_job(
        K + "web-crawler",
        "hist-web-1",
        "FAILED",
        old,
        old + timedelta(minutes=5),
        error_code="InternalError",
        error_message="Old failure, before sync-auditor was deployed",
    )
    sim.put_job(
        Q + QB_JIRA,
        "hist-jira-1",
        "SUCCEEDED",
        old,
        old + timedelta(minutes=15),
        metrics={"documentsScanned": "830", "documentsAdded": "830"},
    )
    # Running at the first tick: SharePoint is mid-sync.
    sim.put_job(
        Q + QB_SHAREPOINT,
        "sp-run-1",
        "SYNCING",
        now - timedelta(minutes=20),
        metrics={"documentsScanned": "400"},
    )
    sim.put_job(Q + QB_RETIRED, "retired-1", "SUCCEEDED", old, old + timedelta(minutes=2))
    demo_bedrock.script_inventory(sim, now)


def _scripted_ticks(now: datetime) -> list[tuple[str, Any]]:
    """(what happens before the tick, change to the simulator) for each schedule tick."""

    def tick2(lb: Loopback) -> None:
        sim = lb.simulator
        start = now - timedelta(minutes=4)
        # These jobs end after the first tick ran (the demo's ticks come seconds apart, not
        # minutes): what ends after auditing began is news, never history.
        ended = datetime.now(UTC).replace(microsecond=0)
        sim.put_job(
            K + "confluence",
            "conf-new",
            "SUCCEEDED",
            start,
            ended,
            metrics={
                "documentsAdded": "4",
                "documentsModified": "12",
                "documentsScanned": "1210",
                "documentsFailed": "0",
            },
        )
        # First seen already FAILED: it started and failed between two ticks. Hostile text on purpose.
        sim.put_job(
            K + "web-crawler",
            "web-new",
            "FAILED",
            start,
            ended,
            error_code="InternalError",
            error_message="Crawl aborted: <!channel> robots.txt at https://example.com denied <b>all</b> & retries failed\nsee logs",
            data_source_error_code="WEB_CRAWLER_ROBOTS_DENIED",
            metrics={"documentsScanned": "37", "documentsFailed": "37"},
        )
        sim.put_job(
            K + "s3-manuals",
            "s3-new",
            "INCOMPLETE",
            start,
            ended,
            metrics={"documentsAdded": "120", "documentsFailed": "9", "documentsScanned": "129"},
        )
        sim.put_job(
            Q + QB_SHAREPOINT,
            "sp-run-1",
            "SYNCING_INDEXING",
            now - timedelta(minutes=20),
            metrics={"documentsScanned": "950", "documentsAdded": "900"},
        )
        demo_bedrock.new_jobs(sim, start, ended)

    def tick3(lb: Loopback) -> None:
        """Nothing changes: a quiet tick."""

    def tick4(lb: Loopback) -> None:
        sim = lb.simulator
        # InternalError, the service's own fault (no data source error code), on an application
        # with selfHealing: past its one-minute backoff, so this tick also starts a new sync.
        sim.put_job(
            Q + QB_SHAREPOINT,
            "sp-run-1",
            "FAILED",
            now - timedelta(minutes=20),
            now - timedelta(minutes=2),
            error_code="InternalError",
            error_message="The sync stopped on an internal service error while indexing",
            metrics={"documentsScanned": "950", "documentsAdded": "900", "documentsFailed": "50"},
        )
        sim.delete_data_source(K + "legacy-ftp")  # listed by id in the config: an error, isolated
        sim.delete_data_source(Q + QB_RETIRED)  # found by discovery: it simply drops out
        sim.throttle_next(3)

    def tick5(lb: Loopback) -> None:
        sim = lb.simulator
        (retry,) = [r for r in lb.job_records() if r.get("retryOf") == "sp-run-1"]
        (started,) = [
            j for j in sim.jobs(Q + QB_SHAREPOINT) if j["executionId"] == retry["executionId"]
        ]
        start = datetime.fromisoformat(started["startTime"].replace("Z", "+00:00"))
        sim.put_job(
            Q + QB_SHAREPOINT,
            retry["executionId"],
            "SUCCEEDED",
            start,
            start + timedelta(seconds=30),
            metrics={"documentsScanned": "950", "documentsModified": "50", "documentsFailed": "0"},
        )

    return [
        ("first deploy: backfill 30 days of history (no alerts for old jobs)", None),
        (
            "new jobs: one succeeds, one fails, one ends incomplete; SharePoint still indexing; "
            "a Bedrock ingestion fails and another completes with failed documents",
            tick2,
        ),
        ("quiet tick: nothing changed", tick3),
        (
            "SharePoint fails (InternalError) and self-healing starts it again; a data source "
            "was deleted; the API throttles three calls",
            tick4,
        ),
        ("the retried SharePoint sync succeeds: the failure has healed", tick5),
    ]


def _run_quietly(action: Any) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run a handler, keeping its stdout (JSON logs and EMF) apart from the demo's output."""
    from sync_auditor.observability import logger

    captured = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(captured) if isinstance(handler, logging.StreamHandler) else None
    try:
        with redirect_stdout(captured):
            result = action()
    finally:
        if previous is not None:
            handler.setStream(previous)  # type: ignore[union-attr]
    emf, logs = [], []
    for line in captured.getvalue().splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            emf.append(document)
        elif isinstance(document, dict):
            logs.append(document)
    return result, emf, logs


def _metric_lines(emf: list[dict[str, Any]]) -> list[str]:
    """Sum of each metric over the run, per dimension set, as CloudWatch would aggregate it."""
    totals: dict[tuple[str, str, str], float] = {}
    units: dict[str, str] = {}
    for document in emf:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        for dimension_set in directive["Dimensions"]:
            dims = ", ".join(f"{d}={document[d]}" for d in dimension_set)
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                key = (dims, metric["Name"], directive["Namespace"])
                totals[key] = totals.get(key, 0) + (
                    sum(value) if isinstance(value, list) else value
                )
                units[metric["Name"]] = metric.get("Unit", "")
    return [
        f"    {namespace}/{name:22} [{dims}] = {total:g} {units[name]}"
        for (dims, name, namespace), total in sorted(totals.items())
        if total
    ]


# What the demo audits (the poller's TARGETS; the sandbox's cdk.json for `sync-auditor audit`).
TARGETS: dict[str, Any] = {
    "kendra": [{"indexId": KENDRA_INDEX, "dataSourceIds": [ds for ds, _ in KENDRA_SOURCES]}],
    "qbusiness": [{"applicationId": QB_APP, "selfHealing": {"backoffMinutes": 1}}],
    "bedrock": demo_bedrock.TARGETS,
}
LOOKBACK_DAYS = 30


def main(keep: bool = False, state_dir: Path | None = None, detach: bool = False) -> int:
    """The demo; with `keep`, then the sandbox (devkit/sandbox.py) until stopped."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access log
    now = datetime.now(UTC).replace(microsecond=0)
    with loopback() as lb:
        _script_inventory(lb, now)
        lb.configure(TARGETS, LOOKBACK_DAYS=LOOKBACK_DAYS)
        print(
            "sync-auditor demo on loopback: moto at",
            lb.moto_url,
            "| Kendra + Q Business + Bedrock simulator at",
            lb.simulator.url,
        )
        all_emf: list[dict[str, Any]] = []
        for number, (story, change) in enumerate(_scripted_ticks(now), start=1):
            if change:
                change(lb)
            lb.simulator.reset_stats()
            summary, poll_emf, poll_logs = _run_quietly(lb.poll)
            pump, notify_emf, notify_logs = _run_quietly(lb.notify)
            alerts = lb.received_alerts()
            all_emf += poll_emf + notify_emf
            stats = lb.simulator.stats()
            print(f"\n== tick {number}: {story}")
            for service, counts in summary["services"].items():
                print(
                    f"  {service:9} polled={counts['DataSourcesPolled']} errors={counts['PollErrors']} "
                    f"api_calls={counts['ApiCalls']} jobs_written={counts['JobsWritten']}"
                )
            print(
                f"  simulator saw {sum(stats['calls'].values())} API requests ({stats['throttled']} throttled)"
                f"; DynamoDB write units {summary['writeUnits']:g}; stream records delivered to notifier "
                f"{pump.delivered} (filtered out {pump.filtered_out}); alerts {len(alerts)}"
            )
            for alert in alerts:
                print(f"  -> ALERT {alert['Subject']}")
            for log in poll_logs + notify_logs:
                if log.get("level") in ("WARNING", "ERROR"):
                    fields = {
                        k: log[k] for k in ("dataSourceKey", "errorCode", "scope") if k in log
                    }
                    print(f"  log {log['level']}: {log['message']} {fields}")

        _print_history(lb)
        _print_alerts(lb)
        print("\n== metrics emitted (EMF, non-zero values)")
        for line in _metric_lines(all_emf):
            print(line)
        if keep:
            from devkit import sandbox

            config = {**TARGETS, "lookbackDays": LOOKBACK_DAYS}
            sandbox.hold(lb, config, state_dir or sandbox.STATE_DIR, detach=detach)
    return 0


def _print_history(lb: Loopback) -> None:
    print("\n== audit history (job table)")
    records = sorted(lb.job_records(), key=lambda r: (r["dataSourceKey"], r.get("startTime", "")))
    print(
        f"  {'data source':48} {'execution':12} {'status':17} {'start':21} {'docs failed':>11} flags"
    )
    for r in records:
        source = (
            r["dataSourceKey"].split("#")[-1][:8] if r["service"] != "kendra" else r["dataSourceId"]
        )
        label = f"{r['service']}:{r.get('dataSourceName') or source}"
        history = " > ".join(h["status"] for h in r.get("statusHistory", []))
        flags = "backfilled" if r.get("backfilled") else history
        if r.get("selfHealing"):
            flags += f" (self-healing: {r['selfHealing'].get('outcome')})"
        if r.get("retryOf"):
            flags += f" (retry of {r['retryOf']})"
        print(
            f"  {label:48} {r['executionId'][:12]:12} {r['status']:17} {r.get('startTime', '-'):21} "
            f"{r.get('documentsFailed', '-')!s:>11} {flags}"
        )


def _print_alerts(lb: Loopback) -> None:
    published = lb.published()
    print(
        f"\n== alerts as subscribers receive them ({len(published)} published: one per change "
        "into FAILED/INCOMPLETE, and one per self-healing decision and recovery)"
    )
    for number, alert in enumerate(published, start=1):
        bodies = json.loads(alert["message"])
        print(f"\n--- alert {number}: email to search-oncall@example.com")
        print(f"Subject: {alert['subject']}")
        attributes = {
            name: value.get("Value") for name, value in (alert["attributes"] or {}).items()
        }
        print(f"Message attributes: {attributes}")
        print(bodies["email"])
        print(f"--- alert {number}: Slack via AWS Chatbot (custom notification payload)")
        print(json.dumps(json.loads(bodies["https"]), indent=2))


if __name__ == "__main__":
    sys.exit(main())
