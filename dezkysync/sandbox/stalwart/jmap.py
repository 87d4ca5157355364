"""``POST /jmap``: the request envelope, method dispatch and result references.

Request-level failures are problem+json: a body over 10 MB or more than 16 calls (``limit``),
a body that is not a JMAP request or names an unknown capability in ``using`` (``notRequest``,
whose ``detail`` echoes the body, as Stalwart's does). Everything else answers 200 with one
response per call; a failed call becomes ``["error", {"type", "description"?}, callId]``.

``x:`` methods skip the ``using`` check (Stalwart never enforces it for them); other methods
need their capability listed. Only ``Core/echo`` and the emulated ``x:`` objects are
implemented; other known methods answer ``unknownMethod`` with "(not emulated)".
"""

from __future__ import annotations

import json
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.stalwart.auth import Principal
from dezkysync.sandbox.stalwart.calls import (
    CallContext,
    require_permission,
    require_set_permissions,
)
from dezkysync.sandbox.stalwart.errors import MethodError, limit_exceeded, not_request
from dezkysync.sandbox.stalwart.method_get import get_objects
from dezkysync.sandbox.stalwart.method_query import query_objects
from dezkysync.sandbox.stalwart.method_set import set_objects
from dezkysync.sandbox.stalwart.objects import KINDS
from dezkysync.sandbox.stalwart.objects.action import get_actions, set_actions
from dezkysync.sandbox.stalwart.references import resolve_result_references
from dezkysync.sandbox.stalwart.state import ServerState

MAX_CALLS_IN_REQUEST = 16
MAX_SIZE_REQUEST = 10_000_000
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

CORE = "urn:ietf:params:jmap:core"
CAPABILITIES = frozenset(
    {
        CORE,
        "urn:ietf:params:jmap:mail",
        "urn:ietf:params:jmap:submission",
        "urn:ietf:params:jmap:vacationresponse",
        "urn:ietf:params:jmap:contacts",
        "urn:ietf:params:jmap:contacts:parse",
        "urn:ietf:params:jmap:calendars",
        "urn:ietf:params:jmap:calendars:parse",
        "urn:ietf:params:jmap:websocket",
        "urn:ietf:params:jmap:sieve",
        "urn:ietf:params:jmap:blob",
        "urn:ietf:params:jmap:quota",
        "urn:ietf:params:jmap:principals",
        "urn:ietf:params:jmap:principals:owner",
        "urn:ietf:params:jmap:principals:availability",
        "urn:ietf:params:jmap:filenode",
        "urn:ietf:params:jmap:mail:share",
        "urn:stalwart:jmap",
        "urn:ietf:params:jmap:webpush-vapid",
        "urn:ietf:params:jmap:emailpush",
    }
)
STANDARD_OBJECTS = {
    "Core": CORE,
    "PushSubscription": CORE,
    "Email": "urn:ietf:params:jmap:mail",
    "Mailbox": "urn:ietf:params:jmap:mail",
    "Thread": "urn:ietf:params:jmap:mail",
    "SearchSnippet": "urn:ietf:params:jmap:mail",
    "Identity": "urn:ietf:params:jmap:submission",
    "EmailSubmission": "urn:ietf:params:jmap:submission",
    "VacationResponse": "urn:ietf:params:jmap:vacationresponse",
    "SieveScript": "urn:ietf:params:jmap:sieve",
    "Principal": "urn:ietf:params:jmap:principals",
    "ShareNotification": "urn:ietf:params:jmap:principals",
    "Quota": "urn:ietf:params:jmap:quota",
    "Blob": "urn:ietf:params:jmap:blob",
    "AddressBook": "urn:ietf:params:jmap:contacts",
    "ContactCard": "urn:ietf:params:jmap:contacts",
    "Calendar": "urn:ietf:params:jmap:calendars",
    "CalendarEvent": "urn:ietf:params:jmap:calendars",
    "CalendarEventNotification": "urn:ietf:params:jmap:calendars",
    "ParticipantIdentity": "urn:ietf:params:jmap:calendars",
    "FileNode": "urn:ietf:params:jmap:filenode",
}
STANDARD_FUNCTIONS = frozenset(
    {
        "get",
        "set",
        "query",
        "changes",
        "queryChanges",
        "copy",
        "import",
        "parse",
        "echo",
        "validate",
        "lookup",
        "upload",
        "getAvailability",
    }
)
# Registry object types of Stalwart 0.16 that the emulator does not implement.
_OTHER_REGISTRY_NAMES = """
    AcmeProvider AddressBook AiModel Alert AllowedIp Application Asn Authentication BlobStore
    BlockedIp Cache Calendar CalendarAlarm CalendarScheduling Certificate Coordinator
    DataRetention DataStore Directory DkimReportSettings DmarcReportSettings DnsResolver DnsServer
    Email Enterprise EventTracingLevel FileStorage Http HttpForm HttpLookup Imap InMemoryStore Jmap
    MemoryLookupKey MemoryLookupKeyValue Metrics MetricsStore MtaConnectionStrategy
    MtaDeliverySchedule MtaExtensions MtaHook MtaInboundSession MtaInboundThrottle MtaMilter
    MtaOutboundStrategy MtaOutboundThrottle MtaQueueQuota MtaRoute MtaStageAuth MtaStageConnect
    MtaStageData MtaStageEhlo MtaStageMail MtaStageRcpt MtaSts MtaTlsStrategy MtaVirtualQueue
    NetworkListener ClusterRole OidcProvider ReportSettings Search SearchStore Security SenderAuth
    Sharing SieveSystemInterpreter SieveSystemScript SieveUserInterpreter SieveUserScript
    SpamClassifier SpamDnsblServer SpamDnsblSettings SpamFileExtension SpamLlm SpamPyzor SpamRule
    SpamSettings SpamTag SpfReportSettings StoreLookup TaskManager TlsReportSettings Tracer
    TracingStore WebDav WebHook DsnReportSettings OAuthClient Role Tenant MaskedEmail PublicKey
    QueuedMessage IndexQueueStatus Task ClusterNode ArfExternalReport DmarcExternalReport
    TlsExternalReport DmarcInternalReport TlsInternalReport ArchivedItem Metric Trace
    SpamTrainingSample Log Bootstrap AccountSettings ApiKey AccountPassword AppPassword"""
