"""The login dialog against a real server: a wrong password, then the account locked after
repeated failures, then the per-name limit (429) each get their own message."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from server_stub.settings import Settings  # noqa: E402
from tests.server.conftest import PASSWORD, LiveServer, seed_world  # noqa: E402


def _attempt(qtbot, dlg, password: str) -> str:
    dlg.password.setText(password)
    dlg.try_login()
    qtbot.waitUntil(lambda: dlg.buttons.isEnabled(), timeout=10_000)
    return dlg.message.text()


def test_login_dialog_messages(qtbot, tmp_path):
    from app.widgets.login_dialog import LoginDialog

    settings = Settings(db=f"sqlite:///{tmp_path}/occ.sqlite", data_dir=tmp_path / "data",
                        login_lockout_failures=2, login_account_failures=3,
                        login_refusal_delay_seconds=0)
    with LiveServer(settings) as srv:
        seed_world(srv.app)
        dlg = LoginDialog(srv.url, "dispatcher")
        qtbot.addWidget(dlg)
        assert _attempt(qtbot, dlg, "wrong") == "Wrong user name or password."
        assert _attempt(qtbot, dlg, "wrong") == "Wrong user name or password."
        assert "locked" in _attempt(qtbot, dlg, PASSWORD)  # the second failure locked it
        dlg.username.setText("nobody")  # an unknown name never locks, but is limited like any other
        for _ in range(3):
            assert _attempt(qtbot, dlg, "wrong") == "Wrong user name or password."
        assert "Too many failed logins" in _attempt(qtbot, dlg, "wrong")
        assert dlg.session is None
