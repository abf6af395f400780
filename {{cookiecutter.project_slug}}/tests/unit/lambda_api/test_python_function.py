"""Lambda functions: runtime, architecture, the Powertools layer, tracing, environment, log group
and a least-privilege role."""

import re
from types import SimpleNamespace

from lib.config import DEFAULT_ENVIRONMENT_SUFFIX as SUFFIX
from lib.config import PROJECT
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.lambda_api.python_function import (
    ARCHITECTURE,
    DURATION_ALARM_FRACTION,
    POWERTOOLS_LAYER_PARAMETER,
    POWERTOOLS_VERSION,
    RUNTIME,
    PythonFunction,
)
from tests.unit.lambda_api.aws_answers import POWERTOOLS_ACCOUNT
from tests.unit.mocks import DEFAULT_REGION, TAP_PROGRAM

PROJECT_DIR = TAP_PROGRAM.parent

FUNCTION = "aws:lambda/function:Function"


def functions(stack):
    return stack.of_type(FUNCTION)


def role_policy_of(stack, function):
    role = next(
        r for r in stack.of_type("aws:iam/role:Role") if r.outputs["arn"] == function.inputs["role"]
    )
    policy = next(
        p
        for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    )
    return role, {s["Sid"]: s for s in policy.json("policy")["Statement"]}


def test_functions_run_a_current_python_runtime_on_graviton(stack):
    assert RUNTIME >= "python3.12"
    assert ARCHITECTURE == "arm64"
    for function in functions(stack):
        assert function.inputs["runtime"] == RUNTIME
        assert function.inputs["architectures"] == [ARCHITECTURE]


def test_functions_run_the_powertools_layer_aws_publishes_for_their_runtime_and_architecture(
    stack,
):
    # The mocks answer only parameter names of the shape AWS publishes, as ParameterNotFound would.
    assert POWERTOOLS_LAYER_PARAMETER == (
        f"/aws/service/powertools/python/{ARCHITECTURE}/{RUNTIME}/{POWERTOOLS_VERSION}"
    )
    layer = (
        f"arn:aws:lambda:{DEFAULT_REGION}:{POWERTOOLS_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{RUNTIME.replace('.', '')}-{ARCHITECTURE}:"
    )
    for function in functions(stack):
        (arn,) = function.inputs["layers"]
        assert re.fullmatch(re.escape(layer) + r"\d+", arn), arn


def test_the_powertools_layer_is_the_release_the_dev_requirements_pin():
    requirements = (PROJECT_DIR / "requirements-dev.txt").read_text()
    (pinned,) = re.findall(r"^aws-lambda-powertools(?:\[[\w,]+\])?==(\S+)$", requirements, re.M)
    assert pinned == POWERTOOLS_VERSION
    lock = (PROJECT_DIR / "requirements-dev.lock").read_text()
    (locked,) = re.findall(r"^aws-lambda-powertools==(\S+)", lock, re.M)
    assert locked == POWERTOOLS_VERSION, "make lock after changing the pin"


def test_each_function_packages_its_own_modules_and_no_libraries(stack):
    for function in functions(stack):
        folder = PROJECT_DIR / function.inputs["code"].path
        assert folder.parent == PROJECT_DIR / "functions"
        assert (folder / "handler.py").is_file()
        packaged = [path for path in folder.iterdir() if path.name != "__pycache__"]
        assert all(path.suffix == ".py" and path.is_file() for path in packaged), packaged


def test_functions_know_their_environment_region_and_name(stack):
    for function in functions(stack):
        variables = function.inputs["environment"]["variables"]
        assert variables["ENVIRONMENT"] == SUFFIX
        assert variables["REGION"] == DEFAULT_REGION
        assert variables["FUNCTION_NAME"] == function.inputs["name"]
        assert variables["LOG_LEVEL"] == "INFO"


def test_powertools_knows_each_functions_purpose_namespace_and_log_level(stack):
    purposes = set()
    for function in functions(stack):
        variables = function.inputs["environment"]["variables"]
        purpose = variables["POWERTOOLS_SERVICE_NAME"]
        purposes.add(purpose)
        assert function.inputs["name"] == f"{PROJECT}-{purpose}-{SUFFIX}"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == f"{PROJECT}/{SUFFIX}"
        assert variables["POWERTOOLS_LOG_LEVEL"] == variables["LOG_LEVEL"]
    assert len(purposes) == len(functions(stack))


