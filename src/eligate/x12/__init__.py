"""X12 5010 (and 4010): tokenizer, envelopes, 271 loop tree, 834 reader, code sets, writers.

Also the CAQH CORE real-time envelope (MIME multipart) 270s and 271s travel in.
Pure: no I/O beyond reading the code-set data files shipped with the package.
"""

from eligate.x12._build270 import Envelope270, Inquiry270, InquiryPerson, build_270, npi_is_valid
from eligate.x12._build271 import build_271
from eligate.x12._codes import Code, CodeSet, code_set, code_set_keys
from eligate.x12._core_envelope import (
    CORE_RULE_VERSION,
    REQUEST_PAYLOAD_TYPE,
    RESPONSE_PAYLOAD_TYPE,
    CoreEnvelope,
    core_timestamp,
    decode_multipart,
    encode_multipart,
)
from eligate.x12._enrollment import (
    Coverage834,
    Member834,
    Transaction834,
    read_834,
    read_enrollment,
)
from eligate.x12._envelope import Document, TransactionSet, read_document
from eligate.x12._loops import BenefitLoop, Party, RelatedEntity, Transaction271, read_271
from eligate.x12._segments import DEFAULT_DELIMITERS, Delimiters, Segment
from eligate.x12._tokenizer import Tokens, decode, tokenize
from eligate.x12._warnings import X12Warning
from eligate.x12.errors import (
    EmptyInputError,
    NotA271Error,
    NotAn834Error,
    NotX12Error,
    TruncatedError,
    X12Error,
    X12InputError,
    X12UsageError,
)

__all__ = [
    "CORE_RULE_VERSION",
    "DEFAULT_DELIMITERS",
    "REQUEST_PAYLOAD_TYPE",
    "RESPONSE_PAYLOAD_TYPE",
    "BenefitLoop",
    "Code",
    "CodeSet",
    "CoreEnvelope",
    "Coverage834",
    "Delimiters",
    "Document",
    "EmptyInputError",
    "Envelope270",
    "Inquiry270",
    "InquiryPerson",
    "Member834",
    "NotA271Error",
    "NotAn834Error",
    "NotX12Error",
    "Party",
    "RelatedEntity",
    "Segment",
    "Tokens",
    "Transaction271",
    "Transaction834",
    "TransactionSet",
    "TruncatedError",
    "X12Error",
    "X12InputError",
    "X12UsageError",
    "X12Warning",
    "build_270",
    "build_271",
    "code_set",
    "code_set_keys",
    "core_timestamp",
    "decode",
    "decode_multipart",
    "encode_multipart",
    "npi_is_valid",
    "read_271",
    "read_834",
    "read_document",
    "read_enrollment",
    "tokenize",
]
