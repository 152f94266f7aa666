"""Small AWS helpers shared by the stages: the default Region, and botocore failures mapped to
the project's exception tree (and so to exit codes).

A scheduler retries only transient failures (exit 3), so the split matters: network trouble,
throttling, AWS-side 5xx errors and expired temporary credentials are
:class:`~reconciler.core.errors.SourceUnavailable`; a missing permission,
 unknown credentials or a bad
parameter will fail the same way tomorrow and is a :class:`~reconciler.core.errors.SourceError`
(exit 2, "fix and rerun"). boto3 has already retried with its own back-off by the time an error
reaches us, so we never retry here. Messages name the call and the Region, never a payload.

Every stage makes its AWS clients through one factory, ``(service, region) -> client``
(:data:`ClientFactory`; :func:`client` by default, ``StageContext.aws`` to inject another), so a
test hands a stubbed or moto client to any stage the same way.
"""

from __future__ import annotations

from typing import Any, Protocol

from reconciler.core.errors import ConfigError, ReconcilerError, SourceError, SourceUnavailable

__all__ = ["TRANSIENT_CODES", "ClientFactory", "client", "default_region", "from_boto"]

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


class ClientFactory(Protocol):
    """Makes the boto3 client of ``service`` (``"s3"``, ``"logs"``, ``"ce"`` ...) in ``region``
    (``None``: boto3's configured Region)."""

    def __call__(self, service: str, region: str | None = None) -> Any: ...


def _config(service: str) -> Any:
    """The botocore config of ``service`` (None: boto3's defaults)."""
    from botocore.config import Config

    if service == "s3":  # many parallel GETs of log objects: a wider pool, a longer read
        return Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=16,
        )
    if service == "bedrock":  # look-ups during resolve: fail fast, retried next run
        return Config(
            retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10
        )
    return None


def client(service: str, region: str | None = None) -> Any:
    """The default :class:`ClientFactory`: boto3's credential chain (``AWS_ENDPOINT_URL`` is
    honoured by boto3 itself); a client that cannot even be made is a mapped error. boto3 is
    imported here (0.2 s): a local ingest never needs it."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.client(service, region_name=region, config=_config(service))  # type: ignore[call-overload]
    except BotoCoreError as exc:
        raise from_boto(exc, f"creating the {service} client", region) from exc


def default_region() -> str:
    """boto3's configured Region (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config), or a
    ConfigError asking for --region: a nightly job must not guess where to look."""
    import boto3

    region = boto3.session.Session().region_name
    if not region:
        raise ConfigError("no AWS Region given: pass --region (repeatable) or set AWS_REGION")
    return region


def from_boto(exc: BaseException, what: str, region: str | None = None) -> ReconcilerError:
    """The :class:`ReconcilerError` to raise for a botocore failure of ``what`` in ``region``."""
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
