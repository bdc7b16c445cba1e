#!/usr/bin/env python3
"""Mirror the accepted activity reports of an att-coord server into a local file, incrementally.

    ATT_TOKEN=<token> python3 scripts/sync_reports.py --url http://127.0.0.1:8080/graphql \\
        --state reports.state.json --out reports.jsonl

The mirror (--out) holds one JSON object per line (keys sorted), one line per report, sorted by
id. The script reads the reports oldest change first (`orderBy: UPDATED_AT`, `first: 100` a
page) and keeps in the state file (--state) the `updatedAt` and the cursor of the last report it
has: the next request, in this run or the next, asks for what changed since (`updatedSince`) and
after that cursor, so a report comes again only when it has changed, and a run that stops or
fails anywhere goes on from there. Pages are appended to OUT.journal as they come and merged
into the mirror when the run ends (of two copies of a report, the higher `version` wins), so the
mirror holds every report exactly once; a journal left by a killed run is merged by the next
one.

Failed requests are retried with exponential backoff; HTTP 429 waits `Retry-After` seconds; when
`RateLimit-Remaining` falls below a tenth of `RateLimit-Limit` the script waits
`RateLimit-Reset` seconds (at most 60) before the next page.

Exit status: 0 done (or stopped by --max-pages: run again to go on), 1 failed (run again to
resume), 2 bad usage. Standard library only; scripts/sync-reports.sh does the same with curl and
jq, with the same files.
"""

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

QUERY = """query SyncActivityReports($first: Int!, $after: String, $since: DateTime) {
  activityReports(first: $first, after: $after, updatedSince: $since, orderBy: UPDATED_AT, reviewStatus: ACCEPTED) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title description activityType status startDate endDate
      targetStates { iso3 } attThemes participantsTotal participantsWomen outcomes
      participatingOrganizations organization { id name }
      reviewStatus reviewedAt createdAt updatedAt version
    }
  }
}"""

# Codes worth another try: the server failed or was busy, not the request.
RETRYABLE_CODES = {"INTERNAL", "TIMEOUT", "RATE_LIMITED"}
RETRYABLE_STATUS = {408, 500, 502, 503, 504}


class Failed(Exception):
    """A failure that another try will not mend."""


def log(message):
    print(f"sync-reports: {message}", file=sys.stderr, flush=True)


def backoff(attempt):
    """1, 2, 4 ... 64 seconds, each between half and all of it."""
    base = 2 ** min(attempt, 6)
    return base / 2 + random.uniform(0, base / 2)


def post(opts, body):
    request = urllib.request.Request(
        opts.url,
        data=json.dumps(body).encode("utf-8"),
        headers={
            "content-type": "application/json",
            "accept": "application/json",
            "authorization": f"Bearer {opts.token}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=opts.timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def pace(headers):
    """Waits before the next page when the rate-limit budget is nearly spent."""
    remaining, limit = headers.get("RateLimit-Remaining"), headers.get("RateLimit-Limit")
    if remaining is None or limit is None:
        return
    if int(remaining) < int(limit) // 10:
        wait = min(int(headers.get("RateLimit-Reset") or 1), 60)
        log(f"rate-limit budget low ({remaining} of {limit}); waiting {wait} s")
        time.sleep(wait)


def fetch_page(opts, state):
    body = {
        "query": QUERY,
        "operationName": "SyncActivityReports",
        "variables": {"first": opts.page_size, "after": state["after"], "since": state["since"]},
    }
    attempt = 0
    while True:
        try:
            status, headers, raw = post(opts, body)
        except (urllib.error.URLError, OSError) as e:
            problem, wait = f"cannot reach the server ({e})", backoff(attempt)
        else:
            if status == 429:
                problem, wait = "rate limited", int(headers.get("Retry-After") or 1)
            elif status in RETRYABLE_STATUS:
                problem, wait = f"HTTP {status}", backoff(attempt)
            elif status != 200:
                raise Failed(f"HTTP {status}: {raw[:500].decode('utf-8', 'replace')}")
            else:
                try:
                    doc = json.loads(raw)
                except ValueError as e:
                    raise Failed(f"the answer is not JSON: {e}") from e
                errors = doc.get("errors")
                if not errors:
                    pace(headers)
                    return doc["data"]["activityReports"]
                codes = {(e.get("extensions") or {}).get("code") for e in errors}
                if not codes <= RETRYABLE_CODES:
                    raise Failed(f"the server refused the query: {json.dumps(errors)}")
                problem, wait = "errors " + ",".join(sorted(codes)), backoff(attempt)
        attempt += 1
        if attempt > opts.retries:
            raise Failed(f"giving up after {attempt} attempts: {problem}")
        log(f"{problem}; retrying in {wait:.1f} s")
        time.sleep(wait)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_state(path):
    if not os.path.exists(path):
        return {"since": None, "after": None}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save_state(path, state):
    write_atomically(path, json.dumps(state) + "\n")


def line(report):
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def merge(out, journal):
    """Merges the journal into the mirror; returns how many reports the mirror holds."""
    mirror = {}
    for path in (out, journal):
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for text in f:
                if text.strip():
                    report = json.loads(text)
                    old = mirror.get(report["id"])
                    if old is None or report["version"] >= old["version"]:
                        mirror[report["id"]] = report
    write_atomically(out, "".join(line(mirror[k]) + "\n" for k in sorted(mirror)))
    return len(mirror)


def sync(opts):
    journal = opts.out + ".journal"
    state = load_state(opts.state)
    pages = fetched = 0
    complete = False
    try:
        while opts.max_pages is None or pages < opts.max_pages:
            connection = fetch_page(opts, state)
            nodes = connection["nodes"]
            with open(journal, "a", encoding="utf-8") as f:
                f.writelines(line(n) + "\n" for n in nodes)
                f.flush()
                os.fsync(f.fileno())
            pages += 1
            fetched += len(nodes)
            if nodes:
                state = {"since": nodes[-1]["updatedAt"], "after": connection["pageInfo"]["endCursor"]}
                save_state(opts.state, state)
            if not connection["pageInfo"]["hasNextPage"]:
                complete = True
                break
    finally:
        # What was fetched is kept, whatever stopped the run.
        mirrored = merge(opts.out, journal)
        if os.path.exists(journal):
            os.remove(journal)
    if not complete:
        log(f"stopped after {pages} page(s); run again to go on")
    return {"pages": pages, "fetched": fetched, "mirrored": mirrored, "complete": complete}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ATT_URL", "http://127.0.0.1:8080/graphql"),
                        help="the GraphQL endpoint (env ATT_URL)")
    parser.add_argument("--token", default=os.environ.get("ATT_TOKEN"),
                        help="a bearer token (env ATT_TOKEN; prefer the variable: arguments are visible to other users)")
    parser.add_argument("--state", default="reports.state.json", help="where the script keeps its place")
    parser.add_argument("--out", default="reports.jsonl", help="the mirror: one report per line")
    parser.add_argument("--page-size", type=int, default=100, help="reports per request, 1 to 100")
    parser.add_argument("--max-pages", type=int, default=None, help="stop after this many pages (run again to go on)")
    parser.add_argument("--retries", type=int, default=8, help="retries of a page before giving up")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for one answer")
    opts = parser.parse_args()
    if not opts.token:
        parser.error("a token is needed: set ATT_TOKEN (accepted reports are not public)")
    if not 1 <= opts.page_size <= 100:
        parser.error("--page-size must be 1 to 100")
    try:
        summary = sync(opts)
    except Failed as e:
        log(f"{e}; run again to resume")
        return 1
    except KeyboardInterrupt:
        log("interrupted; run again to resume")
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
