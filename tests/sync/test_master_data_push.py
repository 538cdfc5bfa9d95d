"""Pushing the ERP's dimensions and tax codes into Pleo (sync/master_data_push.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import ConnectorConfig, MasterDataRecord
from exporthub.connectors.registry import build_connector
from exporthub.pleo.schemas import Tag, TagGroup, TaxCode
from exporthub.sandbox.models import Tag as SandboxTag
from exporthub.sandbox.models import TagGroup as SandboxTagGroup
from exporthub.sandbox.models import TaxCode as SandboxTaxCode
from exporthub.sync.master_data_push import (
    ARCHIVE,
    CREATE,
    TAG,
    TAG_GROUP,
    TAX_CODE,
    UPDATE,
    ErpValues,
    PleoValues,
    Step,
    apply_push,
    confirm_push,
    plan,
    plan_push,
)
from exporthub.sync.models import Mapping
from exporthub.sync.push_models import PushState
from exporthub.sync.wiring import open_pleo

COMPANY = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user("adam", password="x")


def group(code, *, archived=False):
    return TagGroup(f"g-{code}", COMPANY, code, code, archived, {})


def tag(group_code, code, name, *, archived=False):
    return Tag(f"t-{group_code}-{code}", f"g-{group_code}", code, archived, name)


def tax(code, name, rate, *, archived=False):
    return TaxCode(f"x-{code}", COMPANY, name, Decimal(rate), "inclusive", archived, code)


def summary(steps):
    return [(s.target, s.action, s.code) for s in steps]


def test_it_plans_to_create_what_pleo_lacks_groups_before_their_tags():
    erp = ErpValues(
        {("DEPT", "SALES"): "Sales", ("DEPT", "OPS"): "Ops"}, {"V25": ("VAT", Decimal("0.25"))}
    )

    steps, unpushable = plan(erp, PleoValues())

    assert summary(steps) == [
        (TAG_GROUP, CREATE, "DEPT"),
        (TAG, CREATE, "DEPT:OPS"),
        (TAG, CREATE, "DEPT:SALES"),
        (TAX_CODE, CREATE, "V25"),
    ]
    assert steps[-1].rate == "0.25"
    assert unpushable == []


def test_it_plans_updates_for_renamed_rerated_or_archived_records_and_nothing_for_equal_ones():
    erp = ErpValues(
        {("DEPT", "SALES"): "Sales & Marketing", ("DEPT", "OPS"): "Ops", ("DEPT", "RND"): "R&D"},
        {"V25": ("VAT", Decimal("0.25")), "V12": ("VAT 12", Decimal("0.12"))},
    )
    pleo = PleoValues(
        groups={"DEPT": group("DEPT")},
        tags={
            ("DEPT", "SALES"): tag("DEPT", "SALES", "Sales"),
            ("DEPT", "OPS"): tag("DEPT", "OPS", "Ops"),
            ("DEPT", "RND"): tag("DEPT", "RND", "R&D", archived=True),
        },
        tax_codes={"V25": tax("V25", "VAT", "0.25"), "V12": tax("V12", "VAT 12", "0.1")},
    )

    steps, _ = plan(erp, pleo)

    assert summary(steps) == [
        (TAG, UPDATE, "DEPT:RND"),
        (TAG, UPDATE, "DEPT:SALES"),
        (TAX_CODE, UPDATE, "V12"),
    ]
    assert [s.before for s in steps] == ["archived", "Sales", "VAT 12 (0.1)"]
    assert all(s.pleo_id for s in steps)


def test_it_archives_only_in_groups_the_erp_knows_and_never_groups_of_pleos_own():
    erp = ErpValues({("DEPT", "SALES"): "Sales"}, {})
    pleo = PleoValues(
        groups={"DEPT": group("DEPT"), "TRIP": group("TRIP")},
        tags={
            ("DEPT", "SALES"): tag("DEPT", "SALES", "Sales"),
            ("DEPT", "OLD"): tag("DEPT", "OLD", "Old"),
            ("TRIP", "ROME"): tag("TRIP", "ROME", "Rome"),
        },
        tax_codes={"OLD": tax("OLD", "Old VAT", "0.2")},
    )

    steps, _ = plan(erp, pleo)

    assert summary(steps) == [(TAG, ARCHIVE, "DEPT:OLD"), (TAX_CODE, ARCHIVE, "OLD")]


def test_a_tax_without_a_rate_is_reported_not_pushed():
    steps, unpushable = plan(ErpValues({}, {"X": ("Exempt", None)}), PleoValues())

    assert steps == []
    assert [row["code"] for row in unpushable] == ["X"]


def test_steps_survive_storage_as_json():
    step = Step(TAX_CODE, UPDATE, "V25", "VAT", "0.25", "VAT (0.2)", "x-1")
    assert Step.from_dict(step.as_dict()) == step


def cache(config, kind, code, name="", rate=None):
    MasterDataRecord.objects.create(
        config=config, kind=kind, code=code, name=name, rate=rate, fetched_at="2026-01-01T00:00Z"
    )


def test_a_push_creates_pleos_records_maps_them_and_archives_only_when_confirmed(
    integration, company, admin_user
):
    config = integration.erp_connection
    cache(config, MasterDataRecord.Kind.DIMENSION, "DEPT:RND", "Research")
    cache(config, MasterDataRecord.Kind.DIMENSION, "COST:C1", "Cost centre 1")
    cache(config, MasterDataRecord.Kind.TAX, "V6", "Reduced VAT 6 %", Decimal("0.06"))
    integration.mappings.create(kind=Mapping.Kind.TAG, pleo_key="DEPT:RND", erp_key="RD-OLD")

    with open_pleo(integration) as pleo:
        push = plan_push(integration, pleo)
    planned = {(s["target"], s["action"], s["code"]) for s in push.steps}
    assert {
        (TAG_GROUP, CREATE, "COST"),
        (TAG, CREATE, "COST:C1"),
        (TAG, CREATE, "DEPT:RND"),
    } <= planned
    assert (TAX_CODE, CREATE, "V6") in planned
    archived_in_plan = {code for target, action, code in planned if action == ARCHIVE}
    assert "I25" in archived_in_plan  # the sandbox's own codes the ERP does not have
    assert not any(code.startswith("PROJECT:") for code in archived_in_plan)  # unknown group

    assert confirm_push(push, user=admin_user, archive=False)
    assert not confirm_push(push, user=admin_user, archive=False)  # a second click: nothing
    with open_pleo(integration) as pleo:
        result = apply_push(push, pleo)

    assert result.failed == 0 and result.skipped == len(archived_in_plan)
    cost = SandboxTagGroup.objects.get(company=company, code="COST")
    assert SandboxTag.objects.get(group=cost, code="C1").name == "Cost centre 1"
    assert (
        SandboxTag.objects.get(group__company=company, group__code="DEPT", code="RND").name
        == "Research"
    )
    pushed_tax = SandboxTaxCode.objects.get(company=company, code="V6")
    assert (pushed_tax.rate, pushed_tax.type, pushed_tax.archived) == (
        Decimal("0.06"),
        "inclusive",
        False,
    )
    assert SandboxTaxCode.objects.get(company=company, code="I25").archived is False
    mappings = {(m.kind, m.pleo_key): m.erp_key for m in integration.mappings.all()}
    assert mappings[(Mapping.Kind.TAG, "COST:C1")] == "C1"
    assert mappings[(Mapping.Kind.TAX_CODE, "V6")] == "V6"
    assert mappings[(Mapping.Kind.TAG, "DEPT:RND")] == "RD-OLD"  # a made mapping is kept
    push.refresh_from_db()
    assert push.state == PushState.APPLIED

    with open_pleo(integration) as pleo:
        again = plan_push(integration, pleo)
    assert all(step["action"] == ARCHIVE for step in again.steps)  # in step now
    confirm_push(again, user=admin_user, archive=True)
    with open_pleo(integration) as pleo:
        apply_push(again, pleo)
    assert SandboxTaxCode.objects.get(company=company, code="I25").archived is True
    assert SandboxTaxCode.objects.filter(company=company, code="I25").exists()  # never deleted


@pytest.mark.slow
def test_a_real_tryton_chart_is_pushed_with_its_rates_and_analytic_accounts(
    integration, company, admin_user, tryton_server, tryton_database
):
    erp = ConnectorConfig.objects.create(
        name="Tryton",
        kind="tryton",
        settings={
            "url": tryton_server.url,
            "database": tryton_database,
            "company_id": tryton_server.company_id,
        },
    )
    erp.set_secret("api_key", tryton_server.api_key)
    erp.save()
    integration.erp_connection = erp
    integration.save()
    with build_connector(erp) as connector:
        refresh_master_data(erp, connector)
        taxes = {t.code: t.rate for t in connector.taxes()}

    with open_pleo(integration) as pleo:
        push = plan_push(integration, pleo)
    confirm_push(push, user=admin_user, archive=False)
    with open_pleo(integration) as pleo:
        apply_push(push, pleo)

    assert taxes["VAT25"] == Decimal("0.25")
    assert SandboxTaxCode.objects.get(company=company, code="VAT25").rate == Decimal("0.25")
    tags = set(
        SandboxTag.objects.filter(group__company=company, archived=False).values_list(
            "group__code", "code"
        )
    )
    assert {("DEPT", "SALES"), ("DEPT", "OPS"), ("PROJECT", "APOLLO")} <= tags


def test_the_nightly_schedule_pushes_where_asked_and_never_archives(integration, company):
    from exporthub.sync.tasks import push_master_data_nightly

    config = integration.erp_connection
    config.settings = {
        **config.settings,
        "tax_codes": {"V6": "Reduced VAT 6 %"},
        "tax_rates": {"V6": "0.06"},
    }
    config.save()
    assert push_master_data_nightly() == 0  # nobody asked for it
    integration.push_master_data_nightly = True
    integration.save()

    assert push_master_data_nightly() == 1

    assert SandboxTaxCode.objects.get(company=company, code="V6").rate == Decimal("0.06")
    assert not SandboxTaxCode.objects.filter(company=company, archived=True).exists()
    push = integration.master_data_pushes.get(state=PushState.APPLIED)
    assert push.applied_by is None and push.archive_confirmed is False
