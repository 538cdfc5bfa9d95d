from __future__ import annotations

import re

from exporthub.sandbox.pagination import CURSOR_PATTERN

CURSOR = re.compile(CURSOR_PATTERN.pattern)


def walk_forward(api, path, limit, **params):
    pages, after = [], None
    while True:
        query = {"limit": limit, **params, **({"after": after} if after else {})}
        body = api.get(path, params=query).json()
        pages.append(body)
        if not body["pagination"]["hasNextPage"]:
            return pages
        after = body["pagination"]["endCursor"]


def test_it_pages_forward_through_every_item(api, job):
    pages = walk_forward(api, f"/v3/export-jobs/{job.uuid}/items", 7)
    ids = [item["accountingEntryId"] for page in pages for item in page["data"]]
    assert len(pages) == 5
    assert len(ids) == len(set(ids)) == 30
    assert [page["pagination"]["hasPreviousPage"] for page in pages] == [
        False,
        True,
        True,
        True,
        True,
    ]
    assert all(page["pagination"]["total"] == 30 for page in pages)
    assert all(CURSOR.fullmatch(page["pagination"]["endCursor"]) for page in pages)


def test_it_pages_backward_with_before(api, job):
    pages = walk_forward(api, f"/v3/export-jobs/{job.uuid}/items", 10)
    last = pages[-1]["pagination"]
    back = api.get(
        f"/v3/export-jobs/{job.uuid}/items", params={"limit": 10, "before": last["startCursor"]}
    ).json()
    assert back["data"] == pages[1]["data"]
    assert back["pagination"]["hasNextPage"] is True
    assert back["pagination"]["hasPreviousPage"] is True
    assert back["pagination"]["currentRequestPagination"]["before"] == last["startCursor"]


def test_it_pages_with_offset(api, job):
    everything = api.get(f"/v3/export-jobs/{job.uuid}/items", params={"limit": 30}).json()["data"]
    page = api.get(f"/v3/export-jobs/{job.uuid}/items", params={"limit": 5, "offset": 25}).json()
    assert page["data"] == everything[25:]
    assert page["pagination"]["hasNextPage"] is False
    assert page["pagination"]["currentRequestPagination"]["offset"] == 25


def test_it_echoes_the_request_in_current_request_pagination(api, job):
    body = api.get(
        "/v3/export-items",
        params={"job_id": str(job.uuid), "limit": 3, "sorting_keys": "id", "sorting_order": "ASC"},
    ).json()
    assert body["pagination"]["currentRequestPagination"] == {
        "parameters": {"job_id": [str(job.uuid)]},
        "limit": 3,
        "sortingKeys": ["id"],
        "sortingOrder": ["ASC"],
    }


def test_it_returns_an_empty_last_page_after_the_end(api, job):
    pages = walk_forward(api, f"/v3/export-jobs/{job.uuid}/items", 30)
    beyond = api.get(
        f"/v3/export-jobs/{job.uuid}/items", params={"after": pages[-1]["pagination"]["endCursor"]}
    ).json()
    assert beyond["data"] == []
    assert beyond["pagination"]["hasNextPage"] is False
    assert beyond["pagination"]["hasPreviousPage"] is True
    assert "endCursor" not in beyond["pagination"]
