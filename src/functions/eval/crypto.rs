//! Cryptographic functions: `md5`, `sha1`, `sha256`, `sha512`, each
//! returning the lower-case hex digest of the text.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec};

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("md5", 1, 1, hash::<Md5>),
    eager("sha1", 1, 1, hash::<Sha1>),
    eager("sha256", 1, 1, hash::<Sha256>),
    eager("sha512", 1, 1, hash::<Sha512>),
];

fn hash<D: Digest>(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(text) = arg(&args, 0).as_text() else {
        return Ok(EvalValue::Null);
    };
    let digest = D::digest(text.as_bytes());
    Ok(EvalValue::Str(
        digest.iter().map(|b| format!("{b:02x}")).collect(),
    ))
}
