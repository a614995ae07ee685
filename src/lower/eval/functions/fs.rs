//! Filesystem functions: `file`, `filebase64`, `fileexists`, `fileset`, `abspath`,
//! `basename`, `dirname`, `pathexpand`. Relative paths are relative to the jobspec's folder.

use std::path::{Path, PathBuf};

use super::encoding::base64_encode;
use super::{Args, Error, Result, list, string};
use crate::model::Value;

/// Most bytes `file()` reads.
const MAX_FILE: u64 = 8 << 20;

fn resolve(a: &Args<'_, '_>, path: &str) -> PathBuf {
    let path = Path::new(path);
    match &a.cx.base_dir {
        Some(base) if path.is_relative() => base.join(path),
        _ => path.to_path_buf(),
    }
}

fn require_fs(a: &Args<'_, '_>) -> Result<()> {
    if a.cx.scope.allow_fs {
        Ok(())
    } else {
        Err(Error::Call("filesystem functions are disabled here".into()))
    }
}

fn read(a: &mut Args<'_, '_>) -> Result<Vec<u8>> {
    require_fs(a)?;
    let name = a.string(0)?;
    let path = resolve(a, &name);
    // Messages name the path as written, relative to the jobspec's folder.
    let meta = std::fs::metadata(&path)
        .map_err(|e| Error::Arg(0, format!("cannot read {name:?}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::Arg(0, format!("{name:?} is not a file")));
    }
    if meta.len() > MAX_FILE {
        return Err(Error::Arg(
            0,
            format!("{name:?} is larger than {MAX_FILE} bytes"),
        ));
    }
    std::fs::read(&path).map_err(|e| Error::Arg(0, format!("cannot read {name:?}: {e}")))
}

pub(super) fn file(a: &mut Args<'_, '_>) -> Result<Value> {
    let bytes = read(a)?;
    String::from_utf8(bytes)
        .map(string)
        .map_err(|_| Error::Arg(0, "the file is not UTF-8 text; use filebase64()".into()))
}

pub(super) fn filebase64(a: &mut Args<'_, '_>) -> Result<Value> {
    let bytes = read(a)?;
    a.sized(string(base64_encode(&bytes)))
}

pub(super) fn fileexists(a: &mut Args<'_, '_>) -> Result<Value> {
    require_fs(a)?;
    let name = a.string(0)?;
    let path = resolve(a, &name);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Err(Error::Arg(
            0,
            format!("{name:?} is a directory, not a file"),
        )),
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(Error::Arg(0, format!("cannot stat {name:?}: {e}"))),
    }
}

/// Files under `path` matching `pattern` (`*`, `**`, `?`, `[...]`, `{a,b}`), relative to
/// `path`, sorted.
pub(super) fn fileset(a: &mut Args<'_, '_>) -> Result<Value> {
    require_fs(a)?;
    let (dir, pattern) = (a.string(0)?, a.string(1)?);
    let root = resolve(a, &dir);
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    let max = a.cx.limits.max_collection;
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if glob(&pattern, &rel) {
                    found.push(rel);
                }
            }
            if found.len() + stack.len() > max {
                return a.too_many(found.len() + stack.len());
            }
        }
    }
    found.sort();
    Ok(list(found.into_iter().map(string)))
}

/// Glob matching with `**` across directories.
fn glob(pattern: &str, path: &str) -> bool {
    if let Some(open) = pattern.find('{') {
        if let Some(close) = pattern[open..].find('}') {
            let (head, rest) = (&pattern[..open], &pattern[open + 1..open + close]);
            let tail = &pattern[open + close + 1..];
            return rest
                .split(',')
                .any(|alt| glob(&format!("{head}{alt}{tail}"), path));
        }
    }
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') if p.get(1) == Some(&'*') => {
                let rest = if p.get(2) == Some(&'/') {
                    &p[3..]
                } else {
                    &p[2..]
                };
                (0..=s.len()).any(|i| (i == 0 || s[i - 1] == '/') && go(rest, &s[i..]))
                    || go(rest, s)
            }
            Some('*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != '/')
                .any(|i| go(&p[1..], &s[i..])),
            Some('?') => !s.is_empty() && s[0] != '/' && go(&p[1..], &s[1..]),
            Some('[') => {
                let Some(end) = p.iter().position(|&c| c == ']') else {
                    return !s.is_empty() && s[0] == '[' && go(&p[1..], &s[1..]);
                };
                let class = &p[1..end];
                let Some(&c) = s.first() else { return false };
                let (negate, class) = match class.first() {
                    Some('!' | '^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[end + 1..], &s[1..])
            }
            Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    go(&p, &s)
}

pub(super) fn abspath(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = a.string(0)?;
    let path = Path::new(&p);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::Call(e.to_string()))?
            .join(path)
    };
    // Cleaned lexically, as Go's filepath.Abs does.
    let mut clean = PathBuf::new();
    for part in abs.components() {
        match part {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(string(clean.to_string_lossy().into_owned()))
}

pub(super) fn basename(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = a.string(0)?;
    let trimmed = p.trim_end_matches('/');
    Ok(string(match trimmed.rsplit_once('/') {
        _ if p.is_empty() => ".",
        _ if trimmed.is_empty() => "/",
        Some((_, base)) => base,
        None => trimmed,
    }))
}

pub(super) fn dirname(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = a.string(0)?;
    Ok(string(match p.rsplit_once('/') {
        Some(("", _)) => "/".to_owned(),
        Some((dir, _)) => dir.trim_end_matches('/').to_owned(),
        None => ".".to_owned(),
    }))
}

pub(super) fn pathexpand(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = a.string(0)?;
    let Some(rest) = p
        .strip_prefix('~')
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return Ok(string(p));
    };
    let home = std::env::var("HOME").map_err(|_| Error::Call("HOME is not set".into()))?;
    Ok(string(format!("{home}{rest}")))
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_like_doublestar() {
        assert!(glob("*.txt", "a.txt"));
        assert!(!glob("*.txt", "dir/a.txt"));
        assert!(glob("**/*.txt", "dir/sub/a.txt"));
        assert!(glob("**/*.txt", "a.txt"));
        assert!(glob("conf/{a,b}.hcl", "conf/b.hcl"));
        assert!(glob("f?le[0-9].md", "file7.md"));
        assert!(!glob("f?le[!0-9].md", "file7.md"));
    }
}
