"""schemathesis hooks for the API fuzz run (``.ci/fuzz.py``, ``schemathesis.toml``).

One check: ``positive_data_acceptance`` (ST202, "a schema-valid request was rejected") with the
API's business rules allowed, and only them. The built-in check is excluded by the runner and run
from here first; a rejection it reports passes only when the answer is a documented 400 refusing
the request for a reason a schema cannot state, named here one by one. Anything else — a 400 over
a format, a length, a missing or unknown field, a value the schema allows — still fails: the schema
must say it.
"""

from __future__ import annotations

import os
import re

import schemathesis
from schemathesis.specs.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance as builtin_check

WRITE_METHODS = {"POST", "PUT", "PATCH"}

# Messages of a 400 on a write that state a rule about the data held, not the request's form:
BUSINESS_RULE_MESSAGES = [
    # A body names another record by id (a situation, an actor, a paragraph, a warning sign, an
    # element's code): the schema says "a UUID", it cannot say "of a record that exists and that
    # you may see" (and an id you may not see answers as an unknown one).
    re.compile(r'^Invalid pk ".*" - object does not exist\.$', re.S),
    re.compile(r"^No paragraph has the id .*\.$", re.S),
    re.compile(r"^Object with \w+=.* does not exist\.$", re.S),
    # Uniqueness among the records held: a slug, an actor's name.
    re.compile(r"^This slug is not available; choose another\.$"),
    re.compile(r"^.* with this .* already exists\.$", re.S),
    re.compile(r"^The fields .* must make a unique set\.$", re.S),
    # Rules between fields or against the calendar (S/2011/552's dates are history, not plans):
    # a status reached or a sign observed in the future, an engagement ending before it starts,
    # an actor twice among an engagement's partners, an actor its own ancestor, an engagement
    # answering another situation's warning signs.
    re.compile(r"^A status cannot be reached in the future\.$"),
    re.compile(r"^A warning sign cannot be observed in the future\.$"),
    re.compile(r"^An engagement cannot end before it starts\.$"),
    re.compile(r"^An actor can take part only once\.$"),
    re.compile(r"^An actor cannot be its own parent or the parent of its ancestors\.$"),
    re.compile(r"^An engagement answers warning signs of its own situation only\.$"),
    # A partner's webhook goes to a public address (not this machine or a private network): the
    # schema says "a URL", it cannot say where a name or an address points.
    re.compile(r"^Webhooks go to a public address, not .*\.$"),
    # A batch names each record once (written set-based, all at once): the schema says it in
    # words, a JSON schema cannot say it of one property of the items.
    re.compile(r"^This id is already in the batch: send a record once\.$"),
    # TLP 2.0: a write may not leave the writer unable to see the record it wrote.
    re.compile(r"^You would no longer be cleared to see this record\.$"),
]
# A batch item refused as its own request would be: an id it may not see, a refused write.
BUSINESS_RULE_ITEM_CODES = {"not_found", "permission_denied", "precondition_failed"}


def _messages(fields):
    """Every message of an error's ``fields``, however deep."""
    if isinstance(fields, str):
        yield fields
    elif isinstance(fields, dict):
        for value in fields.values():
            yield from _messages(value)
    elif isinstance(fields, list):
        for value in fields:
            yield from _messages(value)


def _is_business_rule(fields) -> bool:
    messages = list(_messages(fields))
    return bool(messages) and all(
        any(pattern.match(message) for pattern in BUSINESS_RULE_MESSAGES) for message in messages
    )


PRECONDITION_HEADERS = {"if-match", "if-none-match"}


def _header_patterns(case) -> dict[str, str]:
    """The documented ``pattern`` of each header parameter of the case's operation."""
    raw = getattr(case.operation.definition, "raw", None) or {}
    return {
        parameter["name"].lower(): parameter.get("schema", {}).get("pattern")
        for parameter in raw.get("parameters", [])
        if isinstance(parameter, dict) and parameter.get("in") == "header"
    }


def _sent_an_undocumented_header(case, names) -> bool:
    """Whether every header named was sent with a value its documented pattern refuses.

    schemathesis 4.32.5's coverage phase cannot build a header value out of a pattern that
    needs characters beyond letters and digits (an entity tag is quoted) and then sends ``0`` as
    a "valid" one: the server's 400 to it is right, and checked here against the schema."""
    patterns = _header_patterns(case)
    sent = {name.lower(): value for name, value in (case.headers or {}).items()}
    return bool(names) and all(
        patterns.get(name.lower())
        and name.lower() in sent
        and not re.search(patterns[name.lower()], str(sent[name.lower()]))
        for name in names
    )


def is_documented_refusal(case, response) -> bool:
    """A 412 to a request with a precondition, or a 400 refusing a schema-valid request for one
    of the reasons above."""
    if response.status_code == 412:
        # RFC 9110, 13.1: If-Match / If-None-Match compare with the record's current version,
        # which no schema holds; "*" and any list of entity tags are well formed.
        return bool(PRECONDITION_HEADERS & {name.lower() for name in case.headers or {}})
    if response.status_code != 400:
        return False
    try:
        error = response.json()["error"]
        code = error["code"]
    except (ValueError, KeyError, TypeError):
        return False
    if code == "validation_error" and _sent_an_undocumented_header(
        case, list(error.get("fields") or {})
    ):
        return True
    query = case.query or {}
    if code == "invalid_cursor" and ("cursor" in query or "since" in query):
        # A cursor is opaque: the schema gives its alphabet, only the server makes a valid one.
        return True
    if case.method.upper() not in WRITE_METHODS:
        return False
    if code == "validation_error":
        return _is_business_rule(error.get("fields"))
    if code == "batch_rejected":
        return all(
            item.get("code") in BUSINESS_RULE_ITEM_CODES
            or (item.get("code") == "validation_error" and _is_business_rule(item.get("fields")))
            for item in error.get("records", [])
        )
    return False


@schemathesis.check
def positive_data_acceptance_but_business_rules(ctx, response, case):
    """ST202, with the documented business-rule refusals above allowed."""
    try:
        return builtin_check(ctx, response, case)
    except RejectedPositiveData:
        if is_documented_refusal(case, response):
            return None
        raise


# The desk officer's run (``.ci/fuzz.py``): its session cookie is the schema's cookieAuth scheme,
# and Django's CSRF check on writes wants the CSRF cookie beside the X-CSRFToken header, as a
# browser sends both. Added to each request's cookies (a Cookie header would hide the session's).
CSRF_COOKIE = os.environ.get("FUZZ_CSRF_COOKIE", "")


@schemathesis.hook
def before_call(context, case, kwargs):
    if CSRF_COOKIE:
        name, _, value = CSRF_COOKIE.partition("=")
        if case.cookies is None:
            case.cookies = {}
        case.cookies.setdefault(name, value)
