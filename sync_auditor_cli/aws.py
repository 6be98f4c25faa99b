"""The user's AWS session: profile and region from flags or the usual environment, clients made
lazily with an explicit retry policy, and AWS failures explained in one line.

Endpoints are left to boto3, so AWS_ENDPOINT_URL(_<SERVICE>) points the CLI at moto or the
simulator exactly as it does the functions.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.loaders import Loader, create_loader

from sync_auditor_cli.errors import CONFIG, OTHER, SERVICE, CliError

CREDENTIALS_HINT = (
    "no AWS credentials found: run `aws configure` or `aws sso login --profile NAME`, then pass "
    "--profile NAME (or set AWS_PROFILE), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)
REGION_HINT = (
    "no AWS region: pass --region (e.g. --region us-east-1), set AWS_REGION, "
    "or set a region in your AWS profile"
)
# Codes that mean "who you are" failed, not "what you asked": the fix is the same for all.
_REJECTED_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)


@cache
def _shared_loader() -> Loader:
    """Service models parsed once per process (the bulk of a client's creation time), shared
    by every session: they do not depend on credentials or region, which stay per session."""
    return create_loader()


class Aws:
    """One boto3 session for the whole command; clients are created on first use and shared."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        retry_mode: str = "standard",
        max_attempts: int = 5,
    ) -> None:
        self._profile = profile
        self._region = region
        # total_max_attempts counts the first try, as in the functions' clients.
        self._retries: dict[str, Any] = {"mode": retry_mode, "total_max_attempts": max_attempts}
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}
        # The poller calls from worker threads; boto3 sessions are not safe to create clients
        # from concurrently.
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        region = self._get_session().region_name
        if not region:
            raise CliError(REGION_HINT, CONFIG)
        return str(region)

    def _get_session(self) -> boto3.session.Session:
        if self._session is None:
            loader = _shared_loader()
            core = botocore.session.get_session()
            core.register_component("data_loader", loader)
            # An unknown profile raises ProfileNotFound on first use; explain() words it.
            self._session = boto3.session.Session(
                profile_name=self._profile, region_name=self._region, botocore_session=core
            )
            # boto3 appends its resource-model path to the loader of every new session.
            loader.search_paths[:] = dict.fromkeys(loader.search_paths)
        return self._session

    def client(self, service_name: str) -> Any:
        """A shared client; the signature matches the runtime adapters' client factory."""
        with self._lock:
            made = self._clients.get(service_name)
            if made is None:
                config = Config(
                    retries=dict(self._retries),
                    connect_timeout=5,
                    read_timeout=20,
                    max_pool_connections=32,
                )
                made = self._get_session().client(
                    service_name, region_name=self.region, config=config
                )
                self._clients[service_name] = made
            return made


def explain(error: BotoCoreError | ClientError) -> CliError:
    """One line that says what went wrong and what to do about it, with the AWS CLI's exit
    code for it: 253 the environment, 254 what AWS answered, 255 AWS unreachable."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return CliError(CREDENTIALS_HINT, CONFIG)
    if isinstance(error, NoRegionError):
        return CliError(REGION_HINT, CONFIG)
    if isinstance(error, ProfileNotFound):
        return CliError(
            f"AWS profile {error.kwargs.get('profile')!r} is not in your AWS config: check "
            "--profile / AWS_PROFILE against `aws configure list-profiles`",
            CONFIG,
        )
    if isinstance(error, EndpointConnectionError):
        return CliError(f"cannot reach AWS: {error}; check your network and --region", OTHER)
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "ClientError")
        message = one_line(str(error.response.get("Error", {}).get("Message") or ""))
        if code in _REJECTED_CREDENTIALS:
            return CliError(
                f"AWS rejected your credentials ({code}): refresh them "
                "(`aws sso login`, new keys) or pick another --profile",
                CONFIG,
            )
        if code in ("AccessDeniedException", "AccessDenied"):
            return CliError(
                f"access denied: {message}; your credentials need the permission named there",
                SERVICE,
            )
        return CliError(f"AWS error {code}: {message}", SERVICE)
    return CliError(f"AWS error: {one_line(str(error))}", OTHER)


def one_line(text: str) -> str:
    return " ".join(text.split())
