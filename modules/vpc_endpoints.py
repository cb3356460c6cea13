"""VPC Endpoints stack of the architecture: private paths from the subnets to AWS services.

Gateway endpoints (S3, DynamoDB) sit on the private route tables and carry policies that only
admit this environment's buckets and tables, so a compromised function cannot copy data to a
bucket outside the platform. Interface endpoints (private DNS on) sit in the private subnets
behind one security group that admits HTTPS from the VPC CIDR (architecture: VPC Endpoint SGs,
inbound 443 from VPC); with them Lambda reaches the AWS APIs it uses without the internet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from envs import EnvConfig
from modules.naming import bucket_arn, regional_arn
from modules.policy import Statement, policy_document

# Services the platform calls from inside the VPC (execute-api: the private REST API itself).
INTERFACE_SERVICES = ("execute-api", "secretsmanager", "lambda", "kinesis-streams", "sts", "logs", "kms", "events")
GATEWAY_SERVICES = ("s3", "dynamodb")


@dataclass(frozen=True)
class VpcEndpointsProps:
    vpc_id: str  # VPC the endpoints serve
    private_subnet_ids: Sequence[str]  # subnets of the interface endpoints (one per AZ)
    private_route_table_ids: Sequence[str]  # route tables the gateway endpoints (S3, DynamoDB) are added to


def service_name(config: EnvConfig, service: str) -> str:
    return f"com.amazonaws.{config.region}.{service}"


def gateway_policy(config: EnvConfig, service: str) -> str:
    """Only this environment's buckets / tables are reachable through the gateway endpoint."""
    prefix = config.resource_name()
    if service == "s3":
        resources = [bucket_arn(config, f"{prefix}-*"), bucket_arn(config, f"{prefix}-*/*")]
        actions = ["s3:*"]
    else:
        table = regional_arn(config, "dynamodb", f"table/{prefix}-*")
        resources = [table, f"{table}/index/*"]
        actions = ["dynamodb:*"]
    return policy_document(
        Statement(
            sid=f"OnlyThisEnvironments{service.title()}",
            principal={"AWS": "*"},
            actions=actions,
            resources=resources,
            condition={"StringEquals": {"aws:PrincipalAccount": config.account_id}},
        )
    )


class VpcEndpoints(Construct):
    """Exposes ``security_group``, ``gateways`` and ``interfaces`` (service -> VpcEndpoint)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: VpcEndpointsProps) -> None:
        super().__init__(scope, construct_id)
        self.security_group = SecurityGroup(
            self,
            "security-group",
            name=config.resource_name("vpc-endpoints"),
            description="Interface endpoints: HTTPS from inside the VPC only",
            vpc_id=props.vpc_id,
            ingress=[
                SecurityGroupIngress(
                    description="HTTPS from the VPC",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[str(config.network.vpc_cidr)],
                )
            ],
            revoke_rules_on_delete=True,
            tags={"Name": config.resource_name("vpc-endpoints")},
        )
        self.gateways = {
            service: VpcEndpoint(
                self,
                service,
                vpc_id=props.vpc_id,
                service_name=service_name(config, service),
                vpc_endpoint_type="Gateway",
                route_table_ids=list(props.private_route_table_ids),
                policy=gateway_policy(config, service),
                tags={"Name": config.resource_name(service)},
            )
            for service in GATEWAY_SERVICES
        }
        self.interfaces = {
            service: VpcEndpoint(
                self,
                service,
                vpc_id=props.vpc_id,
                service_name=service_name(config, service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=list(props.private_subnet_ids),
                security_group_ids=[self.security_group.id],
                tags={"Name": config.resource_name(service)},
            )
            for service in INTERFACE_SERVICES
        }
