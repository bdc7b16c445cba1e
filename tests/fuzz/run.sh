#!/usr/bin/env bash
# Fuzzes a running att-coord with schemathesis in GraphQL mode, as a partner and anonymously.
# Fails on any 5xx, any response that is not valid GraphQL-over-HTTP, any error without a
# stable code, and any INTERNAL error. Usage: tests/fuzz/run.sh PATH/TO/att-coord [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$1"
budget="${2:-45}"
port="${FUZZ_PORT:-18787}"
work="$(mktemp -d)"
secret="fuzz-secret-fuzz-secret-fuzz-secret-0000"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

DATABASE_URL="sqlite://$work/fuzz.db?mode=rwc" ATT_JWT_SECRET="$secret" ATT_BIND="127.0.0.1:$port" \
  ATT_RATE_LIMIT_PER_SEC=0 RUST_LOG=warn "$binary" serve --demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

# A partner of the first organisation (its global id is base64url of "Organization:1").
token="$(ATT_JWT_SECRET="$secret" "$binary" token --role partner --org T3JnYW5pemF0aW9uOjE --ttl 1h)"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=att_hooks
fuzz() {
  st --no-color run "$here/../../schema.graphql" --url "http://127.0.0.1:$port/graphql" \
    --checks graphql_over_http --max-time "$budget" --workers 2 "$@"
}
echo "--- as a partner"
fuzz -H "Authorization: Bearer $token"
echo "--- anonymously"
fuzz
if grep -q '"level":"ERROR"' "$work/server.log"; then
  echo "the server logged errors during the fuzz run:"; grep '"level":"ERROR"' "$work/server.log" | head -20; exit 1
fi
