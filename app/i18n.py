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
        "tab_chat": "Rozmowa",
        "tab_documents": "Dokumenty",
        "original": "Otwórz oryginał",
        "original_page": "Otwórz oryginał (s. {page})",
        "docs_search": "Szukaj w tytułach",
        "docs_search_placeholder": "Np. Frankfurt",
        "docs_refresh": "Odśwież",
        "docs_columns": "Tytuł|Plik|Typ|Data|Strony|Fragmenty|Zindeksowano|OCR",
        "docs_empty": "Brak dokumentów. Dodaj pliki poniżej albo uruchom `rag ingest`.",
        "docs_count": "Dokumentów: {shown} z {total}.",
        "docs_upload": "Dodaj dokumenty (przeciągnij pliki tutaj albo kliknij)",
        "docs_target": "Dokument do usunięcia (albo kliknij wiersz tabeli)",
        "docs_delete": "Usuń…",
        "docs_confirm_yes": "Tak, usuń",
        "docs_confirm_no": "Anuluj",
        "docs_confirm": "Usunąć **{title}** ({name}) z biblioteki? Asystent przestanie z niego cytować; plik zostanie przeniesiony do kosza ({trash}), skąd można go przywrócić.",
        "docs_confirm_corpus": "To plik dostarczonego korpusu ({folder}): zniknie z tego folderu (git pokaże go jako usunięty). Aby go przywrócić, przenieś go z kosza z powrotem albo użyj `git checkout`, potem `rag ingest`.",
        "docs_confirm_other": "Plik zostanie przeniesiony z folderu {folder}.",
        "docs_choose": "Najpierw wybierz dokument.",
        "docs_deleted": "Usunięto {name}; plik jest w {trash}.",
        "docs_deleted_gone": "Usunięto {name} z biblioteki (pliku już nie było na dysku).",
        "docs_added": "Dodano: {names}.",
        "docs_updated": "Zastąpiono nowszą wersją: {names}.",
        "docs_unchanged": "Bez zmian (już w bibliotece): {names}.",
        "docs_nothing": "Nie wybrano plików.",
        "docs_progress": "Indeksowanie: {name}",
        "docs_forbidden": "Dodawać i usuwać dokumenty mogą tylko redaktorzy.",
        "docs_failed": "Nie udało się: {reason}",
        "docs_yes": "tak",
        "docs_no": "nie",
        "sign_in": "Asystent dokumentów MOPS: zaloguj się (konto zakłada administrator: rag user add).",
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
        "tab_chat": "Conversation",
        "tab_documents": "Documents",
        "original": "Open the original",
        "original_page": "Open the original (p. {page})",
        "docs_search": "Search titles",
        "docs_search_placeholder": "E.g. Frankfurt",
        "docs_refresh": "Refresh",
        "docs_columns": "Title|File|Type|Date|Pages|Chunks|Indexed|OCR",
        "docs_empty": "No documents yet. Add files below or run `rag ingest`.",
        "docs_count": "Documents: {shown} of {total}.",
        "docs_upload": "Add documents (drop files here or click)",
        "docs_target": "Document to delete (or click a row of the table)",
        "docs_delete": "Delete…",
        "docs_confirm_yes": "Yes, delete",
        "docs_confirm_no": "Cancel",
        "docs_confirm": "Delete **{title}** ({name}) from the library? The assistant stops quoting it; the file is moved to the trash ({trash}), from where it can be restored.",
        "docs_confirm_corpus": "It is a file of the shipped corpus ({folder}): it leaves that folder (git shows it as deleted). To restore it, move it back from the trash or use `git checkout`, then `rag ingest`.",
        "docs_confirm_other": "The file is moved out of its folder {folder}.",
        "docs_choose": "Choose a document first.",
        "docs_deleted": "Deleted {name}; the file is in {trash}.",
        "docs_deleted_gone": "Deleted {name} from the library (the file was already gone from the disk).",
        "docs_added": "Added: {names}.",
        "docs_updated": "Replaced by a newer version: {names}.",
        "docs_unchanged": "Unchanged (already in the library): {names}.",
        "docs_nothing": "No files chosen.",
        "docs_progress": "Indexing: {name}",
        "docs_forbidden": "Only editors may add or delete documents.",
        "docs_failed": "Failed: {reason}",
        "docs_yes": "yes",
        "docs_no": "no",
        "sign_in": "MOPS document assistant: sign in (the administrator creates accounts: rag user add).",
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
