"""import-cameras: a video platform's camera list with per-camera URLs or a {channel} URL template."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from server_stub.citydata.__main__ import main as citydata_main
from server_stub.citydata.importer.cameras import CameraImportOptions, import_cameras
from server_stub.citydata.importer.report import ImportFileError
from server_stub.db.models import Camera
from server_stub.db.session import Database

A, B, C = "34020000001320000001", "34020000001320000002", "34020000001320000003"


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["通道编码", "通道名称", "经度", "纬度", "方向", "主码流", "在线状态"])
        w.writerows(rows)
    return path


@pytest.fixture
def db(tmp_path):
    d = Database(f"sqlite:///{tmp_path}/occ.sqlite")
    d.migrate()
    yield d
    d.dispose()


def _cams(db):
    with db.session() as s:
        return {c.id: (c.name, c.stream_url, c.sub_stream_url, c.direction, c.online)
                for c in s.scalars(select(Camera))}


def test_template_and_own_urls(db, tmp_path):
    f = _csv(tmp_path / "cams.csv", [[A, "人民路口", "120.61", "31.30", "90", "", "在线"],
                                     [B, "广场东", "120.62", "31.31", "", "rtmp://other.example/b", "离线"]])
    rep = import_cameras(db, CameraImportOptions(f, url_template="rtsp://vp.example:554/rtp/{channel}",
                                                 sub_url_template="http://vp.example/rtp/{channel}_sub.m3u8"))
    assert rep.applied and not rep.rejected, rep.summary()
    cams = _cams(db)
    assert cams[A] == ("人民路口", f"rtsp://vp.example:554/rtp/{A}", f"http://vp.example/rtp/{A}_sub.m3u8",
                       90.0, True)
    assert cams[B][1] == "rtmp://other.example/b" and cams[B][4] is False  # the row's own URL wins


def test_bad_rows_and_urls_are_reported_and_nothing_is_written(db, tmp_path):
    f = _csv(tmp_path / "cams.csv", [[A, "好的", "120.61", "31.30", "", "", ""],
                                     [B, "文件", "120.61", "31.30", "", "file:///srv/b.mp4", ""],
                                     ["123", "短号", "120.61", "31.30", "", "", ""],
                                     [C, "方向", "120.61", "31.30", "400", "", ""]])
    rep = import_cameras(db, CameraImportOptions(f, url_template="rtsp://vp.example/rtp/{channel}"))
    assert rep.aborted and not rep.applied
    why = {i.key: i.reason for i in rep.rejected}
    assert "rtsp, rtmp, http, https" in why[B] and "'file'" in why[B]
    assert "20-digit" in why["123"] and "direction" in why[C]
    assert _cams(db) == {}
    rep = import_cameras(db, CameraImportOptions(f, url_template="rtsp://vp.example/rtp/{channel}",
                                                 skip_rejected=True))
    assert rep.applied and set(_cams(db)) == {A}


@pytest.mark.parametrize("template, why", [("ftp://vp/{channel}", "'ftp'"),
                                           ("rtsp://vp/rtp/", "must contain {channel}"), ("rtsp://vp/{id}", "found {id}")])
def test_bad_template_refused_before_reading(db, tmp_path, template, why):
    with pytest.raises(ImportFileError, match=why):
        import_cameras(db, CameraImportOptions(tmp_path / "missing.csv", url_template=template))


def test_command_line(db, tmp_path, capsys):
    f = _csv(tmp_path / "cams.csv", [[A, "人民路口", "120.61", "31.30", "", "", ""]])
    url = str(db.engine.url)
    code = citydata_main(["import-cameras", "--db", url, "--cameras", str(f), "--camera-url-template",
                          "rtsp://vp.example:554/rtp/{channel}", "--report", str(tmp_path / "r.csv")])
    assert code == 0 and "1 inserted" in capsys.readouterr().out
    assert _cams(db)[A][1] == f"rtsp://vp.example:554/rtp/{A}"
    code = citydata_main(["import-cameras", "--db", url, "--cameras", str(f),
                          "--camera-url-template", "javascript:{channel}"])
    assert code == 2 and "--camera-url-template" in capsys.readouterr().err
