from hypothesis import given
from hypothesis import strategies as st

from jobmatch.matcher.groups import FEW, Groups

steps = st.lists(st.tuples(st.booleans(), st.sampled_from("abc"), st.sampled_from([f"i{n}" for n in range(12)])))


@given(steps)
def test_groups_hold_what_sets_would(steps) -> None:
    groups, sets = Groups[str](), {}
    for adding, key, item in steps:
        if adding:
            groups.add(key, item)
            sets.setdefault(key, set()).add(item)
        else:
            groups.discard(key, item)
            if key in sets:
                sets[key].discard(item)
                if not sets[key]:
                    del sets[key]
        assert {key: set(group) for key, group in groups.items()} == sets
        assert all(len(group) == len(set(group)) for group in groups.values())  # no item twice in a tuple


def test_a_few_items_are_a_tuple_and_more_a_set() -> None:
    groups = Groups[str]()
    groups.extend("few", ["a", "b", "a"])
    groups.extend("many", [f"i{n}" for n in range(FEW + 1)])
    groups.extend("none", [])
    assert groups["few"] == ("a", "b") and isinstance(groups["many"], set) and "none" not in groups
