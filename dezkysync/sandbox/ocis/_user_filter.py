"""``$filter`` on ``GET /users``: the handful of forms OCIS implements (users_filter.go).

Supported: ``memberOf/any(x:x/id eq <group>)``, ``appRoleAssignments/any(x:x/appRoleId eq
<role>)``, ``userType eq 'Member'|'Guest'|'Federated'``, ``startswith|contains(displayName,'…')``
(case-insensitive), combined with ``and``/``or``. Anything else that parses is 501
"unsupported filter"; structurally broken lambdas are 400 "invalid filter"; an unknown group in
``memberOf`` is 404 (the group lookup fails). ``startswith``/``contains`` on any property other
than ``displayName`` quietly match nothing, as on the real server.
"""

from __future__ import annotations

from collections.abc import Callable

from dezkysync.sandbox.ocis._errors import GraphError, not_found
from dezkysync.sandbox.ocis._odata import Node, Tok
from dezkysync.sandbox.ocis._state import Directory, Group, User

UserMatcher = Callable[[User], bool]


def _unsupported() -> GraphError:
    return GraphError("generalException", "unsupported filter", 501)


def _invalid() -> GraphError:
    return GraphError("generalException", "invalid filter", 400)


def find_group(directory: Directory, name_or_id: str) -> Group | None:
    """``getLDAPGroupByNameOrID``: the group id or its name (case-insensitive)."""
    group = directory.groups.get(name_or_id)
    if group is not None:
        return group
    group_id = directory.group_by_name.get(name_or_id.lower())
    return directory.groups.get(group_id) if group_id else None


class UserFilter:
    """Evaluates one filter tree against the directory; ``matches`` applies ``$search``."""

    def __init__(self, directory: Directory, matches: UserMatcher) -> None:
        self.directory = directory
        self.matches = matches

    def all_users(self) -> list[User]:
        """``identityBackend.GetUsers``: every user the search lets through."""
        return [user for user in self.directory.users.values() if self.matches(user)]

    def apply(self, node: Node) -> list[User]:
        """The users ``node`` selects, in the order the real server produces them."""
        kind = node.token.type
        if kind == Tok.LAMBDA_NAV:
            return self._lambda(node.children)
        if kind == Tok.LOGICAL:
            return self._logical(node)
        if kind == Tok.FUNC:
            return self._function(node)
        raise _unsupported()

    # -- functions --------------------------------------------------------------------------
    def _function(self, node: Node) -> list[User]:
        name = node.token.value
        if name not in ("startswith", "contains"):
            raise _unsupported()
        if len(node.children) != 2:
            raise _invalid()
        prop, operand = node.children
        if prop.token.type != Tok.LITERAL or prop.token.value != "displayName":
            return []
        needle = operand.token.value.strip("'").lower()
        if name == "startswith":
            return [u for u in self.all_users() if u.display_name.lower().startswith(needle)]
        return [u for u in self.all_users() if needle in u.display_name.lower()]

    # -- and / or / eq ----------------------------------------------------------------------
    def _logical(self, node: Node) -> list[User]:
        if len(node.children) != 2:
            raise _invalid()
        left, right = node.children
        operator = node.token.value
        if operator == "and":
            return self._and(left, right)
        if operator == "or":
            first = self.apply(left)
            seen = {user.id for user in first}
            return first + [user for user in self.apply(right) if user.id not in seen]
        if operator == "eq":
            return self._user_type(left, right)
        raise _unsupported()

    def _and(self, left: Node, right: Node) -> list[User]:
        role = _app_role_filter(left)
        if role is not None:
            return self._with_role(role, self.apply(right))
        first = self.apply(left)
        role = _app_role_filter(right)
        if role is not None:
            return self._with_role(role, first)
        keep = {user.id for user in first}
        return [user for user in self.apply(right) if user.id in keep]

    def _user_type(self, left: Node, right: Node) -> list[User]:
        if (
            left.token.type != Tok.LITERAL
            or left.token.value != "userType"
            or right.token.type != Tok.STRING
        ):
            raise _unsupported()
        value = right.token.value.strip("'")
        if value in ("Member", "Guest"):
            return [u for u in self.all_users() if u.user_type.lower() == value.lower()]
        if value == "Federated":
            return []  # no OCM-accepted users in the emulator
        raise _unsupported()

    # -- lambdas ----------------------------------------------------------------------------
    def _lambda(self, nodes: list[Node]) -> list[User]:
        if len(nodes) != 2:
            raise _invalid()
        collection, function = nodes
        if function.token.type != Tok.LAMBDA or function.token.value != "any":
            raise _unsupported()
        if collection.token.type != Tok.LITERAL:
            raise _unsupported()
        if collection.token.value == "memberOf":
            return self._member_of(_lambda_eq(function.children, "id"))
        if collection.token.value == "appRoleAssignments":
            role_id = _lambda_eq(function.children, "appRoleId")
            return self._with_role(role_id, self.all_users())
        raise _unsupported()

    def _member_of(self, group_ref: str) -> list[User]:
        group = find_group(self.directory, group_ref)
        if group is None:
            raise not_found()
        members = self.directory.members[group.id]
        return [
            self.directory.users[uid] for uid in members if self.matches(self.directory.users[uid])
        ]

    def _with_role(self, role_id: str, users: list[User]) -> list[User]:
        return [u for u in users if self.directory.has_role(u.id, role_id)]


def _lambda_eq(nodes: list[Node], attribute: str) -> str:
    """The operand of ``x:x/<attribute> eq <value>`` (GUID or quoted string)."""
    if len(nodes) != 2:
        raise _invalid()
    variable, predicate = nodes
    if variable.token.type != Tok.LITERAL:
        raise _invalid()
    if predicate.token.type != Tok.LOGICAL or predicate.token.value != "eq":
        raise _unsupported()
    if len(predicate.children) != 2:
        raise _invalid()
    path, value = predicate.children
    if path.token.type != Tok.NAV or len(path.children) != 2:
        raise _invalid()
    if path.children[1].token.value != attribute:
        raise _unsupported()
    return _uuid_operand(value)


def _uuid_operand(node: Node) -> str:
    if node.token.type == Tok.GUID:
        return node.token.value
    if node.token.type == Tok.STRING:
        return node.token.value.strip("'")
    raise _unsupported()


def _app_role_filter(node: Node) -> str | None:
    """``isAppRoleAssignmentFilter``: the role id when ``node`` is such a lambda."""
    if node.token.type != Tok.LAMBDA_NAV or len(node.children) != 2:
        return None
    collection, function = node.children
    if collection.token.type != Tok.LITERAL or collection.token.value != "appRoleAssignments":
        return None
    if function.token.type != Tok.LAMBDA or function.token.value != "any":
        return None
    if len(function.children) != 2:
        return None
    predicate = function.children[1]
    if predicate.token.type != Tok.LOGICAL or predicate.token.value != "eq":
        return None
    if len(predicate.children) != 2:
        return None
    path, value = predicate.children
    if path.token.type != Tok.NAV or path.token.value != "/" or len(path.children) != 2:
        return None
    if path.children[1].token.value != "appRoleId":
        return None
    if value.token.type not in (Tok.GUID, Tok.STRING):
        return None
    return value.token.value.strip("'")
