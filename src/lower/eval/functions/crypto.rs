//! Hash, UUID and password functions: `md5`, `sha1`, `sha256`, `sha512`, `bcrypt`, `uuidv4`,
//! `uuidv5`, and `rsadecrypt` (not supported).

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::{Args, Error, Result, string};
use crate::model::Value;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest<D: Digest>(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    Ok(string(hex(&D::digest(s.as_bytes()))))
}

pub(super) fn md5(a: &mut Args<'_, '_>) -> Result<Value> {
    digest::<Md5>(a)
}

pub(super) fn sha1(a: &mut Args<'_, '_>) -> Result<Value> {
    digest::<Sha1>(a)
}

pub(super) fn sha256(a: &mut Args<'_, '_>) -> Result<Value> {
    digest::<Sha256>(a)
}

pub(super) fn sha512(a: &mut Args<'_, '_>) -> Result<Value> {
    digest::<Sha512>(a)
}

pub(super) fn bcrypt(a: &mut Args<'_, '_>) -> Result<Value> {
    let s = a.string(0)?;
    let cost = if a.len() > 1 { a.int(1)? } else { 10 };
    let cost = u32::try_from(cost)
        .ok()
        .filter(|c| (4..=16).contains(c))
        .ok_or_else(|| Error::Arg(1, format!("the cost must be between 4 and 16, not {cost}")))?;
    // Go's bcrypt, which Nomad uses, writes the `$2a$` version prefix.
    ::bcrypt::hash_with_result(s, cost)
        .map(|h| string(h.format_for_version(::bcrypt::Version::TwoA)))
        .map_err(|e| Error::Call(e.to_string()))
}

pub(super) fn uuidv4(_: &mut Args<'_, '_>) -> Result<Value> {
    Ok(string(uuid::Uuid::new_v4().to_string()))
}

pub(super) fn uuidv5(a: &mut Args<'_, '_>) -> Result<Value> {
    let namespace = a.string(0)?;
    let name = a.string(1)?;
    let ns = match namespace.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|_| {
            Error::Arg(
                0,
                format!("the namespace is `dns`, `url`, `oid`, `x500` or a UUID, not {other:?}"),
            )
        })?,
    };
    Ok(string(uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string()))
}

pub(super) fn rsadecrypt(_: &mut Args<'_, '_>) -> Result<Value> {
    Err(Error::Call(
        "not supported: decrypting with a private key at parse time puts the key in the jobspec; use Nomad variables or Vault".into(),
    ))
}
