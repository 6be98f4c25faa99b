"""Amazon Kendra and Amazon Q Business sync-job APIs and Amazon Bedrock Knowledge Bases
ingestion-job APIs on loopback, for tests, demo and benchmarks.

Real boto3 clients talk to it through `endpoint_url` or `AWS_ENDPOINT_URL_KENDRA` /
`AWS_ENDPOINT_URL_QBUSINESS` / `AWS_ENDPOINT_URL_BEDROCK_AGENT`. It serves Kendra
ListDataSourceSyncJobs, StartDataSourceSyncJob, ListIndices, ListDataSources,
DescribeDataSource; Q Business ListDataSourceSyncJobs, StartDataSourceSyncJob,
ListApplications, ListIndices, ListDataSources, GetDataSource; Bedrock (`bedrock-agent`)
ListIngestionJobs, GetIngestionJob, StartIngestionJob, StopIngestionJob, ListKnowledgeBases,
ListDataSources, GetDataSource; on their real wire protocols, validating every request against
botocore's service models.

    from devkit.simulator import Simulator

    with Simulator(seed=0) as sim:                       # or sim.start() / sim.stop()
        sim.put_job("kendra#<indexId>#<dataSourceId>", "exec-1", "FAILED", start, end,
                    error_code="InternalError", metrics={"documentsFailed": "3"})
        kendra = boto3.client("kendra", endpoint_url=sim.url)
        sim.throttle_next(2); sim.rate_limit(10.0); sim.latency_seconds = 0.01
        sim.deny(key); sim.delete_data_source(key); sim.order = "newest_first"
        sim.put_job("bedrock#<kbId>#<dataSourceId>", "JOB0000001", "INCOMPLETE", start, end)
        sim.put_ingestion_job(key, "JOB0000002", "IN_PROGRESS", start)  # Bedrock's own terms
        sim.set_bedrock_status(key, "DELETING")
        sim.stats()                # calls ("bedrock-agent:ListIngestionJobs" ...), throttled ...

`python -m devkit.simulator --port 8700` runs it standalone; `RemoteSimulator(url)` (in
`devkit.simulator.remote`) scripts that process through the JSON control API under /_sim/.
"""

from devkit.simulator.simulator import Simulator

__all__ = ["Simulator"]
