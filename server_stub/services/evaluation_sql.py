"""The evaluation's counts in PostgreSQL: the same counts as services/evaluation (whose docstring
defines them) computed by the database, without moving the period's log into Python. Used when
services.evaluation_counts.IN_DATABASE is set: it measured slower than the Python count on a month at
Nanchang scale (see there), so it is off by default and kept, tested equal, for a database server
with more cores than the application's.

The statement numbers each case's events (window functions over the log of the cases touched in
the period), finds where each stage began (the previous state-changing event) and whether the
event that ended it was on time (its logged deadline, else the stage limit, and no overdue fact
recorded meanwhile), groups the events after each dispatch into its handling round, and
aggregates every count with GROUP BY into rows of (subject, key, count name, value). Python only
files those rows into a Tally. tests/server/test_evaluation_views.py checks it gives the Python
count's tally on the hand-computed month.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.workflow import STAGE_OF_STATE

PUBLIC = ("hotline", "citizen", "open311", "media")


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"(CASE {column} {whens} END)"


def _stage_deadline(limits: dict[str, float]) -> str:
    """An event's own stage deadline: the one it logged, else its start + the stage limit (not for
    handling, whose limit is the class's and is always logged)."""
    whens = " ".join(f"WHEN '{stage}' THEN e.at + make_interval(secs => {float(m) * 60.0!r})"
                     for stage, m in limits.items() if stage != "handling")
    return f"COALESCE(e.dl, CASE e.to_stage {whens} END)" if whens else "e.dl"


def prepare(limits: dict[str, float]) -> str:
    """The period's log with each event's stage facts, then whether it ended its stage on time:
    two temporary tables with keys and statistics, so the planner knows what it joins."""
    stage_of = {str(k.value if hasattr(k, "value") else k): v for k, v in STAGE_OF_STATE.items()}
    return f"""
CREATE TEMP TABLE eval_ev ON COMMIT DROP AS
WITH touched AS (
  SELECT DISTINCT case_id FROM case_events WHERE at >= :start AND at < :end
), ev AS (
  SELECT e.id, e.case_id, e.action, e.from_state, e.to_state, e.actor_id, e.actor_role, e.at,
         -- the event data is parsed only where it is read: a stage's start, a dispatch, a task
         CASE WHEN e.from_state IS DISTINCT FROM e.to_state
              THEN ((e.data->>'deadline_at')::timestamptz AT TIME ZONE 'UTC') END AS dl,
         CASE WHEN e.action = 'dispatch' THEN (e.data->>'department_id')::int END AS dept,
         CASE WHEN e.action IN ('send_verify', 'send_check') THEN (e.data->>'task_inspector_id')::int END
           AS task_insp,
         {_case('e.to_state', stage_of)} AS to_stage, {_case('e.from_state', stage_of)} AS from_stage,
         row_number() OVER w AS rn,
         (e.at >= :start AND e.at < :end) AS in_p,
         bool_or(e.action = 'file') OVER (PARTITION BY e.case_id) AS filed_ever,
         min(e.id) FILTER (WHERE e.action = 'answer_verify') OVER later AS next_answer_verify,
         min(e.id) FILTER (WHERE e.action = 'answer_check') OVER later AS next_answer_check,
         min(e.id) FILTER (WHERE e.action = 'dispatch') OVER later AS next_dispatch,
         COALESCE(bool_or(e.action = 'void') OVER later, false) AS void_after,
         max(e.id) FILTER (WHERE e.action = 'dispatch') OVER upto AS round_id
  FROM case_events e JOIN touched t ON t.case_id = e.case_id
  WHERE e.at <= :as_of
  WINDOW w AS (PARTITION BY e.case_id ORDER BY e.id),
         later AS (PARTITION BY e.case_id ORDER BY e.id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING),
         upto AS (PARTITION BY e.case_id ORDER BY e.id ROWS UNBOUNDED PRECEDING)
)
SELECT e.*, (e.rn > 1 AND e.from_state IS NOT NULL AND e.to_state <> e.from_state) AS mover,
       {_stage_deadline(limits)} AS sdl
FROM ev e;
ALTER TABLE eval_ev ADD PRIMARY KEY (id);
ANALYZE eval_ev;
CREATE TEMP TABLE eval_ot ON COMMIT DROP AS
WITH marks AS (  -- where the stage ended by a state-changing event began: the previous such event
  SELECT id, lag(id) OVER (PARTITION BY case_id ORDER BY id) AS k_id FROM eval_ev WHERE rn = 1 OR mover
)
SELECT e.*, CASE WHEN NOT e.mover THEN true ELSE
         ((k.sdl IS NULL OR e.at <= k.sdl) AND (od.case_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM overdues o WHERE o.case_id = e.case_id AND o.stage = e.from_stage
             AND o.deadline_at >= k.at AND o.deadline_at < e.at))) END AS on_time
FROM eval_ev e LEFT JOIN marks m ON m.id = e.id LEFT JOIN eval_ev k ON k.id = m.k_id
LEFT JOIN (SELECT DISTINCT case_id FROM overdues) od ON od.case_id = e.case_id;
ALTER TABLE eval_ot ADD PRIMARY KEY (id);
ANALYZE eval_ot;
"""


