"""The explanation page as a person reads it: every element already formatted in the active language.

Built from a decision and its stored explanation (loaded by explanations/selectors.py), so that the web page
(templates/explanations/citizen/), the PDF (explanations/services/pdf.py) and the review desk show exactly the
same content. Nothing here queries the database: whatever a page shows is loaded before (select_related in
`selectors.decision_by_reference`, the flagged features by `selectors.flagged_features`).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from explanations.labels import parameter_label
from portal.identifiers import format_reference
from portal.web.templatetags.portal import i18n_text, parameter_value, tenge

from .models import AutomationLevel, Decision, HumanInvolvement, ModelKind, Reproducibility, StoredExplanation

# ----------------------------------------------------------------------------------------------------------
# Citizens: their decisions and the case-specific explanation page.
#
# Everything a citizen reads is built here as plain, already formatted text in the active language (numbers,
# tenge, dates), so that the web page and the PDF show exactly the same content.
# Design: shared/design/explanations.md, part A (the 17 elements).

COLLECTION_LABELS = {
    "registry": gettext_lazy("Taken from the registry"),
    "declared": gettext_lazy("Declared by you or your family"),
    "imputed": gettext_lazy("Estimated, because the registry had no value"),
    "derived": gettext_lazy("Calculated from other data"),
    "default": gettext_lazy("A standard value, used because the real value was missing"),
}
# Collection methods that mean the value is not a recorded fact about the person: an assumption that mattered.
ASSUMED_COLLECTIONS = frozenset({"imputed", "default"})

# Category codes used by registered models; an unknown code is shown as sent, so nothing is hidden.
CATEGORY_LABELS = {
    "owned": gettext_lazy("owned"),
    "rented": gettext_lazy("rented"),
    "social": gettext_lazy("social housing"),
    "none": gettext_lazy("no housing"),
    "redundancy": gettext_lazy("redundancy"),
    "employer_liquidation": gettext_lazy("the employer closed down"),
    "contract_end": gettext_lazy("end of contract"),
    "other": gettext_lazy("other"),
    "trade": gettext_lazy("trade"),
    "construction": gettext_lazy("construction"),
    "services": gettext_lazy("services"),
    "manufacturing": gettext_lazy("manufacturing"),
    "agriculture": gettext_lazy("agriculture"),
}
UNIT_SUFFIXES = {"m2": "m²", "%": "%"}


def _lang_text(value: Any) -> str:
    return i18n_text(value)


def format_number(value: Any, *, max_decimals: int = 2) -> str:
    """A number in the active language's notation, with at most ``max_decimals`` decimals."""
    if isinstance(value, bool) or value is None:
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return _minus(formats.number_format(int(number), force_grouping=True))
    rounded = number.quantize(Decimal(1).scaleb(-max_decimals)).normalize()
    return _minus(formats.number_format(rounded, force_grouping=True))


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    elif isinstance(value, dt.datetime):
        day = timezone.localdate(value)
    else:
        day = value
    return formats.date_format(day, "DATE_FORMAT")


def format_value(value: Any, feature: dict[str, Any] | None) -> str:
    """A feature's value as a person reads it: tenge, yes/no, a category's name, a date, a number."""
    feature = feature or {}
    ftype = feature.get("type")
    if value is None:
        return "—"
    if isinstance(value, bool) or ftype == "boolean":
        return _("Yes") if value else _("No")
    if ftype == "date":
        return format_date(value)
    if ftype == "category" or isinstance(value, str):
        return str(CATEGORY_LABELS.get(str(value), value))
    unit = feature.get("unit")
    if unit == "KZT":
        return tenge(value)
    if unit == "year" and float(value).is_integer():
        return str(int(value))  # a calendar year: 2026, never "2,026"
    text = format_number(value, max_decimals=4 if abs(float(value)) < 1 else 2)
    suffix = UNIT_SUFFIXES.get(unit or "")
    return f"{text}\u00a0{suffix}" if suffix else text


def format_test(op: str, test_value: Any, feature: dict[str, Any] | None) -> str:
    """A comparison of a tree or a rule in words: "at most 92 456 ₸", "one of: rented, social housing"."""
    is_date = (feature or {}).get("type") == "date"
    if op in ("in", "not_in"):
        values = test_value if isinstance(test_value, list) else [test_value]
        listed = ", ".join(format_value(v, feature) for v in values)
        return (
            _("one of: %(values)s") % {"values": listed}
            if op == "in"
            else _("none of: %(values)s") % {"values": listed}
        )
    shown = format_value(test_value, feature)
    phrases = {
        "<=": _("on or before %(value)s") if is_date else _("at most %(value)s"),
        "<": _("before %(value)s") if is_date else _("less than %(value)s"),
        ">=": _("on or after %(value)s") if is_date else _("at least %(value)s"),
        ">": _("after %(value)s") if is_date else _("more than %(value)s"),
        "==": _("equal to %(value)s"),
        "!=": _("not equal to %(value)s"),
    }
    return phrases.get(op, f"{op} %(value)s") % {"value": shown}


