"""The `local` environment applied with Terraform against the emulator, and converged.

The deployment, and the checks that run beside it, come from ``conftest.py`` in this folder.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator import dr_drill
from tests.emulator.conftest import LocalDeployment
from tests.emulator.fault_drills import DRILL_KEY
from tools.deploy import PLAN_NO_CHANGES, deployment_order
from tools.recovery import DRILL_REPORT


def test_every_local_stack_is_applied_in_layer_order(deployment: LocalDeployment) -> None:
    assert list(deployment.outputs) == deployment_order(deployment.outdir, "local")
    assert list(deployment.outputs) == [
        "bootstrap-local",
        "account-local",  # local owns its (emulated) account's settings
        "foundation-local",
        "security-local",
        "data-local",  # grants its table and database on the security layer's roles
        "integration-local",
        "application-local",
        "connect-local",
    ]


def test_vpc_exists_with_the_configured_network(deployment: LocalDeployment) -> None:
    ec2 = deployment.client("ec2")
    network = deployment.config.network
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["cc-local-vpc"]}])["Vpcs"]
    assert vpc["CidrBlock"] == str(network.vpc_cidr)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(
        map(str, network.public_subnet_cidrs + network.private_subnet_cidrs)
    )
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
    assert len([nat for nat in nats if nat["State"] == "available"]) == 1
    (flow_log,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    assert flow_log["LogDestination"].endswith(":log-group:/aws/vpc/flow-logs/cc-local")
    assert flow_log["TrafficType"] == "ALL"
    outputs = deployment.outputs["foundation-local"]
    assert outputs["vpc_id"] == vpc["VpcId"]
    assert len(outputs["private_subnet_ids"]) == 3 and len(outputs["public_subnet_ids"]) == 3
    tags = {tag["Key"]: tag["Value"] for tag in vpc["Tags"]}
    assert tags["Environment"] == "local" and tags["Layer"] == "foundation" and tags["ManagedBy"] == "cdktf"


def test_state_lives_in_the_env_bucket_one_object_per_stack(deployment: LocalDeployment) -> None:
    s3 = deployment.client("s3")
    bucket = deployment.config.state_bucket
    keys = sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket)["Contents"])
    states = [key for key in keys if not key.endswith(".tflock")]
    # The state-fault drills' root runs beside the deploy and has a state of its own.
    drills = [DRILL_KEY] if DRILL_KEY in states else []
    assert states == sorted([*drills, *(f"local/{name}.tfstate" for name in list(deployment.outputs)[1:])])
    # A lock lives as long as the run that holds it (the checks beside the deploy plan with locking on):
    # any lock present is next to the state it locks.
    assert all(key.removesuffix(".tflock") in states for key in keys if key.endswith(".tflock"))
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert deployment.outputs["bootstrap-local"]["state_bucket_name"] == bucket


def test_data_buckets_are_encrypted_versioned_private_and_logged(deployment: LocalDeployment) -> None:
    s3 = deployment.client("s3")
    outputs = deployment.outputs["foundation-local"]
    log_bucket = "cc-local-access-logs-123456789012"
    for purpose in ("recordings", "voicemail", "exports", "screen_recordings", "command_center"):
        bucket = outputs[f"{purpose}_bucket"]
        assert bucket == f"cc-local-{purpose.replace('_', '-')}-123456789012"
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert (logging["TargetBucket"], logging["TargetPrefix"]) == (log_bucket, f"{bucket}/")
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert {r["ID"] for r in rules} == {"expire-noncurrent-versions", "retention"}


def test_database_is_private_encrypted_and_uses_a_managed_secret(deployment: LocalDeployment) -> None:
    (db,) = deployment.client("rds").describe_db_instances(DBInstanceIdentifier="cc-local-postgres")["DBInstances"]
    assert (db["Engine"], db["EngineVersion"]) == ("postgres", "16.4")
    assert db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
    assert db["IAMDatabaseAuthenticationEnabled"] is True
    assert db["MasterUserSecret"]["SecretArn"] == deployment.outputs["data-local"]["database_secret_arn"]
    (group,) = db["VpcSecurityGroups"]
    ec2 = deployment.client("ec2")
    (rds_sg,) = ec2.describe_security_groups(GroupIds=[group["VpcSecurityGroupId"]])["SecurityGroups"]
    (lambda_sg,) = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["cc-local-lambda"]}])[
        "SecurityGroups"
    ]
    (ingress,) = rds_sg["IpPermissions"]
    assert ingress["FromPort"] == 5432 and not ingress["IpRanges"]
    assert [pair["GroupId"] for pair in ingress["UserIdGroupPairs"]] == [lambda_sg["GroupId"]]


def test_queue_experience_table_is_on_demand_encrypted_and_recoverable(deployment: LocalDeployment) -> None:
    dynamodb = deployment.client("dynamodb")
    table = dynamodb.describe_table(TableName="cc-local-queue-experience")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"by-contact", "by-status"}
    backups = dynamodb.describe_continuous_backups(TableName="cc-local-queue-experience")
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )
    ttl = dynamodb.describe_time_to_live(TableName="cc-local-queue-experience")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_the_audit_trails_record_every_api_call_and_reads_of_recordings_and_voicemails(
    deployment: LocalDeployment,
) -> None:
    cloudtrail, logs = deployment.client("cloudtrail"), deployment.client("logs")
    # The account's trail (account stack): every API call, every region.
    [account] = cloudtrail.describe_trails(trailNameList=["cc-local-account-audit"])["trailList"]
    assert (
        account["IsMultiRegionTrail"] and account["LogFileValidationEnabled"] and account["IncludeGlobalServiceEvents"]
    )
    assert account["S3BucketName"] == "cc-local-account-audit-123456789012" and account["KmsKeyId"]
    [everything] = cloudtrail.get_event_selectors(TrailName="cc-local-account-audit")["EventSelectors"]
    assert everything["IncludeManagementEvents"] and not everything.get("DataResources")
    filters = logs.describe_metric_filters(logGroupName="/aws/cloudtrail/cc-local-account-audit")["metricFilters"]
    assert {f["filterName"] for f in filters} == {"cc-local-audit-unauthorized-calls", "cc-local-audit-trail-changed"}
    # The env's trail (security layer): object reads and writes of its data buckets only.
    [trail] = cloudtrail.describe_trails(trailNameList=["cc-local-audit"])["trailList"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["S3BucketName"] == "cc-local-audit-123456789012" and trail["KmsKeyId"]
    assert trail["CloudWatchLogsLogGroupArn"].endswith(":log-group:/aws/cloudtrail/cc-local-audit:*")
    [selector] = cloudtrail.get_event_selectors(TrailName="cc-local-audit")["EventSelectors"]
    assert not selector["IncludeManagementEvents"]
    [objects] = selector["DataResources"]
    assert objects["Type"] == "AWS::S3::Object" and sorted(objects["Values"]) == sorted(
        f"arn:aws:s3:::cc-local-{purpose}-123456789012/" for purpose in ("recordings", "voicemail", "screen-recordings")
    )
    filters = logs.describe_metric_filters(logGroupName="/aws/cloudtrail/cc-local-audit")["metricFilters"]
    assert {f["filterName"] for f in filters} == {"cc-local-audit-refused-object-access"}
    alarms = deployment.client("cloudwatch").describe_alarms(AlarmNamePrefix="cc-local-connect-")["MetricAlarms"]
    assert {alarm["Namespace"] for alarm in alarms} == {"AWS/Connect"}
    assert len(alarms) == 2 * len(deployment.config.connect.queue_names) + 5  # per queue: size and wait; 5 more


def test_function_roles_and_vpc_endpoints_exist(deployment: LocalDeployment) -> None:
    iam = deployment.client("iam")
    from modules.naming import Function

    roles = deployment.outputs["security-local"]["function_role_arns"]
    assert sorted(roles) == sorted(function.value for function in Function)
    for arn in roles.values():
        name = arn.rsplit("/", 1)[1]
        assert iam.get_role_policy(RoleName=name, PolicyName="least-privilege")["PolicyDocument"]["Statement"]
    vpc_id = deployment.outputs["foundation-local"]["vpc_id"]
    endpoints = deployment.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    services = {e["ServiceName"].rsplit(".", 1)[1]: e for e in endpoints["VpcEndpoints"]}
    assert {"s3", "dynamodb", "execute-api", "secretsmanager", "lambda", "kinesis-streams", "sts", "logs"} <= set(
        services
    )
    assert services["s3"]["VpcEndpointType"] == "Gateway"
    assert services["logs"]["PrivateDnsEnabled"] is True


def test_streams_are_encrypted_and_ctrs_are_exported_to_the_exports_bucket(deployment: LocalDeployment) -> None:
    kinesis = deployment.client("kinesis")
    outputs = deployment.outputs["integration-local"]
    for stream in ("queue_experience", "ctr", "agent_events"):
        name = outputs[f"{stream}_stream"]
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["EncryptionType"] == "KMS"
        assert summary["RetentionPeriodHours"] == deployment.config.kinesis.retention_hours
    firehose = deployment.client("firehose")
    description = firehose.describe_delivery_stream(DeliveryStreamName=outputs["ctr_export_delivery_stream"])
    (destination,) = description["DeliveryStreamDescription"]["Destinations"]
    s3 = destination["ExtendedS3DestinationDescription"]
    assert s3["BucketARN"] == "arn:aws:s3:::cc-local-exports-123456789012"
    assert s3["CompressionFormat"] == "GZIP"


def test_functions_run_the_built_packages_in_the_vpc(deployment: LocalDeployment) -> None:
    from modules.lambda_packages import LambdaPackages
    from modules.naming import Function
    from tools.build_lambdas import output_folder

    packages = LambdaPackages.from_build(output_folder(deployment.config.lambdas.architecture))
    lambda_ = deployment.client("lambda")
    outputs = deployment.outputs["integration-local"]
    for function in Function:
        name = outputs[f"{function.value.replace('-', '_')}_function"]
        configuration = lambda_.get_function(FunctionName=name)["Configuration"]
        assert configuration["Runtime"] == "python3.12"
        assert configuration["CodeSha256"] == packages.functions[function].source_code_hash  # the zip we built
        assert configuration["TracingConfig"] == {"Mode": "Active"}
        assert len(configuration["VpcConfig"]["SubnetIds"]) == 3
        assert configuration["Layers"][0]["Arn"].split(":")[-2] == "cc-local-shared"
    mappings = lambda_.list_event_source_mappings()["EventSourceMappings"]
    [mapping] = [m for m in mappings if m["FunctionArn"].endswith(f":function:{outputs['post_call_function']}")]
    assert mapping["EventSourceArn"].endswith(":stream/cc-local-ctr")
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    packager_arn = f":function:{outputs['voicemail_packager_function']}"
    [packager] = [m for m in mappings if m["FunctionArn"].endswith(packager_arn)]
    assert packager["EventSourceArn"] == mapping["EventSourceArn"] and packager["BatchSize"] == 10
    [only_voicemails] = packager["FilterCriteria"]["Filters"]
    assert json.loads(only_voicemails["Pattern"]) == {"data": {"Attributes": {"voicemail": ["true"]}}}
    assert packager["DestinationConfig"]["OnFailure"]["Destination"].endswith(":cc-local-voicemail-packager-dlq")
    notification = deployment.client("s3").get_bucket_notification_configuration(
        Bucket="cc-local-voicemail-123456789012"
    )
    [target] = notification["LambdaFunctionConfigurations"]
    assert target["LambdaFunctionArn"].endswith(":function:cc-local-voicemail")


def test_private_api_and_event_rules_are_deployed(deployment: LocalDeployment) -> None:
    from modules.api_gateway import ROUTES

    api_id = deployment.outputs["application-local"]["api_id"]
    apigateway = deployment.client("apigateway")
    api = apigateway.get_rest_api(restApiId=api_id)
    assert api["endpointConfiguration"]["types"] == ["PRIVATE"]
    resources = apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    methods = {(verb, r["path"]) for r in resources for verb in r.get("resourceMethods", {})}
    assert methods == {(route.method, route.path) for route in ROUTES}
    assert apigateway.get_stage(restApiId=api_id, stageName="v1")["tracingEnabled"] is True
    rules = {r["Name"] for r in deployment.client("events").list_rules(NamePrefix="cc-local-")["Rules"]}
    assert {"cc-local-nightly-export", "cc-local-purge-expired", "cc-local-voicemail-received"} <= rules


def _instance(deployment: LocalDeployment) -> tuple[Any, str]:
    connect = deployment.client("connect")
    return connect, deployment.outputs["connect-local"]["connect_instance_id"]


def _by_name(items: list[dict[str, Any]], key: str = "Name") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_connect_instance_has_its_attributes_and_storage(deployment: LocalDeployment) -> None:
    connect, instance_id = _instance(deployment)
    instance = connect.describe_instance(InstanceId=instance_id)["Instance"]
    assert (instance["InstanceAlias"], instance["IdentityManagementType"]) == ("cc-local-contact-center", "SAML")
    assert instance["InstanceStatus"] == "ACTIVE" and instance["Tags"]["Layer"] == "connect"
    attributes = {
        a: connect.describe_instance_attribute(InstanceId=instance_id, AttributeType=a)["Attribute"]["Value"]
        for a in ("INBOUND_CALLS", "OUTBOUND_CALLS", "CONTACT_LENS", "CONTACTFLOW_LOGS", "EARLY_MEDIA")
    }
    assert set(attributes.values()) == {"true"}, attributes
    outputs = deployment.outputs["foundation-local"]
    storage = {
        kind: connect.list_instance_storage_configs(InstanceId=instance_id, ResourceType=kind)["StorageConfigs"]
        for kind in (
            "CALL_RECORDINGS",
            "CHAT_TRANSCRIPTS",
            "SCREEN_RECORDINGS",
            "CONTACT_TRACE_RECORDS",
            "AGENT_EVENTS",
            "MEDIA_STREAMS",
        )
    }
    [recordings] = storage["CALL_RECORDINGS"]
    assert recordings["S3Config"]["BucketName"] == outputs["recordings_bucket"]
    assert recordings["S3Config"]["EncryptionConfig"]["EncryptionType"] == "KMS"
    assert storage["SCREEN_RECORDINGS"][0]["S3Config"]["BucketName"] == outputs["screen_recordings_bucket"]
    [ctr] = storage["CONTACT_TRACE_RECORDS"]
    assert ctr["KinesisStreamConfig"]["StreamArn"].endswith(":stream/cc-local-ctr")
    assert storage["AGENT_EVENTS"][0]["KinesisStreamConfig"]["StreamArn"].endswith(":stream/cc-local-agent-events")
    [media] = storage["MEDIA_STREAMS"]  # callers' voicemail audio, streamed live
    video = media["KinesisVideoStreamConfig"]
    assert (video["Prefix"], video["RetentionPeriodHours"]) == ("cc-local-media", 24)
    assert video["EncryptionConfig"]["EncryptionType"] == "KMS"
    assert video["EncryptionConfig"]["KeyId"] == recordings["S3Config"]["EncryptionConfig"]["KeyId"]  # storage key


def test_connect_queues_follow_their_hours_and_profiles_serve_them(deployment: LocalDeployment) -> None:
    connect, instance_id = _instance(deployment)
    hours = _by_name(connect.list_hours_of_operations(InstanceId=instance_id)["HoursOfOperationSummaryList"])
    queues = _by_name(connect.list_queues(InstanceId=instance_id, QueueTypes=["STANDARD"])["QueueSummaryList"])
    support = connect.describe_queue(InstanceId=instance_id, QueueId=queues["support"]["Id"])["Queue"]
    billing = connect.describe_queue(InstanceId=instance_id, QueueId=queues["billing"]["Id"])["Queue"]
    assert support["HoursOfOperationId"] == hours["business-hours"]["Id"] and support["MaxContacts"] == 50
    assert billing["HoursOfOperationId"] == hours["extended"]["Id"] and billing["MaxContacts"] == 20
    extended = connect.describe_hours_of_operation(InstanceId=instance_id, HoursOfOperationId=hours["extended"]["Id"])
    assert {
        (c["Day"], c["StartTime"]["Hours"], c["EndTime"]["Hours"]) for c in extended["HoursOfOperation"]["Config"]
    } == {(day, 7, 21) for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")}
    quick = _by_name(
        connect.list_queue_quick_connects(InstanceId=instance_id, QueueId=queues["support"]["Id"])[
            "QuickConnectSummaryList"
        ]
    )
    assert {name: q["QuickConnectType"] for name, q in quick.items()} == {
        "to-billing": "QUEUE",
        "escalation-line": "PHONE_NUMBER",
    }
    to_billing = connect.describe_quick_connect(InstanceId=instance_id, QuickConnectId=quick["to-billing"]["Id"])
    target = to_billing["QuickConnect"]["QuickConnectConfig"]["QueueConfig"]
    flows = _by_name(connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"])
    assert target == {"QueueId": queues["billing"]["Id"], "ContactFlowId": flows["queue-transfer"]["Id"]}
    profiles = _by_name(connect.list_routing_profiles(InstanceId=instance_id)["RoutingProfileSummaryList"])
    served = connect.list_routing_profile_queues(
        InstanceId=instance_id, RoutingProfileId=profiles["billing-specialists"]["Id"]
    )
    assert {
        (c["QueueName"], c["Channel"], c["Priority"], c["Delay"])
        for c in served["RoutingProfileQueueConfigSummaryList"]
    } == {("billing", "VOICE", 1, 0), ("support", "VOICE", 2, 30)}
    generalists = connect.describe_routing_profile(InstanceId=instance_id, RoutingProfileId=profiles["agents"]["Id"])
    concurrency = {c["Channel"]: c["Concurrency"] for c in generalists["RoutingProfile"]["MediaConcurrencies"]}
    assert concurrency == {"VOICE": 1, "CHAT": 2}


def test_connect_flows_hold_their_rendered_content_and_invoke_associated_functions(
    deployment: LocalDeployment,
) -> None:
    connect, instance_id = _instance(deployment)
    flows = _by_name(connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"])
    types = {
        name: flows[name]["ContactFlowType"]
        for name in ("inbound", "customer-queue", "agent-whisper", "queue-transfer")
    }
    assert types == {
        "inbound": "CONTACT_FLOW",
        "customer-queue": "CUSTOMER_QUEUE",
        "agent-whisper": "AGENT_WHISPER",
        "queue-transfer": "QUEUE_TRANSFER",
    }
    inbound = json.loads(
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flows["inbound"]["Id"])["ContactFlow"][
            "Content"
        ]
    )
    actions = {action["Identifier"]: action for action in inbound["Actions"]}
    queues = _by_name(connect.list_queues(InstanceId=instance_id, QueueTypes=["STANDARD"])["QueueSummaryList"])
    assert actions["route-billing"]["Parameters"]["Attributes"]["queueArn"] == queues["billing"]["Arn"]
    assert set(inbound["Metadata"]["ActionMetadata"]) == set(actions)
    [hook] = [
        a
        for a in inbound["Actions"]
        if a["Type"] == "UpdateContactEventHooks" and "CustomerQueue" in a["Parameters"]["EventHooks"]
    ]
    assert hook["Parameters"]["EventHooks"]["CustomerQueue"] == flows["customer-queue"]["Arn"]
    modules = _by_name(connect.list_contact_flow_modules(InstanceId=instance_id)["ContactFlowModulesSummaryList"])
    assert actions["after-hours"]["Parameters"]["FlowModuleId"] == modules["after-hours"]["Id"]
    [invoke] = [a for a in inbound["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    associated = connect.list_lambda_functions(InstanceId=instance_id)["LambdaFunctions"]
    assert associated == [invoke["Parameters"]["LambdaFunctionARN"]]
    assert associated[0].endswith(":function:cc-local-queue-experience")


def test_connect_agents_sign_in_through_saml_into_their_profiles_and_groups(deployment: LocalDeployment) -> None:
    connect, instance_id = _instance(deployment)
    users = _by_name(connect.list_users(InstanceId=instance_id)["UserSummaryList"], "Username")
    assert set(users) == {"ana.agent@example.com", "bo.billing@example.com"}
    bo = connect.describe_user(InstanceId=instance_id, UserId=users["bo.billing@example.com"]["Id"])["User"]
    assert bo["IdentityInfo"] == {"FirstName": "Bo", "LastName": "Billing"}
    profiles = _by_name(connect.list_routing_profiles(InstanceId=instance_id)["RoutingProfileSummaryList"])
    assert bo["RoutingProfileId"] == profiles["billing-specialists"]["Id"]
    security = _by_name(connect.list_security_profiles(InstanceId=instance_id)["SecurityProfileSummaryList"])
    assert sorted(bo["SecurityProfileIds"]) == sorted([security["agent"]["Id"], security["supervisor"]["Id"]])
    group = connect.describe_user_hierarchy_group(InstanceId=instance_id, HierarchyGroupId=bo["HierarchyGroupId"])
    path = group["HierarchyGroup"]["HierarchyPath"]
    assert (path["LevelOne"]["Name"], path["LevelTwo"]["Name"]) == ("headquarters", "billing-team")
    structure = connect.describe_user_hierarchy_structure(InstanceId=instance_id)["HierarchyStructure"]
    assert (structure["LevelOne"]["Name"], structure["LevelTwo"]["Name"]) == ("Site", "Team")
    assert bo["PhoneConfig"]["AfterContactWorkTimeLimit"] == 60
    state = deployment.client("s3").get_object(Bucket=deployment.config.state_bucket, Key="local/connect-local.tfstate")
    users = [r for r in json.loads(state["Body"].read())["resources"] if r["type"] == "aws_connect_user"]
    assert len(users) == 2 and all(i["attributes"]["password"] is None for r in users for i in r["instances"])


def test_connect_refuses_an_invalid_flow_naming_the_problem(deployment: LocalDeployment) -> None:
    from botocore.exceptions import ClientError

    connect, instance_id = _instance(deployment)
    content = {
        "Version": "2019-10-30",
        "StartAction": "hello",
        "Actions": [
            {
                "Identifier": "hello",
                "Type": "MessageParticipant",
                "Parameters": {"Text": "Hi"},
                "Transitions": {
                    "NextAction": "gone",
                    "Errors": [{"NextAction": "gone", "ErrorType": "NoMatchingError"}],
                },
            }
        ],
    }
    with pytest.raises(ClientError) as refused:
        connect.create_contact_flow(
            InstanceId=instance_id, Name="broken", Type="CONTACT_FLOW", Content=json.dumps(content)
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidContactFlowException"
    assert "'gone', which is not an action of this flow" in error["Message"]
    assert refused.value.response["problems"]
    flows = connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
    assert "broken" not in {flow["Name"] for flow in flows}

    printed = deployment.check("invalid-flow")  # terraform apply of a flow invoking an unassociated function
    assert "InvalidContactFlowException" in printed and "hint: Amazon Connect refused a flow's content" in printed
    assert deployment.emulator.log_path is not None
    log = deployment.emulator.log_path.read_text()  # the provider drops Connect's problems; the emulator says them
    assert "function:cc-local-voicemail is not associated with this instance" in log


def test_a_phone_number_is_claimed_converges_and_is_released_by_terraform(deployment: LocalDeployment) -> None:
    result = deployment.check("phone-number")
    claimed = result["claimed"]
    assert claimed["phone_number"].startswith("+1202555") and claimed["status"][0]["status"] == "CLAIMED"
    assert (claimed["country_code"], claimed["type"], claimed["description"]) == ("US", "DID", "Local line")
    assert result["second_plan"] == PLAN_NO_CHANGES, result["plan"]
    connect, instance_id = _instance(deployment)
    assert connect.list_phone_numbers(InstanceId=instance_id)["PhoneNumberSummaryList"] == []  # released


def test_packages_built_in_another_clone_plan_no_lambda_changes(deployment: LocalDeployment) -> None:
    """Another clone (another path, fresh build folder, own synth) against the state applied here."""
    code, text = deployment.check("other-clone")
    assert code == PLAN_NO_CHANGES, f"the other clone's packages show up in the plan:\n{text}"


def test_a_second_plan_shows_no_changes(deployment: LocalDeployment) -> None:
    """Each stack planned again right after its apply; the drift test's first refresh shows that no
    stack changed afterwards (see ``prepare`` in conftest.py)."""
    for name in deployment.outputs:
        code, plan = deployment.check(f"second-plan:{name}")
        changed = [c["address"] for c in plan.get("resource_changes", []) if c["change"]["actions"] != ["no-op"]]
        assert code == PLAN_NO_CHANGES, f"{name} did not converge: {changed}"


def test_plan_report_shows_no_changes_then_exactly_a_construct_change(deployment: LocalDeployment) -> None:
    from tools.plan_report import exit_code, markdown, stack_report

    untouched = [stack_report(name, deployment.check(f"second-plan:{name}")[1]) for name in deployment.outputs]
    assert all(not report.changes for report in untouched), markdown("local", untouched)
    assert "No changes" in markdown("local", untouched)

    [report] = deployment.check("construct-change")  # post_call's timeout 120 -> 121 s in the construct code
    [change] = report.changes
    assert (change.action, change.type) == ("update", "aws_lambda_function")
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("timeout", 120, 121)]
    assert exit_code([report], allow_stateful_changes=False) == 0


def test_plan_report_blocks_replacing_the_table(deployment: LocalDeployment) -> None:
    from tools.plan_report import EXIT_BLOCKING, exit_code, markdown

    reports = deployment.check("table-replacement")  # the table renamed in the construct code
    [blocking] = reports[0].blocking
    assert (blocking.type, blocking.action) == ("aws_dynamodb_table", "replace")
    assert "blocking change(s)" in markdown("local", reports)
    assert exit_code(reports, allow_stateful_changes=False) == EXIT_BLOCKING
    assert exit_code(reports, allow_stateful_changes=True) == 0


def test_make_deploy_without_a_terminal_plans_every_stack_and_has_nothing_to_approve(
    deployment: LocalDeployment, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `make deploy ENV=local </dev/null` does on the converged env: a saved plan per stack, no
    changes, nothing to approve, exit 0 (where `cdktf deploy` crashed asking for raw mode)."""
    import io

    from tools import release

    monkeypatch.delenv("AUTO_APPROVE", raising=False)
    out = io.StringIO()
    plans = tmp_path_factory.mktemp("plans")
    release.deploy(deployment.outdir, "local", plans, release.approver(out, io.StringIO()), out)
    assert out.getvalue().splitlines() == [f"[{stack}] no changes" for stack in deployment.outputs]


