"""Judging published records against expected ones, understanding what each record means.

- MX: the set of hosts and their priorities must equal Stalwart's.
- SPF: exactly one ``v=spf1`` record at the domain, holding every mechanism Stalwart's record
  has (``mx``), and ending with ``-all`` or ``~all``. Other mechanisms may be added.
- DKIM: exactly one key record per selector whose ``p=`` equals the live key (the record's
  strings joined first, whitespace in ``p=`` ignored).
- DMARC: exactly one ``v=DMARC1`` record with a policy at least as strong as expected
  (reject > quarantine > none), every expected ``rua``/``ruf`` address, and a ``pct`` not
  below the expected one (100 when unset).
- ownership: the tenant's ``dezkysync-verification=`` token, and no other such token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dezkysync.dns.ownership import is_ownership_token
from dezkysync.dns.query import Answer
from dezkysync.dns.records import ExpectedRecord, Mx, RecordKind, normalise_name
from dezkysync.dns.report import SEVERITY, RecordResult, ResolverFinding, Status
from dezkysync.dns.tags import (
    DMARC_STRENGTH,
    dkim_public_key,
    dmarc_uris,
    is_dkim,
    is_dmarc,
    is_spf,
    spf_terms,
    tag_value,
)

TERMINAL_SPF = ("-all", "~all")


@dataclass(frozen=True)
class Verdict:
    """One resolver's answer judged against one expected record."""

    status: Status
    detail: str = ""
    found: tuple[str, ...] = ()


def check_record(expected: ExpectedRecord, answers: Sequence[Answer]) -> RecordResult:
    """Judge ``expected`` against every resolver's answer; the record's status is the worst
    verdict, and its detail names the resolvers behind each verdict."""
    if not answers:
        raise ValueError("no answers to judge (no resolvers?)")
    findings = tuple(_finding(str(answer.resolver), judge(expected, answer)) for answer in answers)
    worst = max((f.status for f in findings), key=SEVERITY.__getitem__)
    if worst == "ok":
        return RecordResult(expected, "ok", "", findings)
    groups: dict[tuple[Status, str], list[str]] = {}
    for finding in findings:
        groups.setdefault((finding.status, finding.detail), []).append(finding.resolver)
    parts = [
        f"{', '.join(resolvers)}: {detail if status != 'ok' else 'as expected'}"
        for (status, detail), resolvers in groups.items()
    ]
    return RecordResult(expected, worst, "; ".join(parts), findings)


def judge(expected: ExpectedRecord, answer: Answer) -> Verdict:
    """What one resolver's answer means for ``expected``."""
    if answer.outcome == "failed":
        return Verdict("resolver-error", answer.error or "no usable answer")
    if answer.outcome == "nxdomain":
        return Verdict("missing", f"{expected.name} does not exist (NXDOMAIN)")
    if answer.outcome == "nodata":
        return Verdict(
            "missing", f"{expected.name} exists but has no {expected.rdtype} record (NODATA)"
        )
    return _JUDGES[expected.kind](expected, answer)


def _finding(resolver: str, verdict: Verdict) -> ResolverFinding:
    return ResolverFinding(resolver, verdict.status, verdict.detail, verdict.found)


def _judge_mx(expected: ExpectedRecord, answer: Answer) -> Verdict:
    exchanges = sorted({Mx(mx.priority, normalise_name(mx.host)) for mx in answer.exchanges})
    found = tuple(str(mx) for mx in exchanges)
    if not exchanges:
        return Verdict("missing", "no MX record", found)
    want = set(expected.exchanges)
    have = set(exchanges)
    if want == have:
        return Verdict("ok", found=found)
    problems: list[str] = []
    reprioritised: set[str] = set()
    for mx in sorted(want - have):
        other = sorted(h for h in have - want if h.host == mx.host)
        if other:
            reprioritised.add(mx.host)
            listed = ", ".join(str(h.priority) for h in other)
            problems.append(f"{mx.host} has priority {listed}, expected {mx.priority}")
        else:
            problems.append(f"no MX for {mx.host}")
    for mx in sorted(have - want):
        if mx.host not in reprioritised:
            problems.append(f"unexpected MX {_mx_text(mx)}")
    return Verdict("mismatch", "; ".join(problems), found)


def _mx_text(mx: Mx) -> str:
    return f"{mx.priority} {mx.host}"


def _not_exactly_one(
    records: tuple[str, ...], answer: Answer, what: str, duplicates: str
) -> Verdict | None:
    """The verdict when ``answer`` does not publish exactly one of ``records``: missing (no
    ``what``), or duplicate (``duplicates`` says why that matters); None when it does."""
    if not records:
        return Verdict("missing", _none_among(what, answer))
    if len(records) > 1:
        return Verdict("duplicate", f"{len(records)} {duplicates}", records)
    return None


