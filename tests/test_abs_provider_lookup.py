"""The provider's answer for a query no ABS item has: the books the warehouse holds with that title plus a
budgeted lookup through the project's Hardcover client (against the Hardcover emulator), cached, scored
like an item of its own."""

from __future__ import annotations

from tasks.settings import get_settings
from tasks.warehouse import connect
from tasks.web import provider


def _book_with_isbn():
    from emulators.catalogue import load_catalogue

    for book in load_catalogue().books[40:400]:
        phys = book.physical_edition
        if phys is not None and phys.isbn_13 and book.authors:
            return book, phys.isbn_13
    raise AssertionError("no catalogue book with an ISBN-13")


async def test_an_isbn_query_is_looked_up_within_budget_once_and_is_sure(hc_server, db_path):
    book, isbn = _book_with_isbn()
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        safe = await provider.search(con, settings, book.title, ", ".join(book.authors), isbn)
        spent = hc_server.billed()
        assert 0 < spent <= provider.LOOKUP_MAX_REQUESTS
        assert [m["title"] for m in safe] == [book.title]  # title, author and ISBN agree: sure
        assert safe[0]["author"] == ", ".join(book.authors)
        again = await provider.search(con, settings, book.title, ", ".join(book.authors), isbn, browse=True)
    assert hc_server.billed() == spent  # the cache answered
    assert again == safe  # a request with an ISBN is Quick Match: sure-only even when browsing


async def test_a_title_search_ranks_candidates_for_the_dialog_but_is_not_sure_enough_for_quick_match(
    hc_server, db_path
):
    book, _ = _book_with_isbn()
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        browse = await provider.search(con, settings, book.title, browse=True)
        assert browse and browse[0]["title"] == book.title
        assert hc_server.billed() <= provider.LOOKUP_MAX_REQUESTS
        assert await provider.search(con, settings, book.title) == []  # a bare title decides nothing


async def test_without_a_token_the_warehouse_answers_alone(db_path):
    book, isbn = _book_with_isbn()
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        assert await provider.search(con, settings, book.title, None, isbn, browse=True) == []
