"""Logger, Metrics and Tracer, created once for the whole package.

Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE from the environment;
the defaults here are what the stack sets, so local runs and Lambda emit the same names.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE_NAME = "sync-auditor"
DEFAULT_NAMESPACE = "SyncAuditor"

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE_NAME)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)

logger = Logger()
metrics = Metrics()
tracer = Tracer()