def _bin_text(bins: list[dict[str, Any]], index: int | None, feature: dict[str, Any]) -> str:
    """One scorecard bin in words: "from 70 000 ₸ to under 120 000 ₸", "under 1", "owned"."""
    if index is None or not 0 <= index < len(bins):
        return "—"
    b = bins[index]
    if "category" in b:
        return format_value(b["category"], feature)
    lower, upper = b.get("lower"), b.get("upper")
    if lower is None and upper is None:
        return _("any value")
    if lower is None:
        return _("under %(upper)s") % {"upper": format_value(upper, feature)}
    if upper is None:
        return _("%(lower)s or more") % {"lower": format_value(lower, feature)}
    return _("from %(lower)s to under %(upper)s") % {
        "lower": format_value(lower, feature),
        "upper": format_value(upper, feature),
    }


def appeal_last_day(decision: Decision) -> dt.date | None:
    """The last day to ask for a review: the day of notification plus the system's appeal window.

    None for a silent assessment: the window runs from notification, and the person was never notified.
    """
    if not decision.notified or decision.notified_at is None:
        return None
    return timezone.localdate(decision.notified_at) + dt.timedelta(days=decision.system.appeal_window_days)


def outcome_of(spec: dict[str, Any], code: str) -> dict[str, Any]:
    for outcome in spec.get("outcomes", []):
        if outcome.get("code") == code:
            return dict(outcome)
    return {"code": code, "label": {"kk": code, "ru": code, "en": code}}


# --- the explanation page -------------------------------------------------------------------------------


@dataclass
class DataRow:
    feature: str
    label: str
    description: str
    value: str
    source_code: str
    source_name: str
    as_of: str
    collection: str
    collection_label: str
    assumed: bool
    flagged: bool


@dataclass
class ContributionRow:
    label: str
    value: str
    reference: str
    amount: str
    direction: str  # "up", "down" or "none": what it did to the score
    points: str = ""
    reference_points: str = ""
    weight: str = ""
    odds_factor: str = ""


@dataclass
class TestRow:
    label: str
    test: str
    value: str
    held: bool
    decisive: bool = False


@dataclass
class RuleRow:
    rule: str
    label: str
    outcome_label: str
    fired: bool
    consulted: bool
    decided: bool
    conditions: list[TestRow]


@dataclass
class Alternative:
    sentence: str
    outcome_label: str
    favourable: bool | None
    changes: list[dict[str, str]]


@dataclass
class Section:
    """A titled block of plain sentences (operations, assumptions, recourse...)."""

    items: list[str] = field(default_factory=list)


@dataclass
class ExplanationPage:
    """Everything a person is shown about one decision, in the active language, in reading order."""

    decision: Decision
    stored: StoredExplanation
    content: dict[str, Any]
    kind: str
    reference_display: str
    system_name: str
    operator_name: str
    responsible_official: str
    outcome_label: str
    outcome_description: str
    favourable: bool | None
    meaning: str
    decided_date: str
    notified_date: str
    silent: bool
    near_threshold: bool
    not_reproducible: bool
    replay_status: str
    superseded_by: str | None
    supersedes: str | None
    appeal_last_day: str
    appeal_window_over: bool
    purpose: str
    legal_basis: str
    legal_basis_url: str
    automation_label: str
    role_sentence: str
    human_label: str
    human_role: str
    human_note: str
    data_rows: list[DataRow]
    baseline_sentence: str
    score_sentence: str
    contributions: list[ContributionRow]
    probability: dict[str, str] | None
    path: list[TestRow]
    path_leaf: str
    rules: list[RuleRow]
    rules_default: str
    attributions: list[dict[str, str]]
    operations: list[str]
    reasons: list[str]
    score: str
    thresholds: list[str]
    margin: str
    near_band: str
    alternatives: list[Alternative]
    counterfactual_status: str
    no_change_sentence: str
    another_result: list[str]
    assumptions: list[str]
    parameters: list[tuple[str, str, bool]]  # (label, value, whether the label is the agency's raw key)
    versions: list[tuple[str, str]]
    human_interventions: list[str]
    restrictions: list[str]
    recourse: list[str]
    appeal_deadline: str
    appeal_instruction: str
    technical: list[tuple[str, str]]


NOTE_TEXTS = {
    "counterfactual_assumption": gettext_lazy(
        "Each change above assumes that all other data stay as recorded. In reality some data change together "
        "(for example income and the number of family members)."
    ),
    "baseline_defaulted_to_zero": gettext_lazy(
        "The model does not state a reference value for some factors; their share is measured from zero."
    ),
    # tree ensembles (engine notes of the same codes)
    "counterfactual_not_proven_optimal": gettext_lazy(
        "The search for the smallest change reached its time limit: the changes shown are the best found, "
        "not proven to be the smallest."
    ),
    "reference_population": gettext_lazy(
        "Each factor's share is measured against a documented set of reference cases (their average), not "
        "against a single reference value."
    ),
    "no_recourse_certified": gettext_lazy(
        "That no change would help is proven: an exact optimisation over every path through the model's trees "
        "has no solution within the allowed changes."
    ),
}
#: Engine notes shown among the assumptions when present.
SHOWN_NOTES = ("baseline_defaulted_to_zero", "counterfactual_not_proven_optimal", "reference_population")


