"""C2PA content credentials: sign exported copies, read and verify any file's manifest,
and the studio's own local certificate (ES256 root -> intermediate -> leaf).

The local certificate proves only that this studio signed a file; validators report its
signer as untrusted. A certificate the user configures (PEM chain + key) is used as is.
c2pa objects are made and used on one thread: call these from the export worker.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio import __version__
from studio.core.atomic import write_atomic
from studio.core.export.embed import ALGORITHMIC_MEDIA, TRAINED_ALGORITHMIC_MEDIA

if TYPE_CHECKING:  # imported when used: signing is rare and these load slowly
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

LOCAL_SUBJECT = "Provider Studio local certificate (not a trusted issuer)"
LOCAL_DIR = "c2pa"
PARENT_LABEL = "provider-original"
GENERATION_ASSERTION = "org.provider-studio.generation"
SIGNABLE = frozenset({"image/png", "image/jpeg", "image/webp", "video/mp4",
                      "video/quicktime", "image/gif", "image/avif"})
_READ_SETTINGS: dict[str, Any] = {"verify": {"remote_manifest_fetch": False,
                                             "ocsp_fetch": False}}
_generate_lock = threading.Lock()


class CredentialsError(RuntimeError):
    """Signing is not possible as configured; the message says what to fix."""


@dataclass(frozen=True)
class SigningCertificate:
    chain: Path  # leaf first, then intermediates (not the root)
    key: Path
    local: bool
    root: Path | None = None  # the local root, usable as a trust anchor when verifying

    def subject(self) -> str:
        from cryptography import x509

        leaf = x509.load_pem_x509_certificates(self.chain.read_bytes())[0]
        return leaf.subject.rfc4514_string()


@dataclass(frozen=True)
class Ingredient:
    """A studio asset the exported file was made from (its lineage parent)."""

    path: Path
    media_type: str
    title: str
    role: str  # input, reference, start_frame, end_frame, mask, source
    asset_id: str

    @property
    def label(self) -> str:
        return f"parent-{self.asset_id}"


@dataclass(frozen=True)
class Claim:
    """What our manifest says about one exported file."""

    title: str
    provider: str
    provider_name: str
    model: str
    prompt_sha256: str
    job_id: str
    seed: int | None = None
    # Lineage parents: each becomes an `inputTo` ingredient of the manifest.
    ingredients: tuple[Ingredient, ...] = ()
    # Rendered by the local emulator: the manifest says "sandbox render", never the provider.
    sandbox: bool = False


SANDBOX_AGENT = "sandbox render (Provider Studio's local emulator)"


def made_by(provider_name: str, model: str, sandbox: bool) -> str:
    """Who made an output, in words: a sandbox render is never credited to the provider."""
    if sandbox:
        return f"{SANDBOX_AGENT}, standing in for {provider_name} {model}"
    return f"{provider_name} {model}"


# -- certificates --------------------------------------------------------------------------


def local_certificate(config_dir: Path) -> SigningCertificate:
    """The studio's local certificate under config_dir/c2pa, made on first use."""
    folder = Path(config_dir) / LOCAL_DIR
    cert = SigningCertificate(folder / "studio-chain.pem", folder / "studio-key.pem", True,
                              folder / "studio-root.pem")
    with _generate_lock:
        if not _usable(cert):
            _generate(cert)
    return cert


def user_certificate(chain: Path | str, key: Path | str) -> SigningCertificate:
    chain, key = Path(chain).expanduser(), Path(key).expanduser()
    for path, what in ((chain, "certificate chain"), (key, "private key")):
        if not path.is_file():
            raise CredentialsError(f"the {what} {path} does not exist")
    return SigningCertificate(chain, key, False)


def choose_certificate(config_dir: Path, chain: str | None, key: str | None
                       ) -> SigningCertificate:
    """The user's certificate when both paths are given, else the local studio one."""
    if bool(chain) != bool(key):
        raise CredentialsError("give both the certificate chain (PEM) and its private key")
    if chain and key:
        return user_certificate(chain, key)
    return local_certificate(config_dir)


