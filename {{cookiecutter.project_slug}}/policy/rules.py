"""The rules of the policy pack, one function each, and RULES, the table that names them (the
rules of what runs in a VPC are in policy/vpc_rules.py).

A resource rule reads one resource; a stack rule reads every resource of the stack, for what
shows only across resources (pulumi-aws 7 declares a bucket's encryption, versioning, public
access block and policy as resources of their own). A rule yields, for each problem it finds,
the resource, what is wrong with it and how to fix it; ``Rule.check`` turns those into
violations that carry the rule's name.

The facts the rules check against are the project's own, imported from lib/: the required tags,
the tiers, the key policy's account statement and the region codes in names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lib.encryption import ACCOUNT_KEY_ACTIONS
from lib.naming import region_code
from lib.tagging import REQUIRED_TAG_KEYS
from policy.model import (
    Finding,
    Resource,
    Violation,
    accepts_tags,
    as_list,
    behind_web_acl,
    is_prod,
    parse_document,
    snake,
)
from policy.vpc_rules import (
    LOAD_BALANCERS,
    load_balancer_rejects_malformed_requests,
    load_balancer_tls,
    prod_database_monitoring,
    prod_load_balancer_waf,
    vpc_default_security_group_closed,
)

# What a violation does: stop the preview or update (and fail pytest), be reported (a pytest
# warning), or nothing. The names are pulumi_policy's EnforcementLevel values.
MANDATORY = "mandatory"
ADVISORY = "advisory"
DISABLED = "disabled"
LEVELS = (MANDATORY, ADVISORY, DISABLED)


@dataclass(frozen=True)
class Rule:
    """One rule: its name (the pack's policy name), what it requires, the function that finds
    what breaks it, whether that function reads the whole stack, and its enforcement level."""

    name: str
    description: str
    function: Callable[[Any], Iterable[Finding]]
    stack: bool = False
    level: str = MANDATORY

    def check(self, subject: Resource | Sequence[Resource]) -> list[Violation]:
        """The violations of this rule by ``subject``: one resource, or (stack rules) all."""
        return [
            Violation(self.name, resource, problem, fix)
            for resource, problem, fix in self.function(subject)
        ]


def standard_tags(resource: Resource) -> Iterator[Finding]:
    """Every taggable resource carries the project's tags. The stack passes them explicitly
    (``tags=ctx.tags``), which is where both the engine and the mocks see them; a provider's
    default tags would land in ``tagsAll`` only, and never under the mocks."""
    if not accepts_tags(resource.type):
        return
    missing = [key for key in REQUIRED_TAG_KEYS if not resource.tags.get(key)]
    if missing:
        yield (
            resource,
            f"lacks the tags {', '.join(missing)}",
            "declare it with tags=ctx.tags, the stack's standard tags (lib/tagging.py)",
        )


# The properties that hold a policy document, by resource type.
POLICY_DOCUMENTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/key:Key": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
}
# The policies that grant an identity (a role, a user) what it may do, rather than a resource's.
IDENTITY_POLICIES = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
}
ROLE = "aws:iam/role:Role"


def _documents(resource: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each policy document of ``resource``, with the property it is in."""
    prop = POLICY_DOCUMENTS.get(resource.type)
    if prop:
        document = resource.document(prop)
        if document is not None:
            yield prop, document
    if resource.type == ROLE:
        yield from _inline_policies(resource)


def _inline_policies(resource: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for index, inline in enumerate(as_list(resource.get("inlinePolicies"))):
        document = parse_document(inline.get("policy"))
        if document is not None:
            yield f"inlinePolicies[{index}]", document


def _allow_statements(
    documents: Iterable[tuple[str, Mapping[str, Any]]],
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every Allow statement, with where it is (``policy statement ReadTheStream``)."""
    for prop, document in documents:
        for number, statement in enumerate(as_list(document.get("Statement")), 1):
            if statement.get("Effect") == "Allow":
                yield f"{prop} statement {statement.get('Sid') or number}", statement


def no_wildcard_actions(resource: Resource) -> Iterator[Finding]:
    """No policy allows an action by wildcard (``s3:*``, ``*``, ``kms:Get*``) or by NotAction,
    which allows everything it does not list."""
    fix = "list each action the statement needs (lib/iam.py statement() refuses wildcards)"
    for where, statement in _allow_statements(_documents(resource)):
        if "NotAction" in statement:
            yield resource, f"{where} allows every action but {statement['NotAction']}", fix
        wildcards = [action for action in as_list(statement.get("Action")) if "*" in action]
        if wildcards:
            yield resource, f"{where} allows the wildcard actions {wildcards}", fix
    if resource.type == "aws:lambda/permission:Permission" and "*" in resource.get("action", ""):
        yield resource, f"allows {resource.get('action')}", "allow lambda:InvokeFunction only"


# Services whose actions read or write data: granting them on every resource grants every
# stream, bucket, queue, secret or key of the account, this stack's or not.
DATA_SERVICES = {
    "dynamodb",
    "elasticfilesystem",
    "ecr",
    "firehose",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "rds-data",
    "rds-db",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
}


def no_data_access_on_every_resource(resource: Resource) -> Iterator[Finding]:
    """No identity policy allows a data-plane action on ``Resource: "*"`` (or NotResource).
    Actions AWS cannot scope to a resource (X-Ray's) may keep ``*``; key policies say ``*`` to
    mean the key itself, so they are not identity policies."""
    if resource.type in IDENTITY_POLICIES:
        documents = list(_documents(resource))
    elif resource.type == ROLE:
        documents = list(_inline_policies(resource))
    else:
        return
    for where, statement in _allow_statements(documents):
        every = "NotResource" in statement or "*" in as_list(statement.get("Resource"))
        data = [
            action
            for action in as_list(statement.get("Action"))
            if action.split(":", 1)[0].lower() in DATA_SERVICES
        ]
        if every and data:
            yield (
                resource,
                f"{where} allows {data} on every resource",
                "name the ARNs the actions need: this stack's own streams, buckets, queues, keys",
            )


AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/")


def _key_problem(value: Any) -> str | None:
    if not value:
        return "has no customer-managed key"
    if AWS_MANAGED_KEY.search(str(value)):
        return f"uses the AWS managed key {value}, which no key policy of this project governs"
    return None


def _always(resource: Resource) -> bool:
    del resource
    return True


def _has_variables(resource: Resource) -> bool:
    return bool(resource.get("environment", {}).get("variables"))


def _manages_master_password(resource: Resource) -> bool:
    return bool(resource.get("manageMasterUserPassword"))


def _has_performance_insights(resource: Resource) -> bool:
    return bool(resource.get("performanceInsightsEnabled"))


# Per type: the property that must name a customer-managed key, and when it must (always, or
# when the resource holds what it protects).
CUSTOMER_KEYS: dict[str, tuple[tuple[str, Callable[[Resource], bool]], ...]] = {
    "aws:cloudwatch/logGroup:LogGroup": (("kmsKeyId", _always),),
    "aws:sns/topic:Topic": (("kmsMasterKeyId", _always),),
    "aws:sqs/queue:Queue": (("kmsMasterKeyId", _always),),
    "aws:kinesis/stream:Stream": (("kmsKeyId", _always),),
    "aws:secretsmanager/secret:Secret": (("kmsKeyId", _always),),
    "aws:rds/cluster:Cluster": (
        ("kmsKeyId", _always),
        ("masterUserSecretKmsKeyId", _manages_master_password),
    ),
    "aws:rds/instance:Instance": (
        ("kmsKeyId", _always),
        ("masterUserSecretKmsKeyId", _manages_master_password),
    ),
    "aws:rds/clusterInstance:ClusterInstance": (
        ("performanceInsightsKmsKeyId", _has_performance_insights),
    ),
    "aws:lambda/function:Function": (("kmsKeyArn", _has_variables),),
}
# What must be on for the key to be used at all.
ENCRYPTION_SWITCHES = {
    "aws:kinesis/stream:Stream": ("encryptionType", "KMS"),
    "aws:rds/cluster:Cluster": ("storageEncrypted", True),
    "aws:rds/instance:Instance": ("storageEncrypted", True),
}


def customer_managed_keys(resource: Resource) -> Iterator[Finding]:
    """Log groups, topics, queues, streams, secrets, databases and Lambda environments are
    encrypted with one of the stack's customer-managed keys (S3: s3_customer_managed_keys)."""
    switch = ENCRYPTION_SWITCHES.get(resource.type)
    if switch and resource.get(switch[0]) != switch[1]:
        yield (
            resource,
            f"is not encrypted ({switch[0]} is {resource.get(switch[0])!r})",
            f"set {snake(switch[0])}={switch[1]!r}, with one of the stack's keys",
        )
    for prop, applies in CUSTOMER_KEYS.get(resource.type, ()):
        problem = _key_problem(resource.get(prop)) if applies(resource) else None
        if problem:
            yield (
                resource,
                f"{problem} ({prop})",
                f"set {snake(prop)} to the ARN of one of the stack's keys (lib/encryption.py)",
            )


BUCKETS = {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
ENCRYPTION_CONFIGURATIONS = {
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
}
PUBLIC_ACCESS_BLOCKS = {"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"}
BUCKET_POLICIES = {"aws:s3/bucketPolicy:BucketPolicy"}
VERSIONINGS = {
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
}


def _buckets(
    resources: Sequence[Resource], configuring: set[str]
) -> Iterator[tuple[Resource, list[Resource]]]:
    """Each bucket of the stack, with the resources of the ``configuring`` types that name it
    in their ``bucket`` property."""
    for bucket in resources:
        if bucket.type in BUCKETS:
            yield (
                bucket,
                [
                    resource
                    for resource in resources
                    if resource.type in configuring and bucket.key in resource.linked("bucket")
                ],
            )


def s3_customer_managed_keys(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every bucket encrypts new objects by default with a customer-managed key."""
    fix = (
        "declare a BucketServerSideEncryptionConfiguration with sse_algorithm aws:kms and "
        "kms_master_key_id one of the stack's keys"
    )
    for bucket, configurations in _buckets(resources, ENCRYPTION_CONFIGURATIONS):
        defaults = [
            rule.get("applyServerSideEncryptionByDefault") or {}
            for configuration in configurations
            for rule in as_list(configuration.get("rules"))
        ]
        if not defaults:
            yield bucket, "has no default encryption configuration", fix
        elif not any(
            default.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse")
            and not _key_problem(default.get("kmsMasterKeyId"))
            for default in defaults
        ):
            algorithms = sorted({str(default.get("sseAlgorithm")) for default in defaults})
            yield bucket, f"encrypts with {algorithms}, not a customer-managed key", fix


PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def s3_public_access_blocked(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every bucket has a public access block with all four settings on."""
    fix = "declare a BucketPublicAccessBlock for the bucket with all four settings on"
    for bucket, blocks in _buckets(resources, PUBLIC_ACCESS_BLOCKS):
        if not blocks:
            yield bucket, "has no public access block", fix
            continue
        off = [flag for flag in PUBLIC_ACCESS_FLAGS if not any(b.get(flag) is True for b in blocks)]
        if off:
            yield bucket, f"leaves public access open: {', '.join(off)} off", fix


def _refuses_plain_http(statement: Mapping[str, Any], bucket_name: str | None) -> bool:
    """A Deny of every S3 action, by anyone, without TLS, on the bucket and its objects."""
    principal = statement.get("Principal")
    anyone = principal == "*" or (
        isinstance(principal, Mapping) and as_list(principal.get("AWS")) == ["*"]
    )
    secure = (statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
    arn = r"arn:[^:]+:s3:::" + (re.escape(bucket_name) if bucket_name else r"[^/]+")
    resources = [str(resource) for resource in as_list(statement.get("Resource"))]
    return (
        statement.get("Effect") == "Deny"
        and anyone
        and "s3:*" in as_list(statement.get("Action"))
        and str(secure).lower() == "false"
        and any(re.fullmatch(arn, resource) for resource in resources)
        and any(re.fullmatch(arn + r"/\*", resource) for resource in resources)
    )


def s3_tls_only(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every bucket's policy refuses any request to it or its objects made without TLS."""
    for bucket, policies in _buckets(resources, BUCKET_POLICIES):
        statements = [
            statement
            for policy in policies
            for statement in as_list((policy.document("policy") or {}).get("Statement"))
        ]
        if not any(_refuses_plain_http(s, bucket.get("bucket")) for s in statements):
            yield (
                bucket,
                "has no policy that refuses requests without TLS",
                "add lib/iam.py deny_insecure_transport() for the bucket and its objects to its "
                "BucketPolicy",
            )


def s3_versioning(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every bucket keeps earlier versions of its objects."""
    for bucket, versionings in _buckets(resources, VERSIONINGS):
        statuses = [(v.get("versioningConfiguration") or {}).get("status") for v in versionings]
        if "Enabled" not in statuses:
            yield (
                bucket,
                "does not keep earlier versions of its objects",
                "declare a BucketVersioning with status Enabled, and a lifecycle rule that "
                "expires noncurrent versions",
            )


def key_policies_delegate_and_scope(resource: Resource) -> Iterator[Finding]:
    """Every key policy delegates the key to the account's IAM with the project's account
    statement (lib/encryption.py), and every statement for a service principal is limited to
    this account by an ``aws:SourceAccount`` condition (no other account's use of that service
    can reach the key: the confused deputy)."""
    if resource.type != "aws:kms/key:Key":
        return
    document = resource.document("policy")
    if document is None:
        yield (
            resource,
            "has no key policy, so AWS's default applies",
            "declare it with lib/encryption.py EncryptionKey, whose key_policy() delegates it",
        )
        return
    statements = [s for s in as_list(document.get("Statement")) if s.get("Effect") == "Allow"]
    accounts: set[str] = set()
    for statement in statements:
        principal = statement.get("Principal")
        roots = [
            match[1]
            for arn in as_list(principal.get("AWS") if isinstance(principal, Mapping) else None)
            if (match := re.fullmatch(r"arn:[^:]+:iam::(\d{12}):root", str(arn)))
        ]
        missing = set(ACCOUNT_KEY_ACTIONS) - set(as_list(statement.get("Action")))
        if roots and not missing:
            accounts.update(roots)
    if not accounts:
        yield (
            resource,
            "does not delegate the key to the account's IAM with every action of "
            "lib/encryption.py ACCOUNT_KEY_ACTIONS",
            "start its policy with lib/encryption.py key_policy()'s account statement",
        )
    for number, statement in enumerate(statements, 1):
        principal = statement.get("Principal")
        services = as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if services and not _limited_to(statement, accounts):
            yield (
                resource,
                f"lets {services} use the key (statement {statement.get('Sid') or number}) "
                "for any account",
                "add a StringEquals aws:SourceAccount condition naming this account, as "
                "lib/encryption.py key_policy() does for every service it names",
            )


def _limited_to(statement: Mapping[str, Any], accounts: set[str]) -> bool:
    """Whether ``statement`` holds only when aws:SourceAccount is one of ``accounts``."""
    for operator, block in (statement.get("Condition") or {}).items():
        if re.fullmatch(r"String(Equals|Like)(IfExists)?", operator):
            for key, values in block.items():
                if key.lower() == "aws:sourceaccount" and accounts >= set(
                    map(str, as_list(values))
                ):
                    return True
    return False


def log_retention(resource: Resource) -> Iterator[Finding]:
    """Every log group expires its events."""
    if resource.type == "aws:cloudwatch/logGroup:LogGroup" and not resource.get("retentionInDays"):
        yield (
            resource,
            "keeps its events forever (no retentionInDays)",
            "declare it with lib/log_group.py encrypted_log_group() and the tier's retention",
        )


ANYWHERE = {"0.0.0.0/0", "::/0"}
WEB_PORTS = (80, 443)


def _open_ingress(resource: Resource) -> Iterator[tuple[Mapping[str, Any], str, tuple[str, ...]]]:
    """Each rule of ``resource`` that admits traffic from anywhere: the rule, its protocol
    property, and the security groups it opens."""
    if resource.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        if {resource.get("cidrIpv4"), resource.get("cidrIpv6")} & ANYWHERE:
            yield resource.props, "ipProtocol", resource.linked("securityGroupId")
    elif resource.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        cidrs = as_list(resource.get("cidrBlocks")) + as_list(resource.get("ipv6CidrBlocks"))
        if resource.get("type") == "ingress" and set(cidrs) & ANYWHERE:
            yield resource.props, "protocol", resource.linked("securityGroupId")
    elif resource.type == "aws:ec2/securityGroup:SecurityGroup":
        for rule in as_list(resource.get("ingress")):
            cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
            if set(cidrs) & ANYWHERE:
                yield rule, "protocol", (resource.key,)


def no_ingress_from_anywhere(resources: Sequence[Resource]) -> Iterator[Finding]:
    """No security group admits traffic from anywhere, except a load balancer's, on TCP 80 or
    443 alone."""
    balanced = {
        group
        for lb in resources
        if lb.type in LOAD_BALANCERS
        for group in lb.linked("securityGroups")
    }
    for resource in resources:
        for rule, protocol_prop, groups in _open_ingress(resource):
            protocol = str(rule.get(protocol_prop))
            ports = (rule.get("fromPort"), rule.get("toPort"))
            web = (
                protocol in ("tcp", "6")
                and ports[0] is not None
                and ports[0] == ports[1]
                and int(ports[0]) in WEB_PORTS
            )
            if web and groups and all(group in balanced for group in groups):
                continue
            where = (
                "to a group no load balancer uses" if web else "beyond a load balancer's 80 or 443"
            )
            yield (
                resource,
                f"admits {_traffic(protocol, ports)} from anywhere, {where}",
                "admit a security group (referenced_security_group_id) instead, or put a load "
                "balancer in front, open on 80 and 443 only",
            )


def _traffic(protocol: str, ports: tuple[Any, Any]) -> str:
    """``tcp 443``, ``tcp 1024-2048``, or ``all traffic`` (protocol -1)."""
    if protocol == "-1":
        return "all traffic"
    if None in ports:
        return protocol
    low, high = (int(port) for port in ports)
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


# The names AWS requires unique beyond one account and region, with what may set them: the
# name itself, or a prefix the provider completes with a unique suffix.
GLOBAL_NAMES = {"aws:s3/bucket:Bucket": ("bucket", "bucketPrefix")}
GLOBAL_NAMES["aws:s3/bucketV2:BucketV2"] = GLOBAL_NAMES["aws:s3/bucket:Bucket"]
ACCOUNT_NAMES = {
    "aws:iam/role:Role": ("name", "namePrefix"),
    "aws:iam/policy:Policy": ("name", "namePrefix"),
    "aws:iam/instanceProfile:InstanceProfile": ("name", "namePrefix"),
    "aws:iam/user:User": ("name", ""),
}


def collision_proof_names(resource: Resource) -> Iterator[Finding]:
    """Names unique across every AWS account (S3) carry the account id and the region; names
    unique across an account's regions (IAM) carry the region's code (lib/naming.py). So
    another account, another region or another stack never takes a name this one needs."""
    scoped = GLOBAL_NAMES.get(resource.type) or ACCOUNT_NAMES.get(resource.type)
    if not scoped or (scoped[1] and resource.get(scoped[1])):
        return  # not such a name, or the provider makes it unique
    name, region = str(resource.get(scoped[0], "")), str(resource.tags.get("Region", ""))
    if resource.type in GLOBAL_NAMES:
        carries, needs = "-[0-9]{12}-" + re.escape(region), "the account id and the region"
    else:
        carries, needs = "(^|-)" + re.escape(_region_code(region)), "the region's code"
    fix = "name it with lib/naming.py Namer.name(), which adds what keeps it apart"
    if not name:
        yield resource, f"has no {scoped[0]}, so nothing keeps it apart", fix
    elif not region or not re.search(carries + "(-|$)", name):
        yield resource, f"is named {name!r}, without {needs} (Region tag {region!r})", fix


def _region_code(region: str) -> str:
    try:
        return region_code(region)
    except ValueError:  # not a region name: no name can carry its code
        return ""


def api_methods_authorized(resource: Resource) -> Iterator[Finding]:
    """Every API method but CORS preflight (which browsers send without credentials) has an
    authorizer. An API meant to be public says so in a waiver."""
    if resource.type != "aws:apigateway/method:Method" or resource.get("httpMethod") == "OPTIONS":
        return
    authorization = str(resource.get("authorization", "NONE")).upper()
    if authorization == "NONE":
        yield (
            resource,
            f"lets anyone call {resource.get('httpMethod')} (authorization NONE)",
            "set authorization AWS_IAM, or COGNITO_USER_POOLS or CUSTOM with an authorizer_id; "
            "if the API is public by design, waive this rule for it in a waivers.toml",
        )
    elif authorization in ("COGNITO_USER_POOLS", "CUSTOM") and not resource.get("authorizerId"):
        yield (
            resource,
            f"uses {authorization} without an authorizer",
            "set authorizer_id to the API's authorizer",
        )


# Services whose ARNs name no account: only a source account keeps another account's resource
# of the same name from invoking the function (Security Hub Lambda.1 fails without it for S3).
ACCOUNTLESS_SOURCES = ("s3.amazonaws.com",)


def lambda_permissions_scoped(resource: Resource) -> Iterator[Finding]:
    """Every permission to invoke a function names who may: a service only for one source ARN
    (and account, where ARNs carry none), never anyone."""
    if resource.type != "aws:lambda/permission:Permission":
        return
    principal = str(resource.get("principal", ""))
    fix = "give the Permission source_arn (the one API, bucket or rule that invokes it)"
    if principal == "*":
        yield resource, "lets anyone invoke the function (principal *)", fix
    elif principal.endswith(".amazonaws.com"):
        if not resource.get("sourceArn"):
            yield resource, f"lets {principal} invoke the function for any resource", fix
        elif principal in ACCOUNTLESS_SOURCES and not resource.get("sourceAccount"):
            yield (
                resource,
                f"lets {principal} invoke the function for a name any account may hold",
                "add source_account=ctx.account_id",
            )


STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
# The execution log levels that log (OFF does not): Security Hub's APIGateway.1 accepts either.
LOGGING_LEVELS = ("ERROR", "INFO")


def _stages(resources: Sequence[Resource]) -> Iterator[Resource]:
    return (resource for resource in resources if resource.type == STAGE)


def _settings_of(stage: Resource, resources: Sequence[Resource]) -> list[Mapping[str, Any]]:
    """The settings of the MethodSettings for every method (``*/*``) of ``stage``: those of its
    API (the same resources behind restApi) and of its stage name."""
    return [
        resource.get("settings") or {}
        for resource in resources
        if resource.type == METHOD_SETTINGS
        and resource.get("methodPath") == "*/*"
        and resource.linked("restApi") == stage.linked("restApi")
        and resource.get("stageName") == stage.get("stageName")
    ]


def api_execution_logging(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every REST API stage writes execution logs, at ERROR or INFO, for every method."""
    for stage in _stages(resources):
        levels = [settings.get("loggingLevel") for settings in _settings_of(stage, resources)]
        if not any(level in LOGGING_LEVELS for level in levels):
            yield (
                stage,
                f"writes no execution logs (logging level {levels[0] if levels else 'unset'})",
                "declare it with lib/lambda_api/api_stage.py ApiStage, whose MethodSettings log "
                "every method at ERROR",
            )


def prod_api_stages_behind_waf(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every prod REST API stage is associated with a WAF web ACL."""
    guarded = behind_web_acl(resources)
    for stage in _stages(resources):
        if stage.in_prod and stage.key not in guarded:
            yield (
                stage,
                "serves prod without a WAF web ACL",
                "set web_acl=True in the prod row of the tier table, so ApiStage associates "
                "a web ACL (lib/web_acl.py WebFirewall) with it",
            )


# API methods whose requests carry a body; ANY also serves GET and HEAD, which carry none.
BODY_METHODS = ("POST", "PUT", "PATCH")


def api_bodies_validated(resource: Resource) -> Iterator[Finding]:
    """Every API method that takes a body has API Gateway validate it against a model before
    the integration runs (lib/lambda_api/api_validation.py)."""
    if resource.type != "aws:apigateway/method:Method":
        return
    if resource.get("httpMethod") not in BODY_METHODS:
        return
    missing = [prop for prop in ("requestValidatorId", "requestModels") if not resource.get(prop)]
    if missing:
        yield (
            resource,
            f"takes a {resource.get('httpMethod')} body API Gateway does not validate "
            f"(no {', '.join(missing)})",
            "pass lib/lambda_api/api_validation.py BodyValidation.method_args() to the method",
        )


def prod_functions_reserve_concurrency(resource: Resource) -> Iterator[Finding]:
    """Prod functions keep concurrent executions of their own, which also cap them: a burst of
    another function cannot starve them, nor they the account. Outside prod the account may not
    allow a reservation (lib/tiers.py), so the rule asks it of prod alone."""
    if resource.type != "aws:lambda/function:Function" or not resource.in_prod:
        return
    reserved = resource.get("reservedConcurrentExecutions", -1)
    if isinstance(reserved, bool) or float(reserved) < 1:
        yield (
            resource,
            f"reserves no concurrency in prod (reservedConcurrentExecutions {reserved})",
            "set reserved_concurrent_executions from the prod row of the tier table "
            "(PythonFunctionArgs.reserved_concurrency)",
        )


ALARMS = {"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"}


def alarms_notify(resource: Resource) -> Iterator[Finding]:
    """Every alarm notifies someone when it fires: it has an alarm action, and its actions are
    on (an alarm nobody hears of is a dashboard colour)."""
    if resource.type not in ALARMS:
        return
    if not as_list(resource.get("alarmActions")):
        yield (
            resource,
            "notifies no one when it fires (no alarmActions)",
            "declare it with lib/alarms.py, which sends every alarm to the stack's alarm topic",
        )
    if resource.get("actionsEnabled") is False:
        yield resource, "has its actions turned off (actionsEnabled false)", "leave them on"


DELETION_PROTECTION = {
    "aws:rds/cluster:Cluster": "deletionProtection",
    "aws:rds/instance:Instance": "deletionProtection",
    "aws:lb/loadBalancer:LoadBalancer": "enableDeletionProtection",
    "aws:alb/loadBalancer:LoadBalancer": "enableDeletionProtection",
    "aws:cognito/userPool:UserPool": "deletionProtection",
}


def _protects(value: Any) -> bool:
    """Whether a deletion-protection value is on: a boolean for most services, ``"ACTIVE"``
    (against ``"INACTIVE"``) for Cognito user pools."""
    return value is True or value == "ACTIVE"


def prod_deletion_protection(resource: Resource) -> Iterator[Finding]:
    """Prod databases, load balancers and user pools refuse deletion (the Environment tag
    says prod)."""
    prop = DELETION_PROTECTION.get(resource.type)
    if prop and resource.in_prod and not _protects(resource.get(prop)):
        on = '"ACTIVE"' if resource.type == "aws:cognito/userPool:UserPool" else "True"
        yield (
            resource,
            f"can be deleted in prod ({prop} is off)",
            f"set {snake(prop)}={on} in prod; only TapStack:allowDestroy, set to destroy the "
            "stack, may turn it off",
        )


# What keeps a resource, or what it holds, after the stack is destroyed: the property and the
# value that does, or a function of the property's value.
RETAINS: dict[str, tuple[tuple[str, Callable[[Any], bool], str], ...]] = {
    "aws:s3/bucket:Bucket": (
        ("forceDestroy", lambda v: v is not True, "cannot be destroyed while it holds objects"),
    ),
    "aws:rds/cluster:Cluster": (
        ("skipFinalSnapshot", lambda v: v is not True, "leaves a final snapshot behind"),
    ),
    "aws:rds/instance:Instance": (
        ("skipFinalSnapshot", lambda v: v is not True, "leaves a final snapshot behind"),
    ),
    "aws:secretsmanager/secret:Secret": (
        (
            "recoveryWindowInDays",
            lambda v: v is None or v != 0,
            "stays recoverable, its name taken, for days after the destroy",
        ),
    ),
    "aws:ecr/repository:Repository": (
        ("forceDelete", lambda v: v is not True, "cannot be destroyed while it holds images"),
    ),
}
RETAINS["aws:s3/bucketV2:BucketV2"] = RETAINS["aws:s3/bucket:Bucket"]
# Properties that keep any resource that has them.
KEEPS = (
    ("skipDestroy", "is left in AWS when the stack is destroyed"),
    ("deletionProtection", "refuses deletion"),
    ("enableDeletionProtection", "refuses deletion"),
)


def nothing_retained_outside_prod(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Outside prod, destroying the stack removes everything it made: nothing is protected,
    kept, or left behind (a snapshot, a recoverable secret). The stack's tier is the one its
    Environment tags name."""
    environments = {r.tags.get("Environment") for r in resources} - {None, ""}
    if environments and all(is_prod(environment) for environment in environments):
        return
    fix = "turn it off outside prod: take it from the tier table, whose prod row alone keeps it"
    for resource in resources:
        if resource.protect:
            yield resource, "is protected (protect=True), so a destroy stops at it", fix
        if resource.retain_on_delete:
            yield resource, "is left in AWS when the stack is destroyed (retain_on_delete)", fix
        for prop, problem in KEEPS:
            if _protects(resource.get(prop)):
                yield resource, f"{problem} ({prop})", fix
        for prop, retains, problem in RETAINS.get(resource.type, ()):
            if retains(resource.get(prop)):
                yield resource, f"{problem} ({prop} is {resource.get(prop)!r})", fix


RULES: tuple[Rule, ...] = (
    Rule(
        "standard-tags",
        "Every taggable resource carries the tags Environment, Project, Owner, ManagedBy, Region",
        standard_tags,
    ),
    Rule(
        "no-wildcard-actions",
        "No policy allows actions by wildcard or by NotAction",
        no_wildcard_actions,
    ),
    Rule(
        "no-data-access-on-every-resource",
        'No identity policy allows a data-plane action on Resource "*"',
        no_data_access_on_every_resource,
    ),
    Rule(
        "customer-managed-keys",
        "Logs, topics, queues, streams, secrets, databases and Lambda environments use a "
        "customer-managed key",
        customer_managed_keys,
    ),
    Rule(
        "s3-customer-managed-keys",
        "Every bucket encrypts by default with a customer-managed key",
        s3_customer_managed_keys,
        stack=True,
    ),
    Rule(
        "key-policies-delegate-and-scope",
        "Key policies delegate to the account's IAM and limit every service statement to this "
        "account (aws:SourceAccount)",
        key_policies_delegate_and_scope,
    ),
    Rule("log-retention", "Every log group expires its events", log_retention),
    Rule(
        "s3-public-access-blocked",
        "Every bucket blocks all four kinds of public access",
        s3_public_access_blocked,
        stack=True,
    ),
    Rule(
        "s3-tls-only",
        "Every bucket's policy refuses requests without TLS",
        s3_tls_only,
        stack=True,
    ),
    Rule("s3-versioning", "Every bucket has versioning enabled", s3_versioning, stack=True),
    Rule(
        "no-ingress-from-anywhere",
        "No security group admits traffic from anywhere, except a load balancer's on 80 or 443",
        no_ingress_from_anywhere,
        stack=True,
    ),
    Rule(
        "collision-proof-names",
        "S3 names carry the account id and region, IAM names the region's code",
        collision_proof_names,
    ),
    Rule(
        "api-methods-authorized",
        "Every API method but CORS preflight has an authorizer",
        api_methods_authorized,
    ),
    Rule(
        "lambda-permissions-scoped",
        "Every permission to invoke a function names the one source that may",
        lambda_permissions_scoped,
    ),
    Rule(
        "api-execution-logging",
        "Every REST API stage writes execution logs for every method",
        api_execution_logging,
        stack=True,
    ),
    Rule(
        "prod-api-stages-behind-waf",
        "Every prod REST API stage is associated with a WAF web ACL",
        prod_api_stages_behind_waf,
        stack=True,
    ),
    Rule(
        "api-bodies-validated",
        "Every API method that takes a body validates it against a model",
        api_bodies_validated,
    ),
    Rule(
        "prod-functions-reserve-concurrency",
        "Prod Lambda functions reserve concurrency of their own",
        prod_functions_reserve_concurrency,
    ),
    Rule(
        "alarms-notify",
        "Every alarm has an alarm action, and its actions are on",
        alarms_notify,
    ),
    Rule(
        "prod-deletion-protection",
        "Prod databases, load balancers and user pools have deletion protection",
        prod_deletion_protection,
    ),
    Rule(
        "nothing-retained-outside-prod",
        "Outside prod, a destroy removes everything: nothing protected, kept or left behind",
        nothing_retained_outside_prod,
        stack=True,
    ),
    Rule(
        "vpc-default-security-group-closed",
        "Every VPC's default security group is adopted with no rules",
        vpc_default_security_group_closed,
        stack=True,
    ),
    Rule(
        "load-balancer-tls",
        "HTTPS listeners use a TLS 1.3 policy (TLS 1.2 at least); a load balancer with one "
        "redirects HTTP to it",
        load_balancer_tls,
        stack=True,
    ),
    Rule(
        "load-balancer-rejects-malformed-requests",
        "Application load balancers drop invalid header fields and mitigate desync defensively",
        load_balancer_rejects_malformed_requests,
    ),
    Rule(
        "prod-load-balancer-waf",
        "Internet-facing application load balancers in prod are behind an AWS WAF web ACL",
        prod_load_balancer_waf,
        stack=True,
    ),
    Rule(
        "prod-database-monitoring",
        "Prod database instances have Enhanced Monitoring",
        prod_database_monitoring,
    ),
)
RULE_NAMES = tuple(rule.name for rule in RULES)
