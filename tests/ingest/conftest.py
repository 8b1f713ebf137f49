"""Fixtures shared by the reader and chunking tests."""

import pytest


@pytest.fixture
def sectioned_page() -> str:
    """Written for these tests: one dated article with an introduction and two subheadings."""
    return ("Warsztaty dla asystentów rodziny w Nowym Sączu\n\n2023-11-08\n\n"
    "Na początku listopada grupa asystentów rodziny z naszego ośrodka wyjechała na trzydniowe warsztaty "
    "do Nowego Sącza, zorganizowane wspólnie z tamtejszym centrum usług społecznych.\n\n"
    "Przebieg warsztatów\n\n"
    "Pierwszego dnia uczestnicy omawiali trudne rozmowy z rodzicami, a drugiego ćwiczyli planowanie "
    "pracy z rodziną na konkretnych przypadkach przygotowanych przez gospodarzy.\n\n"
    "Trzeci dzień poświęcono wymianie doświadczeń i podsumowaniu, po którym każdy uczestnik otrzymał "
    "zaświadczenie o ukończeniu zajęć.\n\n"
    "Prowadzący\n\n"
    "Zajęcia prowadziły dwie superwizorki pracy socjalnej, które od lat szkolą asystentów rodziny "
    "w całym województwie małopolskim i współpracują z uczelniami.\n"
    )
