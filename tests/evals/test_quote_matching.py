from evals.goldset import longest_run, normalise, quote_matches

QUOTE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."


def test_exact_and_whitespace_and_case() -> None:
    passage = (
        "Inleiding. SAVE MN was\nregiehouder als  zij al bij aanvang van het\ttraject "
        "betrokken waren. Verder."
    )
    assert quote_matches(QUOTE, passage)
    assert quote_matches(QUOTE.upper(), passage)


def test_curly_quotes_are_straightened() -> None:
    assert quote_matches(
        "een voorbeeld uit de Verenigde Staten: ‘Youth Initiated Mentoring’ (YIM)",
        "naar een voorbeeld uit de Verenigde Staten: 'Youth Initiated Mentoring' (YIM).",
    )
    assert quote_matches("hij zei “ja” tegen", 'Hij zei "ja" tegen de JIM.')


def test_line_end_hyphen_split_is_joined() -> None:
    assert quote_matches("de gemeente moet dit organ- iseren", "De gemeente moet dit organiseren.")
    assert quote_matches("de gemeente moet dit organiseren", "de gemeente moet dit organ-\niseren")
    # and a hyphenated compound kept by cleaning still matches its line-broken form
    assert quote_matches("de JIM- aanpak werkt", "De JIM-aanpak werkt goed.")


def test_nfkc_and_soft_hyphen() -> None:
    assert quote_matches("professionele afspraken", "pro\u00adfessionele afspraken")
    assert quote_matches("financiering van de zorg", "ﬁnanciering van de zorg")


def test_most_of_a_cut_quote_counts() -> None:
    words = QUOTE.split()  # 13 words; 60% is 8
    tail_cut = " ".join(words[:9])
    assert quote_matches(QUOTE, "Vorige zin. " + tail_cut)
    head_cut = " ".join(words[5:])
    assert quote_matches(QUOTE, head_cut + " Volgende zin.")


def test_too_little_of_the_quote_is_a_miss() -> None:
    words = QUOTE.split()
    assert not quote_matches(QUOTE, " ".join(words[:6]))
    # all words present, but not as one consecutive run
    scrambled = (
        " ".join(words[:5]) + " en ook " + " ".join(words[5:10]) + " dan " + " ".join(words[10:])
    )
    assert not quote_matches(QUOTE, scrambled)


def test_unrelated_and_empty() -> None:
    assert not quote_matches(QUOTE, "Een heel andere passage over wijkteams.")
    assert not quote_matches("", "wat dan ook")
    assert not quote_matches("   ", "wat dan ook")


def test_short_quote_needs_to_be_whole() -> None:
    assert quote_matches("achttien professionals", "er zijn achttien professionals gesproken")
    assert not quote_matches("achttien professionals", "er zijn achttien mensen gesproken")


def test_normalise_and_longest_run() -> None:
    assert normalise("  A\n b\u2019s  “c” ") == 'a b\'s "c"'
    assert longest_run(["a", "b", "c", "d"], "x b c y a") == 2
    assert longest_run(["a", "b"], "zzz") == 0
