"""What ``xtbatch submit`` sends: checked parameters, and the xTuple function that takes them.

Parameters are checked the way the worker will decode them (``xtbatch.params``), so a value
that does not fit its type is refused at the prompt instead of failing the job later.
"""

from __future__ import annotations

import difflib

from xtbatch import kinds, parameters, params
from xtbatch.errors import ConfigurationError, XtbatchError
from xtbatch.jobs import RawParam

PARAM_FORMAT = "NAME=VALUE[:TYPE] (TYPE as the desktop client names it: int, bool, QDate, …)"


def parse_param(text: str, order: int) -> RawParam:
    """One ``--param``: NAME=VALUE, NAME=VALUE:TYPE, or NAME alone for a flag.

    The suffix after the last ':' is a type only when it is a type xtbatch knows, so a value
    such as 10:30 stays whole.

    Raises:
        ConfigurationError: no name, or a value that does not fit its type.
    """
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not name:
        raise ConfigurationError(f"--param '{text}' has no name: use {PARAM_FORMAT}.")
    value, type_ = rest, None
    if sep and ":" in rest:
        candidate, _, maybe_type = rest.rpartition(":")
        if maybe_type.strip().lower() in params.DECODERS:
            value, type_ = candidate, maybe_type.strip()
    param = RawParam(order=order, name=name, value=value if sep else "", type=type_)
    try:
        params.decode(param)
    except XtbatchError as exc:
        raise ConfigurationError(f"--param '{text}': {exc.message.splitlines()[0]}") from exc
    return param


def check_kind(kind: str) -> None:
    """Refuse a kind xtbatch cannot run, naming the closest known kinds.

    Raises:
        ConfigurationError: the kind is unknown.
    """
    known = sorted(k for k in kinds.POLICIES if k != kinds.UNKNOWN)
    if kind in known:
        return
    close = difflib.get_close_matches(kind, known, n=3, cutoff=0.5)
    close += [k for k in known if k.lower() == kind.lower() and k not in close]
    hint = f" Did you mean {' or '.join(close)}?" if close else f" Known: {', '.join(known)}."
    raise ConfigurationError(
        f"xtbatch does not know the job kind '{kind}'.{hint} (--force submits it anyway.)"
    )


def check_params(kind: str, given: list[RawParam]) -> None:
    """Refuse parameters the worker would refuse: the kind's declared parameters
    (:mod:`xtbatch.parameters`) decoded and checked as the worker will.

    Raises:
        ConfigurationError: one line naming the parameter and what it needs.
    """
    policy = kinds.POLICIES.get(kind)
    if policy is None:  # an unknown kind submitted with --force: nothing declared
        return
    try:
        parameters.decoded(policy.params, given)
    except XtbatchError as exc:
        first = exc.message.splitlines()[0]
        missing = [p for p in policy.params if p.required and p.name not in {g.name for g in given}]
        hint = f" Add --param {missing[0].name}=VALUE." if missing else ""
        raise ConfigurationError(f"{kind}: {first}{hint} Nothing was submitted.") from exc