def query() -> str:
    """The counts over eval_ot (made by prepare())."""
    public = ", ".join(f"'{p}'" for p in PUBLIC)
    return f"""
WITH rounds AS (
  SELECT case_id, round_id, bool_or(action = 'dept_return') AS returned, bool_or(action = 'void') AS voided,
         max(id) FILTER (WHERE action = 'feedback') AS last_fb, max(id) FILTER (WHERE action = 'rework') AS last_rw,
         bool_or(action = 'approve_extension') AS extended, bool_or(action = 'close') AS closed
  FROM eval_ot WHERE round_id IS NOT NULL AND id > round_id GROUP BY case_id, round_id
), disp AS (
  SELECT d.id, d.case_id, d.actor_id, d.on_time AS d_on_time, COALESCE(r.returned, false) AS returned,
         COALESCE(r.voided, false) AS voided, d.next_dispatch, c.state AS case_state,
         COALESCE(d.dept, c.department_id) AS dept, c.district_code, c.street_code,
         r.last_fb, r.last_rw, COALESCE(r.extended, false) AS extended, COALESCE(r.closed, false) AS closed,
         (r.last_fb IS NOT NULL AND (r.last_rw IS NULL OR r.last_rw < r.last_fb)) AS handled
  FROM eval_ot d JOIN cases c ON c.id = d.case_id
  LEFT JOIN rounds r ON r.case_id = d.case_id AND r.round_id = d.id
  WHERE d.action = 'dispatch' AND d.in_p
), judged AS (  -- the round's deadline in force and whether it was missed (see handling_late)
  SELECT x.*, late.late FROM (
    SELECT disp.*, COALESCE(disp.last_rw, disp.id) AS r_id,
           CASE WHEN disp.handled THEN disp.last_fb ELSE COALESCE(disp.next_dispatch, 9223372036854775807) END
             AS upto_id
    FROM disp) x
  CROSS JOIN LATERAL (
    SELECT (SELECT at FROM case_events WHERE id = x.r_id) AS t0,
           CASE WHEN x.handled THEN (SELECT at FROM case_events WHERE id = x.last_fb) ELSE :as_of END AS t
  ) tt
  CROSS JOIN LATERAL (
    SELECT (EXISTS (SELECT 1 FROM overdues o WHERE o.case_id = x.case_id AND o.stage = 'handling'
                      AND o.deadline_at >= tt.t0 AND o.deadline_at < tt.t)
            OR COALESCE(tt.t > (
              SELECT (ce.data->>'deadline_at')::timestamptz AT TIME ZONE 'UTC' FROM case_events ce
              WHERE ce.case_id = x.case_id AND ce.id >= x.r_id AND ce.id < x.upto_id AND ce.at <= :as_of
                AND ce.to_state = 'handling' AND ce.data->>'deadline_at' IS NOT NULL
              ORDER BY ce.id DESC LIMIT 1), false)) AS late
  ) late
), counted AS (
  SELECT j.*, (j.handled AND NOT j.late) AS h_on_time, (NOT j.handled AND j.late) AS overdue
  FROM judged j
  WHERE NOT j.returned AND NOT j.voided AND NOT (j.next_dispatch IS NULL AND j.case_state = 'suspended')
)
-- inspectors: reports, valid reports
SELECT 'inspector' AS subject, reporter::text AS key, 'reports' AS name, count(*) AS value
  FROM (SELECT CASE WHEN e.actor_role = 'inspector' THEN e.actor_id
                    WHEN c.source = 'inspector' THEN c.reporter_id END AS reporter, e.filed_ever
        FROM eval_ot e JOIN cases c ON c.id = e.case_id WHERE e.action = 'report' AND e.in_p) x
  WHERE reporter IS NOT NULL GROUP BY reporter
UNION ALL
SELECT 'inspector', reporter::text, 'valid_reports', count(*) FILTER (WHERE filed_ever)
  FROM (SELECT CASE WHEN e.actor_role = 'inspector' THEN e.actor_id
                    WHEN c.source = 'inspector' THEN c.reporter_id END AS reporter, e.filed_ever
        FROM eval_ot e JOIN cases c ON c.id = e.case_id WHERE e.action = 'report' AND e.in_p) x
  WHERE reporter IS NOT NULL GROUP BY reporter
-- acceptors: verify / check tasks sent, on time
UNION ALL
SELECT 'acceptor', actor_id::text, substr(action, 6) || '_dispatches', count(*)
  FROM eval_ot WHERE in_p AND action IN ('send_verify', 'send_check') AND actor_id IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT 'acceptor', actor_id::text, substr(action, 6) || '_dispatches_on_time', count(*) FILTER (WHERE on_time)
  FROM eval_ot WHERE in_p AND action IN ('send_verify', 'send_check') AND actor_id IS NOT NULL GROUP BY 1, 2, 3
-- inspectors: the tasks, answered on time (a task still running is not judged yet)
UNION ALL
SELECT 'inspector', insp::text, kind || '_tasks', count(*) FROM (
  SELECT substr(s.action, 6) AS kind, COALESCE(s.task_insp, CASE WHEN a.actor_role = 'inspector' THEN a.actor_id END) AS insp,
         a.id AS answer, a.on_time AS a_on_time, s.sdl
  FROM eval_ot s LEFT JOIN eval_ot a ON a.id = CASE s.action WHEN 'send_verify' THEN s.next_answer_verify
                                                   ELSE s.next_answer_check END
  WHERE s.in_p AND s.action IN ('send_verify', 'send_check')) x
  WHERE insp IS NOT NULL AND NOT (answer IS NULL AND (sdl IS NULL OR :as_of <= sdl)) GROUP BY 1, 2, 3
UNION ALL
SELECT 'inspector', insp::text, kind || '_on_time', count(*) FILTER (WHERE answer IS NOT NULL AND a_on_time) FROM (
  SELECT substr(s.action, 6) AS kind, COALESCE(s.task_insp, CASE WHEN a.actor_role = 'inspector' THEN a.actor_id END) AS insp,
         a.id AS answer, a.on_time AS a_on_time, s.sdl
  FROM eval_ot s LEFT JOIN eval_ot a ON a.id = CASE s.action WHEN 'send_verify' THEN s.next_answer_verify
                                                   ELSE s.next_answer_check END
  WHERE s.in_p AND s.action IN ('send_verify', 'send_check')) x
  WHERE insp IS NOT NULL AND NOT (answer IS NULL AND (sdl IS NULL OR :as_of <= sdl)) GROUP BY 1, 2, 3
-- acceptors: reports decided
UNION ALL
SELECT 'acceptor', actor_id::text, 'accepted', count(*) FROM eval_ot
  WHERE in_p AND actor_id IS NOT NULL AND (action IN ('accept', 'reject')
        OR (action = 'merge' AND from_state = 'reported' AND to_state = 'void')) GROUP BY 1, 2, 3
-- shift leaders: filed, on time, voided after; closed, on time
UNION ALL
SELECT 'shift_leader', actor_id::text, m.name, count(*) FILTER (WHERE m.ok) FROM eval_ot
  CROSS JOIN LATERAL (VALUES ('filed', true), ('filed_on_time', on_time), ('voided_after_filing', void_after)) m(name, ok)
  WHERE in_p AND action = 'file' AND actor_id IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT 'shift_leader', actor_id::text, m.name, count(*) FILTER (WHERE m.ok) FROM eval_ot
  CROSS JOIN LATERAL (VALUES ('closed', true), ('closed_on_time', on_time)) m(name, ok)
  WHERE in_p AND action = 'close' AND actor_id IS NOT NULL GROUP BY 1, 2, 3
-- unit grids: cases filed in the period (once each), of them from the public
UNION ALL
SELECT 'grid', c.grid_code, m.name, count(*) FILTER (WHERE m.ok)
  FROM (SELECT DISTINCT case_id FROM eval_ot WHERE action = 'file' AND in_p) f JOIN cases c ON c.id = f.case_id
  CROSS JOIN LATERAL (VALUES ('filed', true), ('public', c.source IN ({public}))) m(name, ok)
  WHERE c.grid_code IS NOT NULL AND c.grid_code <> '' GROUP BY 1, 2, 3
-- dispatchers: dispatched, on time, returned by the department
UNION ALL
SELECT 'dispatcher', actor_id::text, m.name, count(*) FILTER (WHERE m.ok) FROM judged
  CROSS JOIN LATERAL (VALUES ('dispatched', true), ('dispatched_on_time', d_on_time), ('reworked', returned)) m(name, ok)
  WHERE actor_id IS NOT NULL GROUP BY 1, 2, 3
-- departments, districts, streets: the assignments (one pass per level, counted with FILTER)
UNION ALL
SELECT g.subject, g.key, m.name, m.value FROM (
  SELECT 'dept' AS subject, dept::text AS key, count(*) AS to_handle, count(*) FILTER (WHERE handled) AS handled,
         count(*) FILTER (WHERE h_on_time) AS handled_on_time, count(*) FILTER (WHERE last_rw IS NOT NULL) AS reworked,
         count(*) FILTER (WHERE extended) AS extended, count(*) FILTER (WHERE closed) AS closed,
         count(*) FILTER (WHERE closed AND h_on_time) AS closed_on_time, count(*) FILTER (WHERE overdue) AS overdue
  FROM counted GROUP BY dept
  UNION ALL
  SELECT 'district', district_code, count(*), count(*) FILTER (WHERE handled), count(*) FILTER (WHERE h_on_time),
         count(*) FILTER (WHERE last_rw IS NOT NULL), count(*) FILTER (WHERE extended), count(*) FILTER (WHERE closed),
         count(*) FILTER (WHERE closed AND h_on_time), count(*) FILTER (WHERE overdue)
  FROM counted GROUP BY district_code
  UNION ALL
  SELECT 'street', street_code, count(*), count(*) FILTER (WHERE handled), count(*) FILTER (WHERE h_on_time),
         count(*) FILTER (WHERE last_rw IS NOT NULL), count(*) FILTER (WHERE extended), count(*) FILTER (WHERE closed),
         count(*) FILTER (WHERE closed AND h_on_time), count(*) FILTER (WHERE overdue)
  FROM counted GROUP BY street_code) g
  CROSS JOIN LATERAL (VALUES ('to_handle', g.to_handle), ('handled', g.handled), ('handled_on_time', g.handled_on_time),
                             ('reworked', g.reworked), ('extended', g.extended), ('closed', g.closed),
                             ('closed_on_time', g.closed_on_time), ('overdue_unhandled', g.overdue)) m(name, value)
  WHERE g.key IS NOT NULL
-- the late assignments, for the drill-down
UNION ALL
SELECT 'late', dept::text, case_id::text, 1 FROM counted
  WHERE dept IS NOT NULL AND ((handled AND NOT h_on_time) OR overdue) GROUP BY dept, case_id
"""


