"""The strands' registry (evaluation.strands.registry): registration checks and accessors."""

import pytest

import evaluation.strands.registry as registry


def make_strand(name, groups, **overrides):
    values = {
        "publish_groups": groups,
        "tables": [f"report/tables/{table_id}.csv" for ids in groups.values() for table_id in ids],
        "figures": [f"figures/fig_{name}.png"],
        "context": [],
        "key_facts": [],
        "ledger": [f"data/processed/audit/ledger_{name}.csv"],
        "findings": [f"data/processed/audit/findings_{name}.csv"],
        "targets": [f"figures/fig_{name}.svg"],
        "publish_context": {},
    }
    values.update(overrides)
    return registry.Strand(name=name, **values)


def test_accessors_concatenate_in_registration_order():
    strands = {}
    registry.register(
        strands,
        make_strand(
            "b",
            {"b": ["tab_b"]},
            context=["ctx/b.json"],
            key_facts=["parts/b.csv"],
            publish_context={"b": ["ctx/b.json"]},
        ),
    )
    registry.register(strands, make_strand("a", {"a1": ["tab_a1"], "a2": ["tab_a2", "tab_a3"]}))

    assert registry.files(strands, "tables") == [
        "report/tables/tab_b.csv",
        "report/tables/tab_a1.csv",
        "report/tables/tab_a2.csv",
        "report/tables/tab_a3.csv",
    ]
    assert registry.files(strands, "figures") == ["figures/fig_b.png", "figures/fig_a.png"]
    assert registry.files(strands, "key_facts") == ["parts/b.csv"]
    assert registry.files(strands, "ledger") == [
        "data/processed/audit/ledger_b.csv",
        "data/processed/audit/ledger_a.csv",
    ]
    assert list(registry.publish_groups(strands)) == ["b", "a1", "a2"]
    assert registry.publish_groups(strands)["a2"] == ["tab_a2", "tab_a3"]
    assert registry.publish_context(strands, "b") == ["ctx/b.json"]
    assert registry.publish_context(strands, "a1") == []
    assert registry.publish_context(strands, "key_facts") == []


def test_accessors_return_copies():
    strands = {}
    registry.register(strands, make_strand("a", {"a": ["tab_a"]}))
    registry.publish_groups(strands)["a"].append("other")
    registry.files(strands, "tables").append("other")
    assert registry.publish_groups(strands) == {"a": ["tab_a"]}
    assert registry.files(strands, "tables") == ["report/tables/tab_a.csv"]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown kind"):
        registry.files({}, "tabels")


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (make_strand("a", {"other": ["t"]}), "registered twice"),
        (make_strand("b", {"a": ["t"]}), "publish groups already registered"),
        (
            make_strand("b", {"b": ["t"]}, context=["c.json"], publish_context={"x": ["c.json"]}),
            "unknown publish groups",
        ),
        (
            make_strand("b", {"b": ["t"]}, publish_context={"b": ["c.json"]}),
            "not in its context",
        ),
    ],
)
def test_registration_checks(second, message):
    strands = {}
    registry.register(strands, make_strand("a", {"a": ["tab_a"]}))
    with pytest.raises(ValueError, match=message):
        registry.register(strands, second)
    assert list(strands) == ["a"]
