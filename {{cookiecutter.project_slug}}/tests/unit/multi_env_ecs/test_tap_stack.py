"""The ECS stack as a whole: what it composes and outputs, the tier table, tags, IAM scopes and
names at their limits."""

import re

import pytest

from lib.environment import tier_of
from lib.multi_env_ecs.database import cluster_identifier, instance_identifier
from lib.multi_env_ecs.tap_stack import PR_DNS_NAME
from lib.multi_env_ecs.tiers import TIERS, tier_settings
from lib.naming import NAME_RULES, PROVIDER_UNIQUE_SUFFIX_LENGTH, Namer, replacement_digest
from lib.tagging import REQUIRED_TAG_KEYS
from tests.unit.mocks import (
    STACK_REFERENCE,
    accepts_tags,
)
from tests.unit.multi_env_ecs.fixtures import LONGEST_PROJECT
from tests.unit.test_destroy_script import destroy, exported_state

EXPECTED_OUTPUTS = (
    "vpc_id",
    "vpc_cidr",
    "public_subnet_ids",
    "private_subnet_ids",
    "isolated_subnet_ids",
    "alb_arn",
    "alb_dns_name",
    "service_url",
    "dns_name",
    "cluster_name",
    "service_name",
    "task_definition_arn",
    "db_cluster_endpoint",
    "db_reader_endpoint",
    "db_secret_arn",
    "log_group_name",
    "alarm_topic_arn",
    "dashboard_name",
    "peering_connection_ids",
    "peering_endpoint",
    "peering_requests",
    "peer_vpc_instructions",
)

COMPONENTS = (
    "tap:security:EncryptionKey",
    "tap:network:Network",
    "tap:network:ServiceSecurityGroups",
    "tap:network:LoadBalancer",
    "tap:storage:AccessLogBucket",
    "tap:data:AuroraDatabase",
    "tap:compute:EcsService",
    "tap:monitoring:AlarmTopic",
    "tap:monitoring:ServiceMonitoring",
)

# Allow statements whose resource is "*": KMS key policies (there "*" is the key itself),
# and the two services that have no resource to name.
UNSCOPED_STATEMENTS = {"WriteTraces", "SignInToRegistry"}
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