def count(s: Session, start: datetime, end: datetime, as_of: datetime, limits: dict[str, float], tally) -> None:
    """Fills `tally` (services.evaluation_counts.Tally) from the database; times are naive UTC."""
    conn = s.connection()
    # JIT would compile this big statement for seconds to save milliseconds: off, for this transaction
    conn.execute(text("SET LOCAL jit = off; DROP TABLE IF EXISTS eval_ot; DROP TABLE IF EXISTS eval_ev"))
    params = {"start": start, "end": end, "as_of": as_of}
    for part in prepare(limits).split(";"):
        if part.strip():
            conn.execute(text(part), params if ":" in part else {})
    rows = conn.execute(text(query()), {"as_of": as_of}).all()
    conn.execute(text("DROP TABLE eval_ot; DROP TABLE eval_ev"))
    for subject, key, name, value in rows:
        if key is None:
            continue
        if subject in tally.posts:
            if value:
                tally.posts[subject][int(key)][name] += int(value)
        elif subject == "grid":
            (tally.grid_filed if name == "filed" else tally.grid_public)[key] += int(value)
        elif subject == "dept":
            tally.dept[int(key)][name] += int(value)
        elif subject in ("district", "street"):
            getattr(tally, subject)[key][name] += int(value)
        elif subject == "late":
            tally.late[int(key)].add(int(name))


__all__ = ["count", "prepare", "query"]