def _usable(cert: SigningCertificate) -> bool:
    from cryptography import x509

    try:
        leaf = x509.load_pem_x509_certificates(cert.chain.read_bytes())[0]
        cert.key.read_bytes()
    except (OSError, ValueError):
        return False
    return leaf.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def _generate(cert: SigningCertificate) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    root = _certificate("Provider Studio local root (not a trusted issuer)", keys[0],
                        None, keys[0], ca=True, path_length=1, years=10)
    inter = _certificate("Provider Studio local intermediate (not a trusted issuer)",
                         keys[1], root, keys[0], ca=True, path_length=0, years=10)
    leaf = _certificate(LOCAL_SUBJECT, keys[2], inter, keys[1], ca=False, years=5)
    pem = serialization.Encoding.PEM
    key_pem = keys[2].private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    write_atomic(cert.key, key_pem)  # mkstemp: readable by this user only
    write_atomic(cert.chain, leaf.public_bytes(pem) + inter.public_bytes(pem))
    if cert.root is not None:
        write_atomic(cert.root, root.public_bytes(pem))


def _certificate(common_name: str, key: EllipticCurvePrivateKey,
                 issuer: x509.Certificate | None, issuer_key: EllipticCurvePrivateKey, *,
                 ca: bool, years: int, path_length: int | None = None) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Provider Studio (local)")])
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.subject if issuer is not None else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=False, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                   crl_sign=ca, encipher_only=False, decipher_only=False), True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False)
    if not ca:  # C2PA signers need documentSigning or emailProtection
        document_signing = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
        builder = builder.add_extension(x509.ExtendedKeyUsage(
            [document_signing, ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
    return builder.sign(issuer_key, hashes.SHA256())


# -- signing -------------------------------------------------------------------------------


def make_signer(cert: SigningCertificate) -> c2pa.Signer:
    import c2pa

    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, cert.chain.read_bytes(),
                                   cert.key.read_bytes(), None)
        return c2pa.Signer.from_info(info)
    except (OSError, c2pa.C2paError) as exc:
        raise CredentialsError(f"cannot sign with {cert.chain.name} and {cert.key.name}: "
                               f"{exc} (an ES256 key and its PEM chain are needed)") from None


def sign_copy(src: Path, dst: Path, media_type: str, signer: Any, claim: Claim,
              parent: Path | None = None) -> None:
    """Write `src` signed to `dst`. With `parent` (a file carrying a provider's manifest),
    that file and its manifest become our manifest's parent ingredient."""
    import c2pa

    manifest = _manifest(claim, with_parent=parent is not None)
    try:
        with c2pa.Builder(manifest) as builder:
            if parent is not None:
                with open(parent, "rb") as fh:
                    builder.add_ingredient({"title": f"{claim.provider_name} original",
                                            "relationship": "parentOf",
                                            "label": PARENT_LABEL}, media_type, fh)
            for ingredient in claim.ingredients:
                with open(ingredient.path, "rb") as fh:
                    builder.add_ingredient({"title": ingredient.title,
                                            "relationship": "inputTo",
                                            "label": ingredient.label},
                                           ingredient.media_type, fh)
            with open(src, "rb") as source, open(dst, "w+b") as dest:
                builder.sign(signer, media_type, source, dest)
    except c2pa.C2paError as exc:
        raise CredentialsError(f"signing {claim.title} failed: {exc}") from None


def _manifest(claim: Claim, *, with_parent: bool) -> dict[str, Any]:
    generation = {"provider": claim.provider, "provider_name": claim.provider_name,
                  "model": claim.model, "prompt_sha256": claim.prompt_sha256,
                  "job_id": claim.job_id, "seed": claim.seed, "sandbox": claim.sandbox,
                  "parents": [{"asset_id": i.asset_id, "role": i.role}
                              for i in claim.ingredients]}
    if with_parent:  # the provider's own manifest says how it was created
        action = {"action": "c2pa.opened",
                  "softwareAgent": {"name": "Provider Studio", "version": __version__},
                  "parameters": {"ingredientIds": [PARENT_LABEL],
                                 "description": "exported copy of the provider's signed file"}}
    else:
        parameters: dict[str, Any] = {"prompt_sha256": claim.prompt_sha256}
        if claim.ingredients:  # made from other assets: name them
            parameters["ingredientIds"] = [i.label for i in claim.ingredients]
        if claim.sandbox:
            parameters["description"] = ("sandbox render: made on this computer by a local "
                                         "emulator, not by the provider")
        action = {"action": "c2pa.created",
                  "digitalSourceType": ALGORITHMIC_MEDIA if claim.sandbox
                  else TRAINED_ALGORITHMIC_MEDIA,
                  "softwareAgent": {"name": made_by(claim.provider_name, claim.model,
                                                    claim.sandbox)},
                  "parameters": parameters}
    return {
        "claim_generator_info": [{"name": "Provider Studio", "version": __version__}],
        "title": claim.title,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [action]}},
                       {"label": GENERATION_ASSERTION, "data": generation}],
    }


