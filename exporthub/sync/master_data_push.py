"""Push the ERP's dimensions and tax codes into Pleo, so employees code expenses with values the
ERP accepts and fewer mappings are needed.

* `plan()` compares the ERP's records (the connector's cache, `MasterDataRecord`) with Pleo's tag
  groups, tags and tax codes, and gives one `Step` per record to create, update or archive. It
  is a pure function; `plan_push()` reads both sides and stores the plan for review.
* `apply_push()` carries a reviewed plan out, step by step (a step Pleo refuses is recorded and
  the others go on), and maps each pushed value to its ERP record (never replacing a mapping
  someone made).
* Nothing in Pleo is deleted. A Pleo tag or tax code the ERP no longer has is *archived*, and only
  when an admin confirmed it for this push; tag groups the ERP does not know are left alone (they
  may be Pleo's own).

An ERP dimension `GROUP:CODE` becomes tag `CODE` in tag group `GROUP`; an ERP tax code becomes a
Pleo tax code with the same code and rate (type inclusive: Pleo does not support exclusive codes,
and a reverse-charge code's type is kept once someone set it in Pleo).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import MasterDataRecord
from exporthub.connectors.registry import build_connector
from exporthub.core.activity import log_activity
from exporthub.pleo.client import PleoClient
from exporthub.pleo.errors import PleoClientError
from exporthub.pleo.schemas import Tag, TagGroup, TaxCode
from exporthub.sync.models import Integration, Mapping
from exporthub.sync.push_models import MasterDataPush, PushState
from exporthub.sync.wiring import open_pleo

log = logging.getLogger(__name__)

TAG_GROUP, TAG, TAX_CODE = "tag_group", "tag", "tax_code"
CREATE, UPDATE, ARCHIVE = "create", "update", "archive"
DEFAULT_TAX_TYPE = "inclusive"


@dataclass(frozen=True)
class Step:
    """One change to one Pleo record. `code` is the tag group's code, `GROUP:CODE` for a tag,
    or the tax code; `before` is what Pleo has now (for an update), as the page shows it."""

    target: str
    action: str
    code: str
    name: str
    rate: str = ""  # a tax code's rate as a decimal string ("0.25")
    before: str = ""
    pleo_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})

    @property
    def group_code(self) -> str:
        return self.code.partition(":")[0] if self.target == TAG else self.code


@dataclass(frozen=True)
class ErpValues:
    """The ERP's active dimensions ((group, code) → name) and tax codes (code → (name, rate))."""

    dimensions: dict[tuple[str, str], str]
    taxes: dict[str, tuple[str, Decimal | None]]

    @classmethod
    def for_integration(cls, integration: Integration) -> ErpValues:
        records = integration.erp_connection.master_data.filter(
            active=True,
            kind__in=[MasterDataRecord.Kind.DIMENSION, MasterDataRecord.Kind.TAX],
        )
        dimensions, taxes = {}, {}
        for record in records:
            if record.kind == MasterDataRecord.Kind.TAX:
                taxes[record.code] = (record.name or record.code, record.rate)
            else:
                group, sep, code = record.code.partition(":")
                if sep and group and code:
                    dimensions[(group, code)] = record.name or code
        return cls(dimensions, taxes)


@dataclass
class PleoValues:
    """Pleo's tag groups, tags and tax codes, archived ones included, by code."""

    groups: dict[str, TagGroup] = field(default_factory=dict)
    tags: dict[tuple[str, str], Tag] = field(default_factory=dict)
    tax_codes: dict[str, TaxCode] = field(default_factory=dict)

    @classmethod
    def read(cls, pleo: PleoClient) -> PleoValues:
        found = cls()
        for group in pleo.list_tag_groups(include_archived=True):
            found.groups[group.code] = group
            for tag in pleo.list_tags(group.id, include_archived=True):
                found.tags[(group.code, tag.code)] = tag
        for tax_code in pleo.list_tax_codes():
            if tax_code.code:
                found.tax_codes[tax_code.code] = tax_code
        return found


