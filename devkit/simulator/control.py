"""The JSON control API under /_sim/, so code in another process can script the simulator.

    GET  /_sim/health                 -> {"ok": true}
    GET  /_sim/stats                  -> Simulator.stats()
    POST /_sim/stats/reset
    GET  /_sim/jobs?key=K             -> {"jobs": Simulator.jobs(K)}
    POST /_sim/jobs                   put_job's fields, or {"jobs": [...]} for many
    POST /_sim/raw-jobs               {"key", "raw", "execution_id"?}
    POST /_sim/data-sources           {"key", "name"?}, or {"data_sources": [...]}
    DELETE /_sim/data-sources?key=K   delete_data_source
    POST /_sim/deny                   {"key", "denied": true|false}
    POST /_sim/kendra-indices         {"index_id", "name"?}
    POST /_sim/qbusiness-applications {"application_id", "name"?}
    POST /_sim/qbusiness-indices      {"application_id", "index_id", "name"?}
    POST /_sim/bedrock-knowledge-bases {"kb_id", "name"?, "status"?}
    POST /_sim/bedrock-status         {"target": dataSourceKey or knowledge base id, "status"}
    POST /_sim/ingestion-jobs         put_ingestion_job's fields, or {"jobs": [...]} for many
    GET  /_sim/knobs;  POST /_sim/knobs  {"latency_seconds", "throttle_next", "rate_limit",
                                          "order", "fail_next": {"count", "code", "message"?,
                                          "operation"?}}

Times are ISO 8601 strings or epoch seconds. Errors: 400 {"error": "..."}; 404 for unknown paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from devkit.simulator.wire import Reply, json_bytes

if TYPE_CHECKING:
    from devkit.simulator.simulator import Simulator
    from devkit.simulator.wire import Request

Document = dict[str, Any]
_JOB_FIELDS = {
    "key",
    "execution_id",
    "status",
    "start_time",
    "end_time",
    "error_code",
    "error_message",
    "data_source_error_code",
    "metrics",
}
_INGESTION_JOB_FIELDS = {
    "key",
    "job_id",
    "status",
    "started_at",
    "updated_at",
    "statistics",
    "failure_reasons",
    "description",
}
_KNOBS = {"latency_seconds", "throttle_next", "rate_limit", "order", "fail_next"}


class ControlError(ValueError):
    pass


def handle(simulator: Simulator, request: Request) -> Reply:
    route = _ROUTES.get((request.method, request.path.rstrip("/")))
    if route is None:
        return Reply(
            404, json_bytes({"error": f"no control route {request.method} {request.path}"})
        )
    try:
        query = {name: values[0] for name, values in parse_qs(request.query).items()}
        body = json.loads(request.body) if request.body.strip() else {}
        result = route(simulator, body, query)
    except (ControlError, ValueError, TypeError, KeyError) as exc:
        return Reply(400, json_bytes({"error": str(exc)}), {"Content-Type": "application/json"})
    return Reply(200, json_bytes(result), {"Content-Type": "application/json"})


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ControlError(f"a time must be ISO 8601 or epoch seconds, not {value!r}")


def _only(document: Any, allowed: set[str], required: set[str]) -> Document:
    if not isinstance(document, dict):
        raise ControlError(f"expected a JSON object, got {document!r}")
    unknown = set(document) - allowed
    missing = required - set(document)
    if unknown or missing:
        raise ControlError(f"unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
    return document


def _many(body: Any, plural: str) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and plural in body:
        return list(body[plural])
    return [body]


def _put_jobs(simulator: Simulator, body: Any, query: Document) -> Document:
    jobs = _many(body, "jobs")
    for job in jobs:
        fields = _only(job, _JOB_FIELDS, {"key", "execution_id", "status"})
        fields = {**fields, "start_time": _moment(fields.get("start_time"))}
        fields["end_time"] = _moment(fields.get("end_time"))
        simulator.put_job(**fields)
    return {"ok": True, "jobs": len(jobs)}


def _put_ingestion_jobs(simulator: Simulator, body: Any, query: Document) -> Document:
    jobs = _many(body, "jobs")
    for job in jobs:
        fields = _only(job, _INGESTION_JOB_FIELDS, {"key", "job_id", "status", "started_at"})
        fields = {**fields, "started_at": _moment(fields["started_at"])}
        fields["updated_at"] = _moment(fields.get("updated_at"))
        simulator.put_ingestion_job(**fields)
    return {"ok": True, "jobs": len(jobs)}


def _add_knowledge_base(simulator: Simulator, body: Any, query: Document) -> Document:
    simulator.add_bedrock_knowledge_base(**_only(body, {"kb_id", "name", "status"}, {"kb_id"}))
    return {"ok": True}


def _set_bedrock_status(simulator: Simulator, body: Any, query: Document) -> Document:
    fields = _only(body, {"target", "status"}, {"target", "status"})
    simulator.set_bedrock_status(fields["target"], fields["status"])
    return {"ok": True}


def _get_jobs(simulator: Simulator, body: Any, query: Document) -> Document:
    return {"jobs": simulator.jobs(query["key"])}


def _put_raw_job(simulator: Simulator, body: Any, query: Document) -> Document:
    fields = _only(body, {"key", "raw", "execution_id"}, {"key", "raw"})
    simulator.put_raw_job(fields["key"], fields["raw"], fields.get("execution_id"))
    return {"ok": True}


def _add_data_sources(simulator: Simulator, body: Any, query: Document) -> Document:
    sources = _many(body, "data_sources")
    for source in sources:
        fields = _only(source, {"key", "name"}, {"key"})
        simulator.add_data_source(fields["key"], fields.get("name"))
    return {"ok": True, "data_sources": len(sources)}


def _delete_data_source(simulator: Simulator, body: Any, query: Document) -> Document:
    simulator.delete_data_source(query.get("key") or body["key"])
    return {"ok": True}


def _deny(simulator: Simulator, body: Any, query: Document) -> Document:
    fields = _only(body, {"key", "denied"}, {"key"})
    (simulator.deny if fields.get("denied", True) else simulator.allow)(fields["key"])
    return {"ok": True}


def _adder(method: str, ids: set[str]) -> Callable[[Simulator, Any, Document], Document]:
    def add(simulator: Simulator, body: Any, query: Document) -> Document:
        getattr(simulator, method)(**_only(body, ids | {"name"}, ids))
        return {"ok": True}

    return add


def _set_knobs(simulator: Simulator, body: Any, query: Document) -> Document:
    knobs = _only(body, _KNOBS, set())
    if "latency_seconds" in knobs:
        simulator.latency_seconds = float(knobs["latency_seconds"])
    if "order" in knobs:
        simulator.order = knobs["order"]
    if "rate_limit" in knobs:
        simulator.rate_limit(knobs["rate_limit"])
    if "throttle_next" in knobs:
        simulator.throttle_next(int(knobs["throttle_next"]))
    if "fail_next" in knobs:
        failure = _only(
            knobs["fail_next"], {"count", "code", "message", "operation"}, {"count", "code"}
        )
        simulator.fail_next(
            int(failure["count"]), failure["code"], failure.get("message"), failure.get("operation")
        )
    return simulator.knobs()


def _get_knobs(simulator: Simulator, body: Any, query: Document) -> Document:
    return simulator.knobs()


def _stats(simulator: Simulator, body: Any, query: Document) -> Document:
    return simulator.stats()


def _reset_stats(simulator: Simulator, body: Any, query: Document) -> Document:
    simulator.reset_stats()
    return {"ok": True}


def _health(simulator: Simulator, body: Any, query: Document) -> Document:
    return {"ok": True}


_ROUTES: dict[tuple[str, str], Callable[[Simulator, Any, Document], Document]] = {
    ("GET", "/_sim/health"): _health,
    ("GET", "/_sim/stats"): _stats,
    ("POST", "/_sim/stats/reset"): _reset_stats,
    ("GET", "/_sim/jobs"): _get_jobs,
    ("POST", "/_sim/jobs"): _put_jobs,
    ("POST", "/_sim/raw-jobs"): _put_raw_job,
    ("POST", "/_sim/data-sources"): _add_data_sources,
    ("DELETE", "/_sim/data-sources"): _delete_data_source,
    ("POST", "/_sim/deny"): _deny,
    ("POST", "/_sim/kendra-indices"): _adder("add_kendra_index", {"index_id"}),
    ("POST", "/_sim/qbusiness-applications"): _adder(
        "add_qbusiness_application", {"application_id"}
    ),
    ("POST", "/_sim/qbusiness-indices"): _adder(
        "add_qbusiness_index", {"application_id", "index_id"}
    ),
    ("POST", "/_sim/bedrock-knowledge-bases"): _add_knowledge_base,
    ("POST", "/_sim/bedrock-status"): _set_bedrock_status,
    ("POST", "/_sim/ingestion-jobs"): _put_ingestion_jobs,
    ("GET", "/_sim/knobs"): _get_knobs,
    ("POST", "/_sim/knobs"): _set_knobs,
}
