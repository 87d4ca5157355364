"""``GET /jmap/session``: the JMAP session object, shaped like the live capture.

``urn:stalwart:jmap`` is absent from the session-level ``capabilities``; it appears only in
``primaryAccounts`` and in the account's ``accountCapabilities`` (value ``{}``). ``apiUrl`` and
the other URLs come from the public URL (``https://<hostname>`` unless configured), not from
the address the client connected to. Without an ``Authorization`` header the session has no
accounts.
"""

from __future__ import annotations

import copy
from typing import Any

from dezkysync.sandbox.stalwart.auth import Principal
from dezkysync.sandbox.stalwart.ids import encode_id

_SIEVE_NAMES = (
    "body comparator-elbonia comparator-i;ascii-casemap comparator-i;ascii-numeric "
    "comparator-i;octet convert copy date duplicate editheader enclose encoded-character "
    "enotify envelope envelope-deliverby envelope-dsn environment ereject extlists extracttext "
    "fcc fileinto foreverypart ihave imap4flags imapsieve include index mailbox mailboxid "
    "mboxmetadata mime redirect-deliverby redirect-dsn regex reject relational replace "
    "servermetadata spamtest spamtestplus special-use subaddress vacation vacation-seconds "
    "variables virustest"
)
_SIEVE_EXTENSIONS = _SIEVE_NAMES.split()
_FORBIDDEN_NODE_NAMES = [
    ".",
    "..",
    *("CON", "PRN", "AUX", "NUL"),
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
]

_SESSION_CAPABILITIES: dict[str, Any] = {
    "urn:ietf:params:jmap:core": {
        "maxSizeUpload": 50_000_000,
        "maxConcurrentUpload": 4,
        "maxSizeRequest": 10_000_000,
        "maxConcurrentRequests": 4,
        "maxCallsInRequest": 16,
        "maxObjectsInGet": 500,
        "maxObjectsInSet": 500,
        "collationAlgorithms": ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"],
    },
    "urn:ietf:params:jmap:sieve": {"implementation": "Stalwart v1.0.0"},
    "urn:ietf:params:jmap:mail": {},
    "urn:ietf:params:jmap:calendars": {},
    "urn:ietf:params:jmap:calendars:parse": {},
    "urn:ietf:params:jmap:contacts": {},
    "urn:ietf:params:jmap:contacts:parse": {},
    "urn:ietf:params:jmap:filenode": {},
    "urn:ietf:params:jmap:principals": {},
    "urn:ietf:params:jmap:principals:availability": {},
    "urn:ietf:params:jmap:submission": {},
    "urn:ietf:params:jmap:vacationresponse": {},
    "urn:ietf:params:jmap:blob": {},
    "urn:ietf:params:jmap:quota": {},
    "urn:ietf:params:jmap:emailpush": {},
}

_ACCOUNT_CAPABILITIES: dict[str, Any] = {
    "urn:ietf:params:jmap:mail": {
        "maxMailboxesPerEmail": None,
        "maxMailboxDepth": 10,
        "maxSizeMailboxName": 255,
        "maxSizeAttachmentsPerEmail": 50_000_000,
        "emailQuerySortOptions": [
            "receivedAt",
            "size",
            "from",
            "to",
            "subject",
            "sentAt",
            "hasKeyword",
            "allInThreadHaveKeyword",
            "someInThreadHaveKeyword",
        ],
        "mayCreateTopLevelMailbox": True,
    },
    "urn:ietf:params:jmap:submission": {
        "maxDelayedSend": 2_592_000,
        "submissionExtensions": {
            "FUTURERELEASE": [],
            "SIZE": [],
            "DSN": [],
            "DELIVERYBY": [],
            "MT-PRIORITY": ["MIXER"],
            "REQUIRETLS": [],
        },
    },
    "urn:ietf:params:jmap:vacationresponse": {},
    "urn:ietf:params:jmap:contacts": {"maxAddressBooksPerCard": None, "mayCreateAddressBook": True},
    "urn:ietf:params:jmap:contacts:parse": {},
    "urn:ietf:params:jmap:calendars": {
        "maxCalendarsPerEvent": None,
        "minDateTime": "0001-01-01T00:00:00Z",
        "maxDateTime": "9999-12-31T23:59:59Z",
        "maxExpandedQueryDuration": "P52W1D",
        "maxParticipantsPerEvent": 20,
        "mayCreateCalendar": True,
    },
    "urn:ietf:params:jmap:calendars:parse": {},
    "urn:ietf:params:jmap:websocket": {},
    "urn:ietf:params:jmap:sieve": {
        "maxSizeScriptName": 512,
        "maxSizeScript": 102_400,
        "maxNumberScripts": 100,
        "maxNumberRedirects": 1,
        "sieveExtensions": _SIEVE_EXTENSIONS,
        "notificationMethods": ["mailto"],
        "externalLists": None,
    },
    "urn:ietf:params:jmap:blob": {
        "maxSizeBlobSet": 7_499_488,
        "maxDataSources": 16,
        "supportedTypeNames": ["Email", "Thread", "SieveScript"],
        "supportedDigestAlgorithms": ["sha", "sha-256", "sha-512"],
    },
    "urn:ietf:params:jmap:quota": {},
    "urn:ietf:params:jmap:principals": {"currentUserPrincipalId": None},
    "urn:ietf:params:jmap:principals:availability": {"maxAvailabilityDuration": "P52W1D"},
    "urn:ietf:params:jmap:filenode": {
        "maxFileNodeDepth": None,
        "maxSizeFileNodeName": 255,
        "forbiddenNameChars": '/<>:"\\|?*',
        "forbiddenNodeNames": _FORBIDDEN_NODE_NAMES,
        "fileNodeQuerySortOptions": ["name", "size", "nodeType"],
        "mayCreateTopLevelFileNode": True,
        "caseInsensitiveNames": False,
        "webTrashUrl": None,
        "webUrlTemplate": None,
        "webWriteUrlTemplate": None,
    },
    "urn:ietf:params:jmap:mail:share": {},
    "urn:stalwart:jmap": {},
    "urn:ietf:params:jmap:emailpush": {},
}


def session_document(public_url: str, principal: Principal | None) -> dict[str, Any]:
    """The session for ``principal`` (or the account-less one without credentials)."""
    base = public_url.rstrip("/")
    websocket = "ws" + base.removeprefix("http")
    capabilities = copy.deepcopy(_SESSION_CAPABILITIES)
    capabilities["urn:ietf:params:jmap:websocket"] = {
        "url": f"{websocket}/jmap/ws",
        "supportsPush": True,
    }
    accounts: dict[str, Any] = {}
    primary: dict[str, str] = {}
    username = ""
    state = "0"
    if principal is not None:
        account_id = encode_id(principal.account_id)
        account_capabilities = copy.deepcopy(_ACCOUNT_CAPABILITIES)
        account_capabilities["urn:ietf:params:jmap:principals"]["currentUserPrincipalId"] = (
            account_id
        )
        accounts[account_id] = {
            "name": principal.username,
            "isPersonal": True,
            "isReadOnly": False,
            "accountCapabilities": account_capabilities,
        }
        primary = {urn: account_id for urn in account_capabilities}
        username = principal.username
        state = principal.state
    return {
        "capabilities": capabilities,
        "accounts": accounts,
        "primaryAccounts": primary,
        "username": username,
        "apiUrl": f"{base}/jmap/",
        "downloadUrl": f"{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}",
        "uploadUrl": f"{base}/jmap/upload/{{accountId}}/",
        "eventSourceUrl": (
            f"{base}/jmap/eventsource/?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"
        ),
        "state": state,
    }
