-- The region dashboard's answer (the wgtu's view of every African state) in one statement:
-- the same JSON the GraphQL query returns, built by the database.
SELECT json_build_object('data', json_build_object('states', json_build_object(
  'totalCount', (SELECT count(*) FROM states WHERE continent = 'AFRICA'),
  'nodes', (
    SELECT json_agg(json_build_object(
      'iso3', s.iso3, 'name', s.name, 'attStatus', s.att_status,
      'currentAssessment', (
        SELECT json_build_object('tier', a.tier) FROM assessments a
        WHERE a.state_id = s.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1),
      'supportNeeds', (
        SELECT coalesce(json_agg(json_build_object('status', n.status) ORDER BY n.id), '[]')
        FROM support_needs n WHERE n.state_id = s.id),
      'vtfApproved', (
        SELECT coalesce(json_agg(json_build_object('currency', v.currency, 'amount', (v.amount / 100.0)::numeric(20, 2)::text) ORDER BY v.currency), '[]')
        FROM (SELECT p.currency, sum(p.amount_approved)::bigint AS amount FROM vtf_projects p
              WHERE p.state_id = s.id AND p.amount_approved IS NOT NULL GROUP BY p.currency) v),
      'activityReports', json_build_object(
        'totalCount', (
          SELECT count(*) FROM activity_report_states l
          WHERE l.state_id = s.id AND l.review_status <> 'DRAFT'),
        'nodes', (
          SELECT coalesce(json_agg(json_build_object(
                   'title', r.title, 'startDate', r.start_date, 'organization', json_build_object('name', o.name))
                 ORDER BY l.start_date DESC, l.report_id DESC), '[]')
          FROM (SELECT l.report_id, l.start_date FROM activity_report_states l
                WHERE l.state_id = s.id AND l.review_status <> 'DRAFT'
                ORDER BY l.start_date DESC, l.report_id DESC LIMIT 5) l
          JOIN activity_reports r ON r.id = l.report_id
          JOIN organizations o ON o.id = r.organization_id))
    ) ORDER BY s.name, s.id)
    FROM states s WHERE s.continent = 'AFRICA'))));
