"""What an import found: every rejected row, warning and note, with counts; and the file error."""
from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ImportFileError(ValueError):
    """A file that cannot be imported at all (unreadable, no CRS, wrong geometry type, no key
    field). Raised before the database is touched."""


# ---------------------------------------------------------------- the report
@dataclass
class Issue:
    layer: str
    row: int | None  # 1-based position in the layer
    fid: int | None  # the file's feature id
    key: str | None
    severity: str  # error (the row is rejected) | warning | info
    reason: str


@dataclass
class ImportReport:
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    applied: bool = False
    aborted: bool = False
    dry_run: bool = False
    metric_crs: str | None = None

    def add(self, layer: str, severity: str, reason: str, row: int | None = None,
            fid: int | None = None, key: Any = None) -> None:
        self.issues.append(Issue(layer, row, fid, None if key is None else str(key), severity, reason))
        self.counts[layer][severity] += 1

    @property
    def rejected(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads the Chinese
            w = csv.writer(f)
            w.writerow(["layer", "row", "fid", "key", "severity", "reason"])
            for i in self.issues:
                w.writerow([i.layer, "" if i.row is None else i.row, "" if i.fid is None else i.fid,
                            i.key or "", i.severity, i.reason])
        return path

    def summary(self, max_lines: int = 20) -> str:
        lines = []
        for layer, c in self.counts.items():
            parts = [f"{c[k]} {label}" for k, label in (
                ("read", "read"), ("error", "rejected"), ("warning", "warnings"), ("deleted", "deleted"),
                ("inserted", "inserted"), ("updated", "updated")) if k in c]
            lines.append(f"{layer:<22}{', '.join(parts)}")
        shown = self.rejected[:max_lines] + self.warnings[:max(0, max_lines - len(self.rejected))]
        for i in shown:
            where = f"row {i.row}" + (f" (fid {i.fid})" if i.fid is not None else "") if i.row else "-"
            lines.append(f"  {i.severity.upper():<8}{i.layer} {where} {i.key or ''}: {i.reason}")
        hidden = len(self.rejected) + len(self.warnings) - len(shown)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more in the CSV report")
        if self.aborted:
            lines.append(f"ABORTED: {len(self.rejected)} rows rejected; the database was not changed "
                         "(fix the rows, or --skip-rejected to import the valid ones)")
        elif self.dry_run:
            lines.append("dry run: everything was checked and written in a transaction that was rolled "
                         "back; the database was not changed")
        elif self.applied:
            lines.append("imported in one transaction" + (
                f" ({len(self.rejected)} rejected rows skipped)" if self.rejected else ""))
        return "\n".join(lines)
