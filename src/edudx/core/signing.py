"""PAdES signatures on the PDFs the platform issues (học bạ số, public-service results).

Three parts, each usable alone:

- the demo PKI (`demo_ca_ensure`): a root CA and per-signer certificates made with
  `cryptography` into VAR_DIR/pki, keys kept as passphrase-protected PKCS#12 files, the
  passphrase from EDUDX_PKI_PASSPHRASE or generated once into that folder (never the repo);
- signers (`signer_from_pkcs12`, `signer_from_pkcs11`, `signer_from_env`): key material
  loaded once per process and cached, because decrypting a PKCS#12 file or logging in to a
  token costs far more than a signature;
- `sign_pdf` (PAdES baseline B-B, or B-T when a time-stamping authority is configured: the
  platform makes no other network call) and `verify_pdf` (pyHanko's validation, summarised
  per signature and as one verdict with a message in the reader's language).

Several signatures go on one document as successive incremental updates (the homeroom
teacher, then the principal or the school's seal), each leaving the bytes the earlier ones
cover untouched. See docs/signing.md.
"""

import asyncio
import concurrent.futures
import datetime as dt
import fcntl
import io
import os
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko.stamp import NoOpStampStyle, StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .errors import DomainError
from .files import write_once, write_private
from .pdf import SignatureBox

ROOT_CA_NAME = "EduDX Demo Root CA"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


# --- demo PKI --------------------------------------------------------------------------------


def pki_passphrase(directory: Path) -> bytes:
    """EDUDX_PKI_PASSPHRASE, or one generated into the PKI folder on first use."""
    if value := _env("PKI_PASSPHRASE"):
        return value.encode()
    return write_once(directory / "passphrase", lambda: secrets.token_urlsafe(32).encode()).strip()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"EDUDX_{name}", default)


def _name(common_name: str, organization: str = "", email: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _p12(name: str, key, cert: x509.Certificate, cas: list, passphrase: bytes) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name.encode(),
        key,
        cert,
        cas or None,
        serialization.BestAvailableEncryption(passphrase),
    )


@dataclass(frozen=True)
class DemoPKI:
    """The demo certificate authority in `directory`: ca.pem (public), ca.p12 (the root's
    key), signers/<slug>.p12 (one per signer), all PKCS#12 files under one passphrase."""

    directory: Path
    root_cert: x509.Certificate
    passphrase: bytes

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "ca.pem"

    def signer_path(self, slug: str) -> Path:
        return self.directory / "signers" / f"{slug}.p12"

    def signer_ensure(
        self,
        slug: str,
        *,
        common_name: str,
        organization: str = "",
        email: str = "",
        valid_days: int = 3 * 365,
    ) -> Path:
        """The PKCS#12 file of signer `slug`, issued by the demo root on first call.

        `slug` names the file (a person's or school's stable code); an existing file is
        returned as it is, whatever the other arguments say."""
        if not _SLUG.match(slug):
            raise DomainError("signing.slug", _("Mã người ký không hợp lệ."), field="slug")
        path = self.signer_path(slug)
        if path.exists():
            return path
        with _locked(self.directory):
            if path.exists():
                return path
            ca_key, ca_cert, _extra = pkcs12.load_key_and_certificates(
                (self.directory / "ca.p12").read_bytes(), self.passphrase
            )
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            now = dt.datetime.now(dt.UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name(common_name, organization, email))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=valid_days))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        content_commitment=True,  # non-repudiation: PAdES validators ask for it
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=False,
                        crl_sign=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
                )
                .sign(ca_key, hashes.SHA256())
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            write_private(path, _p12(slug, key, cert, [ca_cert], self.passphrase))
        return path

    def signer(self, slug: str, **subject) -> "Signer":
        """`signer_ensure` then `signer_from_pkcs12` (cached)."""
        return signer_from_pkcs12(self.signer_ensure(slug, **subject), self.passphrase)


