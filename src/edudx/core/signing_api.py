"""API schema shared by the public checks of signed PDFs (transcripts, outgoing documents):
one signature as `core.signing.verify_pdf` reports it."""

import datetime as dt

from ninja import Schema


class SignatureOut(Schema):
    field_name: str
    signer_name: str
    signer_organization: str
    signing_time: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_document: bool
    modified_after: str
    modifications_allowed: bool
    error: str
