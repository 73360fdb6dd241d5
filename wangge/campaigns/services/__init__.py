"""The campaigns' rules, one module per concern; pages and the API call these."""

from wangge.campaigns.services.assignment import (
    Helper,
    Selection,
    assign_by_default,
    assign_targets,
    helpers_for,
    selected_targets,
)
from wangge.campaigns.services.campaigns import (
    CampaignInput,
    close_campaign,
    create_campaign,
    open_campaign,
    update_campaign,
)
from wangge.campaigns.services.needs import raise_need_from_visit
from wangge.campaigns.services.outcomes import OutcomeInput, save_outcome
from wangge.campaigns.services.questions import (
    QuestionInput,
    add_question,
    move_question,
    remove_question,
    update_question,
)
from wangge.campaigns.services.targeting import (
    materialise_targets,
    selected,
    selected_houses,
    selected_persons,
)
from wangge.campaigns.services.visits import (
    DOOR_PROOF_MINUTES,
    NewResident,
    VisitInput,
    check_answers,
    record_visit,
)

__all__ = [
    "DOOR_PROOF_MINUTES",
    "CampaignInput",
    "Helper",
    "NewResident",
    "OutcomeInput",
    "QuestionInput",
    "Selection",
    "VisitInput",
    "add_question",
    "assign_by_default",
    "assign_targets",
    "check_answers",
    "close_campaign",
    "create_campaign",
    "helpers_for",
    "materialise_targets",
    "move_question",
    "open_campaign",
    "raise_need_from_visit",
    "record_visit",
    "remove_question",
    "save_outcome",
    "selected",
    "selected_houses",
    "selected_persons",
    "selected_targets",
    "update_campaign",
    "update_question",
]