METHOD_LABELS = {
    "multiple_choice_knapsack_dp": gettext_lazy("exact search over the points table (dynamic programming)"),
    "greedy_lp_and_exact_branch_and_bound": gettext_lazy(
        "exact optimisation (linear programme, then branch and bound for whole numbers)"
    ),
    "leaf_box_projection": gettext_lazy("exact search over every end of the tree"),
    "condition_class_enumeration": gettext_lazy("exact search over the rules' conditions"),
    "milp_over_leaf_regions_highs": gettext_lazy(
        "exact optimisation over the paths through the model's trees (mixed-integer programme)"
    ),
    "none": gettext_lazy("none"),
}
BAND_SOURCE_LABELS = {
    "argument": gettext_lazy("the register entry"),
    "spec": gettext_lazy("the model version"),
    "default_5pct_of_range": gettext_lazy("the portal's default: 5% of the range of possible scores"),
}
# The engine's cost model (explanations.engine.COST_MODEL) in words a person can read.
COST_MODEL_TEXT = gettext_lazy(
    "A change to a number costs its weight times the size of the change divided by the allowed range; a change "
    "to a yes/no or a category costs its weight. Only data that could differ are changed, within their limits "
    "and in the allowed direction. The cheapest set of changes is shown first."
)


def _score_text(value: float | None, scale: str) -> str:
    if value is None:
        return "—"
    if scale == "probability":
        return format_number(value * 100, max_decimals=1) + "\u00a0%"
    if scale == "points":
        return ngettext("%(n)s point", "%(n)s points", int(abs(value)) if value == int(value) else 2) % {
            "n": format_number(value)
        }
    return format_number(value, max_decimals=3)


