"""An integration's mappings: list, create, update, delete, CSV export and import."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile

from exporthub.api.auth import role
from exporthub.api.common import integration_of, one
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import Problem, invalid
from exporthub.api.schemas import ImportOut, MappingIn, MappingOut, StartedOperationOut
from exporthub.core.access import ADMIN
from exporthub.dashboard.erp_records import request_refresh
from exporthub.dashboard.forms import MappingForm
from exporthub.sync.mapping_csv import MAX_IMPORT_BYTES, MappingImportError, export_mappings
from exporthub.sync.mapping_edits import delete_mapping, import_csv, save_mapping, update_mapping

router = Router(tags=["mappings"])


@router.get(
    "/integrations/{int:pk}/mappings",
    response=page_schema(MappingOut, "MappingList"),
    auth=role(ADMIN),
)
def list_mappings(request, pk: int, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    integration = integration_of(request, pk)
    return paginate(
        integration.mappings.all(), ["kind", "pleo_key", "id"], cursor=cursor, limit=limit
    )


@router.post(
    "/integrations/{int:pk}/mappings", response={200: MappingOut, 201: MappingOut}, auth=role(ADMIN)
)
def save_integration_mapping(request, pk: int, data: MappingIn):
    """Map a Pleo value (kind, pleo_key) to an ERP value: creates it (201), or replaces the
    mapping of that Pleo value (200). Blank labels are filled as on the mappings page."""
    integration = integration_of(request, pk)
    form = MappingForm(data.dict(), integration=integration)
    if not form.is_valid():
        raise invalid(form)
    mapping, created = save_mapping(integration, form.cleaned_data, user=request.auth)
    return Status(201 if created else 200, mapping)


@router.put(
    "/integrations/{int:pk}/mappings/{int:mapping_pk}", response=MappingOut, auth=role(ADMIN)
)
def update_integration_mapping(request, pk: int, mapping_pk: int, data: MappingIn):
    integration = integration_of(request, pk)
    mapping = one(integration.mappings.all(), "mapping", pk=mapping_pk)
    form = MappingForm(data.dict(), integration=integration)
    if not form.is_valid():
        raise invalid(form)
    clash = integration.mappings.filter(
        kind=form.cleaned_data["kind"], pleo_key=form.cleaned_data["pleo_key"]
    ).exclude(pk=mapping.pk)
    if clash.exists():
        raise Problem(
            409, _("Another mapping already maps this Pleo value."), slug="mapping-exists"
        )
    return update_mapping(mapping, form.cleaned_data, user=request.auth)


@router.delete(
    "/integrations/{int:pk}/mappings/{int:mapping_pk}", response={204: None}, auth=role(ADMIN)
)
def delete_integration_mapping(request, pk: int, mapping_pk: int):
    integration = integration_of(request, pk)
    delete_mapping(one(integration.mappings.all(), "mapping", pk=mapping_pk), user=request.auth)
    return Status(204, None)


@router.get(
    "/integrations/{int:pk}/mappings.csv",
    auth=role(ADMIN),
    response={200: str},
    openapi_extra={
        "responses": {
            200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
def export_mapping_csv(request, pk: int):
    """The mappings as CSV (columns: kind, pleo_key, pleo_label, erp_key, erp_label)."""
    integration = integration_of(request, pk)
    response = HttpResponse(export_mappings(integration), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mappings-{integration.pk}.csv"'
    return response


@router.post("/integrations/{int:pk}/mappings/import", response=ImportOut, auth=role(ADMIN))
def import_mapping_csv(request, pk: int, file: File[UploadedFile]):
    """Import a CSV of mappings (as the export writes it); all rows or none."""
    integration = integration_of(request, pk)
    if file.size > MAX_IMPORT_BYTES:
        raise Problem(
            413,
            _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // 2**20},
            slug="file-too-large",
        )
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(422, _("The file is not UTF-8 text."), slug="not-utf8") from None
    try:
        count = import_csv(integration, text, user=request.auth)
    except MappingImportError as error:
        raise Problem(
            422,
            _("Nothing was imported."),
            slug="mapping-import",
            errors=[{"field": "file", "message": problem} for problem in error.problems],
        ) from None
    return {"imported": count}


@router.post(
    "/integrations/{int:pk}/mappings/refresh-records",
    response={202: StartedOperationOut},
    auth=role(ADMIN),
)
def refresh_erp_records(request, pk: int):
    """Read the ERP's accounts, tax codes, dimensions and parties again, in the background."""
    integration = integration_of(request, pk)
    config = integration.erp_connection
    operation, started = request_refresh(config, user=request.auth, integration=integration)
    return Status(202, {"operation": operation, "started": started})
