"""Asking resolvers for records, concurrently, with a timeout and one retry.

Every question goes to every resolver on its own (so a resolver that lags behind or fails is
seen as such), over UDP with a fallback to TCP for truncated answers. A timeout, a network
error or SERVFAIL is retried once; REFUSED and other error codes are final. A resolver that
gives no usable answer yields an :class:`Answer` with outcome ``failed``, which the comparison
reports as ``resolver-error`` and never as a missing record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.TXT import TXT

from dezkysync.dns.records import Mx, RecordType, join_txt, normalise_name
from dezkysync.dns.resolvers import Resolver

Outcome = Literal["answer", "nxdomain", "nodata", "failed"]

#: Tries per question and resolver: the first attempt and one retry.
ATTEMPTS = 2
#: EDNS buffer size advertised (the DNS Flag Day 2020 value): long DKIM keys fit in UDP.
EDNS_PAYLOAD = 1232


@dataclass(frozen=True, order=True)
class Question:
    """A name and record type to look up."""

    name: str  # absolute, no trailing dot
    rdtype: RecordType


@dataclass(frozen=True)
class Answer:
    """What one resolver said about one question."""

    resolver: Resolver
    question: Question
    outcome: Outcome
    texts: tuple[str, ...] = ()  # TXT: each record's strings joined
    exchanges: tuple[Mx, ...] = ()  # MX, sorted
    error: str | None = None  # why the resolver gave no usable answer
    attempts: int = 1


@dataclass
class QueryCounter:
    """How many queries were sent (each attempt counts)."""

    sent: int = 0


@dataclass
class _Limits:
    timeout: float
    gate: asyncio.Semaphore
    counter: QueryCounter = field(default_factory=QueryCounter)


async def ask_all(
    questions: Iterable[Question],
    resolvers: Iterable[Resolver],
    *,
    timeout: float,
    concurrency: int,
    counter: QueryCounter | None = None,
) -> dict[tuple[Resolver, Question], Answer]:
    """Ask every resolver every question, at most ``concurrency`` queries in flight.

    ``timeout`` is per attempt, in seconds.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    limits = _Limits(timeout, asyncio.Semaphore(concurrency), counter or QueryCounter())
    pairs = [(resolver, question) for resolver in resolvers for question in questions]
    answers = await asyncio.gather(*(ask(r, q, limits) for r, q in pairs))
    return {(answer.resolver, answer.question): answer for answer in answers}


async def ask(resolver: Resolver, question: Question, limits: _Limits) -> Answer:
    """One question to one resolver, retried once on a timeout, network error or SERVFAIL."""
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        query = dns.message.make_query(
            question.name + ".", question.rdtype, use_edns=0, payload=EDNS_PAYLOAD
        )
        async with limits.gate:
            limits.counter.sent += 1
            try:
                response, _ = await dns.asyncquery.udp_with_fallback(
                    query, resolver.address, timeout=limits.timeout, port=resolver.port
                )
            except dns.exception.Timeout:
                error = f"no answer within {limits.timeout:g} s"
                continue
            except (OSError, EOFError, ValueError, dns.exception.DNSException) as exc:
                error = _describe(exc)
                continue
        if response.rcode() == dns.rcode.SERVFAIL:
            error = "SERVFAIL"
            continue
        return _interpret(resolver, question, response, attempt)
    return Answer(
        resolver,
        question,
        "failed",
        error=f"{error} (tried {ATTEMPTS} times)",
        attempts=ATTEMPTS,
    )


def _interpret(
    resolver: Resolver, question: Question, response: dns.message.Message, attempts: int
) -> Answer:
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return Answer(resolver, question, "nxdomain", attempts=attempts)
    if rcode != dns.rcode.NOERROR:
        return Answer(
            resolver, question, "failed", error=dns.rcode.to_text(rcode), attempts=attempts
        )
    if not isinstance(response, dns.message.QueryMessage):
        return Answer(resolver, question, "failed", error="not a query answer", attempts=attempts)
    try:
        rrset = response.resolve_chaining().answer
    except dns.exception.DNSException as exc:
        return Answer(
            resolver, question, "failed", error=f"unusable answer: {exc}", attempts=attempts
        )
    if rrset is None:
        if _is_referral(response):
            return Answer(
                resolver,
                question,
                "failed",
                error="answered with a referral (the server does not resolve recursively)",
                attempts=attempts,
            )
        return Answer(resolver, question, "nodata", attempts=attempts)
    texts = tuple(join_txt(rdata.strings) for rdata in rrset if isinstance(rdata, TXT))
    exchanges = tuple(
        sorted(
            Mx(rdata.preference, normalise_name(rdata.exchange.to_text()))
            for rdata in rrset
            if isinstance(rdata, MX)
        )
    )
    return Answer(resolver, question, "answer", texts=texts, exchanges=exchanges, attempts=attempts)


def _is_referral(response: dns.message.Message) -> bool:
    if response.flags & dns.flags.AA:
        return False
    kinds = {rrset.rdtype for rrset in response.authority}
    return dns.rdatatype.NS in kinds and dns.rdatatype.SOA not in kinds


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc)
    return text if text else type(exc).__name__
