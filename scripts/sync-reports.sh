#!/usr/bin/env bash
# Mirror the accepted activity reports of an att-coord server into a local file, incrementally.
#
#   ATT_TOKEN=<token> scripts/sync-reports.sh --url http://127.0.0.1:8080/graphql \
#       --state reports.state.json --out reports.jsonl
#
# The mirror (--out) holds one JSON object per line (keys sorted), one line per report, sorted
# by id. The script reads the reports oldest change first (`orderBy: UPDATED_AT`, `first: 100` a
# page) and keeps in the state file (--state) the `updatedAt` and the cursor of the last report
# it has: the next request, in this run or the next, asks for what changed since
# (`updatedSince`) and after that cursor, so a report comes again only when it has changed, and
# a run that stops or fails anywhere goes on from there. Pages are appended to OUT.journal as
# they come and merged into the mirror when the run ends (of two copies of a report, the higher
# `version` wins), so the mirror holds every report exactly once; a journal left by a killed run
# is merged by the next one.
#
# Failed requests are retried with exponential backoff; HTTP 429 waits `Retry-After` seconds;
# when `RateLimit-Remaining` falls below a tenth of `RateLimit-Limit` the script waits
# `RateLimit-Reset` seconds (at most 60) before the next page.
#
# Exit status: 0 done (or stopped by --max-pages: run again to go on), 1 failed (run again to
# resume), 2 bad usage. Needs bash, curl and jq; scripts/sync_reports.py does the same with
# Python's standard library, with the same files.
set -euo pipefail

URL=${ATT_URL:-http://127.0.0.1:8080/graphql}
TOKEN=${ATT_TOKEN:-}
STATE=reports.state.json
OUT=reports.jsonl
PAGE_SIZE=100
MAX_PAGES=
RETRIES=8
TIMEOUT=60

QUERY='query SyncActivityReports($first: Int!, $after: String, $since: DateTime) {
  activityReports(first: $first, after: $after, updatedSince: $since, orderBy: UPDATED_AT, reviewStatus: ACCEPTED) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title description activityType status startDate endDate
      targetStates { iso3 } attThemes participantsTotal participantsWomen outcomes
      participatingOrganizations organization { id name }
      reviewStatus reviewedAt createdAt updatedAt version
    }
  }
}'

usage() {
  cat <<EOF
usage: ATT_TOKEN=<token> $0 [--url URL] [--state FILE] [--out FILE] [--page-size N] [--max-pages N] [--retries N] [--timeout SECS]
  --url        the GraphQL endpoint (env ATT_URL; default $URL)
  --state      where the script keeps its place (default $STATE)
  --out        the mirror: one report per line (default $OUT)
  --page-size  reports per request, 1 to 100 (default $PAGE_SIZE)
  --max-pages  stop after this many pages (run again to go on)
  --retries    retries of a page before giving up (default $RETRIES)
  --timeout    seconds to wait for one answer (default $TIMEOUT)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --url | --state | --out | --page-size | --max-pages | --retries | --timeout)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; } ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  case "$1" in
    --url) URL=$2 ;;
    --state) STATE=$2 ;;
    --out) OUT=$2 ;;
    --page-size) PAGE_SIZE=$2 ;;
    --max-pages) MAX_PAGES=$2 ;;
    --retries) RETRIES=$2 ;;
    --timeout) TIMEOUT=$2 ;;
  esac
  shift 2
done
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "this script needs $tool" >&2; exit 2; }
done
[ -n "$TOKEN" ] || { echo "a token is needed: set ATT_TOKEN (accepted reports are not public)" >&2; exit 2; }
case "$PAGE_SIZE" in [1-9] | [1-9][0-9] | 100) ;; *) echo "--page-size must be 1 to 100" >&2; exit 2 ;; esac

JOURNAL="$OUT.journal"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log() { printf 'sync-reports: %s\n' "$*" >&2; }

# The value of a response header of the last answer (names are case-insensitive).
header() { grep -i "^$1:" "$tmp/headers" | tail -n 1 | cut -d: -f2- | tr -d ' \r' || true; }

# 1, 2, 4 ... 64 seconds, each between half and all of it.
backoff() {
  local base=$((1 << ($1 < 6 ? $1 : 6)))
  echo $(((base + 1) / 2 + RANDOM % (base / 2 + 1)))
}

