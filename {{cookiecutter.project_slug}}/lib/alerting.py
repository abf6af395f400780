"""Where alarms send their notifications: an encrypted SNS topic and its subscribers."""

from __future__ import annotations

import pulumi
from pulumi_aws import sns

from lib.context import StackContext
from lib.iam import deny_insecure_transport, policy_document, statement

# Alarms publish to the topic through CloudWatch; the topic's key must let this service use it.
ALARM_PUBLISHER = "cloudwatch.amazonaws.com"


class AlarmTopic(pulumi.ComponentResource):
    """An SNS topic under a customer-managed key that CloudWatch alarms may publish to."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        kms_key_arn: pulumi.Input[str],
        email: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:monitoring:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = sns.Topic(
            f"{name}-topic",
            name=ctx.namer.name("sns_topic", "alarms"),
            kms_master_key_id=kms_key_arn,
            tags=ctx.tags,
            opts=child,
        )
        self.policy = sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=policy_document(
                [
                    statement(
                        "CloudWatchAlarmsPublish",
                        ["sns:Publish"],
                        [self.topic.arn],
                        principal={"Service": ALARM_PUBLISHER},
                        condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
                    ),
                    deny_insecure_transport(
                        "DenyInsecureTransport", ["sns:Publish"], [self.topic.arn]
                    ),
                ]
            ),
            opts=child,
        )
        self.subscription = None
        if email:
            self.subscription = sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic.arn})
