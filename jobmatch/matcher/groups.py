"""Items under keys, the few of a key as a tuple: the maps of a pool's indexes hold one to three items under most
keys (a word's titles, a piece's words, a title's jobs), and a set costs 216 bytes however few it holds."""

from collections.abc import Collection, Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
Group = tuple[str, ...] | set[str]
FEW = 8  # items a tuple holds; a key with more holds a set


class Groups(dict[K, Group], Generic[K]):
    """A dict of key -> the items under it (a tuple or a set: iterate them, count them, ask for one)."""

    def add(self, key: K, item: str) -> None:
        group = self.get(key)
        if group is None:
            self[key] = (item,)
        elif type(group) is tuple:
            if item not in group:
                self[key] = group + (item,) if len(group) < FEW else {*group, item}
        else:
            group.add(item)

    def extend(self, key: K, items: Iterable[str]) -> None:
        """`add` of each item; into a new key (a build's) at once."""
        if key in self:
            for item in items:
                self.add(key, item)
        elif group := tuple(dict.fromkeys(items)):
            self[key] = group if len(group) <= FEW else set(group)

    def discard(self, key: K, item: str) -> None:
        """Take `item` from under `key`, and the key once nothing is left under it."""
        group = self.get(key)
        if group is None:
            return
        if type(group) is tuple:
            group = tuple(held for held in group if held != item)
        else:
            group.discard(item)
        if group:
            self[key] = group
        else:
            del self[key]


def only(group: Collection[str], chosen: Collection[str] | None) -> Collection[str]:
    """A group's items, or those of them `chosen` names (a query asked of a few of a pool's titles)."""
    return group if chosen is None else [item for item in chosen if item in group]
