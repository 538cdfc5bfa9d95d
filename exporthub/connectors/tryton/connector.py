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
  login          the login of the key's Tryton user, to post a page of moves at once (optional)
Secrets: `api_key`, a REST user application key (res.user.application, application "rest");
`password`, that user's password (optional, with `login`).

Authentication trade-off. Everything goes through REST with the application key (revocable, for
this one application, no password stored) except posting: Tryton's REST API cannot post a list
of moves (its model actions pass ids where `post` expects records), only one move per request.
Posting a page at once takes JSON-RPC, which knows no application keys, only a user's login and
password. So with `login` and `password` set, a page is posted in one JSON-RPC request (HTTP
Basic per request, no session: `post` wants a session used within the server's session timeout,
which a paused job outlives; the cost is one password check per page); without them, each move
is posted by its own REST request (about 1 request per item more, and slower). Moves are always
created a page at a time over REST (the `create` action takes a list). The price of the password:
it opens everything the user may do in any Tryton client and is revoked only by changing it, so
give the hub a Tryton user of its own with accounting rights only.

Each move's period is our own lookup for its date: trytond checks the period domain of a batch
of moves grouped (any move's period passes if it fits any move's date), so it would not catch a
wrong one in a page.

A move's description starts with "pleo:<Pleo id> "; that is how `find()` recognises it. Taxes are
matched by name, accounts by code, parties by code (else by name). Tryton on SQLite does not
enforce balanced moves, so balance is always checked here before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
    login = forms.CharField(
        required=False,
        help_text=_("The Tryton user's login, with its password: posts a page of moves at once."),
    )
    password = forms.CharField(widget=forms.PasswordInput, required=False)


