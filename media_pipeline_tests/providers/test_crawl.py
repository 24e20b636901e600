"""Crawl image source and the safe fetcher against loopback servers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from media_pipeline.domain import TaskPaths
from media_pipeline.errors import PermanentError, TransientError
from media_pipeline.providers.crawl import CrawlImageSource
from media_pipeline.providers.imaging import InvalidImageError
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.safe_fetch import FetchPolicy, FetchRefusedError, SafeFetcher
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, routes
from media_pipeline_tests.providers.helpers import image_bytes, make_script, make_task

JPEG = image_bytes("JPEG", (400, 300), "blue")
OPEN = FetchPolicy(allow_private=True, max_bytes=100_000, timeout_s=5, max_redirects=3)


def jpeg_reply(body: bytes = JPEG, **kwargs: object) -> Reply:
    return Reply(200, body, {"Content-Type": "image/jpeg"}, **kwargs)  # type: ignore[arg-type]


def fetcher(policy: FetchPolicy = OPEN, sleeps: list[float] | None = None, **kwargs: object) -> SafeFetcher:
    sink = sleeps if sleeps is not None else []
    return SafeFetcher(policy, backoff=Backoff(sleep=sink.append, rand=lambda: 0.0), **kwargs)  # type: ignore[arg-type]


def test_crawl_source_writes_cover_cropped_pngs(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    with FakeServer(
        routes(
            {"/a.jpg": jpeg_reply(), "/b.png": Reply(200, image_bytes("PNG"), {"Content-Type": "image/png"})}
        )
    ) as srv:
        task = make_task(mediaMode="crawl", imageUrls=[f"{srv.base_url}/a.jpg", f"{srv.base_url}/b.png"])
        source = CrawlImageSource(make_settings(crawl_allow_private=True))
        images = source.produce(task, make_script(task), paths)

    assert images == [paths.scene_image(i) for i in range(3)]
    for image in images:
        with Image.open(image) as img:
            assert img.format == "PNG" and img.size == (180, 320)
    assert len(srv.requests) == 2  # each URL fetched once, then cycled
    with Image.open(images[2]) as img:
        assert img.getpixel((90, 160))[2] > 200  # scene 2 reuses the first (blue) image


def test_private_address_refused_by_default(make_settings: Callable[..., Settings], paths: TaskPaths) -> None:
    with FakeServer(routes({"/a.jpg": jpeg_reply()})) as srv:
        task = make_task(mediaMode="crawl", imageUrls=[f"{srv.base_url}/a.jpg"])
        with pytest.raises(FetchRefusedError, match="ALLOW_PRIVATE"):
            CrawlImageSource(make_settings()).produce(task, make_script(task), paths)
        with pytest.raises(FetchRefusedError):
            fetcher(FetchPolicy()).fetch(srv.base_url.replace("127.0.0.1", "localhost") + "/a.jpg")
    assert srv.requests == []


def test_redirect_from_allowed_host_to_loopback_refused() -> None:
    with FakeServer(routes({"/a.jpg": jpeg_reply()})) as inner:
        redirect = Reply(302, b"", {"Location": f"{inner.base_url}/a.jpg"})
        with FakeServer(routes({"/go": redirect}), host="127.0.0.2") as outer:
            policy = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),))
            with pytest.raises(FetchRefusedError, match=r"127\.0\.0\.1"):
                fetcher(policy).fetch(f"{outer.base_url}/go")
            assert len(outer.requests) == 1
            # the same chain is fine when the target is allowed too
            assert fetcher().fetch(f"{outer.base_url}/go").data == JPEG
    assert len(inner.requests) == 1


def test_connection_is_pinned_to_the_checked_address_with_the_original_host_header() -> None:
    with FakeServer(routes({"/a.jpg": jpeg_reply()}), host="127.0.0.2") as srv:
        port = srv.base_url.rsplit(":", 1)[1]
        policy = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),))
        resolver = lambda host, _port: [ipaddress.ip_address("127.0.0.2")]  # noqa: E731
        result = fetcher(policy, resolver=resolver).fetch(f"http://images.example:{port}/a.jpg")
    assert result.data == JPEG
    assert srv.requests[0].headers["host"] == f"images.example:{port}"


def test_redirect_loop_is_bounded() -> None:
    loop = Reply(302, b"", {"Location": "/loop"})
    with (
        FakeServer(routes({"/loop": loop})) as srv,
        pytest.raises(FetchRefusedError, match="more than 3 redirects"),
    ):
        fetcher().fetch(f"{srv.base_url}/loop")
    assert len(srv.requests) == 4


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/a.jpg", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchRefusedError, match="only http and https"):
        fetcher().fetch(url)


def test_too_big_by_content_length_and_while_streaming() -> None:
    big = JPEG + b"\0" * 200_000
    table = {"/declared": jpeg_reply(big), "/streamed": jpeg_reply(big, send_length=False)}
    with FakeServer(routes(table)) as srv:
        with pytest.raises(FetchRefusedError, match=r"\d+ bytes is over the limit"):
            fetcher().fetch(f"{srv.base_url}/declared")
        with pytest.raises(FetchRefusedError, match="body is over the limit"):
            fetcher().fetch(f"{srv.base_url}/streamed")


def test_wrong_content_type_and_undecodable_bytes(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    fake_png = b"\x89PNG\r\n\x1a\n" + b"garbage" * 20
    table = {
        "/page": Reply(200, b"<html>", {"Content-Type": "text/html"}),
        "/bad.png": Reply(200, fake_png, {"Content-Type": "image/png"}),
    }
    with FakeServer(routes(table)) as srv:
        with pytest.raises(FetchRefusedError, match="'text/html' is not an image"):
            fetcher().fetch(f"{srv.base_url}/page")
        task = make_task(mediaMode="crawl", imageUrls=[f"{srv.base_url}/bad.png"])
        with pytest.raises(InvalidImageError, match="could not be decoded"):
            CrawlImageSource(make_settings(crawl_allow_private=True)).produce(task, make_script(task), paths)
    assert not paths.scene_image(0).exists()


def test_transient_errors_are_retried(sleeps: list[float]) -> None:
    replies = [Reply(503, b"busy"), jpeg_reply()]
    with FakeServer(routes({"/a.jpg": lambda _r: replies.pop(0)})) as srv:
        assert fetcher(sleeps=sleeps).fetch(f"{srv.base_url}/a.jpg").data == JPEG
    assert sleeps == [1.0]

    with FakeServer(routes({"/a.jpg": Reply(502, b"")})) as srv, pytest.raises(TransientError):
        fetcher().fetch(f"{srv.base_url}/a.jpg")
    with FakeServer(routes({})) as srv, pytest.raises(PermanentError, match="HTTP 404"):
        fetcher().fetch(f"{srv.base_url}/missing.jpg")


def test_https_is_pinned_with_sni_and_host_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=JPEG, headers={"Content-Type": "image/jpeg"})

    resolver = lambda host, port: [ipaddress.ip_address("93.184.216.34")]  # noqa: E731
    fetched = fetcher(FetchPolicy(), resolver=resolver, transport=httpx.MockTransport(handler)).fetch(
        "https://images.example/a.jpg"
    )

    assert fetched.data == JPEG
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34/a.jpg"
    assert request.headers["host"] == "images.example"
    assert request.extensions["sni_hostname"] == "images.example"


def test_invalid_allow_networks_setting(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(PermanentError, match="CRAWL_ALLOW_NETWORKS"):
        FetchPolicy.from_settings(make_settings(crawl_allow_networks=["not-a-net"]))