class _locked:
    """An exclusive lock on the PKI folder: two processes starting at once issue one root."""

    def __init__(self, directory: Path):
        self.path = directory / ".lock"

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def demo_ca_ensure(directory: Path | str | None = None) -> DemoPKI:
    """The demo root CA in `directory` (default VAR_DIR/pki), created on first call."""
    directory = Path(directory) if directory else Path(settings.VAR_DIR) / "pki"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    passphrase = pki_passphrase(directory)
    pem = directory / "ca.pem"
    if not pem.exists():
        with _locked(directory):
            if not pem.exists():
                key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
                now = dt.datetime.now(dt.UTC)
                name = _name(ROOT_CA_NAME, "EduDX (demo)")
                cert = (
                    x509.CertificateBuilder()
                    .subject_name(name)
                    .issuer_name(name)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - dt.timedelta(days=1))
                    .not_valid_after(now + dt.timedelta(days=20 * 365))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(
                        x509.KeyUsage(
                            digital_signature=False,
                            content_commitment=False,
                            key_encipherment=False,
                            data_encipherment=False,
                            key_agreement=False,
                            key_cert_sign=True,
                            crl_sign=True,
                            encipher_only=False,
                            decipher_only=False,
                        ),
                        critical=True,
                    )
                    .add_extension(
                        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
                    )
                    .sign(key, hashes.SHA256())
                )
                write_private(directory / "ca.p12", _p12("ca", key, cert, [], passphrase))
                # Public: the root is what verifiers (and pdfsig's NSS database) trust.
                tmp = directory / ".ca.pem.tmp"
                tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
                os.replace(tmp, pem)
    root = x509.load_pem_x509_certificate(pem.read_bytes())
    return DemoPKI(directory=directory, root_cert=root, passphrase=passphrase)


# --- signers ---------------------------------------------------------------------------------


class _MemorySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses its private key for every signature, and
    `cryptography` re-checks an RSA key as it loads it (~25 ms for 2048 bits, more than
    the rest of a signature): this one parses it once."""

    @classmethod
    def from_simple(cls, simple: signers.SimpleSigner) -> "_MemorySigner":
        return cls(
            signing_cert=simple.signing_cert,
            signing_key=simple.signing_key,
            cert_registry=simple.cert_registry,
        )

    @cached_property
    def _key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa":
            return self._key.sign(data, ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True, eq=False)
class Signer:
    """Key material ready to sign, with the certificate's subject for display."""

    backend: signers.Signer
    common_name: str
    organization: str
    source: str  # "pkcs12:<path>" or "pkcs11:<module>#<key label>"

    @cached_property
    def bytes_reserved(self) -> int:
        """Room for this signer's CMS container in the PDF (hex digits). pyHanko would
        build and serialise a throw-away container per document to find it; without a
        timestamp the size depends only on the certificates and the key, so once is
        enough (plus a margin for ECDSA's variable length and a chain that grows)."""
        digest = hashes.Hash(hashes.SHA256()).finalize()
        cms = _run(self.backend.async_sign(digest, "sha256", use_pades=True, dry_run=True))
        return len(cms.dump()) * 2 + 1024


def _subject_of(cert: asn1_x509.Certificate) -> tuple[str, str]:
    native = cert.subject.native
    return native.get("common_name", ""), native.get("organization_name", "")


def _as_bytes(passphrase: bytes | str | None) -> bytes | None:
    return passphrase.encode() if isinstance(passphrase, str) else passphrase


def signer_from_pkcs12(path: Path | str, passphrase: bytes | str | None) -> Signer:
    """A signer from a PKCS#12 (.p12/.pfx) file, loaded once per process while the file
    stays the same (a renewed certificate replaces the file and is picked up)."""
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise DomainError(
            "signing.keystore", _("Không đọc được tệp chứng thư số: %(path)s") % {"path": path}
        ) from exc
    return _pkcs12_cached(str(path), stat.st_mtime_ns, stat.st_size, _as_bytes(passphrase))


