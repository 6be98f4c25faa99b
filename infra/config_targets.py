"""The targets part of the syncAuditor context, where it used to live.

Each service parses its own key (infra/services/<service>.py) with the settings every service
shares (infra/services/targets.py). These names stay importable from here for the tests that
check them against botocore's models and the ranges, and for code written against this module.
"""

from __future__ import annotations

from infra.services.bedrock import (
    BEDROCK_DATA_SOURCE_ID,
    BEDROCK_KNOWLEDGE_BASE_ID,
    BedrockTarget,
)
from infra.services.kendra import KENDRA_DATA_SOURCE_ID, KENDRA_INDEX_ID, KendraTarget
from infra.services.qbusiness import (
    QBUSINESS_APPLICATION_ID,
    QBUSINESS_DATA_SOURCE_ID,
    QBUSINESS_INDEX_ID,
    QBusinessTarget,
)
from infra.services.targets import (
    ALL,
    BACKOFF_MINUTES_RANGE,
    EXPECT_SYNC_EVERY_HOURS_RANGE,
    MAX_RETRIES_PER_DAY_RANGE,
    SELF_HEALING_FORM,
    SELF_HEALING_KEYS,
    STUCK_AFTER_MINUTES_RANGE,
    TARGET_SETTING_KEYS,
    SelfHealingSettings,
    TargetSettings,
)

__all__ = [
    "ALL",
    "BACKOFF_MINUTES_RANGE",
    "BEDROCK_DATA_SOURCE_ID",
    "BEDROCK_KNOWLEDGE_BASE_ID",
    "EXPECT_SYNC_EVERY_HOURS_RANGE",
    "KENDRA_DATA_SOURCE_ID",
    "KENDRA_INDEX_ID",
    "MAX_RETRIES_PER_DAY_RANGE",
    "QBUSINESS_APPLICATION_ID",
    "QBUSINESS_DATA_SOURCE_ID",
    "QBUSINESS_INDEX_ID",
    "SELF_HEALING_FORM",
    "SELF_HEALING_KEYS",
    "STUCK_AFTER_MINUTES_RANGE",
    "TARGET_SETTING_KEYS",
    "BedrockTarget",
    "KendraTarget",
    "QBusinessTarget",
    "SelfHealingSettings",
    "TargetSettings",
]
