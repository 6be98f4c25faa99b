"""A data source the configuration lists by id gets its name looked up once (DescribeDataSource /
GetDataSource), kept in its cursor summary, and carried by its records, so alerts and the CLI
name it; a lookup that fails never stops its poll."""

from __future__ import annotations

from dataclasses import replace

from sync_auditor.model import DataSourceRef
from tests.unit.builders import job
from tests.unit.test_fingerprint import DS, World

NAME = "Public website"


def world_with_name() -> World:
    world = World()
    world.kendra.names[DS.key] = NAME
    return world


def test_a_data_source_listed_by_id_has_its_name_on_its_records_and_summary() -> None:
    # Given a data source listed by id (no name from discovery) with a failed job
    world = world_with_name()
    world.kendra.put(job("FAILED", "run-1", start="2026-11-22T11:00:00Z", source=DS))

    # When it is polled
    world.tick(0)

    # Then its record and its summary carry the looked-up name
    assert world.store.records[(DS.key, "run-1")]["dataSourceName"] == NAME
    summary = world.cursors.summaries[DS.key]
    assert summary is not None and summary.name("dataSourceName") == NAME


def test_the_name_is_looked_up_once_and_then_read_from_the_summary() -> None:
    world = world_with_name()
    world.tick(0)

    # When later ticks find a new job
    world.tick(5)
    world.kendra.put(job("SUCCEEDED", "run-2", start="2026-11-22T12:06:00Z", source=DS))
    world.tick(10)

    # Then no second lookup was made, and the new record is named from the summary
    assert world.kendra.name_lookups == 1
    assert world.store.records[(DS.key, "run-2")]["dataSourceName"] == NAME


def test_a_quiet_data_source_keeps_its_name_without_a_record_and_costs_nothing_after() -> None:
    # Given a data source with no job at all
    world = world_with_name()

    # When it is polled twice
    world.tick(0)
    saves = world.cursors.saves
    world.tick(5)

    # Then the name was kept in its summary by the first tick, and the second wrote nothing
    summary = world.cursors.summaries[DS.key]
    assert summary is not None and summary.name("dataSourceName") == NAME
    assert world.kendra.name_lookups == 1
    assert world.cursors.saves == saves


def test_a_failed_lookup_leaves_the_poll_whole_and_is_tried_again_next_tick() -> None:
    # Given a data source whose DescribeDataSource is refused
    world = world_with_name()
    world.kendra.name_errors[DS.key] = "AccessDeniedException"
    world.kendra.put(job("FAILED", "run-1", start="2026-11-22T11:00:00Z", source=DS))

    # When it is polled
    world.tick(0)

    # Then its job is recorded all the same, unnamed
    assert "dataSourceName" not in world.store.records[(DS.key, "run-1")]

    # And once the lookup works, the next tick names it
    del world.kendra.name_errors[DS.key]
    world.tick(5)
    assert world.kendra.name_lookups == 2
    summary = world.cursors.summaries[DS.key]
    assert summary is not None and summary.name("dataSourceName") == NAME


def test_a_data_source_found_by_listing_is_never_looked_up() -> None:
    world = world_with_name()
    listed: DataSourceRef = replace(DS, data_source_name="Listed name", scope="kendra")
    world.kendra.put(job("FAILED", "run-1", start="2026-11-22T11:00:00Z", source=listed))

    world.tick(0, source=listed)

    assert world.kendra.name_lookups == 0
    assert world.store.records[(DS.key, "run-1")]["dataSourceName"] == "Listed name"


def test_a_listed_name_that_changed_replaces_the_one_in_the_summary() -> None:
    # Given a data source first named by lookup
    world = world_with_name()
    world.tick(0)

    # When discovery now lists it under a new name (renamed in the console)
    renamed = replace(DS, data_source_name="Renamed", scope="kendra")
    world.tick(5, source=renamed)

    # Then the summary (what `sync-auditor status` shows) says the new name
    summary = world.cursors.summaries[DS.key]
    assert summary is not None and summary.name("dataSourceName") == "Renamed"
