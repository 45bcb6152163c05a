"""ISBN-10 ⇄ ISBN-13 and ASINs: the forms Hardcover files an edition under."""

from __future__ import annotations

import random

from tasks.identifiers import isbn10_to_13, isbn13_to_10, isbn_forms, normalise_asin

# Published pairs (the check digits come from the books, not from a formula here).
KNOWN = [
    ("0441172717", "9780441172719"),  # Dune
    ("080442957X", "9780804429573"),  # an ISBN-10 whose check digit is X
    ("0306406152", "9780306406157"),
    ("0143039431", "9780143039433"),
]


def test_published_isbn_pairs_convert_both_ways():
    for ten, thirteen in KNOWN:
        assert isbn10_to_13(ten) == thirteen
        assert isbn13_to_10(thirteen) == ten


def test_separators_and_lower_case_x_are_read():
    assert isbn10_to_13("0-8044-2957-x") == "9780804429573"
    assert isbn_forms("978-0-441-17271-9") == ("9780441172719", "0441172717")
    assert isbn_forms("0 441 17271 7") == ("9780441172719", "0441172717")


def test_a_979_isbn_has_no_ten_digit_form_and_wrong_lengths_give_none():
    assert isbn13_to_10("9791032305690") is None
    assert isbn_forms("9791032305690") == ("9791032305690", None)
    assert isbn10_to_13("044117271") is None
    assert isbn13_to_10("978044117271") is None


def test_round_trip_over_many_ten_digit_isbns():
    rng = random.Random(7)
    for _ in range(2000):
        core = "".join(rng.choice("0123456789") for _ in range(9))
        weighted = sum(int(d) * w for d, w in zip(core, range(10, 1, -1), strict=True))
        check = (11 - weighted % 11) % 11
        ten = core + ("X" if check == 10 else str(check))
        assert isbn13_to_10(isbn10_to_13(ten)) == ten


def test_asins_normalise_and_isbns_are_not_asins():
    assert normalise_asin(" b00b7nppi0 ") == "B00B7NPPI0"
    assert normalise_asin("B00-B7N-PPI0") == "B00B7NPPI0"
    assert normalise_asin("0441172717") is None
    assert isbn_forms("B00B7NPPI0") == (None, None)


def test_the_conversion_agrees_with_the_emulated_catalogues_own_over_every_edition():
    # The emulated catalogue computes its ISBN-13s independently (test data shares no code with the
    # product), so agreement over ~10,000 editions checks both.
    from emulators.catalogue import load_catalogue

    pairs = [
        (e.isbn_10, e.isbn_13)
        for book in load_catalogue().books
        for e in book.editions
        if e.isbn_10 and e.isbn_13
    ]
    assert len(pairs) > 1000
    assert all(isbn10_to_13(ten) == thirteen for ten, thirteen in pairs)