def plan(erp: ErpValues, pleo: PleoValues) -> tuple[list[Step], list[dict[str, str]]]:
    """The steps that bring Pleo in line with the ERP, and the ERP records that cannot be pushed
    (`{"code", "reason"}`). Groups come before their tags; archiving steps come last."""
    steps: list[Step] = []
    archive: list[Step] = []
    unpushable: list[dict[str, str]] = []
    for group_code in sorted({group for group, _code in erp.dimensions}):
        group = pleo.groups.get(group_code)
        if group is None:
            steps.append(Step(TAG_GROUP, CREATE, group_code, group_code))
        elif group.archived:
            steps.append(
                Step(TAG_GROUP, UPDATE, group_code, group.name, "", _("archived"), group.id)
            )
    for (group_code, code), name in sorted(erp.dimensions.items()):
        tag = pleo.tags.get((group_code, code))
        key = f"{group_code}:{code}"
        if tag is None:
            steps.append(Step(TAG, CREATE, key, name))
        elif tag.archived or (tag.name or "") != name:
            before = _("archived") if tag.archived else (tag.name or "")
            steps.append(Step(TAG, UPDATE, key, name, "", before, tag.id))
    for (group_code, code), tag in sorted(pleo.tags.items()):
        known_group = any(group == group_code for group, _code in erp.dimensions)
        if known_group and not tag.archived and (group_code, code) not in erp.dimensions:
            archive.append(
                Step(TAG, ARCHIVE, f"{group_code}:{code}", tag.name or code, "", "", tag.id)
            )
    for code, (name, rate) in sorted(erp.taxes.items()):
        tax_code = pleo.tax_codes.get(code)
        if rate is None or not Decimal(0) <= rate <= Decimal(1):
            unpushable.append({"code": code, "reason": _("The ERP gives this tax no rate.")})
            continue
        rate_text = _rate(rate)
        if tax_code is None:
            steps.append(Step(TAX_CODE, CREATE, code, name, rate_text))
        elif tax_code.archived or tax_code.name != name or tax_code.rate != rate:
            before = (
                _("archived") if tax_code.archived else f"{tax_code.name} ({_rate(tax_code.rate)})"
            )
            steps.append(Step(TAX_CODE, UPDATE, code, name, rate_text, before, tax_code.id))
    for code, tax_code in sorted(pleo.tax_codes.items()):
        if code not in erp.taxes and not tax_code.archived:
            archive.append(Step(TAX_CODE, ARCHIVE, code, tax_code.name, "", "", tax_code.id))
    return steps + archive, unpushable


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def plan_push(integration: Integration, pleo: PleoClient) -> MasterDataPush:
    """Read Pleo's side and store a fresh plan; older plans not yet applied are superseded."""
    steps, unpushable = plan(ErpValues.for_integration(integration), PleoValues.read(pleo))
    with transaction.atomic():
        integration.master_data_pushes.filter(state=PushState.PLANNED).update(
            state=PushState.SUPERSEDED
        )
        return MasterDataPush.objects.create(
            integration=integration,
            steps=[step.as_dict() for step in steps],
            unpushable=unpushable,
        )


def plan_fresh_push(integration: Integration) -> MasterDataPush:
    """Re-read the ERP's records into the cache, then plan against Pleo (a worker's job)."""
    config = integration.erp_connection
    with build_connector(config) as erp:
        refresh_master_data(config, erp)
    with open_pleo(integration) as pleo:
        return plan_push(integration, pleo)


def push_nightly(integration: Integration) -> PushResult:
    """The optional schedule: plan and apply at once, never archiving anything."""
    push = plan_fresh_push(integration)
    confirm_push(push, user=None, archive=False)
    with open_pleo(integration) as pleo:
        return apply_push(push, pleo)


def current_pushes(integration: Integration) -> tuple[MasterDataPush | None, MasterDataPush | None]:
    """The open plan (planned or being applied) and the last applied push, newest first."""
    pushes = integration.master_data_pushes
    plan = pushes.filter(state__in=[PushState.PLANNED, PushState.APPLYING]).first()
    applied = pushes.filter(state=PushState.APPLIED).select_related("applied_by").first()
    return plan, applied


