from rag.dates import find_date


def test_explicit_dates_become_iso():
    assert find_date("W dniu 10 grudnia 2012 w Dziale")[0] == "2012-12-10"
    assert find_date("W dniu 15.06.12 r. na terenie")[0] == "2012-06-15"
    assert find_date("W dn.25-26.01.12 r. odbyło się")[0] == "2012-01-25"


def test_this_year_is_never_guessed():
    assert find_date("W dniu 13 września br. w Urzędzie") == ("", "13 września br.")


def test_no_date_gives_empty_strings():
    assert find_date("Spotkanie robocze.") == ("", "")
