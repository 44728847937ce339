"""Photo upload and download: typed by magic bytes, size-limited, deduplicated by sha256, served back
byte-identical with immutable cache headers."""
from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func, select

from server_stub.db.models import Photo
from server_stub.services.photos import path_of

from .casekit import act, bring_to, get, shared_world_fixture
from .imagekit import image

sw = shared_world_fixture()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def _unique(head: bytes) -> bytes:
    """A real image of the type `head` announces, different on every call."""
    return image({JPEG: "image/jpeg", PNG: "image/png", WEBP: "image/webp"}[head])


def _upload(w, data: bytes, ctype: str, name: str = "photo.bin", role: str = "inspector"):
    return w.client.post("/api/photos", files={"file": (name, data, ctype)}, headers=w.h(role))


def test_upload_by_magic_bytes_and_serve_back(sw):
    for head, declared, want in ((JPEG, "image/jpeg", "image/jpeg"), (PNG, "image/png", "image/png"),
                                 (WEBP, "image/webp", "image/webp"),
                                 (PNG, "image/jpeg", "image/png"),  # the bytes decide, not the header
                                 (JPEG, "application/octet-stream", "image/jpeg")):
        data = _unique(head)
        r = _upload(sw, data, declared)
        assert r.status_code == 201, r.text
        out = r.json()
        sha = hashlib.sha256(data).hexdigest()
        assert out == {"sha256": sha, "url": f"/api/photos/{sha}", "size": len(data), "content_type": want}
        got = sw.client.get(out["url"])  # no login needed: the hash is the capability
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == want
        assert "immutable" in got.headers["cache-control"] and "max-age=31536000" in got.headers["cache-control"]
        assert got.headers["etag"] == f'"{sha}"'
        again = sw.client.get(out["url"], headers={"If-None-Match": f'"{sha}"'})
        assert again.status_code == 304 and again.content == b""


def test_disguised_and_unsupported_files_are_refused(sw):
    for data, ctype in ((b"hello, I am text\n" * 10, "image/png"), (b"GIF89a" + b"\x00" * 40, "image/gif"),
                        (b"%PDF-1.7\n", "image/jpeg"), (b"", "image/png"), (b"RIFF\x00\x00\x00\x00WAVE", "image/webp")):
        r = _upload(sw, data, ctype, "x.png")
        assert r.status_code == 415, (data[:10], r.text)
    with sw.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Photo).where(Photo.content_type.not_in(
            ["image/jpeg", "image/png", "image/webp"]))) == 0


def test_size_limit(sw, monkeypatch):
    ok = _unique(JPEG)
    limit = len(ok)
    monkeypatch.setattr(sw.ctx.settings, "photo_max_bytes", limit)
    assert _upload(sw, ok, "image/jpeg").status_code == 201
    r = _upload(sw, ok + b"\x00", "image/jpeg")
    assert r.status_code == 413 and str(limit) in r.text
    big = _unique(PNG) + b"\x00" * 200_000  # also refused before the form is read (Content-Length)
    assert _upload(sw, big, "image/png").status_code == 413


def test_same_bytes_are_stored_once(sw):
    data = _unique(PNG)
    first = _upload(sw, data, "image/png", "a.png")
    sha = first.json()["sha256"]
    p = path_of(sw.ctx, sha)
    written = p.stat().st_mtime_ns
    second = _upload(sw, data, "image/png", "b.png", role="department")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    with sw.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Photo).where(Photo.sha256 == sha)) == 1
        assert s.get(Photo, sha).uploaded_by == sw.users["inspector"]
    assert p.read_bytes() == data and p.stat().st_mtime_ns == written  # not written again
    assert not [x for x in p.parent.iterdir() if x.name.startswith(".up-")]  # no temporary leftovers


def test_bad_requests(sw):
    assert sw.client.post("/api/photos", files={"file": ("a.jpg", JPEG, "image/jpeg")}).status_code == 401
    r = sw.client.post("/api/photos", files={"other": ("a.jpg", JPEG, "image/jpeg")}, headers=sw.h("inspector"))
    assert r.status_code == 422 and "file" in r.text
    r = sw.client.post("/api/photos", json={"file": "abc"}, headers=sw.h("inspector"))
    assert r.status_code == 422
    assert sw.client.get("/api/photos/" + "0" * 64).status_code == 404
    assert sw.client.get("/api/photos/not-a-hash").status_code == 404
    assert sw.client.get("/api/photos/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_photos_link_to_case_stages(sw):
    report_pic = _upload(sw, _unique(JPEG), "image/jpeg").json()["sha256"]
    r = sw.client.post("/api/cases", json={"kind": "event", "class_code": "0102", "lon": 120.6, "lat": 31.3,
                                           "photo_hashes": [report_pic, report_pic]}, headers=sw.h("inspector"))
    assert r.status_code == 201
    cid = bring_to(sw, "handling")
    fb = _upload(sw, _unique(PNG), "image/png", role="department").json()["sha256"]
    act(sw, cid, "feedback", "department", photo_hashes=[fb])
    d = get(sw, cid)
    assert [p["sha256"] for p in d["photos"]["feedback"]] == [fb]
    assert d["photos"]["feedback"][0]["content_type"] == "image/png"
    d = get(sw, r.json()["id"])
    assert [p["sha256"] for p in d["photos"]["report"]] == [report_pic]  # listed once
    assert d["events"][0]["data"]["photo_hashes"] == [report_pic]


def test_images_are_decoded_in_full_before_they_are_stored(sw):
    html = b"<html><script>alert(document.cookie)</script></html>"
    whole = _unique(JPEG)
    for data, declared in ((JPEG[:3] + html, "image/jpeg"), (JPEG + html * 20, "image/jpeg"),
                           (whole[: len(whole) // 2], "image/jpeg"),  # truncated
                           (PNG + html * 20, "image/png"), (WEBP + html * 20, "image/webp")):
        r = _upload(sw, data, declared, "evil.jpg")
        assert r.status_code == 422, (data[:12], r.text)
        assert r.json()["detail"][0]["loc"] == ["body", "file"] and "not a complete" in r.json()["detail"][0]["msg"]
        sha = hashlib.sha256(data).hexdigest()
        assert not path_of(sw.ctx, sha).exists()
        with sw.ctx.db.session() as s:
            assert s.get(Photo, sha) is None


def test_photos_are_served_as_images_only(sw):
    data = _unique(PNG)
    sha = _upload(sw, data, "image/png").json()["sha256"]
    got = sw.client.get(f"/api/photos/{sha}")
    assert got.headers["x-content-type-options"] == "nosniff"
    csp = got.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert got.headers["content-disposition"] == f'inline; filename="{sha}.png"'
