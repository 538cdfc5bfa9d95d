"""Tryton's batch path: a page of entries in a few requests, each entry still exactly once.

The tests share one database (entries have fresh Pleo ids and merchants, so they do not meet).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from exporthub.connectors.base import AccountUnknownError, ExternalRef, Party, PermanentError
from exporthub.connectors.registry import build_connector
from tests.connectors.conftest import TRYTON_CHART, tryton_config
from tests.connectors.entries import PDF, make_entry

LINE_FIELDS = ["number", "state", "description", "lines.account.code", "lines.debit"]
LINE_FIELDS += ["lines.credit", "lines.party.name"]


@pytest.fixture(scope="module")
def batch_database(tryton_server):
    name = tryton_server.clone()
    yield name
    tryton_server.drop(name)


@pytest.fixture
def config(tryton_server, batch_database):
    return tryton_config(tryton_server, batch_database)


@pytest.fixture
def connector(config):
    with build_connector(config) as connector:
        yield connector


def page_of(size: int, merchant: str = "") -> list:
    merchant = merchant or f"Merchant {uuid.uuid4().hex[:8]}"
    return [
        make_entry(TRYTON_CHART, gross=f"{10 + n}.00", party=Party(merchant)) for n in range(size)
    ]


def moves_of(connector, refs: list[ExternalRef]) -> dict[int, dict]:
    rows = connector.client.search(
        "account.move", [("id", "in", [int(ref.id) for ref in refs])], LINE_FIELDS
    )
    return {row["id"]: row for row in rows}


def assert_booked(connector, entries, refs) -> None:
    """Each entry is one posted move whose lines carry its accounts and amounts exactly."""
    moves = moves_of(connector, refs)
    for entry, ref in zip(entries, refs, strict=True):
        move = moves[int(ref.id)]
        assert move["state"] == "posted"
        assert ref.label == move["number"] != ""
        assert move["description"].startswith(f"pleo:{entry.pleo_id} ")
        booked = sorted(
            (line["account"]["code"], line["debit"], line["credit"]) for line in move["lines"]
        )
        expected = sorted((line.account, line.debit, line.credit) for line in entry.lines)
        assert booked == expected
        payable = [line for line in move["lines"] if line["account"]["code"] == "2.1.1"]
        assert [line["party"]["name"] for line in payable] == [entry.party.name]
        assert connector.client.search(
            "account.move", [("description", "like", f"pleo:{entry.pleo_id} %")], ["id"]
        ) == [{"id": int(ref.id), "__name__": "account.move"}]


def attachments_of(connector, refs) -> list[tuple[str, str, bytes]]:
    rows = connector.client.search(
        "ir.attachment",
        [("resource", "in", [f"account.move,{ref.id}" for ref in refs])],
        ["resource", "name", "data"],
    )
    return sorted((row["resource"], row["name"], row["data"]) for row in rows)


def test_a_page_is_posted_in_seven_requests_on_the_right_accounts(connector):
    entries = page_of(20)
    connector.check_connection()  # as the engine does at the start of a job
    connector.validate(entries[0])  # master data: read once per job, not per page
    connector.client.requests.clear()

    refs = connector.post_many(entries)

    assert dict(connector.client.requests) == {
        "search account.move": 2,  # the page's existing moves; the numbers after posting
        "search party.party": 1,
        "create party.party": 1,
        "create account.move": 1,
        "create ir.attachment": 1,
        "rpc": 1,  # account.move.post, the whole page
    }
    assert sum(connector.client.requests.values()) <= 3 * len(entries)
    assert_booked(connector, entries, refs)
    assert attachments_of(connector, refs) == sorted(
        (f"account.move,{ref.id}", "receipt lunch.pdf", PDF) for ref in refs
    )
    assert [(ref.id, ref.label) for ref in refs] == [
        (str(move["id"]), move["number"])
        for move in (moves_of(connector, refs)[int(ref.id)] for ref in refs)
    ]


def test_post_searches_right_before_writing_and_reads_no_period(connector):
    first, second = page_of(2)
    connector.check_connection()
    connector.validate(first)
    connector.client.requests.clear()

    for entry in (first, second):
        assert connector.find(entry.pleo_id) is None
        connector.validate(entry)
        connector.post(entry)

    assert dict(connector.client.requests) == {
        "search account.move": 4,  # find(), and post() again right before writing
        "search party.party": 1,  # the merchant, once
        "create party.party": 1,
        "create account.move": 2,
        "create ir.attachment": 2,
        "post account.move": 2,  # answers the number too
    }


def test_posted_entries_in_a_page_keep_their_references_and_are_not_written_again(connector):
    entries = page_of(5)
    earlier = connector.post_many(entries[:3])

    refs = connector.post_many(entries)

    assert refs[:3] == earlier
    assert_booked(connector, entries, refs)
    assert len(attachments_of(connector, refs)) == 5


def test_one_bad_entry_fails_alone_and_the_rest_of_the_page_is_posted(connector):
    entries = page_of(4)
    line = entries[1].lines[0]
    entries[1] = entries[1].replace(lines=(replace(line, account="9.9.9"), *entries[1].lines[1:]))
    # An account that became a view account since the job read the chart: our checks pass, and
    # Tryton refuses the page's create; the page is retried entry by entry.
    (view,) = connector.client.search("account.account", [("code", "=", "1.0.0")], ["id"])
    connector._accounts["1.0.0"] = {**connector._accounts["5.1.3"], "id": view["id"]}
    line = entries[3].lines[0]
    entries[3] = entries[3].replace(lines=(replace(line, account="1.0.0"), *entries[3].lines[1:]))

    results = connector.post_many(entries)

    assert isinstance(results[1], AccountUnknownError)
    assert type(results[3]) is PermanentError
    assert 'for field "Account"' in results[3].message
    assert_booked(connector, [entries[0], entries[2]], [results[0], results[2]])
    for entry in (entries[1], entries[3]):
        assert connector.find(entry.pleo_id) is None
        assert not connector.client.search(
            "account.move", [("description", "like", f"pleo:{entry.pleo_id} %")], ["id"]
        )


def test_without_a_login_each_move_is_posted_over_rest(tryton_server, batch_database):
    entries = page_of(3)
    config = tryton_config(tryton_server, batch_database, password="")
    with build_connector(config) as connector:
        refs = connector.post_many(entries)

        assert connector.client.requests["post account.move"] == 3
        assert "rpc" not in connector.client.requests
        assert_booked(connector, entries, refs)


# -- exactly once when the process dies ------------------------------------------------------


def _post_and_die(config, entries, sender, die_after_create: bool) -> None:
    connector = build_connector(config)
    if die_after_create:
        create_many = connector.client.create_many

        def create_then_die(model, vlist):
            ids = create_many(model, vlist)
            if model == "account.move":
                os.kill(os.getpid(), signal.SIGKILL)  # moves written, drafts, no receipts
            return ids

        connector.client.create_many = create_then_die
    refs = connector.post_many(entries)
    sender.send(refs)
    os.kill(os.getpid(), signal.SIGKILL)  # before the hub could record anything


@pytest.mark.parametrize("die_after_create", [False, True], ids=["after-post", "after-create"])
def test_a_process_killed_after_the_batch_write_leaves_nothing_to_post_twice(
    config, connector, die_after_create
):
    entries = page_of(4)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_post_and_die, args=(config, entries, sender, die_after_create))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL

    refs = connector.post_many(entries)

    if not die_after_create:
        assert refs == receiver.recv()
    assert_booked(connector, entries, refs)
    assert attachments_of(connector, refs) == sorted(
        (f"account.move,{ref.id}", "receipt lunch.pdf", PDF) for ref in refs
    )
    assert sum(line.debit for entry in entries for line in entry.lines) == Decimal(
        sum(10 + n for n in range(4))
    )


def test_a_refused_batch_post_is_retried_move_by_move(connector, monkeypatch):
    entries = page_of(3)
    entries[1] = entries[1].replace(lines=())
    # Say our checks missed it: Tryton creates the draft but refuses to post a move without lines.
    monkeypatch.setattr(connector, "validate", lambda entry: [])

    results = connector.post_many(entries)

    assert type(results[1]) is PermanentError
    assert "you must fill in its lines" in results[1].message
    assert connector.client.requests["rpc"] == 1
    assert connector.client.requests["post account.move"] == 3
    assert_booked(connector, [entries[0], entries[2]], [results[0], results[2]])
    (draft,) = connector.client.search(
        "account.move", [("description", "like", f"pleo:{entries[1].pleo_id} %")], ["state"]
    )
    assert draft["state"] == "draft"
    assert connector.find(entries[1].pleo_id) is None
