"""The demo's Amazon Bedrock knowledge base, beside the Kendra index and the Q Business
application: a history from before the first deploy, then one ingestion that fails (its reasons,
which only GetIngestionJob gives, in the alert) and one that completes with failed documents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devkit.simulator import Simulator

KNOWLEDGE_BASE = "KBSUPPORT1"
MANUALS = "DSMANUALS1"
WEBSITE = "DSWEBSITE1"
B = f"bedrock#{KNOWLEDGE_BASE}#"
TARGETS: list[dict[str, Any]] = [{"knowledgeBaseId": KNOWLEDGE_BASE}]


def script_inventory(sim: Simulator, now: datetime) -> None:
    sim.add_bedrock_knowledge_base(KNOWLEDGE_BASE, name="support-kb")
    sim.add_data_source(B + MANUALS, name="S3 product manuals")
    sim.add_data_source(B + WEBSITE, name="Support website")
    for day in range(1, 4):
        start = now - timedelta(days=day, hours=1)
        sim.put_ingestion_job(
            B + MANUALS,
            f"HISTMAN00{day}",
            "COMPLETE",
            start,
            start + timedelta(minutes=12),
            statistics={"numberOfDocumentsScanned": 310, "numberOfModifiedDocumentsIndexed": day},
        )


def new_jobs(sim: Simulator, start: datetime, ended: datetime) -> None:
    """Between the first two ticks: a failed ingestion and one with failed documents."""
    sim.put_ingestion_job(
        B + MANUALS,
        "MANFAIL001",
        "FAILED",
        start,
        ended,
        statistics={"numberOfDocumentsScanned": 12, "numberOfDocumentsFailed": 0},
        failure_reasons=[
            "User: arn:aws:sts::123456789012:assumed-role/kb-role is not authorized to perform "
            "s3:GetObject on resource arn:aws:s3:::product-manuals/2026/",
            "Ingestion stopped after 12 documents",
        ],
    )
    sim.put_ingestion_job(
        B + WEBSITE,
        "WEBPART001",
        "COMPLETE",
        start,
        ended,
        statistics={
            "numberOfDocumentsScanned": 420,
            "numberOfNewDocumentsIndexed": 410,
            "numberOfDocumentsFailed": 10,
        },
        failure_reasons=["10 documents exceed the 50 MB file size limit and were not ingested"],
    )
