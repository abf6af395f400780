"""What every stack builds first: its context, the key for its logs and alarms, and the alarm
topic, as the stack's own children under the names deployed stacks already have."""

import pulumi
import pytest

from lib.config import ProjectSettings
from lib.foundation import Foundation
from lib.tiers import Tier
from tests.unit.mocks import DEFAULT_REGION, deploy

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TIER = Tier(log_retention_days=14, kms_deletion_window_days=9)
STACK_TYPE = "tap:stack:TapStack"


class Stack(pulumi.ComponentResource):
    """A stack with nothing but its foundation, and a data key when asked for one."""

    def __init__(self, name: str, *, data_key: str = "", **foundation) -> None:
        super().__init__(STACK_TYPE, name, None, None)
        args = ProjectSettings(
            environment_suffix="dev", region=DEFAULT_REGION, alarm_email="oncall@example.com"
        )
        base = Foundation(self, name, args, TIER, **foundation)
        self.outputs = {
            "key_urn": base.key.urn,
            "key_arn": base.key.arn,
            "topic_urn": base.alarm_topic.urn,
            "topic_arn": base.alarm_topic.topic_arn,
            "suffix": base.ctx.suffix,
        }
        if data_key:
            key = base.data_key(data_key)
            self.outputs |= {"data_key_urn": key.urn, "data_key_arn": key.arn}


def child_urn(component_type: str, name: str) -> str:
    return f"urn:pulumi:dev::TapStack::{STACK_TYPE}${component_type}::{name}"


@pytest.fixture(scope="module")
def built():
    return deploy(
        lambda: Stack("TapStack", key_purpose="api", data_key="data"), region=DEFAULT_REGION
    )


def services_in(key):
    return {
        statement["Principal"]["Service"]
        for statement in key.json("policy")["Statement"]
        if "Service" in statement.get("Principal", {})
    }


def test_the_key_and_the_topic_are_the_stacks_children_under_the_names_stacks_have(built):
    # A changed name or parent is a changed URN, which replaces the resource of a deployed stack.
    assert built.outputs["key_urn"] == child_urn("tap:security:EncryptionKey", "TapStack-key")
    assert built.outputs["topic_urn"] == child_urn("tap:monitoring:AlarmTopic", "TapStack-alarms")
    assert built.one(KEY, "TapStack-key-key").outputs["arn"] == built.outputs["key_arn"]


def test_the_key_waits_the_tiers_window_and_is_named_for_its_purpose(built):
    key = built.one(KEY, "TapStack-key-key")
    assert key.inputs["deletionWindowInDays"] == TIER.kms_deletion_window_days
    assert key.inputs["description"].endswith(" api key (dev)")
    assert "api" in built.one(ALIAS, "TapStack-key-alias").inputs["name"]


def test_logs_and_alarms_may_use_the_key_as_themselves(built):
    key = built.one(KEY, "TapStack-key-key")
    assert services_in(key) == {f"logs.{DEFAULT_REGION}.amazonaws.com", "cloudwatch.amazonaws.com"}


def test_the_alarm_topic_is_encrypted_with_the_key_and_mails_the_alarm_address(built):
    topic = built.one(TOPIC)
    assert topic.inputs["kmsMasterKeyId"] == built.outputs["key_arn"]
    assert topic.outputs["arn"] == built.outputs["topic_arn"]
    assert built.one(SUBSCRIPTION).inputs["endpoint"] == "oncall@example.com"


def test_the_context_is_the_deployments(built):
    assert built.outputs["suffix"] == "dev"


def test_a_data_key_is_a_further_child_that_no_service_uses_as_itself(built):
    assert built.outputs["data_key_urn"] == child_urn(
        "tap:security:EncryptionKey", "TapStack-data-key"
    )
    key = built.one(KEY, "TapStack-data-key-key")
    assert key.outputs["arn"] == built.outputs["data_key_arn"]
    assert key.inputs["deletionWindowInDays"] == TIER.kms_deletion_window_days
    assert key.inputs["description"].endswith(" data key (dev)")
    assert not services_in(key)
    assert built.one(TOPIC).inputs["kmsMasterKeyId"] != built.outputs["data_key_arn"]


def test_the_key_may_keep_a_name_of_its_own():
    built = deploy(
        lambda: Stack("TapStack", key_purpose="logs", key_name="logs-key"), region=DEFAULT_REGION
    )
    assert built.outputs["key_urn"] == child_urn("tap:security:EncryptionKey", "TapStack-logs-key")
    assert [key.name for key in built.of_type(KEY)] == ["TapStack-logs-key-key"]
