"""Every user-facing string of the chat, in Polish (the default) and English.

Answers themselves come from ``rag`` in the question's language; these are the interface's own
words, chosen by the language switch so an English-speaking colleague can use the same page.
"""

from __future__ import annotations

DEFAULT_LANG = "pl"
LANGUAGES = {"pl": "Polski", "en": "English"}
QUESTION, BRIEFING = "question", "briefing"

TEXTS = {
    "pl": {
        "title": "Asystent dokumentów MOPS Kraków",
        "intro": (
            "Odpowiedzi pochodzą wyłącznie z dokumentów Miejskiego Ośrodka Pomocy Społecznej. "
            "Kliknij numer przypisu, np. **[1]**, albo nagłówek źródła, aby przeczytać cytowany "
            "fragment. Pytania uzupełniające (np. „a kto jej przewodniczył?”) odnoszą się do "
            "wcześniejszych pytań. Kciukiem w górę lub w dół pod odpowiedzią ocenisz jej przydatność."
        ),
        "language": "Język interfejsu",
        "mode": "Tryb",
        "mode_question": "Pytanie",
        "mode_briefing": "Briefing",
        "input_question": "Twoje pytanie",
        "input_briefing": "Temat briefingu",
        "placeholder_question": "Np. Kto przewodniczył delegacji z Frankfurtu w 2022 roku?",
        "placeholder_briefing": "Np. współpraca z Frankfurtem nad Menem",
        "send": "Wyślij",
        "clear": "Nowa rozmowa",
        "chat": "Rozmowa",
        "chat_placeholder": "Zadaj pytanie o dokumenty albo wybierz przykład poniżej.",
        "examples": "Przykłady (kliknij, aby wstawić)",
        "sources": "Źródła",
        "undated": "data nieznana",
        "year_unknown": "Rok nieznany",
        "briefing_heading": "Briefing: {topic}",
        "refusal_note": "Brak odpowiedzi w dokumentach",
        "error_heading": "Nie udało się odpowiedzieć",
        "error_empty": "Wpisz pytanie albo temat.",
        "error_unexpected": "Wystąpił nieoczekiwany błąd. Szczegóły zapisano w dzienniku serwera.",
        "error_store": (
            "Baza dokumentów jest teraz nieosiągalna. Asystent połączy się z nią ponownie przy następnym "
            "pytaniu; jeśli błąd się powtarza, powiadom administratora (szczegóły są w dzienniku serwera)."
        ),
        "question_truncated": "… (liczba znaków: {count})",
        "feedback_thanks": "Dziękujemy za ocenę! Możesz dopisać komentarz (nieobowiązkowo).",
        "feedback_withdrawn": "Ocenę wycofano.",
        "feedback_not_rateable": "Tej wiadomości nie można ocenić: oceniamy tylko odpowiedzi i briefingi.",
        "feedback_failed": "Nie udało się zapisać oceny. Szczegóły zapisano w dzienniku serwera.",
        "feedback_comment": "Komentarz do ostatnio ocenionej odpowiedzi",
        "feedback_comment_placeholder": "Np. czego brakowało w odpowiedzi?",
        "feedback_send": "Zapisz komentarz",
        "feedback_comment_saved": "Dziękujemy, komentarz zapisano.",
        "feedback_comment_empty": "Wpisz komentarz.",
        "feedback_comment_too_long": "Komentarz jest za długi (limit: {limit} znaków).",
        "feedback_rate_first": "Najpierw oceń odpowiedź kciukiem w górę albo w dół.",
    },
    "en": {
        "title": "MOPS Kraków document assistant",
        "intro": (
            "Answers come only from the documents of the Kraków social-welfare centre (MOPS). "
            "Click a citation number such as **[1]**, or a source header, to read the quoted passage. "
            "Follow-up questions (e.g. “and who led it?”) are read against your earlier questions. "
            "Rate an answer with the thumbs below it."
        ),
        "language": "Interface language",
        "mode": "Mode",
        "mode_question": "Question",
        "mode_briefing": "Briefing",
        "input_question": "Your question",
        "input_briefing": "Briefing topic",
        "placeholder_question": "E.g. Who headed the Frankfurt delegation that came to Kraków in 2022?",
        "placeholder_briefing": "E.g. cooperation with Frankfurt am Main",
        "send": "Send",
        "clear": "New conversation",
        "chat": "Conversation",
        "chat_placeholder": "Ask about the documents, or pick an example below.",
        "examples": "Examples (click to use)",
        "sources": "Sources",
        "undated": "date unknown",
        "year_unknown": "Year unknown",
        "briefing_heading": "Briefing: {topic}",
        "refusal_note": "Not answered by the documents",
        "error_heading": "Could not answer",
        "error_empty": "Type a question or a topic.",
        "error_unexpected": "Something unexpected went wrong. The details are in the server log.",
        "error_store": (
            "The document store cannot be reached right now. The assistant tries again with your next "
            "question; if this keeps happening, tell the administrator (the details are in the server log)."
        ),
        "question_truncated": "… ({count} characters)",
        "feedback_thanks": "Thank you for your rating! You may add a comment (optional).",
        "feedback_withdrawn": "Rating withdrawn.",
        "feedback_not_rateable": "This message cannot be rated: only answers and briefings can.",
        "feedback_failed": "Your rating could not be saved. The details are in the server log.",
        "feedback_comment": "Comment on the last rated answer",
        "feedback_comment_placeholder": "E.g. what was missing from the answer?",
        "feedback_send": "Save comment",
        "feedback_comment_saved": "Thank you, your comment is saved.",
        "feedback_comment_empty": "Type a comment first.",
        "feedback_comment_too_long": "The comment is too long (the limit is {limit} characters).",
        "feedback_rate_first": "Rate an answer with a thumb up or down first.",
    },
}

# (text, mode): shown in both interface languages, because the documents answer either.
EXAMPLES = [
    ("Kto przewodniczył delegacji z Frankfurtu w 2022 roku?", QUESTION),
    ("Ile wynosiła wartość projektu „Rodzicu, nie jesteś sam!”?", QUESTION),
    ("Kiedy gościła u nas delegacja z Oslo?", QUESTION),
    ("When was the cooperation agreement with Frankfurt signed?", QUESTION),
    ("Which Czech organisation sent staff to Kraków in December?", QUESTION),
    ("współpraca z Frankfurtem nad Menem", BRIEFING),
    ("Kraków's contacts with Norwegian cities", BRIEFING),
]


def lang_or_default(lang: str | None) -> str:
    """Any unknown setting (``RAG_UI_LANG=de``) falls back to Polish rather than failing to start."""
    return lang if lang in TEXTS else DEFAULT_LANG


def t(lang: str, key: str, **values: str) -> str:
    return TEXTS[lang_or_default(lang)][key].format(**values)


def mode_choices(lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs: the value stays stable while the label follows the language."""
    return [(t(lang, "mode_question"), QUESTION), (t(lang, "mode_briefing"), BRIEFING)]


def example_label(lang: str, text: str, mode: str) -> str:
    return f"{t(lang, 'mode_briefing')}: {text}" if mode == BRIEFING else text
