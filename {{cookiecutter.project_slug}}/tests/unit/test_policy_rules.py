"""Each rule of the policy pack against resources that break it and resources that keep it: every
rule is shown able to fail, and each violation names the resource, the rule and the fix."""

import json

import pytest

from lib.encryption import ACCOUNT_KEY_ACTIONS
from lib.tagging import REQUIRED_TAG_KEYS
from policy.model import Resource
from policy.rules import RULES

RULE = {rule.name: rule for rule in RULES}
ACCOUNT = "123456789012"
REGION = "eu-west-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c"
BUCKET_NAME = f"shop-data-{ACCOUNT}-{REGION}-dev"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-alarms-dev"

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
CLUSTER = "aws:rds/cluster:Cluster"
USER_POOL = "aws:cognito/userPool:UserPool"
FUNCTION = "aws:lambda/function:Function"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
KEY = "aws:kms/key:Key"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METHOD = "aws:apigateway/method:Method"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
PERMISSION = "aws:lambda/permission:Permission"
INVOKE = "lambda:InvokeFunction"
API_GATEWAY = "apigateway.amazonaws.com"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
STAGE = "aws:apigateway/stage:Stage"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


def declared(type_token, logical="thing", *, env="dev", tags=True, links=None, **props):
    """A resource as the program would declare it, with the standard tags unless ``tags`` is
    False (or a mapping of its own)."""
    if tags is True:
        tags = {key: "x" for key in REQUIRED_TAG_KEYS} | {"Environment": env, "Region": REGION}
    if tags:
        props["tags"] = tags
    protect = props.pop("protect", False)
    retain = props.pop("retain_on_delete", False)
    return Resource(
        type_token, logical, props, protect=protect, retain_on_delete=retain, links=links or {}
    )


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources=(f"arn:aws:s3:::{BUCKET_NAME}/*",), **more):
    return {"Effect": "Allow", "Action": list(actions), "Resource": list(resources), **more}


def deny_plain_http(bucket_name=BUCKET_NAME, objects_only=False):
    arn = f"arn:aws:s3:::{bucket_name}"
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*"],
        "Resource": [f"{arn}/*"] if objects_only else [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket(*, omit=(), algorithm="aws:kms", block=True, versioning="Enabled", env="dev", **more):
    """A bucket and the resources that configure it, as lib/private_bucket.py declares them;
    ``omit`` leaves some of them out."""
    data = declared(BUCKET, "data-bucket", env=env, bucket=BUCKET_NAME, forceDestroy=True)
    data = Resource(data.type, data.name, {**data.props, **more})
    names = {"bucket": (data.key,)}
    parts = {
        "encryption": declared(
            BUCKET_ENCRYPTION,
            "data-encryption",
            tags=False,
            links=names,
            rules=[
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": algorithm,
                        "kmsMasterKeyId": KEY_ARN if algorithm != "AES256" else None,
                    }
                }
            ],
        ),
        "block": declared(
            PUBLIC_ACCESS_BLOCK,
            "data-block",
            tags=False,
            links=names,
            blockPublicAcls=True,
            blockPublicPolicy=True,
            ignorePublicAcls=True,
            restrictPublicBuckets=block,
        ),
        "policy": declared(
            BUCKET_POLICY,
            "data-policy",
            tags=False,
            links=names,
            policy=document(deny_plain_http()),
        ),
        "versioning": declared(
            VERSIONING,
            "data-versioning",
            tags=False,
            links=names,
            versioningConfiguration={"status": versioning},
        ),
    }
    return [data, *(resource for part, resource in parts.items() if part not in omit)]


