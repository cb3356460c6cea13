"""Realistic Lambda events, shaped like the ones AWS sends (trimmed to the fields handlers read)."""

from __future__ import annotations

import base64
import json
from typing import Any

API_ID = "a1b2c3d4e5"
ACCOUNT = "123456789012"


def api_request(
    method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None, raw_body: str | None = None
) -> dict[str, Any]:
    """An API Gateway REST proxy event as it reaches the function behind the /v1 resources."""
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer token"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {key: [value] for key, value in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "stage": "v1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "identity": {"sourceIp": "10.120.10.15", "vpceId": "vpce-0123456789abcdef0"},
            "authorizer": {"principalId": "user-1", "scope": "contact-center/read contact-center/write"},
        },
        "body": text,
        "isBase64Encoded": False,
    }


def kinesis_batch(payloads: list[bytes], stream_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f"pk-{index}",
                    "sequenceNumber": f"4959{index:040d}",
                    "data": base64.b64encode(payload).decode(),
                    "approximateArrivalTimestamp": 1764000000.0 + index,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:4959{index:040d}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/cc-test-post-call",
                "awsRegion": "us-east-1",
                "eventSourceARN": stream_arn,
            }
            for index, payload in enumerate(payloads)
        ]
    }


def s3_object_created(bucket: str, key: str, size: int, version_id: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": key, "size": size, "eTag": "0123456789abcdef0123456789abcdef", "sequencer": "0A1B"}
    if version_id:
        obj["versionId"] = version_id
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-24T10:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "voicemail-created",
                    "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                               "arn": f"arn:aws:s3:::{bucket}"},
                    "object": obj,
                },
            }
        ]
    }  # fmt: skip


def eventbridge(detail_type: str, detail: dict[str, Any], source: str = "contact-center.platform") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-11-24T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def connect_flow(parameters: dict[str, str], queue_arn: str | None = None, contact_id: str = "c-123") -> dict[str, Any]:
    """An Amazon Connect 'Invoke AWS Lambda function' block invocation."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/11111111-2222-3333-4444-555555555555",
                "PreviousContactId": contact_id,
                "Queue": {"ARN": queue_arn, "Name": "Support"} if queue_arn else None,
                "SystemEndpoint": {"Address": "+18005550199", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": parameters,
        },
    }
