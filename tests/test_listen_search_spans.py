"""What a heard transcript is looked up and searched with (pure text: the spans, not the hearing, are
tested here; tests/test_listen_spans.py hears spans spoken). Transcripts are written for these tests,
as a small model writes credits: "Vol." heard as a word, "by" heard as "in" or "my", "presents" as
"presence", "narrated by" as "created by"."""

from __future__ import annotations

from tasks.listen.bulk import asked_already
from tasks.listen.credits import Credits, extract_credits
from tasks.listen.cues import read_spans
from tasks.listen.search import _name_forms, _title_forms
from tasks.listen.spans import (
    credible,
    generic_spans,
    search_spans,
    volume_forms,
    volume_spans,
    with_generic_spans,
)
from tasks.normalise.titles import title_variants


def _spans(text: str) -> list[str]:
    return search_spans(with_generic_spans(extract_credits(text), text), text)


def test_a_title_then_a_bare_number_is_a_numbered_volume_in_its_catalogue_spellings():
    assert volume_spans("Bleach, well, 7. Written by Tite Kubo.") == [("Bleach", 7)]
    assert volume_spans("Tantor presents Hellboy, wall 3, read by Ann Lee.") == [("Hellboy", 3)]
    # the misheard "vol." as a clause of its own, and a number in words
    assert ("Swamp Thing", 2) in volume_spans("Saga of the Swamp Thing, fall, two, by Alan Moore.")
    # a longer clause: its last words are the title too
    assert ("Death Note", 1) in volume_spans("Kobo audio this is Death Note, volume one, read by Sam Reed.")
    assert volume_forms("Bleach", 7) == [
        "Bleach, Vol. 7",
        "Bleach, Vol. 07",
        "Bleach, Volume 7",
        "Bleach, Volume 07",
        "Bleach 7",
    ]
    credits = with_generic_spans(
        extract_credits("Bleach, well, 7. Written by Tite Kubo."), "Bleach, well, 7."
    )
    assert "Bleach, Vol. 7" in _title_forms(credits)


def test_story_prose_with_a_number_is_no_volume():
    assert volume_spans("He waited until the clock struck, 4. Then the rain came at 9 in the evening.") == []
    assert volume_spans("She counted them, 12. They were all there.") == []


def test_a_volume_is_searched_as_one_phrase_before_its_bare_name_and_never_in_its_catalogue_spelling():
    spans = _spans("Macmillan audio presence, Hellboy, wall 3, read by Ann Lee. Chapter one.")
    assert spans[0] == "Hellboy 3"
    assert not any("Vol." in s or "Volume" in s for s in spans)


def test_presence_is_heard_for_presents_and_the_publisher_is_never_searched():
    reading = read_spans("Tantor Audio presence Dune, by Frank Herbert. Read by Scott Brick.")
    assert reading.publisher == "Tantor Audio" and reading.titles[0] == "Dune"
    assert extract_credits("Blackstone audio presence Dune, by Frank Herbert.").title == "Dune"
    spans = _spans("Self-published presents the copper meadow, written by Ada Lane, created by Bo Reed.")
    assert spans[0] == "the copper meadow"
    assert "Self-published" not in spans


def test_a_misheard_by_inside_a_clause_splits_it_and_a_garbled_narrated_by_is_no_title():
    titles, _names = generic_spans("You have been listening to Watership Down in high Richard Adams.")
    assert "Watership Down" in titles
    assert "Watership Down" in _spans("This concludes Watership Down in high Richard Adams. Thank you.")
    titles, _names = generic_spans("Happier Days. Written by Ada Lane. Created by Bo Reed. Chapter one.")
    assert not any(t.lower().startswith("created") for t in titles)
    # a word that only opens the clause splits nothing
    assert "I Capture the Castle" in _spans("Penguin presents I Capture the Castle, by Dodie Smith.")


def test_only_spans_worth_a_request_are_searched():
    assert credible("Solaris") and credible("the copper meadow") and credible("Dune 2")
    assert not credible("free") and not credible("Pat") and not credible("14")
    assert not credible("married his wife")  # story prose
    # names are looked up as names, not searched as titles
    spans = _spans("The Copper Meadow. Written by Ada Lane. Narrated by Bo Reed.")
    assert spans[0] == "The Copper Meadow" and "Ada Lane" not in spans and "Bo Reed" not in spans
    # a long span is searched by its start (one request)
    long = _spans("This is Audible. the quiet keeper of the small grey lighthouse on the hill, by Ada Lane.")
    assert all(len(s.split()) < 6 for s in long)


def test_a_title_already_asked_for_or_near_one_is_not_asked_again():
    known = set(title_variants("The Anti-Christ")) | set(title_variants("Bleak House"))
    assert asked_already("the Antichrist", known)
    assert asked_already("bleak house", known)
    assert not asked_already("The Copper Meadow", known)
    # a title misheard word for word is that title; one that says more is another book
    assert asked_already("sleek house", set(title_variants("Bleak House")))
    assert asked_already("title palimpsists", set(title_variants("Tidal Palimpsests")))
    assert not asked_already("Dune Messiah", set(title_variants("Dune")))
    assert not asked_already("the lantern archive", set(title_variants("The Lantern Orchard")))


def test_the_spoken_article_is_optional_and_run_together_initials_are_spelt_out():
    forms = _title_forms(Credits(title="the first men in the moon"))
    assert "First Men in the Moon" in forms and "The First Men in the Moon" in forms
    assert {"J.P. Delaney", "J. P. Delaney"} <= set(_name_forms(Credits(authors=["JP Delaney"])))


def test_a_heard_span_in_lower_case_is_looked_up_in_title_case_only():
    from tasks.listen.credits import Credits
    from tasks.listen.search import _title_forms

    forms = _title_forms(Credits(title="the elves", title_spans=["Dune", "10th", "one was closed"]))
    assert forms == ["The Elves", "Elves", "Dune", "10th", "One Was Closed"]
