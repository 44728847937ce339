"""The server's 督查督办 endpoints for the client (services/supervision.py on the server).

Plain functions over an ApiClient, so the URLs stay in app/api and app/api/client.py stays as it is.
POSTs carry an Idempotency-Key (the caller's, kept for a retry of the same attempt)."""
from __future__ import annotations

from typing import Any

from .client import ApiClient


def board(client: ApiClient, group_by: str = "department", soon: bool = True, key: str | None = None,
          limit: int = 500) -> dict:
    return client.get("/api/supervision/board", group_by=group_by, soon=str(soon).lower(), key=key, limit=limit)


def urge(client: ApiClient, case_ids: list[int], kind: str = "urge", message: str = "",
         reply_due: str | None = None, idempotency_key: str | None = None) -> dict:
    body: dict[str, Any] = {"case_ids": [int(i) for i in case_ids], "kind": kind, "message": message}
    if reply_due:
        body["reply_due"] = reply_due
    return client.post("/api/urges", body, idempotency_key=idempotency_key)


def urges(client: ApiClient, **filters: Any) -> dict:
    """{items, total, ...}: department_id, answered (bool), kind, limit, offset."""
    if isinstance(filters.get("answered"), bool):
        filters["answered"] = str(filters["answered"]).lower()
    return client.get("/api/urges", **filters)


def case_urges(client: ApiClient, case_id: int) -> list[dict]:
    return client.get(f"/api/cases/{int(case_id)}/urges")


def reply(client: ApiClient, urge_id: int, text: str, idempotency_key: str | None = None) -> dict:
    return client.post(f"/api/urges/{int(urge_id)}/reply", {"text": text}, idempotency_key=idempotency_key)
