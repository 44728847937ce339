"""Without QGIS: one clear log line at start, 503 with the reason on every tile endpoint."""
from __future__ import annotations

import logging
import sys
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from .conftest import make_app


def test_without_qgis_the_tiles_answer_503_and_the_start_logs_why(city_dir, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("OCC_QGIS_PYTHON", sys.executable)  # the venv's Python: no qgis module
    app = make_app(tmp_path, city_dir)
    with caplog.at_level(logging.INFO, logger="occ.basemap"):
        with TestClient(app) as client:
            app.state.ctx.extras["basemap"].probe_thread.join(60)
            r = client.get("/tiles/day/16/37308/18968.png")
            assert r.status_code == 503
            message = r.json()["detail"]
            assert "QGIS basemap renderer is unavailable" in message and "cannot import qgis.core" in message
            assert "vector basemap" in message  # what clients do instead
            assert client.get("/tiles/dark/city/3/1/1.png").status_code == 503
            assert client.get("/tiles/day/16/0/0.png").status_code == 503  # consistently, even outside
            w = client.get("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities")
            assert w.status_code == 503
            ex = ET.fromstring(w.content).find("{http://www.opengis.net/ows/1.1}Exception")
            assert "unavailable" in ex.findtext("{http://www.opengis.net/ows/1.1}ExceptionText")
            status = client.get("/tiles/status").json()
            assert status["available"] is False and status["renderers"] is None
    logged = [r for r in caplog.records if r.name == "occ.basemap" and "unavailable" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING
    assert sys.executable in logged[0].getMessage()
