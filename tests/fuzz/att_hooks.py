"""Schemathesis hooks for att-coord's fuzz run (see run.sh).

- Strategies for the custom scalars, so that every operation can be generated.
- One check replacing schemathesis' own: a response is valid GraphQL-over-HTTP, no status is
  5xx, and every error carries one of the stable codes of the README. FORBIDDEN, NOT_FOUND or
  BAD_USER_INPUT answers are expected outcomes here, not failures.
"""

import json

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "QUERY_TOO_COMPLEX",
    "INTERNAL",
    "TIMEOUT",
    "BAD_REQUEST",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "PERSISTED_QUERY_NOT_FOUND",
    "OPERATION_NOT_ALLOWED",
}

schemathesis.graphql.scalar("NaiveDate", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar(
    "DateTime", st.datetimes().map(lambda t: nodes.String(t.isoformat(timespec="seconds") + "Z"))
)
schemathesis.graphql.scalar(
    "Money",
    st.one_of(
        st.decimals(min_value=-10**9, max_value=10**12, places=2, allow_nan=False, allow_infinity=False).map(
            lambda d: nodes.String(str(d))
        ),
        st.text(max_size=12).map(nodes.String),
    ),
)


@schemathesis.check
def graphql_over_http(ctx, response, case):
    """A valid GraphQL-over-HTTP answer, never a server error, every error with a stable code."""
    assert response.status_code < 500, f"server error: HTTP {response.status_code}"
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith(("application/json", "application/graphql-response+json")), (
        f"not a GraphQL response: content type {content_type!r}"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict) and ("data" in body or "errors" in body), f"neither data nor errors: {body}"
    assert INTERNAL_FREE(body), f"an INTERNAL error: {body}"
    for error in body.get("errors") or []:
        assert isinstance(error.get("message"), str), f"an error without a message: {error}"
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, f"an error without a stable code: {error}"


def INTERNAL_FREE(body):
    """Generated input must never make the server fail internally."""
    return all((e.get("extensions") or {}).get("code") != "INTERNAL" for e in body.get("errors") or [])
