"""One deployment of the `local` env on the emulator, shared by every emulator test.

The session fixture starts the emulator on a free loopback port, synthesizes the `local` env
pointed at it and applies every stack as `make local` does (side by side where the stack graph
allows), and always stops the emulator at the end.

A deploy is mostly the provider waiting (tools/provider_waits.py), so the checks that need only
some stacks run beside it: a test registers work with ``AfterApply.when_applied(stack, ...)`` in
``prepare`` below, it starts as soon as that stack is applied, and the test reads its result.
Work that synthesizes (jsii is single-threaded) runs in the fixture's own thread while the
deploy's Terraform processes wait.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from envs import EnvConfig
from envs.schema import EmulatorConfig
from tests.emulator import dr_drill, fault_drills
from tools.deploy import Deployment, Priority, StackRun, deploy_env, deployment_order, init, plan_exit_code
from tools.emulator import Emulator, start_emulator
from tools.local_postgres import running_postgres
from tools.plan_report import detailed_plan, report_env
from tools.recovery import aws_client
from tools.terraform import TerraformError, background_thread, run_terraform

# Background checks at once beside the deploy: two that plan (CPU, 2 cores) and the state-fault
# drills, which mostly wait on the provider's SQS waits.
CHECK_WORKERS = 3


class AfterApply:
    """Callables to run as soon as a stack is applied, on a small pool of their own."""

    def __init__(self, workers: int = CHECK_WORKERS) -> None:
        # At a lower CPU priority: the DR drill beside them is the level's longest path.
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="after-apply", initializer=background_thread)
        self._applied: set[str] = set()
        self._waiting: dict[str, list[tuple[Callable[[], Any], Future[Any]]]] = defaultdict(list)
        self._lock = threading.Lock()

    def when_applied(self, stack: str, work: Callable[[], Any]) -> Future[Any]:
        result: Future[Any] = Future()
        with self._lock:
            if stack not in self._applied:
                self._waiting[stack].append((work, result))
                return result
        self._start(work, result)
        return result

    def applied(self, run: StackRun) -> None:
        with self._lock:
            self._applied.add(run.name)
            ready = self._waiting.pop(run.name, [])
        for work, result in ready:
            self._start(work, result)

    def _start(self, work: Callable[[], Any], result: Future[Any]) -> None:
        def relay(done: Future[Any]) -> None:
            error = done.exception()
            if error is not None:
                result.set_exception(error)
            else:
                result.set_result(done.result())

        self._pool.submit(work).add_done_callback(relay)

    def abandon(self, reason: str) -> None:
        """Fail what never started (its stack did not deploy), so no test waits for it forever."""
        with self._lock:
            waiting, self._waiting = self._waiting, defaultdict(list)
        for stack, entries in waiting.items():
            for _, result in entries:
                result.set_exception(RuntimeError(f"{stack} was not applied: {reason}"))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class LocalDeployment:
    emulator: Emulator
    config: EnvConfig
    outdir: Path
    deployment: Deployment
    checks: dict[str, Future[Any]] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.deployment.outputs

    def check(self, name: str) -> Any:
        """The result of background work ``prepare`` registered (waits for it; raises its error)."""
        return self.checks[name].result()

    def client(self, service: str) -> Any:
        return emulator_client(self.config, service)


def emulator_client(config: EnvConfig, service: str) -> Any:
    """A boto3 client for ``service`` on the emulator ``config`` points at."""
    assert config.emulator is not None, "the env is not pointed at the emulator"
    return aws_client(config, service, config.region)


def synthesize(config: EnvConfig, outdir: Path, packages: Any = None) -> Path:
    from stacks.app import build_app

    app, _ = build_app([config], outdir, packages)
    app.synth()
    return outdir


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, configs: dict[str, EnvConfig]) -> Iterator[LocalDeployment]:
    # The drill first: it is the longest chain of waits (deploy, destroy, restore), so it starts
    # after one synth, before the shared deploy's and the other checks' (jsii: one at a time). The
    # servers start in threads meanwhile: the PostgreSQL server the drill's emulator keeps RDS data
    # on, then that emulator, and the shared one (subprocesses: the synth does not wait for them).
    # ExitStack.enter_context from two threads: its callbacks are a deque, whose appends are atomic.
    with ExitStack() as servers, ThreadPoolExecutor(2, thread_name_prefix="start") as starting:
        drill_postgres = starting.submit(servers.enter_context, running_postgres())
        shared_log = tmp_path_factory.mktemp("emulator") / "emulator.log"
        shared = starting.submit(lambda: servers.enter_context(start_emulator(log_path=shared_log)))
        drill_dir = tmp_path_factory.mktemp("dr-drill")
        drill_setup = dr_drill.prepare_drill(configs["local"], drill_dir, drill_postgres, synthesize)
        drill = start_dr_drill(drill_setup)
        # From here on the drill's Terraform runs are the only ones at normal CPU priority: the tests'
        # own plans and drift checks (this thread) have time to spare, and on 2 cores they slowed the
        # drill's restore, which they overlap, by ~6 s (per-process CPU sampled through `make test`).
        background_thread()
        try:
            emulator = shared.result()
            config = configs["local"].model_copy(update={"emulator": EmulatorConfig(endpoint=emulator.url)})
            outdir = synthesize(config, tmp_path_factory.mktemp("local") / "cdktf.out")
        except BaseException as error:
            drill_setup.restored.set_exception(error)  # the drill stops (and stops its emulator) at its restore
            raise
        plan_only = config.emulator.plan_only_stacks("local") if config.emulator else ()
        after = AfterApply()
        finished: Future[Deployment] = Future()

        def run_deploy() -> None:
            try:
                # At a lower CPU priority: the DR drill beside it (deploy, destroy, restore: three chains
                # of RDS waits) is the level's longest path; this deploy and its checks have time to spare.
                finished.set_result(deploy_env(outdir, "local", report=lambda line: None, plan_only=plan_only,
                                               on_applied=after.applied, priority=Priority.LOW))  # fmt: skip
            except BaseException as error:
                finished.set_exception(error)
            finally:
                after.abandon("the deploy ended without it")

        deployer = threading.Thread(target=run_deploy, name="deploy", daemon=True)
        deployer.start()
        try:
            dr_drill.synthesize_restore(drill_setup, drill_dir, synthesize)
            checks = {**prepare(config, outdir, after, tmp_path_factory), "dr-drill": drill}
            deployer.join()
            yield LocalDeployment(emulator, config, outdir, finished.result(), checks)
        finally:
            deployer.join()
            after.shutdown()


def start_dr_drill(setup: dr_drill.DrillSetup) -> Future[dr_drill.DrillResult]:
    """The DR drill (dr_drill.py) on an emulator of its own, started now: it mostly waits on the
    provider, like the shared deploy beside it."""
    result: Future[dr_drill.DrillResult] = Future()

    def run() -> None:
        try:
            result.set_result(dr_drill.run_drill(setup, aws_client))
        except BaseException as error:
            result.set_exception(error)

    threading.Thread(target=run, name="dr-drill", daemon=True).start()
    return result


def prepare(
    config: EnvConfig, outdir: Path, after: AfterApply, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Future[Any]]:
    """Background checks, registered while the deploy runs (in the order the tests read them).

    - ``second-plan:<stack>``: every applied stack planned again as soon as it is applied. Together
      with the drift test's first, after-everything refresh of every stack (no resource changed
      since its apply), this is the "a second plan is empty" check of the whole env: an empty plan
      right after a stack's apply plus no drift afterwards means an empty plan after all stacks.
    - ``other-clone``: the integration stack as another clone would build and synthesize it.
    - ``construct-change``: the plan report of the integration stack after a one-construct edit.
    - ``table-replacement``: the plan report of the data stack when the table would be replaced.
    - ``invalid-flow``: ``terraform apply`` of a flow that Connect refuses (it invokes a function
      that is not associated with the instance), against the applied instance.
    - ``phone-number``: a number claimed for the applied instance, planned again and released, each
      by Terraform (``local`` itself claims none: routing numbers runs a function, see README gaps).
    - ``state-faults``: the state and lock fault drills (fault_drills.py), which need only the state
      bucket.
    """
    import modules.dynamodb as dynamodb
    import modules.lambda_ as lambda_module
    from modules.lambda_packages import LambdaPackages
    from modules.naming import Function
    from tools.build_lambdas import SOURCES, build_all

    plan_only = config.emulator.plan_only_stacks("local") if config.emulator else ()
    checks: dict[str, Future[Any]] = {}
    drills = tmp_path_factory.mktemp("fault-drill")
    checks["state-faults"] = after.when_applied("bootstrap-local", lambda: fault_drills.run_all(
        fault_drills.drill_root(outdir / "stacks" / "data-local", drills),
        emulator_client(config, "s3"), emulator_client(config, "sqs")))  # fmt: skip
    for stack in deployment_order(outdir, "local"):
        if stack not in plan_only:
            checks[f"second-plan:{stack}"] = after.when_applied(
                stack, lambda s=stack: detailed_plan(outdir / "stacks" / s)
            )

    clone = tmp_path_factory.mktemp("other-clone")
    shutil.copytree(SOURCES, clone / "lambdas", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    architecture = config.lambdas.architecture
    build_all(architecture, clone / "lambdas", clone / "build")
    packages = {architecture: LambdaPackages.from_build(clone / "build")}
    clone_out = synthesize(config, clone / "cdktf.out", packages)
    checks["other-clone"] = after.when_applied("integration-local", lambda: _plan(clone_out, "integration-local"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(lambda_module.TIMEOUTS, Function.POST_CALL, 121)
        changed = synthesize(config, tmp_path_factory.mktemp("changed") / "cdktf.out")
    checks["construct-change"] = after.when_applied(
        "integration-local", lambda: report_env(changed, "local", ["integration-local"])
    )

    renamed = dynamodb.table_name
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dynamodb, "table_name", lambda config: f"{renamed(config)}-v2")
        replaced = synthesize(config, tmp_path_factory.mktemp("replaced") / "cdktf.out")
    checks["table-replacement"] = after.when_applied(
        "data-local", lambda: report_env(replaced, "local", ["data-local"])
    )
    refused = tmp_path_factory.mktemp("invalid-flow")
    checks["invalid-flow"] = after.when_applied("connect-local", lambda: _apply_invalid_flow(config, outdir, refused))
    line = tmp_path_factory.mktemp("phone-number")
    checks["phone-number"] = after.when_applied(
        "connect-local", lambda: _claim_plan_and_release_a_number(config, outdir, line)
    )
    return checks


def _standalone(config: EnvConfig, outdir: Path, workdir: Path, resources: dict[str, Any]) -> Path:
    """A Terraform root in ``workdir`` with the connect stack's provider settings, local state and
    ``resources`` (a ``resource`` block, where ``${instance_id}`` and ``${instance_arn}`` stand for
    the applied instance's); initialized."""
    stack_dir = outdir / "stacks" / "connect-local"
    stack = json.loads((stack_dir / "cdk.tf.json").read_text())
    instance = emulator_client(config, "connect").list_instances()["InstanceSummaryList"][0]
    document = {
        "terraform": {"required_providers": stack["terraform"]["required_providers"]},
        "provider": fault_drills.providers_of(stack_dir),
        "resource": json.loads(json.dumps(resources).replace("${instance_id}", instance["Id"]).replace(
            "${instance_arn}", instance["Arn"])),
    }  # fmt: skip
    (workdir / "main.tf.json").write_text(json.dumps(document))
    init(workdir)
    return workdir


def _apply_invalid_flow(config: EnvConfig, outdir: Path, workdir: Path) -> str:
    """``terraform apply`` of one flow that invokes the voicemail function, which is not associated
    with the instance; returns what Terraform printed."""
    function = f"arn:aws:lambda:{config.region}:{config.account_id}:function:{config.resource_name('voicemail')}"
    content = {"Version": "2019-10-30", "StartAction": "invoke", "Actions": [
        {"Identifier": "invoke", "Type": "InvokeLambdaFunction",
         "Parameters": {"LambdaFunctionARN": function, "InvocationTimeLimitSeconds": "3"},
         "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}  # fmt: skip
    flow = {"instance_id": "${instance_id}", "name": "refused", "type": "CONTACT_FLOW", "content": json.dumps(content)}
    root = _standalone(config, outdir, workdir, {"aws_connect_contact_flow": {"refused": flow}})
    try:
        run_terraform(root, "apply", "-input=false", "-no-color", "-auto-approve")
    except TerraformError as refused:
        return str(refused)
    return "applied"


def _claim_plan_and_release_a_number(config: EnvConfig, outdir: Path, workdir: Path) -> dict[str, Any]:
    """``aws_connect_phone_number`` through the provider: claimed (search, claim, wait for CLAIMED),
    planned again, then destroyed (release, wait until gone). What each step showed."""
    number = {"target_arn": "${instance_arn}", "country_code": "US", "type": "DID", "description": "Local line"}
    root = _standalone(config, outdir, workdir, {"aws_connect_phone_number": {"line": number}})
    run_terraform(root, "apply", "-input=false", "-no-color", "-auto-approve")
    state = json.loads(run_terraform(root, "show", "-json", "-no-color").stdout)
    [claimed] = state["values"]["root_module"]["resources"]
    code, plan = plan_exit_code(root)
    run_terraform(root, "destroy", "-input=false", "-no-color", "-auto-approve")
    return {"claimed": claimed["values"], "second_plan": code, "plan": plan}


def _plan(outdir: Path, stack: str) -> tuple[int, str]:
    path = outdir / "stacks" / stack
    init(path)
    return plan_exit_code(path)
