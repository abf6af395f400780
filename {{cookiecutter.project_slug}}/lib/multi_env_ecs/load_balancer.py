"""The public entry point: an Application Load Balancer, its access-log bucket, target group and
listeners."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import lb, s3

from lib.context import StackContext
from lib.iam import deny_insecure_transport, policy_document, statement
from lib.multi_env_ecs.tiers import ServiceTier
from lib.private_bucket import private_bucket
from lib.web_acl import ManagedRuleGroup

ACCESS_LOG_PREFIX = "alb"
# Regions opened since August 2022 deliver load balancer logs as this service principal...
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
# ...older regions as the regional Elastic Load Balancing account.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
# TLS 1.3 and 1.2 only: the policy Elastic Load Balancing recommends (Security Hub ELB.17).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
DESYNC_MITIGATION_MODE = "defensive"
HEALTHY_RESPONSE = "200"
LOAD_BALANCER_TYPE = "application"
INTERNAL = False  # internet-facing
TARGET_PROTOCOL = "HTTP"
TARGET_TYPE = "ip"  # Fargate tasks register by their address
# The AWS managed rule groups of the web ACL in front of the ALB in prod (lib/web_acl.py), in
# the order WAF evaluates them, with the capacity each uses ("AWS Managed Rules rule groups
# list", AWS WAF Developer Guide). The IP reputation list goes first, so that requests from
# known bad sources never reach the costlier rules. Each keeps its own verdicts.
WEB_ACL_RULE_GROUPS = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList", 25),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", 700),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet", 200),
    # The service keeps its data in PostgreSQL.
    ManagedRuleGroup("AWSManagedRulesSQLiRuleSet", 200),
)
DEREGISTRATION_DELAY_SECONDS = 30


class AccessLogBucket(pulumi.ComponentResource):
    """A private, versioned bucket the load balancer writes its access logs to, emptied by a
    lifecycle rule.

    Load balancers write access logs only to buckets under S3-managed keys (SSE-S3), so this is
    the one store of the stack that is not under a customer-managed key. Nothing in Elastic
    Load Balancing's bucket requirements (same region, SSE-S3, a policy that lets it write)
    rules out versioning, so a log that is overwritten or deleted stays recoverable for the
    tier's ``access_log_noncurrent_days``.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: ServiceTier,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:storage:AccessLogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Outside prod the logs go with the stack; in prod the bucket must be emptied first.
        private = private_bucket(
            name,
            ctx,
            purpose="alb-logs",
            force_destroy=tier.empty_buckets_on_destroy,
            opts=child,
        )
        self.bucket = private.bucket
        self.public_access_block = private.public_access_block
        self.ownership = private.ownership
        self.encryption = s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        self.versioning = s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        # On a versioned bucket, expiring a log leaves it as a noncurrent version behind a
        # delete marker; the noncurrent version goes after the tier's days, and S3 removes the
        # marker left alone once it is as old as the expiration's days (S3 User Guide,
        # "Expiring objects" and "Lifecycle configuration elements").
        self.lifecycle = s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": f"{ACCESS_LOG_PREFIX}/"},
                    "expiration": {"days": tier.access_log_retention_days},
                    "noncurrent_version_expiration": {
                        "noncurrent_days": tier.access_log_noncurrent_days
                    },
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            # Lifecycle rules on a versioned bucket need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        self.policy = s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=access_log_policy(ctx, self.bucket.arn),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )
        self.ready: list[pulumi.Resource] = [self.policy, self.encryption, self.ownership]
        self.register_outputs({"bucket": self.bucket.bucket})


def access_log_policy(ctx: StackContext, bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Elastic Load Balancing may write logs under this account's prefix; only over TLS."""
    logs = pulumi.Output.concat(bucket_arn, f"/{ACCESS_LOG_PREFIX}/AWSLogs/", ctx.account_id, "/*")
    principal: dict[str, str] = {"Service": LOG_DELIVERY_SERVICE}
    if ctx.region in ELB_ACCOUNTS:
        principal["AWS"] = f"arn:{ctx.partition}:iam::{ELB_ACCOUNTS[ctx.region]}:root"
    return policy_document(
        [
            statement(
                "LoadBalancerWritesAccessLogs", ["s3:PutObject"], [logs], principal=principal
            ),
            deny_insecure_transport(
                "DenyInsecureTransport",
                ["s3:*"],
                [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
            ),
        ]
    )


class LoadBalancer(pulumi.ComponentResource):
    """An internet-facing ALB in the public subnets, logging to its bucket, with an IP target
    group for the Fargate tasks.

    Port 80 forwards to the targets, or, when a certificate is given, redirects to port 443,
    which terminates TLS and forwards.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: ServiceTier,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        security_group_id: pulumi.Input[str],
        container_port: int,
        health_check_path: str,
        certificate_arn: pulumi.Input[str] | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.logs = AccessLogBucket(f"{name}-logs", ctx, tier=tier, opts=child)
        # Names that change with the inputs that replace the resource: the new one is created
        # while the old one still holds its name (pulumi-aws 7: internal, load_balancer_type;
        # port, protocol, target_type, vpc_id "force a new resource").
        self.alb = lb.LoadBalancer(
            f"{name}-alb",
            name=ctx.namer.replaceable_name("alb", "alb", LOAD_BALANCER_TYPE, INTERNAL),
            load_balancer_type=LOAD_BALANCER_TYPE,
            internal=INTERNAL,
            subnets=list(subnet_ids),
            security_groups=[security_group_id],
            # Security Hub ELB.4 and ELB.12: headers that are not valid HTTP are dropped, and
            # requests that could desynchronise the ALB from its targets are refused (defensive
            # is the default; set here so that no change can drop to monitor).
            drop_invalid_header_fields=True,
            desync_mitigation_mode=DESYNC_MITIGATION_MODE,
            enable_deletion_protection=tier.deletion_protection,
            access_logs={
                "bucket": self.logs.bucket.bucket,
                "prefix": ACCESS_LOG_PREFIX,
                "enabled": True,
            },
            tags=ctx.tags,
            # The load balancer checks that it may write to the bucket when it is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.logs.ready),
        )
        self.target_group = lb.TargetGroup(
            f"{name}-targets",
            name=pulumi.Output.from_input(vpc_id).apply(
                lambda vpc: ctx.namer.replaceable_name(
                    "target_group", "web", container_port, TARGET_PROTOCOL, TARGET_TYPE, vpc
                )
            ),
            target_type=TARGET_TYPE,
            protocol=TARGET_PROTOCOL,
            port=container_port,
            vpc_id=vpc_id,
            deregistration_delay=DEREGISTRATION_DELAY_SECONDS,
            health_check={
                "enabled": True,
                "protocol": "HTTP",
                "port": "traffic-port",
                "path": health_check_path,
                "matcher": HEALTHY_RESPONSE,
                "interval": 30,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            tags=ctx.tags,
            opts=child,
        )
        forward = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        self.listeners: list[lb.Listener] = []
        if certificate_arn is None:
            http_actions = forward
        else:
            self.listeners.append(
                lb.Listener(
                    f"{name}-https",
                    load_balancer_arn=self.alb.arn,
                    port=443,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=certificate_arn,
                    default_actions=forward,
                    tags=ctx.tags,
                    opts=child,
                )
            )
            http_actions = [
                {
                    "type": "redirect",
                    "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
                }
            ]
        self.listeners.insert(
            0,
            lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=http_actions,
                tags=ctx.tags,
                opts=child,
            ),
        )
        self.https = certificate_arn is not None
        self.register_outputs({"dns_name": self.alb.dns_name, "arn": self.alb.arn})
