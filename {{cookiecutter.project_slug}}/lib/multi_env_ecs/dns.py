"""The service's name in an existing Route53 zone, and a certificate for it validated through DNS.

No stack creates a hosted zone: the zone is named by ``hostedZoneId`` or found by the domain.
"""

from __future__ import annotations

import pulumi
from pulumi_aws import acm, lb, route53

from lib.context import StackContext

VALIDATION_RECORD_TTL = 60


def record_name(suffix: str, domain_name: str) -> str:
    """prod answers at the domain itself; every other environment at ``<suffix>.<domain>``."""
    return domain_name if suffix == "prod" else f"{suffix}.{domain_name}"


class ServiceDomain(pulumi.ComponentResource):
    """A DNS-validated ACM certificate for the service's name; ``alias_to`` then points the name
    at the load balancer."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        domain_name: str,
        hosted_zone_id: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:dns:ServiceDomain", name, None, opts)
        self._prefix = name
        self._child = pulumi.ResourceOptions(parent=self)
        self.record_name = record_name(ctx.suffix, domain_name)
        self.zone_id: pulumi.Input[str] = (
            hosted_zone_id or route53.get_zone_output(name=domain_name, private_zone=False).zone_id
        )
        # A new certificate (another domain) is created, validated and put on the HTTPS listener
        # before the old one is deleted: ACM refuses to delete a certificate a listener still
        # uses (ResourceInUseException). Certificates have no name, so two can exist at once.
        self.certificate = acm.Certificate(
            f"{name}-certificate",
            domain_name=self.record_name,
            validation_method="DNS",
            tags=ctx.tags,
            opts=self._child,
        )
        option = self.certificate.domain_validation_options.apply(lambda options: options[0])
        # ACM asks for the same record for the same name in one account, so a replacement for
        # the same name leaves this record as it is (allow_overwrite adopts one left behind);
        # for a new name it is a new record, created before the old one goes.
        self.validation_record = route53.Record(
            f"{name}-validation",
            zone_id=self.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=VALIDATION_RECORD_TTL,
            allow_overwrite=True,
            opts=self._child,
        )
        self.validation = acm.CertificateValidation(
            f"{name}-validation-wait",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record.fqdn],
            opts=self._child,
        )
        # Listeners use the certificate only once it is issued.
        self.certificate_arn = self.validation.certificate_arn
        self.alias: route53.Record | None = None
        self.register_outputs({"record_name": self.record_name})

    def alias_to(self, load_balancer: lb.LoadBalancer) -> route53.Record:
        """An A record for the service's name that aliases the load balancer."""
        self.alias = route53.Record(
            f"{self._prefix}-alias",
            zone_id=self.zone_id,
            name=self.record_name,
            type="A",
            aliases=[
                {
                    "name": load_balancer.dns_name,
                    "zone_id": load_balancer.zone_id,
                    "evaluate_target_health": True,
                }
            ],
            opts=self._child,
        )
        return self.alias
