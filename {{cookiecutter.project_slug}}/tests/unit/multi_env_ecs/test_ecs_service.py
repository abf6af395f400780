"""The ECS service: cluster, Fargate task sized by tier, two least-privilege roles, the service
behind the load balancer, and CPU autoscaling within the tier's bounds."""

import pytest

from lib.multi_env_ecs.container_definition import APP_CONTAINER, XRAY_CONTAINER
from lib.multi_env_ecs.tiers import tier_settings

SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
DEPLOYMENTS = ["stack", "prod_stack", "pr_stack", "staging_stack"]


def tier(deployment):
    return tier_settings(deployment.args.environment_suffix)


def role_with_arn(deployment, arn):
    return next(r for r in deployment.of_type(ROLE) if r.outputs["arn"] == arn)


def statements_of(deployment, role):
    (policy,) = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]
    ]
    return {s["Sid"]: s for s in policy.json("policy")["Statement"]}


def containers(deployment):
    return {c["name"]: c for c in deployment.one(TASK).json("containerDefinitions")}


def test_the_cluster_has_container_insights(stack):
    cluster = stack.one("aws:ecs/cluster:Cluster").inputs
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert cluster["name"].endswith(f"-cluster-{stack.args.environment_suffix}")


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
def test_the_task_is_a_fargate_task_sized_by_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    task = deployment.one(TASK).inputs
    assert (task["cpu"], task["memory"]) == (
        str(tier(deployment).task_cpu),
        str(tier(deployment).task_memory_mb),
    )
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["runtimePlatform"] == {
        "operatingSystemFamily": "LINUX",
        "cpuArchitecture": "X86_64",
    }
    assert task["executionRoleArn"] != task["taskRoleArn"]


def test_the_sizes_per_environment_are_the_documented_ones(
    stack, prod_stack, pr_stack, staging_stack
):
    sizes = {
        d.args.environment_suffix: (d.one(TASK).inputs["cpu"], d.one(TASK).inputs["memory"])
        for d in (prod_stack, pr_stack, staging_stack)
    }
    assert sizes == {
        "prod": ("1024", "2048"),
        "pr12345": ("256", "512"),
        "staging": ("512", "1024"),
    }
    assert stack.one(SERVICE).inputs["desiredCount"] == tier(stack).desired_count


@pytest.mark.parametrize("deployment", ["stack", "staging_stack"])
def test_the_container_runs_the_configured_image_and_port_and_logs_to_its_group(
    request, deployment
):
    deployment = request.getfixturevalue(deployment)
    app = containers(deployment)[APP_CONTAINER]
    log_group = deployment.one("aws:cloudwatch/logGroup:LogGroup", "ecs-logs")
    assert app["image"] == deployment.args.container_image
    assert app["portMappings"] == [
        {"containerPort": deployment.args.container_port, "protocol": "tcp"}
    ]
    assert app["privileged"] is False
    assert app["readonlyRootFilesystem"] is True
    assert app["logConfiguration"]["options"]["awslogs-group"] == log_group.inputs["name"]
    assert str(deployment.args.container_port) in app["healthCheck"]["command"][1]
    assert deployment.args.health_check_path in app["healthCheck"]["command"][1]
    assert log_group.inputs["retentionInDays"] == tier(deployment).log_retention_days
    assert log_group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    volumes = {volume["name"] for volume in deployment.one(TASK).inputs["volumes"]}
    assert {mount["sourceVolume"] for mount in app["mountPoints"]} == volumes


def test_the_container_knows_its_database(stack):
    variables = {v["name"]: v["value"] for v in containers(stack)[APP_CONTAINER]["environment"]}
    cluster = stack.one("aws:rds/cluster:Cluster")
    assert variables["DB_HOST"] == cluster.outputs["endpoint"]
    assert variables["DB_PORT"] == "5432"
    assert variables["DB_NAME"] == cluster.inputs["databaseName"]
    assert variables["DB_SECRET_ARN"] == stack.outputs["db_secret_arn"]
    assert variables["ENVIRONMENT"] == stack.args.environment_suffix
    assert not any("PASSWORD" in name for name in variables)


