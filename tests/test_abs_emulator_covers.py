"""The ABS emulator's cover routes behave as ABS 2.36.0's (reference/abs-api.md §3.5, CoverManager),
driven through the project's ABS client."""

from __future__ import annotations

import aiohttp
import pytest

from emulators.cover_images import cover_png
from tasks.abs import AbsBadRequest, AbsClient, AbsForbidden

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9"


async def test_an_uploaded_cover_is_stored_in_the_cover_folder_replaces_other_types_and_reads_back(
    abs_server,
):
    emu = abs_server()
    item_id = next(iter(emu.items))
    stamp = emu.items[item_id]["updatedAt"]
    async with AbsClient(emu.url, "test-key") as client:
        assert await client.get_cover(item_id) is None  # no cover: 404

        png = cover_png("one")
        answer = await client.upload_cover(item_id, png, "cover.png")
        assert answer == {"success": True, "cover": f"/metadata/items/{item_id}/cover.png"}
        assert emu.items[item_id]["media"]["coverPath"] == answer["cover"]
        assert emu.items[item_id]["updatedAt"] > stamp
        assert await client.get_cover(item_id) == png
        assert (await client.get_item(item_id))["media"]["coverPath"] == answer["cover"]

        answer = await client.upload_cover(item_id, JPEG, "cover.jpg")
        assert answer["cover"] == f"/metadata/items/{item_id}/cover.jpg"
        assert f"/metadata/items/{item_id}/cover.png" not in emu.server_files  # the other type is removed
        assert await client.get_cover(item_id) == JPEG

        with pytest.raises(AbsBadRequest, match=r"Invalid image type \.gif"):
            await client.upload_cover(item_id, png, "cover.gif")

        await client.delete_cover(item_id)
        assert emu.items[item_id]["media"]["coverPath"] is None
        assert await client.get_cover(item_id) is None
        assert f"/metadata/items/{item_id}/cover.jpg" in emu.server_files  # ABS leaves the file


async def test_a_cover_url_on_a_loopback_host_is_refused_by_the_ssrf_filter_unless_whitelisted(abs_server):
    from aiohttp import web

    png = cover_png("served")
    app = web.Application()
    app.router.add_get("/c.png", lambda request: web.Response(body=png, content_type="image/png"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/c.png"
    try:
        emu = abs_server()
        item_id = next(iter(emu.items))
        async with aiohttp.ClientSession(headers={"Authorization": "Bearer test-key"}) as http:
            async with http.post(f"{emu.url}/api/items/{item_id}/cover", json={"url": url}) as resp:
                assert (resp.status, await resp.text()) == (400, "Failed to download image from url")
            assert emu.items[item_id]["media"]["coverPath"] is None

            emu.ssrf_whitelist.add("127.0.0.1")
            async with http.post(f"{emu.url}/api/items/{item_id}/cover", json={"url": url}) as resp:
                assert resp.status == 200
                assert (await resp.json())["cover"] == f"/metadata/items/{item_id}/cover.png"
            async with http.post(f"{emu.url}/api/items/{item_id}/cover", data=b"") as resp:
                assert (resp.status, await resp.text()) == (400, "Invalid request no file or url")
        # The cover route needs no key (Auth.js ignores it), like the real server.
        async with (
            aiohttp.ClientSession() as anonymous,
            anonymous.get(f"{emu.url}/api/items/{item_id}/cover", params={"raw": "1"}) as resp,
        ):
            assert resp.status == 200 and await resp.read() == png
    finally:
        await runner.cleanup()


async def test_patch_cover_uses_a_server_file_and_copies_one_from_outside_the_cover_folder(abs_server):
    emu = abs_server()
    item_id = next(iter(emu.items))
    outside = "/audiobooks/Some Author/Some Book/cover.jpg"
    emu.server_files[outside] = JPEG
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer test-key"}) as http:
        url = f"{emu.url}/api/items/{item_id}/cover"
        async with http.patch(url, json={"cover": "/nowhere/cover.jpg"}) as resp:
            assert (resp.status, await resp.text()) == (500, "Cover path does not exist")
        async with http.patch(url, json={"cover": "https://example.org/c.jpg"}) as resp:
            assert (resp.status, await resp.text()) == (500, "Invalid cover path")
        # ABS's image-type knows a gif and a text file by their first bytes; neither is a cover it takes.
        emu.server_files["/audiobooks/a.gif"] = b"GIF89a" + b"\x00" * 20
        emu.server_files["/audiobooks/a.txt"] = b"not an image at all"
        async with http.patch(url, json={"cover": "/audiobooks/a.gif"}) as resp:
            assert (resp.status, await resp.text()) == (
                500,
                "Invalid image type gif (Supported: png,jpg,jpeg,webp)",
            )
        async with http.patch(url, json={"cover": "/audiobooks/a.txt"}) as resp:
            assert (resp.status, await resp.text()) == (500, "Invalid image")
        async with http.patch(url, json={"cover": outside}) as resp:
            assert resp.status == 200
            copied = (await resp.json())["cover"]
        assert copied == f"/metadata/items/{item_id}/cover.jpg"
        assert emu.items[item_id]["media"]["coverPath"] == copied and emu.server_files[copied] == JPEG
        async with http.delete(url) as resp:
            assert (resp.status, await resp.text()) == (200, "OK")


async def test_a_key_without_the_update_permission_cannot_set_or_remove_a_cover(abs_server):
    emu = abs_server(readonly_keys=["reader"])
    item_id = next(iter(emu.items))
    async with AbsClient(emu.url, "reader") as client:
        with pytest.raises(AbsForbidden):
            await client.upload_cover(item_id, cover_png("x"), "cover.png")
        with pytest.raises(AbsForbidden):
            await client.delete_cover(item_id)
    assert emu.items[item_id]["media"]["coverPath"] is None
