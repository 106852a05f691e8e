-- 020_group_reports.sql: the group reports' facts (docs/POSTGRES.md,
-- "Group reports"). The reports' rules stay in C (report/*.c): roundsd
-- computes each site's report documents (`roundsd group refresh`, and
-- serve's refresh thread, server/group_refresh.c) and writes them here,
-- replacing a (site, report, period) in one transaction. SQL across
-- estates only filters, sums and divides.

-- One run per site, report and period: 'YYYY-MM' (a local month) or
-- 'YYYY-MM-DD' (a local day). as_of is the report's "now": how fresh the
-- estate's figures are. summary is the report's summary as --json prints
-- it (key -> value).
CREATE TABLE report_runs (
    site        text NOT NULL,
    report      text NOT NULL,
    period      text NOT NULL
                CHECK (period ~ '^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$'),
    from_ts     timestamptz NOT NULL,
    to_ts       timestamptz NOT NULL,
    as_of       timestamptz NOT NULL,
    tz_min      integer NOT NULL,
    summary     jsonb NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, report, period)
);

-- Every row of every section of a run, as --json prints it (column ->
-- value; times ISO 8601 strings with the offset, ::timestamptz reads
-- them). Nested sections (a work order's cycles, a cycle's clocks) are
-- flat here, their key columns included ("order", "cycle").
CREATE TABLE report_rows (
    site    text NOT NULL,
    report  text NOT NULL,
    period  text NOT NULL,
    section text NOT NULL,
    row_no  integer NOT NULL,
    row     jsonb NOT NULL,
    PRIMARY KEY (site, report, period, section, row_no),
    FOREIGN KEY (site, report, period) REFERENCES report_runs
        ON DELETE CASCADE
);

-- Patrol quality per site and period: the patrol summary (REPORTS.md,
-- "patrol").
CREATE VIEW group_patrol AS
SELECT site, period, from_ts, to_ts, as_of, computed_at,
       (summary->>'routes')::bigint AS routes,
       (summary->>'rounds')::bigint AS rounds,
       (summary->>'required')::bigint AS required,
       (summary->>'visited')::bigint AS visited,
       (summary->>'tqi')::numeric AS tqi,
       (summary->>'on_time')::bigint AS on_time,
       (summary->>'late')::bigint AS late,
       (summary->>'missed')::bigint AS missed,
       (summary->>'pending')::bigint AS pending,
       (summary->>'out_of_order')::bigint AS out_of_order,
       (summary->>'duplicates')::bigint AS duplicates,
       (summary->>'early')::bigint AS early,
       (summary->>'manual_scans')::bigint AS manual_scans,
       (summary->>'clock_flagged_scans')::bigint AS clock_flagged_scans,
       (summary->>'anomalies')::bigint AS anomalies,
       (summary->>'unknown_tag_scans')::bigint AS unknown_tag_scans,
       (summary->>'unscheduled_scans')::bigint AS unscheduled_scans
FROM report_runs WHERE report = 'patrol';

-- Work orders per site and period: the workorders summary.
CREATE VIEW group_workorders AS
SELECT site, period, from_ts, to_ts, as_of, computed_at,
       (summary->>'orders')::bigint AS orders,
       (summary->>'open')::bigint AS open,
       (summary->>'urgent')::bigint AS urgent,
       (summary->>'breached')::bigint AS breached,
       (summary->>'at_risk')::bigint AS at_risk,
       (summary->>'unverified')::bigint AS unverified,
       (summary->>'repeats')::bigint AS repeats,
       (summary->>'completed_in_window')::bigint AS completed_in_window,
       (summary->>'called_back')::bigint AS called_back,
       (summary->>'callback_coverage')::numeric AS callback_coverage,
       (summary->>'breaches')::bigint AS breaches,
       (summary->>'undelivered')::bigint AS undelivered
FROM report_runs WHERE report = 'workorders';

-- Every clock of every cycle of the listed work orders (the workorders
-- report's cycle_clocks), with its order's category, priority and
-- assignee (its orders row).
CREATE VIEW group_wo_clocks AS
SELECT c.site, c.period, r.as_of,
       c.row->>'order' AS order_id,
       (c.row->>'cycle')::integer AS cycle,
       c.row->>'clock' AS clock,
       c.row->>'status' AS status,
       (c.row->>'limit_min')::bigint AS limit_min,
       (c.row->>'elapsed_min')::bigint AS elapsed_min,
       (c.row->>'start')::timestamptz AS start_at,
       (c.row->>'stop')::timestamptz AS stop_at,
       (c.row->>'due')::timestamptz AS due_at,
       c.row->>'stopped_by' AS stopped_by,
       c.row->>'clock_flag' AS clock_flag,
       o.row->>'category' AS category,
       o.row->>'priority' AS priority,
       o.row->>'assignee' AS assignee
FROM report_rows c
JOIN report_runs r USING (site, report, period)
LEFT JOIN report_rows o
       ON o.site = c.site AND o.report = c.report AND o.period = c.period
      AND o.section = 'orders' AND o.row->>'id' = c.row->>'order'
WHERE c.report = 'workorders' AND c.section = 'cycle_clocks';

-- Callback coverage and the door-to-door share per site and period: the
-- callbacks summary (REPORTS.md, "callbacks").
CREATE VIEW group_callbacks AS
SELECT site, period, from_ts, to_ts, as_of, computed_at,
       (summary->>'completed')::bigint AS completed,
       (summary->>'called_back')::bigint AS called_back,
       (summary->>'coverage')::numeric AS coverage,
       (summary->>'coverage_target')::numeric AS coverage_target,
       (summary->>'missing')::bigint AS missing,
       (summary->>'callbacks')::bigint AS callbacks,
       (summary->>'door_signed')::bigint AS door_signed,
       (summary->>'door_unsigned')::bigint AS door_unsigned,
       (summary->>'phone_enough')::bigint AS phone_enough,
       (summary->>'door_share_base')::bigint AS door_share_base,
       (summary->>'door_share')::numeric AS door_share,
       (summary->>'door_share_target')::numeric AS door_share_target,
       (summary->>'reopened')::bigint AS reopened
FROM report_runs WHERE report = 'callbacks';

-- Month end per site, period and person: the month report's people rows.
CREATE VIEW group_month_people AS
SELECT p.site, p.period, r.as_of,
       p.row->>'person' AS person,
       (p.row->>'rounds')::bigint AS rounds,
       (p.row->>'scans_on_time')::bigint AS scans_on_time,
       (p.row->>'scans_late')::bigint AS scans_late,
       (p.row->>'checkpoints_missed')::bigint AS checkpoints_missed,
       (p.row->>'orders')::bigint AS orders,
       (p.row->>'clocks_met')::bigint AS clocks_met,
       (p.row->>'clocks_breached')::bigint AS clocks_breached,
       (p.row->>'clocks_open')::bigint AS clocks_open,
       (p.row->>'clocks_unverified')::bigint AS clocks_unverified,
       (p.row->>'callbacks')::bigint AS callbacks
FROM report_rows p
JOIN report_runs r USING (site, report, period)
WHERE p.report = 'month' AND p.section = 'people';
