"""Route53 and ACM: the service's name and certificate with a domain, nothing for pull requests,
and never a hosted zone of the stack's own."""

import pytest

from lib.multi_env_ecs.dns import VALIDATION_RECORD_TTL, record_name
from lib.multi_env_ecs.tap_stack import PR_DNS_NAME

RECORD = "aws:route53/record:Record"
CERTIFICATE = "aws:acm/certificate:Certificate"
LOOKED_UP_ZONE = "Z0123456789EXAMPLE"  # what the mocked route53.getZone answers


@pytest.mark.parametrize(
    ("suffix", "name"),
    [("prod", "example.com"), ("staging", "staging.example.com"), ("dev", "dev.example.com")],
)
def test_prod_answers_at_the_apex_and_every_other_environment_below_it(suffix, name):
    assert record_name(suffix, "example.com") == name


def test_a_certificate_for_the_services_name_is_validated_through_dns(staging_stack):
    certificate = staging_stack.one(CERTIFICATE)
    assert certificate.inputs["domainName"] == "staging.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    (option,) = certificate.outputs["domainValidationOptions"]
    validation_record = staging_stack.one(RECORD, "validation")
    assert validation_record.inputs["zoneId"] == LOOKED_UP_ZONE
    assert validation_record.inputs["name"] == option["resourceRecordName"]
    assert validation_record.inputs["type"] == option["resourceRecordType"]
    assert validation_record.inputs["records"] == [option["resourceRecordValue"]]
    assert validation_record.inputs["ttl"] == VALIDATION_RECORD_TTL
    validation = staging_stack.one("aws:acm/certificateValidation:CertificateValidation").inputs
    assert validation["certificateArn"] == certificate.outputs["arn"]
    assert validation["validationRecordFqdns"] == [validation_record.outputs["fqdn"]]


def test_the_services_name_aliases_the_load_balancer_in_the_existing_zone(staging_stack):
    alias = staging_stack.one(RECORD, "alias").inputs
    alb = staging_stack.one("aws:lb/loadBalancer:LoadBalancer").outputs
    assert (alias["name"], alias["type"], alias["zoneId"]) == (
        "staging.example.com",
        "A",
        LOOKED_UP_ZONE,
    )
    assert alias["aliases"] == [
        {"name": alb["dnsName"], "zoneId": alb["zoneId"], "evaluateTargetHealth": True}
    ]
    assert staging_stack.outputs["dns_name"] == "staging.example.com"
    assert staging_stack.outputs["service_url"] == "https://staging.example.com"


def test_no_stack_creates_a_hosted_zone(stack, staging_stack, pr_stack):
    for deployment in (stack, staging_stack, pr_stack):
        assert deployment.of_type("aws:route53/zone:Zone") == []


def test_a_pull_request_stack_has_no_dns_even_with_a_domain(pr_stack):
    assert pr_stack.args.domain_name
    assert pr_stack.of_type(RECORD) == []
    assert pr_stack.of_type(CERTIFICATE) == []
    assert pr_stack.outputs["dns_name"] == PR_DNS_NAME == "N/A-PR-Environment"
    alb_dns = pr_stack.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert pr_stack.outputs["service_url"] == f"http://{alb_dns}"


def test_the_generated_stack_has_dns_exactly_when_it_has_a_domain(stack):
    has_domain = bool(stack.args.domain_name) and not stack.args.pull_request
    assert bool(stack.of_type(RECORD)) is has_domain
    assert bool(stack.of_type(CERTIFICATE)) is has_domain


def test_a_new_certificate_is_in_use_before_the_old_one_is_deleted(staging_stack):
    # ACM refuses to delete a certificate a listener still uses (ResourceInUseException): the
    # replacement is created, validated and put on the HTTPS listener first.
    certificate = staging_stack.one(CERTIFICATE)
    assert certificate.options["deleteBeforeReplace"] is False
    validation = staging_stack.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.options["deleteBeforeReplace"] is False
    https = [
        listener
        for listener in staging_stack.of_type("aws:lb/listener:Listener")
        if listener.inputs["protocol"] == "HTTPS"
    ]
    assert [listener.inputs["certificateArn"] for listener in https] == [
        validation.outputs["certificateArn"]
    ]
    # The validation record for one name is the same for every certificate: adopted, not doubled.
    assert staging_stack.one(RECORD, "validation").inputs["allowOverwrite"] is True
