"""Flow templates, the flow-language checker, layout and pictures: a broken template stops synth with
one line naming file, action and rule, before anything is written."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import main
import modules.connect_flows.templates as templates_module
from envs import EnvConfig
from modules.connect_flows.checker import check
from modules.connect_flows.diagram import OUT, draw, mermaid
from modules.connect_flows.language import CATALOGUE, FlowType
from modules.connect_flows.layout import with_layout
from modules.connect_flows.templates import FOLDER, check_env, load_templates, render, stand_ins
from modules.naming import Function

FUNCTIONS = [function.value for function in Function]


def action(flow: dict[str, Any], identifier: str) -> dict[str, Any]:
    return next(a for a in flow["Content"]["Actions"] if isinstance(a, dict) and a["Identifier"] == identifier)


Edit = Callable[[dict[str, Any]], None]
DEFECTS: list[tuple[str, str, Edit, str]] = [
    # (template, what is wrong, edit, the one line synth prints)
    ("queue-transfer", "wrong ErrorType",
     lambda f: action(f, "transfer")["Transitions"]["Errors"][0].update(ErrorType="QueueFull"),
     r"queue-transfer\.json: action 'transfer': TransferContactToQueue cannot transition on error 'QueueFull' "
     r".*\[error-type\]"),
    ("queue-transfer", "dropped False condition",
     lambda f: action(f, "check-hours")["Transitions"]["Conditions"].pop(),
     r"queue-transfer\.json: action 'check-hours': CheckHoursOfOperation: needs exactly one Equals condition "
     r"for each of True, False .*\[conditions\]"),
    ("agent-whisper", "dangling NextAction",
     lambda f: action(f, "announce")["Transitions"].update(NextAction="connect-agent"),
     r"agent-whisper\.json: action 'announce': goes to 'connect-agent', which is not an action of this flow "
     r"\[dangling-next-action\]"),
    ("agent-whisper", "unreachable block",
     lambda f: f["Content"]["Actions"].append(
         {"Identifier": "orphan", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}),
     r"agent-whisper\.json: action 'orphan': no path from the StartAction reaches this action \[unreachable\]"),
    ("agent-whisper", "action not allowed in its flow type",
     lambda f: action(f, "connect").update(Type="DisconnectParticipant"),
     r"agent-whisper\.json: action 'connect': DisconnectParticipant is not allowed in a AGENT_WHISPER .*\[flow-type\]"),
    ("queue-transfer", "upper-case placeholder",
     lambda f: action(f, "set-queue-flow")["Parameters"]["EventHooks"].update(CustomerQueue="{{queue:Support}}"),
     r"queue-transfer\.json: action 'set-queue-flow': '\{\{queue:Support\}\}' is not a placeholder.*\[placeholder\]"),
    ("queue-transfer", "placeholder with spaces",
     lambda f: action(f, "closed")["Parameters"].update(Text="{{ queue:support }}"),
     r"queue-transfer\.json: action 'closed': '\{\{ queue:support \}\}' is not a placeholder.*\[placeholder\]"),
    ("queue-transfer", "unknown queue",
     lambda f: action(f, "closed")["Parameters"].update(Text="{{queue:support_x}}"),
     r"queue-transfer\.json: action 'closed': '\{\{queue:support_x\}\}' is not a placeholder.*\[placeholder\]"),
    ("queue-transfer", "queue that does not exist",
     lambda f: action(f, "closed")["Parameters"].update(Text="{{queue:support-x}}"),
     r"queue-transfer\.json: action 'closed': \{\{queue:support-x\}\} names no queue of this platform \[placeholder\]"),
    ("agent-whisper", "unknown action type",
     lambda f: action(f, "announce").update(Type="PlayPrompt"),
     r"agent-whisper\.json: action 'announce': unknown action type 'PlayPrompt' "
     r"\(not in modules/connect_flows/language\.py\) \[action-type\]"),
]  # fmt: skip


@pytest.fixture
def template_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the templates that synth reads instead of the real ones."""
    folder = tmp_path / "connect_flows"
    for sub in ("flows", "modules"):
        shutil.copytree(FOLDER / sub, folder / sub)
    monkeypatch.setattr(templates_module, "FOLDER", folder)
    return folder