# -- reading -------------------------------------------------------------------------------


@dataclass
class CredentialReport:
    """What a file's content credentials say, in terms a user can act on."""

    status: str  # trusted | valid | invalid | none | unreadable
    detail: str = ""
    untrusted_signer: bool = False
    signer: str | None = None
    issuer: str | None = None
    claim_generator: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    sandbox: bool = False  # our manifest says it is a sandbox render

    @property
    def present(self) -> bool:
        return self.status not in ("none", "unreadable")

    def headline(self) -> str:
        return {
            "trusted": "Valid, signed by a trusted issuer",
            "valid": "Valid, untrusted signer" if self.untrusted_signer else "Valid",
            "invalid": "INVALID: the file or its manifest was changed after signing",
            "none": "No content credentials",
            "unreadable": f"Unreadable: {self.detail}",
        }[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "headline": self.headline(), "detail": self.detail,
                "untrusted_signer": self.untrusted_signer, "signer": self.signer,
                "issuer": self.issuer, "claim_generator": self.claim_generator,
                "actions": self.actions, "ingredients": self.ingredients,
                "failures": self.failures, "sandbox": self.sandbox}


def has_manifest(path: Path) -> bool:
    """Whether the file carries an embedded C2PA manifest (valid or not)."""
    return read_credentials(path).present


def read_credentials(path: Path, trust_anchors: str | None = None) -> CredentialReport:
    """Read and validate; `trust_anchors` (PEM roots) lets a signer count as trusted.
    Never fetches a remote manifest or OCSP response."""
    import c2pa

    settings = dict(_READ_SETTINGS)
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}
    try:
        with c2pa.Context.from_dict(settings) as context, \
                c2pa.Reader(str(path), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in type(exc).__name__ or "ManifestNotFound" in text:
            return CredentialReport("none")
        return CredentialReport("unreadable", detail=text.splitlines()[0][:200])
    except OSError as exc:
        return CredentialReport("unreadable", detail=str(exc))
    return _report(store)


def _report(store: dict[str, Any]) -> CredentialReport:
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "", {})
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = [f.get("code", "") for f in results.get("failure") or []]
    state = (store.get("validation_state") or "").lower()
    untrusted = "signingCredential.untrusted" in failures
    status = {"trusted": "trusted", "valid": "valid"}.get(state, "invalid")
    signature = active.get("signature_info") or {}
    report = CredentialReport(status, untrusted_signer=untrusted,
                              signer=signature.get("common_name"),
                              issuer=signature.get("issuer"),
                              failures=[f for f in failures if f != "signingCredential.untrusted"])
    report.claim_generator = [
        " ".join(str(x) for x in (g.get("name"), g.get("version")) if x)
        for g in active.get("claim_generator_info") or []]
    for assertion in active.get("assertions") or []:
        if assertion.get("label") == GENERATION_ASSERTION:
            report.sandbox = bool((assertion.get("data") or {}).get("sandbox"))
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for a in (assertion.get("data") or {}).get("actions") or []:
                agent = a.get("softwareAgent")
                report.actions.append({
                    "action": a.get("action"),
                    "software_agent": agent.get("name") if isinstance(agent, dict) else agent,
                    "digital_source_type": a.get("digitalSourceType"),
                    "parameters": {k: v for k, v in (a.get("parameters") or {}).items()
                                   if k != "ingredients"}})
    for ing in active.get("ingredients") or []:
        parent = manifests.get(ing.get("active_manifest") or "", {})
        report.ingredients.append({
            "title": ing.get("title"), "relationship": ing.get("relationship"),
            "format": ing.get("format"), "has_manifest": bool(ing.get("active_manifest")),
            "signer": (parent.get("signature_info") or {}).get("common_name"),
            "claim_generator": [g.get("name") for g in parent.get("claim_generator_info") or []]})
    return report
