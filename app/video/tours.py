"""Tours (轮巡): a named group of cameras cycles through the wall's tiles, one page of cameras per
dwell. The runner is driven by a QTimer-like object (tests hand in a fake one and fire it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal

DEFAULT_DWELL_S = 15
MIN_DWELL_S = 3


@dataclass
class Tour:
    name: str
    cameras: list[str] = field(default_factory=list)  # camera ids, in order
    dwell_s: int = DEFAULT_DWELL_S

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "Tour":
        return cls(str(d.get("name") or ""), [str(c) for c in d.get("cameras") or []],
                   max(MIN_DWELL_S, int(d.get("dwell_s") or DEFAULT_DWELL_S)))

    def pages(self, tiles: int) -> int:
        return max(1, -(-len(self.cameras) // max(1, tiles)))

    def page(self, index: int, tiles: int) -> list[str]:
        """The cameras of one page; the last page is filled up from the start so no tile is empty."""
        if not self.cameras:
            return []
        start = (index % self.pages(tiles)) * tiles
        out = self.cameras[start:start + tiles]
        if len(self.cameras) >= tiles:
            out += self.cameras[:tiles - len(out)]
        return out


class TourRunner(QObject):
    """Shows page after page of a tour every dwell_s seconds; pause, resume and step by hand."""

    pageShown = Signal(int, list)  # page index, camera ids
    stateChanged = Signal()

    def __init__(self, show: Callable[[list[str]], None], tiles: Callable[[], int],
                 timer_factory: Callable[[QObject], object] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._show, self._tiles = show, tiles
        self.timer = timer_factory(self) if timer_factory else QTimer(self)
        self.timer.timeout.connect(self.next)
        self.tour: Tour | None = None
        self.index = 0
        self.paused = False

    @property
    def running(self) -> bool:
        return self.tour is not None

    def start(self, tour: Tour) -> None:
        self.tour, self.index, self.paused = tour, 0, False
        self._go()

    def stop(self) -> None:
        self.timer.stop()
        self.tour = None
        self.stateChanged.emit()

    def pause(self, paused: bool = True) -> None:
        self.paused = paused
        if paused:
            self.timer.stop()
        elif self.tour is not None:
            self.timer.start(self.tour.dwell_s * 1000)
        self.stateChanged.emit()

    def next(self) -> None:
        self._step(1)

    def previous(self) -> None:
        self._step(-1)

    def _step(self, d: int) -> None:
        if self.tour is None:
            return
        self.index = (self.index + d) % self.tour.pages(self._tiles())
        self._go()

    def _go(self) -> None:
        tour = self.tour
        page = tour.page(self.index, self._tiles())
        self._show(page)
        self.pageShown.emit(self.index, page)
        if not self.paused:
            self.timer.start(tour.dwell_s * 1000)  # a step by hand gives the new page its full dwell
        self.stateChanged.emit()
