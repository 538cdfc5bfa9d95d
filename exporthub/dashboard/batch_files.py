"""Batch files of the file-journal connectors, as the dashboard shows and hands them out."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.file_journal.connector import FileJournalConnector
from exporthub.connectors.models import FiledBatch
from exporthub.connectors.registry import build_connector
from exporthub.core.access import visible_company_ids
from exporthub.dashboard import scope


class FileUnavailable(Exception):
    """The batch's file cannot be made now (the connection changed); the message says why."""


def batches_of(job) -> QuerySet[FiledBatch]:
    """The batch files a job's entries were filed in, oldest first (also when the company
    has since been wired to another ERP connection)."""
    return FiledBatch.objects.filter(key=str(job.pleo_id)).order_by("number")


def visible_batch(user, pk: int) -> FiledBatch | None:
    """The batch if the user may see the job it belongs to (admins see every batch)."""
    batch = FiledBatch.objects.select_related("config").filter(pk=pk).first()
    if batch is None or visible_company_ids(user) is None:
        return batch
    try:
        job_id = uuid.UUID(batch.key)
    except ValueError:  # entries posted outside an export job: admins only
        return None
    return batch if scope.jobs(user).filter(pleo_id=job_id).exists() else None


def batch_content(batch: FiledBatch) -> tuple[bytes, str]:
    """The file's bytes and content type: as written, or rendered again from the register."""
    try:
        connector = build_connector(batch.config)
    except ConnectorError as error:
        raise FileUnavailable(str(error)) from error
    if not isinstance(connector, FileJournalConnector) or connector.format.key != batch.format:
        raise FileUnavailable(
            _("The file cannot be made: its ERP connection now writes another format.")
        )
    with connector:
        return connector.batch_file(batch)