@lru_cache(maxsize=256)
def _pkcs12_cached(path: str, _mtime: int, _size: int, passphrase: bytes | None) -> Signer:
    try:
        backend = _MemorySigner.from_simple(
            signers.SimpleSigner.load_pkcs12_data(
                Path(path).read_bytes(), other_certs=(), passphrase=passphrase
            )
        )
    except ValueError as exc:
        raise DomainError(
            "signing.keystore",
            _("Không mở được tệp chứng thư số (sai mật khẩu hoặc tệp hỏng): %(path)s")
            % {"path": path},
        ) from exc
    cn, org = _subject_of(backend.signing_cert)
    return Signer(backend=backend, common_name=cn, organization=org, source=f"pkcs12:{path}")


@lru_cache(maxsize=32)
def signer_from_pkcs11(
    *,
    module: str,
    key_label: str,
    cert_label: str | None = None,
    token_label: str | None = None,
    slot: int | None = None,
    pin: str | None = None,
) -> Signer:
    """A signer whose key stays on a PKCS#11 token (USB token, HSM, SoftHSM).

    The session is opened once and kept for the life of the process; the key never leaves
    the token. Needs the `python-pkcs11` package (the `pkcs11` extra)."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    try:
        session = pkcs11.open_pkcs11_session(
            module,
            slot_no=slot,
            token_criteria=TokenCriteria(label=token_label) if token_label else None,
            user_pin=pin,
        )
        backend = pkcs11.PKCS11Signer(
            session, cert_label=cert_label or key_label, key_label=key_label
        )
        cert = backend.signing_cert
    except Exception as exc:
        raise DomainError(
            "signing.token",
            _("Không mở được token ký số: %(error)s") % {"error": exc},
        ) from exc
    cn, org = _subject_of(cert)
    return Signer(
        backend=backend, common_name=cn, organization=org, source=f"pkcs11:{module}#{key_label}"
    )


def signer_from_env(name: str) -> Signer:
    """The signer configured as EDUDX_SIGNER_<NAME>_*: a PKCS#12 file
    (…_PKCS12, …_PASSPHRASE) or a PKCS#11 token (…_PKCS11_MODULE, …_PKCS11_KEY,
    optional …_PKCS11_CERT, …_PKCS11_TOKEN or …_PKCS11_SLOT, …_PKCS11_PIN)."""
    prefix = f"SIGNER_{name.upper()}_"
    if path := _env(prefix + "PKCS12"):
        return signer_from_pkcs12(path, _env(prefix + "PASSPHRASE") or None)
    if module := _env(prefix + "PKCS11_MODULE"):
        slot = _env(prefix + "PKCS11_SLOT")
        return signer_from_pkcs11(
            module=module,
            key_label=_env(prefix + "PKCS11_KEY"),
            cert_label=_env(prefix + "PKCS11_CERT") or None,
            token_label=_env(prefix + "PKCS11_TOKEN") or None,
            slot=int(slot) if slot else None,
            pin=_env(prefix + "PKCS11_PIN") or None,
        )
    raise DomainError(
        "signing.not_configured",
        _("Chưa cấu hình chứng thư số cho người ký «%(name)s».") % {"name": name},
    )


def demo_keys_allowed() -> bool:
    """Demo certificates sign only where no real trust root is configured (as
    `default_trust_roots` trusts the demo root only then); EDUDX_SIGNING_DEMO_KEYS overrides."""
    default = "0" if _env("SIGNING_TRUST_ROOTS") else "1"
    return _env("SIGNING_DEMO_KEYS", default).lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=8)
def _demo_pki(directory: str) -> DemoPKI:
    # Reading and parsing the root certificate once per process, not per signature.
    return demo_ca_ensure(directory)


def unit_signer_names(unit) -> list[str]:
    """The unit's own certificate: UNIT_<unit code>, then SCHOOL_<unit code> (the name
    transcripts used first); none for a unit without a code."""
    code = getattr(unit, "code", "")
    return [f"UNIT_{code}", f"SCHOOL_{code}"] if code else []


def signer_names(actor, unit) -> list[str]:
    """Where `signer_for` looks, in order: the person's certificate USER_<user id>, then the
    unit's (`unit_signer_names`)."""
    return [f"USER_{actor.pk}", *unit_signer_names(unit)]


