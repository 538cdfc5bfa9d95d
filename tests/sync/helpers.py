"""Small helpers shared by the sync tests."""

from __future__ import annotations

from beancount import loader

from exporthub.sandbox.models import ExportJob as SandboxJob
from exporthub.sync import engine
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportJob

WORKER = "test-worker"


def ledger_ids(path) -> list[str]:
    """Pleo ids in the ledger; fails if bean-check would complain."""
    if not path.exists():
        return []
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    return [entry.meta["pleo-id"] for entry in entries if "pleo-id" in entry.meta]


def postable_entry_ids(company, count: int) -> list[str]:
    """Queued entries whose accounts and tax codes all map (the seed leaves a few unmapped)."""
    ids = []
    for entry in company.entries.filter(export_status="QUEUED").order_by("pk"):
        lines = entry.lines
        if all((line.get("account") or {}).get("code") for line in lines) and all(
            line.get("tax") is None or line["tax"].get("code") for line in lines
        ):
            ids.append(str(entry.uuid))
        if len(ids) == count:
            return ids
    raise AssertionError("the seed has too few postable entries")


def run(integration) -> ExportJob:
    """Poll and process, as the scheduled task and the worker would; return the newest job."""
    poll_integration(integration)
    engine.process_integration(integration.pk, WORKER)
    return ExportJob.objects.filter(integration=integration).latest("pleo_created_at")


def pleo_job(job: ExportJob) -> SandboxJob:
    return SandboxJob.objects.get(uuid=job.pleo_id)


def patch_post(monkeypatch, post) -> None:
    """Inject a fault into Beancount's `post()`, which then posts every entry, pages included
    (its own batched `post_many` would bypass it: here pages go one by one through `post`)."""
    from exporthub.connectors.base import Connector
    from exporthub.connectors.beancount.connector import BeancountConnector

    monkeypatch.setattr(BeancountConnector, "post", post)
    monkeypatch.setattr(BeancountConnector, "post_many", Connector.post_many)
