"""The consent category of a recipient institution seen from the sender's country: the one rule
the exchange between servers and the printed redacted copy share.

An institution of the other country (Costa Rica ↔ Panamá) falls under ``other_country``,
whatever its category in the codebook (PANI is ``services`` for a Costa Rican post, but
``other_country`` for a Panamanian one): paper crosses the border only on a consent that
covers it, as data do. Any other institution (same country, international ones: IOM,
UNHCR, a consulate, a shelter) keeps the category the codebook lists it under.

Pure: no vault, no database, no server import, so the core (``printing.summary``) and the server
(``intake_app/server/exchange/registry.py``, ``Recipient.category_for``) call the same code.
The institution's country is the codebook's (vocabulary ``institutions``, attribute
``country``) or the exchange registry's; the sender's is the post's (derived
``post_country``) or the sending server's.
"""

from __future__ import annotations

from typing import Callable

BORDER_COUNTRIES = ("CR", "PA")
OTHER_COUNTRY = "other_country"  # the consent_recipients code


def crosses_border(institution_country: str | None, sender_country: str | None) -> bool:
    """True when data would go from one of the two countries to the other."""
    return (institution_country in BORDER_COUNTRIES and sender_country in BORDER_COUNTRIES
            and institution_country != sender_country)


def sharing_category(category_of: Callable[[str], str | None], institution: str, institution_country: str | None,
                     sender_country: str | None) -> str | None:
    """The consent_recipients category of ``institution`` for a sender in ``sender_country``.

    ``category_of`` is the codebook's own mapping (``SharingPolicy.category_of``)."""
    if crosses_border(institution_country, sender_country):
        return OTHER_COUNTRY
    return category_of(institution)
