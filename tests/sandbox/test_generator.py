from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from exporthub.core.money import currency_exponent
from exporthub.sandbox import services
from exporthub.sandbox.export_items import WALLET_TYPES
from exporthub.sandbox.models import AccountingEntry, ReceiptFile


def fingerprint(company):
    rows = AccountingEntry.objects.filter(company=company).order_by("pk")
    return [
        (e.item_type, e.wallet_amount, e.supplier_currency, e.supplier_amount, e.performed_at,
         [(ln["lineAmount"], ln["netAmount"], (ln["tax"] or {}).get("amount")) for ln in e.lines])
        for e in rows
    ]  # fmt: skip


def test_it_is_deterministic_for_a_seed_and_a_day(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 9, tzinfo=UTC), tick=False)
    first, _ = services.create_company(name="One ApS")
    second, _ = services.create_company(name="Two ApS")
    third, _ = services.create_company(name="Three ApS")
    services.seed_company(first, entries=200, seed=42)
    services.seed_company(second, entries=200, seed=42)
    services.seed_company(third, entries=200, seed=43)
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first) != fingerprint(third)


def test_it_dates_entries_on_the_90_days_before_today(db, time_machine):
    time_machine.move_to(datetime(2027, 2, 10, 9, tzinfo=UTC), tick=False)
    company, _ = services.create_company(name="Alive ApS")
    services.seed_company(company, entries=300, seed=5)
    days = {entry.performed_at.date() for entry in AccountingEntry.objects.filter(company=company)}
    assert min(days) >= date(2026, 11, 12)  # 90 days before 10 Feb 2027
    assert max(days) <= date(2027, 2, 9)  # never today, never in the future
    assert len(days) > 60  # spread over the window, not bunched


def test_the_same_seed_on_another_day_shifts_the_dates_by_that_many_days(db):
    monday, _ = services.create_company(name="Monday ApS")
    friday, _ = services.create_company(name="Friday ApS")
    services.seed_company(monday, entries=50, seed=9, today=date(2026, 6, 1))
    services.seed_company(friday, entries=50, seed=9, today=date(2026, 6, 5))

    def dates(company):
        return [
            e.performed_at for e in AccountingEntry.objects.filter(company=company).order_by("pk")
        ]

    assert [d + timedelta(days=4) for d in dates(monday)] == dates(friday)


def test_it_covers_the_kinds_of_spend_an_integration_meets(db):
    company, _ = services.create_company(name="Wide ApS")
    assert services.seed_company(company, entries=400, seed=3) == 400
    entries = list(AccountingEntry.objects.filter(company=company))
    kinds = {entry.item_type for entry in entries}
    assert kinds >= {
        "card_purchase",
        "out_of_pocket",
        "mileage",
        "per_diem",
        "invoice",
        "refund",
        "chargeback",
    }
    tax_types = {line["tax"]["type"] for e in entries for line in e.lines if line["tax"]}
    assert tax_types == {"inclusive", "exclusive", "reverse"}
    assert any(len(entry.lines) > 1 for entry in entries)
    assert any(entry.supplier_currency != entry.wallet_currency for entry in entries)
    assert any(entry.supplier_currency == "JPY" for entry in entries)
    assert any(line["tags"] for e in entries for line in e.lines)
    assert any(line["account"] is None for e in entries for line in e.lines)
    assert any(
        line["account"] and line["account"]["code"] is None for e in entries for line in e.lines
    )
    assert any(line["tax"] and line["tax"]["code"] is None for e in entries for line in e.lines)
    assert any(entry.vendor_id for entry in entries)
    assert ReceiptFile.objects.filter(entry__company=company, kind="pdf").exists()
    assert ReceiptFile.objects.filter(entry__company=company, kind="png").exists()


def test_it_balances_every_posting(db):
    company, _ = services.create_company(name="Balanced ApS", currency="EUR")
    services.seed_company(company, entries=400, seed=9)
    for entry in AccountingEntry.objects.filter(company=company):
        for side, total, currency in (
            ("inWalletCurrency", entry.wallet_amount, entry.wallet_currency),
            ("inSupplierCurrency", entry.supplier_amount, entry.supplier_currency),
        ):
            lines = entry.lines
            assert sum(line["lineAmount"][side]["value"] for line in lines) == total
            for line in lines:
                gross = line["lineAmount"][side]["value"]
                net = line["netAmount"][side]["value"]
                assert isinstance(gross, int) and line["lineAmount"][side]["currency"] == currency
                tax = line["tax"]
                tax_value = tax["amount"][side]["value"] if tax else 0
                if tax is None or tax["type"] in ("inclusive", "reverse"):
                    assert net == gross
                else:
                    assert net + tax_value == gross
                # debit expense (excl. tax) + debit input VAT == credit wallet/payable
                expense = gross if tax is None or tax["type"] == "reverse" else gross - tax_value
                vat_debit = tax_value if tax and tax["type"] != "reverse" else 0
                assert expense + vat_debit == gross
                if tax and tax["type"] == "reverse":
                    # self-assessed: the same amount on the ingoing and the outgoing tax account
                    assert tax["ingoingTaxAccount"] and tax["outgoingTaxAccount"]
        if entry.item_type in ("refund", "chargeback"):
            assert entry.wallet_amount < 0


def test_it_uses_each_currencys_minor_units(db):
    company, _ = services.create_company(name="Yen ApS")
    services.seed_company(company, entries=400, seed=5)
    yen = [
        e for e in AccountingEntry.objects.filter(company=company) if e.supplier_currency == "JPY"
    ]
    assert yen
    for entry in yen:
        # 1 JPY is worth 0.046 DKK; yen have no minor unit, kroner have two decimals.
        kroner = entry.wallet_amount / 10 ** currency_exponent("DKK")
        assert abs(entry.supplier_amount - kroner / 0.046) <= 1


def test_it_marks_only_wallet_types_with_contra_accounts(api, seeded):
    job = services.create_export_job(seeded)
    items = api.get("/v3/export-items", params={"job_id": str(job.uuid), "limit": 100}).json()[
        "data"
    ]
    for item in items:
        if item["type"] in WALLET_TYPES:
            assert item["contraAccount"]["code"] == "5820"
        else:
            assert item["contraAccount"] is None


def test_it_tops_up_a_company_without_id_clashes(db):
    company, _ = services.create_company(name="Twice ApS")
    services.seed_company(company, entries=10, seed=1)
    services.seed_company(company, entries=10, seed=1)
    assert AccountingEntry.objects.filter(company=company).count() == 20
