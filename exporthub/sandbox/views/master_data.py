"""The write side of Pleo's Tags and Tax codes APIs: what an integration uses to push the ERP's
dimensions and tax codes into Pleo (pleo-tags-openapi.yml, pleo-tax-code-openapi.yml).

Codes are unique per company (tag groups, tax codes) or per tag group (tags): a second record with
the same code is a 409, as Pleo answers for tags. Deleting a tag group deletes its tags.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from exporthub.sandbox.auth import Principal
from exporthub.sandbox.errors import BadRequest, Conflict, NotFound
from exporthub.sandbox.http import json_response, pleo_api
from exporthub.sandbox.models import Tag, TagGroup, TaxCode
from exporthub.sandbox.parsing import (
    json_body,
    optional_bool,
    optional_str,
    parse_enum,
    parse_uuid,
    query_uuid,
)
from exporthub.sandbox.payloads import tag_group_payload, tag_payload, tax_code_payload
from exporthub.sandbox.views import reads


def _required(body: dict, *names: str) -> None:
    missing = [name for name in names if body.get(name) is None]
    if missing:
        raise BadRequest(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required.")


def _text(body: dict, name: str, *, max_length: int, required: bool = True) -> str | None:
    value = optional_str(body.get(name), name)
    if value is None:
        return None
    value = value.strip()
    if required and not value:
        raise BadRequest(f"{name} must not be empty.")
    if len(value) > max_length:
        raise BadRequest(f"{name} is longer than {max_length} characters.")
    return value


def _metadata(body: dict) -> dict[str, str]:
    value = body.get("metadata") or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadRequest("metadata must be an object of strings.")
    return value


def _group(principal: Principal, group_id: str) -> TagGroup:
    group = (
        TagGroup.objects.select_related("company")
        .filter(company=principal.company, uuid=parse_uuid(group_id, "groupId"))
        .first()
    )
    if group is None:
        raise NotFound("Tag group not found.")
    return group


def _tag(principal: Principal, tag_id: str) -> Tag:
    tag = (
        Tag.objects.select_related("group__company")
        .filter(group__company=principal.company, uuid=parse_uuid(tag_id, "tagId"))
        .first()
    )
    if tag is None:
        raise NotFound("Tag not found.")
    return tag


def _tax_code(principal: Principal, tax_code_id: str) -> TaxCode:
    tax_code = (
        TaxCode.objects.select_related("company")
        .filter(company=principal.company, uuid=parse_uuid(tax_code_id, "taxCodeId"))
        .first()
    )
    if tax_code is None:
        raise NotFound("Tax code not found.")
    return tax_code


# Tag groups ---------------------------------------------------------------------------------


def _group_fields(body: dict) -> dict:
    return {
        "code": _text(body, "code", max_length=100),
        "name": _text(body, "name", max_length=200),
        "archived": optional_bool(body["archived"], "archived"),
    }


def create_tag_group(request: HttpRequest, principal: Principal) -> HttpResponse:
    company_id = query_uuid(request, "company_id")
    if company_id is not None:
        principal.require_company(company_id)
    body = json_body(request)
    _required(body, "archived", "code", "name")
    fields = _group_fields(body)
    _metadata(body)
    with transaction.atomic():
        if TagGroup.objects.filter(company=principal.company, code=fields["code"]).exists():
            raise Conflict(f"A tag group with code {fields['code']!r} exists already.")
        group = TagGroup.objects.create(company=principal.company, **fields)
    return json_response({"data": tag_group_payload(group)}, status=201)


def get_tag_group(request: HttpRequest, principal: Principal, group_id: str) -> HttpResponse:
    return json_response({"data": tag_group_payload(_group(principal, group_id))})


def update_tag_group(request: HttpRequest, principal: Principal, group_id: str) -> HttpResponse:
    group = _group(principal, group_id)
    body = json_body(request)
    _required(body, "archived", "code", "metadata", "name")
    fields = _group_fields(body)
    _metadata(body)
    with transaction.atomic():
        taken = TagGroup.objects.filter(company=principal.company, code=fields["code"])
        if taken.exclude(pk=group.pk).exists():
            raise Conflict(f"A tag group with code {fields['code']!r} exists already.")
        for name, value in fields.items():
            setattr(group, name, value)
        group.save()
    return json_response({"data": tag_group_payload(group)})


def delete_tag_group(request: HttpRequest, principal: Principal, group_id: str) -> HttpResponse:
    _group(principal, group_id).delete()
    return json_response(True)


# Tags ---------------------------------------------------------------------------------------


def _tag_fields(body: dict) -> dict:
    fields = {
        "code": _text(body, "code", max_length=100),
        "archived": optional_bool(body["archived"], "archived"),
    }
    name = _text(body, "name", max_length=200, required=False)
    if name is not None:
        fields["name"] = name
    return fields


def create_tag(request: HttpRequest, principal: Principal, group_id: str) -> HttpResponse:
    group = _group(principal, group_id)
    body = json_body(request)
    _required(body, "archived", "code")
    fields = _tag_fields(body)
    fields.setdefault("name", fields["code"])
    with transaction.atomic():
        if Tag.objects.filter(group=group, code=fields["code"]).exists():
            raise Conflict(f"A tag with code {fields['code']!r} exists in this group already.")
        tag = Tag.objects.create(group=group, **fields)
    return json_response({"data": tag_payload(tag)}, status=201)


def get_tag(request: HttpRequest, principal: Principal, tag_id: str) -> HttpResponse:
    return json_response({"data": tag_payload(_tag(principal, tag_id))})


def update_tag(request: HttpRequest, principal: Principal, tag_id: str) -> HttpResponse:
    tag = _tag(principal, tag_id)
    body = json_body(request)
    _required(body, "archived", "code")
    fields = _tag_fields(body)
    with transaction.atomic():
        if Tag.objects.filter(group=tag.group, code=fields["code"]).exclude(pk=tag.pk).exists():
            raise Conflict(f"A tag with code {fields['code']!r} exists in this group already.")
        for name, value in fields.items():
            setattr(tag, name, value)
        tag.save()
    return json_response({"data": tag_payload(tag)})


def delete_tag(request: HttpRequest, principal: Principal, tag_id: str) -> HttpResponse:
    _tag(principal, tag_id).delete()
    return HttpResponse(status=204)


# Tax codes ----------------------------------------------------------------------------------


def _tax_code_fields(body: dict, principal: Principal) -> dict:
    _required(body, "archived", "companyId", "name", "rate", "type")
    principal.require_company(parse_uuid(body["companyId"], "companyId"))
    rate = body["rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise BadRequest("rate must be a number (a fraction: 0.25 is 25 %).")
    try:
        rate = Decimal(str(rate))
    except InvalidOperation:
        raise BadRequest("rate must be a number.") from None
    if not Decimal(0) <= rate <= Decimal(1) or -rate.as_tuple().exponent > 4:
        raise BadRequest("rate must be a fraction between 0 and 1 with at most 4 decimals.")
    return {
        "name": _text(body, "name", max_length=200),
        "code": _text(body, "code", max_length=50, required=False),
        "rate": rate,
        "type": parse_enum(body["type"], tuple(TaxCode.TYPES), "type"),
        "archived": optional_bool(body["archived"], "archived"),
        "ingoing_tax_account": _text(body, "ingoingTaxAccount", max_length=50, required=False),
        "outgoing_tax_account": _text(body, "outgoingTaxAccount", max_length=50, required=False),
    }


def _code_taken(principal: Principal, code: str | None, *, other_than: int | None = None) -> bool:
    if not code:
        return False
    return (
        TaxCode.objects.filter(company=principal.company, code=code).exclude(pk=other_than).exists()
    )


def create_tax_code(request: HttpRequest, principal: Principal) -> HttpResponse:
    fields = _tax_code_fields(json_body(request), principal)
    with transaction.atomic():
        if _code_taken(principal, fields["code"]):
            raise Conflict(f"A tax code with code {fields['code']!r} exists already.")
        tax_code = TaxCode.objects.create(company=principal.company, **fields)
    return json_response({"data": tax_code_payload(tax_code)}, status=201)


def update_tax_code(request: HttpRequest, principal: Principal, tax_code_id: str) -> HttpResponse:
    tax_code = _tax_code(principal, tax_code_id)
    fields = _tax_code_fields(json_body(request), principal)
    with transaction.atomic():
        if _code_taken(principal, fields["code"], other_than=tax_code.pk):
            raise Conflict(f"A tax code with code {fields['code']!r} exists already.")
        for name, value in fields.items():
            setattr(tax_code, name, value)
        tax_code.save()
    return json_response({"data": tax_code_payload(tax_code)})


def delete_tax_code(request: HttpRequest, principal: Principal, tax_code_id: str) -> HttpResponse:
    _tax_code(principal, tax_code_id).delete()
    return HttpResponse(status=204)


READ_TAGS, WRITE_TAGS = "tag-groups:read", "tag-groups:write"
READ_TAX, WRITE_TAX = "tax-codes:read", "tax-codes:write"

tag_groups = pleo_api(GET=(READ_TAGS, reads.list_tag_groups), POST=(WRITE_TAGS, create_tag_group))
tag_group = pleo_api(
    GET=(READ_TAGS, get_tag_group),
    PUT=(WRITE_TAGS, update_tag_group),
    DELETE=(WRITE_TAGS, delete_tag_group),
)
group_tags = pleo_api(GET=(READ_TAGS, reads.list_tags), POST=(WRITE_TAGS, create_tag))
tag = pleo_api(
    GET=(READ_TAGS, get_tag), PUT=(WRITE_TAGS, update_tag), DELETE=(WRITE_TAGS, delete_tag)
)
tax_codes = pleo_api(POST=(WRITE_TAX, create_tax_code))
tax_code = pleo_api(
    GET=(READ_TAX, reads.get_tax_code),
    PUT=(WRITE_TAX, update_tax_code),
    DELETE=(WRITE_TAX, delete_tax_code),
)
