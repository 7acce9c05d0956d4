"""Hardened reading of XML that arrives from outside: no DTD, no entities, bounded size and depth."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ansinh.providers.errors import InboundMessageError

# A pain.002 for a whole province's batch is tens of megabytes; anything this large is not a bank file.
MAX_INBOUND_BYTES = 256 * 1024 * 1024
# ISO 20022 documents nest about 15 levels; deep nesting only serves to exhaust recursive consumers
# (serialisation, schema validation) downstream.
MAX_DEPTH = 64


def parse_untrusted(data: bytes) -> Element:
    """Parse ``data`` with every XML attack surface closed, or raise :class:`InboundMessageError`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InboundMessageError("dữ liệu phải là byte", f"expected bytes, got {type(data).__name__}")
    if len(data) > MAX_INBOUND_BYTES:
        raise InboundMessageError(f"tệp quá lớn ({len(data)} byte)", f"document too large ({len(data)} bytes)")
    if not data:
        raise InboundMessageError("tệp rỗng", "empty document")
    try:
        # forbid_dtd: ISO 20022 never uses one, and a DTD is how entity and external-reference attacks begin.
        root = fromstring(bytes(data), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InboundMessageError("tệp chứa DTD hoặc thực thể XML bị cấm", f"forbidden XML construct: {exc!r}") from exc
    except ParseError as exc:
        raise InboundMessageError("XML hỏng", f"malformed XML: {exc}") from exc
    except (ValueError, LookupError, UnicodeError, RecursionError, MemoryError) as exc:
        # expat reports unknown or inconsistent encodings through the codec machinery, not as ParseError.
        raise InboundMessageError("XML không đọc được", f"unreadable XML: {exc!r}") from exc
    _check_depth(root)
    return root


def _check_depth(root: Element) -> None:
    # Iterative on purpose: a recursive walk would itself be the stack exhaustion we guard against.
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InboundMessageError(
                f"XML lồng quá sâu (hơn {MAX_DEPTH} cấp)", f"XML nested deeper than {MAX_DEPTH} levels"
            )
        stack.extend((child, depth + 1) for child in element)
