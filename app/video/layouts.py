"""The wall's layouts: a square grid and the cells its tiles take (row, column, rows, columns).
Tile 0 of 1+5 and 1+7 is the big one. Qt-free."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    key: str
    grid: int  # the grid is grid × grid cells
    cells: tuple[tuple[int, int, int, int], ...]

    @property
    def tiles(self) -> int:
        return len(self.cells)

    def is_big(self, index: int) -> bool:
        """A tile that spans more than one cell (plays the main stream)."""
        r, c, rs, cs = self.cells[index]
        return rs > 1 or cs > 1 or self.grid == 1


def _square(n: int) -> Layout:
    return Layout(f"{n}x{n}" if n > 1 else "1", n, tuple((r, c, 1, 1) for r in range(n) for c in range(n)))


def _one_plus(n: int) -> Layout:
    """One big tile (n-1)×(n-1) in the top left, the small ones along the right and the bottom."""
    big = n - 1
    cells = [(0, 0, big, big)] + [(r, big, 1, 1) for r in range(big)] + [(big, c, 1, 1) for c in range(n)]
    return Layout(f"1+{len(cells) - 1}", n, tuple(cells))


LAYOUTS: dict[str, Layout] = {lay.key: lay for lay in
                              (_square(1), _square(2), _square(3), _square(4), _one_plus(3), _one_plus(4))}
DEFAULT_LAYOUT = "2x2"
MAX_TILES = max(lay.tiles for lay in LAYOUTS.values())
