"""The matching traps, pinned: each test scores a hand-made item against real catalogue books with the
shipped model (tasks/scoring/model_v2.json) and checks which book wins and which tier it lands in."""

from __future__ import annotations

import polars as pl
import pytest

from emulators.hc_tables import catalogue_tables
from tasks.scoring import (
    COMPARISONS,
    Model,
    Thresholds,
    book_frame,
    choose_matches,
    item_frame,
    load_model,
    rank_and_choose,
    score_pairs,
)

# Emulated Hardcover ids (emulators/catalogue.py, from goodbooks-10k).
HUNGER_GAMES = 107919  # Suzanne Collins, The Hunger Games #1; unabridged 27921 s, ASIN B0I3VQJ5L3
CATCHING_FIRE = 234623  # #2
MOCKINGJAY = 258380  # #3; unabridged 44380 s
HUNGER_GAMES_BOXSET = 114921  # "The Hunger Games Trilogy Boxset" (#1-3), an omnibus
HUNGER_GAMES_EGAN = 777908  # "The Hunger Games" by Kate Egan (same title, other author)
DUNE = 1097794  # Frank Herbert, Dune Chronicles #1; unabridged 14862 s
DUNE_MESSIAH = 850471  # #2; unabridged 20176 s
DUNE_ROAD = 417384  # Jane Green
DA_VINCI_CODE = 305894  # unabridged 28745 s (edition 3058943), abridged 10923 s (edition 3058944)
ANGELS_AND_DEMONS = 171271
CITY_OF_BONES_CLARE = 503869
CITY_OF_BONES_CONNELLY = 973882
THE_HOBBIT = 155433  # J.R.R. Tolkien
THE_HOBBIT_GRAPHIC = 790245  # Chuck Dixon, J.R.R. Tolkien, David Wenzel, Sean Deming
GREEN_MILE = 964463  # the whole novel
GREEN_MILE_PART_2 = 1016644  # "The Green Mile, Part 2" (the serial's second part)


def _evidence(item_id: str, sources: dict[str, dict]) -> list[dict]:
    rows = []
    for source, fields in sources.items():
        for field, value in fields.items():
            for ordinal, v in enumerate(value if isinstance(value, list) else [value]):
                rows.append(
                    {
                        "item_id": item_id,
                        "source": source,
                        "field": field,
                        "value": str(v),
                        "ordinal": ordinal,
                        "rule": "test",
                    }
                )
    return rows


def score_items(
    cases: dict[str, tuple[dict, float | None, list[int]]], model: Model | None = None
) -> pl.DataFrame:
    """cases: item_id -> (evidence by source, duration seconds, candidate book ids). Returns matches + features."""
    evidence, items, candidates = [], [], []
    for item_id, (sources, duration, book_ids) in cases.items():
        evidence += _evidence(item_id, sources)
        items.append({"item_id": item_id, "duration": duration})
        candidates += [{"item_id": item_id, "book_id": b} for b in book_ids]
    all_books = sorted({c["book_id"] for c in candidates})
    t = catalogue_tables(all_books)
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    ev = pl.DataFrame(evidence)
    it = pl.DataFrame(items, schema={"item_id": pl.String, "duration": pl.Float64})
    cand = pl.DataFrame(candidates, schema={"item_id": pl.String, "book_id": pl.Int64})
    scored = score_pairs(cand, item_frame(ev, it), books, model)
    matches = choose_matches(scored, list(cases))
    return matches, scored


def one(cases, item_id="x"):
    matches, scored = score_items(cases)
    row = matches.filter(pl.col("item_id") == item_id).row(0, named=True)
    return row, scored.filter(pl.col("item_id") == item_id)


def confidence_of(scored: pl.DataFrame, book_id: int) -> float:
    return scored.filter(pl.col("book_id") == book_id)["confidence"].item()


