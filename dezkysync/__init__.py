"""dezkysync: keep Stalwart mail, authentik SSO and ownCloud Infinite Scale in sync with git."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dezkysync")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
