"""diagnose optimizer and diagnose model: the user's own code against the course's reference."""

from __future__ import annotations

import dataclasses
import typing

from dlparity.cli.args import Parser
from dlparity.core import registry
from dlparity.core.errors import DlparityError
from dlparity.core.spec import DECAYS, TrainConfig
from dlparity.course import experiments
from dlparity.diagnose.optimizers import (
    KINDS,
    NEEDED,
    check_hyperparameters,
    hyperparameter_names,
)
from dlparity.runtime.frameworks import either

# the options every kind takes, the diagnosis's rate and schedule: the API's name -> (option,
# type, help); --lr comes first, the schedule after the kinds' own hyperparameters
_RATE = {
    "learning_rate": ("--lr", float, "the rate (default 0.1; changed every epoch without --decay)"),
}
_SCHEDULE = {
    "decay": ("--decay", str, "the optimizer's own rate schedule, as the course's decay"),
    "decay_rate": ("--decay-rate", float, "the schedule's decay_rate"),
    "time_interval": ("--time-interval", int, "the schedule's time_interval (epochs)"),
    "batches_per_epoch": ("--batches-per-epoch", int, "updates per epoch (default 1)"),
}


def _hyperparameter_options() -> dict:
    """The kinds' own hyperparameters: the API's name -> (option, type, help), in TrainConfig's
    order. Which kinds take each comes from the registry, its type and default from TrainConfig:
    a new optimizer or hyperparameter needs no edit here."""
    fields = {field.name: field for field in dataclasses.fields(TrainConfig)}
    types = typing.get_type_hints(TrainConfig)
    options = {}
    for name, field in fields.items():
        kinds = [kind for kind in KINDS if name in registry.OPTIMIZERS[kind].hyperparameters]
        if not kinds:
            continue
        if name in NEEDED:
            given = f"{either(kinds, 'and')} need{'s' if len(kinds) == 1 else ''} it"
        else:
            given = f"default {field.default:g}".replace("e-0", "e-")  # 1e-8, not 1e-08
        whose = either([f"{kind}'s" for kind in kinds], "and")
        options[name] = ("--" + name.replace("_", "-"), types[name], f"{whose} {name} ({given})")
    return options


def _options() -> dict:
    """diagnose optimizer's options: the API's name -> (option, type, help)."""
    return {**_RATE, **_hyperparameter_options(), **_SCHEDULE}


def add_parsers(sub) -> None:
    p = sub.add_parser("diagnose", help="name the known differences of your own optimizer or model")
    what = p.add_subparsers(dest="target", required=True, parser_class=Parser)
    p = what.add_parser("optimizer", help="your (init, update) pair against the course's formula")
    p.add_argument("factory", metavar="MODULE:FACTORY",
                   help="FACTORY() returns (init, update) or an object with .init and .update")  # fmt: skip
    p.add_argument("--kind", required=True, help=" | ".join(KINDS))
    for name, (option, kind, text) in _options().items():
        choices = DECAYS if name == "decay" else None
        p.add_argument(option, dest=name, type=kind, choices=choices, default=None, help=text,
                       metavar="{" + ",".join(DECAYS) + "}" if choices else "X")  # fmt: skip
    p = what.add_parser(
        "model", help="your forward (and gradients) against an experiment's network"
    )
    p.add_argument("forward", metavar="MODULE:FUNCTION", help="forward(params, X) -> AL")
    p.add_argument("--like", required=True, metavar="EXP",
                   help="the experiment whose network and initial parameters are the reference")  # fmt: skip
    p.add_argument("--gradients", metavar="MODULE:FUNCTION",
                   help="gradients(params, X, Y) -> (cost, grads)")  # fmt: skip


def _optimizer_hyperparameters(args) -> dict:
    """The options given, by the API's names; an option the kind does not take is an error."""
    options = _options()
    given = {k: getattr(args, k) for k in options if getattr(args, k) is not None}
    try:
        allowed = hyperparameter_names(args.kind)
        for name in given:
            if name not in allowed:
                takes = ", ".join(options[k][0] for k in allowed)
                raise DlparityError(f"{options[name][0]}: {args.kind} takes {takes}")
        check_hyperparameters(args.kind, **given)
    except DlparityError as error:  # in the command's terms: --weight-decay, not weight_decay
        name, colon, rest = str(error).partition(":")
        option = {"kind": ("--kind",), **options}.get(name)
        if colon and option:
            raise DlparityError(f"{option[0]}:{rest}") from None
        raise
    return given


def _diagnose_optimizer(args):
    from dlparity import diagnose
    from dlparity.diagnose import user_code

    hyperparameters = _optimizer_hyperparameters(args)
    factory = user_code.load_function(args.factory, "FACTORY")
    init, update = user_code.optimizer_pair(factory, args.factory)
    return diagnose.optimizer(init, update, args.kind, **hyperparameters)


def _diagnose_model(args):
    from dlparity import diagnose
    from dlparity.diagnose import user_code
    from dlparity.tools.runs import initial_parameters

    experiment = experiments.get(args.like)
    forward = user_code.load_function(args.forward, "FUNCTION")
    gradients = None
    if args.gradients is not None:
        gradients = user_code.load_function(args.gradients, "FUNCTION")
    params = initial_parameters(experiment)
    return diagnose.model(forward, experiment.spec, params, gradients=gradients)


def cmd_diagnose(args) -> int:
    """The diagnosis printed; status 0 when it matches the course, 1 when it does not."""
    diagnosis = {"optimizer": _diagnose_optimizer, "model": _diagnose_model}[args.target](args)
    print(diagnosis)
    return 0 if diagnosis.matches_course else 1


COMMANDS = {"diagnose": cmd_diagnose}
