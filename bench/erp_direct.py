"""`python -m bench erp-direct [--items N] [--only tryton|beancount]`: the connectors' batch path
against writing the same entries straight into the ERP, side by side in one run.

For each ERP the same N balanced entries (25 % VAT, a known supplier, an analytic dimension; no
receipts) are written twice:
  hub     the connector's `post_many()` in pages of 100, as the engine calls it (including the
          job's master-data reads and, for Beancount, the first full check of the ledger)
  direct  Tryton: JSON-RPC `account.move.create` + `account.move.post` in batches of 100 on a
          second copy of the same database (move values built beforehand, untimed);
          Beancount: format the transactions, write them (one fsync) and load the file once
Printed: items/s (Tryton) or ms/item (Beancount) for both, the ratio hub/direct in time, and
Tryton's HTTP requests per item (counted on the wire). The last line is one JSON object.
Targets (issue 11): Tryton time ≤ 1.5× direct and ≤ 3 requests per item; Beancount ≤ 3×.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
import uuid
from decimal import Decimal

from bench import environment

PAGE = 100
TARGETS = {"tryton_time_ratio": 1.5, "tryton_requests_per_item": 3.0, "beancount_time_ratio": 3.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench erp-direct", description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--only", choices=["tryton", "beancount"])
    args = parser.parse_args(argv)
    workspace = environment.prepare()
    output: dict = {"bench": "erp_direct", "items": args.items, "targets": TARGETS}
    try:
        import django

        django.setup()
        if args.only != "tryton":
            output["beancount"] = beancount_figures(args.items, workspace.data_dir)
        if args.only != "beancount":
            output["tryton"] = tryton_figures(args.items)
    finally:
        workspace.close()
    print(json.dumps(output, sort_keys=True), flush=True)
    return 0


def say(text: str) -> None:
    print(text, flush=True)


def entries(n: int, accounts: tuple[str, str, str]):
    from exporthub.connectors.base import JournalEntry, JournalLine, Party

    expense, vat, payable = accounts
    for number in range(n):
        gross = Decimal(10 + number % 90) + Decimal("0.25")
        tax = (gross / 5).quantize(Decimal("0.01"))
        yield JournalEntry(
            pleo_id=str(uuid.uuid4()),
            date=dt.date(dt.date.today().year, 1, 1) + dt.timedelta(days=number % 28),
            currency="EUR",
            text=f"Purchase {number}",
            party=Party("Known Supplier AS", code="SUP-1"),
            lines=(
                JournalLine(
                    expense, debit=gross - tax, tax_code="VAT25", dimensions={"DEPT": "SALES"}
                ),
                JournalLine(vat, debit=tax, tax_code="VAT25", is_tax=True),
                JournalLine(payable, credit=gross),
            ),
        )


def hub_post(connector, page_entries) -> None:
    """The connector takes every page; every entry must come back posted."""
    from exporthub.connectors.base import ExternalRef

    for start in range(0, len(page_entries), PAGE):
        results = connector.post_many(page_entries[start : start + PAGE])
        bad = [r for r in results if not isinstance(r, ExternalRef)]
        if bad:
            raise RuntimeError(f"the connector refused entries: {bad[:3]}")


# -- Tryton ------------------------------------------------------------------------------------


def tryton_figures(n: int) -> dict:
    from django.conf import settings

    from devtools.tryton.localserver import start_server
    from exporthub.connectors.models import ConnectorConfig
    from exporthub.connectors.registry import build_connector

    server = start_server(settings.DATABASES["default"], environment.ROOT / "var")
    try:
        hub_db, direct_db = server.clone(), server.clone()
        config = ConnectorConfig(
            name="Tryton",
            kind="tryton",
            settings={
                "url": server.url,
                "database": hub_db,
                "company_id": server.company_id,
                "login": server.login,
            },
        )
        config.set_secret("api_key", server.api_key)
        config.set_secret("password", server.password)
        todo = list(entries(n, ("5.1.3", "6.3.6", "2.1.1")))
        requests = [0]
        with build_connector(config) as connector:
            clients = [connector.client.http, getattr(connector.client, "rpc_http", None)]
            for http in filter(None, clients):
                http.event_hooks["request"].append(lambda _request: count(requests))
            started = time.perf_counter()
            connector.check_connection()
            hub_post(connector, todo)
            hub_seconds = time.perf_counter() - started
            values = [connector._move_values(entry) for entry in todo]
        direct_seconds = tryton_direct(server, direct_db, values)
    finally:
        server.stop()
        shutil.rmtree(server.work_dir, ignore_errors=True)
    figures = {
        "hub_items_per_s": round(n / hub_seconds, 1),
        "direct_items_per_s": round(n / direct_seconds, 1),
        "time_ratio": round(hub_seconds / direct_seconds, 2),
        "requests_per_item": round(requests[0] / n, 3),
    }
    figures["targets_met"] = {
        "time_ratio": figures["time_ratio"] <= TARGETS["tryton_time_ratio"],
        "requests_per_item": figures["requests_per_item"] <= TARGETS["tryton_requests_per_item"],
    }
    say(
        f"Tryton, {n} moves: hub {figures['hub_items_per_s']} items/s, direct JSON-RPC "
        f"{figures['direct_items_per_s']} items/s, hub/direct time ×{figures['time_ratio']}, "
        f"{figures['requests_per_item']} requests per item"
    )
    return figures


def count(counter: list[int]) -> None:
    counter[0] += 1


def tryton_direct(server, database: str, values: list[dict]) -> float:
    """Create and post the moves over JSON-RPC in batches of PAGE (HTTP Basic, as the hub)."""
    import httpx

    from exporthub.connectors.tryton.client import _decode, _encode

    context = {"company": server.company_id}
    with httpx.Client(
        base_url=f"{server.url}/{database}/rpc/",
        auth=(server.login, server.password),
        timeout=300,
    ) as http:

        def call(method, *params):
            body = {"id": 1, "method": method, "params": [*params, context]}
            response = http.post(
                "", content=json.dumps(_encode(body)), headers={"Content-Type": "application/json"}
            )
            answer = json.loads(response.content, object_hook=_decode)
            if "error" in answer:
                raise RuntimeError(answer["error"])
            return answer["result"]

        started = time.perf_counter()
        for start in range(0, len(values), PAGE):
            ids = call("model.account.move.create", values[start : start + PAGE])
            call("model.account.move.post", ids)
        return time.perf_counter() - started


# -- Beancount ---------------------------------------------------------------------------------


def beancount_figures(n: int, data_dir) -> dict:
    from exporthub.connectors.models import ConnectorConfig
    from exporthub.connectors.registry import build_connector

    accounts = {
        "Expenses:Services": "5.1.3",
        "Assets:VAT:Input": "6.3.6",
        "Liabilities:Pleo": "2.1.1",
    }
    settings = {
        "open_accounts": accounts,
        "currency": "EUR",
        "tax_codes": {"VAT25": "VAT 25 %"},
    }
    todo = list(entries(n, ("5.1.3", "6.3.6", "2.1.1")))
    config = ConnectorConfig(
        name="Ledger",
        kind="beancount",
        settings={**settings, "ledger_path": str(data_dir / "hub.beancount")},
    )
    with build_connector(config) as connector:
        started = time.perf_counter()
        connector.check_connection()
        hub_post(connector, todo)
        hub_seconds = time.perf_counter() - started
        header = connector._header()
        names = {code: name for name, code in accounts.items()}
        transactions = [connector._transaction(entry, names, {}) for entry in todo]
    direct_seconds = beancount_direct(data_dir / "direct.beancount", header, transactions)
    figures = {
        "hub_ms_per_item": round(1000 * hub_seconds / n, 3),
        "direct_ms_per_item": round(1000 * direct_seconds / n, 3),
        "time_ratio": round(hub_seconds / direct_seconds, 2),
    }
    figures["targets_met"] = {
        "time_ratio": figures["time_ratio"] <= TARGETS["beancount_time_ratio"]
    }
    say(
        f"Beancount, {n} entries: hub {figures['hub_ms_per_item']} ms/item, direct (format, write, "
        f"load) {figures['direct_ms_per_item']} ms/item, hub/direct ×{figures['time_ratio']}"
    )
    return figures


def beancount_direct(path, header: str, transactions) -> float:
    from beancount import loader
    from beancount.parser import printer

    started = time.perf_counter()
    text = header + "".join("\n" + printer.format_entry(txn) for txn in transactions)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    _entries, errors, _options = loader.load_file(str(path))
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"the direct ledger has errors: {errors[:3]}")
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
