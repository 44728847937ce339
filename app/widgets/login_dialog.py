"""Log in to the server. The call runs off the UI thread; a failure is shown in plain words and
nothing typed is lost."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from app.api.client import ApiClient, ApiError, Session
from app.api.worker import run_async
from app.widgets.theme import set_ink


class LoginDialog(QDialog):
    def __init__(self, server_url: str, username: str = "", password: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Log in — OpenCityCommand"))
        self.client: ApiClient | None = None
        self.session: Session | None = None
        self.server = QLineEdit(server_url)
        self.username = QLineEdit(username)
        self.password = QLineEdit(password)
        self.password.setEchoMode(QLineEdit.Password)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        set_ink(self.message, "error")
        form = QFormLayout()
        form.addRow(self.tr("Server"), self.server)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Log in"))
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        title = QLabel(self.tr("Digital urban management command centre"))
        title.setAlignment(Qt.AlignCenter)
        title.setStyleSheet("font-size: 18px; font-weight: bold; padding: 8px")
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(420, 240)

    def try_login(self) -> None:
        self.message.setText(self.tr("Logging in…"))
        self.buttons.setEnabled(False)
        client = ApiClient(self.server.text().strip())
        user, pw = self.username.text().strip(), self.password.text()
        run_async(lambda: client.login(user, pw), lambda s: self._done(client, s), self._failed)

    def _done(self, client: ApiClient, session: Session) -> None:
        self.client, self.session = client, session
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, e: Exception) -> None:
        self.buttons.setEnabled(True)
        if isinstance(e, ApiError) and e.status == 401:
            self.message.setText(self.tr("Wrong user name or password."))
        elif isinstance(e, ApiError) and e.status == 423:
            self.message.setText(self.tr("This account is locked after repeated failed logins. "
                                         "Ask an administrator to unlock it."))
        elif isinstance(e, ApiError) and e.status == 429:
            self.message.setText(self.tr("Too many failed logins. Wait a minute and try again."))
        elif isinstance(e, ApiError) and e.is_offline:
            self.message.setText(self.tr("Cannot reach the server. Check the address and that it is running."))
        else:
            self.message.setText(str(e))
