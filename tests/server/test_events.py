"""WebSocket /ws: login, hello, ping, heartbeat, scope filtering, and events after case actions."""
from __future__ import annotations

import json
import time

import anyio
import pytest
from starlette.websockets import WebSocketDisconnect

from server_stub.api import events as events_api


def recv(ws, timeout: float = 5.0) -> dict:
    """Next message from a TestClient WebSocket, failing after `timeout` instead of hanging."""
    async def _r():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()
    msg = ws.portal.call(_r)
    ws._raise_on_close(msg)
    return json.loads(msg["text"])


def recv_type(ws, type_: str, timeout: float = 5.0) -> dict:
    """The next message of `type_`, skipping heartbeats and other events."""
    end = time.monotonic() + timeout
    while True:
        msg = recv(ws, max(0.01, end - time.monotonic()))
        if msg["type"] == type_:
            return msg


def connect(world, who: str):
    return world.client.websocket_connect(f"/ws?token={world.tokens[who]}")


def test_refuses_missing_or_bad_token_with_4401(world):
    for url in ("/ws", "/ws?token=junk"):
        with pytest.raises(WebSocketDisconnect) as e:
            with world.client.websocket_connect(url) as ws:
                recv(ws)
        assert e.value.code == 4401 and "token" in e.value.reason
    # the Authorization header works as well as ?token=
    with world.client.websocket_connect("/ws", headers=world.h("leader")) as ws:
        assert recv(ws)["user"]["username"] == "leader"


def test_hello_then_ping_pong(world):
    with connect(world, "dispatcher") as ws:
        hello = recv(ws)
        assert hello["type"] == "hello"
        assert hello["user"]["role"] == "dispatcher" and hello["user"]["id"] == world.users["dispatcher"]
        assert "T" in hello["server_time"] and hello["server_time"].endswith("+00:00")
        ws.send_text("not json")  # ignored, the connection stays
        ws.send_json({"type": "ping"})
        assert recv(ws)["type"] == "pong"


def test_heartbeat_and_logout_closes(world, monkeypatch):
    monkeypatch.setattr(events_api, "HEARTBEAT_SECONDS", 0.2)
    with connect(world, "acceptor") as ws:
        recv(ws)
        assert recv(ws, 2)["type"] == "heartbeat"
        world.client.post("/api/auth/logout", headers=world.h("acceptor"))
        with pytest.raises(WebSocketDisconnect) as e:
            for _ in range(5):
                recv(ws, 2)
        assert e.value.code == 4401


def test_department_sees_own_cases_only_and_no_positions(world):
    water, sanit = world.departments["water"], world.departments["sanitation"]
    bus = world.ctx.bus
    with connect(world, "department") as dep, connect(world, "dispatcher") as disp:
        recv(dep), recv(disp)
        bus.publish("case.changed", {"id": 1, "department_id": sanit})
        bus.publish("inspector.position", {"user_id": 5, "lon": 116.4, "lat": 39.9})
        bus.publish("case.changed", {"id": 2, "department_id": water})
        bus.publish("case.band", {"id": 3, "department_id": None, "band": "yellow"})
        bus.publish("case.band", {"id": 2, "department_id": water, "band": "red"})
        # case 2 is returned to the dispatcher: the department sees it leave its list
        bus.publish("case.changed", {"id": 2, "department_id": None, "state": "pending_dispatch"})
        bus.publish("case.changed", {"id": 2, "department_id": None, "state": "handling"})
        seen_dep = [(m["type"], m["data"]["id"]) for m in (recv(dep) for _ in range(3))]
        assert seen_dep == [("case.changed", 2), ("case.band", 2), ("case.changed", 2)]
        seen_disp = [recv(disp)["type"] for _ in range(7)]
        assert seen_disp.count("inspector.position") == 1 and len(seen_disp) == 7
        # nothing else is on its way to the department user: the next thing it gets is a pong
        dep.send_json({"type": "ping"})
        assert recv(dep)["type"] == "pong"
    with connect(world, "department2") as dep2:
        recv(dep2)
        bus.publish("case.changed", {"id": 1, "department_id": sanit})
        assert recv(dep2)["data"] == {"id": 1, "department_id": sanit}


def test_slow_client_gets_resync(world, monkeypatch):
    """A client that stops reading: its queue overflows, the backlog is dropped and it is told to
    resync; publishing never waits for it."""
    monkeypatch.setattr(events_api, "QUEUE_EVENTS", 3)
    bus = world.ctx.bus
    with connect(world, "leader") as ws:
        recv(ws)
        sub = next(s for s in bus._subs if s.queue.maxsize == 3)

        async def stall_then_burst():  # runs on the server loop: the pump cannot read meanwhile,
            for n in range(1000):      # so a publish that waited for room would never return
                bus.publish("case.changed", {"id": n, "department_id": None})
        ws.portal.call(stall_then_burst)
        assert sub.dropped >= 990
        bus.publish("case.changed", {"id": "sentinel", "department_id": None})
        msgs = [recv(ws)]
        while msgs[-1]["type"] != "case.changed" or msgs[-1]["data"]["id"] != "sentinel":
            msgs.append(recv(ws))
        assert msgs[0]["type"] == "resync"
        ids = [m["data"]["id"] for m in msgs[1:-1]]
        assert len(ids) < 3 and ids == sorted(ids) and all(i >= 997 for i in ids)


def report(world, who="acceptor", **kw) -> dict:
    body = {"kind": "component", "class_code": "0101", "lon": 116.397, "lat": 39.909,
            "description": "井盖缺失", **kw}
    r = world.client.post("/api/cases", json=body, headers=world.h(who))
    assert r.status_code == 201, r.text
    return r.json()


def act(world, who: str, case_id: int, action: str, **body) -> dict:
    r = world.client.post(f"/api/cases/{case_id}/actions/{action}", json=body, headers=world.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_case_actions_reach_clients_in_scope(world):
    water = world.departments["water"]
    with connect(world, "dispatcher") as disp, connect(world, "department") as dep, \
            connect(world, "department2") as dep2:
        for ws in (disp, dep, dep2):
            recv(ws)
        case = report(world)
        ev = recv_type(disp, "case.changed")
        assert ev["data"]["id"] == case["id"] and ev["data"]["state"] == "reported"
        assert ev["data"]["number"] == case["number"] and ev["data"]["band"] == "green"
        act(world, "acceptor", case["id"], "accept")
        assert recv_type(disp, "case.changed")["data"]["state"] == "pending_filing"
        act(world, "shift_leader", case["id"], "file", condition_id="component-0101-1")
        act(world, "dispatcher", case["id"], "dispatch", department_id=water)
        assert recv_type(disp, "case.changed")["data"]["state"] == "pending_dispatch"
        got = recv_type(disp, "case.changed")["data"]
        assert got["state"] == "handling" and got["department_id"] == water
        # the water department hears of the case only once it is theirs
        got = recv_type(dep, "case.changed")["data"]
        assert (got["id"], got["state"]) == (case["id"], "handling")
        act(world, "department", case["id"], "dept_return", reason="not ours: a gas company cover")
        got = recv_type(dep, "case.changed")["data"]
        assert got["state"] == "pending_dispatch" and got["department_id"] is None
        for ws in (dep, dep2):
            ws.send_json({"type": "ping"})
        assert recv(dep)["type"] == "pong"
        assert recv(dep2)["type"] == "pong"  # sanitation saw nothing of the water case