class _Builder:
    """The elements of one explanation page, each formatted from the decision, its model version's
    specification and the stored explanation (`explanation_page` puts them together)."""

    def __init__(self, decision: Decision, stored: StoredExplanation, flagged: frozenset[str]) -> None:
        self.d = decision
        self.stored = stored
        self.c = stored.content
        self.spec: dict[str, Any] = decision.model_version.spec
        self.features = {f["name"]: f for f in self.spec.get("features", [])}
        self.flagged = flagged
        self.sources = {s.get("code"): s for s in decision.system.data_sources or [] if isinstance(s, dict)}

    def label(self, name: str) -> str:
        feature = self.features.get(name)
        return _lang_text(feature["label"]) if feature and feature.get("label") else name

    def value(self, name: str, value: Any) -> str:
        return format_value(value, self.features.get(name))

    def outcome_label(self, code: str | None) -> str:
        return _lang_text(outcome_of(self.spec, code or "")["label"]) if code else "—"

    # -- elements -------------------------------------------------------------------------------------

    def data_rows(self) -> list[DataRow]:
        rows = []
        names = [f["name"] for f in self.spec.get("features", [])]
        names += [n for n in self.d.inputs if n not in self.features]
        for name in names:
            item = self.d.inputs.get(name)
            if not isinstance(item, dict):
                continue
            feature = self.features.get(name, {})
            code = str(item.get("source", ""))
            source = self.sources.get(code)
            collection = str(item.get("collection", ""))
            rows.append(
                DataRow(
                    feature=name,
                    label=self.label(name),
                    description=_lang_text(feature.get("description")) if feature.get("description") else "",
                    value=self.value(name, item.get("value")),
                    source_code=code,
                    source_name=_lang_text(source["name"]) if source and source.get("name") else code,
                    as_of=format_date(item.get("as_of_date")),
                    collection=collection,
                    collection_label=str(COLLECTION_LABELS.get(collection, collection)),
                    assumed=collection in ASSUMED_COLLECTIONS,
                    flagged=name in self.flagged,
                )
            )
        return rows

    def contributions(self) -> tuple[list[ContributionRow], str, str]:
        contrib = self.c.get("contributions")
        if not contrib:
            return [], "", ""
        scale = contrib["scale"]
        rows = []
        for item in contrib["items"]:
            name = item["feature"]
            feature = self.features.get(name, {})
            amount = item["contribution"]
            direction = "up" if amount > 0 else "down" if amount < 0 else "none"
            if scale == "points":
                bins = self.spec.get("bins", {}).get(name, [])
                rows.append(
                    ContributionRow(
                        label=self.label(name),
                        value=self.value(name, item["value"]),
                        reference=_bin_text(bins, item.get("reference_bin"), feature),
                        amount=_signed(amount),
                        direction=direction,
                        points=format_number(item.get("points")),
                        reference_points=format_number(item.get("reference_points")),
                    )
                )
            else:
                rows.append(
                    ContributionRow(
                        label=self.label(name),
                        value=self.value(name, item["value"]),
                        reference=self.value(name, item.get("reference")),
                        amount=_signed(amount, decimals=4 if scale == "logit" else 2),
                        direction=direction,
                        weight=format_number(item.get("weight"), max_decimals=6),
                        odds_factor=format_number(item["odds_factor"], max_decimals=3)
                        if item.get("odds_factor") is not None
                        else "",
                    )
                )
        if scale == "points":
            baseline = _(
                "Starting point: %(baseline)s. That is the base points plus the points each factor gives at its "
                "reference range (shown in the table). Each row shows how many points your value gave compared "
                "with the reference range."
            ) % {"baseline": _score_text(contrib["baseline"], "points")}
            score = _("Starting point %(baseline)s, plus the differences, gives your score: %(score)s.") % {
                "baseline": format_number(contrib["baseline"]),
                "score": _score_text(contrib["score"], "points"),
            }
        elif scale == "logit":
            baseline = _(
                "Starting point: a reference case with the reference values shown in the table, whose log-odds "
                "are %(baseline)s. Each row shows how much your value moved the log-odds compared with the "
                "reference value (weight × difference), and by how much it multiplied the odds."
            ) % {"baseline": format_number(contrib["baseline"], max_decimals=4)}
            score = _("Starting point %(baseline)s, plus the differences, gives log-odds of %(score)s.") % {
                "baseline": format_number(contrib["baseline"], max_decimals=4),
                "score": format_number(contrib["score"], max_decimals=4),
            }
        else:
            baseline = _(
                "Starting point: %(baseline)s, the score of a reference case with the reference values shown "
                "in the table. Each row shows how much your value moved the score compared with the reference "
                "value (weight × difference)."
            ) % {"baseline": format_number(contrib["baseline"])}
            score = _("Starting point %(baseline)s, plus the differences, gives your score: %(score)s.") % {
                "baseline": format_number(contrib["baseline"]),
                "score": format_number(contrib["score"]),
            }
        return rows, baseline, score

    def probability(self) -> dict[str, str] | None:
        p = self.c.get("probability")
        if not p:
            return None
        return {
            "baseline": _score_text(p["probability_at_baseline"], "probability"),
            "case": _score_text(p["probability_at_case"], "probability"),
            "threshold": _score_text(p["threshold_probability"], "probability")
            if p.get("threshold_probability") is not None
            else "",
        }

    def path(self) -> tuple[list[TestRow], str]:
        p = self.c.get("path")
        if not p:
            return [], ""
        rows = [
            TestRow(
                label=self.label(s["feature"]),
                test=format_test(s["op"], s["test_value"], self.features.get(s["feature"])),
                value=self.value(s["feature"], s["value"]),
                held=bool(s["held"]),
                decisive=bool(s["decisive"]),
            )
            for s in p["steps"]
        ]
        return rows, self.outcome_label(p["outcome"])

    def rules(self) -> tuple[list[RuleRow], str]:
        r = self.c.get("rules")
        if not r:
            return [], ""
        spec_rules = {rule["id"]: rule for rule in self.spec.get("rules", [])}
        rows = []
        for rule in r["rules"]:
            spec_rule = spec_rules.get(rule["rule"], {})
            rows.append(
                RuleRow(
                    rule=rule["rule"],
                    label=_lang_text(spec_rule["label"]) if spec_rule.get("label") else rule["rule"],
                    outcome_label=self.outcome_label(rule["outcome"]),
                    fired=rule["fired"],
                    consulted=rule["consulted"],
                    decided=rule["decided"],
                    conditions=[
                        TestRow(
                            label=self.label(c["feature"]),
                            test=format_test(c["op"], c["test_value"], self.features.get(c["feature"])),
                            value=self.value(c["feature"], c["value"]),
                            held=bool(c["held"]),
                        )
                        for c in rule["conditions"]
                    ],
                )
            )
        return rows, self.outcome_label(r["default_outcome"])

    def attributions(self) -> list[dict[str, str]]:
        a = self.c.get("attributions")
        if not a:
            return []
        return [
            {
                "label": self.label(item["feature"]),
                "value": self.value(item["feature"], (self.d.inputs.get(item["feature"]) or {}).get("value")),
                "amount": _signed(item["value"], decimals=4),
            }
            for item in a["items"]
        ]

    def reasons(self) -> list[str]:
        out = []
        for r in self.c.get("principal_reasons", []):
            name = r["feature"]
            params = {"label": self.label(name), "value": self.value(name, r["value"])}
            basis = r["basis"]
            if basis == "contribution":
                params["effect"] = (
                    _score_text(r["effect"], "points")
                    if self.kind == ModelKind.SCORECARD
                    else format_number(r["effect"], max_decimals=4)
                )
                text = _("%(label)s: %(value)s. This moved the score towards your result by %(effect)s.")
            elif basis == "path_test":
                params["test"] = format_test(r["op"], r["test_value"], self.features.get(name))
                text = _("%(label)s: %(value)s. The model checked whether it is %(test)s.")
            elif basis == "rule_condition_held":
                params["test"] = format_test(r["op"], r["test_value"], self.features.get(name))
                params["rule"] = self.rule_label(r.get("rule"))
                text = _("%(label)s: %(value)s, which is %(test)s. So the rule “%(rule)s” applied.")
            else:
                params["test"] = format_test(r["op"], r["test_value"], self.features.get(name))
                params["rule"] = self.rule_label(r.get("rule"))
                text = _("%(label)s: %(value)s, which is not %(test)s. So the rule “%(rule)s” did not apply.")
            out.append(text % params)
        return out

    def rule_label(self, rule_id: str | None) -> str:
        for rule in self.spec.get("rules", []):
            if rule.get("id") == rule_id:
                return _lang_text(rule["label"]) if rule.get("label") else str(rule_id)
        return str(rule_id or "")

    @property
    def kind(self) -> str:
        return str(self.c.get("kind", self.d.model_version.kind))

    def thresholds(self) -> tuple[str, list[str], str, str, bool]:
        t = self.c.get("thresholds")
        replay = self.c.get("replay", {})
        recorded = replay.get("recorded_score")
        if not t:
            score = format_number(recorded, max_decimals=3) if recorded is not None else ""
            return score, [], "", "", False
        views = t["views"]
        main = views[0]
        scale = main["scale"]
        lines = []
        for edge in main["edges"]:
            params = {
                "outcome": self.outcome_label(edge["outcome_beyond"]),
                "value": _score_text(edge["value"], scale),
                "distance": _score_text(edge["distance"], scale),
            }
            if edge["direction"] == "up":
                text = _(
                    "The result would have been “%(outcome)s” with a score of %(value)s or more "
                    "(%(distance)s higher)."
                )
            elif edge["distance"] > 0:
                text = _(
                    "The result would have been “%(outcome)s” with a score below %(value)s "
                    "(more than %(distance)s lower)."
                )
            else:
                text = _("The result would have been “%(outcome)s” with any lower score (below %(value)s).")
            lines.append(text % params)
        margin = ""
        if main.get("margin") is not None:
            margin = _score_text(abs(main["margin"]), scale)
        near_band = _score_text(t["near_band"], scale)
        return _score_text(main["score"], scale), lines, margin, near_band, bool(t["near_threshold"])

    def alternatives(self) -> list[Alternative]:
        cf = self.c.get("counterfactuals", {})
        monotone = self.kind in (ModelKind.LINEAR, ModelKind.LOGISTIC)
        out = []
        for alt in cf.get("alternatives", []):
            changes = []
            for ch in alt["changes"]:
                name = ch["feature"]
                to_text = self.value(name, ch["to_value"])
                feature = self.features.get(name, {})
                numeric = feature.get("type") in ("number", "integer")
                if monotone and numeric and ch["to_value"] != ch["from_value"]:
                    to_text = (
                        _("%(value)s or less")
                        if ch["to_value"] < ch["from_value"]
                        else _("%(value)s or more")
                    ) % {"value": to_text}
                changes.append(
                    {"label": self.label(name), "from": self.value(name, ch["from_value"]), "to": to_text}
                )
            outcome = outcome_of(self.spec, alt["outcome"])
            params = {"outcome": _lang_text(outcome["label"])}
            if len(changes) == 1:
                params.update(
                    label=changes[0]["label"],
                    to=changes[0]["to"],
                    frm=changes[0]["from"],
                )
                sentence = (
                    _(
                        "If your recorded “%(label)s” were %(to)s instead of %(frm)s, the result would have been "
                        "“%(outcome)s”."
                    )
                    % params
                )
            else:
                listed = "; ".join(
                    _("“%(label)s” %(to)s instead of %(frm)s")
                    % {"label": c["label"], "to": c["to"], "frm": c["from"]}
                    for c in changes
                )
                params["changes"] = listed
                sentence = (
                    _("If your recorded data were: %(changes)s, the result would have been “%(outcome)s”.")
                    % params
                )
            out.append(
                Alternative(
                    sentence=sentence,
                    outcome_label=params["outcome"],
                    favourable=outcome.get("favourable"),
                    changes=changes,
                )
            )
        return out

    def operations(self, has_threshold: bool) -> list[str]:
        d, version = self.d, self.d.model_version
        registries = sorted({str(i.get("source", "")) for i in d.inputs.values() if isinstance(i, dict)})
        names = [
            _lang_text(self.sources[c]["name"]) if c in self.sources and self.sources[c].get("name") else c
            for c in registries
        ]
        steps = [
            ngettext(
                "Data about you and your household were taken from %(count)s source: %(sources)s.",
                "Data about you and your household were taken from %(count)s sources: %(sources)s.",
                len(names),
            )
            % {"count": len(names), "sources": ", ".join(names)}
        ]
        derived = [
            self.label(n)
            for n, i in d.inputs.items()
            if isinstance(i, dict) and i.get("collection") == "derived"
        ]
        if derived:
            steps.append(
                _("Some values were calculated from other data: %(names)s.") % {"names": ", ".join(derived)}
            )
        assumed = [
            self.label(n)
            for n, i in d.inputs.items()
            if isinstance(i, dict) and i.get("collection") in ASSUMED_COLLECTIONS
        ]
        if assumed:
            steps.append(
                _("Some values were missing and were estimated or filled in: %(names)s.")
                % {"names": ", ".join(assumed)}
            )
        kind_steps: dict[str, str] = {
            ModelKind.SCORECARD: _(
                "Each value was given points from a fixed table, and the points were added up."
            ),
            ModelKind.LINEAR: _(
                "Each value was multiplied by a fixed weight, and the results were added up."
            ),
            ModelKind.LOGISTIC: _(
                "Each value was multiplied by a fixed weight; the total was turned into a probability."
            ),
            ModelKind.DECISION_TREE: _(
                "The values were checked one question at a time, following a fixed tree."
            ),
            ModelKind.RULES: _("The values were checked against a fixed list of rules, in order."),
            ModelKind.TREE_ENSEMBLE: _(
                "The values were checked against many fixed trees of questions; the amounts at the ends of "
                "their paths were added up."
            ),
            ModelKind.OPAQUE: _(
                "A model supplied to the agency calculated the result; the portal cannot run it."
            ),
        }
        steps.append(
            _("%(step)s Model version: %(version)s.")
            % {"step": kind_steps.get(self.kind, ""), "version": version.version}
        )
        if has_threshold:
            steps.append(_("The score was compared with the threshold to give the result."))
        elif self.kind == ModelKind.RULES:
            steps.append(
                _("The first rule that applied gave the result; if none applied, the default result.")
            )
        elif self.kind == ModelKind.DECISION_TREE:
            steps.append(_("The end of the path gave the result."))
        human = d.human_involvement
        if human == HumanInvolvement.NONE:
            steps.append(_("No person was involved before the result was recorded."))
        elif human == HumanInvolvement.REVIEWED:
            steps.append(
                _("A person (%(role)s) reviewed the result.") % {"role": d.human_role or _("official")}
            )
        else:
            steps.append(
                _("A person (%(role)s) took the decision, using the system's result.")
                % {"role": d.human_role or _("official")}
            )
        replay = self.c.get("replay", {}).get("status")
        if replay == "match":
            steps.append(
                _("The portal recomputed the result from the recorded data and got the same result.")
            )
        elif replay == "mismatch":
            steps.append(
                _("The portal recomputed the result from the recorded data and got a different result.")
            )
        else:
            steps.append(
                _(
                    "The portal could not recompute the result: the model is not registered in a form it can run."
                )
            )
        return steps


