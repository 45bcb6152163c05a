"""Picking a generated family library's items by the scheme that laid them out, for the family tests."""

from __future__ import annotations


def scheme_items(lib, *schemes) -> list[tuple[dict, dict, list[dict], dict, dict]]:
    """(item, traits, audio files, the first file's metaTags, ABS metadata) of the items laid out by `schemes`."""
    picked = [(i, lib.traits[i["id"]]) for i in lib.items if lib.traits[i["id"]]["scheme"] in schemes]
    return [(i, tr, i["media"]["audioFiles"], i["media"]["audioFiles"][0]["metaTags"], i["media"]["metadata"])
            for i, tr in picked]  # fmt: skip
