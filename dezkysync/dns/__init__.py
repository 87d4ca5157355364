"""DNS verification of every tenant domain: MX, SPF, DKIM, DMARC and the ownership record.

The flow, each step in its own module::

    zone_files = live_zone_files(domain_names)               # source: Stalwart's dnsZoneFile
    expectations = expect_tenants(tenants, zone_files, salt=ownership_salt())   # expected
    report = check_domains(expectations, resolvers, timeout)  # query + compare
    print(render(report, "text"))                             # render
    exit_code = 2 if report.needs_attention else 0

``nsd.LocalNsd`` (a throwaway NSD on loopback) is for tests and the benchmark and is not
re-exported here.
"""

from dezkysync.dns.check import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    check_domains,
    check_domains_async,
)
from dezkysync.dns.expected import DomainExpectation, dmarc_text, expect_domain, expect_tenants
from dezkysync.dns.ownership import (
    OWNERSHIP_LABEL,
    SALT_ENV,
    TOKEN_PREFIX,
    ownership_name,
    ownership_record,
    ownership_salt,
    ownership_token,
)
from dezkysync.dns.records import ExpectedRecord, Mx, RecordKind, ZoneRecord
from dezkysync.dns.render import (
    RENDERERS,
    Format,
    render,
    render_json,
    render_markdown,
    render_text,
    render_zone,
    report_to_json,
)
from dezkysync.dns.report import DnsReport, DomainResult, RecordResult, ResolverFinding, Status
from dezkysync.dns.resolvers import DEFAULT_RESOLVERS, Resolver, parse_resolver
from dezkysync.dns.source import (
    ZoneSourceError,
    live_zone_files,
    parse_zone_file_option,
    zone_files_from_disk,
)
from dezkysync.dns.zonefile import StalwartZone, ZoneFileError, parse_zone_file

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RESOLVERS",
    "DEFAULT_TIMEOUT",
    "OWNERSHIP_LABEL",
    "RENDERERS",
    "SALT_ENV",
    "TOKEN_PREFIX",
    "DnsReport",
    "DomainExpectation",
    "DomainResult",
    "ExpectedRecord",
    "Format",
    "Mx",
    "RecordKind",
    "RecordResult",
    "Resolver",
    "ResolverFinding",
    "StalwartZone",
    "Status",
    "ZoneFileError",
    "ZoneRecord",
    "ZoneSourceError",
    "check_domains",
    "check_domains_async",
    "dmarc_text",
    "expect_domain",
    "expect_tenants",
    "live_zone_files",
    "ownership_name",
    "ownership_record",
    "ownership_salt",
    "ownership_token",
    "parse_resolver",
    "parse_zone_file",
    "parse_zone_file_option",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "render_zone",
    "report_to_json",
    "zone_files_from_disk",
]
