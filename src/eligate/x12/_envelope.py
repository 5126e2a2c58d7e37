"""Group segments into interchanges, functional groups and transaction sets.

Envelope faults that real files carry (wrong SE counts, control numbers that do
not match, missing GE/IEA trailers, versions that disagree) become warnings with
positions. Only a transaction set that never ends is refused: without its SE
there is no telling whether benefits are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eligate.codes import X12WarningCode
from eligate.x12._segments import Segment
from eligate.x12._tokenizer import tokenize
from eligate.x12._warnings import X12Warning
from eligate.x12.errors import TruncatedError


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """One ST..SE transaction set with the envelope around it."""

    header: Segment
    trailer: Segment | None
    body: tuple[Segment, ...]
    """The segments between ST and SE, both excluded."""
    group_header: Segment | None
    interchange_header: Segment | None
    warnings: tuple[X12Warning, ...]

    @property
    def transaction_type(self) -> str:
        """ST01: ``271``, ``270``..."""
        return self.header.get(1)

    @property
    def control_number(self) -> str:
        """ST02."""
        return self.header.get(2)

    @property
    def version(self) -> str:
        """ST03 where present, else GS08 of the enclosing group, else ``""``."""
        own = self.header.get(3)
        if own:
            return own
        return self.group_header.get(8) if self.group_header is not None else ""


@dataclass(frozen=True, slots=True)
class Document:
    """Everything read from one input: its transaction sets and its warnings."""

    transactions: tuple[TransactionSet, ...]
    warnings: tuple[X12Warning, ...]
    """Warnings that concern no single transaction (missing ISA, stray segments...)."""
    segment_count: int


@dataclass(slots=True)
class _Open:
    """The envelope state while reading; private to :func:`read_document`."""

    isa: Segment | None = None
    gs: Segment | None = None
    st: Segment | None = None
    body: list[Segment] = field(default_factory=list)
    groups_in_interchange: int = 0
    transactions_in_group: int = 0


def read_document(data: bytes | str) -> Document:
    """Tokenize ``data`` and group its segments into transaction sets.

    Raises:
        X12InputError: the input is empty, not X12, or a transaction set is cut off.
    """
    tokens = tokenize(data)
    warnings = list(tokens.warnings)
    transactions: list[TransactionSet] = []
    state = _Open()
    for segment in tokens.segments:
        tag = segment.elements[0]
        if state.st is not None and tag not in ("SE", "ST", "GE", "IEA", "ISA", "GS"):
            state.body.append(segment)
        elif tag == "SE":
            if state.st is None:
                warnings.append(_stray(segment))
                continue
            transactions.append(_close_transaction(state, state.st, segment))
        elif state.st is not None:
            raise TruncatedError(
                f"truncated: transaction set {state.st.get(2)!r} has no SE before {tag}",
                segment_index=segment.index,
            )
        elif tag == "ST":
            if state.gs is None:
                state.transactions_in_group = 0
            state.st = segment
            state.body = []
            state.transactions_in_group += 1
        elif tag == "GS":
            if state.gs is not None:
                warnings.append(_missing("missing_ge", "GE", state.gs))
            state.gs = segment
            state.transactions_in_group = 0
            state.groups_in_interchange += 1
        elif tag == "GE":
            if state.gs is None:
                warnings.append(_stray(segment))
                continue
            warnings.extend(_check_trailer(segment, state.gs, state.transactions_in_group))
            state.gs = None
        elif tag == "ISA":
            _close_interchange_without_trailer(state, warnings)
            state.isa = segment
            state.groups_in_interchange = 0
        elif tag == "IEA":
            if state.isa is None:
                warnings.append(_stray(segment))
                continue
            if state.gs is not None:
                warnings.append(_missing("missing_ge", "GE", state.gs))
                state.gs = None
            warnings.extend(_check_trailer(segment, state.isa, state.groups_in_interchange))
            state.isa = None
        else:
            warnings.append(_stray(segment))
    if state.st is not None:
        raise TruncatedError(
            f"truncated: transaction set {state.st.get(2)!r} has no SE",
            segment_index=state.st.index,
        )
    _close_interchange_without_trailer(state, warnings)
    return Document(
        transactions=tuple(transactions),
        warnings=tuple(warnings),
        segment_count=len(tokens.segments),
    )


def _close_interchange_without_trailer(state: _Open, warnings: list[X12Warning]) -> None:
    if state.gs is not None:
        warnings.append(_missing("missing_ge", "GE", state.gs))
        state.gs = None
    if state.isa is not None:
        warnings.append(_missing("missing_iea", "IEA", state.isa))
        state.isa = None


def _close_transaction(state: _Open, header: Segment, trailer: Segment) -> TransactionSet:
    warnings: list[X12Warning] = []
    counted = len(state.body) + 2
    declared = trailer.get(1)
    if declared != str(counted):
        warnings.append(
            X12Warning(
                "se_count_mismatch",
                f"SE01 says {declared or 'nothing'} segments, {counted} are present",
                trailer.index,
            )
        )
    if trailer.get(2) != header.get(2):
        warnings.append(
            X12Warning(
                "se_control_mismatch",
                f"SE02 {trailer.get(2)!r} does not match ST02 {header.get(2)!r}",
                trailer.index,
            )
        )
    warnings.extend(_version_warnings(header, state.gs, state.isa))
    transaction = TransactionSet(
        header=header,
        trailer=trailer,
        body=tuple(state.body),
        group_header=state.gs,
        interchange_header=state.isa,
        warnings=tuple(warnings),
    )
    state.st = None
    state.body = []
    return transaction


def _version_warnings(st: Segment, gs: Segment | None, isa: Segment | None) -> list[X12Warning]:
    warnings: list[X12Warning] = []
    st_version = st.get(3)
    gs_version = gs.get(8) if gs is not None else ""
    version = st_version or gs_version
    if st_version and gs_version and st_version != gs_version:
        warnings.append(
            X12Warning(
                "version_mismatch",
                f"GS08 {gs_version!r} differs from ST03 {st_version!r}",
                st.index,
            )
        )
    elif isa is not None and version.startswith("005") and isa.get(12).startswith("004"):
        warnings.append(
            X12Warning(
                "version_mismatch",
                f"ISA12 {isa.get(12)!r} is a 4010 envelope around {version!r}",
                isa.index,
            )
        )
    if version.startswith("004"):
        warnings.append(
            X12Warning("legacy_4010", f"transaction version {version!r} is 4010", st.index)
        )
    if st.get(1) == "271" and gs is not None and gs.get(1) != "HB":
        warnings.append(
            X12Warning(
                "functional_id_mismatch",
                f"GS01 is {gs.get(1)!r} on a 271 (expected 'HB')",
                gs.index,
            )
        )
    return warnings


def _check_trailer(trailer: Segment, header: Segment, counted: int) -> list[X12Warning]:
    """Check GE against GS or IEA against ISA: the count and the control number."""
    control_position = 6 if header.elements[0] == "GS" else 13
    warnings: list[X12Warning] = []
    gs = header.elements[0] == "GS"
    count_code: X12WarningCode = "ge_count_mismatch" if gs else "iea_count_mismatch"
    control_code: X12WarningCode = "ge_control_mismatch" if gs else "iea_control_mismatch"
    declared = trailer.get(1)
    if declared.lstrip("0") != str(counted).lstrip("0"):
        warnings.append(
            X12Warning(
                count_code,
                f"{trailer.elements[0]}01 says {declared or 'nothing'}, {counted} present",
                trailer.index,
            )
        )
    expected = header.get(control_position).strip()
    if trailer.get(2).strip().lstrip("0") != expected.lstrip("0"):
        warnings.append(
            X12Warning(
                control_code,
                f"{trailer.elements[0]}02 {trailer.get(2)!r} does not match "
                f"{header.elements[0]}{control_position:02d} {expected!r}",
                trailer.index,
            )
        )
    return warnings


def _missing(code: X12WarningCode, tag: str, header: Segment) -> X12Warning:
    return X12Warning(code, f"{header.elements[0]} has no {tag} trailer", header.index)


def _stray(segment: Segment) -> X12Warning:
    return X12Warning(
        "unexpected_segment",
        f"{segment.elements[0]} outside any transaction set was ignored",
        segment.index,
    )
