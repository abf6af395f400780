"""Monitoring: eight alarms on the service, the load balancer and the database, with the tier's
thresholds, all notifying the encrypted topic; one dashboard with every one of them."""

import pytest

from lib.multi_env_ecs.tiers import tier_settings

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EXPECTED = {
    ("AWS/ECS", "CPUUtilization"): "cpu_alarm_percent",
    ("AWS/ECS", "MemoryUtilization"): "memory_alarm_percent",
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): "alb_5xx_alarm_count",
    ("AWS/ApplicationELB", "UnHealthyHostCount"): "unhealthy_hosts_alarm_count",
    ("AWS/ApplicationELB", "TargetResponseTime"): "response_time_alarm_seconds",
    ("AWS/RDS", "CPUUtilization"): "db_cpu_alarm_percent",
    ("AWS/RDS", "FreeableMemory"): "db_freeable_memory_alarm_bytes",
    ("AWS/RDS", "DatabaseConnections"): "db_connections_alarm_count",
}


def alarms(deployment):
    return {
        (a.inputs["namespace"], a.inputs["metricName"]): a.inputs for a in deployment.of_type(ALARM)
    }


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_every_alarm_has_its_tiers_threshold(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    declared = alarms(deployment)
    assert set(declared) == set(EXPECTED)
    for metric, setting in EXPECTED.items():
        assert declared[metric]["threshold"] == getattr(tier, setting), metric


def test_only_freeable_memory_alarms_when_it_falls(stack):
    for metric, alarm in alarms(stack).items():
        expected = (
            "LessThanOrEqualToThreshold"
            if metric[1] == "FreeableMemory"
            else "GreaterThanOrEqualToThreshold"
        )
        assert alarm["comparisonOperator"] == expected, metric


def test_every_alarm_notifies_the_alarm_topic(stack):
    topic = stack.one("aws:sns/topic:Topic").outputs["arn"]
    for alarm in stack.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic]
        assert alarm.inputs["okActions"] == [topic]
        assert alarm.inputs["name"].endswith(f"-{stack.args.environment_suffix}")


def test_alarms_watch_this_stacks_service_load_balancer_and_database(stack):
    declared = alarms(stack)
    cluster = stack.one("aws:ecs/cluster:Cluster").outputs["name"]
    service = stack.one("aws:ecs/service:Service").outputs["name"]
    balancer = stack.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]
    target_group = stack.one("aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"]
    database = stack.one("aws:rds/cluster:Cluster").outputs["clusterIdentifier"]
    for (namespace, metric), alarm in declared.items():
        expected = {
            "AWS/ECS": {"ClusterName": cluster, "ServiceName": service},
            "AWS/ApplicationELB": {"LoadBalancer": balancer},
            "AWS/RDS": {"DBClusterIdentifier": database},
        }[namespace]
        if metric == "UnHealthyHostCount":
            expected = {**expected, "TargetGroup": target_group}
        assert alarm["dimensions"] == expected, metric


def test_the_dashboard_is_named_after_the_project_and_suffix_and_shows_every_alarm(stack):
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard")
    suffix = stack.args.environment_suffix
    assert dashboard.inputs["dashboardName"] == f"{stack.args.project}-{suffix}"
    widgets = dashboard.json("dashboardBody")["widgets"]
    graphs = [w for w in widgets if w["type"] == "metric"]
    assert {tuple(w["properties"]["metrics"][0][:2]) for w in graphs} == set(EXPECTED)
    for graph in graphs:
        assert graph["properties"]["region"] == stack.args.region
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        a.outputs["arn"] for a in stack.of_type(ALARM)
    )


def test_the_subscription_follows_the_alarm_email(each_stack):
    subscriptions = each_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert [s.inputs["endpoint"] for s in subscriptions] == (
        [each_stack.args.alarm_email] if each_stack.args.alarm_email else []
    )
