"""AWS-compliant physical names.

Every physical name is built here from the project slug, a short purpose and the environment
suffix, and is fitted to the limits of the service that receives it. When a name would be too
long, the project part is shortened and a short hash of the full name keeps it unique, so the
purpose and the suffix always stay readable.

Each kind of name also knows where it must be unique: S3 bucket names are global across every
AWS account, so they carry the account id and the region; IAM names are unique in the account
across all regions, so they carry a short region code; every other name is unique per account
and region, and the project slug and suffix keep it apart from other stacks there.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SUFFIX_PATTERN = re.compile({{ cookiecutter._suffix_pattern | tojson }})
SUFFIX_RULE = {{ cookiecutter._suffix_rule | tojson }}
PROJECT_PATTERN = re.compile({{ cookiecutter._slug_pattern | tojson }})
PROJECT_RULE = (
    {{ cookiecutter._slug_rule | tojson }}
)

_HASH_LENGTH = 6
# What the provider appends to a ``name_prefix`` (Terraform's id.PrefixedUniqueId: a timestamp
# and a counter, 26 digits), so that a replacement gets a name of its own.
PROVIDER_UNIQUE_SUFFIX_LENGTH = 26

# Where a name must be unique (see the module docstring).
GLOBAL = "global"
ACCOUNT = "account"
REGIONAL = "regional"


@dataclass(frozen=True)
class NameRule:
    """What one AWS service accepts as a name."""

    max_length: int
    pattern: str = r"[A-Za-z0-9][A-Za-z0-9-]*"
    lowercase: bool = False
    prefix: str = ""
    separator: str = "-"
    scope: str = REGIONAL


_LOWER = r"[a-z][a-z0-9-]*[a-z0-9]"
_LOG = r"[A-Za-z0-9_/.#-]+"

# The limits of every service this project names, in one place.
NAME_RULES: dict[str, NameRule] = {
    "s3_bucket": NameRule(63, _LOWER, lowercase=True, scope=GLOBAL),
    "lambda_function": NameRule(64),
    "iam_role": NameRule(64, scope=ACCOUNT),
    "iam_policy": NameRule(128, scope=ACCOUNT),
    "alb": NameRule(32, r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"),
    "target_group": NameRule(32, r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"),
    "rds_cluster": NameRule(63, r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*", lowercase=True),
    "rds_instance": NameRule(63, r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*", lowercase=True),
    "db_subnet_group": NameRule(255, _LOWER, lowercase=True),
    "db_parameter_group": NameRule(255, r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*", lowercase=True),
    "scaling_policy": NameRule(255),
    "kinesis_stream": NameRule(128),
    "sns_topic": NameRule(256),
    "sqs_queue": NameRule(80),
    "log_group": NameRule(512, _LOG),
    "dashboard": NameRule(255),
    # The serverless API's dashboard keeps the TAP convention's prefix.
    "api_dashboard": NameRule(255, prefix="TAP-API-"),
    "alarm": NameRule(255),
    "ecs_cluster": NameRule(255),
    "ecs_service": NameRule(255),
    "ecs_family": NameRule(255),
    "security_group": NameRule(255),
    "secret": NameRule(512, r"[A-Za-z0-9/_+=.@-]+"),
    "kms_alias": NameRule(256, r"alias/[A-Za-z0-9/_-]+", prefix="alias/"),
    "api_stage": NameRule(128, r"[A-Za-z0-9_]+", separator="_"),
    "rest_api": NameRule(1024),
    # Unique within its API only; API Gateway documents no length limit for it.
    "api_authorizer": NameRule(128),
    # WAF: 1-128 of letters, digits, hyphens and underscores, unique per region and scope.
    "web_acl": NameRule(128, r"[A-Za-z0-9_-]+"),
    # Cognito: 1-128 characters of [\w\s+=,.@-] for both; neither needs to be unique.
    "cognito_user_pool": NameRule(128, r"[\w\s+=,.@-]+"),
    "cognito_client": NameRule(128, r"[\w\s+=,.@-]+"),
    "ecr_repository": NameRule(256, _LOWER, lowercase=True),
    "vpc": NameRule(255),
    "cloudwatch_namespace": NameRule(255, r"[A-Za-z0-9/_-]+"),
}


# Region codes for names that must be unique across an account's regions: the area, each
# direction word's initials, the number (us-east-1 -> use1, ap-southeast-5 -> apse5).
_DIRECTION_CODES = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


class NamingError(ValueError):
    """A project slug or environment suffix that cannot be part of an AWS name."""


def region_code(region: str) -> str:
    """The short code of ``region`` in names: ``use1``, ``euc1``, ``apse5``; a word that is not
    a direction (``gov`` in ``us-gov-west-1``) stays whole, so codes never collide."""
    area, *words, number = region.split("-")
    return area + "".join(_DIRECTION_CODES.get(word, word) for word in words) + number


def validate_suffix(suffix: str, source: str = "environment suffix") -> str:
    """Return ``suffix`` if it is safe in every AWS name; else NamingError names ``source``."""
    if not isinstance(suffix, str) or not SUFFIX_PATTERN.fullmatch(suffix):
        raise NamingError(f"{source} {suffix!r} must be {SUFFIX_RULE}")
    return suffix


def validate_project(project: str) -> str:
    """Return ``project`` if it is a valid slug, else raise NamingError."""
    if not isinstance(project, str) or not PROJECT_PATTERN.fullmatch(project):
        raise NamingError(f"project slug {project!r} must be {PROJECT_RULE}")
    return project


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def replacement_digest(*values: object) -> str:
    """A short digest of the inputs whose change replaces a resource: a name that carries it
    changes exactly when a replacement is due, so the new resource never meets the old name."""
    return _digest("|".join(str(value) for value in values))


def fit_name(parts: list[str], max_length: int, separator: str = "-") -> str:
    """Join ``parts`` with ``separator``, shortening them to ``max_length`` if needed.

    The last part (the environment suffix, with the account or region a name carries) is always
    kept whole. The first part (the project) is shortened first, then the parts between; a hash
    of the full name keeps shortened names distinct, and the same inputs always give the same name.
    """
    parts = [part for part in parts if part]
    full = separator.join(parts)
    if len(full) <= max_length:
        return full
    digest = _digest(full)
    head, *middle, last = parts
    room = max_length - len(digest) - len(last) - 2 * len(separator)
    middle_text = separator.join(middle)
    head_room = room - len(middle_text) - (len(separator) if middle_text else 0)
    if head_room >= 1:
        return separator.join((head[:head_room].rstrip(separator), digest, *middle, last))
    body = separator.join([head, *middle])[:room].rstrip(separator)
    return separator.join((body, digest, last))


@dataclass(frozen=True)
class Namer:
    """Builds the physical name of every resource of one project in one environment."""

    project: str
    suffix: str
    # The deployment's region and account, which names unique beyond one region carry.
    region: str = ""
    account_id: str = ""

    def __post_init__(self) -> None:
        validate_project(self.project)
        validate_suffix(self.suffix)

    def name(self, kind: str, purpose: str, *, region: str | None = None) -> str:
        """The name for a resource of ``kind`` (a key of NAME_RULES) that serves ``purpose``.

        Global names (S3 buckets) carry the account id and the region, account-wide names (IAM)
        the region's code, before the suffix; ``region`` overrides the namer's region, and a
        regional name given one carries it too.
        """
        rule = NAME_RULES[kind]
        placement = self._placement(kind, rule.scope, region)
        parts = [self.project, purpose, *placement, self.suffix]
        if rule.scope != REGIONAL:
            # The account and region stay whole with the suffix when the name is shortened.
            parts = [self.project, purpose, "-".join([*placement, self.suffix])]
        if rule.separator != "-":
            parts = [part.replace("-", rule.separator) for part in parts]
        name = fit_name(parts, rule.max_length - len(rule.prefix), rule.separator)
        if rule.lowercase:
            name = name.lower()
        name = f"{rule.prefix}{name}"
        if not re.fullmatch(rule.pattern, name):
            raise NamingError(f"{kind} name {name!r} does not match {rule.pattern}")
        return name

    def _placement(self, kind: str, scope: str, region: str | None) -> list[str]:
        """What keeps a ``scope`` name apart from the same stack's in other regions or accounts."""
        where = region or self.region
        if scope == REGIONAL:
            return [region] if region else []
        if not where or (scope == GLOBAL and not self.account_id):
            needs = "the account id and the region" if scope == GLOBAL else "the region"
            raise NamingError(f"{kind} names are {scope}-wide, so they need {needs}")
        if scope == GLOBAL:
            return [self.account_id, where]
        return [region_code(where)]

    def replaceable_name(self, kind: str, purpose: str, *replaced_by: object) -> str:
        """The name of a resource that a change of ``replaced_by`` (the inputs that force its
        replacement) replaces: ``purpose`` gains their digest, so create-before-delete never
        meets the old name. For services whose name prefixes are too short to read (load
        balancers and target groups take 6 characters)."""
        return self.name(kind, f"{purpose}-{replacement_digest(*replaced_by)}")

    def name_prefix(self, kind: str, purpose: str) -> str:
        """A ``name_prefix`` for a resource of ``kind``: the provider appends a unique suffix, so
        every replacement gets a new name. It is the name shortened to leave room for that
        suffix, and ends with the separator."""
        rule = NAME_RULES[kind]
        room = rule.max_length - len(rule.prefix) - PROVIDER_UNIQUE_SUFFIX_LENGTH - 1
        parts = [self.project, purpose, self.suffix]
        prefix = fit_name(parts, room, rule.separator) + rule.separator
        if rule.lowercase:
            prefix = prefix.lower()
        prefix = f"{rule.prefix}{prefix}"
        if not re.fullmatch(rule.pattern, prefix + "0" * PROVIDER_UNIQUE_SUFFIX_LENGTH):
            raise NamingError(f"{kind} name prefix {prefix!r} does not match {rule.pattern}")
        return prefix

    def metric_namespace(self) -> str:
        """The CloudWatch namespace of this deployment's custom metrics: ``<project>/<suffix>``."""
        return f"{self.project}/{self.suffix}"

    def log_group(self, service_path: str, resource_name: str) -> str:
        """A log group name such as ``/aws/lambda/<function name>``."""
        name = f"/aws/{service_path}/{resource_name}"
        rule = NAME_RULES["log_group"]
        if len(name) > rule.max_length or not re.fullmatch(rule.pattern, name):
            raise NamingError(f"log group name {name!r} is not valid")
        return name
