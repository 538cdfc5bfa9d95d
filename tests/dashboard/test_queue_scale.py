"""The queue at scale: keyset pages (stable while rows come and go), the counts read from the
maintained totals or counted up to a cap, and the index-backed supplier and text search."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from exporthub.dashboard import queue_summary
from exporthub.dashboard.keyset import keyset_page
from exporthub.dashboard.views import queue as queue_view
from exporthub.sync.day_totals import recount_queue
from exporthub.sync.models import QueuedEntry

SUPPLIERS = ["Hotel Kong", "hotel Adlon", "SAS", "Shell", "", "Café Norden"]


def add_entries(integration, count: int, start: int = 0) -> list[QueuedEntry]:
    """Entries with repeated sort values (ties broken by id) and a few without an entry date."""
    now = timezone.now()
    rows = QueuedEntry.objects.bulk_create(
        QueuedEntry(
            integration=integration,
            company_id=integration.pleo_connection.company_id,
            entry_id=uuid.uuid4(),
            export_status="EXPORTING" if n % 7 == 0 else "QUEUED",
            family="BILL" if n % 2 else "CARD_PURCHASE",
            performed_at=now,
            entry_date=None if n % 11 == 0 else dt.date(2026, 3, 1 + n % 5),
            amount_minor=100 * (n % 4),
            currency="DKK",
            account_code=str(6000 + n % 3),
            supplier=SUPPLIERS[n % len(SUPPLIERS)],
            note=f"Receipt {n}",
            employee="Ida Holm" if n % 3 else "Mads Berg",
            problems="account" if n % 5 == 0 else "",
            refreshed_at=now,
        )
        for n in range(start, start + count)
    )
    recount_queue(integration)  # as the mirror does after every change
    return rows


def walk(rows, field, descending, per_page=4) -> list[int]:
    """Every id, page after page, following the next cursors."""
    seen, after = [], ""
    while True:
        page = keyset_page(rows, field, descending, per_page, after=after)
        seen += [row.pk for row in page]
        if not page.has_next:
            return seen
        after = page.next_cursor


@pytest.fixture
def queue(integration):
    integration.queued_entries.all().delete()
    add_entries(integration, 30)
    return integration.queued_entries.all()


@pytest.mark.parametrize("field", ["entry_date", "amount_minor", "supplier", "account_code"])
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_hold_every_row_once_in_the_sort_order(queue, field, descending):
    sign = "-" if descending else ""
    expected = list(queue.order_by(f"{sign}{field}", f"{sign}pk").values_list("pk", flat=True))

    assert walk(queue, field, descending) == expected


@pytest.mark.parametrize("field", ["entry_date", "amount_minor", "supplier"])
def test_the_previous_page_is_the_page_before(queue, field):
    first = keyset_page(queue, field, True, 4)
    second = keyset_page(queue, field, True, 4, after=first.next_cursor)
    third = keyset_page(queue, field, True, 4, after=second.next_cursor)

    back = keyset_page(queue, field, True, 4, before=third.previous_cursor)

    assert [r.pk for r in back] == [r.pk for r in second]
    assert back.next_cursor == second.next_cursor
    assert keyset_page(queue, field, True, 4, before=second.previous_cursor).previous_cursor == ""
    assert not first.has_previous and second.has_previous


def test_rows_added_and_removed_while_paging_neither_repeat_nor_skip_the_others(integration, queue):
    before = set(queue.values_list("pk", flat=True))
    first = keyset_page(queue, "entry_date", True, 6)
    gone = first.object_list[-1]  # the cursor's own row disappears too
    QueuedEntry.objects.filter(pk=gone.pk).delete()
    added = {row.pk for row in add_entries(integration, 12, start=100)}

    seen = [row.pk for row in first]
    after = first.next_cursor
    while after:
        page = keyset_page(queue, "entry_date", True, 6, after=after)
        seen += [row.pk for row in page]
        after = page.next_cursor

    assert len(seen) == len(set(seen))  # no row twice
    assert before <= set(seen)  # none of the rows there from the start was skipped
    assert set(seen) - before <= added


def test_a_malformed_cursor_shows_the_first_page(client, accountant, integration, queue):
    client.force_login(accountant)
    url = reverse("dashboard:queue", args=[integration.pk])
    first = client.get(url).content.decode()
    for cursor in ["x", "12:q", "12:v2026-13-45", "99999999999999999999:v1", ":v"]:
        response = client.get(url, {"after": cursor, "sort": "-date"})
        assert response.status_code == 200
        assert rows_of(response.content.decode()) == rows_of(first)


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="entry-row-([0-9a-f-]+)">', page)


def test_the_pages_links_walk_the_whole_queue(client, accountant, integration, queue):
    client.force_login(accountant)
    url = reverse("dashboard:queue", args=[integration.pk]) + "?sort=-amount&per_page=25"
    page = client.get(url).content.decode()
    seen = rows_of(page)
    while 'rel="next"' in page:
        link = re.search(r'href="\?([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
        assert "sort=-amount" in link and "per_page=25" in link
        page = client.get(reverse("dashboard:queue", args=[integration.pk]) + "?" + link)
        page = page.content.decode()
        seen += rows_of(page)
    expected = queue.order_by("-amount_minor", "-pk").values_list("entry_id", flat=True)
    assert seen == [str(entry) for entry in expected]
    assert 'rel="prev"' in page and 'rel="first"' in page


def matching(client, integration, **query) -> str:
    page = client.get(reverse("dashboard:queue", args=[integration.pk]), query)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    return re.search(r"([\d,]+\+?) matching entr", text).group(1)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"family": "BILL"},
        {"status": "EXPORTING"},
        {"status": "failed"},
        {"problems": "any", "date_from": "2026-03-02", "date_to": "2026-03-04"},
        {"problems": "account"},
        {"q": "hotel"},
        {"supplier": "s", "receipt": "no"},
        {"amount_min": "1", "account": "6001"},
    ],
)
def test_the_count_matches_the_rows_whichever_way_it_is_counted(
    client, accountant, integration, queue, query
):
    from exporthub.dashboard.forms import QueueFilterForm

    client.force_login(accountant)
    form = QueueFilterForm(query)
    expected = form.filter(queue, "DKK").count()

    assert matching(client, integration, **query) == str(expected)
    assert form.counted_by_totals == (set(query) <= set(QueueFilterForm.TOTALS_FILTERS))


def test_a_count_past_the_cap_says_so_and_export_of_all_checks_the_real_number(
    client, accountant, integration, queue, monkeypatch
):
    monkeypatch.setattr(queue_summary, "COUNT_CAP", 5)
    client.force_login(accountant)

    assert matching(client, integration, q="receipt") == "5+"
    assert matching(client, integration, q="receipt 1") == "5+"  # 1, 10-19
    assert matching(client, integration, q="receipt 3") == "1"  # under the cap: exact
    assert matching(client, integration) == "30"  # from the totals: exact, never capped
    page = client.get(reverse("dashboard:queue", args=[integration.pk]), {"q": "receipt"})
    assert "Export all matching</button>" in page.content.decode()
    monkeypatch.setattr(queue_view, "MAX_EXPORT", 5)
    refused = client.post(
        reverse("dashboard:queue-export", args=[integration.pk]),
        {"all_matching": "1", "q": "receipt"},
        follow=True,
    )
    assert "At most 5 entries go into one export job." in refused.content.decode()
    assert not integration.jobs.exists()


@pytest.mark.parametrize(
    ("query", "suppliers"),
    [
        ({"supplier": "hotel"}, {"Hotel Kong", "hotel Adlon"}),
        ({"supplier": "HOTEL K"}, {"Hotel Kong"}),
        ({"supplier": "s"}, {"SAS", "Shell"}),
        ({"supplier": "café"}, {"Café Norden"}),
        ({"supplier": "%"}, set()),  # a wildcard is a character, not "anything"
        ({"q": "HOTEL"}, {"Hotel Kong", "hotel Adlon"}),
        ({"q": "otel ko"}, {"Hotel Kong"}),
        ({"q": "mads"}, {"Hotel Kong", "Shell"}),  # the employee of every third entry
        ({"q": "kong receipt"}, set()),  # never across two columns (supplier, note)
    ],
)
def test_supplier_and_text_search_match_any_case(queue, query, suppliers):
    from exporthub.dashboard.forms import QueueFilterForm

    found = QueueFilterForm(query).filter(queue, "DKK")

    assert set(found.values_list("supplier", flat=True)) == suppliers


def test_the_search_finds_an_entry_by_its_id_and_an_account_by_its_code(queue):
    from exporthub.dashboard.forms import QueueFilterForm

    entry = queue.order_by("pk")[3]

    assert list(QueueFilterForm({"q": str(entry.entry_id)}).filter(queue)) == [entry]
    assert set(
        QueueFilterForm({"q": "6002"}).filter(queue).values_list("account_code", flat=True)
    ) == {"6002"}


def test_the_text_search_is_answered_from_a_trigram_index(db):
    """PostgreSQL: the migration's trigram index; SQLite: the FTS5 trigram table."""
    from exporthub.sync import queue_text_index

    with connection.cursor() as cursor:
        names = {
            index
            for index, info in connection.introspection.get_constraints(
                cursor, "sync_queuedentry"
            ).items()
            if info["index"]
        }
        tables = set(connection.introspection.table_names(cursor))
    assert ("queued_search_trgm" in names) == (connection.vendor == "postgresql")
    assert (queue_text_index.INDEX in tables) == (connection.vendor == "sqlite")
    assert "queued_supplier_key" in names


