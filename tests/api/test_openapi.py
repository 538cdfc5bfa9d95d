"""The OpenAPI document validates, and the docs page works under the site's CSP."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_the_openapi_document_validates(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    ids = {op["operationId"] for methods in document["paths"].values() for op in methods.values()}
    assert len(ids) == sum(len(methods) for methods in document["paths"].values())  # unique
    assert len(ids) >= 40
    assert document["components"]["securitySchemes"]["RoleBearer"]["scheme"] == "bearer"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert operation.get("security"), (method, path)
            problem = operation["responses"]["403"]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_docs_page_loads_its_scripts_from_this_site(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "https://" not in page  # no CDN: the site's CSP allows scripts from itself only
    assert "script-src 'self'" in response["Content-Security-Policy"]
