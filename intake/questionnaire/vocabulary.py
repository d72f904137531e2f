"""Registry vocabulary shared by the engine, the models and the registry import."""

from __future__ import annotations

# Kinds of applicant, as stored; labels are what coordinators and reports read.
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
