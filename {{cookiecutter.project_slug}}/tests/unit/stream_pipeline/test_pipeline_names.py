"""Physical names with the longest project slug, a pull-request suffix and a long region name:
every one fits its service, stays unique and ends with the suffix."""

import re

from lib.naming import NAME_RULES, region_code
from tests.unit.mocks import ACCOUNT_ID
from tests.unit.stream_pipeline.fixtures import LONGEST_PROJECT, REGION, SUFFIX

# Where each resource type keeps its physical name, and the naming rule it must satisfy.
NAMED = {
    "aws:kinesis/stream:Stream": ("name", "kinesis_stream"),
    "aws:s3/bucket:Bucket": ("bucket", "s3_bucket"),
    "aws:secretsmanager/secret:Secret": ("name", "secret"),
    "aws:sqs/queue:Queue": ("name", "sqs_queue"),
    "aws:sns/topic:Topic": ("name", "sns_topic"),
    "aws:lambda/function:Function": ("name", "lambda_function"),
    "aws:iam/role:Role": ("name", "iam_role"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "iam_policy"),
    "aws:kms/alias:Alias": ("name", "kms_alias"),
    "aws:apigateway/restApi:RestApi": ("name", "rest_api"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", "alarm"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", "dashboard"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "log_group"),
    "aws:cognito/userPool:UserPool": ("name", "cognito_user_pool"),
    "aws:cognito/userPoolClient:UserPoolClient": ("name", "cognito_client"),
    "aws:apigateway/authorizer:Authorizer": ("name", "api_authorizer"),
    "aws:apigateway/model:Model": ("name", "api_model"),
    "aws:apigateway/requestValidator:RequestValidator": ("name", "api_validator"),
}


def test_every_physical_name_fits_its_service_stays_unique_and_ends_with_the_suffix(
    long_name_stack,
):
    for type_token, (key, kind) in NAMED.items():
        rule = NAME_RULES[kind]
        names = [r.inputs[key] for r in long_name_stack.of_type(type_token)]
        assert names, type_token
        assert len(set(names)) == len(names), f"{type_token} names collide: {names}"
        for name in names:
            assert len(name) <= rule.max_length, (kind, name)
            assert re.fullmatch(rule.pattern, name), (kind, name)
            assert name.endswith(SUFFIX), (kind, name)


def test_every_resource_with_a_name_is_checked(long_name_stack):
    named = {r.type for r in long_name_stack.resources if isinstance(r.inputs.get("name"), str)}
    assert named <= set(NAMED)


def test_the_bucket_name_keeps_account_region_and_suffix_within_63_characters(long_name_stack):
    name = long_name_stack.one("aws:s3/bucket:Bucket").inputs["bucket"]
    assert name.endswith(f"-data-{ACCOUNT_ID}-{REGION}-{SUFFIX}")
    assert name.startswith(LONGEST_PROJECT[:8])
    assert len(name) <= 63


def test_shortened_role_names_still_carry_the_region_code(long_name_stack):
    roles = [r.inputs["name"] for r in long_name_stack.of_type("aws:iam/role:Role")]
    assert roles
    for name in roles:
        assert name.endswith(f"-{region_code(REGION)}-{SUFFIX}"), name


def test_resources_in_the_long_region_point_at_that_region(long_name_stack):
    assert long_name_stack.outputs["api_url"].endswith(
        f".execute-api.{REGION}.amazonaws.com/{SUFFIX}"
    )
    assert long_name_stack.outputs["stream_arn"].startswith(f"arn:aws:kinesis:{REGION}:")
    for function in long_name_stack.of_type("aws:lambda/function:Function"):
        assert function.inputs["environment"]["variables"]["REGION"] == REGION
