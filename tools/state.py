"""Repair a stack's remote state after a fault: a lock left by a killed apply, a state object
overwritten by mistake.

State lives in the env's versioned state bucket, one object per stack, locked by Terraform's S3
lock file (``<key>.tflock``, ``use_lockfile``). Both commands read the bucket and key from the
synthesized stack's backend, so they act on exactly what Terraform uses:

- ``unlock ENV STACK``: says who holds the lock (from the lock file), then ``terraform force-unlock``
  with its id. Only after making sure nothing is still applying (the holder's process is gone).
- ``versions ENV STACK``: the state object's versions, newest first.
- ``restore ENV STACK VERSION``: makes that version the current state again (a new version, so
  the restore itself can be undone), then shows the plan against it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.deploy import init, plan_exit_code, stack_dir
from tools.terraform import REPO_ROOT, TerraformError, run_terraform


class StateError(RuntimeError):
    """The state cannot be repaired as asked; the message says why."""


@dataclass(frozen=True)
class Backend:
    bucket: str
    key: str
    settings: dict[str, Any]

    @property
    def lock_key(self) -> str:
        return f"{self.key}.tflock"

    def s3(self) -> Any:
        import boto3

        endpoint = (self.settings.get("endpoints") or {}).get("s3")
        credentials = {}
        if self.settings.get("access_key"):
            credentials = {"aws_access_key_id": self.settings["access_key"],
                           "aws_secret_access_key": self.settings["secret_key"]}  # fmt: skip
        return boto3.client("s3", region_name=self.settings.get("region"), endpoint_url=endpoint, **credentials)


def backend_of(directory: Path) -> Backend:
    """The S3 backend a synthesized stack (or any Terraform JSON root) uses."""
    for path in sorted(directory.glob("*.tf.json")):
        settings = json.loads(path.read_text()).get("terraform", {}).get("backend", {}).get("s3")
        if settings:
            return Backend(settings["bucket"], settings["key"], settings)
    raise StateError(f"{directory} has no S3 backend")


def lock_holder(backend: Backend) -> dict[str, Any] | None:
    """The lock file's content (ID, Who, Operation, Created), or None when nothing holds the lock."""
    s3 = backend.s3()
    try:
        body = s3.get_object(Bucket=backend.bucket, Key=backend.lock_key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return dict(json.loads(body))


def unlock(directory: Path) -> dict[str, Any]:
    """Release the lock a killed apply left; returns who held it."""
    holder = lock_holder(backend_of(directory))
    if holder is None:
        raise StateError("the state is not locked: nothing to unlock")
    init(directory)
    run_terraform(directory, "force-unlock", "-force", str(holder["ID"]))
    return holder


def versions(directory: Path) -> list[dict[str, Any]]:
    backend = backend_of(directory)
    listed = backend.s3().list_object_versions(Bucket=backend.bucket, Prefix=backend.key)
    found = [v for v in listed.get("Versions", []) if v["Key"] == backend.key]
    return sorted(found, key=lambda version: version["LastModified"], reverse=True)


def restore(directory: Path, version: str) -> tuple[int, str]:
    """Make ``version`` of the state object current again; returns the plan against it."""
    backend = backend_of(directory)
    if version not in {v["VersionId"] for v in versions(directory)}:
        raise StateError(f"s3://{backend.bucket}/{backend.key} has no version {version!r} (see: versions)")
    if lock_holder(backend) is not None:
        raise StateError("the state is locked: finish or unlock the apply that holds it first")
    s3 = backend.s3()
    source = {"Bucket": backend.bucket, "Key": backend.key, "VersionId": version}
    s3.copy_object(Bucket=backend.bucket, Key=backend.key, CopySource=source,
                   **({"ServerSideEncryption": "aws:kms"} if backend.settings.get("encrypt") else {}))  # fmt: skip
    init(directory)
    return plan_exit_code(directory)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.state", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("unlock", "versions", "restore"))
    parser.add_argument("env")
    parser.add_argument("stack", help="a layer (data) or a stack name (data-dev)")
    parser.add_argument("version", nargs="?")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    args = parser.parse_args(argv)
    stack = args.stack if args.stack.endswith(f"-{args.env}") else f"{args.stack}-{args.env}"
    directory = stack_dir(args.outdir, stack)
    try:
        if args.command == "unlock":
            holder = unlock(directory)
            print(f"{stack}: released the lock {holder['ID']} held by {holder.get('Who')} "
                  f"({holder.get('Operation')} since {holder.get('Created')})")  # fmt: skip
        elif args.command == "versions":
            for version in versions(directory):
                print(f"{version['VersionId']}  {version['LastModified']}  {version['Size']} bytes")
        else:
            if not args.version:
                raise StateError("restore needs VERSION (list them with: make state-versions ENV= STACK=)")
            _, plan = restore(directory, args.version)
            print(plan)
            print(f"{stack}: state restored to version {args.version}; the plan above is against it")
    except (StateError, TerraformError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
