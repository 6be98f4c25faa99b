"""Services are plug-ins: each declares itself in infra/services, the rest iterates the registry."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from typing import Any

import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource

from infra import config as cfg
from infra.config import SyncAuditorConfig, load_config
from infra.config_checks import Problems
from infra.services import REGISTRY, SERVICE_KEYS, in_words
from infra.services.base import Grant, InfraService

from .conftest import ROOT, arn, healing_config

# Each service's entries in a scoped form, self-healing included where the sample sets it.
SAMPLE_ENTRIES: dict[str, Any] = {
    "kendra": healing_config()["kendra"],
    "qbusiness": healing_config()["qbusiness"],
    "bedrock": [
        {"knowledgeBaseId": "KB12AB34CD", "dataSourceIds": ["DS56EF78GH"], "selfHealing": {}},
        {"knowledgeBaseId": "KB34MN56OP"},
    ],
}


def test_each_service_has_its_own_key_in_the_configuration() -> None:
    assert len(set(SERVICE_KEYS)) == len(REGISTRY)
    # in registry order, right after the schedule, as the unknown-key message lists them
    assert cfg.KNOWN_KEYS[1 : 1 + len(SERVICE_KEYS)] == SERVICE_KEYS


def test_nothing_outside_the_service_modules_names_a_service() -> None:
    # config_targets.py only re-exports the services' names for code that imports them there.
    names = re.compile(r"\b(" + "|".join(SERVICE_KEYS) + r")\b", re.IGNORECASE)
    sources = [p for p in (ROOT / "infra").glob("*.py") if p.name != "config_targets.py"]

    found = {
        f"{path.name}:{number}"
        for path in [*sources, ROOT / "app.py"]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if names.search(line)
    }

    assert found == set()


def test_the_configuration_loads_without_the_cdk() -> None:
    # The CLI validates cdk.json through infra.config; importing aws_cdk would start jsii.
    code = "import sys, infra.config; print(sorted(m for m in sys.modules if 'aws_cdk' in m))"

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_a_service_s_targets_are_one_value_however_they_are_given(key: str) -> None:
    by_keyword = SyncAuditorConfig(**{key: "all"})

    assert by_keyword == SyncAuditorConfig(targets={key: "all"})
    assert getattr(by_keyword, key) == "all"
    assert by_keyword.services == (key,)
    # a service given no targets audits nothing, and reads as ()
    others = [other for other in SERVICE_KEYS if other != key]
    assert SyncAuditorConfig(**{key: "all", **dict.fromkeys(others, ())}) == by_keyword
    assert all(getattr(by_keyword, other) == () for other in others)


def test_an_unknown_service_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown services"):
        SyncAuditorConfig(targets={"opensearch": "all"})


def test_services_are_listed_in_registry_order_whatever_the_configuration_s_order() -> None:
    raw = {key: "all" for key in reversed(SERVICE_KEYS)}

    assert load_config(raw).services == SERVICE_KEYS


@pytest.mark.parametrize("service", REGISTRY, ids=lambda s: s.key)
def test_a_grant_on_star_always_says_why(service: InfraService) -> None:
    # Given the service audited as "all", its widest form
    targets = service.parse(Problems(), f"syncAuditor.{service.key}", "all")

    grants = service.poller_grants(targets, arn)

    assert grants
    for grant in grants:
        if "*" in grant.resources:
            assert grant.resources == ("*",)
            assert grant.star_reason and grant.action in grant.star_reason


@cache
def iam_actions_and_resources() -> dict[str, Any]:
    """IAM's actions with the resource types each takes, and those types' ARN formats, as
    cfn-lint carries them (generated from the policy data the Service Authorization Reference
    publishes; its W3037 checks templates against it)."""
    data: dict[str, Any] = load_resource(AdditionalSpecs, "Policies.json")
    return data


def arn_pattern(arn_format: str) -> re.Pattern[str]:
    """An ARN format ("arn:${Partition}:bedrock:...:knowledge-base/.*") as a regex over
    conftest.arn's notation."""
    pattern = re.escape(arn_format).replace(re.escape(".*"), ".*")
    for variable, placeholder in (
        ("Partition", "<AWS::Partition>"),
        ("Region", "<AWS::Region>"),
        ("Account", "<AWS::AccountId>"),
    ):
        pattern = pattern.replace(re.escape(f"${{{variable}}}"), re.escape(placeholder))
    return re.compile(pattern)


def test_every_service_has_sample_entries() -> None:
    assert set(SAMPLE_ENTRIES) == set(SERVICE_KEYS)


@pytest.mark.parametrize("form", ["all", "entries"])
@pytest.mark.parametrize("service", REGISTRY, ids=lambda s: s.key)
def test_every_grant_is_an_action_iam_knows_on_a_resource_type_it_takes(
    service: InfraService, form: str
) -> None:
    problems = Problems()
    raw = "all" if form == "all" else SAMPLE_ENTRIES[service.key]
    targets = service.parse(problems, f"syncAuditor.{service.key}", raw)
    assert problems.items == []
    reference = iam_actions_and_resources()

    for grant in service.poller_grants(targets, arn):
        prefix, name = grant.action.split(":")
        resource_types = reference[prefix]["Actions"][name.lower()].get("Resources", [])
        if grant.resources == ("*",):
            # "*" only for an action that supports no resource type
            assert resource_types == [], grant
            continue
        assert resource_types, grant
        patterns = [
            arn_pattern(arn_format)
            for resource_type in resource_types
            for arn_format in reference[prefix]["Resources"][resource_type]["ARNFormats"]
        ]
        for resource in grant.resources:
            assert any(p.fullmatch(resource) for p in patterns), (grant.action, resource)


def test_a_grant_on_star_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a star_reason"):
        Grant("example:ListThings", ("*",))


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_lists_read_as_words(items: list[str], expected: str) -> None:
    assert in_words(items) == expected
