"""A security group revoke sent twice is carried out once; a revoke of a rule never there is refused."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

DEFAULT_EGRESS = [{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def test_a_revoke_sent_again_is_answered_as_done_and_a_rule_never_there_is_refused(emulator_in_process: str) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=emulator_in_process)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="lambda", Description="functions", VpcId=vpc)["GroupId"]

    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=DEFAULT_EGRESS)
    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=DEFAULT_EGRESS)  # the same request again
    [described] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert described["IpPermissionsEgress"] == []

    ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    with pytest.raises(ClientError, match=r"InvalidPermission\.NotFound"):
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=ssh)
    other = ec2.create_security_group(GroupName="other", Description="never revoked", VpcId=vpc)["GroupId"]
    ec2.revoke_security_group_egress(GroupId=other, IpPermissions=DEFAULT_EGRESS)
    with pytest.raises(ClientError, match=r"InvalidPermission\.NotFound"):
        ec2.revoke_security_group_egress(GroupId=other, IpPermissions=ssh)