def test_the_first_book_beats_its_sequel_and_the_sequel_is_not_a_match():
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "Dune", "author": "Frank Herbert"}},
                14862.0,
                [DUNE, DUNE_MESSIAH, DUNE_ROAD],
            )
        }
    )
    assert row["book_id"] == DUNE and row["tier"] == "auto"
    assert confidence_of(scored, DUNE_MESSIAH) < 0.70
    assert scored.filter(pl.col("book_id") == DUNE_MESSIAH)["title_level"].item() == "candidate_longer"


def test_a_sequel_whose_own_book_was_not_found_is_never_auto_matched_to_the_first_book():
    row, _ = one({"x": ({"path": {"title": "Dune Messiah", "author": "Frank Herbert"}}, 20176.0, [DUNE])})
    assert row["tier"] != "auto"


def test_a_single_volume_is_not_matched_to_the_omnibus_and_vice_versa():
    cases = {
        "single": (
            {"abs": {"title": "The Hunger Games", "author": "Suzanne Collins"}},
            27921.0,
            [HUNGER_GAMES, HUNGER_GAMES_BOXSET, CATCHING_FIRE],
        ),
        "omnibus": (
            {"abs": {"title": "The Hunger Games Trilogy Boxset", "author": "Suzanne Collins"}},
            30896.0,
            [HUNGER_GAMES],
        ),
    }
    matches, scored = score_items(cases)
    single = matches.filter(pl.col("item_id") == "single").row(0, named=True)
    assert single["book_id"] == HUNGER_GAMES and single["tier"] == "auto"
    assert (
        scored.filter((pl.col("item_id") == "single") & (pl.col("book_id") == HUNGER_GAMES_BOXSET))[
            "confidence"
        ].item()
        < 0.70
    )
    assert matches.filter(pl.col("item_id") == "omnibus")["tier"].item() != "auto"


def test_same_title_by_another_author_is_told_apart_by_the_author():
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "The Hunger Games", "author": "Kate Egan"}},
                None,
                [HUNGER_GAMES, HUNGER_GAMES_EGAN],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES_EGAN
    collins = scored.filter(pl.col("book_id") == HUNGER_GAMES).row(0, named=True)
    assert collins["author_level"] == "far" and collins["confidence"] < row["confidence"]


def test_same_title_with_only_the_wrong_author_available_is_capped_by_the_author_disagreement():
    row, _ = one(
        {
            "x": (
                {"abs": {"title": "City of Bones", "author": "Cassandra Clare"}},
                None,
                [CITY_OF_BONES_CONNELLY],
            )
        }
    )
    assert "author" in row["caps"] and row["tier"] != "auto"