def test_on_sqlite_a_text_search_reads_the_index_not_every_entry(queue):
    from exporthub.dashboard.forms import QueueFilterForm

    found = QueueFilterForm({"q": "receipt 17"}).filter(queue, "DKK")
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}" if connection.vendor == "sqlite"
                       else f"EXPLAIN {sql}", params)  # fmt: skip
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert [row.note for row in found] == ["Receipt 17"]
    if connection.vendor == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and "sync_queuedentry_text" in plan


def test_the_search_follows_entries_as_they_change_and_go(queue):
    from exporthub.dashboard.forms import QueueFilterForm

    def suppliers(text):
        return set(QueueFilterForm({"q": text}).filter(queue, "DKK").values_list("pk", flat=True))

    entry = queue.order_by("pk")[2]  # SAS
    entry.supplier = "Ørsted Energi"
    entry.save()

    assert suppliers("ørsted") == {entry.pk}  # any case, beyond ASCII too
    assert entry.pk not in suppliers("sas")
    entry.delete()
    assert suppliers("ørsted") == set()


def test_a_rebuilt_table_gets_its_search_index_back_after_migrate(queue):
    """Django's SQLite schema editor remakes a table (dropping its triggers) for many changes:
    the index is checked after every migrate and rebuilt when its triggers are gone."""
    from exporthub.dashboard.forms import QueueFilterForm
    from exporthub.sync import queue_text_index

    if connection.vendor != "sqlite":
        assert queue_text_index.ensure() is False  # PostgreSQL has its own index
        return
    with connection.cursor() as cursor:
        for name in queue_text_index.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    entry = queue.order_by("pk")[0]
    entry.note = "Parking Vesterbro"
    entry.save()  # not seen by the index while its triggers are gone

    assert queue_text_index.ensure() is True
    assert queue_text_index.ensure() is False  # nothing left to do
    found = QueueFilterForm({"q": "vesterbro"}).filter(queue, "DKK")
    assert list(found) == [entry]
