"""Amazon Kendra and Amazon Q Business sync-job APIs on loopback, for tests, demo and benchmarks.

from devkit.simulator import Simulator
with Simulator(seed=0) as sim:
    sim.put_job("kendra#<indexId>#<dataSourceId>", "exec-1", "FAILED", start, end)
    boto3.client("kendra", endpoint_url=sim.url).list_data_source_sync_jobs(...)
"""

from devkit.simulator.simulator import Simulator

__all__ = ["Simulator"]
