"""HTTP client of the OpenCityCommand server. Qt-free and blocking: widgets call it through
app.api.worker (a thread pool), never on the UI thread.

Every POST carries an Idempotency-Key, so a retry after a dropped connection never makes a second
case or a second transition.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

IN_PROGRESS_TEXT = "still in progress"  # the server's 409 for a key whose request has not finished
RETRY_PAUSES = (0.2, 0.6)  # between the quick retries of one call (the outbox retries for longer)


TRACK_TIMEOUT_S = 120.0
EVALUATION_TIMEOUT_S = 60.0  # a quarter of a big city is counted in seconds  # a month of fixes is read, analysed and sent in seconds, not milliseconds


class ApiError(Exception):
    """A refusal or failure, with a message fit to show a dispatcher."""

    def __init__(self, message: str, status: int | None = None, detail: Any = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after

    @property
    def in_progress(self) -> bool:
        """409 from the idempotency layer: a request with this key is still running (or its server
        died mid-request). Not a conflict: the same key must be retried, never thrown away."""
        if self.status != 409:
            return False
        return bool(self.retry_after is not None or IN_PROGRESS_TEXT in str(self))

    @property
    def is_conflict(self) -> bool:  # someone else acted first (or the case changed since it was seen)
        return self.status == 409 and not self.in_progress

    @property
    def is_offline(self) -> bool:
        return self.status is None

    @property
    def retryable(self) -> bool:
        """Worth sending again with the same key: no answer, still in progress, or a server error
        that did not run the action (the idempotency layer keeps no 5xx answer)."""
        return self.status is None or self.in_progress or self.status in (502, 503, 504)


@dataclass
class Session:
    token: str
    user: dict

    @property
    def role(self) -> str:
        return self.user["role"]


def _detail_message(body: Any) -> str:
    if isinstance(body, dict):
        d = body.get("detail", body)
        if isinstance(d, list):  # FastAPI validation errors: name the field
            parts = []
            for e in d:
                loc = ".".join(str(x) for x in e.get("loc", []) if x not in ("body", "query", "path"))
                parts.append(f"{loc}: {e.get('msg', '')}" if loc else e.get("msg", ""))
            return "; ".join(parts)
        return str(d)
    return str(body)


class ApiClient:
    def __init__(self, base_url: str, timeout: float = 10.0, retries: int = 2):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self._http = requests.Session()
        self._http.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=16))
        self._http.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=16))
        self._lock = threading.Lock()
        self.session: Session | None = None

    # ------------------------------------------------------------------ plumbing
    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def ws_url(self) -> str:
        base = self.base_url.replace("https://", "wss://").replace("http://", "ws://")
        return f"{base}/ws"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session.token}"} if self.session else {}

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                files: Any = None, raw: bool = False, idempotency_key: str | None = None,
                timeout: float | None = None) -> Any:
        headers = self._headers()
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(RETRY_PAUSES[min(attempt - 1, len(RETRY_PAUSES) - 1)])
            try:
                r = self._http.request(method, self.url(path), params=params, json=json, files=files,
                                       headers=headers, timeout=timeout or self.timeout)
            except requests.RequestException as e:
                last = e  # the same Idempotency-Key makes this retry safe
                continue
            if r.status_code >= 400:
                try:
                    body = r.json()
                except ValueError:
                    body = r.text
                retry = r.headers.get("Retry-After")
                raise ApiError(_detail_message(body), r.status_code, body,
                               retry_after=float(retry) if retry and retry.replace(".", "", 1).isdigit() else None)
            if raw:
                return r.content
            if r.status_code == 204 or not r.content:
                return None
            ctype = r.headers.get("content-type", "")
            return r.json() if "json" in ctype else r.content
        raise ApiError(f"cannot reach the server at {self.base_url}: {last}", None)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=body, **kw)

    # ------------------------------------------------------------------ auth
    def login(self, username: str, password: str) -> Session:
        data = self.post("/api/auth/login", {"username": username, "password": password})
        self.session = Session(data["token"], data["user"])
        return self.session

    def logout(self) -> None:
        if self.session:
            try:
                self.post("/api/auth/logout")
            finally:
                self.session = None

    def health(self, timeout: float | None = None) -> dict:
        """GET /api/health once, no retries (the heartbeat's probe)."""
        r = self._http.get(self.url("/api/health"), timeout=timeout or self.timeout)
        r.raise_for_status()
        return r.json()

    def me(self) -> dict:
        return self.get("/api/auth/me")

    def users(self, role: str | None = None) -> list[dict]:
        """Administrators only."""
        return self.get("/api/auth/users", role=role)

    # ------------------------------------------------------------------ inspectors' phones (admin)
    def devices(self, active: bool | None = None) -> list[dict]:
        return self.get("/api/devices", active=active)

    def register_device(self, user_id: int, device_id: str, label: str | None = None) -> dict:
        """Registers or re-keys a phone; the answer's `secret` is shown this once."""
        return self.post("/api/devices", {"user_id": user_id, "device_id": device_id, "label": label or None})

    def revoke_device(self, device_id: str) -> dict:
        return self.post(f"/api/devices/{quote(device_id, safe='')}/revoke")

    # ------------------------------------------------------------------ reference data
    def city(self) -> dict:
        return self.get("/api/ref/city")

    def clock_config(self) -> dict:
        """The city's clock: time zone, shifts, band threshold, holiday overrides (GET /api/ref/clock-config)."""
        return self.get("/api/ref/clock-config")

    def workflow_config(self) -> dict:
        """The city's workflow roles and rules (GET /api/ref/workflow), for app.domain Workflow.from_config."""
        return self.get("/api/ref/workflow")

    def city_package(self) -> bytes:
        """The city's reference GeoPackage (basemap, unit grids, components), for local drawing."""
        return self.request("GET", "/api/ref/city/package.gpkg", raw=True)

    def classes(self, kind: str | None = None) -> list[dict]:
        return self.get("/api/ref/classes", kind=kind)

    def departments(self) -> list[dict]:
        return self.get("/api/ref/departments")

    def suggest_department(self, kind: str, class_code: str, lon: float, lat: float,
                           component_id: str | None = None) -> list[dict]:
        return self.get("/api/ref/suggest-department", kind=kind, class_code=class_code, lon=lon, lat=lat,
                        component_id=component_id)

    def grid_at(self, lon: float, lat: float) -> dict | None:
        try:
            return self.get("/api/ref/grids/at", lon=lon, lat=lat)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def grids(self, bbox: tuple[float, float, float, float] | None = None) -> dict:
        return self.get("/api/ref/grids", bbox=_bbox(bbox))

    def components(self, bbox: tuple[float, float, float, float] | None = None, **filters: Any) -> Any:
        return self.get("/api/ref/components", bbox=_bbox(bbox), **filters)

    def nearest_components(self, lon: float, lat: float, n: int = 5) -> list[dict]:
        return self.get("/api/ref/components/nearest", lon=lon, lat=lat, n=n)

    def inspectors(self) -> list[dict]:
        return self.get("/api/ref/inspectors")

    def nearest_inspectors(self, lon: float, lat: float, n: int = 5) -> list[dict]:
        return self.get("/api/ref/inspectors/nearest", lon=lon, lat=lat, n=n)

    def cameras(self, bbox: tuple[float, float, float, float] | None = None) -> list[dict]:
        return self.get("/api/ref/cameras", bbox=_bbox(bbox))

    def nearest_cameras(self, lon: float, lat: float, n: int = 5) -> list[dict]:
        return self.get("/api/ref/cameras/nearest", lon=lon, lat=lat, n=n)

    def seeing_cameras(self, lon: float, lat: float, n: int = 10) -> list[dict]:
        """Cameras whose view cone and range hold the place, nearest first (with distance_m)."""
        return self.get("/api/ref/cameras/seeing", lon=lon, lat=lat, n=n)

    def regions(self) -> list[dict]:
        """District → street → community tree (names of the codes inside grid codes)."""
        return self.get("/api/ref/regions")

    def responsibility_grids(self) -> list[dict]:
        return self.get("/api/ref/responsibility-grids")

    def attach_evidence(self, case_id: int, sha256: str, camera_id: str | None = None,
                        stream_time: str | None = None, idempotency_key: str | None = None) -> dict:
        """截图取证: an uploaded photo joins the case as evidence, with its camera and stream time."""
        body = {"sha256": sha256, "stage": "evidence", "camera_id": camera_id, "stream_time": stream_time}
        return self.post(f"/api/cases/{case_id}/photos", {k: v for k, v in body.items() if v is not None},
                         idempotency_key=idempotency_key)

    # ------------------------------------------------------------------ cases
    def cases(self, **filters: Any) -> dict:
        return self.get("/api/cases", **filters)

    def all_cases(self, page_size: int = 1000, **filters: Any) -> list[dict]:
        """Every case matching the filters, page by page (the server caps a page at 1,000)."""
        items: list[dict] = []
        while True:
            page = self.cases(limit=page_size, offset=len(items), **filters)
            items.extend(page["items"])
            if not page["items"] or len(items) >= page["total"]:
                return items

    def case(self, case_id: int) -> dict:
        return self.get(f"/api/cases/{int(case_id)}")

    def report(self, body: dict, idempotency_key: str | None = None) -> dict:
        return self.post("/api/cases", body, idempotency_key=idempotency_key)

    def act(self, case_id: int, action: str, body: dict | None = None,
            idempotency_key: str | None = None) -> dict:
        return self.post(f"/api/cases/{int(case_id)}/actions/{action}", body or {},
                         idempotency_key=idempotency_key)

    def deadline_preview(self, case_id: int, **choice: Any) -> dict:
        return self.get(f"/api/cases/{int(case_id)}/deadline-preview", **choice)

    def duplicates(self, lon: float, lat: float, kind: str, class_code: str,
                   exclude_id: int | None = None) -> list[dict]:
        return self.get("/api/cases/duplicates", lon=lon, lat=lat, kind=kind, class_code=class_code,
                        exclude_id=exclude_id)

    def merge(self, case_id: int, into_case_id: int, idempotency_key: str | None = None) -> dict:
        return self.post(f"/api/cases/{int(case_id)}/merge", {"into_case_id": into_case_id},
                         idempotency_key=idempotency_key)

    def upload_photo(self, filename: str, data: bytes, content_type: str) -> dict:
        return self.request("POST", "/api/photos", files={"file": (filename, data, content_type)})

    def photo(self, sha256: str) -> bytes:
        return self.request("GET", f"/api/photos/{sha256}", raw=True)

    # ------------------------------------------------------------------ positions, evaluation, tiles
    def track(self, inspector_id: int, start: str, end: str, fmt: str = "json") -> Any:
        return self.get("/api/positions/track", inspector_id=inspector_id, start=start, end=end,
                        format=None if fmt == "json" else fmt)

    def track_inspectors(self) -> list[dict]:
        """Inspectors whose tracks this user may play back, with responsibility grid and streets."""
        return self.get("/api/tracks/inspectors")

    def track_columns(self, inspector_id: int, start: str, end: str, simplify_m: float = 0.0) -> dict:
        """A track as numpy columns t (epoch s), lon, lat, speed_kmh, bearing, read from the
        server's Arrow stream (a month of fixes is ~20 MB of JSON but ~13 MB of Arrow, parsed at once)."""
        import numpy as np
        import pyarrow as pa
        body = self.request("GET", f"/api/tracks/{inspector_id}", raw=True, timeout=TRACK_TIMEOUT_S,
                            params={"start": start, "end": end, "simplify_m": simplify_m or None, "format": "arrow"})
        table = pa.ipc.open_stream(body).read_all()
        return {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in table.column_names}

    def track_playback(self, inspector_id: int, start: str, end: str, simplify_m: float = 0.0,
                       **rules: float) -> tuple[dict, dict]:
        """(columns, analysis) in one request: the track as numpy columns (simplified at
        `simplify_m` metres when > 0) and the analysis of /api/tracks/{id}/analysis, which the
        server computes from the same read of the fixes and sends in the Arrow schema's metadata."""
        import json

        import numpy as np
        import pyarrow as pa
        body = self.request("GET", f"/api/tracks/{inspector_id}", raw=True, timeout=TRACK_TIMEOUT_S,
                            params={"start": start, "end": end, "simplify_m": simplify_m or None, "format": "arrow",
                                    "analysis": "true", **rules})
        table = pa.ipc.open_stream(body).read_all()
        analysis = json.loads((table.schema.metadata or {}).get(b"analysis", b"{}"))
        cols = {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in table.column_names}
        return cols, analysis

    def track_analysis(self, inspector_id: int, start: str, end: str, **rules: float) -> dict:
        return self.request("GET", f"/api/tracks/{inspector_id}/analysis", timeout=TRACK_TIMEOUT_S,
                            params={"start": start, "end": end, **rules})

    def wall_stats(self) -> dict:
        """The hall wall's figures: today's KPIs, ranking, top classes, trend, overdue board."""
        return self.get("/api/stats/wall")

    def evaluation(self, month: str, subject: str = "departments", **params: Any) -> Any:
        """A period's evaluation: month YYYY-MM, quarter YYYY-Qn or days YYYY-MM-DD..YYYY-MM-DD."""
        return self.request("GET", f"/api/evaluation/{quote(month)}/{subject}", timeout=EVALUATION_TIMEOUT_S,
                            params={k: v for k, v in params.items() if v is not None})

    def evaluation_grids(self, period: str, kind: str | None = None, class_code: str | None = None) -> dict:
        """Cases of the period per unit grid (the choropleth), optionally of one class."""
        return self.evaluation(period, "grids", kind=kind, class_code=class_code)

    def evaluation_classes(self, period: str) -> dict:
        return self.evaluation(period, "classes")

    def evaluation_trend(self, period: str, months: int = 6) -> dict:
        return self.evaluation(period, "trend", months=months)

    def evaluation_late(self, period: str, department_code: str) -> dict:
        """A department's late cases of the period (the drill-down from its score)."""
        return self.evaluation(period, f"departments/{quote(department_code, safe='')}/late")

    def tile_status(self) -> dict:
        """Whether the server renders the QGIS basemap (and why not)."""
        return self.get("/tiles/status")

    def tile_source(self, style: str = "day"):
        """The server's QGIS basemap as a tile source for app.layers.tiles.TileLayer (Web Mercator XYZ)."""
        from app.map.tiles import ServerTileSource
        return ServerTileSource(self.base_url, style, attribution="© OpenStreetMap contributors")

    def tile_url_template(self, style: str = "day") -> str:
        """For the tile fetcher: the server's own QGIS-rendered basemap as XYZ."""
        return f"{self.base_url}/tiles/{style}/{{z}}/{{x}}/{{y}}.png"

    def wmts_capabilities_url(self) -> str:
        return f"{self.base_url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"


def _bbox(b: tuple[float, float, float, float] | None) -> str | None:
    return None if b is None else ",".join(f"{v:.7f}" for v in b)
