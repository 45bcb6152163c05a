"""The model's match weights are the same floats on every run, and explanations are stored as DuckDB
writes JSON."""

from __future__ import annotations

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from bench.labelled import labelled_corpus
from emulators.hc_tables import catalogue_tables
from tasks.scoring import COMPARISONS, apply, book_frame, load_model, pair_features, score_and_choose
from tasks.scoring.model import explanation_json


def _corpus(n_items: int, seed: int):
    corpus = labelled_corpus(n_items, seed=seed, family="shelfmatch-hostile")
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    return corpus, books


def test_match_weights_are_the_prior_plus_each_level_weight_added_in_comparison_order():
    """apply equals the sum written out in Python, bit for bit (so a pair's weight is the same float on
    every run), and level columns given as text weigh the same."""
    corpus, books = _corpus(60, seed=17)
    feats = pair_features(corpus.candidates, corpus.items, books)
    model = load_model()
    weighed = apply(feats, model)
    expected = []
    for row in feats.iter_rows(named=True):
        total = 0.0
        for comp in COMPARISONS:
            level = row[f"{comp.name}_level"]
            total += 0.0 if level == "null" else model.weights[comp.name].get(level, 0.0)
        expected.append(model.prior_log2_odds + total)
    assert weighed["match_weight"].to_list() == expected
    assert weighed.equals(apply(feats, model))  # the same floats on a second run
    as_text = feats.with_columns(pl.col(f"{comp.name}_level").cast(pl.String) for comp in COMPARISONS)
    from_text = apply(as_text, model)
    assert_frame_equal(
        from_text.select("match_weight", "confidence"), weighed.select("match_weight", "confidence")
    )
    assert from_text["explanation"].cast(weighed["explanation"].dtype).equals(weighed["explanation"])
    for comp in COMPARISONS:
        weights = weighed["explanation"].struct.field(comp.name).struct.field("weight")
        assert weights.is_not_null().all()


def test_explanations_as_json_are_duckdbs_to_json_text_row_for_row():
    """model.explanation_json gives the text DuckDB's to_json gives for every row — scored pairs, matches
    with items that have no candidate (no explanation: NULL), and a frame whose levels are plain strings."""
    corpus, books = _corpus(150, seed=8)
    items = corpus.items.sort("item_id")
    pairs = corpus.candidates.select("item_id", "book_id").sort("item_id", "book_id")
    pairs = pairs.filter(~pl.col("item_id").is_in(items["item_id"].head(3).to_list()))  # no candidates
    scored, matches = score_and_choose(pairs, items, books, items["item_id"])
    assert matches["explanation"].null_count() >= 3
    stringly = scored.with_columns(pl.col(f"{comp.name}_level").cast(pl.String) for comp in COMPARISONS)
    con = duckdb.connect()
    for frame in (scored, matches, stringly):
        con.register("f", frame)
        want = con.sql("SELECT to_json(explanation)::VARCHAR AS j FROM f").pl()["j"]
        encoded = explanation_json(frame)
        assert encoded.null_count() == want.null_count()
        assert encoded.cast(pl.String).to_list() == want.to_list()
        # As the store passes it to DuckDB (cast to JSON): the same text, NULL kept.
        con.register("e", pl.DataFrame({"explanation_json": encoded}))
        stored = con.sql("SELECT CAST(explanation_json AS JSON)::VARCHAR AS j FROM e").pl()["j"]
        assert stored.to_list() == want.to_list()
