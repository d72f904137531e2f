"""Registry vocabulary shared by the engine, the models and the registry import."""

from __future__ import annotations

# Kinds of respondent, as stored; labels are what coordinators and reports read.
KINDS: dict[str, str] = {
    "centrumstad": "Centrumstad",
    "stad": "Stad",
    "gemeente": "Gemeente",
    "igs": "Intergemeentelijk samenwerkingsverband (IGS)",
}

# The five Flemish provinces, and Brussels.
PROVINCES: tuple[str, ...] = (
    "Antwerpen",
    "Limburg",
    "Oost-Vlaanderen",
    "Vlaams-Brabant",
    "West-Vlaanderen",
    "Brussel",
)

# Registry fields a question may be prefilled from (see each question type's
# ``prefill_sources``), and the prefix of a catalogue's linked entries.
PREFILL_SOURCES: tuple[str, ...] = (
    "respondent.name",
    "respondent.kind",
    "respondent.province",
    "respondent.contact.name",
    "respondent.contact.email",
)
ITEMS_PREFILL = "respondent.items."
# Prefilled from these, an answer identifies the respondent (unless identifying: false).
IDENTIFYING_PREFILLS = frozenset(
    {"respondent.name", "respondent.contact.name", "respondent.contact.email"}
)
