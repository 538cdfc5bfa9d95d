"""What an accountant sees of an export item in lists, stored on the row when its payload arrives.

Lists and the overview read these columns instead of the JSON payload, so they stay fast and
name an entry by its date, supplier, amount, category and employee (and the mapping editor
finds Pleo's names of contra accounts and vendors).
"""

from __future__ import annotations

import datetime as dt

from exporthub.core.money import to_minor_units
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem

SUMMARY_FIELDS = [
    "entry_date", "amount_minor", "currency", "supplier", "category_code", "category_name",
    "employee", "contra_account_code", "contra_account_name", "vendor_code", "vendor_name",
]  # fmt: skip


def posting_date(moment: dt.datetime) -> dt.date:
    """The day an entry is booked on: the date of Pleo's timestamp in the offset Pleo sent it,
    never converted to the server's or a viewer's time zone (the posting uses `item.date.date()`).
    """
    return moment.date()


def summary_of(item: PleoExportItem) -> dict:
    """The summary columns for a parsed Pleo export item.

    The date is the one the posting carries (`JournalEntry.date`): the item's date as Pleo sent it.
    """
    total = item.amount.in_wallet_currency
    account = next((line.account for line in item.lines if line.account is not None), None)
    contra, vendor = item.contra_account, item.vendor
    if vendor is not None:
        supplier = vendor.name
    elif item.supplier is not None and item.supplier.name:
        supplier = item.supplier.name
    else:
        supplier = ""
    return {
        "entry_date": posting_date(item.date),
        "amount_minor": to_minor_units(total.amount, total.currency),
        "currency": total.currency,
        "supplier": supplier[:255],
        "category_code": ((account.code or "") if account else "")[:64],
        "category_name": (account.name if account else "")[:255],
        "employee": (item.user.name if item.user else "")[:255],
        "contra_account_code": ((contra.code or "") if (contra := item.contra_account) else "")[
            :64
        ],
        "contra_account_name": (contra.name if contra else "")[:255],
        "vendor_code": ((item.vendor.code or "") if item.vendor else "")[:64],
        "vendor_name": (item.vendor.name if item.vendor else "")[:255],
    }


def apply_summary(row, item: PleoExportItem) -> None:
    for name, value in summary_of(item).items():
        setattr(row, name, value)
