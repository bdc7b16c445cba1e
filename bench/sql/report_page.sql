-- A 100-row page of the pull query (the wgtu's view, oldest change first), in one statement.
-- The bench replaces {{after}} by the page's keyset condition ("" for the first page).
SELECT json_build_object('data', json_build_object('activityReports', json_build_object(
  'pageInfo', json_build_object(
    -- The next row in key order, if any: a scalar subquery keeps its ORDER BY and walks the
    -- index; an EXISTS was planned as a scan, which at the end of the data reads every row.
    'hasNextPage', (
      SELECT x.id FROM activity_reports x WHERE x.review_status <> 'DRAFT'
      AND (x.updated_at, x.id) > (p.last_updated_at, p.last_id)
      ORDER BY x.updated_at, x.id LIMIT 1) IS NOT NULL,
    'endCursor', p.end_cursor),
  'nodes', p.nodes)))
FROM (
  SELECT
    coalesce(json_agg(json_build_object(
      'id', rtrim(translate(encode(convert_to('ActivityReport:' || r.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
      'title', r.title, 'activityType', r.activity_type, 'status', r.status,
      'startDate', r.start_date, 'endDate', r.end_date, 'reviewStatus', r.review_status,
      'updatedAt', t.seconds || CASE
        WHEN t.micros % 1000000 = 0 THEN ''
        WHEN t.micros % 1000 = 0 THEN '.' || lpad((t.micros % 1000000 / 1000)::text, 3, '0')
        ELSE '.' || lpad((t.micros % 1000000)::text, 6, '0') END || '+00' || chr(58) || '00',
      'organization', json_build_object(
        'id', rtrim(translate(encode(convert_to('Organization:' || o.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
        'name', o.name),
      'targetStates', (
        SELECT coalesce(json_agg(json_build_object('iso3', s.iso3) ORDER BY s.name, s.id), '[]')
        FROM activity_report_states l JOIN states s ON s.id = l.state_id WHERE l.report_id = r.id))
      ORDER BY r.updated_at, r.id), '[]') AS nodes,
    max(r.updated_at) AS last_updated_at,
    (array_agg(r.id ORDER BY r.updated_at DESC, r.id DESC))[1] AS last_id,
    (array_agg(rtrim(translate(encode(convert_to(
        'updated|' || r.id || '|' || t.seconds || '.' || lpad((t.micros % 1000000)::text, 6, '0') || 'Z', 'UTF8'),
        'base64'), '+/', '-_'), '=') ORDER BY r.updated_at DESC, r.id DESC))[1] AS end_cursor
  FROM (
    SELECT * FROM activity_reports r WHERE r.review_status <> 'DRAFT' {{after}}
    ORDER BY r.updated_at, r.id LIMIT 100) r
  JOIN organizations o ON o.id = r.organization_id
  -- The timestamp as chrono writes it; colons come from chr(58) because pgbench reads a colon and a name
  -- as one of its variables.
  CROSS JOIN LATERAL (SELECT
    replace(to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24"~"MI"~"SS'), '~', chr(58)) AS seconds,
    extract(microseconds FROM r.updated_at)::bigint AS micros) t) p;
