"""Targets expand into data sources: explicit lists, whole indexes, whole applications, "all"."""

from __future__ import annotations

from botocore.exceptions import ClientError

from sync_auditor.discovery import Discovery
from sync_auditor.poll_errors import error_code_of

IDX1, IDX2 = "1" * 36, "2" * 36
APP1, APP2 = "a" * 36, "b" * 36
QIDX = "c" * 36


def denied() -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "List")


class Kendra:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def indices(self):  # type: ignore[no-untyped-def]
        self.calls.append("indices")
        return [(IDX1, "docs"), (IDX2, "wiki")]

    def data_sources(self, index_id: str):  # type: ignore[no-untyped-def]
        self.calls.append(f"data_sources {index_id}")
        if index_id == IDX2:
            raise denied()
        return [("web", "Website"), ("s3", None)]


class QBusiness:
    def applications(self):  # type: ignore[no-untyped-def]
        return [(APP1, "helpdesk"), (APP2, "hr")]

    def indices(self, application_id: str):  # type: ignore[no-untyped-def]
        return [(QIDX, "main")] if application_id == APP1 else []

    def data_sources(self, application_id: str, index_id: str):  # type: ignore[no-untyped-def]
        return [("d" * 36, "SharePoint")]


def test_explicit_data_sources_need_no_listing() -> None:
    kendra = Kendra()
    discovery = Discovery(error_code_of)
    discovery.expand("kendra", [{"indexId": IDX1, "dataSourceIds": ["web", "crm"]}], kendra)
    assert [s.key for s in discovery.sources] == [f"kendra#{IDX1}#web", f"kendra#{IDX1}#crm"]
    assert kendra.calls == []


def test_an_index_entry_lists_its_data_sources_with_names() -> None:
    discovery = Discovery(error_code_of)
    discovery.expand("kendra", [{"indexId": IDX1}], Kendra())
    assert [(s.data_source_id, s.data_source_name) for s in discovery.sources] == [
        ("web", "Website"),
        ("s3", None),
    ]


def test_all_lists_every_index_and_one_forbidden_index_does_not_stop_the_rest() -> None:
    discovery = Discovery(error_code_of)
    discovery.expand("kendra", "all", Kendra())
    assert {s.index_id for s in discovery.sources} == {IDX1}
    assert discovery.sources[0].index_name == "docs"
    assert [(e.scope, e.error_code) for e in discovery.errors] == [
        (f"kendra index {IDX2}", "AccessDeniedException")
    ]


def test_qbusiness_application_entries_expand_to_indices_and_data_sources() -> None:
    discovery = Discovery(error_code_of)
    discovery.expand("qbusiness", "all", QBusiness())
    [source] = discovery.sources
    assert source.key == f"qbusiness#{APP1}#{QIDX}#{'d' * 36}"
    assert (source.application_name, source.index_name, source.data_source_name) == (
        "helpdesk",
        "main",
        "SharePoint",
    )


def test_qbusiness_entry_with_index_and_ids_is_taken_as_written() -> None:
    discovery = Discovery(error_code_of)
    discovery.expand(
        "qbusiness",
        [{"applicationId": APP1, "indexId": QIDX, "dataSourceIds": ["e" * 36]}],
        QBusiness(),
    )
    assert [s.key for s in discovery.sources] == [f"qbusiness#{APP1}#{QIDX}#{'e' * 36}"]


def test_listed_data_sources_carry_their_target_as_scope_and_every_scope_attempted_is_known() -> (
    None
):
    discovery = Discovery(error_code_of)
    discovery.expand(
        "kendra",
        [{"indexId": IDX1}, {"indexId": IDX2}, {"indexId": "3" * 36, "dataSourceIds": ["x"]}],
        Kendra(),
    )
    discovery.expand("qbusiness", [{"applicationId": APP1}], QBusiness())

    scopes = {source.key: source.scope for source in discovery.sources}
    assert scopes[f"kendra#{IDX1}#web"] == f"kendra#{IDX1}"
    assert scopes[f"kendra#{'3' * 36}#x"] is None  # listed by id: audited since its own attempt
    assert scopes[f"qbusiness#{APP1}#{QIDX}#{'d' * 36}"] == f"qbusiness#{APP1}"
    # IDX2's listing was refused: its scope is attempted all the same
    assert discovery.scopes == [f"kendra#{IDX1}", f"kendra#{IDX2}", f"qbusiness#{APP1}"]


def test_everything_found_under_all_belongs_to_the_services_scope() -> None:
    discovery = Discovery(error_code_of)
    discovery.expand("kendra", "all", Kendra())
    assert {source.scope for source in discovery.sources} == {"kendra"}
    assert discovery.scopes == ["kendra"]
