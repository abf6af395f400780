"""Security groups: every rule a resource of its own, and every rule's source and destination."""

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"


def group_names(deployment):
    """Each group's id, by the purpose its logical name ends with."""
    return {
        group.outputs["id"]: group.name.rsplit("-", 1)[-1] for group in deployment.of_type(GROUP)
    }


def rules(deployment):
    """Every rule as (group, direction, port, peer), peers named by purpose or by CIDR."""
    names = group_names(deployment)
    found = set()
    for type_token, direction in ((INGRESS, "in"), (EGRESS, "out")):
        for rule in deployment.of_type(type_token):
            inputs = rule.inputs
            assert inputs["ipProtocol"] == "tcp"
            assert inputs["fromPort"] == inputs["toPort"]
            peer = inputs.get("cidrIpv4") or names[inputs["referencedSecurityGroupId"]]
            found.add((names[inputs["securityGroupId"]], direction, inputs["fromPort"], peer))
    return found


def base_rules(port):
    return {
        ("alb", "in", 80, "0.0.0.0/0"),
        ("alb", "in", 443, "0.0.0.0/0"),
        ("alb", "out", port, "service"),
        ("service", "in", port, "alb"),
        ("service", "out", 443, "0.0.0.0/0"),
        ("service", "out", 5432, "db"),
        ("db", "in", 5432, "service"),
    }


def test_the_three_groups_are_in_the_vpc_without_inline_rules(stack):
    vpc_id = stack.one("aws:ec2/vpc:Vpc").outputs["id"]
    groups = stack.of_type(GROUP)
    assert sorted(group_names(stack).values()) == ["alb", "db", "service"]
    for group in groups:
        assert group.inputs["vpcId"] == vpc_id
        assert not group.inputs.get("ingress")
        assert not group.inputs.get("egress")
        assert group.inputs["description"]


def test_every_rule_has_exactly_the_source_it_needs(stack):
    assert rules(stack) == base_rules(stack.args.container_port)


def test_the_database_lets_nothing_out_and_only_the_service_in(stack):
    database_rules = {rule for rule in rules(stack) if rule[0] == "db"}
    assert database_rules == {("db", "in", 5432, "service")}


def test_peers_reach_the_service_port_and_the_database_by_their_networks(staging_stack, prod_stack):
    port = staging_stack.args.container_port
    peer_rules = {
        (group, "in", group_port, peer.cidr_block)
        for peer in staging_stack.args.peer_vpcs
        for group, group_port in (("service", port), ("db", 5432))
    }
    # prod, a peer environment, is admitted the same way, and the service may reach it back.
    prod_cidr, prod_port = prod_stack.args.vpc_cidr, prod_stack.args.container_port
    environment_rules = {
        ("service", "in", port, prod_cidr),
        ("db", "in", 5432, prod_cidr),
        ("service", "out", prod_port, prod_cidr),
        ("service", "out", 5432, prod_cidr),
    }
    assert rules(staging_stack) == base_rules(port) | peer_rules | environment_rules
