"""The contract checker itself: it really validates, and each documented deviation is as narrow
as its reason (a response that breaks the spec in any other way still fails)."""

from __future__ import annotations

import json

import httpx
import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from tests.sandbox.ocis.contract import (
    MEMBERS_BARE_ARRAY,
    PATCH_USER_204,
    PROXY_401,
    REDUCED_USER,
    USER_DRIVE,
    ContractChecker,
)
from tests.sandbox.ocis.helpers import V1, Graph
from tests.support.contract import ContractViolation, require_specs

pytestmark = pytest.mark.contract


def _response(
    method: str, path: str, status: int, payload: object = None, *, raw: bytes | None = None
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    request = httpx.Request(method, f"http://ocis.test{path}")
    headers = {"Content-Type": "application/json"} if body else {}
    return httpx.Response(status, content=body, headers=headers, request=request)


@pytest.fixture(autouse=True)
def _specs() -> None:
    require_specs()


def test_a_conforming_response_passes() -> None:
    checker = ContractChecker()
    user = {"id": "x", "displayName": "A", "onPremisesSamAccountName": "a"}
    checker.check(_response("GET", f"{V1}/users", 200, {"value": [user]}))
    assert checker.checked == 1 and checker.exceptions == {}


def test_a_full_user_without_username_fails() -> None:
    broken = {"id": "x", "displayName": "A", "surname": "a", "accountEnabled": True}
    with pytest.raises(ContractViolation, match="a reduced user has only"):
        ContractChecker().check(_response("GET", f"{V1}/users", 200, {"value": [broken]}))
    with pytest.raises(ContractViolation, match="onPremisesSamAccountName"):
        ContractChecker().check(
            _response("POST", f"{V1}/users", 201, {"id": "x", "displayName": "A"})
        )


def test_reduced_users_for_non_admins_are_a_deviation() -> None:
    checker = ContractChecker()
    reduced = {"id": "x", "displayName": "A", "userType": "Member"}
    checker.check(_response("GET", f"{V1}/users", 200, {"value": [reduced]}))
    checker.check(_response("GET", f"{V1}/users/x", 200, reduced))
    assert checker.exceptions == {REDUCED_USER.reason: 2}


def test_an_error_without_message_fails() -> None:
    with pytest.raises(ContractViolation, match="message"):
        ContractChecker().check(
            _response("GET", f"{V1}/users/x", 404, {"error": {"code": "itemNotFound"}})
        )


def test_bare_member_array_is_a_deviation_but_members_are_still_checked() -> None:
    checker = ContractChecker()
    member = {"id": "x", "displayName": "A", "onPremisesSamAccountName": "a"}
    checker.check(_response("GET", f"{V1}/groups/g/members", 200, [member]))
    assert checker.exceptions == {MEMBERS_BARE_ARRAY.reason: 1}
    with pytest.raises(ContractViolation, match="onPremisesSamAccountName"):
        checker.check(
            _response("GET", f"{V1}/groups/g/members", 200, [{"id": "x", "displayName": "A"}])
        )


def test_a_401_must_be_bare() -> None:
    checker = ContractChecker()
    checker.check(_response("GET", f"{V1}/users", 401, raw=b""))
    assert checker.exceptions == {PROXY_401: 1}
    with pytest.raises(ContractViolation):
        checker.check(_response("GET", f"{V1}/users", 401, {"error": {"code": "unauthenticated"}}))


def test_patch_204_must_be_empty_and_other_204_bodies_fail() -> None:
    checker = ContractChecker()
    checker.check(_response("PATCH", f"{V1}/users/x", 204, raw=b""))
    assert checker.exceptions == {PATCH_USER_204: 1}
    with pytest.raises(ContractViolation):
        checker.check(_response("PATCH", f"{V1}/users/x", 204, {"id": "x"}))


def test_user_drive_is_checked_against_the_drive_schema() -> None:
    checker = ContractChecker()
    drive = {"id": "s$x", "name": "A", "owner": {"user": {"displayName": "", "id": "x"}}}
    checker.check(_response("GET", f"{V1}/users/x/drive", 200, drive))
    assert checker.exceptions == {USER_DRIVE: 1}
    with pytest.raises(ContractViolation, match="displayName"):
        checker.check(
            _response(
                "GET", f"{V1}/users/x/drive", 200, {"name": "A", "owner": {"user": {"id": "x"}}}
            )
        )


def test_an_undocumented_status_fails() -> None:
    # The spec says 201 for POST /groups: a 200 falls to the default (error) response.
    with pytest.raises(ContractViolation, match="error"):
        ContractChecker().check(
            _response("POST", f"{V1}/groups", 200, {"id": "x", "displayName": "g"})
        )


def test_every_emulator_response_in_a_session_is_checked(
    emulator: OcisEmulator, graph: Graph
) -> None:
    graph.create_user("alice")
    graph.get(f"{V1}/users")
    graph.get(f"{V1}/users/nobody")
    assert graph.checker.checked == 3