# Waits before the next page when the rate-limit budget is nearly spent.
pace() {
  local remaining limit wait
  remaining=$(header ratelimit-remaining)
  limit=$(header ratelimit-limit)
  [ -n "$remaining" ] && [ -n "$limit" ] || return 0
  if [ "$remaining" -lt $((limit / 10)) ]; then
    wait=$(header ratelimit-reset)
    wait=${wait:-1}
    [ "$wait" -le 60 ] || wait=60
    log "rate-limit budget low ($remaining of $limit); waiting $wait s"
    sleep "$wait"
  fi
}

write_state() { printf '%s\n' "$1" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"; }

# Fetches the next page into $tmp/page; returns 1 on a failure another try will not mend.
fetch_page() {
  local body attempt=0 status problem wait
  body=$(jq -cn --arg q "$QUERY" --argjson first "$PAGE_SIZE" --argjson s "$state" \
    '{query: $q, operationName: "SyncActivityReports", variables: {first: $first, after: $s.after, since: $s.since}}')
  while :; do
    status=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' --max-time "$TIMEOUT" \
      -H 'content-type: application/json' -H 'accept: application/json' -H "authorization: Bearer $TOKEN" \
      --data-binary "$body" "$URL") || status=000
    case "$status" in
      200)
        if ! jq -e . "$tmp/body" >/dev/null 2>&1; then
          log "the answer is not JSON; run again to resume"
          return 1
        elif ! jq -e '.errors' "$tmp/body" >/dev/null; then
          jq '.data.activityReports' "$tmp/body" >"$tmp/page"
          pace
          return 0
        elif jq -e '[.errors[].extensions.code] - ["INTERNAL", "TIMEOUT", "RATE_LIMITED"] | length == 0' "$tmp/body" >/dev/null; then
          problem="errors $(jq -r '[.errors[].extensions.code] | unique | join(",")' "$tmp/body")"
          wait=$(backoff "$attempt")
        else
          log "the server refused the query: $(jq -c .errors "$tmp/body"); run again to resume"
          return 1
        fi
        ;;
      429)
        problem="rate limited"
        wait=$(header retry-after)
        wait=${wait:-1}
        ;;
      000 | 408 | 500 | 502 | 503 | 504)
        problem="HTTP $status"
        wait=$(backoff "$attempt")
        ;;
      *)
        log "HTTP $status: $(head -c 500 "$tmp/body"); run again to resume"
        return 1
        ;;
    esac
    attempt=$((attempt + 1))
    if [ "$attempt" -gt "$RETRIES" ]; then
      log "giving up after $attempt attempts: $problem; run again to resume"
      return 1
    fi
    log "$problem; retrying in $wait s"
    sleep "$wait"
  done
}

summary() {
  jq -cn --argjson pages "$pages" --argjson fetched "$fetched" --argjson mirrored "$(grep -c . "$OUT" || true)" \
    --argjson complete "$complete" '{pages: $pages, fetched: $fetched, mirrored: $mirrored, complete: $complete}'
}

# Merges the journal into the mirror: each report once, at its highest version.
merge() {
  touch "$OUT" "$JOURNAL"
  cat "$OUT" "$JOURNAL" | jq -cSs 'group_by(.id) | map(max_by(.version)) | .[]' >"$OUT.tmp"
  mv "$OUT.tmp" "$OUT"
  rm -f "$JOURNAL"
}

if [ -f "$STATE" ]; then
  state=$(jq -c . "$STATE")
else
  state='{"since":null,"after":null}'
fi
pages=0
fetched=0
complete=false
while [ -z "$MAX_PAGES" ] || [ "$pages" -lt "$MAX_PAGES" ]; do
  if ! fetch_page; then
    # What was fetched is kept.
    merge
    exit 1
  fi
  jq -c '.nodes[]' "$tmp/page" >>"$JOURNAL"
  n=$(jq '.nodes | length' "$tmp/page")
  pages=$((pages + 1))
  fetched=$((fetched + n))
  if [ "$n" -gt 0 ]; then
    state=$(jq -c '{since: (.nodes | last | .updatedAt), after: .pageInfo.endCursor}' "$tmp/page")
    write_state "$state"
  fi
  if [ "$(jq '.pageInfo.hasNextPage' "$tmp/page")" != true ]; then
    complete=true
    break
  fi
done
merge
[ "$complete" = true ] || log "stopped after $pages page(s); run again to go on"
summary
