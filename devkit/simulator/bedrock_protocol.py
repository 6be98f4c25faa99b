"""Bedrock's (`bedrock-agent`) wire protocol: REST-JSON (see rest_json.py), signed as `bedrock`.

Its paths (/knowledgebases/...) never meet Q Business's (/applications/...), but the SigV4
scope is what names the service, as it does for AWS's front ends; bodies carry timestamps as
ISO 8601 strings because the model says so member by member, and errors name their fields
in `fieldList`.
"""

from __future__ import annotations

from devkit.simulator.models import ServiceName
from devkit.simulator.rest_json import RestJson

SERVICE: ServiceName = "bedrock-agent"
PROTOCOL = RestJson(SERVICE)