def test_the_x_ray_daemon_runs_beside_the_service_only_when_tracing_is_on(each_stack):
    names = set(containers(each_stack))
    assert (XRAY_CONTAINER in names) is each_stack.args.enable_xray
    role = role_with_arn(each_stack, each_stack.one(TASK).inputs["taskRoleArn"])
    assert ("WriteTraces" in statements_of(each_stack, role)) is each_stack.args.enable_xray


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_service_runs_privately_behind_the_load_balancer(request, deployment):
    deployment = request.getfixturevalue(deployment)
    service = deployment.one(SERVICE).inputs
    private = [
        s.outputs["id"] for s in deployment.of_type("aws:ec2/subnet:Subnet") if "private" in s.name
    ]
    group = deployment.one("aws:ec2/securityGroup:SecurityGroup", "-service").outputs["id"]
    assert service["launchType"] == "FARGATE"
    assert service["desiredCount"] == tier(deployment).desired_count
    network = service["networkConfiguration"]
    assert sorted(network["subnets"]) == sorted(private)
    assert network["securityGroups"] == [group]
    assert network["assignPublicIp"] is False
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": deployment.one("aws:lb/targetGroup:TargetGroup").outputs["arn"],
            "containerName": APP_CONTAINER,
            "containerPort": deployment.args.container_port,
        }
    ]
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["cluster"] == deployment.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert service["taskDefinition"] == deployment.one(TASK).outputs["arn"]
    assert service["enableExecuteCommand"] is False


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_cpu_autoscaling_keeps_the_task_count_within_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    target = deployment.one("aws:appautoscaling/target:Target").inputs
    service = deployment.one(SERVICE)
    cluster = deployment.one("aws:ecs/cluster:Cluster")
    assert target["resourceId"] == f"service/{cluster.outputs['name']}/{service.outputs['name']}"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    assert (target["minCapacity"], target["maxCapacity"]) == (
        tier(deployment).min_tasks,
        tier(deployment).max_tasks,
    )
    policy = deployment.one("aws:appautoscaling/policy:Policy").inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    assert policy["resourceId"] == target["resourceId"]
    tracking = policy["targetTrackingScalingPolicyConfiguration"]
    assert tracking["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }
    assert tracking["targetValue"] == tier(deployment).cpu_target_percent


def test_both_roles_may_be_assumed_only_by_this_accounts_ecs_tasks(stack):
    task = stack.one(TASK).inputs
    for arn in (task["executionRoleArn"], task["taskRoleArn"]):
        (trust,) = role_with_arn(stack, arn).json("assumeRolePolicy")["Statement"]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole"]
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_execution_role_writes_only_the_services_logs(stack):
    role = role_with_arn(stack, stack.one(TASK).inputs["executionRoleArn"])
    statements = statements_of(stack, role)
    group_arn = stack.one("aws:cloudwatch/logGroup:LogGroup", "ecs-logs").outputs["arn"]
    assert set(statements) == {"WriteContainerLogs"}
    assert statements["WriteContainerLogs"]["Resource"] == [f"{group_arn}:*"]


def test_a_private_ecr_image_may_be_pulled_from_its_repository_only(staging_stack):
    role = role_with_arn(staging_stack, staging_stack.one(TASK).inputs["executionRoleArn"])
    statements = statements_of(staging_stack, role)
    pull = statements["PullServiceImage"]
    region = staging_stack.args.region
    assert pull["Resource"] == [f"arn:aws:ecr:{region}:123456789012:repository/shop/web"]
    assert all(action.startswith("ecr:") for action in pull["Action"])
    assert statements["SignInToRegistry"]["Action"] == ["ecr:GetAuthorizationToken"]


def test_the_task_role_reads_only_the_databases_secret(stack):
    role = role_with_arn(stack, stack.one(TASK).inputs["taskRoleArn"])
    statements = statements_of(stack, role)
    secret = statements["ReadDatabaseSecret"]
    assert secret["Resource"] == [stack.outputs["db_secret_arn"]]
    assert secret["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    decrypt = statements["DecryptDatabaseSecret"]
    data_key = stack.one("aws:rds/cluster:Cluster").inputs["kmsKeyId"]
    assert decrypt["Resource"] == [data_key]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.args.region}.amazonaws.com"}
    }
    assert set(statements) <= {"ReadDatabaseSecret", "DecryptDatabaseSecret", "WriteTraces"}
