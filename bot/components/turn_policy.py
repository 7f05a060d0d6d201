"""TurnPolicy: every turn ends listening, after one reply, by construction.

Rasa keeps predicting actions until a policy chooses ``action_listen``. When no policy is
sure what follows an action, RulePolicy predicts its core fallback; if that action does
not hand the floor back either, it is predicted again and again until the circuit
breaker stops it after ten, and the tracker may stay in a state that does the same on
every message (seen here: 16 replies in one turn, then a dead conversation).

This policy takes that decision away from the learned policies. After the worker speaks
it abstains: rules, memoization, TED and the fallback choose the action that answers.
After any action it predicts ``action_listen`` with certainty and the highest priority,
except after a form that has just finished (its rule runs the form's closing action
next). As a second line, an action that already ran in this turn, or a turn that
already ran ``max_actions_per_turn`` actions, also ends in listening. So no turn can
loop, and no turn can end without listening, whatever the other policies learned.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def actions_this_turn(tracker: DialogueStateTracker) -> list[str]:
    """The actions run since the worker last spoke, oldest first."""
    names: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name and event.action_name != ACTION_LISTEN_NAME:
            names.append(event.action_name)
    return names[::-1]


def next_is_listen(actions: list[str], active_loop: str | None, forms: set[str], limit: int) -> bool:
    """Whether the turn must end now (pure, so it is tested without a model)."""
    if not actions:
        return False  # the worker just spoke: the other policies choose the answer
    last = actions[-1]
    if last in actions[:-1] or len(actions) >= limit:
        return True
    # A form that has just finished is followed by its closing action (a rule); a form
    # still running has asked its question and waits like everything else.
    return not (last in forms and active_loop is None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class TurnPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6): on a tie at certainty this policy wins.
        return {"priority": 7, "max_actions_per_turn": 3}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing is learned; the model storage still needs the resource to exist.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        forms = set(domain.form_names)
        if next_is_listen(
            actions_this_turn(tracker), tracker.active_loop_name, forms, int(self.config["max_actions_per_turn"])
        ):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