def test_functions_log_to_their_own_log_group_created_first(stack):
    for function in functions(stack):
        log_group = next(
            g
            for g in stack.of_type("aws:cloudwatch/logGroup:LogGroup")
            if g.inputs["name"] == f"/aws/lambda/{function.inputs['name']}"
        )
        assert function.inputs["loggingConfig"]["logGroup"] == log_group.inputs["name"]
        assert stack.resources.index(log_group) < stack.resources.index(function)


def test_xray_tracing_and_its_grant_follow_the_setting(each_stack):
    enable_xray = each_stack.args.enable_xray
    for function in functions(each_stack):
        assert function.inputs["tracingConfig"]["mode"] == (
            "Active" if enable_xray else "PassThrough"
        )
        _, statements = role_policy_of(each_stack, function)
        assert ("WriteTraces" in statements) is enable_xray
        variables = function.inputs["environment"]["variables"]
        assert variables.get("POWERTOOLS_TRACE_DISABLED") == (None if enable_xray else "true")


def test_each_role_may_be_assumed_by_lambda_only(stack):
    for function in functions(stack):
        role, _ = role_policy_of(stack, function)
        trust = role.json("assumeRolePolicy")["Statement"]
        assert trust == [
            {
                "Sid": "AssumeFromService",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ]


def test_each_role_writes_only_to_its_own_log_group(stack):
    for function in functions(stack):
        _, statements = role_policy_of(stack, function)
        logs = statements["WriteOwnLogs"]
        assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert logs["Resource"] == [
            f"arn:aws:logs:{DEFAULT_REGION}:123456789012:log-group:/aws/lambda/"
            f"{function.inputs['name']}:*"
        ]


def test_no_role_calls_cloudwatch_for_metrics_they_go_into_the_logs(stack):
    for function in functions(stack):
        _, statements = role_policy_of(stack, function)
        actions = [action for s in statements.values() for action in s["Action"]]
        assert not [action for action in actions if action.startswith("cloudwatch:")], actions


def test_traces_are_the_only_grant_on_every_resource(stack):
    for function in functions(stack):
        _, statements = role_policy_of(stack, function)
        for sid, statement in statements.items():
            if statement["Resource"] == ["*"]:
                assert sid == "WriteTraces", sid


def duration_alarm_threshold(timeout_seconds, **limit):
    """The duration alarm threshold of a function with ``timeout_seconds``, given ``limit``."""
    function = SimpleNamespace(
        purpose="api", timeout_seconds=timeout_seconds, function=SimpleNamespace(name="fn")
    )
    specs = PythonFunction.alarm_specs(function, 1, **limit)
    (duration,) = [spec for spec in specs if spec.metric_name == "Duration"]
    return duration.threshold


def test_the_duration_alarm_fires_before_the_sooner_of_the_timeout_and_the_given_limit():
    assert duration_alarm_threshold(60) == 60_000 * DURATION_ALARM_FRACTION
    assert duration_alarm_threshold(60, duration_limit_seconds=29) == (
        29_000 * DURATION_ALARM_FRACTION
    )
    assert duration_alarm_threshold(10, duration_limit_seconds=29) == (
        10_000 * DURATION_ALARM_FRACTION
    )


def test_a_function_behind_the_api_alarms_before_api_gateway_gives_up_on_it(each_stack):
    durations = {
        a.inputs["dimensions"]["FunctionName"]: a.inputs["threshold"]
        for a in each_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs.get("metricName") == "Duration"  # metric-math alarms name no metric
    }
    by_invoke_arn = {f.outputs["invokeArn"]: f for f in functions(each_stack)}
    proxies = [
        i
        for i in each_stack.of_type("aws:apigateway/integration:Integration")
        if i.inputs["type"] == "AWS_PROXY"
    ]
    assert proxies
    for integration in proxies:
        # API Gateway answers 504 once an integration has not answered within its timeout.
        assert integration.inputs["timeoutMilliseconds"] == INTEGRATION_TIMEOUT_SECONDS * 1000
        function = by_invoke_arn[integration.inputs["uri"]]
        threshold = durations[function.inputs["name"]]
        assert threshold < integration.inputs["timeoutMilliseconds"]
        assert threshold < function.inputs["timeout"] * 1000