# The inputs that carry a resource's physical name (or its prefix), and the naming rule each
# one follows.
PHYSICAL_NAMES = {
    "aws:lb/loadBalancer:LoadBalancer": ("name", "alb"),
    "aws:lb/targetGroup:TargetGroup": ("name", "target_group"),
    "aws:rds/cluster:Cluster": ("clusterIdentifier", "rds_cluster"),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier", "rds_instance"),
    "aws:rds/subnetGroup:SubnetGroup": ("namePrefix", "db_subnet_group"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": ("namePrefix", "db_parameter_group"),
    "aws:s3/bucket:Bucket": ("bucket", "s3_bucket"),
    "aws:iam/role:Role": ("name", "iam_role"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "iam_policy"),
    "aws:ecs/cluster:Cluster": ("name", "ecs_cluster"),
    "aws:ecs/service:Service": ("name", "ecs_service"),
    "aws:ecs/taskDefinition:TaskDefinition": ("family", "ecs_family"),
    "aws:ec2/securityGroup:SecurityGroup": ("namePrefix", "security_group"),
    "aws:sns/topic:Topic": ("name", "sns_topic"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", "alarm"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", "dashboard"),
    "aws:kms/alias:Alias": ("name", "kms_alias"),
    "aws:appautoscaling/policy:Policy": ("name", "scaling_policy"),
    "aws:wafv2/webAcl:WebAcl": ("name", "web_acl"),
}

# Every named resource type whose replacement an input other than its name forces (pulumi-aws 7
# docs: "forces a new resource"), with those inputs. A replacement is created before the old
# resource is deleted, and AWS refuses a second resource of the same name ("already exists"),
# so each name either carries a digest of those inputs or is completed by the provider from a
# prefix; the database's names carry the digest of its subnet group's generated name.
REPLACED_BY = {
    "aws:lb/loadBalancer:LoadBalancer": ("name", ("loadBalancerType", "internal")),
    "aws:lb/targetGroup:TargetGroup": ("name", ("port", "protocol", "targetType", "vpcId")),
    # Names are unique per cluster; a new cluster is a new name space.
    "aws:ecs/service:Service": ("name", ("launchType",)),
    "aws:ec2/securityGroup:SecurityGroup": ("namePrefix", ("description", "vpcId")),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": ("namePrefix", ("family",)),
    "aws:rds/subnetGroup:SubnetGroup": ("namePrefix", ()),
    "aws:rds/cluster:Cluster": (
        "clusterIdentifier",
        ("engine", "databaseName", "masterUsername", "storageEncrypted", "kmsKeyId"),
    ),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier", ("clusterIdentifier", "engine")),
}
# The other named types: only a new name replaces them, or their names are unique within what
# replaces them.
REPLACED_ONLY_BY_THEIR_NAME = {
    "aws:appautoscaling/policy:Policy",  # unique per scalable target, which replaces it
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/taskDefinition:TaskDefinition",  # a change registers a new revision of the family
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",  # unique per role, which replaces it
    "aws:kms/alias:Alias",
    "aws:route53/record:Record",  # unique per zone, which replaces it
    "aws:s3/bucket:Bucket",
    "aws:sns/topic:Topic",
    "aws:wafv2/webAcl:WebAcl",  # its scope, the one other input that replaces it, is constant
}
# Inputs that hold a physical name (S3 buckets are listed; their sub-resources' "bucket" is a
# reference).
NAME_INPUTS = {"name", "namePrefix", "family", "dashboardName", "clusterIdentifier", "identifier"}


@pytest.fixture(scope="module")
def unprotected_prod_stack(paired_prod_stack):
    """tap.py on the prod stack with allowDestroy: prod as it is just before a deliberate
    destroy (the run of fixtures.py that is also prod peered with staging)."""
    assert paired_prod_stack.args.allow_destroy is True
    return paired_prod_stack


def test_the_stack_is_a_tap_component(stack):
    assert [r.name for r in stack.of_type("tap:stack:TapStack")] == ["TapStack"]


def test_the_stack_composes_its_components(stack, staging_stack):
    for component in COMPONENTS:
        expected = 2 if component == "tap:security:EncryptionKey" else 1
        assert len(stack.of_type(component)) == expected, component
    assert not stack.of_type("tap:network:VpcPeering")
    assert not stack.of_type("tap:network:EnvironmentPeering")
    assert len(staging_stack.of_type("tap:network:VpcPeering")) == 1
    assert len(staging_stack.of_type("tap:network:EnvironmentPeering")) == 1


def test_the_stack_registers_every_output(stack):
    outputs = stack.outputs
    assert set(outputs) == set(EXPECTED_OUTPUTS)
    assert len(EXPECTED_OUTPUTS) >= 16
    zones = len(stack.args.availability_zones)
    for tier_name in ("public", "private", "isolated"):
        assert len(outputs[f"{tier_name}_subnet_ids"]) == zones
    assert outputs["vpc_cidr"] == stack.args.vpc_cidr
    assert outputs["vpc_id"] == stack.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert outputs["alb_arn"] == stack.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    assert outputs["db_secret_arn"].startswith("arn:aws:secretsmanager:")
    assert outputs["log_group_name"] == f"/aws/ecs/{outputs['service_name']}"
    assert outputs["peering_connection_ids"] == []
    assert outputs["peering_endpoint"] == {
        "vpcId": outputs["vpc_id"],
        "cidrBlock": outputs["vpc_cidr"],
        "region": stack.args.region,
        "ownerId": "123456789012",
        "servicePort": stack.args.container_port,
    }
    assert outputs["peering_requests"] == {}


def test_service_url_and_dns_name_follow_the_domain(each_stack, staging_stack):
    for deployment in (each_stack, staging_stack):
        args, outputs = deployment.args, deployment.outputs
        records = [
            r for r in deployment.of_type("aws:route53/record:Record") if r.inputs["type"] == "A"
        ]
        if args.domain_name and tier_of(args.environment_suffix) != "pr":
            (record,) = records
            assert outputs["service_url"] == f"https://{record.inputs['name']}"
            assert outputs["dns_name"] == record.inputs["name"]
        else:
            assert not records
            assert outputs["service_url"] == f"http://{outputs['alb_dns_name']}"
            pull_request = tier_of(args.environment_suffix) == "pr"
            assert outputs["dns_name"] == (PR_DNS_NAME if pull_request else outputs["alb_dns_name"])


@pytest.mark.parametrize(
    ("suffix", "tier"),
    [("dev", "dev"), ("qa", "dev"), ("pr12345", "pr"), ("staging", "staging"), ("prod", "prod")],
)
def test_each_suffix_gets_its_tier(suffix, tier):
    assert tier_settings(suffix) is TIERS[tier]


def test_the_tier_table_sizes_tasks_as_documented():
    sizes = {
        name: (tier.task_cpu, tier.task_memory_mb, tier.desired_count)
        for name, tier in TIERS.items()
    }
    assert sizes == {
        "dev": (256, 512, 1),
        "pr": (256, 512, 1),
        "staging": (512, 1024, 2),
        "prod": (1024, 2048, 4),
    }
    for tier in TIERS.values():
        assert tier.min_tasks <= tier.desired_count <= tier.max_tasks


def test_only_prod_keeps_a_nat_gateway_per_zone_a_final_snapshot_and_deletion_protection():
    for name, tier in TIERS.items():
        prod = name == "prod"
        assert tier.nat_gateway_per_zone is prod
        assert tier.nat_gateway_count(3) == (3 if prod else 1)
        assert tier.db_final_snapshot is prod
        assert tier.deletion_protection is prod
        assert tier.db_backup_retention_days == (30 if prod else 7)
        assert tier.kms_deletion_window_days == (30 if prod else 7)


def test_retention_grows_from_pull_requests_to_prod():
    order = [TIERS[name] for name in ("pr", "dev", "staging", "prod")]
    for smaller, larger in zip(order, order[1:], strict=False):
        assert smaller.log_retention_days <= larger.log_retention_days
        assert smaller.access_log_retention_days <= larger.access_log_retention_days


def test_database_classes_are_ones_aurora_postgresql_supports():
    for name, tier in TIERS.items():
        assert tier.db_instance_class != "db.t3.micro"
        if name == "prod":
            assert re.fullmatch(r"db\.(r6g|r7g|r6i|r5)\.[0-9]*x?large", tier.db_instance_class)
        else:
            assert tier.db_instance_class in ("db.t3.medium", "db.t4g.medium")


def test_a_pull_request_is_sized_like_dev():
    pr, dev = TIERS["pr"], TIERS["dev"]
    assert (pr.task_cpu, pr.task_memory_mb, pr.desired_count) == (
        dev.task_cpu,
        dev.task_memory_mb,
        dev.desired_count,
    )
    assert pr.db_instance_class == dev.db_instance_class
    assert pr.max_tasks <= dev.max_tasks


def test_every_taggable_resource_of_every_deployment_is_tagged(staging_stack, prod_stack):
    for deployment in (staging_stack, prod_stack):
        suffix = deployment.args.environment_suffix
        for resource in deployment.resources:
            if accepts_tags(resource.type):
                tags = resource.inputs.get("tags") or {}
                missing = [key for key in REQUIRED_TAG_KEYS if key not in tags]
                assert not missing, f"{resource.name} lacks {missing}"
                assert tags["Environment"] == suffix


def test_every_role_statement_names_its_resources(stack, staging_stack, prod_stack):
    for deployment in (stack, staging_stack, prod_stack):
        for policy in deployment.of_type(ROLE_POLICY):
            for statement in policy.json("policy")["Statement"]:
                assert statement["Effect"] == "Allow"
                assert statement["Resource"], statement["Sid"]
                for resource in statement["Resource"]:
                    if resource == "*":
                        assert statement["Sid"] in UNSCOPED_STATEMENTS, statement["Sid"]
                    else:
                        assert resource.startswith("arn:aws:"), (statement["Sid"], resource)
                        assert "123456789012" in resource, (statement["Sid"], resource)


def test_names_fit_their_limits_with_the_longest_project(staging_stack):
    assert staging_stack.args.project == LONGEST_PROJECT
    checked = 0
    for resource in staging_stack.resources:
        if resource.type not in PHYSICAL_NAMES:
            continue
        key, kind = PHYSICAL_NAMES[resource.type]
        rule = NAME_RULES[kind]
        if key == "namePrefix":
            assert resource.inputs[key].endswith("staging-"), (kind, resource.inputs[key])
            name = resource.inputs[key] + "0" * PROVIDER_UNIQUE_SUFFIX_LENGTH
        else:
            name = resource.inputs[key]
            assert name.endswith("staging"), (kind, name)
        assert len(name) <= rule.max_length, (kind, name)
        assert re.fullmatch(rule.pattern, name), (kind, name)
        checked += 1
    assert checked >= len(PHYSICAL_NAMES)
    alb = staging_stack.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    assert len(alb) == 32
    # The project gives way to the purpose, the digest of what replaces the ALB and the suffix.
    assert alb.startswith(LONGEST_PROJECT[:6])


def test_every_named_resource_type_is_listed_with_what_replaces_it(
    stack, staging_stack, prod_stack, pr_stack
):
    listed = set(REPLACED_BY) | REPLACED_ONLY_BY_THEIR_NAME
    for deployment in (stack, staging_stack, prod_stack, pr_stack):
        for resource in deployment.resources:
            if resource.type.startswith("aws:") and NAME_INPUTS & set(resource.inputs):
                assert resource.type in listed, resource.type


def test_no_name_stays_the_same_when_an_input_change_replaces_its_resource(
    stack, staging_stack, prod_stack
):
    for deployment in (stack, staging_stack, prod_stack):
        subnet_group = deployment.one("aws:rds/subnetGroup:SubnetGroup")
        generation = subnet_group.outputs["name"]
        namer = Namer(deployment.args.project, deployment.args.environment_suffix)
        for resource in deployment.resources:
            if resource.type not in REPLACED_BY:
                continue
            key, replaced_by = REPLACED_BY[resource.type]
            inputs = resource.inputs
            if key == "namePrefix":
                assert "name" not in inputs, resource.name
                assert inputs[key].endswith("-"), resource.name
            elif resource.type == "aws:rds/cluster:Cluster":
                assert inputs[key] == cluster_identifier(namer, generation)
            elif resource.type == "aws:rds/clusterInstance:ClusterInstance":
                number = int(resource.name.rsplit("-", 1)[-1])
                assert inputs[key] == instance_identifier(namer, generation, number)
            else:
                digest = replacement_digest(*(as_declared(inputs[field]) for field in replaced_by))
                assert digest in inputs[key], (resource.name, inputs[key])


def as_declared(value):
    """An input as the program passed it: the engine carries every number as a float."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def test_whatever_replaces_the_database_gives_its_subnet_group_a_new_name(stack):
    # The subnet group's generated name is the element every cluster identifier, instance
    # identifier and final snapshot carries: it must be replaced whenever the cluster is.
    subnet_group = stack.one("aws:rds/subnetGroup:SubnetGroup")
    cluster = stack.one("aws:rds/cluster:Cluster").inputs
    _, replaced_by = REPLACED_BY["aws:rds/cluster:Cluster"]
    assert subnet_group.options["replacementTrigger"] == [cluster[key] for key in replaced_by]
    assert cluster["dbSubnetGroupName"] == subnet_group.outputs["name"]


def test_no_resource_is_deleted_before_its_replacement_exists(stack, staging_stack, prod_stack):
    # ACM refuses to delete a certificate a listener still uses (ResourceInUseException), and a
    # group, a target group or a database in use cannot go first either: replacements are
    # created, referenced, and only then the old resources deleted.
    for deployment in (stack, staging_stack, prod_stack):
        # A stack reference is read from the peer's state, never created or deleted.
        managed = [r for r in deployment.resources if r.type != STACK_REFERENCE]
        for resource in managed:
            assert resource.options["deleteBeforeReplace"] is False, resource.name


def test_only_prod_keeps_its_buckets_objects_and_allow_destroy_lifts_every_protection():
    for name, tier in TIERS.items():
        assert tier.empty_buckets_on_destroy is (name != "prod")
        lifted = tier.destroyable()
        assert lifted.deletion_protection is False
        assert lifted.empty_buckets_on_destroy is True
        assert lifted.db_final_snapshot is tier.db_final_snapshot


def test_prod_with_allow_destroy_protects_nothing_but_still_takes_its_final_snapshot(
    unprotected_prod_stack,
):
    deployment = unprotected_prod_stack
    assert deployment.args.allow_destroy is True
    assert (
        deployment.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"]
        is False
    )
    cluster = deployment.one("aws:rds/cluster:Cluster").inputs
    assert cluster["deletionProtection"] is False
    assert cluster["skipFinalSnapshot"] is False
    assert cluster["finalSnapshotIdentifier"]
    for bucket in deployment.of_type("aws:s3/bucket:Bucket"):
        assert bucket.inputs["forceDestroy"] is True


def test_destroy_refuses_prod_up_front_naming_what_protects_it_and_how_to_lift_it(
    tmp_path, prod_stack
):
    run, calls = destroy(tmp_path, exported_state(prod_stack), "prod")
    assert run.returncode == 1
    assert not [call for call in calls if call.startswith("destroy")]
    (message,) = run.stderr.strip().splitlines()
    alb = prod_stack.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    cluster = prod_stack.one("aws:rds/cluster:Cluster").inputs["clusterIdentifier"]
    bucket = prod_stack.one("aws:s3/bucket:Bucket").inputs["bucket"]
    assert f"deletion protection on the load balancer {alb}" in message
    assert f"deletion protection on the database cluster {cluster}" in message
    assert f"bucket {bucket} keeps its objects" in message
    assert "pulumi config set TapStack:allowDestroy true --stack TapStackprod" in message
    assert "pulumi up --stack TapStackprod" in message


def test_destroy_runs_through_once_protection_is_lifted(tmp_path, unprotected_prod_stack):
    run, calls = destroy(tmp_path, exported_state(unprotected_prod_stack), "prod")
    assert run.returncode == 0, run.stderr
    assert calls[-1] == "destroy --yes --stack TapStackprod"
