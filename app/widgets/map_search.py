"""The toolbar's search box: grid codes, component IDs, case numbers, streets and places (pinyin
initials too) from the city's own index as one types; every case on the server (closed ones too)
after a short pause. Enter, or a picked suggestion, emits the hit; the window goes there."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from app.api.client import ApiClient
from app.api.worker import run_async
from app.city_data import CityData
from app.map.crs import transform_xy
from app.search_index import SearchHit

from .case_table import state_label

SERVER_PAUSE_MS = 250  # typing pauses this long before the server is asked


class MapSearch(QLineEdit):
    hitChosen = Signal(object)  # SearchHit
    nothingFound = Signal(str)  # the text that found nothing

    def __init__(self, client: ApiClient, data: CityData, map_crs: Callable[[], str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.client, self.data, self.map_crs = client, data, map_crs
        self.setPlaceholderText(
            self.tr("Search: grid code, component ID, case number, street, place (pinyin initials too)"))
        self.setMinimumWidth(380)
        self.setClearButtonEnabled(True)
        self.returnPressed.connect(self.go)
        self.textEdited.connect(self.suggest)
        completer = QCompleter([], self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchContains)
        completer.activated.connect(lambda text: self.go(text))
        self.setCompleter(completer)
        self.hits: dict[str, SearchHit] = {}  # by the label the completer shows
        self._typed = ""
        self._server_search = QTimer(self, singleShot=True, interval=SERVER_PAUSE_MS)
        self._server_search.timeout.connect(self._ask_server)

    def suggest(self, text: str) -> None:
        self.hits = {h.label: h for h in self.data.find(text)}
        self.completer().model().setStringList(list(self.hits))
        self._typed = text
        if len(text.strip()) >= 2:
            self._server_search.start()  # every case, closed ones too: the server searches them

    def _ask_server(self) -> None:
        text = self._typed.strip()
        if len(text) < 2:
            return
        run_async(lambda: self.client.cases(q=text, limit=15, sort="-created_at")["items"],
                  lambda items, t=text: self._server_hits(t, items), lambda e: None, owner=self)

    def _server_hits(self, text: str, items: list[dict], go: bool = False) -> None:
        if (text != self._typed.strip() and not go) or not items:
            return
        xs, ys = transform_xy([c["lon"] for c in items], [c["lat"] for c in items], "EPSG:4490", self.map_crs())
        for c, x, y in zip(items, xs, ys):
            label = f"{c['number']}  {state_label(c['state'])}  {(c.get('description') or '')[:20]}"
            if not any(h.kind == "case" and h.key == c["number"] for h in self.hits.values()):
                self.hits[label] = SearchHit("case", c["number"], label, float(x), float(y), ref=c["id"])
        self.completer().model().setStringList(list(self.hits))
        if go:
            self.go(next(h.label for h in self.hits.values() if h.ref == items[0]["id"]))
        elif self.hasFocus():
            self.completer().complete()

    def go(self, text: str | None = None) -> None:
        """To the hit for `text` (default: what is typed); a case not on the map is looked up on the server."""
        text = (text or self.text()).strip()
        hit = self.hits.get(text) or next((h for h in self.hits.values() if h.key == text), None) \
            or next(iter(self.data.find(text)), None)
        if hit is None and len(text) >= 2:  # not on the map: every case on the server
            run_async(lambda: self.client.cases(q=text, limit=1, sort="-created_at")["items"],
                      lambda items: self._server_hits(text, items, go=True) if items
                      else self.nothingFound.emit(text),
                      lambda e: self.nothingFound.emit(text), owner=self)
        elif hit is None:
            self.nothingFound.emit(text)
        else:
            self.hitChosen.emit(hit)