def test_inverted_title_and_last_first_author_match_like_the_plain_forms():
    row, _ = one(
        {
            "x": (
                {
                    "abs": {"title": "Hunger Games, The", "author": "Collins, Suzanne"},
                    "tags": {"title": "Hunger Games, The"},
                },
                27921.0,
                [HUNGER_GAMES, HUNGER_GAMES_EGAN, CATCHING_FIRE],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto"


def test_missing_author_is_neither_evidence_for_nor_against():
    row, scored = one(
        {
            "x": (
                {"path": {"title": "Mockingjay", "series": "The Hunger Games", "sequence": "3"}},
                44380.0,
                [MOCKINGJAY, CATCHING_FIRE],
            )
        }
    )
    assert row["book_id"] == MOCKINGJAY
    assert "author" not in row["caps"]
    best = scored.filter(pl.col("book_id") == MOCKINGJAY).row(0, named=True)
    assert best["author_level"] == "null" and best["explanation"]["author"]["weight"] == 0.0


def test_narrator_only_evidence_points_at_the_right_book_without_auto_matching_it():
    row, scored = one(
        {
            "x": (
                {"path": {"title": "rip_30535"}, "tags": {"narrator": "Davina Andoh"}},
                27921.0,
                [HUNGER_GAMES, CATCHING_FIRE, MOCKINGJAY],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES
    assert scored.filter(pl.col("book_id") == HUNGER_GAMES)["narrator_level"].item() == "exact"
    assert row["tier"] != "auto"


def test_a_duration_that_contradicts_the_title_keeps_the_match_out_of_auto():
    # Title and author say The Da Vinci Code, but the audio is twice as long as any edition of it.
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "The Da Vinci Code", "author": "Dan Brown"}},
                58311.0,
                [DA_VINCI_CODE, ANGELS_AND_DEMONS],
            )
        }
    )
    assert scored.filter(pl.col("book_id") == DA_VINCI_CODE)["duration_level"].item() == "far"
    assert "duration" in row["caps"] and row["tier"] != "auto"


def test_an_abridged_recording_matches_the_book_and_points_at_the_abridged_edition():
    row, _ = one(
        {
            "x": (
                {"abs": {"title": "The Da Vinci Code", "author": "Dan Brown"}},
                10950.0,
                [DA_VINCI_CODE, ANGELS_AND_DEMONS],
            )
        }
    )
    assert row["book_id"] == DA_VINCI_CODE and row["edition_id"] == 3058944 and row["tier"] == "auto"


def test_asin_agreement_is_near_certain():
    """(ABS metadata is the only source here: the audio's length bears it out, see the next test.)"""
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "Hunger Games", "asin": "B0I3VQJ5L3"}},
                27921.0 * 1.01,
                [HUNGER_GAMES, HUNGER_GAMES_EGAN],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto"
    assert scored.filter(pl.col("book_id") == HUNGER_GAMES)["identifier_level"].item() == "asin"
    assert row["edition_id"] == 1079193