class TrytonConnector(Connector):
    kind = "tryton"
    label = "Tryton"
    config_form = TrytonForm
    secret_fields = ("api_key", "password")
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
            login=self.settings.get("login", ""),
            password=config.secret("password") or "",
        )
        self._party_ids: dict[tuple[str, str], int | None] = {}
        self._periods_by_date: dict[dt.date, int | None] = {}

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

    @cached_property
    def _open_period_rows(self) -> list[dict[str, Any]]:
        return self.client.search(
            "account.period",
            [("company", "=", self.company_id), ("state", "=", "open"), ("type", "=", "standard")],
            ["name", "start_date", "end_date"],
            order=[("start_date", "ASC")],
        )

    def open_periods(self) -> list[Period]:
        return [
            Period(row["name"], row["start_date"], row["end_date"])
            for row in self._open_period_rows
        ]

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
        if self._period_id(entry.date) is None:
            problems.append(
                PermanentError(f"Tryton has no open accounting period for {entry.date}.")
            )
        if self._needs_party(entry) and not self._party_available(entry):
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

    def _needs_party(self, entry: JournalEntry) -> bool:
        return any(
            self._accounts.get(line.account, {}).get("party_required") for line in entry.lines
        )

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

    def _period_id(self, date: dt.date) -> int | None:
        """The open standard period holding `date` (from the periods read once per job)."""
        if date not in self._periods_by_date:
            self._periods_by_date[date] = next(
                (
                    row["id"]
                    for row in self._open_period_rows
                    if row["start_date"] <= date <= row["end_date"]
                ),
                None,
            )
        return self._periods_by_date[date]

    # -- parties (looked up once per code or name, a page at a time) --------------------------

    def _party_id(self, entry: JournalEntry, *, create: bool) -> int | None:
        party = entry.party
        if party is None:
            return None
        key = _party_key(party)
        if key not in self._party_ids:
            self._prefetch_parties([entry])
        party_id = self._party_ids[key]
        creatable = not party.code and self.settings.get("create_parties", True)
        if party_id is None and create and creatable:
            party_id = self.client.create("party.party", {"name": party.name})["id"]
            self._party_ids[key] = party_id
        return party_id

    def _prefetch_parties(self, entries: Sequence[JournalEntry]) -> None:
        """Look up, in one search, the parties of `entries` not looked up yet."""
        missing = {
            _party_key(entry.party)
            for entry in entries
            if entry.party is not None and _party_key(entry.party) not in self._party_ids
        }
        if not missing:
            return
        codes = sorted(value for kind, value in missing if kind == "code")
        names = sorted(value for kind, value in missing if kind == "name")
        rows = self.client.search(
            "party.party",
            ["OR", ("code", "in", codes), ("name", "in", names)],
            ["name", "code"],
            order=[("id", "ASC")],
        )
        for row in rows:
            for key in (("code", row["code"] or ""), ("name", row["name"])):
                if key in missing and key not in self._party_ids:
                    self._party_ids[key] = row["id"]
        for key in missing:
            self._party_ids.setdefault(key, None)

    def _create_parties(self, entries: Sequence[JournalEntry]) -> None:
        """Create, in one request, the merchants (parties without code) Tryton does not know."""
        if not self.settings.get("create_parties", True):
            return
        names = sorted(
            {
                entry.party.name
                for entry in entries
                if entry.party is not None
                and not entry.party.code
                and self._needs_party(entry)
                and self._party_ids.get(("name", entry.party.name)) is None
            }
        )
        ids = self.client.create_many("party.party", [{"name": name} for name in names])
        self._party_ids.update({("name", name): id_ for name, id_ in zip(names, ids, strict=True)})

    # -- writing ------------------------------------------------------------------------------

    def find(self, pleo_id: str) -> ExternalRef | None:
        """The posted move of this Pleo id; a move left in draft is not posted yet (None)."""
        move = self._search_moves([pleo_id]).get(pleo_id)
        return self._ref(move) if move and move["state"] == "posted" else None

    def _search_moves(self, pleo_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """{Pleo id: its move (the first created)}, for all of `pleo_ids` in one search."""
        wanted = set(pleo_ids)
        if not wanted:
            return {}
        rows = self.client.search(
            MOVE,
            [
                ("company", "=", self.company_id),
                ["OR", *(("description", "like", f"pleo:{pid} %") for pid in sorted(wanted))],
            ],
            ["number", "state", "description"],
            order=[("id", "ASC")],
        )
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            # LIKE treats "_" as a wildcard; compare exactly.
            head = (row["description"] or "").split(" ", 1)[0]
            pleo_id = head.removeprefix("pleo:")
            if head.startswith("pleo:") and pleo_id in wanted:
                found.setdefault(pleo_id, row)
        return found

    def read_postings(self, pleo_ids: Sequence[str]) -> dict[str, PostedEntry]:
        """The page's posted moves in three requests: the moves, their dates, their lines."""
        found = self._search_moves(pleo_ids)
        moves = {pid: move for pid, move in found.items() if move["state"] == "posted"}
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
        (result,) = self.post_many([entry])
        if isinstance(result, ConnectorError):
            raise result
        return result

    def post_many(self, entries: Sequence[JournalEntry]) -> list[ExternalRef | ConnectorError]:
        """A page in a few requests: one search for the page's moves (skipped for ids `find()`
        just looked up), one for its parties, one create of the missing parties, one of the
        moves, one of their attachments, one post (JSON-RPC) and one read of the numbers.

        Moves are created in draft and posted afterwards, so a process stopped in between
        leaves drafts that the next attempt finds, completes (receipts not yet attached) and
        posts. A batch Tryton refuses is retried entry by entry, so each gets its own result.
        """
        results: list[ExternalRef | ConnectorError | None] = [None] * len(entries)
        first: dict[str, int] = {}
        for index, entry in enumerate(entries):
            first.setdefault(entry.pleo_id, index)
        try:
            # Always searched right before writing: a remembered "not there" could be stale.
            moves = self._search_moves(list(first))
            self._prefetch_parties(entries)
        except ConnectorError as error:
            return [error] * len(entries)
        new: list[int] = []
        drafts: list[tuple[int, int]] = []
        for pleo_id, index in first.items():
            move = moves.get(pleo_id)
            if move is None:
                try:
                    problems = self.validate(entries[index])
                except ConnectorError as error:
                    problems = [error]
                if problems:
                    results[index] = problems[0]
                else:
                    new.append(index)
            elif move["state"] == "posted":
                results[index] = self._ref(move)
            else:
                drafts.append((index, move["id"]))
        created = self._create_moves(entries, new, results)
        ready = self._attach_all(entries, created, drafts, results)
        self._post_moves(ready, results)
        return [
            result if result is not None else results[first[entries[index].pleo_id]]
            for index, result in enumerate(results)
        ]  # type: ignore[return-value]

    def _create_moves(
        self, entries: Sequence[JournalEntry], new: list[int], results: list
    ) -> list[tuple[int, int]]:
        """Create the moves of `new` (indexes) in draft, in one request; [(index, move id)]."""
        if not new:
            return []
        try:
            self._create_parties([entries[index] for index in new])
            vlist = [self._move_values(entries[index]) for index in new]
            return list(zip(new, self.client.create_many(MOVE, vlist), strict=True))
        except ConnectorError as error:
            if not _refused(error):
                _fill(results, new, error)
                return []
        created = []
        for index in new:  # the batch was refused: find out which entry Tryton objects to
            try:
                (move_id,) = self.client.create_many(MOVE, [self._move_values(entries[index])])
                created.append((index, move_id))
            except ConnectorError as error:
                results[index] = error
        return created

    def _attach_all(
        self,
        entries: Sequence[JournalEntry],
        created: list[tuple[int, int]],
        drafts: list[tuple[int, int]],
        results: list,
    ) -> list[tuple[int, int]]:
        """Attach the receipts in one request (looking only at drafts for ones already there);
        return the moves ready to post."""
        existing: set[tuple[str, str]] = set()
        if drafts:
            try:
                rows = self.client.search(
                    "ir.attachment",
                    [("resource", "in", [f"{MOVE},{move_id}" for _, move_id in drafts])],
                    ["name", "resource"],
                )
            except ConnectorError as error:
                _fill(results, [index for index, _ in drafts], error)
                drafts = []
            else:
                existing = {(row["resource"], row["name"]) for row in rows}
        pending: dict[int, list[dict[str, Any]]] = {}
        for index, move_id in created + drafts:
            resource = f"{MOVE},{move_id}"
            try:
                pending[index] = [
                    {"name": r.name, "resource": resource, "type": "data", "data": r.read()}
                    for r in entries[index].receipts
                    if (resource, r.name) not in existing
                ]
            except ConnectorError as error:
                results[index] = error
        try:
            self.client.create_many("ir.attachment", [v for vs in pending.values() for v in vs])
        except ConnectorError as error:
            if not _refused(error):
                _fill(results, list(pending), error)
            else:
                for index, vlist in pending.items():
                    try:
                        self.client.create_many("ir.attachment", vlist)
                    except ConnectorError as error:
                        results[index] = error
        return [(index, move_id) for index, move_id in created + drafts if results[index] is None]

    def _post_moves(self, ready: list[tuple[int, int]], results: list) -> None:
        """Post the moves: all in one JSON-RPC call if the connector has a login, else (or if
        Tryton refuses the batch, or for a single move) one REST request per move, which also
        answers the move's number."""
        if not ready:
            return
        ids = [move_id for _, move_id in ready]
        if self.client.has_rpc and len(ids) > 1:
            try:
                self.client.rpc(f"model.{MOVE}.post", ids)
                rows = self.client.search(MOVE, [("id", "in", ids)], ["number", "state"])
            except ConnectorError as error:
                if not _refused(error):
                    _fill(results, [index for index, _ in ready], error)
                    return
            else:
                by_id = {row["id"]: row for row in rows}
                for index, move_id in ready:
                    results[index] = self._ref(by_id[move_id])
                return
        for index, move_id in ready:
            try:
                results[index] = self._ref(
                    self.client.button(MOVE, move_id, "post", ["number", "state"])
                )
            except ConnectorError as error:
                results[index] = error

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        resource = f"{MOVE},{ref.id}"
        existing = {
            row["name"]
            for row in self.client.search("ir.attachment", [("resource", "=", resource)], ["name"])
        }
        self.client.create_many(
            "ir.attachment",
            [
                {"name": r.name, "resource": resource, "type": "data", "data": r.read()}
                for r in entry.receipts
                if r.name not in existing
            ],
        )

    def _move_values(self, entry: JournalEntry) -> dict[str, Any]:
        party_id = self._party_id(entry, create=True) if self._needs_party(entry) else None
        lines = [self._line_values(entry, line, party_id) for line in entry.lines]
        return {
            "journal": self._journal_id,
            "period": self._period_id(entry.date),
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


def _party_key(party: Party) -> tuple[str, str]:
    return ("code", party.code) if party.code else ("name", party.name)


def _refused(error: ConnectorError) -> bool:
    """Tryton refused what was sent (an entry's fault, worth retrying one by one)."""
    return isinstance(error, PermanentError) and not error.affects_job


def _fill(results: list, indexes: list[int], error: ConnectorError) -> None:
    for index in indexes:
        results[index] = error


def _account_kind(row: dict[str, Any]) -> str:
    account_type = row.get("type") or {}
    for kind in ("payable", "expense"):
        if account_type.get(kind):
            return kind
    return ""


def _summary(entry: JournalEntry) -> str:
    parts = [entry.party.name if entry.party else "", entry.text, entry.reference]
    return " · ".join(part for part in parts if part)