def _configured(names: Sequence[str]) -> "Signer | None":
    """The first of EDUDX_SIGNER_<name>_* that is configured, or None."""
    for name in names:
        try:
            return signer_from_env(name)
        except DomainError as exc:
            if exc.code != "signing.not_configured":
                raise
    return None


def _demo_signer(slug: str, **subject) -> "Signer":
    return _demo_pki(str(Path(settings.VAR_DIR) / "pki")).signer(slug, **subject)


def signer_for(actor, unit) -> "Signer":
    """The key `actor` signs with for `unit` (an org unit: `code`, `name`): the first of
    EDUDX_SIGNER_<name>_* configured for `signer_names`, else — on a site with no real
    trust root — the demo PKI's certificate `user-<user id>` (issued on first use, in the
    person's name and the unit's). Every module that signs (transcripts, public-service
    results, training certificates, outgoing documents, report exports) finds keys here."""
    names = signer_names(actor, unit)
    if configured := _configured(names):
        return configured
    if not demo_keys_allowed():
        raise DomainError(
            "signing.not_configured",
            _("Chưa cấu hình chứng thư số cho người ký «%(name)s».") % {"name": " / ".join(names)},
        )
    person = getattr(actor, "person", None)
    return _demo_signer(
        f"user-{actor.pk}",
        common_name=person.full_name if person else actor.get_username(),
        organization=unit.name,
    )


def unit_signer(unit) -> "Signer":
    """The organisation's own key for `unit` (chữ ký số của cơ quan, tổ chức — what stands
    for its seal on an electronic document): EDUDX_SIGNER_UNIT_<code>_* (or SCHOOL_<code>),
    else — on a site with no real trust root — the demo PKI's certificate `unit-<id>` in the
    unit's name. Never a person's certificate."""
    if configured := _configured(unit_signer_names(unit)):
        return configured
    if not demo_keys_allowed():
        raise DomainError(
            "signing.not_configured",
            _("Chưa cấu hình chứng thư số của đơn vị «%(name)s».") % {"name": unit.name},
        )
    parent = getattr(unit, "parent", None)
    return _demo_signer(
        f"unit-{unit.pk}",
        common_name=unit.name,
        organization=parent.name if parent is not None else "",
    )


# --- signing ---------------------------------------------------------------------------------


def _bad_pdf() -> DomainError:
    return DomainError("signing.bad_pdf", _("Tệp không phải là tài liệu PDF hợp lệ."))


_LOOPS = threading.local()


def _run_here(coro):
    loop = getattr(_LOOPS, "loop", None)
    if loop is None or loop.is_closed():
        loop = _LOOPS.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


