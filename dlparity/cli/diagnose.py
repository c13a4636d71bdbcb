"""diagnose optimizer and diagnose model: the user's own code against the course's reference."""

from __future__ import annotations

from dlparity.cli.args import Parser
from dlparity.core.errors import DlparityError
from dlparity.core.spec import DECAYS
from dlparity.course import experiments
from dlparity.diagnose.optimizers import check_hyperparameters, hyperparameter_names

# diagnose optimizer's options: the API's hyperparameter name -> (option, type, help)
_DIAGNOSE_OPTIONS = {
    "learning_rate": ("--lr", float, "the rate (default 0.1; changed every epoch without --decay)"),
    "beta": ("--beta", float, "momentum's beta (default 0.9)"),
    "beta1": ("--beta1", float, "Adam's beta1 (default 0.9)"),
    "beta2": ("--beta2", float, "RMSprop's and Adam's beta2 (default 0.999)"),
    "epsilon": ("--epsilon", float, "RMSprop's and Adam's epsilon (default 1e-8)"),
    "weight_decay": ("--weight-decay", float, "adamw's decoupled decay (adamw needs it)"),
    "decay": ("--decay", str, "the optimizer's own rate schedule, as the course's decay"),
    "decay_rate": ("--decay-rate", float, "the schedule's decay_rate"),
    "time_interval": ("--time-interval", int, "the schedule's time_interval (epochs)"),
    "batches_per_epoch": ("--batches-per-epoch", int, "updates per epoch (default 1)"),
}


def add_parsers(sub) -> None:
    p = sub.add_parser("diagnose", help="name the known differences of your own optimizer or model")
    what = p.add_subparsers(dest="target", required=True, parser_class=Parser)
    p = what.add_parser("optimizer", help="your (init, update) pair against the course's formula")
    p.add_argument("factory", metavar="MODULE:FACTORY",
                   help="FACTORY() returns (init, update) or an object with .init and .update")  # fmt: skip
    p.add_argument("--kind", required=True, help="gd | momentum | rmsprop | adam | adamw")
    for name, (option, kind, text) in _DIAGNOSE_OPTIONS.items():
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
    given = {k: getattr(args, k) for k in _DIAGNOSE_OPTIONS if getattr(args, k) is not None}
    try:
        allowed = hyperparameter_names(args.kind)
        for name in given:
            if name not in allowed:
                options = ", ".join(_DIAGNOSE_OPTIONS[k][0] for k in allowed)
                raise DlparityError(f"{_DIAGNOSE_OPTIONS[name][0]}: {args.kind} takes {options}")
        check_hyperparameters(args.kind, **given)
    except DlparityError as error:  # in the command's terms: --weight-decay, not weight_decay
        name, colon, rest = str(error).partition(":")
        option = {"kind": ("--kind",), **_DIAGNOSE_OPTIONS}.get(name)
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