def _judge_spf(expected: ExpectedRecord, answer: Answer) -> Verdict:
    records = tuple(text for text in answer.texts if is_spf(text))
    not_one = _not_exactly_one(
        records,
        answer,
        "SPF record (TXT starting with v=spf1)",
        "SPF records; receivers reject mail when there is more than one (RFC 7208 §4.5): "
        "merge them into one",
    )
    if not_one is not None:
        return not_one
    terms = spf_terms(records[0])
    wanted = [t for t in spf_terms(expected.text) if t.lstrip("+-~?") != "all"]
    problems = [f"lacks the mechanism {t}" for t in wanted if t not in terms]
    ending = terms[-1] if terms else ""
    if ending not in TERMINAL_SPF:
        shown = f"ends with {ending}" if ending else "is empty"
        problems.append(f"{shown}, expected -all or ~all at the end")
    if problems:
        return Verdict("mismatch", "SPF " + "; ".join(problems), records)
    return Verdict("ok", found=records)


def _judge_dkim(expected: ExpectedRecord, answer: Answer) -> Verdict:
    records = tuple(text for text in answer.texts if is_dkim(text))
    not_one = _not_exactly_one(
        records,
        answer,
        "DKIM key record (v=DKIM1; … p=…)",
        "DKIM key records for one selector; verifiers cannot tell which applies: keep only "
        "the expected one",
    )
    if not_one is not None:
        return not_one
    have = dkim_public_key(records[0]) or ""
    want = dkim_public_key(expected.text) or ""
    if have == want:
        return Verdict("ok", found=records)
    if not have:
        return Verdict("mismatch", "p= is empty (a revoked key), expected the live key", records)
    return Verdict(
        "mismatch",
        f"p= is not the key Stalwart signs with (published …{have[-12:]}, expected …{want[-12:]})",
        records,
    )


def _judge_dmarc(expected: ExpectedRecord, answer: Answer) -> Verdict:
    records = tuple(text for text in answer.texts if is_dmarc(text))
    not_one = _not_exactly_one(
        records,
        answer,
        "DMARC record (v=DMARC1)",
        "DMARC records; receivers then apply no DMARC at all (RFC 7489 §6.6.3): keep only one",
    )
    if not_one is not None:
        return not_one
    record = records[0]
    problems: list[str] = []
    want_policy = (tag_value(expected.text, "p") or "none").lower()
    policy = (tag_value(record, "p") or "").lower()
    if policy not in DMARC_STRENGTH:
        problems.append("has no valid policy (p=none, quarantine or reject)")
    elif DMARC_STRENGTH[policy] < DMARC_STRENGTH.get(want_policy, 0):
        problems.append(f"policy p={policy} is weaker than the expected p={want_policy}")
    for tag in ("rua", "ruf"):
        have = {uri.lower() for uri in dmarc_uris(tag_value(record, tag))}
        lacking = [u for u in dmarc_uris(tag_value(expected.text, tag)) if u.lower() not in have]
        if lacking:
            problems.append(f"{tag} lacks {', '.join(lacking)}")
    want_pct = _pct(tag_value(expected.text, "pct"))
    pct = _pct(tag_value(record, "pct"))
    if pct is None:
        problems.append("pct is not a number from 0 to 100")
    elif want_pct is not None and pct < want_pct:
        problems.append(f"pct={pct} is below the expected {want_pct}")
    if problems:
        return Verdict("mismatch", "DMARC " + "; ".join(problems), records)
    return Verdict("ok", found=records)


def _pct(value: str | None) -> int | None:
    if value is None:
        return 100
    value = value.strip()
    if not value.isdigit() or int(value) > 100:
        return None
    return int(value)


def _judge_ownership(expected: ExpectedRecord, answer: Answer) -> Verdict:
    tokens = tuple(text.strip() for text in answer.texts if is_ownership_token(text.strip()))
    if expected.text in tokens:
        others = [t for t in tokens if t != expected.text]
        if others:
            return Verdict(
                "duplicate",
                f"also publishes {len(others)} other verification token(s): remove them",
                tokens,
            )
        return Verdict("ok", found=tokens)
    if tokens:
        return Verdict(
            "mismatch",
            "publishes a verification token of another tenant or dezkysync install",
            tokens,
        )
    return Verdict("missing", _none_among("dezkysync-verification token", answer))


def _none_among(what: str, answer: Answer) -> str:
    others = len(answer.texts)
    if others == 0:
        return f"no {what}"
    noun = "record" if others == 1 else "records"
    return f"no {what} among {others} other TXT {noun}"


_JUDGES: dict[RecordKind, Callable[[ExpectedRecord, Answer], Verdict]] = {
    "mx": _judge_mx,
    "spf": _judge_spf,
    "dkim": _judge_dkim,
    "dmarc": _judge_dmarc,
    "ownership": _judge_ownership,
}