def _run(coro):
    """pyHanko is asyncio inside; one event loop per thread, reused (asyncio.run would make
    and tear down a loop per document). Call from synchronous code (views, tasks). If this
    thread already runs an event loop (an async caller, or Playwright's sync API), the
    coroutine runs on a helper thread with its own loop instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coro)
    return _HELPER.submit(_run_here, coro).result()


_HELPER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="edudx-sign")


def sign_pdf(
    pdf_bytes: bytes,
    *,
    signer: Signer,
    field_name: str,
    reason: str = "",
    location: str = "",
    box: SignatureBox | None = None,
    appearance: bytes | None = None,
    tsa_url: str | None = None,
) -> bytes:
    """`pdf_bytes` with one more PAdES signature, appended as an incremental update.

    `box` (from `core.pdf.render_document`) makes the field visible over the signature
    slot the document drew; without it the field is invisible. `appearance`, a one-page PDF
    (`core.pdf.seal_appearance`: an organisation's seal), is what the field shows; without
    it the field draws nothing over the slot. `tsa_url` (default
    EDUDX_SIGNING_TSA_URL) adds an RFC 3161 timestamp (PAdES B-T); none by default, so
    signing makes no network call (B-B)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    except Exception as exc:
        raise _bad_pdf() from exc
    for existing in fields.enumerate_sig_fields(writer.prev, filled_status=True):
        if existing[0] == field_name:
            raise DomainError(
                "signing.field_signed",
                _("Ô chữ ký «%(field)s» đã được ký.") % {"field": field_name},
                field="field_name",
            )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    spec = None
    if box is not None:
        spec = fields.SigFieldSpec(field_name, on_page=box.page, box=box.box)
    timestamper = None
    if tsa_url := tsa_url if tsa_url is not None else _env("SIGNING_TSA_URL"):
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(tsa_url)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer.backend,
        timestamper=timestamper,
        # The document drew the slot (title, "(Ký số)", name); the widget adds no stamp
        # unless it is a seal.
        stamp_style=_appearance_style(appearance) if appearance else NoOpStampStyle(),
        new_field_spec=spec,
    )
    # With a timestamp the container's size depends on the authority's reply: let pyHanko
    # estimate it per document.
    reserved = None if timestamper else signer.bytes_reserved
    out = io.BytesIO()
    _run(pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=reserved))
    return out.getvalue()


class _PdfPageBytes(ImportedPdfPage):
    """pyHanko's imported page, read from bytes instead of a file name."""

    def __init__(self, data: bytes):
        super().__init__(file_name=None)
        self.data = data

    def render(self) -> bytes:
        xobj = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)))
        name = f"/Appearance{secrets.token_hex(8)}"
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _appearance_style(appearance: bytes) -> StaticStampStyle:
    return StaticStampStyle(background=_PdfPageBytes(appearance), border_width=0)


# --- verification ----------------------------------------------------------------------------

_MODIFICATIONS = {
    None: "none",
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "signatures_only",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer_name: str  # the certificate's common name
    signer_organization: str
    signing_time: dt.datetime | None  # as the signer declared it (no timestamp in B-B)
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature value matches them
    trusted: bool  # the certificate chains to a trusted root
    covers_whole_document: bool
    modified_after: str  # none / signatures_only / form_filling / annotations / other
    modifications_allowed: bool  # what came after this signature is permitted
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.modifications_allowed


@dataclass(frozen=True)
class VerificationResult:
    verdict: str  # authentic / tampered / invalid / untrusted / incomplete / unsigned
    message: str
    signatures: tuple[SignatureReport, ...]

    @property
    def authentic(self) -> bool:
        return self.verdict == "authentic"

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "message": self.message,
            "signatures": [
                {
                    **{k: getattr(s, k) for k in SignatureReport.__dataclass_fields__},
                    "signing_time": s.signing_time.isoformat() if s.signing_time else None,
                }
                for s in self.signatures
            ],
        }


