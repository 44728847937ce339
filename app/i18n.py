"""User-visible strings go through Qt's translation system. Source strings are English; the UI
ships in Chinese (zh_CN) by default. resources/translations/occ_zh_CN.ts is the maintained file;
the .qm is compiled from it at set-up (scripts/setup.sh) or here when missing or older."""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.domain.resources import resources_dir

log = logging.getLogger("occ.client")
_installed: list[QTranslator] = []


def translations_dir() -> Path:
    return resources_dir() / "translations"


def compile_qm(ts: Path) -> Path | None:
    qm = ts.with_suffix(".qm")
    if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    tool = shutil.which("pyside6-lrelease") or str(Path(sys.executable).parent / "pyside6-lrelease")
    try:
        subprocess.run([tool, str(ts), "-qm", str(qm)], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("cannot compile %s: %s", ts.name, e)
        return qm if qm.exists() else None
    return qm


def install_translator(app: QCoreApplication, lang: str = "zh_CN") -> bool:
    """Installs the UI language; English needs no translator (the source strings are English)."""
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        return True
    ts = translations_dir() / f"occ_{lang}.ts"
    if not ts.exists():
        log.warning("no translation for %s", lang)
        return False
    qm = compile_qm(ts)
    tr = QTranslator(app)
    if qm is None or not tr.load(str(qm)):
        log.warning("cannot load translation %s", qm)
        return False
    app.installTranslator(tr)
    _installed.append(tr)
    # Qt's own strings (QDialogButtonBox's Cancel, a line edit's context menu) come with PySide6.
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        log.warning("Qt's own translation qtbase_%s is missing: Qt's buttons stay in English", lang)
    QLocale.setDefault(QLocale(lang))
    return True
