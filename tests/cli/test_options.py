"""`plan` accepts exactly the model and task options `eval` accepts, and both resolve a model
the same way (issue 19: one set of eval options, one resolver)."""

from __future__ import annotations

import argparse

import pytest

from embedboard.cli.eval import EVAL_ONLY_OPTIONS
from embedboard.cli.main import build_parser
from embedboard.cli.plan import PLAN_ONLY_OPTIONS
from embedboard.cli.request import model_request, resolve_card, run_request
from embedboard.models.model_request import ModelRequest
from embedboard.run_request import RunRequest


def _verb(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _options(parser: argparse.ArgumentParser) -> dict[str, tuple]:
    """Every option string with what it does: destination, nargs, type, choices, default."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        shape = (
            action.dest,
            type(action).__name__,
            action.nargs,
            getattr(action.type, "__name__", action.type),
            tuple(action.choices or ()),
            action.default,
        )
        for option in action.option_strings:
            found[option] = shape
    return found


def test_plan_accepts_exactly_the_model_and_task_options_of_eval():
    eval_options, plan_options = _options(_verb("eval")), _options(_verb("plan"))
    assert set(EVAL_ONLY_OPTIONS) <= set(eval_options)
    assert set(PLAN_ONLY_OPTIONS) <= set(plan_options)
    shared_eval = {k: v for k, v in eval_options.items() if k not in EVAL_ONLY_OPTIONS}
    shared_plan = {k: v for k, v in plan_options.items() if k not in PLAN_ONLY_OPTIONS}
    assert shared_eval == shared_plan
    for option in ("-m", "--model", "-t", "--tasks", "--task-types", "--cards", "-b", "--suite"):
        assert option in shared_plan


def test_probe_names_its_model_with_evals_model_options():
    probe_options = _options(_verb("probe"))
    model_part = {k: v for k, v in _options(_verb("eval")).items() if k in probe_options}
    assert {"-m", "--model", "--cards", "--api-base", "--api-model", "--device"} <= set(model_part)
    assert all(probe_options[k] == v for k, v in model_part.items())


@pytest.mark.parametrize("verb", ["eval", "plan"])
def test_the_same_line_gives_the_same_typed_request(verb):
    line = [verb, "-m", "all-MiniLM-L6-v2", "-t", "STS16", "STS12,SciFact", "--task-types", "STS"]
    request = run_request(build_parser().parse_args(line))
    assert isinstance(request, RunRequest) and isinstance(request.model, ModelRequest)
    assert request.tasks == ("STS16", "STS12", "SciFact") and request.task_types == ("STS",)
    assert request.model.model == "all-MiniLM-L6-v2"


def test_a_hub_id_with_no_card_resolves_alike_for_every_verb():
    cards = []
    for verb in ("eval", "plan", "probe"):
        args = build_parser().parse_args([verb, "-m", "some-org/some-model"])
        cards.append(resolve_card(model_request(args)))
    assert cards[0] == cards[1] == cards[2]
    assert cards[0].source == "some-org/some-model"
