"""The cards of the home page: each app says what a person has to do (or may read) in its own part of
the platform, without the sites app importing it.

    register_home_card(cards)   # cards(request) -> iterable of HomeCard, in AppConfig.ready

A card is a titled list of lines; a line is a count (or none), a label, a direct link and a detail
(a deadline, a reason). Cards of the "work" kind are the person's work to do; cards of the "read"
kind are gathered into one « À consulter » list of links (what the person may read).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

WORK = "work"
READ = "read"

_CARDS: list[Callable] = []


@dataclass
class HomeLine:
    label: str
    url: str = ""
    count: int | None = None
    detail: str = ""
    # "warning" draws the count as something late or refused.
    tone: str = ""


@dataclass
class HomeCard:
    title: str
    lines: list[HomeLine] = field(default_factory=list)
    # The order of the cards on the page (small first): a person's most urgent work comes first.
    order: int = 100
    kind: str = WORK
    # A sentence shown when the card has no line (nothing to do there).
    empty: str = ""
    # The card's anchor (an id for tests and links), and an optional link to its whole list.
    slug: str = ""
    more_url: str = ""
    more_label: str = ""

    @property
    def total(self) -> int:
        return sum(line.count or 0 for line in self.lines)


def register_home_card(cards: Callable) -> None:
    if cards not in _CARDS:
        _CARDS.append(cards)


def home_cards(request) -> tuple[list[HomeCard], list[HomeLine]]:
    """The work cards of this person, in their order, and the links of what they may read."""
    every = sorted(
        (card for cards in _CARDS for card in _as_list(cards(request))), key=lambda card: card.order
    )
    work = [card for card in every if card.kind != READ]
    read = [line for card in every if card.kind == READ for line in card.lines]
    return work, read


def _as_list(cards: HomeCard | Iterable[HomeCard] | None) -> list[HomeCard]:
    if cards is None:
        return []
    if isinstance(cards, HomeCard):
        return [cards]
    return list(cards)
