"""The emulator answers DescribeTrails as AWS does: only the trails asked for (moto returns all)."""

from __future__ import annotations

import boto3


def test_describe_trails_returns_only_the_named_trails(emulator_in_process: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=emulator_in_process)
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1", endpoint_url=emulator_in_process)
    s3.create_bucket(Bucket="trail-files")
    for name in ("cc-test-audit", "cc-test-account-audit"):
        cloudtrail.create_trail(Name=name, S3BucketName="trail-files", IsMultiRegionTrail=True)

    [by_name] = cloudtrail.describe_trails(trailNameList=["cc-test-audit"])["trailList"]
    assert by_name["Name"] == "cc-test-audit"
    [by_arn] = cloudtrail.describe_trails(trailNameList=[by_name["TrailARN"]])["trailList"]
    assert by_arn["Name"] == "cc-test-audit"
    every = cloudtrail.describe_trails()["trailList"]
    assert sorted(trail["Name"] for trail in every) == ["cc-test-account-audit", "cc-test-audit"]
