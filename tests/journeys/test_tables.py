"""Every transition table walked as a graph: every exit has a target, every state is reachable
and can finish, and the end is reachable only through a wipe step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from kiosk.journeys.machine import JourneySpec
from kiosk.journeys.session import JOURNEYS, TRANSITIONS, Phase, Step
from kiosk.journeys.states import (
    Ask,
    EnterSecret,
    Exit,
    RunCardTask,
    State,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Screen

SPECS = sorted(JOURNEYS.values(), key=lambda spec: spec.id.value)
IDS = [spec.id.value for spec in SPECS]


def reachable(spec: JourneySpec, start: State[Any], skip: Iterable[State[Any]] = ()) -> set[Any]:
    skipped = set(skip)
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (source, _), target in spec.table.items():
            if source is state and target not in seen and target not in skipped:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_exit_has_a_target_and_no_target_is_for_an_unknown_exit(spec: JourneySpec) -> None:
    for state in spec.states:
        for exit_ in state.exits:
            assert (state, exit_) in spec.table, f"{state.name} by {exit_.value}: no target"
    for state, exit_ in spec.table:
        assert exit_ in state.exits, f"{state.name} never exits by {exit_.value}"
    assert not spec.end.exits
    assert all(source is not spec.end for source, _ in spec.table)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_state_is_reachable_and_can_reach_the_end(spec: JourneySpec) -> None:
    assert reachable(spec, spec.start) == spec.states
    for state in spec.states:
        assert spec.end in reachable(spec, state), f"{state.name} cannot finish"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_the_end_is_reachable_only_through_a_wipe(spec: JourneySpec) -> None:
    wipes = {state for state in spec.states if isinstance(state, WipeSecrets)}
    assert wipes
    assert spec.end not in reachable(spec, spec.start, skip=wipes)
    # and from every state that may hold digits
    for state in spec.states:
        if isinstance(state, EnterSecret):
            assert spec.end not in reachable(spec, state, skip=wipes), state.name


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_state_names_are_unique_verb_object_names(spec: JourneySpec) -> None:
    names = [state.name for state in spec.states]
    assert len(names) == len(set(names))
    assert all(name[0].isupper() and " " not in name for name in names)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_cancel_and_removal_are_handled_where_they_can_happen(spec: JourneySpec) -> None:
    for state in spec.states:
        if isinstance(state, EnterSecret | Ask) and state.needs_card:
            assert Exit.CARD_REMOVED in state.exits, state.name
        if isinstance(state, EnterSecret):
            assert Exit.CANCEL in state.exits, state.name
        if isinstance(state, RunCardTask):
            assert Exit.CARD_REMOVED in state.exits, state.name
            assert Exit.CANCEL not in state.exits, state.name  # the card is working


# The screens that are a choice among equals; every other offers one way forward and one back.
CHOOSERS = {Screen.LOST_WHAT, Screen.LOST_PATHS, Screen.HANDOFF_DELIVERY,
            Screen.ACTIVATION_PIN_BLOCKED}


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_screen_has_one_way_forward_and_one_way_back(spec: JourneySpec) -> None:
    """Issue 11: "Ho finito" and "Annulla" side by side, a citizen could not tell apart. A way
    back is named for where it leads, and "Annulla" never stands beside "Ho finito"."""
    for state in spec.states:
        if not isinstance(state, Ask):
            continue
        offered = state.options(spec.new_context())
        back = Exit.CANCEL in state.exits
        if state.screen not in CHOOSERS:
            assert len(offered) + back <= 2, (state.name, offered)
        if back and Choice.DONE in offered:
            assert state.back is not Back.CANCEL, state.name


def test_the_session_table_starts_and_ends_at_the_attract_screen() -> None:
    assert {phase for phase, _ in TRANSITIONS} == set(Phase)
    assert TRANSITIONS[(Phase.ATTRACT, Step.START)] is Phase.LANGUAGE
    for phase in Phase:
        if phase not in (Phase.ATTRACT, Phase.LOCKED):
            assert TRANSITIONS[(phase, Step.END)] is Phase.ATTRACT
    # A lock ends the session first; only the unlock leaves it, to the attract screen.
    assert TRANSITIONS[(Phase.ATTRACT, Step.LOCK)] is Phase.LOCKED
    assert [key for key in TRANSITIONS if key[0] is Phase.LOCKED] == [(Phase.LOCKED, Step.UNLOCK)]
    assert TRANSITIONS[(Phase.LOCKED, Step.UNLOCK)] is Phase.ATTRACT


def test_a_missing_target_is_a_bug_not_a_silent_stop() -> None:
    from kiosk.journeys.context import JourneyContext
    from kiosk.journeys.machine import Journey, JourneyBug, JourneyId
    from kiosk.journeys.states import End, Exit, Services, WipeSecrets

    wipe, end = WipeSecrets("Wipe"), End("End")
    broken = JourneySpec(JourneyId.LOST_CODES, wipe, end, {}, JourneyContext)
    services = Services(None, None, lambda: False)  # type: ignore[arg-type]
    with pytest.raises(JourneyBug, match="no target for Wipe by continue"):
        Journey(broken, services).start()
    fixed = JourneySpec(JourneyId.LOST_CODES, wipe, end, {(wipe, Exit.CONTINUE): end},
                        JourneyContext)
    journey = Journey(fixed, services)
    journey.start()
    assert journey.finished and journey.trail == ["Wipe", "End"]