def _minus(text: str) -> str:
    """A typographic minus sign, as in the differences beside it."""
    return f"\u2212{text[1:]}" if text.startswith("-") else text


def _signed(value: float, *, decimals: int = 2) -> str:
    if value == 0:
        return format_number(0)
    text = format_number(abs(value), max_decimals=decimals)
    return f"+{text}" if value > 0 else f"\u2212{text}"


def _role_sentence(decision: Decision) -> str:
    level = decision.system.automation_level
    if level == AutomationLevel.DECIDES:
        return _("The system gave the result by itself.")
    if level == AutomationLevel.RECOMMENDS:
        return _("The system recommended a result; a person was to decide.")
    return _("The system selected cases for a person to examine.")


def explanation_page(
    *,
    decision: Decision,
    stored: StoredExplanation,
    flagged: frozenset[str] = frozenset(),
    now: dt.datetime | None = None,
) -> ExplanationPage:
    """The case-specific explanation of one decision, every element of part A, in the active language."""
    b = _Builder(decision, stored, flagged)
    d, system, version, c = decision, decision.system, decision.model_version, stored.content
    today = timezone.localdate(now or timezone.now())
    outcome = outcome_of(b.spec, d.outcome)
    favourable = outcome.get("favourable")
    contributions, baseline_sentence, score_sentence = b.contributions()
    path, path_leaf = b.path()
    rules, rules_default = b.rules()
    score, threshold_lines, margin, near_band, near = b.thresholds()
    alternatives = b.alternatives()
    cf = c.get("counterfactuals", {})
    status = cf.get("status", "not_applicable")
    last_day = appeal_last_day(d)
    successor = getattr(d, "superseded_by", None)
    replay = c.get("replay", {}).get("status", "")
    not_reproducible = replay != "match" or d.reproducibility != Reproducibility.REPRODUCED
    operator = _lang_text(system.operator.name)
    data_rows = b.data_rows()

    if outcome.get("description"):
        meaning = _lang_text(outcome["description"])
    elif favourable is True:
        meaning = _("This result is in your favour.")
    elif favourable is False:
        meaning = _("This result is not in your favour.")
    else:
        meaning = ""

    another = []
    if near:
        another.append(
            _(
                "Your result was close to the threshold (within %(band)s). A small difference in the data could "
                "have given another result."
            )
            % {"band": near_band}
        )
    elif near_band:
        another.append(
            _("Your result was not close to the threshold: close means within %(band)s.")
            % {"band": near_band}
        )
    if status == "found":
        another.append(
            _(
                "Another result was possible with different recorded data: see “What would have changed the result”."
            )
        )
    elif status == "no_recourse":
        another.append(_("No change to the data you could influence would have changed this result."))
    else:
        another.append(_("The portal cannot tell whether other data would have given another result."))
    if d.human_involvement == HumanInvolvement.NONE:
        another.append(
            _(
                "No person looked at your case before the result. A reviewer can take a fresh decision if you ask."
            )
        )
    else:
        another.append(_("A person was involved and could have decided differently."))
    if replay == "mismatch":
        another.append(
            _("The portal could not reproduce the recorded result, so the result itself is uncertain.")
        )
    elif replay == "not_replayable":
        another.append(_("The portal cannot check the result, because it cannot run the model."))

    assumptions = []
    for row in data_rows:
        if row.assumed:
            assumptions.append(
                _("“%(label)s” was not a recorded fact: %(how)s (value used: %(value)s).")
                % {"label": row.label, "how": row.collection_label.lower(), "value": row.value}
            )
    if c.get("contributions"):
        assumptions.append(
            _(
                "Each factor's share is measured against a reference value chosen by the model's authors "
                "(shown in “How each factor counted”). Another reference would give other shares, but the "
                "same score."
            )
        )
    if status == "found":
        assumptions.append(str(NOTE_TEXTS["counterfactual_assumption"]))
    for note in c.get("notes", []):
        if note["code"] in SHOWN_NOTES:
            assumptions.append(str(NOTE_TEXTS[note["code"]]))
    if status == "no_recourse" and cf.get("method") == "milp_over_leaf_regions_highs":
        assumptions.append(str(NOTE_TEXTS["no_recourse_certified"]))
    parameters = [
        (parameter_label(key) or key, parameter_value(value, key), parameter_label(key) is None)
        for key, value in (version.parameters or {}).items()
    ]
    if parameters:
        assumptions.append(_("The model version uses these fixed values (parameters), listed below."))

    versions = [
        (_("Model version"), version.version),
        (_("Kind of model"), str(version.get_kind_display())),
        (_("In use from"), format_date(version.released_at)),
        (_("Fingerprint of the specification (SHA-256)"), version.spec_hash),
        (
            _("Data the model was built with"),
            _("%(name)s, version %(version)s")
            % {"name": version.dataset_name, "version": version.dataset_version},
        ),
        (_("Fingerprint of the data (SHA-256)"), version.dataset_sha256),
        (
            _("Fingerprint of the model file (SHA-256)"),
            version.artifact_sha256 or _("No model file was registered."),
        ),
        (_("Explanation engine version"), str(c.get("engine_version", stored.engine_version))),
        (_("Fingerprint of this explanation (SHA-256)"), stored.sha256),
        (_("Fingerprint of the decision record (SHA-256)"), d.content_hash),
    ]

    interventions = []
    if d.human_involvement == HumanInvolvement.NONE:
        interventions.append(_("No person changed or checked this result."))
    else:
        interventions.append(
            _("%(what)s Role: %(role)s.")
            % {"what": d.get_human_involvement_display(), "role": d.human_role or "—"}
        )
        if d.human_note:
            interventions.append(_("Their note: %(note)s") % {"note": d.human_note})
    if d.supersedes is not None:
        interventions.append(
            _("This decision corrects an earlier decision, %(reference)s.")
            % {"reference": format_reference(d.supersedes.reference)}
        )
    if successor is not None:
        interventions.append(
            _("This decision was later corrected by decision %(reference)s.")
            % {"reference": format_reference(successor.reference)}
        )

    restrictions = []
    if b.kind == ModelKind.OPAQUE:
        restrictions.append(
            _(
                "Part of how this result was reached is not available to the portal: the agency uses a model it "
                "has not registered in a form the portal can run. The figures shown are the agency's own; the "
                "portal cannot reproduce or check them."
            )
        )
        restrictions.append(
            _(
                "You can ask %(agency)s for more information. The independent review body and the ombudsman "
                "can examine the system in full."
            )
            % {"agency": operator}
        )
    else:
        restrictions.append(_("Nothing was withheld: the whole model is registered and shown here."))

    window = system.appeal_window_days
    if last_day is not None:
        deadline = _("Ask for a review by %(date)s (%(days)s days after you were notified).") % {
            "date": format_date(last_day),
            "days": window,
        }
        if last_day < today:
            deadline = _(
                "The usual time to ask for a review ended on %(date)s. You can still ask: you will be asked why "
                "you are late, and the review body decides whether it accepts the reason."
            ) % {"date": format_date(last_day)}
    else:
        deadline = _(
            "The time to ask for a review (%(days)s days) starts on the day you are notified. You were not "
            "notified, so the time has not started: it is open."
        ) % {"days": window}
    recourse = [
        _(
            "You have the right to an independent review: a person who does not work for the agency that ran "
            "the system looks at your case again, can take a fresh decision and can talk to you. It is free."
        ),
        ngettext(
            "The review body must decide within %(days)s working day.",
            "The review body must decide within %(days)s working days.",
            system.review_deadline_working_days,
        )
        % {"days": system.review_deadline_working_days},
        _("You can also contact the agency directly: %(email)s.") % {"email": system.contact_email},
        _("If you are not satisfied, you can complain to the ombudsman, and you can go to court."),
    ]
    # How to ask here, with the time limit (`deadline`): the web page links "Ask for a review of this decision
    # on this portal" (appeals:start); the PDF, which has no links, says how in `appeal_instruction`.
    appeal_instruction = _(
        "To ask for a review, sign in to this portal, open this decision (reference %(reference)s) and choose "
        "“Appeal this decision”."
    ) % {"reference": format_reference(d.reference)}

    technical = [
        (_("Reference"), format_reference(d.reference)),
        (
            _("Replay check"),
            {
                "match": _("reproduced"),
                "mismatch": _("not reproduced"),
                "not_replayable": _("not possible"),
            }.get(replay, replay),
        ),
        (
            _("Recorded score"),
            format_number(c["replay"]["recorded_score"], max_decimals=6)
            if c.get("replay", {}).get("recorded_score") is not None
            else "—",
        ),
        (
            _("Recomputed score"),
            format_number(c["replay"]["replayed_score"], max_decimals=6)
            if c.get("replay", {}).get("replayed_score") is not None
            else "—",
        ),
        (_("Counterfactual method"), str(METHOD_LABELS.get(cf.get("method", ""), cf.get("method", "")))),
        (_("Counterfactual is a proven optimum"), _("Yes") if cf.get("exact") else _("No")),
        (_("Cost model"), str(COST_MODEL_TEXT)),
    ]
    if c.get("contributions"):
        technical.append((_("Exact baseline"), c["contributions"]["baseline_exact"]))
        technical.append((_("Exact score"), c["contributions"]["score_exact"]))
    if c.get("thresholds"):
        source = c["thresholds"]["near_band_source"]
        technical.append((_("Near-threshold band set by"), str(BAND_SOURCE_LABELS.get(source, source))))

    human_label = str(d.get_human_involvement_display())
    return ExplanationPage(
        decision=d,
        stored=stored,
        content=c,
        kind=b.kind,
        reference_display=format_reference(d.reference),
        system_name=_lang_text(system.name),
        operator_name=operator,
        responsible_official=_lang_text(system.responsible_official),
        outcome_label=_lang_text(outcome["label"]),
        outcome_description=_lang_text(outcome["description"]) if outcome.get("description") else "",
        favourable=favourable,
        meaning=meaning,
        decided_date=format_date(d.decided_at),
        notified_date=format_date(d.notified_at) if d.notified_at else "",
        silent=not d.notified,
        near_threshold=near,
        not_reproducible=not_reproducible,
        replay_status=replay,
        superseded_by=successor.reference if successor else None,
        supersedes=d.supersedes.reference if d.supersedes else None,
        appeal_last_day=format_date(last_day) if last_day else "",
        appeal_window_over=last_day is not None and last_day < today,
        purpose=_lang_text(system.purpose),
        legal_basis=_lang_text(system.legal_basis),
        legal_basis_url=system.legal_basis_url,
        automation_label=str(system.get_automation_level_display()),
        role_sentence=_role_sentence(d),
        human_label=human_label,
        human_role=d.human_role,
        human_note=d.human_note,
        data_rows=data_rows,
        baseline_sentence=baseline_sentence,
        score_sentence=score_sentence,
        contributions=contributions,
        probability=b.probability(),
        path=path,
        path_leaf=path_leaf,
        rules=rules,
        rules_default=rules_default,
        attributions=b.attributions(),
        operations=b.operations(bool(c.get("thresholds"))),
        reasons=b.reasons(),
        score=score,
        thresholds=threshold_lines,
        margin=margin,
        near_band=near_band,
        alternatives=alternatives,
        counterfactual_status=status,
        no_change_sentence=_("No change to the data you could influence would have changed this result.")
        if status == "no_recourse"
        else "",
        another_result=another,
        assumptions=assumptions,
        parameters=parameters,
        versions=versions,
        human_interventions=interventions,
        restrictions=restrictions,
        recourse=recourse,
        appeal_deadline=deadline,
        appeal_instruction=appeal_instruction,
        technical=technical,
    )
