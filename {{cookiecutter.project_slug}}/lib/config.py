"""The settings every deployment of this project reads, resolved once, before any resource."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
from pulumi_aws import get_region

from lib.environment import ConfigurationError, resolve_environment_suffix
from lib.naming import NamingError, validate_suffix
from lib.tagging import TaggingError, standard_tags

# The answers given when this project was generated; stack config overrides each of them.
PROJECT = {{ cookiecutter.project_slug | tojson }}
DEFAULT_ENVIRONMENT_SUFFIX = {{ cookiecutter.environment_suffix | tojson }}
DEFAULT_OWNER = {{ cookiecutter.owner | tojson }}
DEFAULT_ALARM_EMAIL = {{ cookiecutter.alarm_email | tojson }}
DEFAULT_ENABLE_XRAY = {{ "True" if cookiecutter.enable_xray else "False" }}

# The rules the answers were checked by when this project was generated (the template holds
# each one once, for its own checks and for this file).
_EMAIL = re.compile(
    {{ cookiecutter._email_pattern | tojson }}
)
_EMAIL_RULE = {{ cookiecutter._email_rule | tojson }}
_REGION = re.compile({{ cookiecutter._region_pattern | tojson }})
_REGION_RULE = {{ cookiecutter._region_rule | tojson }}


@dataclass(frozen=True)
class ProjectSettings:
    """What every deployment needs to know; TapStackArgs extends it with its variant's settings."""

    environment_suffix: str
    # Empty means the provider's region (aws:region, else AWS_REGION or the profile's).
    region: str = ""
    owner: str = DEFAULT_OWNER
    alarm_email: str = DEFAULT_ALARM_EMAIL
    enable_xray: bool = DEFAULT_ENABLE_XRAY
    tags: Mapping[str, str] = field(default_factory=dict)
    project: str = PROJECT

    def __post_init__(self) -> None:
        try:
            validate_suffix(self.environment_suffix)
        except NamingError as error:
            raise ConfigurationError(str(error)) from None
        if not self.region:
            object.__setattr__(self, "region", provider_region())
        if not _REGION.fullmatch(self.region):
            raise ConfigurationError(f"aws:region {self.region!r} must be {_REGION_RULE}")
        if self.alarm_email and not _EMAIL.fullmatch(self.alarm_email):
            raise ConfigurationError(
                f"config alarmEmail {self.alarm_email!r} must be {_EMAIL_RULE}"
            )
        try:
            # A bad owner or user tag raises here, before any resource exists.
            _ = self.resource_tags
        except TaggingError as error:
            raise ConfigurationError(str(error)) from None

    @classmethod
    def from_config(
        cls,
        config: pulumi.Config | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Self:
        """Read the stack's config and environment; raise ConfigurationError on any bad value."""
        config = config or pulumi.Config()
        environ = os.environ if environ is None else environ
        suffix = cls.environment_suffix_from_config(config, environ)
        extra_tags = config.get_object("tags") or {}
        if not isinstance(extra_tags, dict):
            raise ConfigurationError(f"config tags {extra_tags!r} must be a map of strings")
        enable_xray = config.get("enableXray")
        if enable_xray not in (None, "true", "false"):
            raise ConfigurationError(f"config enableXray {enable_xray!r} must be true or false")
        return cls(
            environment_suffix=suffix,
            region=provider_region(),
            owner=config.get("owner") or DEFAULT_OWNER,
            alarm_email=config.get("alarmEmail") or DEFAULT_ALARM_EMAIL,
            enable_xray=DEFAULT_ENABLE_XRAY if enable_xray is None else enable_xray == "true",
            tags={str(key): str(value) for key, value in extra_tags.items()},
            **cls.variant_settings_from_config(config),
        )

    @classmethod
    def environment_suffix_from_config(
        cls, config: pulumi.Config, environ: Mapping[str, str]
    ) -> str:
        """The suffix of this deployment; the account program's settings override this."""
        return resolve_environment_suffix(
            environ=environ,
            config_value=config.get("environmentSuffix"),
            stack_name=pulumi.get_stack(),
            default=DEFAULT_ENVIRONMENT_SUFFIX,
        )

    @classmethod
    def variant_settings_from_config(cls, config: pulumi.Config) -> dict[str, Any]:
        """Settings only one stack variant reads; subclasses override this."""
        del config
        return {}

    @property
    def resource_tags(self) -> dict[str, str]:
        """The tags every taggable resource carries: the project's, then the user's ``tags``."""
        return standard_tags(
            project=self.project,
            environment=self.environment_suffix,
            owner=self.owner,
            region=self.region,
            extra=self.tags,
        )


def allow_destroy_from_config(config: pulumi.Config) -> bool:
    """Config ``allowDestroy``: ``true`` lifts what keeps a prod stack from being destroyed (its
    deletion protection, its buckets' objects), so a deliberate destroy can finish."""
    allow_destroy = config.get("allowDestroy")
    if allow_destroy not in (None, "true", "false"):
        raise ConfigurationError(f"config allowDestroy {allow_destroy!r} must be true or false")
    return allow_destroy == "true"


def provider_region() -> str:
    """The region the AWS provider deploys to, however it was configured; never a default.

    A synchronous invoke, so the region is a plain string in names, tags and policies.
    """
    return get_region().region
