"""The administrator's phone dialog against a real server: register a phone to an inspector (the
secret and the phone's URL appear once and work for /osmand), a refusal is shown and keeps the
input, revoke the phone."""
from __future__ import annotations

import time

import pytest
import requests
from PySide6.QtCore import Qt

from app.api.client import ApiClient
from tests.server.conftest import PASSWORD, LiveServer, seed_world


@pytest.fixture
def server(tmp_path):
    from server_stub.settings import Settings
    with LiveServer(Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data")) as srv:
        seed_world(srv.app)
        yield srv


def _fix(url: str, **params) -> int:
    return requests.get(f"{url}/osmand", params={"lat": 31.3, "lon": 120.6, "timestamp": int(time.time()), **params},
                        timeout=10).status_code


def test_register_and_revoke_a_phone(qtbot, server):
    from app.widgets.device_dialog import DeviceDialog
    client = ApiClient(server.url)
    client.login("admin", PASSWORD)
    dlg = DeviceDialog(client)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.inspector.count() == 1, timeout=10000)
    assert "inspector" in dlg.inspector.itemText(0) and dlg.table.rowCount() == 0

    # a device id the server refuses: the reason is shown, the input stays
    dlg.device_id.setText("bad id/..")
    qtbot.mouseClick(dlg.register_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "device_id" in dlg.message.text(), timeout=10000)
    assert dlg.device_id.text() == "bad id/.." and dlg.secret.text() == ""

    dlg.device_id.setText("866000111222333")
    dlg.label.setText("资产号 0042")
    qtbot.mouseClick(dlg.register_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.secret.text() != "" and dlg.table.rowCount() == 1, timeout=10000)
    secret = dlg.secret.text()
    assert dlg.url.text() == f"{server.url}/osmand?id=866000111222333&key={secret}"
    assert dlg.device_id.text() == "" and dlg.table.item(0, 0).text() == "866000111222333"
    assert dlg.table.item(0, 2).text() == "资产号 0042"
    assert _fix(server.url, id="866000111222333", key=secret) == 200
    assert _fix(server.url, id="866000111222333") == 401  # a device id alone is no proof

    dlg.table.selectRow(0)
    assert dlg.revoke_button.isEnabled()
    qtbot.mouseClick(dlg.revoke_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.devices and not dlg.devices[0]["active"], timeout=10000)
    assert "866000111222333" in dlg.message.text() and not dlg.revoke_button.isEnabled()
    assert _fix(server.url, id="866000111222333", key=secret) == 400


def test_only_an_administrator_lists_phones(server):
    client = ApiClient(server.url)
    client.login("dispatcher", PASSWORD)
    from app.api.client import ApiError
    with pytest.raises(ApiError) as e:
        client.devices()
    assert e.value.status == 403
    with pytest.raises(ApiError):
        client.users()
