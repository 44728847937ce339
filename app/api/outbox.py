"""The outbox: actions that could not reach the server wait here with their Idempotency-Keys and go
out, in the order they were made, with back-off once it answers again.

- An item is a POST (path + JSON body + key), with what the user should read about it (label).
- Persisted as JSON (written atomically after every change), so a client restart loses nothing;
  the file is per server and user (`outbox_path`).
- A sender thread sends the oldest item when it is due. No answer, "still in progress" (409 with
  Retry-After: the server died mid-request or is still running it) and 502/503/504 keep the item
  and its key and wait longer (DELAYS); a definite answer (2xx, or a refusal such as 409 "the case
  changed", 403, 422) removes it: `sent` or `refused` says which. The key never changes, so an
  action that did reach the server before its answer was lost runs once.
- FIFO: while the oldest item waits, the later ones wait too (two actions on one case keep their
  order; the server being away is the usual reason anyway).

Signals are emitted from the sender thread; Qt queues them to receivers living on the UI thread.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from .client import ApiClient, ApiError

log = logging.getLogger("occ.client.outbox")

DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds before the 1st, 2nd ... retry (then 30 s each)


def outbox_path(base_dir: Path, server_url: str, username: str) -> Path:
    """One file per server and user, e.g. <AppData>/outbox/127.0.0.1_8000-dispatcher.json."""
    host = server_url.split("://", 1)[-1].rstrip("/").replace(":", "_").replace("/", "_")
    return Path(base_dir) / "outbox" / f"{host}-{username}.json"


class Outbox(QObject):
    changed = Signal()  # items were added, sent, refused or retried: update counts and lists
    sent = Signal(dict, object)  # item, the server's answer
    refused = Signal(dict, object)  # item, the ApiError (a definite refusal: shown to the user)

    def __init__(self, client: ApiClient, path: Path | None = None, delays: tuple[float, ...] = DELAYS,
                 upload: Callable[[ApiClient, list[str]], list[str]] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.path = Path(path) if path else None
        self.delays = delays
        self.upload = upload  # photo paths -> hashes, run before an item that has photo_paths
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.items: list[dict] = self._load()
        self.refusals: list[dict] = []  # refused items with their message, for the outbox list

    # ------------------------------------------------------------------ the queue
    def add(self, path: str, body: dict | None, key: str, label: str = "", case_id: int | None = None,
            action: str | None = None, photo_paths: list[str] | None = None) -> dict:
        """Queues a POST that got no definite answer. A second add of the same key is ignored."""
        with self._lock:
            for it in self.items:
                if it["key"] == key:
                    return it
            item = {"id": uuid.uuid4().hex, "path": path, "body": dict(body or {}), "key": key, "label": label,
                    "case_id": case_id, "action": action, "photo_paths": list(photo_paths or []),
                    "queued_at": time.time(), "attempts": 0, "next_at": 0.0, "error": ""}
            self.items.append(item)
            self._save()
        self.changed.emit()
        self._wake.set()
        return item

    def pending(self) -> list[dict]:
        with self._lock:
            return [dict(it) for it in self.items]

    def __len__(self) -> int:
        with self._lock:
            return len(self.items)

    def has_key(self, key: str) -> bool:
        with self._lock:
            return any(it["key"] == key for it in self.items)

    def wake(self) -> None:
        """Try now (e.g. the heartbeat saw the server come back): waiting items become due."""
        with self._lock:
            for it in self.items:
                it["next_at"] = 0.0
        self._wake.set()

    # ------------------------------------------------------------------ the sender
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="occ-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                head = self.items[0] if self.items else None
                wait = None if head is None else head["next_at"] - time.time()
            if head is None or wait > 0:
                self._wake.wait(wait if wait is not None else None)
                self._wake.clear()
                continue
            self.send_one(head)

    def send_one(self, item: dict) -> bool:
        """One attempt at `item` (the sender thread's step; tests call it directly). True if it left
        the queue (sent or refused)."""
        with self._lock:  # the queue's own dict (callers may pass a copy from pending())
            item = next((it for it in self.items if it["id"] == item["id"]), item)
        try:
            body = dict(item["body"])
            if item.get("photo_paths") and self.upload is not None:
                body["photo_hashes"] = self.upload(self.client, item["photo_paths"])
            result = self.client.post(item["path"], body, idempotency_key=item["key"])
        except ApiError as e:
            if e.retryable:
                with self._lock:
                    item["attempts"] += 1
                    item["error"] = str(e)
                    pause = self.delays[min(item["attempts"] - 1, len(self.delays) - 1)]
                    if e.retry_after:
                        pause = max(pause, e.retry_after)
                    item["next_at"] = time.time() + pause
                    self._save()
                self.changed.emit()
                return False
            self._finish(item)
            with self._lock:
                self.refusals.append({**item, "error": str(e), "status": e.status})
            self.refused.emit(item, e)
            self.changed.emit()
            return True
        except OSError as e:  # a photo file that went away: nothing can send this item
            self._finish(item)
            err = ApiError(f"{e}", 422)
            with self._lock:
                self.refusals.append({**item, "error": str(err), "status": 422})
            self.refused.emit(item, err)
            self.changed.emit()
            return True
        self._finish(item)
        self.sent.emit(item, result)
        self.changed.emit()
        return True

    def _finish(self, item: dict) -> None:
        with self._lock:
            self.items = [it for it in self.items if it["id"] != item["id"]]
            self._save()

    # ------------------------------------------------------------------ persistence
    def _load(self) -> list[dict]:
        if self.path is None or not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            # Kept aside, never overwritten: someone may still want to read what was in it.
            bad = self.path.with_suffix(f".unreadable-{int(time.time())}.json")
            log.error("outbox %s unreadable (%s); moved to %s", self.path, e, bad)
            try:
                self.path.rename(bad)
            except OSError:
                pass
            return []
        items = data.get("items", []) if isinstance(data, dict) else []
        for it in items:
            it["next_at"] = 0.0  # a restart tries at once
        return items

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "items": self.items}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: a crash leaves the old file or the new one


def describe(item: dict[str, Any]) -> str:
    """One line for the outbox list: what, how often tried, the last problem."""
    when = time.strftime("%H:%M:%S", time.localtime(item.get("queued_at") or 0))
    text = f"{when}  {item.get('label') or item.get('path')}"
    if item.get("attempts"):
        text += f"  ×{item['attempts']}"
    if item.get("error"):
        text += f"  — {item['error'][:120]}"
    return text
