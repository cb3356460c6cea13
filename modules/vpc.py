"""VPC stack of the architecture: 3 public + 3 private subnets over 3 AZs, IGW, NAT, routes, flow logs.

Public subnets hold NAT gateways (and later load balancers); private subnets hold Lambda, RDS and
the interface endpoints. How many NAT gateways exist is ``network.nat_strategy`` in the env file.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupEgress
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from envs import EnvConfig, NatStrategy
from modules.kms import EncryptionKey, EncryptionKeyProps, log_group_grant
from modules.naming import POSTGRES_PORT
from modules.service_roles import flow_logs_role

ANYWHERE = "0.0.0.0/0"


def nat_zone_indexes(strategy: NatStrategy, zone_count: int) -> tuple[int, ...]:
    """Indexes of the AZs that get a NAT gateway."""
    return {
        NatStrategy.NONE: (),
        NatStrategy.SINGLE: (0,),
        NatStrategy.PER_AZ: tuple(range(zone_count)),
    }[strategy]


def egress_nat_index(zone_index: int, nat_zones: tuple[int, ...]) -> int | None:
    """The NAT gateway a private subnet routes through: its own AZ's if it has one, else the first."""
    if not nat_zones:
        return None
    return zone_index if zone_index in nat_zones else nat_zones[0]


def zone_suffix(zone: str) -> str:
    """``us-east-1a`` -> ``1a``, the short AZ name the architecture uses (Public-1a, Private-1a)."""
    return zone.rsplit("-", 1)[-1]


class Network(Construct):
    """Exposes ``vpc``, ``public_subnets``, ``private_subnets``, ``private_route_tables``,
    ``nat_gateways``, ``flow_log_group``, ``flow_log_key`` and ``lambda_security_group`` for the
    layers that build on it."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig) -> None:
        super().__init__(scope, construct_id)
        network = config.network
        zones = network.availability_zones
        self._config = config

        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=str(network.vpc_cidr),
            enable_dns_support=True,  # interface endpoints with private DNS need both
            enable_dns_hostnames=True,
            tags=self._name_tag("vpc"),
        )
        # Takes every rule off the default security group, so nothing can use it by accident.
        self.default_security_group = DefaultSecurityGroup(
            self, "default-security-group", vpc_id=self.vpc.id, tags=self._name_tag("default-locked")
        )
        self.internet_gateway = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags=self._name_tag("igw"))

        self.public_subnets = [
            self._subnet("public", zone, cidr) for zone, cidr in zip(zones, network.public_subnet_cidrs, strict=True)
        ]
        self.private_subnets = [
            self._subnet("private", zone, cidr) for zone, cidr in zip(zones, network.private_subnet_cidrs, strict=True)
        ]

        self.public_route_table = RouteTable(self, "public-rt", vpc_id=self.vpc.id, tags=self._name_tag("public"))
        Route(
            self,
            "public-default-route",
            route_table_id=self.public_route_table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=self.internet_gateway.id,
        )
        for zone, subnet in zip(zones, self.public_subnets, strict=True):
            RouteTableAssociation(
                self, f"public-rta-{zone}", subnet_id=subnet.id, route_table_id=self.public_route_table.id
            )

        nat_zones = nat_zone_indexes(network.nat_strategy, len(zones))
        self.nat_gateways = [self._nat_gateway(zones[index], self.public_subnets[index]) for index in nat_zones]
        self.private_route_tables = [
            self._private_route_table(index, zone, subnet, nat_zones)
            for index, (zone, subnet) in enumerate(zip(zones, self.private_subnets, strict=True))
        ]
        self._flow_logs()
        self.lambda_security_group = self._lambda_security_group()

    def _lambda_security_group(self) -> SecurityGroup:
        """The functions' security group lives here, below the data layer, so that the RDS security
        group can admit exactly this group (architecture: Lambda SG -> RDS SG) without a cycle."""
        private_cidrs = [str(cidr) for cidr in self._config.network.private_subnet_cidrs]
        return SecurityGroup(
            self,
            "lambda-sg",
            name=self._config.resource_name("lambda"),
            description="Platform Lambda functions: HTTPS out, PostgreSQL to the private subnets",
            vpc_id=self.vpc.id,
            # After the default group is locked down. Created side by side on the emulator, this group
            # now and then lacked the default egress rule the provider revokes on create
            # ("InvalidPermission.NotFound"; cause in moto not found); one after the other costs ~1 s.
            depends_on=[self.default_security_group],
            egress=[
                SecurityGroupEgress(
                    description="AWS APIs through the VPC endpoints or NAT, and external JWKS keys",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[ANYWHERE],
                ),
                SecurityGroupEgress(
                    description="PostgreSQL in the private subnets",
                    protocol="tcp",
                    from_port=POSTGRES_PORT,
                    to_port=POSTGRES_PORT,
                    cidr_blocks=private_cidrs,
                ),
            ],
            revoke_rules_on_delete=True,
            tags=self._name_tag("lambda"),
        )

    def _name_tag(self, *parts: str) -> dict[str, str]:
        return {"Name": self._config.resource_name(*parts)}

    def _subnet(self, tier: str, zone: str, cidr: object) -> Subnet:
        return Subnet(
            self,
            f"{tier}-subnet-{zone}",
            vpc_id=self.vpc.id,
            availability_zone=zone,
            cidr_block=str(cidr),
            # NAT gateways carry their own Elastic IPs; nothing else in a public subnet needs one.
            map_public_ip_on_launch=False,
            tags={**self._name_tag(tier, zone_suffix(zone)), "Tier": tier},
        )

    def _nat_gateway(self, zone: str, public_subnet: Subnet) -> NatGateway:
        address = Eip(self, f"nat-eip-{zone}", domain="vpc", tags=self._name_tag("nat", zone_suffix(zone)))
        return NatGateway(
            self,
            f"nat-{zone}",
            allocation_id=address.allocation_id,
            subnet_id=public_subnet.id,
            tags=self._name_tag("nat", zone_suffix(zone)),
            depends_on=[self.internet_gateway],
        )

    def _private_route_table(self, index: int, zone: str, subnet: Subnet, nat_zones: tuple[int, ...]) -> RouteTable:
        table = RouteTable(
            self, f"private-rt-{zone}", vpc_id=self.vpc.id, tags=self._name_tag("private", zone_suffix(zone))
        )
        RouteTableAssociation(self, f"private-rta-{zone}", subnet_id=subnet.id, route_table_id=table.id)
        nat_index = egress_nat_index(index, nat_zones)
        if nat_index is not None:
            Route(
                self,
                f"private-default-route-{zone}",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self.nat_gateways[nat_zones.index(nat_index)].id,
            )
        return table

    def _flow_logs(self) -> None:
        config = self._config
        group_name = f"/aws/vpc/flow-logs/{config.resource_name()}"
        self.flow_log_key = EncryptionKey(
            self,
            "flow-log-key",
            config,
            EncryptionKeyProps(
                purpose="flow-logs",
                description=f"Encrypts the VPC flow logs of {config.resource_name()}",
                grants=[log_group_grant(config, group_name)],
            ),
        )
        self.flow_log_group = CloudwatchLogGroup(
            self,
            "flow-log-group",
            name=group_name,
            retention_in_days=config.network.flow_log_retention_days,
            kms_key_id=self.flow_log_key.key.arn,
        )
        service_role = flow_logs_role(self, config, self.flow_log_group)
        role = service_role.role
        self.flow_log_role_policy = service_role.policy
        self.flow_log_role = role
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type=config.network.flow_log_traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._name_tag("flow-log"),
        )
