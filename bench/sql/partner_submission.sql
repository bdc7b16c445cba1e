-- A partner's submission as the API writes it: create a draft (report, its target states, the
-- audit event, the idempotency record) in one statement, then submit it in a second one. Each is
-- atomic on its own, as the API's are, so neither needs BEGIN and COMMIT: the fewest round trips
-- PostgreSQL allows. pgbench script: one run = one submission.
\set org random(1, 4)
\set k random(1, 1000000000000000)
WITH r AS (
  INSERT INTO activity_reports (organization_id, title, description, activity_type, status, start_date, end_date,
    att_themes, participants_total, participants_women, participating_organizations, budget, currency,
    funding_source, review_status, created_by, created_at, updated_at, version)
  VALUES (:org, 'Bench workshop', 'A workshop on national control lists [bench]', 'WORKSHOP', 'COMPLETED',
    '2026-03-02', '2026-03-04', '["Article 5"]', 40, 18, '[]', 1250000, 'USD', 'Bench donor', 'DRAFT',
    'pgbench-' || :client_id::text, now(), now(), 1)
  RETURNING id),
l AS (
  INSERT INTO activity_report_states (report_id, state_id, start_date, review_status, organization_id)
  SELECT r.id, s.id, '2026-03-02', 'DRAFT', :org FROM r, states s WHERE s.iso3 IN ('GHA', 'TGO')),
a AS (
  INSERT INTO audit_events (occurred_at, request_id, actor_sub, actor_role, actor_org_id, action, target_type, target_id)
  SELECT now(), 'pgbench', 'pgbench-' || :client_id::text, 'PARTNER', :org, 'createActivityReport', 'ActivityReport', r.id::text
  FROM r),
i AS (
  INSERT INTO idempotency_records (principal, key, operation, request_hash, target_type, target_id, created_at)
  SELECT 'PARTNER:' || :org::text || chr(58) || 'pgbench-' || :client_id::text, 'c' || :k::text, 'createActivityReport', md5(:k::text),
    'ActivityReport', r.id, now() FROM r
  ON CONFLICT DO NOTHING)
SELECT id AS rid FROM r \gset
WITH u AS (
  UPDATE activity_reports SET review_status = 'SUBMITTED', submitted_at = now(), updated_at = now(),
    version = version + 1
  WHERE id = :rid AND review_status = 'DRAFT' RETURNING id),
l AS (
  UPDATE activity_report_states SET review_status = 'SUBMITTED' WHERE report_id = :rid),
a AS (
  INSERT INTO audit_events (occurred_at, request_id, actor_sub, actor_role, actor_org_id, action, target_type, target_id)
  SELECT now(), 'pgbench', 'pgbench-' || :client_id::text, 'PARTNER', :org, 'submitActivityReport', 'ActivityReport', u.id::text
  FROM u)
INSERT INTO idempotency_records (principal, key, operation, request_hash, target_type, target_id, created_at)
SELECT 'PARTNER:' || :org::text || chr(58) || 'pgbench-' || :client_id::text, 's' || :k::text, 'submitActivityReport', md5(:k::text),
  'ActivityReport', u.id, now() FROM u
ON CONFLICT DO NOTHING;
