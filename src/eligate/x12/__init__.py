"""X12 5010 (and 4010) eligibility: tokenizer, envelopes, 271 loop tree, code sets, 270 builder.

Pure: no I/O beyond reading the code-set data files shipped with the package.
"""

from eligate.x12._build270 import Envelope270, Inquiry270, InquiryPerson, build_270, npi_is_valid
from eligate.x12._codes import Code, CodeSet, code_set, code_set_keys
from eligate.x12._envelope import Document, TransactionSet, iter_document, read_document
from eligate.x12._loops import BenefitLoop, Party, RelatedEntity, Transaction271, read_271
from eligate.x12._segments import DEFAULT_DELIMITERS, Delimiters, Segment
from eligate.x12._tokenizer import Tokens, decode, iter_tokens, tokenize
from eligate.x12._warnings import X12Warning
from eligate.x12.errors import (
    EmptyInputError,
    NotA271Error,
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
    "Delimiters",
    "Document",
    "EmptyInputError",
    "Envelope270",
    "Inquiry270",
    "InquiryPerson",
    "NotA271Error",
    "NotX12Error",
    "Party",
    "RelatedEntity",
    "Segment",
    "Tokens",
    "Transaction271",
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
    "iter_document",
    "iter_tokens",
    "npi_is_valid",
    "read_271",
    "read_document",
    "tokenize",
]
