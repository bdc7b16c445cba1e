-- The per-state dossier (the wgtu's view of one state, every body's records) in one statement.
-- The bench replaces {{iso3}} by the state's code.
SELECT json_build_object('data', json_build_object('state', json_build_object(
  'iso3', s.iso3, 'name', s.name, 'attStatus', s.att_status, 'signatureDate', s.signature_date,
  'currentAssessment', (
    SELECT json_build_object('tier', a.tier, 'processStage', a.process_stage, 'assessedOn', a.assessed_on)
    FROM assessments a WHERE a.state_id = s.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1),
  'assessments', (
    SELECT coalesce(json_agg(json_build_object('tier', a.tier, 'assessedOn', a.assessed_on)
                             ORDER BY a.assessed_on DESC, a.id DESC), '[]')
    FROM assessments a WHERE a.state_id = s.id),
  'supportNeeds', (
    SELECT coalesce(json_agg(json_build_object(
             'category', n.category, 'status', n.status, 'sharedWithPartners', n.shared_with_partners) ORDER BY n.id), '[]')
    FROM support_needs n WHERE n.state_id = s.id),
  'contactPoints', (
    SELECT coalesce(json_agg(json_build_object('name', c.name, 'emails', c.emails) ORDER BY c.id), '[]')
    FROM contact_points c WHERE c.state_id = s.id),
  'engagements', (
    SELECT coalesce(json_agg(json_build_object('occurredOn', e.occurred_on, 'channel', e.channel)
                             ORDER BY e.occurred_on DESC, e.id DESC), '[]')
    FROM engagements e WHERE e.state_id = s.id),
  'accompaniedBy', (
    SELECT coalesce(json_agg(json_build_object(
             'since', ca.since, 'champion', json_build_object('state', json_build_object('iso3', cs.iso3))) ORDER BY ca.id), '[]')
    FROM champion_assignments ca JOIN champions ch ON ch.id = ca.champion_id JOIN states cs ON cs.id = ch.state_id
    WHERE ca.state_id = s.id),
  'vtfProjects', (
    SELECT coalesce(json_agg(json_build_object(
             'title', p.title, 'status', p.status,
             'amountApproved', (p.amount_approved / 100.0)::numeric(20, 2)::text,
             'currency', p.currency, 'cycle', json_build_object('year', y.year)) ORDER BY p.cycle_id DESC, p.id DESC), '[]')
    FROM vtf_projects p JOIN vtf_cycles y ON y.id = p.cycle_id WHERE p.state_id = s.id),
  'vtfApproved', (
    SELECT coalesce(json_agg(json_build_object('currency', v.currency, 'amount', (v.amount / 100.0)::numeric(20, 2)::text)
                             ORDER BY v.currency), '[]')
    FROM (SELECT p.currency, sum(p.amount_approved)::bigint AS amount FROM vtf_projects p
          WHERE p.state_id = s.id AND p.amount_approved IS NOT NULL GROUP BY p.currency) v),
  'sponsorshipAwards', (
    SELECT coalesce(json_agg(json_build_object(
             'status', w.status, 'cost', (w.cost / 100.0)::numeric(20, 2)::text,
             'meeting', json_build_object('title', m.title)) ORDER BY w.id), '[]')
    FROM sponsorship_awards w JOIN meetings m ON m.id = w.meeting_id WHERE w.state_id = s.id),
  'consultations', (
    SELECT coalesce(json_agg(json_build_object('pathway', c.pathway, 'consultedOn', c.consulted_on)
                             ORDER BY c.consulted_on DESC, c.id DESC), '[]')
    FROM advisory_consultations c WHERE c.state_id = s.id),
  'planTargets', (
    SELECT coalesce(json_agg(json_build_object(
             'milestone', t.milestone, 'targetYear', t.target_year, 'plan', json_build_object('title', pl.title)) ORDER BY t.id), '[]')
    FROM plan_targets t JOIN plans pl ON pl.id = t.plan_id WHERE t.state_id = s.id),
  'activityReports', json_build_object(
    'totalCount', (
      SELECT count(*) FROM activity_report_states l WHERE l.state_id = s.id AND l.review_status <> 'DRAFT'),
    'nodes', (
      SELECT coalesce(json_agg(json_build_object(
               'title', r.title, 'startDate', r.start_date, 'organization', json_build_object('name', o.name),
               'targetStates', (
                 SELECT json_agg(json_build_object('iso3', ts.iso3) ORDER BY ts.name, ts.id)
                 FROM activity_report_states tl JOIN states ts ON ts.id = tl.state_id WHERE tl.report_id = r.id))
             ORDER BY l.start_date DESC, l.report_id DESC), '[]')
      FROM (SELECT l.report_id, l.start_date FROM activity_report_states l
            WHERE l.state_id = s.id AND l.review_status <> 'DRAFT'
            ORDER BY l.start_date DESC, l.report_id DESC LIMIT 5) l
      JOIN activity_reports r ON r.id = l.report_id
      JOIN organizations o ON o.id = r.organization_id))
)))
FROM states s WHERE s.iso3 = '{{iso3}}';