def key_policy(*service_statements, actions=ACCOUNT_KEY_ACTIONS):
    delegation = allow(actions, ["*"], Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    return document(delegation, *service_statements)


def logs_statement(condition):
    return allow(
        ["kms:Decrypt", "kms:Encrypt"],
        ["*"],
        Sid="LogsEncryptsLogGroups",
        Principal={"Service": f"logs.{REGION}.amazonaws.com"},
        **({"Condition": condition} if condition else {}),
    )


REST_API_KEY = "aws:apigateway/restApi:RestApi::api"
STAGE_RESOURCE = declared(STAGE, "api-stage", stageName="dev", links={"restApi": (REST_API_KEY,)})
PROD_STAGE = declared(
    STAGE, "prod-api-stage", env="prod", stageName="prod", links={"restApi": (REST_API_KEY,)}
)


def method_settings(level, stage_name="dev"):
    return declared(
        METHOD_SETTINGS,
        "api-method-settings",
        tags=False,
        links={"restApi": (REST_API_KEY,)},
        stageName=stage_name,
        methodPath="*/*",
        settings={"loggingLevel": level, "metricsEnabled": True},
    )


ALB_GROUP = declared(SECURITY_GROUP, "alb-sg", tags=True)
ALB = declared(LOAD_BALANCER, "alb", links={"securityGroups": (ALB_GROUP.key,)}, env="prod")


def open_ingress(port, group=ALB_GROUP, protocol="tcp", cidr="0.0.0.0/0"):
    return declared(
        INGRESS,
        f"from-anywhere-{port}",
        links={"securityGroupId": (group.key,)},
        cidrIpv4=cidr,
        ipProtocol=protocol,
        fromPort=float(port),
        toPort=float(port),
    )


# (rule, resources, what a violation says; None when they keep the rule)
CASES = [
    ("standard-tags", [declared(KEY, tags={"Project": "shop"})], "lacks the tags Environment"),
    ("standard-tags", [declared(KEY, policy=key_policy())], None),
    ("standard-tags", [declared("aws:kms/alias:Alias", tags=False)], None),
    (
        "no-wildcard-actions",
        [declared(ROLE_POLICY, tags=False, policy=document(allow(["s3:Get*"])))],
        "allows the wildcard actions ['s3:Get*']",
    ),
    (
        "no-wildcard-actions",
        [
            declared(
                ROLE_POLICY,
                tags=False,
                policy=document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            )
        ],
        "allows every action but iam:*",
    ),
    (
        "no-wildcard-actions",
        [declared(ROLE, inlinePolicies=[{"name": "inline", "policy": document(allow(["*"]))}])],
        "inlinePolicies[0] statement 1 allows the wildcard actions ['*']",
    ),
    (
        "no-wildcard-actions",
        [declared("aws:lambda/permission:Permission", tags=False, action="lambda:*")],
        "allows lambda:*",
    ),
    (
        "no-wildcard-actions",
        [
            declared(ROLE_POLICY, tags=False, policy=document(allow(["s3:GetObject"]))),
            declared(BUCKET_POLICY, tags=False, policy=document(deny_plain_http())),
        ],
        None,
    ),
    (
        "no-data-access-on-every-resource",
        [declared(ROLE_POLICY, tags=False, policy=document(allow(["s3:GetObject"], ["*"])))],
        "allows ['s3:GetObject'] on every resource",
    ),
    (
        "no-data-access-on-every-resource",
        [
            declared(
                ROLE,
                inlinePolicies=[
                    {
                        "policy": document(
                            {
                                "Effect": "Allow",
                                "Action": ["sqs:SendMessage"],
                                "NotResource": ["arn:aws:sqs:*:*:x"],
                            }
                        )
                    }
                ],
            )
        ],
        "allows ['sqs:SendMessage'] on every resource",
    ),
    (
        "no-data-access-on-every-resource",
        [
            declared(
                ROLE_POLICY,
                tags=False,
                policy=document(allow(["xray:PutTraceSegments"], ["*"]), allow(["s3:PutObject"])),
            ),
            declared(KEY, policy=key_policy()),  # "*" in a key policy is the key itself
        ],
        None,
    ),
    (
        "customer-managed-keys",
        [declared(LOG_GROUP, "logs", retentionInDays=30)],
        "has no customer-managed key (kmsKeyId)",
    ),
    (
        "customer-managed-keys",
        [declared("aws:sns/topic:Topic", "alarms", kmsMasterKeyId="alias/aws/sns")],
        "uses the AWS managed key alias/aws/sns",
    ),
    (
        "customer-managed-keys",
        [declared(FUNCTION, "api", environment={"variables": {"LOG_LEVEL": "INFO"}})],
        "has no customer-managed key (kmsKeyArn)",
    ),
    (
        "customer-managed-keys",
        [declared("aws:kinesis/stream:Stream", "events", encryptionType="NONE", kmsKeyId=KEY_ARN)],
        "is not encrypted (encryptionType is 'NONE')",
    ),
    (
        "customer-managed-keys",
        [
            declared(
                CLUSTER,
                "db",
                storageEncrypted=True,
                kmsKeyId=KEY_ARN,
                manageMasterUserPassword=True,
            )
        ],
        "has no customer-managed key (masterUserSecretKmsKeyId)",
    ),
    (
        "customer-managed-keys",
        [
            declared(LOG_GROUP, "logs", kmsKeyId=KEY_ARN),
            declared("aws:sqs/queue:Queue", "dlq", kmsMasterKeyId=KEY_ARN),
            declared(SECRET, "secret", kmsKeyId=KEY_ARN),
            declared(FUNCTION, "api", environment={"variables": {"A": "b"}}, kmsKeyArn=KEY_ARN),
            declared(FUNCTION, "bare"),  # no environment to encrypt
            declared(
                CLUSTER,
                "db",
                storageEncrypted=True,
                kmsKeyId=KEY_ARN,
                manageMasterUserPassword=True,
                masterUserSecretKmsKeyId=KEY_ARN,
            ),
        ],
        None,
    ),
    (
        "s3-customer-managed-keys",
        bucket(algorithm="AES256"),
        "encrypts with ['AES256'], not a customer-managed key",
    ),
    (
        "s3-customer-managed-keys",
        bucket(omit=["encryption"]),
        "has no default encryption configuration",
    ),
    ("s3-customer-managed-keys", bucket(), None),
    ("s3-public-access-blocked", bucket(omit=["block"]), "has no public access block"),
    ("s3-public-access-blocked", bucket(block=False), "restrictPublicBuckets off"),
    (
        "s3-public-access-blocked",
        # A block on another bucket protects nothing here.
        [bucket()[0], Resource(PUBLIC_ACCESS_BLOCK, "other", bucket()[2].props)],
        "has no public access block",
    ),
    ("s3-public-access-blocked", bucket(), None),
    ("s3-tls-only", bucket(omit=["policy"]), "has no policy that refuses requests without TLS"),
    (
        "s3-tls-only",
        [
            *bucket(omit=["policy"]),
            declared(
                BUCKET_POLICY,
                "objects-only",
                tags=False,
                links={"bucket": (bucket()[0].key,)},
                policy=document(deny_plain_http(objects_only=True)),
            ),
        ],
        "has no policy that refuses requests without TLS",
    ),
    ("s3-tls-only", bucket(), None),
    ("s3-versioning", bucket(omit=["versioning"]), "does not keep earlier versions"),
    ("s3-versioning", bucket(versioning="Suspended"), "does not keep earlier versions"),
    ("s3-versioning", bucket(), None),
    ("key-policies-delegate-and-scope", [declared(KEY)], "has no key policy"),
    (
        "key-policies-delegate-and-scope",
        [declared(KEY, policy=key_policy(actions=set(ACCOUNT_KEY_ACTIONS) - {"kms:PutKeyPolicy"}))],
        "does not delegate the key to the account's IAM",
    ),
    (
        "key-policies-delegate-and-scope",
        [declared(KEY, policy=key_policy(logs_statement(None)))],
        "lets ['logs.eu-west-1.amazonaws.com'] use the key (statement LogsEncryptsLogGroups) "
        "for any account",
    ),
    (
        "key-policies-delegate-and-scope",
        [
            declared(
                KEY,
                policy=key_policy(
                    logs_statement({"StringEquals": {"aws:SourceAccount": "210987654321"}})
                ),
            )
        ],
        "for any account",
    ),
    (
        "key-policies-delegate-and-scope",
        [
            declared(
                KEY,
                policy=key_policy(
                    logs_statement({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}})
                ),
            )
        ],
        None,
    ),
    ("log-retention", [declared(LOG_GROUP, "logs", kmsKeyId=KEY_ARN)], "keeps its events forever"),
    ("log-retention", [declared(LOG_GROUP, "logs", retentionInDays=0)], "keeps its events forever"),
    ("log-retention", [declared(LOG_GROUP, "logs", retentionInDays=14)], None),
    ("no-ingress-from-anywhere", [ALB_GROUP, ALB, open_ingress(80), open_ingress(443)], None),
    (
        "no-ingress-from-anywhere",
        [ALB_GROUP, open_ingress(443)],
        "admits tcp 443 from anywhere, to a group no load balancer uses",
    ),
    (
        "no-ingress-from-anywhere",
        [ALB_GROUP, ALB, open_ingress(22)],
        "admits tcp 22 from anywhere, beyond a load balancer's 80 or 443",
    ),
    (
        "no-ingress-from-anywhere",
        [
            declared(
                SECURITY_GROUP,
                "open",
                ingress=[
                    {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
                ],
            )
        ],
        "admits all traffic from anywhere",
    ),
    (
        "no-ingress-from-anywhere",
        [
            ALB_GROUP,
            declared(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "db-from-anywhere",
                tags=False,
                links={"securityGroupId": (ALB_GROUP.key,)},
                type="ingress",
                protocol="tcp",
                fromPort=5432,
                toPort=5432,
                ipv6CidrBlocks=["::/0"],
            ),
        ],
        "admits tcp 5432 from anywhere",
    ),
    (
        "no-ingress-from-anywhere",
        [
            ALB_GROUP,
            declared(
                INGRESS,
                "from-the-alb",
                links={"securityGroupId": (ALB_GROUP.key,)},
                referencedSecurityGroupId="sg-0123",
                ipProtocol="tcp",
                fromPort=8080.0,
                toPort=8080.0,
            ),
        ],
        None,
    ),
    (
        "collision-proof-names",
        [declared(BUCKET, bucket="shop-data-dev")],
        "is named 'shop-data-dev', without the account id and the region",
    ),
    ("collision-proof-names", [declared(BUCKET, bucket=BUCKET_NAME)], None),
    ("collision-proof-names", [declared(BUCKET, bucketPrefix="shop-data-")], None),
    (
        "collision-proof-names",
        [declared(ROLE, name="shop-api-dev")],
        "is named 'shop-api-dev', without the region's code",
    ),
    ("collision-proof-names", [declared(ROLE)], "has no name, so nothing keeps it apart"),
    ("collision-proof-names", [declared(ROLE, name="shop-api-euw1-dev")], None),
    (
        "api-methods-authorized",
        [declared(METHOD, "items-post", tags=False, httpMethod="POST", authorization="NONE")],
        "lets anyone call POST (authorization NONE)",
    ),
    (
        "api-methods-authorized",
        [
            declared(
                METHOD,
                "items-get",
                tags=False,
                httpMethod="GET",
                authorization="COGNITO_USER_POOLS",
            )
        ],
        "uses COGNITO_USER_POOLS without an authorizer",
    ),
    (
        "api-methods-authorized",
        [
            declared(METHOD, "preflight", tags=False, httpMethod="OPTIONS", authorization="NONE"),
            declared(METHOD, "items-post", tags=False, httpMethod="POST", authorization="AWS_IAM"),
        ],
        None,
    ),
    (
        "lambda-permissions-scoped",
        [declared(PERMISSION, "invoke", tags=False, principal="*", action=INVOKE)],
        "lets anyone invoke the function (principal *)",
    ),
    (
        "lambda-permissions-scoped",
        [declared(PERMISSION, "invoke", tags=False, principal=API_GATEWAY, action=INVOKE)],
        "lets apigateway.amazonaws.com invoke the function for any resource",
    ),
    (
        "lambda-permissions-scoped",
        [
            declared(
                PERMISSION,
                "invoke",
                tags=False,
                principal="s3.amazonaws.com",
                action=INVOKE,
                sourceArn=f"arn:aws:s3:::{BUCKET_NAME}",
            )
        ],
        "lets s3.amazonaws.com invoke the function for a name any account may hold",
    ),
    (
        "lambda-permissions-scoped",
        [
            declared(
                PERMISSION,
                "api-invoke",
                tags=False,
                principal=API_GATEWAY,
                action=INVOKE,
                sourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/*",
            ),
            declared(
                PERMISSION,
                "bucket-invoke",
                tags=False,
                principal="s3.amazonaws.com",
                action=INVOKE,
                sourceArn=f"arn:aws:s3:::{BUCKET_NAME}",
                sourceAccount=ACCOUNT,
            ),
        ],
        None,
    ),
    (
        "api-execution-logging",
        [STAGE_RESOURCE],
        "writes no execution logs (logging level unset)",
    ),
    (
        "api-execution-logging",
        [STAGE_RESOURCE, method_settings("OFF")],
        "writes no execution logs (logging level OFF)",
    ),
    (
        "api-execution-logging",
        # Settings of another stage of the API log nothing of this one.
        [STAGE_RESOURCE, method_settings("ERROR", stage_name="staging")],
        "writes no execution logs (logging level unset)",
    ),
    (
        "api-execution-logging",
        [STAGE_RESOURCE, method_settings("ERROR")],
        None,
    ),
    (
        "api-execution-logging",
        [STAGE_RESOURCE, method_settings("INFO")],
        None,
    ),
    (
        "prod-api-stages-behind-waf",
        [PROD_STAGE],
        "serves prod without a WAF web ACL",
    ),
    (
        "prod-api-stages-behind-waf",
        [PROD_STAGE, declared(WEB_ACL_ASSOCIATION, "acl-association", tags=False)],
        "serves prod without a WAF web ACL",
    ),
    (
        "prod-api-stages-behind-waf",
        [
            PROD_STAGE,
            declared(
                WEB_ACL_ASSOCIATION,
                "acl-association",
                tags=False,
                links={"resourceArn": (PROD_STAGE.key,)},
            ),
            STAGE_RESOURCE,  # dev: no web ACL needed
        ],
        None,
    ),
    (
        "api-bodies-validated",
        [declared(METHOD, "items-post", tags=False, httpMethod="POST", authorization="AWS_IAM")],
        "takes a POST body API Gateway does not validate (no requestValidatorId, requestModels)",
    ),
    (
        "api-bodies-validated",
        [declared(METHOD, "items-put", tags=False, httpMethod="PUT", requestValidatorId="v1")],
        "takes a PUT body API Gateway does not validate (no requestModels)",
    ),
    (
        "api-bodies-validated",
        [
            declared(
                METHOD,
                "items-post",
                tags=False,
                httpMethod="POST",
                requestValidatorId="v1",
                requestModels={"application/json": "JsonObject"},
            ),
            declared(METHOD, "proxy-any", tags=False, httpMethod="ANY"),
            declared(METHOD, "health-get", tags=False, httpMethod="GET"),
        ],
        None,
    ),
    (
        "prod-functions-reserve-concurrency",
        [declared(FUNCTION, "api", env="prod")],
        "reserves no concurrency in prod (reservedConcurrentExecutions -1)",
    ),
    (
        "prod-functions-reserve-concurrency",
        [declared(FUNCTION, "api", env="prod", reservedConcurrentExecutions=0)],
        "reserves no concurrency in prod (reservedConcurrentExecutions 0)",
    ),
    (
        "prod-functions-reserve-concurrency",
        [
            declared(FUNCTION, "api", env="prod", reservedConcurrentExecutions=100),
            declared(FUNCTION, "pr-api", env="pr42"),
            declared(FUNCTION, "dev-api", env="dev", reservedConcurrentExecutions=-1),
        ],
        None,
    ),
    (
        "alarms-notify",
        [declared(ALARM, "errors", alarmActions=[])],
        "notifies no one when it fires (no alarmActions)",
    ),
    (
        "alarms-notify",
        [declared(ALARM, "errors", alarmActions=[TOPIC_ARN], actionsEnabled=False)],
        "has its actions turned off (actionsEnabled false)",
    ),
    (
        "alarms-notify",
        [
            declared(ALARM, "errors", alarmActions=[TOPIC_ARN]),
            declared(ALARM, "latency", alarmActions=[TOPIC_ARN], actionsEnabled=True),
        ],
        None,
    ),
    (
        "prod-deletion-protection",
        [declared(CLUSTER, "db", env="prod", deletionProtection=False)],
        "can be deleted in prod (deletionProtection is off)",
    ),
    (
        "prod-deletion-protection",
        [declared(LOAD_BALANCER, "alb", env="prod")],
        "can be deleted in prod (enableDeletionProtection is off)",
    ),
    (
        "prod-deletion-protection",
        [declared(USER_POOL, "users", env="prod", deletionProtection="INACTIVE")],
        # A user pool is protected by "ACTIVE", not True (Cognito's DeletionProtection).
        "can be deleted in prod (deletionProtection is off) (rule prod-deletion-protection). "
        'Fix: set deletion_protection="ACTIVE" in prod',
    ),
    (
        "prod-deletion-protection",
        [
            declared(USER_POOL, "users", env="prod", deletionProtection="ACTIVE"),
            declared(CLUSTER, "db", env="prod", deletionProtection=True),
            declared(LOAD_BALANCER, "alb", env="prod", enableDeletionProtection=True),
            declared(CLUSTER, "pr-db", env="pr42", deletionProtection=False),
        ],
        None,
    ),
    (
        "nothing-retained-outside-prod",
        bucket(forceDestroy=False),
        "cannot be destroyed while it holds objects (forceDestroy is False)",
    ),
    (
        "nothing-retained-outside-prod",
        # Cognito says ACTIVE or INACTIVE where other services say true or false.
        [declared(USER_POOL, "users", env="pr42", deletionProtection="ACTIVE")],
        "refuses deletion (deletionProtection)",
    ),
    (
        "nothing-retained-outside-prod",
        [declared(KEY, "key", protect=True)],
        "is protected (protect=True)",
    ),
    (
        "nothing-retained-outside-prod",
        [declared(KEY, "key", retain_on_delete=True)],
        "is left in AWS when the stack is destroyed (retain_on_delete)",
    ),
    (
        "nothing-retained-outside-prod",
        [declared(LOG_GROUP, "logs", skipDestroy=True)],
        "is left in AWS when the stack is destroyed (skipDestroy)",
    ),
    (
        "nothing-retained-outside-prod",
        [declared(SECRET, "secret", env="staging")],
        "stays recoverable, its name taken, for days after the destroy",
    ),
    (
        "nothing-retained-outside-prod",
        [declared(CLUSTER, "db", skipFinalSnapshot=False)],
        "leaves a final snapshot behind",
    ),
    (
        "nothing-retained-outside-prod",
        [
            *bucket(),
            declared(SECRET, "secret", recoveryWindowInDays=0),
            declared(CLUSTER, "db", skipFinalSnapshot=True, deletionProtection=False),
        ],
        None,
    ),
    (
        "nothing-retained-outside-prod",
        [
            *bucket(forceDestroy=False, env="prod"),
            declared(CLUSTER, "db", env="prod", deletionProtection=True, skipFinalSnapshot=False),
            declared(KEY, "key", env="prod", protect=True),
        ],
        None,
    ),
]


def found(rule, resources):
    if rule.stack:
        return rule.check(resources)
    return [violation for resource in resources for violation in rule.check(resource)]


def wrong_with(rule, resources, expected):
    """What is wrong with how ``rule`` judges one case (nothing when it judges it right)."""
    case = f"{rule.name} on {[resource.name for resource in resources]}"
    violations = found(rule, resources)
    messages = [violation.message for violation in violations]
    if expected is None:
        return [f"{case} should pass: {messages}"] if messages else []
    if not any(expected in message for message in messages):
        return [f"{case} should say {expected!r}: {messages}"]
    return [
        f"{case}: {violation.message!r} should name the resource, the rule and the fix"
        for violation in violations
        if not (
            violation.rule == rule.name
            and violation.message.startswith(
                f"{violation.resource.type} {violation.resource.name!r} "
            )
            and f"(rule {rule.name}). Fix: " in violation.message
            and violation.message.split("Fix: ", 1)[1]
        )
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_rule_finds_what_breaks_it_and_only_that(rule):
    cases = [(resources, expected) for name, resources, expected in CASES if name == rule.name]
    assert {expected is None for _, expected in cases} == {True, False}, (
        f"{rule.name} needs a case that breaks it and one that keeps it"
    )
    wrong = [problem for case in cases for problem in wrong_with(rule, *case)]
    assert not wrong, "\n".join(wrong)


# The rules of a network, its load balancer and its database (the end of RULES).
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
LISTENER = "aws:lb/listener:Listener"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
DB_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
NETWORK = declared(VPC, "vpc", cidrBlock="10.1.0.0/16")
BALANCER = declared(LOAD_BALANCER, "web-alb", env="prod", loadBalancerType="application")
ON_BALANCER = {"loadBalancerArn": (BALANCER.key,)}
HTTPS = declared(
    LISTENER,
    "https",
    links=ON_BALANCER,
    protocol="HTTPS",
    port=443,
    sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
)
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443"}}
FORWARD = {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:tg"}


def http_listener(action):
    return declared(
        LISTENER, "http", links=ON_BALANCER, protocol="HTTP", port=80, defaultActions=[action]
    )


CASES += [
    (
        "vpc-default-security-group-closed",
        [NETWORK],
        "leaves its default security group with AWS's allow rules",
    ),
    (
        "vpc-default-security-group-closed",
        [
            NETWORK,
            declared(
                DEFAULT_GROUP,
                "default-sg",
                links={"vpcId": (NETWORK.key,)},
                ingress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}],
                egress=[],
            ),
        ],
        "keeps ingress rules in the VPC's default group",
    ),
    (
        "vpc-default-security-group-closed",
        [
            NETWORK,
            declared(
                DEFAULT_GROUP, "default-sg", links={"vpcId": (NETWORK.key,)}, ingress=[], egress=[]
            ),
        ],
        None,
    ),
    (
        "load-balancer-tls",
        [BALANCER, declared(LISTENER, "https", links=ON_BALANCER, protocol="HTTPS", port=443)],
        "negotiates TLS older than 1.2 (sslPolicy the default, 2016-08)",
    ),
    (
        "load-balancer-tls",
        [
            BALANCER,
            declared(
                LISTENER,
                "https",
                links=ON_BALANCER,
                protocol="HTTPS",
                sslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01",
            ),
        ],
        "negotiates TLS older than 1.2 (sslPolicy ELBSecurityPolicy-TLS-1-1-2017-01)",
    ),
    (
        "load-balancer-tls",
        [BALANCER, HTTPS, http_listener(FORWARD)],
        "serves plain HTTP on a load balancer that has an HTTPS listener",
    ),
    # Without a certificate there is no HTTPS to redirect to (the README's controls say so).
    ("load-balancer-tls", [BALANCER, http_listener(FORWARD)], None),
    ("load-balancer-tls", [BALANCER, HTTPS, http_listener(REDIRECT)], None),
    (
        "load-balancer-rejects-malformed-requests",
        [declared(LOAD_BALANCER, "web-alb", loadBalancerType="application")],
        "passes invalid HTTP header fields on to its targets",
    ),
    (
        "load-balancer-rejects-malformed-requests",
        [
            declared(
                LOAD_BALANCER,
                "web-alb",
                dropInvalidHeaderFields=True,
                desyncMitigationMode="monitor",
            )
        ],
        "forwards requests that can desynchronise it (desyncMitigationMode monitor)",
    ),
    (
        "load-balancer-rejects-malformed-requests",
        [
            declared(
                LOAD_BALANCER,
                "web-alb",
                dropInvalidHeaderFields=True,
                desyncMitigationMode="defensive",
            ),
            # A network load balancer reads no HTTP headers.
            declared(LOAD_BALANCER, "nlb", loadBalancerType="network"),
        ],
        None,
    ),
    ("prod-load-balancer-waf", [BALANCER], "faces the internet in prod with no web ACL"),
    (
        "prod-load-balancer-waf",
        [
            BALANCER,
            declared(
                WEB_ACL_ASSOCIATION,
                "waf-alb",
                tags=False,
                links={"resourceArn": (BALANCER.key,)},
            ),
            declared(LOAD_BALANCER, "dev-alb", env="dev"),
            declared(LOAD_BALANCER, "internal-alb", env="prod", internal=True),
        ],
        None,
    ),
    (
        "prod-database-monitoring",
        [declared(DB_INSTANCE, "db-1", env="prod", monitoringInterval=0)],
        "runs in prod without Enhanced Monitoring",
    ),
    (
        "prod-database-monitoring",
        [
            declared(
                DB_INSTANCE,
                "db-1",
                env="prod",
                monitoringInterval=60,
                monitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/shop-rds-monitoring-euw1-prod",
            ),
            declared(DB_INSTANCE, "pr-db-1", env="pr42", monitoringInterval=0),
        ],
        None,
    ),
]
