"""The overview's figures, with known data: totals per status, the chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.urls import reverse

from exporthub.dashboard.stats import company_stats
from exporthub.sync.correction_models import Correction
from exporthub.sync.day_totals import recount_queue
from exporthub.sync.models import ExportItem, ExportJob, QueuedEntry

UTC = dt.UTC


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def queued(integration, day: str, minor: int, *, status="QUEUED", problems="", failed=""):
    return QueuedEntry.objects.create(
        integration=integration,
        company_id=integration.pleo_connection.company_id,
        entry_id=uuid.uuid4(),
        export_status=status,
        family="CARD_PURCHASE",
        performed_at=at(day),
        entry_date=dt.date.fromisoformat(day),  # as the mirror sets it: the posting's date
        amount_minor=minor,
        currency="DKK",
        problems=problems,
        last_failure_reason_type=failed,
        refreshed_at=at(day),
    )


def job_of(integration) -> ExportJob:
    return ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        status="completed_with_errors",
        pleo_created_at=at("2026-03-01"),
    )


def item(job, day: str, minor: int, *, exported: str = "", reason_type: str = "", entry=None):
    return ExportItem.objects.create(
        job=job,
        accounting_entry_id=entry or uuid.uuid4(),
        status="failed" if reason_type else "successful",
        failure_reason_type=reason_type,
        failure_reason=f"{reason_type} problem" if reason_type else "",
        exported_at=at(exported, 10) if exported else None,
        entry_date=dt.date.fromisoformat(day),
        amount_minor=minor,
        currency="DKK",
    )


@pytest.fixture
def figures(integration):
    """March 2026, seen on the 20th: four entries wait (one of February), one is exporting,
    four items went through (one after a retry), one failed and waits for a fix (and is back
    in Pleo's queue, as Pleo puts failed entries)."""
    queued(integration, "2026-03-05", 1000, problems="account")
    queued(integration, "2026-03-05", 2000)
    queued(integration, "2026-03-18", 3000, problems="account tax_code")
    queued(integration, "2026-02-10", 700)
    queued(integration, "2026-03-10", 500, status="EXPORTING")
    first, second = job_of(integration), job_of(integration)
    item(first, "2026-03-02", 10000, exported="2026-03-15")
    item(first, "2026-03-02", 2500, exported="2026-03-15")
    item(first, "2026-02-27", 400, exported="2026-02-28")
    failed = item(first, "2026-03-03", 900, reason_type="account_unknown")
    back = queued(integration, "2026-03-03", 900, failed="account_unknown")
    QueuedEntry.objects.filter(pk=back.pk).update(entry_id=failed.accounting_entry_id)
    retried = item(first, "2026-03-04", 100, reason_type="tax_code_unknown")
    item(second, "2026-03-04", 100, exported="2026-03-16", entry=retried.accounting_entry_id)
    for job in (first, second):
        job.recount()  # as the engine does when a job ends
    recount_queue(integration)  # as the mirror does after every change
    with time_machine.travel(at("2026-03-20"), tick=False):
        yield integration


def test_it_counts_and_sums_per_status(figures):
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    assert (stats.queued.count, stats.queued.minor) == (4, 6700)
    assert (stats.exporting.count, stats.exporting.minor) == (1, 500)
    assert (stats.exported.count, stats.exported.minor) == (4, 13000)
    assert (stats.failed.count, stats.failed.minor) == (1, 900)


def test_it_measures_readiness_of_the_closed_and_the_current_month(figures):
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    february, march = stats.readiness
    assert february.month == dt.date(2026, 2, 1)
    assert (february.exported, february.total, february.percent) == (1, 2, 50)
    assert february.blockers == []
    assert march.month == dt.date(2026, 3, 1)
    # 3 exported, 1 failed (counted once, though back in Pleo's queue), 4 waiting.
    assert (march.exported, march.total, march.percent) == (3, 8, 38)
    assert march.blockers == [
        ("pre-flight: account", 2),
        ("account_unknown", 1),
        ("pre-flight: tax code", 1),
    ]


def test_it_counts_a_failed_entry_as_failed_not_also_as_queued(figures):
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    assert QueuedEntry.objects.filter(export_status="QUEUED").count() == 5
    assert stats.queued.count == 4
    assert stats.failed.count == 1


def test_it_shows_when_the_erp_last_took_an_entry(figures):
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    assert stats.last_post == at("2026-03-16", 10)


def test_it_shows_the_last_post_instead_of_not_tested_yet(client, accountant, figures):
    client.force_login(accountant)
    page = client.get(reverse("home")).content.decode()
    assert "not tested yet" not in page
    assert '<time datetime="2026-03-16T10:00:00+00:00"' in page
    assert "4\xa0days, 2\xa0hours ago</time>" in page


def test_it_charts_the_last_30_days(figures):
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    chart = stats.chart
    assert (chart.days[0], chart.days[-1], len(chart.days)) == (
        dt.date(2026, 2, 19),
        dt.date(2026, 3, 20),
        30,
    )
    exported = {d: n for d, n in zip(chart.days, chart.exported, strict=True) if n}
    waiting = {d: n for d, n in zip(chart.days, chart.queued, strict=True) if n}
    assert exported == {dt.date(2026, 2, 28): 1, dt.date(2026, 3, 15): 2, dt.date(2026, 3, 16): 1}
    # The failed entry waits in Pleo's queue too: the chart shows every entry not yet exported.
    assert waiting == {
        dt.date(2026, 3, 3): 1,
        dt.date(2026, 3, 5): 2,
        dt.date(2026, 3, 10): 1,
        dt.date(2026, 3, 18): 1,
    }


def test_it_renders_the_figures(client, accountant, figures):
    client.force_login(accountant)
    page = client.get(reverse("home")).content.decode()
    tiles = re.findall(
        r'tile-label">(\w+)</span><strong>(\d+)</strong><span class="muted">([^<]+)', page
    )
    assert tiles == [
        ("Queued", "4", "DKK\N{NO-BREAK SPACE}67.00"),
        ("Exporting", "1", "DKK\N{NO-BREAK SPACE}5.00"),
        ("Exported", "4", "DKK\N{NO-BREAK SPACE}130.00"),
        ("Failed", "1", "DKK\N{NO-BREAK SPACE}9.00"),
    ]
    assert len(re.findall(r'<rect [^>]*class="bar-exported"', page)) == 30
    assert len(re.findall(r'<rect [^>]*class="bar-queued"', page)) == 30
    assert "<title>15 Mar: 2 exported</title>" in page
    assert "<title>05 Mar: 2 queued</title>" in page
    tallest = re.search(r'<rect [^>]*height="([\d.]+)" class="bar-exported"><title>15 Mar', page)
    assert float(tallest.group(1)) == 140.0  # the peak fills the chart's height less its margin
    assert "Month-end readiness, February 2026" in page
    assert "Month-end readiness, March 2026" in page
    assert page.index("February 2026") < page.index("March 2026")
    assert '<p class="big">50%</p>' in page
    assert '<p class="big">38%</p>' in page
    assert "3 of 8 entries of the month exported." in page
    assert '<td>pre-flight: tax code</td><td class="num">1</td>' in page


def test_it_says_no_entries_for_a_month_without_any(client, accountant, integration):
    with time_machine.travel(at("2026-03-20"), tick=False):
        (stats,) = company_stats(
            type(integration).objects.filter(pk=integration.pk), ExportItem.objects.all()
        )
        client.force_login(accountant)
        page = client.get(reverse("home")).content.decode()
    assert [(r.total, r.percent, r.blockers) for r in stats.readiness] == [
        (0, None, []),
        (0, None, []),
    ]
    assert stats.chart.exported == [0] * 30
    assert "100%" not in page
    assert page.count("No entries</p>") == 2
    assert "not tested yet" in page
    assert "nothing posted yet" in page


def test_exported_totals_come_from_finished_jobs_counters_and_running_jobs_items(figures):
    first = ExportJob.objects.filter(integration=figures).order_by("pk").first()
    assert (first.items_successful, first.amount_successful_minor) == (3, 12900)
    running = job_of(figures)
    ExportJob.objects.filter(pk=running.pk).update(status="in_progress")
    item(running, "2026-03-19", 5000, exported="2026-03-19")  # not recounted yet: it runs
    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())
    assert (stats.exported.count, stats.exported.minor) == (5, 18000)
    assert stats.last_post == at("2026-03-19", 10)


def test_a_correction_job_counts_no_entry_again(figures):
    """A correction job re-sends an exported entry to Pleo (its item mirrored as successful) and
    posts nothing: the entry stays counted once in the tiles, the chart and readiness."""
    corrected = ExportItem.objects.get(amount_minor=10000)
    correction_job = job_of(figures)
    item(
        correction_job,
        "2026-03-02",
        10000,
        exported="2026-03-15",
        entry=corrected.accounting_entry_id,
    )
    Correction.objects.create(
        integration=figures,
        item=corrected,
        accounting_entry_id=corrected.accounting_entry_id,
        kind="reference",
        external_id="MOVE-1",
        job=correction_job,
        state="confirmed",
    )
    correction_job.recount()  # as the engine does when the job ends

    (stats,) = company_stats(type(figures).objects.filter(pk=figures.pk), ExportItem.objects.all())

    assert (stats.exported.count, stats.exported.minor) == (4, 13000)
    assert stats.chart.exported[stats.chart.days.index(dt.date(2026, 3, 15))] == 2
    assert [(r.exported, r.total) for r in stats.readiness] == [(1, 2), (3, 8)]
