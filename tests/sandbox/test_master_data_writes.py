"""The write side of the Tags and Tax codes APIs, every answer checked against Pleo's OpenAPI."""

from __future__ import annotations

import uuid

from exporthub.sandbox import oauth, services
from exporthub.sandbox.models import Tag, TagGroup, TaxCode
from tests.contract import SKIP_REQUEST_CHECK
from tests.sandbox.conftest import send


def test_it_creates_updates_and_deletes_a_tag_group_with_its_tags(bearer_api, company):
    created = send(
        bearer_api,
        "POST",
        f"/v0/tag-groups?company_id={company.uuid}",
        {"archived": False, "code": "DEPT", "name": "Department"},
    )
    assert created.status_code == 201
    group = created.json()["data"]
    assert (group["code"], group["name"], group["archived"]) == ("DEPT", "Department", False)

    tag = send(
        bearer_api, "POST", f"/v0/tag-groups/{group['id']}/tags", {"archived": False, "code": "S"}
    )
    assert tag.status_code == 201
    assert tag.json()["data"]["groupId"] == group["id"]

    renamed = send(
        bearer_api,
        "PUT",
        f"/v0/tags/{tag.json()['data']['id']}",
        {"archived": True, "code": "S", "name": "Sales"},
    ).json()["data"]
    assert (renamed["name"], renamed["archived"]) == ("Sales", True)
    assert Tag.objects.get(uuid=renamed["id"]).archived is True

    updated = send(
        bearer_api,
        "PUT",
        f"/v0/tag-groups/{group['id']}",
        {"archived": True, "code": "DEPT", "metadata": {}, "name": "Departments"},
    ).json()["data"]
    assert (updated["name"], updated["archived"]) == ("Departments", True)

    deleted = bearer_api.delete(f"/v0/tag-groups/{group['id']}")
    assert (deleted.status_code, deleted.json()) == (200, True)
    assert not TagGroup.objects.filter(uuid=group["id"]).exists()
    assert not Tag.objects.filter(uuid=renamed["id"]).exists()


def test_a_second_record_with_the_same_code_is_a_conflict(bearer_api, seeded):
    group = TagGroup.objects.get(company=seeded, code="DEPT")
    again = send(
        bearer_api,
        "POST",
        f"/v0/tag-groups?company_id={seeded.uuid}",
        {"archived": False, "code": "DEPT", "name": "Again"},
    )
    assert (again.status_code, again.json()["type"]) == (409, "CONFLICT")
    existing = group.tags.first()
    tag_again = send(
        bearer_api,
        "POST",
        f"/v0/tag-groups/{group.uuid}/tags",
        {"archived": False, "code": existing.code},
    )
    assert tag_again.status_code == 409
    tax_again = send(
        bearer_api,
        "POST",
        "/v0/tax-codes",
        {
            "archived": False,
            "companyId": str(seeded.uuid),
            "name": "x",
            "rate": 0.25,
            "type": "inclusive",
            "code": "I25",
        },
    )
    assert tax_again.status_code == 409


def test_it_creates_updates_and_deletes_a_tax_code(bearer_api, company):
    body = {
        "archived": False,
        "companyId": str(company.uuid),
        "name": "Input VAT 12 %",
        "code": "I12",
        "rate": 0.12,
        "type": "inclusive",
        "ingoingTaxAccount": None,
        "outgoingTaxAccount": None,
    }
    created = send(bearer_api, "POST", "/v0/tax-codes", body)
    assert created.status_code == 201
    data = created.json()["data"]
    assert (data["code"], data["rate"], data["type"]) == ("I12", 0.12, "inclusive")
    assert str(TaxCode.objects.get(uuid=data["id"]).rate) == "0.1200"

    updated = send(
        bearer_api, "PUT", f"/v0/tax-codes/{data['id']}", {**body, "archived": True}
    ).json()["data"]
    assert updated["archived"] is True

    assert bearer_api.delete(f"/v0/tax-codes/{data['id']}").status_code == 204
    missing = bearer_api.get(f"/v0/tax-codes/{data['id']}")
    assert missing.status_code == 404


def test_bad_bodies_get_a_clear_400(bearer_api, company):
    no_name = send(
        bearer_api,
        "POST",
        f"/v0/tag-groups?company_id={company.uuid}",
        {"archived": False, "code": "X"},
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert (no_name.status_code, no_name.json()["message"]) == (400, "name is required.")
    bad_rate = send(
        bearer_api,
        "POST",
        "/v0/tax-codes",
        {
            "archived": False,
            "companyId": str(company.uuid),
            "name": "x",
            "rate": 25,
            "type": "inclusive",
        },
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert bad_rate.status_code == 400
    assert "fraction" in bad_rate.json()["message"]


def test_someone_elses_company_is_forbidden(bearer_api, company):
    other, _ = services.create_company(name="Other ApS", currency="DKK")
    answer = send(
        bearer_api,
        "POST",
        "/v0/tax-codes",
        {
            "archived": False,
            "companyId": str(other.uuid),
            "name": "x",
            "rate": 0.1,
            "type": "inclusive",
        },
    )
    assert answer.status_code == 403
    assert bearer_api.get(f"/v0/tag-groups/{uuid.uuid4()}").status_code == 404


def test_writing_needs_the_write_scope(sandbox_http, company):
    client, _ = services.create_oauth_client(company, redirect_uri="http://hub.test/cb")
    tokens = oauth._issue_tokens(client, scope="tag-groups:read", grant=None)
    sandbox_http.headers["authorization"] = f"Bearer {tokens['access_token']}"
    answer = send(
        sandbox_http,
        "POST",
        f"/v0/tag-groups?company_id={company.uuid}",
        {"archived": False, "code": "DEPT", "name": "Department"},
    )
    assert answer.status_code == 403
