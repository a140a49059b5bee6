"""The section tree: breadcrumbs, subtrees and comment settings inherited down the tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from common.errors import InvalidInputError, NotFoundError
from common.events.articles import CommentPolicy, SectionCommentSettings

ROOT_SETTINGS = SectionCommentSettings(section_id=0)  # pre-moderated, open, 250 characters


@dataclass(frozen=True, slots=True)
class Section:
    """One section as stored; ``None`` comment fields inherit from the parent."""

    id: int
    parent_id: int | None
    slug: str
    name: str
    position: int = 0
    description: str = ""
    comment_policy: CommentPolicy | None = None
    comments_open: bool | None = None
    comment_max_length: int | None = None


@dataclass(slots=True)
class SectionTree:
    """All sections, indexed; small enough to load whole for each request."""

    by_id: dict[int, Section]
    children: dict[int | None, list[Section]] = field(default_factory=dict)

    @classmethod
    def of(cls, sections: Iterable[Section]) -> SectionTree:
        """Index sections by id and by parent (children in display order)."""
        tree = cls(by_id={s.id: s for s in sections})
        for section in sorted(tree.by_id.values(), key=lambda s: (s.position, s.id)):
            tree.children.setdefault(section.parent_id, []).append(section)
        return tree

    def get(self, section_id: int) -> Section:
        """The section, or NotFoundError."""
        try:
            return self.by_id[section_id]
        except KeyError:
            raise NotFoundError(f"section {section_id} does not exist") from None

    def path(self, section_id: int) -> list[Section]:
        """Root first, ending with the section itself."""
        path: list[Section] = []
        current: int | None = section_id
        while current is not None and len(path) <= len(self.by_id):
            section = self.get(current)
            path.append(section)
            current = section.parent_id
        return path[::-1]

    def subtree_ids(self, section_id: int) -> list[int]:
        """The section and every section below it, depth first."""
        ids = [section_id]
        for child in self.children.get(section_id, []):
            ids += self.subtree_ids(child.id)
        return ids

    def effective(self, section_id: int) -> SectionCommentSettings:
        """Comment settings in force: the nearest section (upwards) that sets each value wins."""
        policy, is_open, max_length = None, None, None
        for section in reversed(self.path(section_id)):
            policy = policy or section.comment_policy
            is_open = is_open if is_open is not None else section.comments_open
            max_length = max_length or section.comment_max_length
        return SectionCommentSettings(
            section_id=section_id,
            comment_policy=policy or ROOT_SETTINGS.comment_policy,
            comments_open=ROOT_SETTINGS.comments_open if is_open is None else is_open,
            comment_max_length=max_length or ROOT_SETTINGS.comment_max_length,
        )

    def check_parent(self, section_id: int | None, parent_id: int | None) -> None:
        """Refuse an unknown parent, or a parent inside the section's own subtree."""
        if parent_id is None:
            return
        if parent_id not in self.by_id:
            raise InvalidInputError(f"parent_id: section {parent_id} does not exist")
        if section_id is not None and parent_id in self.subtree_ids(section_id):
            raise InvalidInputError("parent_id: a section cannot move below itself")