def test_abs_metadata_alone_is_not_trusted_without_the_audio_bearing_it_out():
    """A garbage folder, no tags: ABS's metadata (title, ASIN) is all there is, and it may be an earlier
    wrong Quick Match. Without a duration that agrees it stays pending (`metadata_only`)."""
    row, _ = one(
        {
            "x": (
                {"abs": {"title": "Hunger Games", "asin": "B0I3VQJ5L3"}},
                None,
                [HUNGER_GAMES, HUNGER_GAMES_EGAN],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "pending" and "metadata_only" in row["caps"]
    row, _ = one({"x": ({"abs": {"title": "Dune", "author": "Frank Herbert"}}, 14862.0 * 1.3, [DUNE])})
    assert "metadata_only" in row["caps"] and row["tier"] != "auto"


def test_series_position_disagreement_caps_the_tier_at_pending():
    row, _ = one(
        {
            "x": (
                {
                    "abs": {
                        "title": "The Hunger Games",
                        "author": "Suzanne Collins",
                        "series": "The Hunger Games",
                        "sequence": "2",
                    }
                },
                27921.0,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES
    assert "series_position" in row["caps"] and row["tier"] == "pending"


def test_a_runner_up_within_the_margin_caps_the_tier_at_pending():
    # Tolkien's "The Hobbit" and the graphic novel (Dixon, Tolkien, ...): same title, same author.
    row, _ = one(
        {
            "x": (
                {"abs": {"title": "The Hobbit", "author": "J.R.R. Tolkien"}},
                None,
                [THE_HOBBIT, THE_HOBBIT_GRAPHIC],
            )
        }
    )
    assert "runner_up" in row["caps"] and row["tier"] != "auto"
    assert row["margin"] < 0.05


def test_a_book_not_in_the_catalogue_is_never_auto_matched():
    cases = {
        "invented": (
            {"abs": {"title": "The Glass Orchard", "author": "Miriam Vale"}},
            36000.0,
            [DUNE_ROAD, CITY_OF_BONES_CLARE],
        ),
        "same_title_trap": (
            {"abs": {"title": "City of Bones", "author": "Jane Doe"}},
            40000.0,
            [CITY_OF_BONES_CLARE, CITY_OF_BONES_CONNELLY],
        ),
    }
    matches, _ = score_items(cases)
    assert (matches["tier"] != "auto").all()
    assert matches.filter(pl.col("item_id") == "invented")["tier"].item() == "reject"


def test_an_item_without_candidates_is_rejected_with_zero_confidence():
    matches, _ = score_items(
        {"x": ({"abs": {"title": "Dune"}}, None, [DUNE]), "lonely": ({"abs": {"title": "Nothing"}}, None, [])}
    )
    lonely = matches.filter(pl.col("item_id") == "lonely").row(0, named=True)
    assert lonely["tier"] == "reject" and lonely["confidence"] == 0.0 and lonely["book_id"] is None


def test_every_score_carries_a_per_feature_explanation_that_adds_up():
    _, scored = one(
        {"x": ({"abs": {"title": "Dune", "author": "Frank Herbert"}}, 14862.0, [DUNE, DUNE_MESSIAH])}
    )
    model = load_model()
    for row in scored.iter_rows(named=True):
        assert list(row["explanation"]) == [c.name for c in COMPARISONS]
        assert row["explanation"]["title"]["level"] == row["title_level"]
        total = model.prior_log2_odds + sum(e["weight"] for e in row["explanation"].values())
        assert total == pytest.approx(row["match_weight"], abs=0.05)


def test_thresholds_come_from_the_caller():
    _, scored = one({"x": ({"abs": {"title": "Dune", "author": "Frank Herbert"}}, 14862.0, [DUNE])})
    strict = choose_matches(scored, ["x"], Thresholds(auto=0.99999999, pending=0.9999999))
    assert strict["tier"].item() in ("pending", "reject")
    lenient = choose_matches(scored, ["x"], Thresholds(auto=0.5, pending=0.1))
    assert lenient["tier"].item() == "auto"


def test_the_shipped_model_has_parameters_for_every_comparison_level():
    model = load_model()
    for comp in COMPARISONS:
        for level in comp.level_names:
            assert level in model.levels[comp.name], f"{comp.name}.{level} missing from the shipped model"
            spec = model.levels[comp.name][level]
            assert 0 < spec["m"] <= 1 and 0 < spec["u"] <= 1
    # A shared ASIN is near-certain: it outweighs any single disagreement but a title veto.
    assert model.levels["identifier"]["asin"]["weight"] > 8
    assert model.levels["title"]["candidate_longer"]["weight"] < 0  # the subset trap costs, not pays


def test_sources_that_disagree_with_nothing_independent_to_settle_it_cap_the_tier():
    # ABS metadata copied from a series neighbour; folder, file name and tags say the real title.
    row, _ = one(
        {
            "x": (
                {
                    "abs": {"title": "Catching Fire", "author": "Suzanne Collins"},
                    "path": {"title": "The Hunger Games"},
                    "filename": {"title": "The Hunger Games"},
                    "tags": {"title": "The Hunger Games"},
                },
                None,
                [CATCHING_FIRE],
            )
        }
    )
    assert "sources_disagree" in row["caps"] and row["tier"] != "auto"


def test_a_title_shared_by_several_candidates_without_an_author_is_not_auto_even_if_the_duration_fits():
    # Kate Egan's "The Hunger Games" audio is 47946 s; a same-title book that is not in the catalogue
    # may run about as long by chance.
    row, _ = one({"x": ({"path": {"title": "The Hunger Games"}}, 47500.0, [HUNGER_GAMES, HUNGER_GAMES_EGAN])})
    assert "title_ambiguous" in row["caps"] and row["tier"] != "auto"


def test_part_two_of_a_serial_is_not_matched_to_the_whole_novel():
    row, scored = one(
        {
            "x": (
                {"path": {"title": "The Green Mile, Part 2", "author": "Stephen King"}},
                None,
                [GREEN_MILE, GREEN_MILE_PART_2],
            )
        }
    )
    assert row["book_id"] == GREEN_MILE_PART_2
    whole = scored.filter(pl.col("book_id") == GREEN_MILE).row(0, named=True)
    assert whole["series_level"] == "item_only" and whole["match_weight"] < row["match_weight"]
    # Had the part not been found, the whole novel would still not be taken for it.
    row, _ = one(
        {"x": ({"path": {"title": "The Green Mile, Part 2", "author": "Stephen King"}}, None, [GREEN_MILE])}
    )
    assert row["book_id"] == GREEN_MILE and "part_of_whole" in row["caps"] and row["tier"] != "auto", row


def test_a_book_filed_as_volume_one_of_a_series_of_its_own_title_is_the_whole_when_as_long():
    # A converter left the book's title as its series with number 01; the audio is the whole novel's length.
    evidence = {
        "tags": {"title": "The Hobbit", "author": "J.R.R. Tolkien", "series": "The Hobbit", "sequence": "1"}
    }
    row, _ = one({"x": (evidence, 31544.0, [THE_HOBBIT])})
    assert row["position_level"] == "item_only" and row["series_names_title"], row
    assert "part_of_whole" not in row["caps"], row
    # Half as long as any edition of the book: a part of it.
    row, _ = one({"x": (evidence, 15772.0, [THE_HOBBIT])})
    assert "part_of_whole" in row["caps"] and row["tier"] != "auto", row


def test_scoring_items_without_evidence_waits_until_asked_then_rejects(db_path):
    from tasks.scoring.store import score_warehouse
    from tasks.settings import get_settings
    from tasks.warehouse import connect, now

    settings = get_settings(duckdb_path=db_path)
    empty = score_warehouse(db_path, "run-1", None, settings)
    assert empty.items == 0 and empty.pairs == 0
    with connect(db_path) as con:
        con.execute(
            "INSERT INTO abs_items (item_id, library_id, extracted_at) VALUES ('bare', 'lib', ?), ('titled', 'lib', ?)",
            [now(), now()],
        )
        con.execute(
            "INSERT INTO item_evidence (item_id, source, field, value) VALUES ('titled', 'abs', 'title', 'Dune')"
        )
    summary = score_warehouse(db_path, "run-2", None, settings)
    # Never asked about: waiting for Hardcover, not rejected.
    assert summary.items == 2 and summary.tiers["waiting"] == 2 and summary.items_without_candidates == 2
    with connect(db_path) as con:
        con.execute(
            "INSERT INTO hc_item_status (item_id, evidence_hash, n_candidates, fetched_at) "
            "VALUES ('bare', '', 0, ?), ('titled', '', 0, ?)",
            [now(), now()],
        )
    summary = score_warehouse(db_path, "run-3", None, settings)
    assert summary.tiers["reject"] == 2 and summary.tiers["waiting"] == 0
    with connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM matches_reject").fetchall() == [(2,)]


def test_a_model_file_without_a_comparison_says_how_to_fix_it(tmp_path):
    import json

    from tasks.scoring import MODEL_PATH

    data = json.loads(MODEL_PATH.read_text())
    del data["comparisons"]["duration"]
    broken = tmp_path / "model.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"duration.*bench/train_scoring.py"):
        Model.load(broken)


def test_metadata_copied_from_a_series_neighbour_does_not_hold_back_the_book_the_other_sources_name():
    # ABS says "Catching Fire" (#2) — the folder, the file name and the tags say "The Hunger Games".
    row, scored = one(
        {
            "x": (
                {
                    "abs": {
                        "title": "Catching Fire",
                        "author": "Suzanne Collins",
                        "series": "The Hunger Games",
                        "sequence": "2",
                    },
                    "path": {"title": "The Hunger Games"},
                    "filename": {"title": "The Hunger Games"},
                    "tags": {"title": "The Hunger Games"},
                },
                27921.0,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    # Nothing holds it back: no cap, the book the three path sources name on top and out of reject.
    # Whether it reaches auto is the calibration's call (the only author is ABS's, which names the
    # neighbour, so this is title-only evidence; the model fitted on ten families puts it near 0.94).
    assert row["book_id"] == HUNGER_GAMES and row["tier"] in ("auto", "pending")
    assert row["caps"] == [] and row["confidence"] >= 0.90
    hg = scored.filter(pl.col("book_id") == HUNGER_GAMES).row(0, named=True)
    assert hg["position_level"] == "null"  # ABS's "#2" describes Catching Fire, not this candidate


def test_a_placeholder_folder_name_is_no_title_source_that_disagrees_with_the_heard_title():
    # A ripper's "Unknown 0042" folder names no book: the spoken credits are the item's one title
    # source, so they do not count as contradicted (no sources_disagree cap, no conflict segment).
    row, _ = one(
        {
            "x": (
                {
                    "path": {"title": "Unknown 0042"},
                    "transcript": {"title": "The Hunger Games", "author": "Suzanne Collins"},
                },
                None,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES
    assert row["sources_level"] == "single" and "sources_disagree" not in row["caps"]


def test_a_volume_said_by_series_and_number_matches_the_volume_whose_catalogue_title_has_a_subtitle():
    # Hardcover titles a comics volume "The Walking Dead, Vol. 14: No Way Out"; folders and spoken
    # credits name it "The Walking Dead, Vol. 14". The number picks the volume, not a sibling.
    walking_dead_14, walking_dead_13, walking_dead_book_two = 1061574, 238748, 1069493
    row, scored = one(
        {
            "x": (
                {"transcript": {"title": "The Walking Dead, Volume 14", "author": "Robert Kirkman"}},
                None,
                [walking_dead_book_two, walking_dead_13, walking_dead_14],
            )
        }
    )
    assert row["book_id"] == walking_dead_14
    assert row["title_level"] == "exact" and row["position_level"] == "equal"
    assert scored.filter(pl.col("book_id") == walking_dead_13)["title_level"].item() != "exact"


def test_a_title_and_the_position_its_source_gives_name_the_numbered_volume():
    # "Naruto ... book 5 of the Naruto": the title and the number heard apart still name "Naruto, Vol. 05".
    naruto_5, naruto_1, naruto_11 = 1051446, 712347, 827672
    heard = {"title": "Naruto", "author": "Masashi Kishimoto", "series": "Naruto", "sequence": "5"}
    row, scored = one({"x": ({"transcript": heard}, None, [naruto_1, naruto_11, naruto_5])})
    assert row["book_id"] == naruto_5 and row["title_level"] == "exact" and row["position_level"] == "equal"
    assert scored.filter(pl.col("book_id") == naruto_1)["title_level"].item() != "exact"


@pytest.mark.parametrize("untidy", ["TheHungerGames_ep6", "The Hunger Games (9308)", "thg"])
def test_a_source_naming_the_book_untidily_does_not_stand_against_it(untidy):
    """A file name that is the title glued into one word with a download suffix, the title with a library's
    id after it, or the title's initials names no other book: it neither agrees nor disagrees."""
    row, scored = one(
        {
            "x": (
                {
                    "abs": {"title": "The Hunger Games", "author": "Suzanne Collins"},
                    "path": {"title": untidy},
                },
                27921.0,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    pair = scored.filter(pl.col("book_id") == HUNGER_GAMES).row(0, named=True)
    assert pair["aside_mask"] != 0 and pair["sources_level"] == "single", pair
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto", row


def test_a_source_whose_longer_title_names_another_candidate_still_stands_against_the_shorter_one():
    # "Dune Messiah" holds "Dune", but it is a book of its own among the candidates: the folder names it
    # (and no audio says which of the two the item is).
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "Dune", "author": "Frank Herbert"}, "path": {"title": "Dune Messiah"}},
                None,
                [DUNE, DUNE_MESSIAH],
            )
        }
    )
    assert scored["aside_mask"].to_list() == [0, 0] and set(scored["sources_level"]) == {"some"}
    assert row["tier"] != "auto" and "sources_disagree" in row["caps"], row


def _folder_says_hunger_games(other: str) -> dict:
    """ABS's metadata and the tags name `other` (tags of another rip, copied into ABS); the folder names The
    Hunger Games with its author."""
    return {
        "abs": {"title": other, "author": "Suzanne Collins"},
        "tags": {"title": other},
        "path": {"title": "The Hunger Games", "author": "Suzanne Collins"},
    }


def test_the_audio_length_settles_sources_that_name_two_books_when_it_rules_one_out():
    # Mockingjay is 59 % longer than the audio, The Hunger Games as long: the recording cannot be Mockingjay.
    evidence = _folder_says_hunger_games("Mockingjay")
    row, scored = one({"x": (evidence, 27921.0, [HUNGER_GAMES, MOCKINGJAY])})
    assert scored.filter(pl.col("book_id") == MOCKINGJAY)["duration_level"].item() == "far"
    assert row["book_id"] == HUNGER_GAMES and row["sources_level"] == "some"
    assert row["caps"] == [], row


def test_a_length_that_fits_both_named_books_or_a_book_not_found_settles_nothing():
    # The abridged Hunger Games (15,356 s) is 14 % shorter than Catching Fire: either could be the recording.
    evidence = _folder_says_hunger_games("Catching Fire")
    row, scored = one({"x": (evidence, 15356.0, [HUNGER_GAMES, CATCHING_FIRE])})
    assert scored.filter(pl.col("book_id") == CATCHING_FIRE)["duration_level"].item() == "within_25pct"
    assert row["book_id"] == HUNGER_GAMES and "sources_disagree" in row["caps"] and row["tier"] != "auto"
    # The other book was not found: nothing says how long it is.
    row, _ = one({"x": (_folder_says_hunger_games("Mockingjay"), 27921.0, [HUNGER_GAMES])})
    assert "sources_disagree" in row["caps"] and row["tier"] != "auto", row


def _neighbour_labelled(duration: float | None):
    # ABS's metadata names "Mockingjay" (#3) with its author, series and position; the folder and the file
    # name, independent of it, name its series neighbour "Catching Fire", of which nothing else is known.
    record = {
        "title": "Mockingjay",
        "author": "Suzanne Collins",
        "series": "The Hunger Games",
        "sequence": "3",
    }
    files = {source: {"title": "Catching Fire"} for source in ("path", "filename")}
    return one({"x": ({"abs": record, **files}, duration, [HUNGER_GAMES, CATCHING_FIRE, MOCKINGJAY])})


def test_the_series_volume_the_files_name_ranks_before_the_one_only_abs_metadata_names():
    row, scored = _neighbour_labelled(None)
    mockingjay = scored.filter(pl.col("book_id") == MOCKINGJAY).row(0, named=True)
    catching_fire = scored.filter(pl.col("book_id") == CATCHING_FIRE).row(0, named=True)
    # The ABS record carries title, author, series and position at once: more weight than the files' title.
    assert mockingjay["match_weight"] > catching_fire["match_weight"]
    assert row["book_id"] == CATCHING_FIRE
    assert mockingjay["outvoted"] and not catching_fire["outvoted"]
    ranked, _ = rank_and_choose(scored, ["x"])
    assert ranked.filter(pl.col("book_id") == CATCHING_FIRE)["rank"].item() == 1  # match_scores agrees
    assert "sources_disagree" in row["caps"] and row["tier"] == "pending"


def test_an_audio_length_that_rules_out_the_volume_the_files_name_leaves_the_abs_volume_first():
    # Mockingjay's unabridged edition is 44380 s; Catching Fire's audio is far from that: the length
    # settles it for the book ABS names.
    row, scored = _neighbour_labelled(44380.0)
    catching_fire = scored.filter(pl.col("book_id") == CATCHING_FIRE).row(0, named=True)
    assert catching_fire["duration_level"] == "far"
    assert (
        row["book_id"] == MOCKINGJAY and not scored.filter(pl.col("book_id") == MOCKINGJAY)["outvoted"].item()
    )
