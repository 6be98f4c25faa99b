"""Q Business's wire protocol: REST-JSON (see rest_json.py), signed as `qbusiness`."""

from __future__ import annotations

from devkit.simulator.models import ServiceName
from devkit.simulator.rest_json import RestJson

SERVICE: ServiceName = "qbusiness"
PROTOCOL = RestJson(SERVICE)