@pytest.mark.parametrize(("name", "defect", "edit", "line"), DEFECTS, ids=[d[1] for d in DEFECTS])
def test_a_broken_template_stops_synth_with_one_line(
    template_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    defect: str,
    edit: Edit,
    line: str,
) -> None:
    path = template_copy / "flows" / f"{name}.json"
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    monkeypatch.setenv("PLATFORM_ENVS", "dev")
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))
    assert main.main() == 2
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1, printed
    assert printed[0].startswith("error: ")
    assert __import__("re").search(line, printed[0]), printed[0]
    assert "Traceback" not in printed[0]
    assert not (tmp_path / "cdktf.out").exists()


def test_every_template_of_every_env_passes_the_checker(configs: dict[str, EnvConfig]) -> None:
    for config in configs.values():
        assert check_env(config, FUNCTIONS) == [], config.name


def test_templates_declare_their_type_and_modules_have_none(template_copy: Path) -> None:
    types = {t.name: t.flow_type for t in load_templates()}
    assert types["after-hours"] is FlowType.MODULE and types["voicemail"] is FlowType.MODULE
    path = template_copy / "flows" / "inbound.json"
    document = json.loads(path.read_text())
    document["Type"] = "INBOUND"
    path.write_text(json.dumps(document))
    [problem] = check_env_problems(template_copy)
    assert "Type must be one of CONTACT_FLOW" in str(problem) and "inbound.json" in str(problem)


def check_env_problems(folder: Path) -> list[Any]:
    from envs import load_env

    return check_env(load_env("dev"), FUNCTIONS, folder)


def test_a_hook_must_point_at_a_flow_of_the_type_it_runs(template_copy: Path) -> None:
    path = template_copy / "flows" / "inbound.json"
    document = json.loads(path.read_text())
    action(document, "set-whisper")["Parameters"]["EventHooks"] = {"AgentWhisper": "{{flow:customer-queue}}"}
    path.write_text(json.dumps(document))
    [problem] = check_env_problems(template_copy)
    assert problem.rule == "flow-reference" and problem.identifier == "set-whisper"
    assert "is a CUSTOMER_QUEUE; UpdateContactEventHooks needs a AGENT_WHISPER" in problem.message


def test_a_phone_number_must_route_to_an_inbound_flow(configs: dict[str, EnvConfig]) -> None:
    from envs.schema import PhoneNumberConfig

    prod = configs["prod"]
    connect = prod.connect.model_copy(update={"phone_numbers": (PhoneNumberConfig(flow="customer-queue"),)})
    [problem] = check_env(prod.model_copy(update={"connect": connect}), FUNCTIONS)
    assert "connect.phone_numbers[0].flow: 'customer-queue' is not a flow of type CONTACT_FLOW" in str(problem)


def test_the_menu_reaches_every_configured_queue(configs: dict[str, EnvConfig]) -> None:
    from envs.schema import MenuConfig, MenuOption, QueueConfig

    config = configs["prod"]
    connect = config.connect.model_copy(
        update={
            "queues": (*config.connect.queues, QueueConfig(name="sales")),
            "menu": MenuConfig(options=(MenuOption(digit="3", queue="sales"), MenuOption(digit="1", queue="support"),
                                        MenuOption(digit="2", queue="billing"))),
        }
    )  # fmt: skip
    config = config.model_copy(update={"connect": connect})
    [inbound] = [t for t in load_templates() if t.name == "inbound"]
    content = render(inbound, config, stand_ins(config, load_templates(), FUNCTIONS))
    actions = {a["Identifier"]: a for a in content["Actions"]}
    menu = {c["Condition"]["Operands"][0]: c["NextAction"] for c in actions["menu"]["Transitions"]["Conditions"]}
    assert menu == {"3": "route-sales", "1": "route-support", "2": "route-billing"}
    assert actions["route-sales"]["Parameters"]["Attributes"]["queueId"] == "sales"
    assert actions["route-default"]["Parameters"]["Attributes"]["queueId"] == "support"
    assert check(content, FlowType.CONTACT_FLOW, "inbound") == []


