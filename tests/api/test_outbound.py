"""The outbound rules, checked without connecting anywhere: literal addresses, names that resolve locally, and
a resolver given the answers a hostile DNS could give."""

import pytest

from jobmatch.api.outbound import OutboundRefused, check, client, not_public, send
from tests.api.outbound_servers import serve

NONE = frozenset()


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.0.0.7", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("100.100.100.200", "metadata"), ("fd00:ec2::254", "metadata"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"), ("2002:7f00:1::", "loopback"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "not a public"), ("224.0.0.1", "multicast"),
])
def test_addresses_that_are_not_public_are_named(address, why) -> None:
    assert why in not_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address) -> None:
    assert not_public(address) is None


def test_a_public_literal_address_is_accepted_and_is_the_one_to_connect_to() -> None:
    target = check("https://93.184.215.14/hooks?x=1", NONE)
    assert (target.address, target.port, target.connect_url) == ("93.184.215.14", 443, "https://93.184.215.14:443/hooks?x=1")


def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(OutboundRefused, match="localhost resolves to .*loopback"):
        check("https://localhost:8443/hooks", NONE)


def test_one_private_answer_among_public_ones_is_refused() -> None:
    def rebinding(host, port):
        return ["93.184.215.14", "10.0.0.1"]

    with pytest.raises(OutboundRefused, match="10.0.0.1, a private address"):
        check("https://hooks.example.com/in", NONE, resolver=rebinding)


def test_the_checked_address_is_the_one_given_to_connect() -> None:
    assert check("https://hooks.example.com/in", NONE, resolver=lambda h, p: ["93.184.215.14"]).address == "93.184.215.14"


@pytest.mark.parametrize(("url", "why"), [
    ("http://93.184.215.14/", "must be https"), ("ftp://93.184.215.14/", "must be https"),
    ("https:///path", "no host"), ("https://a:b@93.184.215.14/", "credentials"), ("https://x:99999/", "not a URL"),
    ("https://93.184.215.14/" + "a" * 2000, "longer than"),
])
def test_malformed_urls_are_refused_before_any_lookup(url, why) -> None:
    def no_lookup(host, port):
        raise AssertionError("looked up")

    with pytest.raises(OutboundRefused, match=why):
        check(url, NONE, resolver=no_lookup)


def test_an_allowed_host_may_be_private_and_plain_http() -> None:
    target = check("http://127.0.0.1:8080/feed.xml", frozenset({"127.0.0.1"}))
    assert (target.address, target.port) == ("127.0.0.1", 8080)
    with pytest.raises(OutboundRefused, match="loopback"):
        check("https://127.0.0.2/", frozenset({"127.0.0.1"}))


def test_the_request_goes_to_the_checked_address_naming_the_host() -> None:
    seen = {}

    def answer(handler):
        seen["host"], seen["path"] = handler.headers["Host"], handler.path
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with serve(answer) as base:
        port = int(base.rsplit(":", 1)[1])
        target = check(f"http://hooks.test:{port}/in?a=1", frozenset({"hooks.test"}), resolver=lambda h, p: ["127.0.0.1"])
        with client() as http:
            assert send(http, "POST", target, content=b"{}").status_code == 204
    assert seen == {"host": f"hooks.test:{port}", "path": "/in?a=1"}