def _asn1(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def load_certificates(path: Path | str) -> list[x509.Certificate]:
    """Every certificate in a PEM (one or many) or DER file."""
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def default_trust_roots() -> list[x509.Certificate]:
    """EDUDX_SIGNING_TRUST_ROOTS (certificate files, separated by the OS path separator),
    plus the demo root when EDUDX_SIGNING_TRUST_DEMO_ROOT is on — by default only when no
    real root is configured, so a production site does not trust its own demo CA."""
    roots: list[x509.Certificate] = []
    configured = [p for p in _env("SIGNING_TRUST_ROOTS").split(os.pathsep) if p]
    for path in configured:
        roots += load_certificates(path)
    trust_demo = _env("SIGNING_TRUST_DEMO_ROOT", "0" if configured else "1")
    demo = Path(settings.VAR_DIR) / "pki" / "ca.pem"
    if trust_demo.lower() in {"1", "true", "yes", "on"} and demo.exists():
        roots += load_certificates(demo)
    return roots


def _report(embedded, status) -> SignatureReport:
    cn, org = _subject_of(embedded.signer_cert)
    level = status.modification_level
    return SignatureReport(
        field_name=embedded.field_name,
        signer_name=cn,
        signer_organization=org,
        signing_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modified_after=_MODIFICATIONS.get(level, "other"),
        modifications_allowed=bool(status.docmdp_ok) or level is None,
    )


def _padding_clean(embedded) -> bool:
    """/Contents is the one part of the file no signature covers: the CMS container, then
    zero padding. Readers ignore what follows the container, so bytes hidden there would
    survive every check; anything but zeros is reported as tampering."""
    content = embedded.pkcs7_content
    used = len(asn1_cms.ContentInfo.load(content).dump())
    return not content[used:].strip(b"\0")


def _broken(embedded, exc: Exception) -> SignatureReport:
    try:
        cn, org = _subject_of(embedded.signer_cert)
    except Exception:  # the CMS blob itself may be what was damaged
        cn, org = "", ""
    return SignatureReport(
        field_name=embedded.field_name,
        signer_name=cn,
        signer_organization=org,
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_document=False,
        modified_after="other",
        modifications_allowed=False,
        error=f"{type(exc).__name__}: {exc}",
    )


def _verdict(reports: Sequence[SignatureReport], expected: Sequence[str] | None) -> tuple[str, str]:
    if not reports:
        return "unsigned", _("Tài liệu không có chữ ký số.")
    if not all(r.intact for r in reports) or not all(r.modifications_allowed for r in reports):
        return "tampered", _(
            "Tài liệu đã bị thay đổi sau khi ký: nội dung không còn khớp với chữ ký số."
        )
    if not all(r.valid for r in reports):
        return "invalid", _("Chữ ký số không hợp lệ.")
    if not all(r.trusted for r in reports):
        return "untrusted", _(
            "Chữ ký số đúng nhưng chứng thư số không do tổ chức chứng thực được tin cậy cấp."
        )
    if expected is not None and [r.field_name for r in reports] != list(expected):
        return "incomplete", _("Tài liệu chưa đủ các chữ ký số theo đúng thứ tự quy định.")
    return "authentic", _(
        "Tài liệu xác thực: các chữ ký số hợp lệ và nội dung không bị thay đổi sau khi ký."
    )


def verify_pdf(
    pdf_bytes: bytes,
    *,
    trust_roots: Iterable | None = None,
    expected_fields: Sequence[str] | None = None,
) -> VerificationResult:
    """Check every signature of a PDF, in signing order.

    `trust_roots`: certificates (cryptography or asn1crypto) to trust; default
    `default_trust_roots()`. `expected_fields`: the signature fields the document must
    carry, in this order (["homeroom", "principal"]), else the verdict is "incomplete".
    Revocation is not checked online (no network); a damaged signature is reported, never
    raised. Input that is not a PDF at all raises DomainError("signing.bad_pdf")."""
    if not isinstance(pdf_bytes, bytes | bytearray) or b"%PDF-" not in pdf_bytes[:1024]:
        raise _bad_pdf()
    roots = [_asn1(c) for c in (default_trust_roots() if trust_roots is None else trust_roots)]
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = reader.embedded_regular_signatures
    except Exception:
        # A PDF header but a structure that no longer parses: a damaged or edited file.
        return VerificationResult(
            verdict="tampered",
            message=_("Tệp PDF bị hỏng hoặc đã bị sửa đổi; không kiểm tra được chữ ký số."),
            signatures=(),
        )
    reports = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = _run(async_validate_pdf_signature(sig, context))
            report = _report(sig, status)
            if not _padding_clean(sig):
                report = replace(report, intact=False, error="data after the CMS container")
            reports.append(report)
        except Exception as exc:  # a damaged signature is a finding, not a crash
            reports.append(_broken(sig, exc))
    verdict, message = _verdict(reports, expected_fields)
    return VerificationResult(verdict=verdict, message=message, signatures=tuple(reports))
