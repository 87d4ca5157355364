"""Checking every domain's records against resolvers: the one entry point of the DNS check."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from dezkysync.dns.compare import check_record
from dezkysync.dns.expected import DomainExpectation
from dezkysync.dns.query import QueryCounter, Question, ask_all
from dezkysync.dns.report import DnsReport, DomainResult
from dezkysync.dns.resolvers import DEFAULT_RESOLVERS, Resolver

#: Seconds to wait for one answer (per attempt; each query is tried twice at most).
DEFAULT_TIMEOUT = 3.0
#: Queries in flight at once, over all resolvers.
DEFAULT_CONCURRENCY = 32


def check_domains(
    expectations: Iterable[DomainExpectation],
    resolvers: Sequence[Resolver] = DEFAULT_RESOLVERS,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DnsReport:
    """Query every expected record at every resolver and judge the answers.

    Runs its own event loop; from async code use :func:`check_domains_async`.
    """
    return asyncio.run(
        check_domains_async(expectations, resolvers, timeout, concurrency=concurrency)
    )


async def check_domains_async(
    expectations: Iterable[DomainExpectation],
    resolvers: Sequence[Resolver] = DEFAULT_RESOLVERS,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DnsReport:
    """:func:`check_domains` for callers already inside an event loop."""
    if not resolvers:
        raise ValueError("at least one resolver is needed")
    if timeout <= 0:
        raise ValueError("the timeout must be positive")
    expectations = list(expectations)
    resolvers = list(dict.fromkeys(resolvers))  # each resolver once, in the order given
    questions = sorted(
        {Question(record.name, record.rdtype) for e in expectations for record in e.records}
    )
    counter = QueryCounter()
    answers = await ask_all(
        questions, resolvers, timeout=timeout, concurrency=concurrency, counter=counter
    )
    domains = []
    for expectation in expectations:
        results = []
        for record in expectation.records:
            question = Question(record.name, record.rdtype)
            results.append(check_record(record, [answers[(r, question)] for r in resolvers]))
        domains.append(
            DomainResult(
                tenant=expectation.tenant,
                domain=expectation.domain,
                records=tuple(results),
                problem=expectation.problem,
            )
        )
    return DnsReport(
        domains=tuple(domains),
        resolvers=tuple(str(r) for r in resolvers),
        queries=counter.sent,
    )
