from __future__ import annotations

from decimal import Decimal

from exporthub.pleo.enums import EntryExportStatus, TaxType, VendorState
from exporthub.pleo.errors import PleoClientError
from exporthub.sandbox import services

# The tags and tax-code specs declare bearer auth only, so those calls go through OAuth here;
# with an API key the contract check would (rightly, by the letter of the spec) object.


def test_it_lists_tax_codes_with_decimal_rates(oauth_pleo, acme):
    services.seed_company(acme.company, entries=0)

    codes = list(oauth_pleo.list_tax_codes())

    assert codes
    for code in codes:
        assert code.company_id == acme.id
        assert isinstance(code.rate, Decimal)
        assert 0 <= code.rate < 1
        assert code.type in set(TaxType)
    assert all(not code.archived for code in oauth_pleo.list_tax_codes(archived=False))


def test_it_finds_tax_codes_by_id(oauth_pleo, acme):
    services.seed_company(acme.company, entries=0)
    first, *_ = oauth_pleo.list_tax_codes()

    found = list(oauth_pleo.list_tax_codes(tax_code_ids=[first.id]))

    assert found == [first]


def test_it_lists_tag_groups_and_their_tags(oauth_pleo, acme):
    services.seed_company(acme.company, entries=0)

    groups = oauth_pleo.list_tag_groups()

    assert groups
    for group in groups:
        assert group.company_id == acme.id and group.code and not group.archived
        tags = list(oauth_pleo.list_tags(group.id))
        assert tags
        assert {tag.group_id for tag in tags} == {group.id}


def test_it_pages_through_the_chart_of_accounts(pleo, acme, wire):
    services.seed_company(acme.company, entries=0)
    wire.requests.clear()

    accounts = list(pleo.list_accounts())
    without_contra = list(pleo.list_accounts(exclude_if_assigned_to_contra_account=True))

    assert accounts
    assert len({account.id for account in accounts}) == len(accounts)
    assert all(account.company_id == acme.id and account.name for account in accounts)
    assert 0 < len(without_contra) < len(accounts)
    assert wire.requests[0] == ("POST", "/sandbox/pleo/v1/chart-of-accounts:search")


def test_it_lists_vendors_by_state(pleo, acme):
    services.seed_company(acme.company, entries=0)

    vendors = list(pleo.list_vendors())
    active = list(pleo.list_vendors(states=[VendorState.ACTIVE]))

    assert vendors
    assert all(v.company_id == acme.id and len(v.default_currency) == 3 for v in vendors)
    assert {v.state for v in active} <= {VendorState.ACTIVE}
    assert [v.id for v in active] == [v.id for v in vendors if v.state is VendorState.ACTIVE]


def test_it_reads_the_company(pleo, acme):
    companies = list(pleo.list_companies())
    company = pleo.get_company(acme.id)

    assert [c.id for c in companies] == [acme.id]
    assert company.name == "Acme ApS"
    assert company.address is not None and company.address.country


def test_it_reads_the_export_queue(pleo, acme):
    services.seed_company(acme.company, entries=30)

    queue = list(pleo.list_export_queue())

    assert len(queue) == 30
    assert {entry.export_status for entry in queue} == {EntryExportStatus.QUEUED}
    for entry in queue:
        assert entry.company_id == acme.id
        assert isinstance(entry.transaction_value.minor_units, int)
        assert isinstance(entry.transaction_value.amount, Decimal)
        assert entry.unknown_values == ()


def test_it_leaves_exported_entries_out_of_the_queue(pleo, acme):
    services.seed_company(acme.company, entries=5)
    services.create_export_job(acme.company, entry_ids=[e.id for e in pleo.list_export_queue()][:2])

    queue = list(pleo.list_export_queue())
    everything = list(pleo.search_accounting_entries())

    assert len(queue) == 3
    assert len(everything) == 5
    assert sorted(str(e.export_status) for e in everything) == [
        "EXPORTING", "EXPORTING", "QUEUED", "QUEUED", "QUEUED",
    ]  # fmt: skip


def test_it_writes_tag_groups_tags_and_tax_codes(oauth_pleo, acme):
    group = oauth_pleo.create_tag_group("PROJ", "Projects")
    tag = oauth_pleo.create_tag(group.id, "P-1", "Apollo")
    tax = oauth_pleo.create_tax_code(
        code="I12", name="Input VAT 12 %", rate=Decimal("0.12"), type="inclusive"
    )

    assert (group.code, group.name, group.company_id) == ("PROJ", "Projects", acme.id)
    assert [(t.code, t.name) for t in oauth_pleo.list_tags(group.id)] == [("P-1", "Apollo")]
    assert (tax.code, tax.rate, tax.type) == ("I12", Decimal("0.12"), TaxType.INCLUSIVE)

    renamed = oauth_pleo.update_tag(tag, name="Apollo 11", archived=True)
    archived = oauth_pleo.update_tag_group(group, name="Projects", archived=True)
    rerated = oauth_pleo.update_tax_code(
        tax, name=tax.name, rate=Decimal("0.15"), type="inclusive", archived=False
    )

    assert (renamed.name, renamed.archived) == ("Apollo 11", True)
    assert archived.archived is True
    assert rerated.rate == Decimal("0.15")
    assert list(oauth_pleo.list_tags(group.id)) == []
    assert [t.name for t in oauth_pleo.list_tags(group.id, include_archived=True)] == ["Apollo 11"]


def test_a_duplicate_code_is_a_client_error_naming_the_conflict(oauth_pleo, acme):
    oauth_pleo.create_tag_group("PROJ", "Projects")

    try:
        oauth_pleo.create_tag_group("PROJ", "Projects again")
        raised = None
    except PleoClientError as error:
        raised = error

    assert raised is not None and raised.status == 409
