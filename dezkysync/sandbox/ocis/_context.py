"""What a graph handler gets: the state, the install's settings and the authenticated caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dezkysync.sandbox._wsgi import Request
from dezkysync.sandbox.ocis._errors import GraphError
from dezkysync.sandbox.ocis._odata import ODataError, Query, parse_query
from dezkysync.sandbox.ocis._state import ROLE_ADMIN, ROLE_SPACE_ADMIN, Directory, User


@dataclass(frozen=True)
class Settings:
    """The OCIS configuration knobs the emulator honours (environment variable in brackets).

    ``username_match``: ``default`` or ``none`` [GRAPH_USERNAME_MATCH];
    ``show_user_email``: non-admins see ``mail`` [OCIS_SHOW_USER_EMAIL_IN_RESULTS];
    ``search_min_length``: shortest non-admin ``$search`` [GRAPH_IDENTITY_SEARCH_MIN_LENGTH];
    ``assign_default_role``: new users get the ``user`` role [GRAPH_ASSIGN_DEFAULT_USER_ROLE];
    ``public_url``: the base of ``webUrl``/``webDavUrl`` [OCIS_URL]; None uses the request's
    own scheme and host;
    ``autoprovision``: create unknown users from their token's claims at login
    [PROXY_AUTOPROVISION_ACCOUNTS].
    """

    username_match: str = "default"
    show_user_email: bool = False
    search_min_length: int = 3
    assign_default_role: bool = True
    public_url: str | None = None
    autoprovision: bool = False


@dataclass
class Call:
    """One authenticated graph request."""

    directory: Directory
    settings: Settings
    caller: User
    request: Request
    request_id: str

    @property
    def is_admin(self) -> bool:
        """Holds the admin role (the account-management permission)."""
        return self.directory.has_role(self.caller.id, ROLE_ADMIN)

    @property
    def can_manage_spaces(self) -> bool:
        """Admin or space admin (list all drives, set quotas, create project drives)."""
        return self.is_admin or self.directory.has_role(self.caller.id, ROLE_SPACE_ADMIN)

    @property
    def base_url(self) -> str:
        """The public base URL (``OCIS_URL``)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        environ = self.request.environ
        scheme = str(environ.get("wsgi.url_scheme", "https"))
        host = self.request.headers.get("host") or str(environ.get("SERVER_NAME", "localhost"))
        return f"{scheme}://{host}"

    @property
    def beta(self) -> bool:
        """Whether the request came in under ``/graph/v1beta1``."""
        return self.request.path.startswith("/graph/v1beta1/")

    def odata(self, query: Mapping[str, Sequence[str]] | None = None) -> Query:
        """``godata.ParseRequest`` of the query string; a parse error is 400 invalidRequest."""
        try:
            return parse_query(self.request.query if query is None else query)
        except ODataError as exc:
            raise GraphError("invalidRequest", exc.message, 400) from exc