OTHER_REGISTRY_OBJECTS = frozenset(_OTHER_REGISTRY_NAMES.split())
READ_FUNCTIONS = frozenset({"get", "query", "echo", "changes", "queryChanges"})


def handle_jmap(state: ServerState, principal: Principal, body: bytes) -> Response:
    """Answer one JMAP API request."""
    if len(body) > MAX_SIZE_REQUEST:
        return limit_exceeded("maxSizeRequest")
    text = body.decode("utf-8", errors="replace")
    try:
        request = json.loads(text)
    except ValueError:
        return not_request(text)
    problem = _envelope_problem(request)
    if problem is not None:
        return not_request(text)
    calls = request["methodCalls"]
    if len(calls) > MAX_CALLS_IN_REQUEST:
        return limit_exceeded("maxCallsInRequest")
    using = set(request["using"])
    given_ids = request.get("createdIds")
    call = CallContext(state, principal, dict(given_ids or {}))
    responses: list[tuple[str, dict[str, Any], str]] = []
    for name, args, call_id in calls:
        try:
            args = resolve_result_references(args, responses) if isinstance(args, dict) else args
            result_name, result = _dispatch(name, args, using, call)
        except MethodError as error:
            responses.append(("error", error.to_json(), call_id))
            continue
        responses.append((result_name, result, call_id))
    envelope: dict[str, Any] = {"methodResponses": [list(r) for r in responses]}
    if given_ids is not None and call.created_ids:
        envelope["createdIds"] = call.created_ids
    envelope["sessionState"] = principal.state
    return Response.json(200, envelope, content_type=JSON_CONTENT_TYPE)


def is_read_only(body: bytes) -> bool:
    """Whether every call of a request only reads (``/get``, ``/query``, ``Core/echo``)."""
    try:
        request = json.loads(body.decode("utf-8"))
        calls = request["methodCalls"]
        names = [call[0] for call in calls]
    except (ValueError, KeyError, TypeError, IndexError):
        return True
    return all(
        isinstance(name, str) and name.rpartition("/")[2] in READ_FUNCTIONS for name in names
    )


def _envelope_problem(request: Any) -> str | None:
    if not isinstance(request, dict):
        return "not an object"
    using = request.get("using")
    calls = request.get("methodCalls")
    if not isinstance(using, list) or not isinstance(calls, list):
        return "missing using or methodCalls"
    if not all(isinstance(u, str) and u in CAPABILITIES for u in using):
        return "unknown capability"
    created = request.get("createdIds")
    if created is not None and not (
        isinstance(created, dict) and all(isinstance(v, str) for v in created.values())
    ):
        return "invalid createdIds"
    for entry in calls:
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and isinstance(entry[2], str)
        ):
            return "invalid method call"
    return None


def _dispatch(
    name: str, args: Any, using: set[str], call: CallContext
) -> tuple[str, dict[str, Any]]:
    obj, slash, function = name.partition("/")
    if not slash or "/" in function:
        raise MethodError("unknownMethod", name)
    if obj.startswith("x:"):
        return name, _registry_call(obj[2:], function, name, args, call)
    capability = STANDARD_OBJECTS.get(obj)
    if capability is None or function not in STANDARD_FUNCTIONS:
        raise MethodError("unknownMethod", name)
    if capability not in using:
        raise MethodError(
            "unknownMethod",
            f"Method {name} requires capability {capability} which is not present in the "
            '"using" property.',
        )
    if not isinstance(args, dict):
        raise MethodError("invalidArguments", "arguments must be an object")
    if name == "Core/echo":
        require_permission(call.principal, "jmapCoreEcho")
        return name, args
    raise MethodError("unknownMethod", f"{name} (not emulated)")


def _registry_call(
    obj: str, function: str, name: str, args: Any, call: CallContext
) -> dict[str, Any]:
    if function not in ("get", "set", "query"):
        raise MethodError("unknownMethod", name)
    kind = KINDS.get(obj)
    if kind is None and obj != "Action" and obj not in OTHER_REGISTRY_OBJECTS:
        raise MethodError("unknownMethod", name)
    if not isinstance(args, dict):
        raise MethodError("invalidArguments", "arguments must be an object")
    principal = call.principal
    if function == "set":
        require_set_permissions(principal, obj, args)
    else:
        require_permission(principal, f"sys{obj}{function.capitalize()}")
    if obj in OTHER_REGISTRY_OBJECTS:
        raise MethodError("unknownMethod", f"{name} (not emulated)")
    if kind is None:  # x:Action
        if function == "set":
            return set_actions(args, call)
        if function == "query":
            raise MethodError("invalidArguments", "Actions cannot be queried")
        return get_actions(args, call)
    if function == "get":
        return get_objects(kind, args, call)
    if function == "set":
        return set_objects(kind, args, call)
    return query_objects(kind, args, call)
