"""Tryton 8.x: post journal entries as account moves over Tryton's REST API.

Settings (`ConnectorConfig.settings`):
  url            server base URL, e.g. "http://127.0.0.1:8000" (required)
  database       database name (required)
  company_id     the company's id in Tryton (default 1)
  journal        code of the journal moves go to (default "EXP")
  web_url        base URL of a Tryton web client (sao); external URLs then open the move there,
                 otherwise they point at the move's REST resource
  create_parties create a party for a merchant without a code that Tryton does not know by name
                 (default true); a party *with* a code must exist
  analytic       map line dimensions to analytic accounts (default true; needs the
                 analytic_account module): dimension group = root code, value = account code
  timeout        seconds per HTTP request (default 30)
Secret: `api_key`, a REST user application key (res.user.application, application "rest").

A move's description starts with "pleo:<Pleo id> "; that is how `find()` recognises it. Taxes are
matched by name, accounts by code, parties by code (else by name). Tryton on SQLite does not
enforce balanced moves, so balance is always checked here before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms

from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    ConfigError,
    Connector,
    ConnectorError,
    Dimension,
    ExternalRef,
    JournalEntry,
    JournalLine,
    MissingConfigError,
    Party,
    Period,
    PermanentError,
    PostedEntry,
    TagUnknownError,
    Tax,
    TaxCodeUnknownError,
    ValidationError,
    VendorUnknownError,
)
from exporthub.connectors.tryton.client import TrytonClient

MOVE = "account.move"


class TrytonForm(forms.Form):
    url = forms.URLField(assume_scheme="https", help_text="e.g. https://erp.example.com")
    database = forms.CharField()
    company_id = forms.IntegerField(initial=1, min_value=1)
    journal = forms.CharField(initial="EXP")
    api_key = forms.CharField(widget=forms.PasswordInput, required=False)


class TrytonConnector(Connector):
    kind = "tryton"
    label = "Tryton"
    config_form = TrytonForm
    secret_fields = ("api_key",)
    endpoint_settings = ("url",)
    link_settings = ("web_url",)
    uses_periods = True

    def __init__(self, config) -> None:
        super().__init__(config)
        missing = [name for name in ("url", "database") if not self.settings.get(name)]
        api_key = config.secret("api_key")
        if not api_key:
            missing.append("api_key")
        if missing:
            raise MissingConfigError(f"Set {', '.join(missing)} for this Tryton connector.")
        self.company_id = int(self.settings.get("company_id", 1))
        self.client = TrytonClient(
            self.settings["url"],
            self.settings["database"],
            api_key,
            context={"company": self.company_id},
            timeout=float(self.settings.get("timeout", 30)),
        )

    def close(self) -> None:
        self.client.close()

    # -- master data (cached for the life of the connector, i.e. one job) --------------------

    def check_connection(self) -> None:
        """Read the company and the journal: proves URL, database, key, company and journal."""
        self.__dict__.pop("_company", None)
        self.__dict__.pop("_journal_id", None)
        company, journal_id = self._company, self._journal_id
        if not (company and journal_id):
            raise ConfigError("Tryton returned no company or journal.")

    @cached_property
    def _company(self) -> dict[str, Any]:
        return self.client.read("company.company", self.company_id, ["rec_name", "currency.code"])

    @cached_property
    def _accounts(self) -> dict[str, dict[str, Any]]:
        rows = self.client.search(
            "account.account",
            [("company", "=", self.company_id), ("type", "!=", None), ("closed", "!=", True)],
            ["code", "name", "party_required", "type.payable", "type.expense"],
        )
        return {row["code"]: row for row in rows if row["code"]}

    @cached_property
    def _taxes(self) -> dict[str, dict[str, Any]]:
        rows = self.client.search(
            "account.tax",
            [("company", "=", self.company_id), ("parent", "=", None)],
            ["name", "description", "rate"],
        )
        return {row["name"]: row for row in rows}

    @cached_property
    def _analytic(self) -> dict[tuple[str, str], int]:
        if not self.settings.get("analytic", True):
            return {}
        rows = self.client.search(
            "analytic_account.account",
            [("type", "=", "normal"), ("company", "=", self.company_id)],
            ["code", "name", "root.code"],
        )
        return {(row["root"]["code"], row["code"]): row["id"] for row in rows if row["root"]}

    @cached_property
    def _journal_id(self) -> int:
        code = self.settings.get("journal", "EXP")
        rows = self.client.search("account.journal", [("code", "=", code)], ["id"], limit=1)
        if not rows:
            raise MissingConfigError(f"Tryton has no journal with code {code!r}.")
        return rows[0]["id"]

    def accounts(self) -> list[Account]:
        return [
            Account(code, row["name"], kind=_account_kind(row))
            for code, row in sorted(self._accounts.items())
        ]

    def taxes(self) -> list[Tax]:
        return [Tax(name, row["description"], row["rate"]) for name, row in self._taxes.items()]

    def dimensions(self) -> list[Dimension]:
        return [Dimension(group, code) for group, code in sorted(self._analytic)]

    def parties(self) -> list[Party]:
        rows = self.client.search("party.party", [], ["name", "code"], limit=1000)
        return [Party(row["name"], row["code"] or "", str(row["id"])) for row in rows]

    def company_name(self) -> str:
        return self._company["rec_name"]

    def open_periods(self) -> list[Period]:
        rows = self.client.search(
            "account.period",
            [("company", "=", self.company_id), ("state", "=", "open"), ("type", "=", "standard")],
            ["name", "start_date", "end_date"],
            order=[("start_date", "ASC")],
        )
        return [Period(row["name"], row["start_date"], row["end_date"]) for row in rows]

    # -- validation ---------------------------------------------------------------------------

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        problems = super().validate(entry)
        currency = self._company["currency"]["code"]
        if entry.currency != currency:
            problems.append(
                ValidationError(
                    f"The company books in {currency}; the entry is in {entry.currency}."
                )
            )
        for line in entry.lines:
            problems += self._line_problems(line)
        if self._period_id(entry) is None:
            problems.append(
                PermanentError(f"Tryton has no open accounting period for {entry.date}.")
            )
        needs_party = any(
            self._accounts.get(line.account, {}).get("party_required") for line in entry.lines
        )
        if needs_party and not self._party_available(entry):
            problems.append(self._party_problem(entry))
        return problems

    def _line_problems(self, line: JournalLine) -> list[ConnectorError]:
        problems: list[ConnectorError] = []
        if line.account not in self._accounts:
            problems.append(
                AccountUnknownError(
                    f"Tryton has no open account with code {line.account!r}.",
                    erp_key=line.account,
                )
            )
        if line.tax_code and line.tax_code not in self._taxes:
            problems.append(
                TaxCodeUnknownError(
                    f"Tryton has no tax named {line.tax_code!r}.", erp_key=line.tax_code
                )
            )
        if self.settings.get("analytic", True):
            for group, code in line.dimensions.items():
                if (group, code) not in self._analytic:
                    problems.append(
                        TagUnknownError(
                            f"Tryton has no analytic account {code!r} under root {group!r}.",
                            erp_key=code,
                        )
                    )
        return problems

    def _party_available(self, entry: JournalEntry) -> bool:
        """True if the party exists, or is a merchant without code that `post()` may create."""
        if entry.party is None:
            return False
        if not entry.party.code and self.settings.get("create_parties", True):
            return True
        return self._party_id(entry, create=False) is not None

    def _party_problem(self, entry: JournalEntry) -> ConnectorError:
        if entry.party is None:
            return ValidationError("The entry books on a payable account but names no party.")
        if entry.party.code:
            return VendorUnknownError(
                f"Tryton has no party with code {entry.party.code!r}.", erp_key=entry.party.code
            )
        return VendorUnknownError(f"Tryton has no party named {entry.party.name!r}.")

    def _period_id(self, entry: JournalEntry) -> int | None:
        rows = self.client.search(
            "account.period",
            [
                ("company", "=", self.company_id),
                ("start_date", "<=", entry.date),
                ("end_date", ">=", entry.date),
                ("type", "=", "standard"),
                ("state", "=", "open"),
            ],
            ["id"],
            limit=1,
        )
        return rows[0]["id"] if rows else None

    def _party_id(self, entry: JournalEntry, *, create: bool) -> int | None:
        party = entry.party
        if party is None:
            return None
        if party.code:
            rows = self.client.search("party.party", [("code", "=", party.code)], ["id"], limit=1)
            return rows[0]["id"] if rows else None
        rows = self.client.search("party.party", [("name", "=", party.name)], ["id"], limit=1)
        if rows:
            return rows[0]["id"]
        if not (create and self.settings.get("create_parties", True)):
            return None
        return self.client.create("party.party", {"name": party.name})["id"]

    # -- writing ------------------------------------------------------------------------------

    def find(self, pleo_id: str) -> ExternalRef | None:
        move = self._find_move(pleo_id)
        return self._ref(move) if move else None

    def _find_move(self, pleo_id: str) -> dict[str, Any] | None:
        prefix = f"pleo:{pleo_id} "
        rows = self.client.search(
            MOVE,
            [("company", "=", self.company_id), ("description", "like", f"{prefix}%")],
            ["number", "state", "description"],
            order=[("id", "ASC")],
        )
        # LIKE treats "_" as a wildcard; compare exactly.
        rows = [row for row in rows if (row["description"] or "").startswith(prefix)]
        return rows[0] if rows else None

    def read_postings(self, pleo_ids: Sequence[str]) -> dict[str, PostedEntry]:
        moves = {}
        for pleo_id in pleo_ids:
            move = self._find_move(pleo_id)
            if move is not None:
                moves[pleo_id] = move
        if not moves:
            return {}
        ids = [move["id"] for move in moves.values()]
        headers = {
            row["id"]: row for row in self.client.search(MOVE, [("id", "in", ids)], ["date"])
        }
        amounts: dict[int, dict[str, Decimal]] = {move_id: {} for move_id in ids}
        lines = self.client.search(
            "account.move.line", [("move", "in", ids)], ["move", "account.code", "debit", "credit"]
        )
        for line in lines:
            account = line["account"]["code"]
            per_move = amounts[line["move"]]
            per_move[account] = per_move.get(account, Decimal(0)) + (line["debit"] - line["credit"])
        currency = self._company["currency"]["code"]
        return {
            pleo_id: PostedEntry(
                self._ref(move), headers[move["id"]]["date"], currency, amounts[move["id"]]
            )
            for pleo_id, move in moves.items()
        }

    def post(self, entry: JournalEntry) -> ExternalRef:
        move = self._find_move(entry.pleo_id)
        if move is None:
            self.ensure_valid(entry)
            move = self.client.create(MOVE, self._move_values(entry), ["number", "state"])
        if move["state"] != "posted":
            # A move left in draft by an earlier attempt is completed, not duplicated.
            self.attach_receipts(ExternalRef(str(move["id"])), entry)
            self.client.button(MOVE, move["id"], "post")
            move = self.client.read(MOVE, move["id"], ["number", "state"])
        return self._ref(move)

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        resource = f"{MOVE},{ref.id}"
        existing = {
            row["name"]
            for row in self.client.search("ir.attachment", [("resource", "=", resource)], ["name"])
        }
        for receipt in entry.receipts:
            if receipt.name in existing:
                continue
            self.client.create(
                "ir.attachment",
                {
                    "name": receipt.name,
                    "resource": resource,
                    "type": "data",
                    "data": receipt.read(),
                },
            )

    def _move_values(self, entry: JournalEntry) -> dict[str, Any]:
        needs_party = any(self._accounts[line.account]["party_required"] for line in entry.lines)
        party_id = self._party_id(entry, create=True) if needs_party else None
        lines = [self._line_values(entry, line, party_id) for line in entry.lines]
        return {
            "journal": self._journal_id,
            "period": self._period_id(entry),
            "date": entry.date,
            "description": f"pleo:{entry.pleo_id} {_summary(entry)}".strip() + " ",
            "lines": [["create", lines]],
        }

    def _line_values(
        self, entry: JournalEntry, line: JournalLine, party_id: int | None
    ) -> dict[str, Any]:
        account = self._accounts[line.account]
        values: dict[str, Any] = {
            "account": account["id"],
            "debit": line.debit,
            "credit": line.credit,
            "description": line.text,
        }
        if account["party_required"]:
            values["party"] = party_id
        if account["type"] and account["type"].get("payable"):
            values["maturity_date"] = entry.due_date or entry.date
        if line.tax_code:
            tax_line = {
                "type": "tax" if line.is_tax else "base",
                "amount": line.amount,
                "tax": self._taxes[line.tax_code]["id"],
            }
            values["tax_lines"] = [["create", [tax_line]]]
        analytic = [
            {
                "account": self._analytic[(group, code)],
                "debit": line.debit,
                "credit": line.credit,
                "date": entry.date,
            }
            for group, code in sorted(line.dimensions.items())
            if self.settings.get("analytic", True)
        ]
        if analytic:
            values["analytic_lines"] = [["create", analytic]]
        return values

    def _ref(self, move: dict[str, Any]) -> ExternalRef:
        web_url = (self.settings.get("web_url") or "").rstrip("/")
        if web_url:
            url = f"{web_url}/#{self.client.database}/model/{MOVE}/{move['id']}"
        else:
            url = self.client.record_url(MOVE, move["id"])
        return ExternalRef(id=str(move["id"]), url=url, label=move.get("number") or "")


def _account_kind(row: dict[str, Any]) -> str:
    account_type = row.get("type") or {}
    for kind in ("payable", "expense"):
        if account_type.get(kind):
            return kind
    return ""


def _summary(entry: JournalEntry) -> str:
    parts = [entry.party.name if entry.party else "", entry.text, entry.reference]
    return " · ".join(part for part in parts if part)