def test_drift_detection_reports_exactly_the_out_of_band_changes(
    deployment: LocalDeployment, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Runs last: it changes the deployment behind Terraform's back. Its first run, after every stack
    is applied, also shows that no stack changed another's resources after that stack's own second
    plan (test_a_second_plan_shows_no_changes)."""
    from tools import drift

    reports = tmp_path_factory.mktemp("drift-reports")
    arguments = ["local", "--outdir", str(deployment.outdir), "--report-dir", str(reports)]
    assert drift.main(arguments) == 0, (reports / "drift-local.md").read_text()

    outputs = deployment.outputs
    ec2, s3 = deployment.client("ec2"), deployment.client("s3")
    database_sg = next(
        group["GroupId"]
        for group in ec2.describe_security_groups()["SecurityGroups"]
        if group["GroupName"] == "cc-local-postgres"
    )
    ec2.authorize_security_group_ingress(
        GroupId=database_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    s3.put_bucket_versioning(Bucket="cc-local-exports-123456789012", VersioningConfiguration={"Status": "Suspended"})
    deployment.client("dynamodb").update_continuous_backups(
        TableName="cc-local-queue-experience", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    lambda_ = deployment.client("lambda")
    core_api = outputs["integration-local"]["core_api_function"]
    variables = lambda_.get_function_configuration(FunctionName=core_api)["Environment"]["Variables"]
    lambda_.update_function_configuration(
        FunctionName=core_api, Environment={"Variables": {**variables, "POWERTOOLS_LOG_LEVEL": "DEBUG"}}
    )
    sqs = deployment.client("sqs")
    sqs.tag_queue(QueueUrl=sqs.get_queue_url(QueueName="cc-local-post-call-dlq")["QueueUrl"], Tags={"owner": "someone"})
    _edit_connect_in_the_console(deployment)

    assert drift.main(arguments) == drift.EXIT_DRIFT
    found = json.loads((reports / "drift-local.json").read_text())["drifted"]
    by_type = {resource["type"]: resource for resource in found}
    assert sorted(by_type) == sorted(
        [
            "aws_security_group",
            "aws_s3_bucket_versioning",
            "aws_dynamodb_table",
            "aws_lambda_function",
            "aws_sqs_queue",
            "aws_connect_contact_flow",
            "aws_connect_queue",
            "aws_connect_routing_profile",
        ]
    ), found
    assert len(found) == 8
    changes = {
        kind: {a["path"]: (a["before"], a["after"]) for a in resource["attributes"]}
        for kind, resource in by_type.items()
    }
    assert changes["aws_connect_contact_flow"] == {  # compared as JSON: the re-indented document is no change
        "content.Actions[callback-confirmed].Parameters.Text": (
            deployment.config.connect.prompts.callback_confirmation,
            "Thanks! We will call you back.",
        )
    }
    assert changes["aws_connect_queue"] == {"description": ("support queue (local)", "Edited in the console")}
    assert changes["aws_connect_routing_profile"] == {"media_concurrencies[CHAT].concurrency": (2, 3)}
    assert "customer-queue" in by_type["aws_connect_contact_flow"]["address"]
    assert "queue-support" in by_type["aws_connect_queue"]["address"]
    paths = {kind: {attribute["path"] for attribute in resource["attributes"]} for kind, resource in by_type.items()}
    assert any(path.startswith("ingress") for path in paths["aws_security_group"])
    assert any(path.startswith("versioning_configuration") for path in paths["aws_s3_bucket_versioning"])
    assert any(path.startswith("point_in_time_recovery") for path in paths["aws_dynamodb_table"])
    assert any(path.startswith("environment") for path in paths["aws_lambda_function"])
    assert any(path.startswith("tags") for path in paths["aws_sqs_queue"])


def _edit_connect_in_the_console(deployment: LocalDeployment) -> None:
    """What business users do in the Connect console: a prompt reworded (the flow saved re-indented),
    a queue's description, a routing profile's chat concurrency."""
    connect, instance_id = _instance(deployment)
    flows = _by_name(connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"])
    flow_id = flows["customer-queue"]["Id"]
    content = json.loads(
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]["Content"]
    )
    [confirmed] = [a for a in content["Actions"] if a["Identifier"] == "callback-confirmed"]
    confirmed["Parameters"]["Text"] = "Thanks! We will call you back."
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=flow_id, Content=json.dumps(content, indent=4, sort_keys=False)
    )
    queues = _by_name(connect.list_queues(InstanceId=instance_id, QueueTypes=["STANDARD"])["QueueSummaryList"])
    connect.update_queue_name(
        InstanceId=instance_id, QueueId=queues["support"]["Id"], Description="Edited in the console"
    )
    profiles = _by_name(connect.list_routing_profiles(InstanceId=instance_id)["RoutingProfileSummaryList"])
    connect.update_routing_profile_concurrency(
        InstanceId=instance_id,
        RoutingProfileId=profiles["agents"]["Id"],
        MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}, {"Channel": "CHAT", "Concurrency": 3}],
    )


def test_dr_drill_restores_the_database_and_buckets_from_snapshot_and_replicas(deployment: LocalDeployment) -> None:
    """Last: the drill (dr_drill.py, its own emulator) runs beside everything above."""
    drill = deployment.check("dr-drill")
    # The destroy was blocking until allowed: the plan report named the stateful resources.
    assert drill.blocked_exit == 3
    deleted = [line for line in drill.blocking if line.endswith("delete")]
    assert any(line.startswith("aws_db_instance.") for line in deleted), drill.blocking
    assert any(line.startswith("aws_dynamodb_table.") for line in drill.blocking), drill.blocking
    # The keys stay: the snapshot is encrypted with the data key, and AWS refuses a restore while
    # its key is scheduled for deletion.
    assert not any(line.startswith("aws_kms_key.") for line in drill.blocking), drill.blocking
    # Allowed, it destroyed the data: the instance's database is gone and the bucket lost every version.
    assert drill.database_gone_after_destroy
    assert drill.objects_after_loss == {}
    # Restored through config and `restore-buckets`: the same rows, the same versions in order.
    assert drill.rows_written["contacts"] and drill.rows_written["queues"]
    assert drill.rows_restored == drill.rows_written
    assert (
        drill.objects_restored
        == drill.objects_written
        == {key: versions for key, versions in sorted(dr_drill.VOICEMAILS.items())}
    )
    # The restored layer converges: a second plan has nothing to do.
    assert drill.second_plan_exit == 0, drill.second_plan
    # The runbook's recovery times come from here, each long step beside its floor (README
    # "Runbook"; `make bench` prints both).
    DRILL_REPORT.parent.mkdir(exist_ok=True)
    report = {"seconds": drill.seconds, "floors": drill.floors, "floor_sources": drill.floor_sources}
    DRILL_REPORT.write_text(json.dumps(report, indent=2) + "\n")
