"""The English-Polish dictionary: dictd's files read by hand, only the direct senses kept."""

from pathlib import Path

import pytest

from rag.bilingual import EnglishPolish
from rag.config import Settings

# Entries written for this test in dictd's layout: headword line, then numbered senses; an idiom with its
# English phrase in "(: …)" and its translation after "-", a phrasal verb, an example in quotes, a compound.
ENTRIES = {
    "volunteer": "volunteer /ˌvɒlənˈtɪə/\nI.  <N>  wolontariusz, ochotnik\nII.  <V>  zgłaszać się (for sth - do czegoś)\n",
    "organise": "organise /ˈɔ:gənaɪz/ <V>\n 1.  organizować\n 2.  take charge (:take :charge)\n - przejmować kierownictwo\n",
    "lead": "lead\nI.  <V> 1.  prowadzić [np. zespół]\nII.  <V Phras>lead up to   poprzedzać\n",
    "grant": 'grant /grɑ:nt/ <N>\n 1.  dotacja\n 2.  "a grant for the roof"  - dotacja na dach\n 3.  grant aid /ˈgrɑ:nt eɪd/ <N>\n  pomoc rządowa\n',
}


def test_a_word_and_its_inflected_forms_give_the_polish_words_of_its_senses(write_dictionary):
    dictionary = EnglishPolish.open(write_dictionary(ENTRIES))
    assert dictionary.translations("volunteers") == ("wolontariusz", "ochotnik", "zgłaszać", "się")
    assert dictionary.translations("Organised") == ("organizować",)  # the idiom's words are not a sense
    assert dictionary.translations("led") == ("prowadzić",)  # irregular past; the phrasal verb left out
    assert dictionary.translations("grants") == ("dotacja",)  # the example and the compound left out
    assert dictionary.translations("budget") == ()


def test_a_missing_or_damaged_dictionary_is_none_rather_than_an_error(tmp_path, write_dictionary):
    assert EnglishPolish.open(tmp_path / "nowhere") is None
    stem = write_dictionary(ENTRIES)
    Path(f"{stem}.dict.dz").write_bytes(b"not gzip at all")
    assert EnglishPolish.open(stem) is None


@pytest.mark.skipif(not Path(f"{Settings().english_dictionary}.index").exists(),
                    reason="Debian's dict-freedict-eng-pol is not installed (.ci/setup installs it as root)")
def test_the_installed_dictionary_translates_the_words_of_an_office_question():
    dictionary = EnglishPolish.open(Path(Settings().english_dictionary))
    assert "uczestnik" in dictionary.translations("participants")
    assert "delegacja" in dictionary.translations("delegation")
