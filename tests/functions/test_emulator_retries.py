"""A create whose answer the client lost is answered again on the SDK's retry, not refused as a duplicate."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from typing import Any

import boto3
from botocore.exceptions import ConnectionClosedError

ASSUME = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("handler.py", "def handle(event, context):\n    return event\n")
    return buffer.getvalue()


def test_a_create_whose_answer_was_lost_is_answered_on_the_retry_once(emulator_in_process: str) -> None:
    role = boto3.client("iam", region_name="us-east-1", endpoint_url=emulator_in_process).create_role(
        RoleName="cc-retry", AssumeRolePolicyDocument=json.dumps(ASSUME)
    )["Role"]["Arn"]
    functions = boto3.client("lambda", region_name="us-east-1", endpoint_url=emulator_in_process)
    attempts: list[str] = []

    def lose_the_first_answer(request: Any, **kwargs: Any) -> None:
        attempts.append(request.headers["amz-sdk-request"].decode())
        if len(attempts) == 1:  # the emulator carries it out; its answer never reaches the SDK
            sent = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers), method="POST")
            with urllib.request.urlopen(sent) as answer:
                assert answer.status == 201
            raise ConnectionClosedError(endpoint_url=request.url)

    functions.meta.events.register("before-send.lambda.CreateFunction", lose_the_first_answer)
    created = functions.create_function(
        FunctionName="cc-local-retried", Runtime="python3.12", Role=role, Handler="handler.handle",
        Code={"ZipFile": _package()},
    )  # fmt: skip

    assert [attempt.split(";")[0] for attempt in attempts] == ["attempt=1", "attempt=2"]
    assert created["FunctionName"] == "cc-local-retried"
    listed = [f["FunctionName"] for f in functions.list_functions()["Functions"]]
    assert listed == ["cc-local-retried"]