def test_checker_rules_for_parameters_errors_and_values() -> None:
    flow = {
        "Version": "2019-10-30",
        "StartAction": "ask",
        "Actions": [
            {"Identifier": "ask", "Type": "GetParticipantInput",
             "Parameters": {"Text": "Press 1", "StoreInput": "False", "InputTimeLimitSeconds": "$.Attributes.t",
                            "Colour": "red"},
             "Transitions": {"NextAction": "end", "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "end"}],
                             "Conditions": [{"NextAction": "end",
                                             "Condition": {"Operator": "Equals", "Operands": ["12"]}}]}},
            {"Identifier": "call", "Type": "InvokeLambdaFunction", "Parameters": {"InvocationTimeLimitSeconds": "9"},
             "Transitions": {"NextAction": "end"}},
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {},
             "Transitions": {"NextAction": "ask"}},
        ],
    }  # fmt: skip
    problems = {(p.identifier, p.rule) for p in check(flow, FlowType.CONTACT_FLOW, "test")}
    assert ("ask", "parameter-unknown") in problems  # Colour
    assert ("ask", "parameter-value") in problems  # a JSONPath where the value must be static
    assert ("ask", "conditions") in problems  # "12" is not a single digit
    assert ("ask", "action-rule") in problems  # StoreInput False needs NoMatchingCondition
    assert ("call", "parameter-required") in problems  # no LambdaFunctionARN
    assert ("call", "parameter-value") in problems  # 9 s is over Connect's 8 s
    assert ("end", "terminal") in problems  # a Disconnect has no transitions
    assert ("call", "unreachable") in problems


def test_every_catalogued_action_names_its_reference_page() -> None:
    for spec in CATALOGUE.values():
        assert spec.url.startswith("https://docs.aws.amazon.com/connect/latest/APIReference/")
        assert spec.flow_types, spec.type


def test_layout_adds_designer_positions_and_changes_nothing_else(configs: dict[str, EnvConfig]) -> None:
    config = configs["prod"]
    for template in load_templates():
        content = render(template, config, stand_ins(config, load_templates(), FUNCTIONS))
        laid_out = with_layout(copy.deepcopy(content))
        assert {k: v for k, v in laid_out.items() if k != "Metadata"} == content
        positions = laid_out["Metadata"]["ActionMetadata"]
        assert set(positions) == {a["Identifier"] for a in content["Actions"]}
        assert len({(p["position"]["x"], p["position"]["y"]) for p in positions.values()}) == len(positions)


def test_the_committed_pictures_are_what_make_flows_draws(configs: dict[str, EnvConfig]) -> None:
    pages = draw(list(configs.values()), FUNCTIONS)
    stale = [
        str(path.relative_to(OUT)) for path, text in pages.items() if not path.is_file() or path.read_text() != text
    ]
    assert not stale, f"run `make flows` and commit docs/flows: {stale}"
    extra = {p for p in OUT.rglob("*.md")} - set(pages)
    assert not extra, f"docs/flows has pages no template draws: {sorted(map(str, extra))}"


def test_a_picture_has_every_block_and_every_branch(configs: dict[str, EnvConfig]) -> None:
    [queue_flow] = [t for t in load_templates() if t.name == "customer-queue"]
    content = render(queue_flow, configs["prod"], stand_ins(configs["prod"], load_templates(), FUNCTIONS))
    picture = mermaid(content)
    assert picture.count("<i>") == len(content["Actions"])
    assert '-- "Equals MessagesInterrupted" -->' in picture and '-. "InvalidCallbackNumber" .->' in picture


def test_the_voicemail_capture_stores_where_the_packager_finds_the_audio() -> None:
    """The attributes the flow sets once Connect streams are the ones voicemail_packager reads (its CTR)."""
    import ast

    from modules.connect_flows.templates import voicemail_capture

    source = (Path(__file__).parents[3] / "lambdas" / "voicemail_packager" / "voicemail_packager.py").read_text()
    [wanted] = [node.value for node in ast.parse(source).body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", "") == "WHERE_THE_AUDIO_IS" for t in node.targets)]  # fmt: skip
    read = set(ast.literal_eval(wanted))
    actions = {action["Identifier"]: action for action in voicemail_capture()}
    stored = {
        **actions["voicemail-mark"]["Parameters"]["Attributes"],
        **actions["voicemail-stream"]["Parameters"]["Attributes"],
    }
    assert read <= set(stored), read - set(stored)
    assert stored["voicemailStreamArn"] == "$.MediaStreams.Customer.Audio.StreamARN"
    assert stored["voicemailStartFragment"] == "$.MediaStreams.Customer.Audio.StartFragmentNumber"
    order = [action["Identifier"] for action in voicemail_capture()]
    assert order.index("voicemail-start") < order.index("voicemail-stream") < order.index("voicemail-record")
