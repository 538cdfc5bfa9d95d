"""Connections in and out of the API without their secrets; mappings edited, exported and
imported as on the dashboard."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.models import ActivityEntry
from exporthub.pleo.models import PleoConnection
from tests.api.conftest import problem_of

API_KEY = "pleo-api-key-very-secret-1234"
CLIENT_SECRET = "oauth-client-secret-5678"


def every_answer(api, integration) -> str:
    """Everything an admin can read back through the API, as one text."""
    paths = [
        "pleo-connections",
        "erp-connections",
        f"pleo-connections/{integration.pleo_connection_id}",
        f"erp-connections/{integration.erp_connection_id}",
        "integrations",
        "activity",
        f"integrations/{integration.pk}",
    ]
    return "".join(api.get(path).content.decode() for path in paths)


def test_pleo_connection_secrets_go_in_and_never_come_out(api_as, users, integration):
    api = api_as(users["admin"])
    created = api.post("pleo-connections", {
        "name": "Second company", "base_url": "https://pleo.example.com",
        "auth_method": "api_key", "api_key": API_KEY})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["api_key_set"] is True and "api_key" not in body
    connection = PleoConnection.objects.get(pk=body["id"])
    assert connection.api_key == API_KEY  # stored (encrypted at rest by its field)
    changed = api.put(f"pleo-connections/{connection.pk}", {
        "name": "Renamed", "base_url": "https://pleo.example.com", "auth_method": "oauth",
        "oauth_client_id": "hub", "oauth_client_secret": CLIENT_SECRET})  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["oauth_client_secret_set"] is True
    connection.refresh_from_db()
    assert connection.api_key == API_KEY and connection.oauth_client_secret == CLIENT_SECRET
    moved = api.put(f"pleo-connections/{connection.pk}", {
        "name": "Renamed", "base_url": "https://elsewhere.example.com", "auth_method": "oauth",
        "oauth_client_id": "hub"})  # fmt: skip
    assert problem_of(moved)["errors"][0]["field"] == "oauth_client_secret"
    seen = every_answer(api, integration) + created.content.decode() + changed.content.decode()
    assert API_KEY not in seen and CLIENT_SECRET not in seen
    assert integration.pleo_connection.api_key not in seen
    assert not ActivityEntry.objects.filter(after__icontains=API_KEY).exists()


def test_erp_connection_secrets_go_in_and_never_come_out(api_as, users, integration):
    api = api_as(users["admin"])
    settings = {"url": "https://tryton.example.com", "database": "books", "company_id": 1,
                "journal": "EXP", "api_key": "tryton-password-987"}  # fmt: skip
    created = api.post(
        "erp-connections", {"name": "Tryton", "kind": "tryton", "settings": settings}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "api_key" not in body["settings"] and body["secrets_set"] == ["api_key"]
    config = ConnectorConfig.objects.get(pk=body["id"])
    assert config.secret(body["secrets_set"][0]) == "tryton-password-987"
    seen = every_answer(api, integration) + created.content.decode()
    assert "tryton-password-987" not in seen
    test = api.post(f"erp-connections/{integration.erp_connection_id}/test")
    assert test.status_code == 200 and test.json()["ok"] is True
    unknown = api.post("erp-connections", {"name": "X", "kind": "nonsense"})
    assert problem_of(unknown)["errors"] == [{"field": "kind", "message": "Unknown connector."}]


def test_testing_the_pleo_connection_asks_the_sandbox(api_as, users, integration):
    answer = api_as(users["admin"]).post(f"pleo-connections/{integration.pleo_connection_id}/test")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "message": "Pleo answered for Nordlys Design ApS."}


def test_mappings_are_created_updated_deleted_and_round_trip_as_csv(api_as, users, integration):
    api = api_as(users["admin"])
    path = f"integrations/{integration.pk}/mappings"
    created = api.post(path, {"kind": "tag", "pleo_key": "proj-1", "erp_key": "P1"})
    assert created.status_code == 201
    mapping = created.json()
    updated = api.put(f"{path}/{mapping['id']}", {"kind": "tag", "pleo_key": "proj-1",
                                                 "erp_key": "P2"})  # fmt: skip
    assert updated.json()["erp_key"] == integration.mappings.get(pleo_key="proj-1").erp_key == "P2"
    first = integration.mappings.exclude(pk=mapping["id"]).first()
    clash = api.put(f"{path}/{mapping['id']}",
                    {"kind": first.kind, "pleo_key": first.pleo_key, "erp_key": "Z"})  # fmt: skip
    assert problem_of(clash)["type"] == "urn:exporthub:problem:mapping-exists"
    csv = api.get(f"{path}.csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "tag,proj-1," in text
    assert api.delete(f"{path}/{mapping['id']}").status_code == 204
    assert not integration.mappings.filter(pleo_key="proj-1").exists()
    upload = SimpleUploadedFile("m.csv", text.encode(), content_type="text/csv")
    imported = api.call("POST", f"{path}/import", data={"file": upload})
    assert imported.status_code == 200, imported.content
    assert integration.mappings.get(pleo_key="proj-1").erp_key == "P2"
    broken = SimpleUploadedFile("m.csv", b"kind,pleo_key\nnonsense,1\n", content_type="text/csv")
    refused = api.call("POST", f"{path}/import", data={"file": broken})
    assert refused.status_code == 422 and problem_of(refused)["errors"]
    page = api.get(path, {"limit": 200}).json()
    assert len(page["items"]) == integration.mappings.count()
