"""X12 5010 (and 4010): tokenizer, envelopes, 271 loop tree, 834 reader, code sets, 270 builder.

Pure: no I/O beyond reading the code-set data files shipped with the package.
"""

from eligate.x12._build270 import Envelope270, Inquiry270, InquiryPerson, build_270, npi_is_valid
from eligate.x12._codes import Code, CodeSet, code_set, code_set_keys
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
    "DEFAULT_DELIMITERS",
    "BenefitLoop",
    "Code",
    "CodeSet",
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
    "code_set",
    "code_set_keys",
    "decode",
    "npi_is_valid",
    "read_271",
    "read_834",
    "read_document",
    "read_enrollment",
    "tokenize",
]