def confirm_push(push: MasterDataPush, *, user, archive: bool) -> bool:
    """An admin's go-ahead: mark the plan for applying (once); False if it is not open any more."""
    claimed = MasterDataPush.objects.filter(pk=push.pk, state=PushState.PLANNED).update(
        state=PushState.APPLYING, applied_by=user, archive_confirmed=archive
    )
    if claimed:
        push.state, push.applied_by, push.archive_confirmed = PushState.APPLYING, user, archive
    return bool(claimed)


@dataclass(frozen=True)
class PushResult:
    done: int
    failed: int
    skipped: int


def apply_push(push: MasterDataPush, pleo: PleoClient) -> PushResult:
    """Carry out a confirmed plan's steps in Pleo and map what was pushed."""
    integration = push.integration
    current = PleoValues.read(pleo)  # ids of groups created since planning, and fresh state
    outcome: list[dict[str, str]] = []
    for step in (Step.from_dict(data) for data in push.steps):
        if step.action == ARCHIVE and not push.archive_confirmed:
            outcome.append({**step.as_dict(), "result": "skipped"})
            continue
        try:
            _apply(step, pleo, current, integration)
        except PleoClientError as error:
            log.warning("Pushing %s %s to Pleo failed: %s", step.target, step.code, error)
            outcome.append({**step.as_dict(), "result": "failed", "error": error.message})
            continue
        outcome.append({**step.as_dict(), "result": "done"})
    push.outcome = outcome
    push.state = PushState.APPLIED
    push.applied_at = timezone.now()
    push.save(update_fields=["outcome", "state", "applied_at"])
    result = PushResult(
        done=sum(row["result"] == "done" for row in outcome),
        failed=sum(row["result"] == "failed" for row in outcome),
        skipped=sum(row["result"] == "skipped" for row in outcome),
    )
    log_activity(
        "sync.master_data.pushed",
        actor=push.applied_by,
        obj=integration,
        done=result.done,
        failed=result.failed,
        skipped=result.skipped,
    )
    return result


def _apply(step: Step, pleo: PleoClient, current: PleoValues, integration: Integration) -> None:
    if step.target == TAG_GROUP:
        group = current.groups.get(step.code)
        if group is None:
            current.groups[step.code] = pleo.create_tag_group(step.code, step.name)
        elif group.archived:
            current.groups[step.code] = pleo.update_tag_group(
                group, name=group.name, archived=False
            )
        return
    if step.target == TAG:
        group_code, _sep, code = step.code.partition(":")
        tag = current.tags.get((group_code, code))
        if step.action == ARCHIVE:
            if tag is not None and not tag.archived:
                pleo.update_tag(tag, name=tag.name or code, archived=True)
            return
        if tag is None:
            group = current.groups.get(group_code) or pleo.create_tag_group(group_code, group_code)
            current.groups[group_code] = group
            pleo.create_tag(group.id, code, step.name)
        else:
            pleo.update_tag(tag, name=step.name, archived=False)
        _map(integration, Mapping.Kind.TAG, step.code, code, step.name)
        return
    tax_code = current.tax_codes.get(step.code)
    if step.action == ARCHIVE:
        if tax_code is not None and not tax_code.archived:
            pleo.update_tax_code(
                tax_code,
                name=tax_code.name,
                rate=tax_code.rate,
                type=str(tax_code.type),
                archived=True,
            )
        return
    rate = Decimal(step.rate)
    if tax_code is None:
        pleo.create_tax_code(code=step.code, name=step.name, rate=rate, type=DEFAULT_TAX_TYPE)
    else:
        pleo.update_tax_code(
            tax_code, name=step.name, rate=rate, type=str(tax_code.type), archived=False
        )
    _map(integration, Mapping.Kind.TAX_CODE, step.code, step.code, step.name)


def _map(integration: Integration, kind: str, pleo_key: str, erp_key: str, label: str) -> None:
    """Map a pushed value to its ERP record, unless a mapping for it exists already."""
    Mapping.objects.get_or_create(
        integration=integration,
        kind=kind,
        pleo_key=pleo_key,
        defaults={"erp_key": erp_key, "pleo_label": label[:255], "erp_label": label[:255]},
    )
