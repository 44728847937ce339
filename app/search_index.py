"""The map search box's index: grid codes, component IDs, case numbers, addresses, street and POI
names — Chinese names also by pinyin initials (e.g. "hpl" finds 黄浦路). Qt-free."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable

from pypinyin import Style, lazy_pinyin


@dataclass(frozen=True)
class SearchHit:
    kind: str  # grid | component | case | street | poi | address
    key: str  # the grid code, component ID, case number or name
    label: str  # what the list shows
    x: float  # position in the map CRS
    y: float
    ref: object = None  # e.g. the case id


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters, other characters kept (lower case)."""
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


class SearchIndex:
    def __init__(self) -> None:
        self._keys: list[str] = []  # sorted search keys (lower case)
        self._hits: list[SearchHit] = []
        self._pending: list[tuple[str, SearchHit]] = []
        self._substring: list[tuple[str, SearchHit]] = []  # names, for substring matches
        # kinds searched by their owner (text, limit) -> hits: components answer from their columns,
        # so millions of IDs never become millions of SearchHit objects
        self._sources: list[tuple[str, Callable[[str, int], list[SearchHit]]]] = []

    def add_source(self, kind: str, search: Callable[[str, int], list[SearchHit]]) -> None:
        """Prefix search of one kind done by ``search(text, limit)``."""
        self._sources.append((kind, search))

    def add(self, hit: SearchHit, *, name: bool = False) -> None:
        keys = {hit.key.lower()}
        if name:
            keys.add(initials(hit.key))
            self._substring.append((hit.key.lower(), hit))
        for k in keys:
            if k:
                self._pending.append((k, hit))

    def _build(self) -> None:
        if self._pending:
            merged = sorted(list(zip(self._keys, self._hits)) + self._pending, key=lambda kv: kv[0])
            self._keys = [k for k, _ in merged]
            self._hits = [h for _, h in merged]
            self._pending = []

    def remove_kind(self, kind: str) -> None:
        self._build()
        kept = [(k, h) for k, h in zip(self._keys, self._hits) if h.kind != kind]
        self._keys = [k for k, _ in kept]
        self._hits = [h for _, h in kept]
        self._substring = [(k, h) for k, h in self._substring if h.kind != kind]
        self._sources = [(k, fn) for k, fn in self._sources if k != kind]

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Prefix matches on codes, numbers, names and initials, then substring matches on names."""
        self._build()
        q = text.strip().lower()
        if not q:
            return []
        out: list[SearchHit] = []
        seen: set[tuple[str, str]] = set()
        i = bisect.bisect_left(self._keys, q)
        while i < len(self._keys) and self._keys[i].startswith(q) and len(out) < limit:
            h = self._hits[i]
            if (h.kind, h.key) not in seen:
                seen.add((h.kind, h.key))
                out.append(h)
            i += 1
        for _kind, source in self._sources:
            if len(out) >= limit:
                break
            for h in source(q, limit - len(out)):
                if (h.kind, h.key) not in seen:
                    seen.add((h.kind, h.key))
                    out.append(h)
        if len(out) < limit:
            for name, h in self._substring:
                if q in name and (h.kind, h.key) not in seen:
                    seen.add((h.kind, h.key))
                    out.append(h)
                    if len(out) >= limit:
                        break
        return out

    def __len__(self) -> int:
        return len(self._keys) + len(self._pending)
