"""Small AWS helpers shared by the stages: the default Region, and botocore failures mapped to
the project's exception tree (and so to exit codes).

A scheduler retries only transient failures (exit 3), so the split matters: network trouble,
throttling, AWS-side 5xx errors and expired temporary credentials are
:class:`~reconciler.core.errors.SourceUnavailable`; a missing permission,
 unknown credentials or a bad
parameter will fail the same way tomorrow and is a :class:`~reconciler.core.errors.SourceError`
(exit 2, "fix and rerun"). boto3 has already retried with its own back-off by the time an error
reaches us, so we never retry here. Messages name the call and the Region, never a payload.
"""

from __future__ import annotations

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    SSOError,
    TokenRetrievalError,
)

from reconciler.core.errors import ConfigError, ReconcilerError, SourceError, SourceUnavailable

__all__ = ["TRANSIENT_CODES", "default_region", "from_boto"]

TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""ClientError codes that are worth retrying later (besides any HTTP 5xx)."""


def default_region() -> str:
    """boto3's configured Region (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config), or a
    ConfigError asking for --region: a nightly job must not guess where to look."""
    region = boto3.session.Session().region_name
    if not region:
        raise ConfigError("no AWS Region given: pass --region (repeatable) or set AWS_REGION")
    return region


def from_boto(exc: BaseException, what: str, region: str | None = None) -> ReconcilerError:
    """The :class:`ReconcilerError` to raise for a botocore failure of ``what`` in ``region``."""
    where = f"{what} in {region}" if region else what
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        message = str(err.get("Message", ""))[:200]
        text = f"{where} failed: {code}: {message}".rstrip(": ")
        if code in TRANSIENT_CODES or status >= 500:
            return SourceUnavailable(f"{text}; retry later")
        return SourceError(f"{text}; check the credentials' permissions and the parameters")
    if isinstance(exc, NoRegionError):
        return ConfigError(f"{where}: no AWS Region configured; pass --region or set AWS_REGION")
    if isinstance(exc, NoCredentialsError):
        return SourceError(
            f"{where}: no AWS credentials found; configure boto3's standard credential chain"
        )
    if isinstance(exc, TokenRetrievalError | CredentialRetrievalError | SSOError):
        return SourceUnavailable(f"{where}: credentials could not be refreshed ({exc}); retry")
    if isinstance(exc, ConnectionError | HTTPClientError):
        return SourceUnavailable(f"{where}: AWS unreachable ({type(exc).__name__}); retry later")
    if isinstance(exc, BotoCoreError):
        return SourceError(f"{where} failed: {exc}")
    raise TypeError(f"not a botocore error: {type(exc).__name__}")  # a caller bug
