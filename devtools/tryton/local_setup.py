"""Build a Tryton database ready for the tests and the demo (run as a script, never imported).

Usage: python local_setup.py DBNAME OUTPUT.json, with TRYTOND_DATABASE__* set by the caller.
The modules must already be activated (trytond-admin). Creates the company (EUR), the generic
English chart, fiscal years for last year and this one (monthly periods), a 25 % purchase tax,
two analytic roots (DEPT with SALES/OPS, PROJECT with APOLLO), a supplier party with code and a
REST key for admin, then writes what the tests need to OUTPUT.json.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal


def fiscal_years(today: dt.date) -> list[int]:
    """Last year and this one: the demo's entries reach up to 90 days back from today."""
    return [today.year - 1, today.year]


def main(database: str, output: str) -> None:
    from proteus import Model, Wizard, config

    cfg = config.set_trytond(database)
    Currency = Model.get("currency.currency")
    eur = Currency(name="Euro", code="EUR", symbol="€", rounding=Decimal("0.01"), digits=2)
    eur.save()

    Party = Model.get("party.party")
    company_party = Party(name="Exporthub Test Company")
    company_party.save()
    wizard = Wizard("company.company.config")
    wizard.execute("company")
    wizard.form.party = company_party
    wizard.form.currency = eur
    wizard.execute("add")
    User = Model.get("res.user")
    cfg._context = User.get_preferences(True, {})
    Company = Model.get("company.company")
    (company,) = Company.find()

    ModelData = Model.get("ir.model.data")
    Template = Model.get("account.account.template")
    chart = Wizard("account.create_chart")
    chart.execute("account")
    chart.form.account_template = Template(
        ModelData.get_id("account.account_template_root_en", cfg.context)
    )
    chart.form.company = company
    chart.execute("create_account")
    Account = Model.get("account.account")
    (payable,) = Account.find([("code", "=", "2.1.1"), ("company", "=", company.id)])
    (receivable,) = Account.find([("type.receivable", "=", True)], limit=1)
    chart.form.account_payable = payable
    chart.form.account_receivable = receivable
    chart.execute("create_properties")
    (vat,) = Account.find([("code", "=", "6.3.6")])

    SequenceType = Model.get("ir.sequence.type")
    Strict = Model.get("ir.sequence.strict")
    (move_type,) = SequenceType.find([("name", "=", "Account Move")], limit=1)
    (invoice_type,) = SequenceType.find([("name", "=", "Invoice")], limit=1)
    FiscalYear = Model.get("account.fiscalyear")
    for year_number in fiscal_years(dt.date.today()):
        move_sequence = Strict(name=str(year_number), sequence_type=move_type, company=company)
        move_sequence.save()
        invoice_sequence = Strict(
            name=f"{year_number} invoices", sequence_type=invoice_type, company=company
        )
        invoice_sequence.save()
        year = FiscalYear(
            name=str(year_number),
            start_date=dt.date(year_number, 1, 1),
            end_date=dt.date(year_number, 12, 31),
            company=company,
            move_sequence=move_sequence,
        )
        (sequences,) = year.invoice_sequences
        for field in ("out_invoice", "in_invoice", "out_credit_note", "in_credit_note"):
            setattr(sequences, f"{field}_sequence", invoice_sequence)
        year.save()
        year.click("create_period")

    Tax = Model.get("account.tax")
    tax = Tax(
        name="VAT25",
        description="Purchase VAT 25 %",
        type="percentage",
        rate=Decimal("0.25"),
        invoice_account=vat,
        credit_note_account=vat,
    )
    tax.save()

    Analytic = Model.get("analytic_account.account")
    for root_code, children in {"DEPT": ["SALES", "OPS"], "PROJECT": ["APOLLO"]}.items():
        root = Analytic(name=root_code, code=root_code, type="root")
        root.save()
        for code in children:
            Analytic(name=code.title(), code=code, type="normal", root=root, parent=root).save()

    supplier = Party(name="Known Supplier AS", code="SUP-1")
    supplier.save()

    Application = Model.get("res.user.application")
    application = Application(user=User(cfg.user), application="rest")
    application.save()
    assert application.state == "validated", application.state

    with open(output, "w") as handle:
        json.dump({"api_key": application.key, "company_id": company.id}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
