"""Cold start of the functions a caller waits on: module import plus the first invocation, in a fresh
process each time, against the emulator (moto_server), as Lambda runs them on a new execution
environment. The median of several processes is the figure; ``make bench`` prints it.

What runs is the function's real module from ``lambdas/`` with the layer's code on ``sys.path`` (as
the Lambda runtime arranges /var/task and /opt/python), with the environment variables the
integration layer sets, and the event AWS sends: a Connect flow invocation for queue_experience,
a TOKEN authorizer request with a signed JWT for the authorizer. Every AWS call goes to the
emulator (``AWS_ENDPOINT_URL``); the functions do not know.

The other functions are measured on their import alone (nothing waits on their first call).

Usage: ``python -m tools.cold_start [--runs N]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.routes import scope_grants
from tools.emulator import Emulator, start_emulator

ROOT = Path(__file__).resolve().parent.parent
LAMBDAS = ROOT / "lambdas"
LAYER = LAMBDAS / "shared"
REGION = "us-east-1"
TABLE, STREAM, SECRET = "cc-bench-queue-experience", "cc-bench-queue-experience", "cc-bench-jwt-keys"
ISSUER, AUDIENCE = "https://login.bench.example.com/", "contact-center-api"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/v1/queues"
CALLER_WAITS = ("queue_experience", "authorizer")
DEFAULT_RUNS = 7

# Runs in the fresh process: import the module, call the handler once, print both times as JSON.
CHILD = """
import json, sys, time
started = time.perf_counter()
module = __import__(sys.argv[1])
imported = time.perf_counter()
event = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
if event is not None:
    class Context:
        function_name = sys.argv[1]; memory_limit_in_mb = 512; aws_request_id = "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + sys.argv[1]
        def get_remaining_time_in_millis(self): return 8000
    answer = module.handler(event, Context())
done = time.perf_counter()
print(json.dumps({"import": imported - started, "total": done - started}))
"""


@dataclass(frozen=True)
class ColdStart:
    function: str
    import_seconds: float  # median
    total_seconds: float | None  # import + first invocation, median; None when only imported
    runs: int


def aws_client(emulator: Emulator, service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=emulator.url,
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def _signing_material() -> tuple[str, dict[str, Any]]:
    """A signed token and the JWKS that verifies it (RS256, as the platform's IdP would issue)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(key.public_key()))
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "agent-7", "exp": now + 3600, "iat": now,
              "scope": "contact-center/read"}  # fmt: skip
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench-1"})
    return token, {"keys": [{**public, "kid": "bench-1", "alg": "RS256", "use": "sig"}]}


def seed(emulator: Emulator) -> dict[str, Any]:
    """The table, stream and secret the two functions read, with a configured queue; the events."""
    dynamodb = aws_client(emulator, "dynamodb")
    keys = ("pk", "HASH"), ("sk", "RANGE")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        BillingMode="PAY_PER_REQUEST",
    )
    experience = {"welcome_message": "Welcome to support.", "callback": {"enabled": True, "max_wait_minutes": 15}}
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "QUEUE#support"}, "sk": {"S": "CONFIG"},
                                             "experience": {"S": json.dumps(experience)}})  # fmt: skip
    aws_client(emulator, "kinesis").create_stream(StreamName=STREAM, ShardCount=1)
    token, jwks = _signing_material()
    secret = aws_client(emulator, "secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(jwks))
    from tests.functions.events import connect_flow

    return {
        "queue_experience": connect_flow({"queueId": "support"}, contact_id="c-bench"),
        "authorizer": {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN},
        "secret_arn": secret["ARN"],
    }


def function_environment(emulator: Emulator, function: str, secret_arn: str) -> dict[str, str]:
    """What Lambda and the integration layer give the function, pointed at the emulator."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(LAMBDAS / function), str(LAYER)]),
        PYTHONDONTWRITEBYTECODE="1",
        AWS_ENDPOINT_URL=emulator.url,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_LAMBDA_FUNCTION_NAME=f"cc-bench-{function.replace('_', '-')}",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        POWERTOOLS_SERVICE_NAME=function.replace("_", "-"),
        POWERTOOLS_METRICS_NAMESPACE="ContactCenter/bench",
        POWERTOOLS_LOG_LEVEL="INFO",
        TABLE_NAME=TABLE,
        STREAM_NAME=STREAM,
        SCOPE_GRANTS=json.dumps(scope_grants()),
        JWT_SECRET_ARN=secret_arn,
        JWT_ISSUER=ISSUER,
        JWT_AUDIENCE=AUDIENCE,
        DB_CONNECTION_SECRET_ARN=secret_arn,  # read on the first query; these functions' cold start is the import
        EXPORTS_BUCKET="cc-bench-exports",
        COMMAND_CENTER_BUCKET="cc-bench-command-center",
        SENDER_EMAIL="bench@example.com",
        EVENT_BUS_NAME="default",
    )
    return env


def one_process(function: str, env: Mapping[str, str], event: Mapping[str, Any] | None) -> dict[str, float]:
    arguments = [sys.executable, "-c", CHILD, function, *([json.dumps(event)] if event is not None else [])]
    done = subprocess.run(arguments, env=dict(env), capture_output=True, text=True, check=False, cwd=LAMBDAS)
    if done.returncode != 0:
        raise RuntimeError(f"{function}: the cold start failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(runs: int = DEFAULT_RUNS) -> list[ColdStart]:
    emulator = start_emulator()
    try:
        seeded = seed(emulator)
        results = []
        functions = sorted(path.name for path in LAMBDAS.iterdir() if (path / f"{path.name}.py").is_file())
        for function in functions:
            event = seeded.get(function) if function in CALLER_WAITS else None
            env = function_environment(emulator, function, seeded["secret_arn"])
            samples = [one_process(function, env, event) for _ in range(runs)]
            total = statistics.median(s["total"] for s in samples) if event is not None else None
            results.append(ColdStart(function, statistics.median(s["import"] for s in samples), total, runs))
        return results
    finally:
        emulator.stop()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    args = parser.parse_args(argv)
    for result in measure(args.runs):
        total = f"{result.total_seconds:.3f} s" if result.total_seconds is not None else "-"
        print(f"{result.function:<18} import {result.import_seconds:.3f} s   import + first call {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
